import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  canonicalJson,
  hexOf,
  isDigest,
  sha256Digest,
  sha256OfFile,
  shortDigest,
} from '../../../src/oci/digest.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('digests', () => {
  test('sha256 of bytes and of a file (read in chunks) agree', async () => {
    const data = Buffer.alloc(3 * (1 << 20) + 7, 'x');
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, data);
    expect(`sha256:${await sha256OfFile(file)}`).toBe(sha256Digest(data));
  });

  test('what a digest looks like, its hex, its short form', () => {
    const d = sha256Digest('x');
    expect([isDigest(d), isDigest('sha256:abc'), isDigest(d.toUpperCase()), isDigest(42)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(hexOf(d)).toHaveLength(64);
    expect(shortDigest(d)).toBe(d.slice(0, 19));
  });

  test('canonical JSON has no insignificant whitespace', () => {
    expect(canonicalJson({ a: [1, { b: 'c' }] }).toString()).toBe('{"a":[1,{"b":"c"}]}');
  });
});
