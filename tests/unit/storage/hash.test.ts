import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { CHUNK } from '../../../src/storage/buffers.js';
import { ensureSha256, sha256File } from '../../../src/storage/hash.js';
import { tmpDir } from '../../helpers/tmp.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function write(name: string, bytes: Buffer): string {
  const f = path.join(tmpDir(), name);
  fs.writeFileSync(f, bytes);
  return f;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sha256File', () => {
  test('the digest and size of files of every shape: empty, one chunk, many chunks and a tail', async () => {
    for (const size of [0, 1, CHUNK, 9 * CHUNK + 123]) {
      const bytes = randomBytes(size);
      expect(await sha256File(write(`f${size}`, bytes)), String(size)).toEqual({
        sha256: sha256(bytes),
        size,
      });
    }
  });

  test('a missing file is an error naming it', async () => {
    await expect(sha256File('/nonexistent/releng-x')).rejects.toThrow(/releng-x/);
  });
});

describe('ensureSha256', () => {
  test('a known sha256 is kept and nothing is read', async () => {
    const read = vi.spyOn(fs, 'readSync');
    const x = { source: '/nonexistent', sha256: 'f'.repeat(64) };
    expect(await ensureSha256(x)).toBe('f'.repeat(64));
    expect(read).not.toHaveBeenCalled();
  });

  test('computed when first needed, kept in the object, and a file planned twice is read once', async () => {
    const bytes = randomBytes(3 * CHUNK);
    const f = write('twice', bytes);
    const read = vi.spyOn(fs, 'readSync');
    const a = { source: f, sha256: '' };
    const b = { source: f, sha256: '' };
    expect(await Promise.all([ensureSha256(a), ensureSha256(b)])).toEqual([sha256(bytes), sha256(bytes)]);
    expect(a.sha256).toBe(sha256(bytes));
    expect(b.sha256).toBe(sha256(bytes));
    const reads = read.mock.calls.length;
    expect(reads).toBeGreaterThan(0);
    // Changed on disk (size and mtime): hashed again.
    const other = randomBytes(CHUNK + 1);
    fs.writeFileSync(f, other);
    fs.utimesSync(f, new Date(), new Date(Date.now() + 5000));
    expect(await ensureSha256({ source: f, sha256: '' })).toBe(sha256(other));
    expect(read.mock.calls.length).toBeGreaterThan(reads);
  });

  test('nothing to hash is a bug, said so', async () => {
    await expect(ensureSha256({ sha256: '' })).rejects.toThrow('internal: nothing to hash');
  });
});
