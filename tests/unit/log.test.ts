import { describe, expect, test } from 'vitest';
import { ConsoleLogger, formatBytes, SecretMask } from '../../src/log.js';

describe('masking', () => {
  test('the console logger masks secrets', () => {
    const lines: string[] = [];
    const log = new ConsoleLogger((l) => lines.push(l));
    log.secret('hunter2');
    log.info('password is hunter2!');
    expect(lines).toEqual(['password is ***!']);
  });
  test('a secret containing another is masked whole; URL credentials go too', () => {
    const mask = new SecretMask();
    mask.add('abc');
    mask.add('xxabcxx');
    mask.add('');
    expect(mask.apply('xxabcxx abc https://u:p@h/ ab')).toBe('*** *** https://***@h/ ab');
  });
});

describe('formatBytes', () => {
  test('binary units', () => {
    expect(formatBytes(1536)).toBe('1.50 KiB');
  });
});
