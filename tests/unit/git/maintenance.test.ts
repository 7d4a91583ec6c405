import { describe, expect, test } from 'vitest';
import { compareVersions, mayMoveLatest } from '../../../src/git/maintenance.js';

describe('maintenance rule', () => {
  test('versions compare numerically, pre-releases first', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBe(1);
    expect(compareVersions('2.91.0-rc1', '2.91.0')).toBe(-1);
    expect(compareVersions('2.91', '2.91.0')).toBe(0);
  });
  test('a release older than a released version may not move latest', () => {
    expect(mayMoveLatest('2.90.2', ['2.90.1', '2.91.0', 'junk'])).toBe(false);
    expect(mayMoveLatest('2.91.1', ['2.90.1', '2.91.0'])).toBe(true);
    expect(mayMoveLatest('2.92.0', [])).toBe(true);
  });
});
