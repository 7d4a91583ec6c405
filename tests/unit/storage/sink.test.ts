import { describe, expect, test } from 'vitest';
import { checkKey, describeKey, type Sink } from '../../../src/storage/sink.js';

describe('object keys', () => {
  test('relative, forward-slashed, no empty, . or .. segments', () => {
    expect(checkKey('lix/lix-2.93.0/a b.txt')).toBe('lix/lix-2.93.0/a b.txt');
    expect(checkKey('..x/y..')).toBe('..x/y..');
    for (const bad of ['', '/abs', 'a//b', 'a/', './a', 'a/../b', '..'])
      expect(() => checkKey(bad), bad).toThrow(`invalid object key '${bad}'`);
  });

  test('a key in messages is the location, one slash, the key', () => {
    const at = (location: string) => ({ location }) as Sink;
    expect(describeKey(at('s3://releases/lix'), 'a/b')).toBe('s3://releases/lix/a/b');
    expect(describeKey(at('/srv/out/'), 'a')).toBe('/srv/out/a');
  });
});
