import { describe, expect, test } from 'vitest';
import { readTuning } from '../../src/tuning.js';

describe('RELENG_* tuning', () => {
  test("unset means the clients' defaults", () => {
    expect(readTuning({})).toEqual({
      s3: {
        concurrency: undefined,
        partSize: undefined,
        multipartThreshold: undefined,
        requestTimeout: undefined,
      },
      registry: { timeout: undefined },
    });
  });

  test('read once, in the units the clients take', () => {
    const t = readTuning({
      RELENG_S3_CONCURRENCY: '4',
      RELENG_S3_PART_SIZE_MIB: '5',
      RELENG_S3_MULTIPART_THRESHOLD_MIB: '16',
      RELENG_S3_TIMEOUT_S: '3',
      RELENG_REGISTRY_TIMEOUT_S: '2',
      RELENG_S3_SOMETHING_ELSE: 'x',
    });
    expect(t.s3).toEqual({
      concurrency: 4,
      partSize: 5 * 1024 * 1024,
      multipartThreshold: 16 * 1024 * 1024,
      requestTimeout: 3000,
    });
    expect(t.registry.timeout).toBe(2000);
  });

  test('a bad value is one line naming the variable', () => {
    expect(() => readTuning({ RELENG_S3_CONCURRENCY: '0' })).toThrow(
      /^RELENG_S3_CONCURRENCY must be a whole number ≥ 1, got '0'/,
    );
    expect(() => readTuning({ RELENG_S3_PART_SIZE_MIB: '4' })).toThrow(
      /RELENG_S3_PART_SIZE_MIB must be a whole number ≥ 5/,
    );
    expect(() => readTuning({ RELENG_REGISTRY_TIMEOUT_S: '1.5' })).toThrow(/RELENG_REGISTRY_TIMEOUT_S/);
  });
});
