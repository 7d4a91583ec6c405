import { describe, expect, test } from 'vitest';
import { parseAnnotations } from '../../../src/commands/docker-multiarch.js';

describe('inputs', () => {
  test('annotations input: one per line, commas inside values kept', () => {
    expect(parseAnnotations('org.opencontainers.image.vendor=Lix\ndescription=fast, small')).toEqual({
      'org.opencontainers.image.vendor': 'Lix',
      description: 'fast, small',
    });
    expect(parseAnnotations('a=1,b=2')).toEqual({ a: '1', b: '2' });
    expect(() => parseAnnotations('no equals sign')).toThrow(/'no equals sign' is not key=value/);
  });
});
