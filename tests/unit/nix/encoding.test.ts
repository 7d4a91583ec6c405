// src/nix/encoding.ts: narinfo and listing bodies in the encodings nix writes them with.
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { decodeBody, encodeBody, encodingOf, WRITE_ENCODINGS } from '../../../src/nix/encoding.js';

const TEXT = Buffer.from('StorePath: /nix/store/psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a\nNarSize: 1\n');

describe('bodies', () => {
  test.each(WRITE_ENCODINGS)(
    '%s: written, then read back by its magic bytes or its Content-Encoding',
    async (e) => {
      const { bytes, contentEncoding } = await encodeBody(TEXT, e);
      expect(contentEncoding).toBe(e === 'none' ? undefined : e);
      if (e !== 'none') expect(bytes.equals(TEXT)).toBe(false);
      expect(await decodeBody(bytes, contentEncoding, 'x')).toEqual(TEXT);
      if (e !== 'br') expect(await decodeBody(bytes, undefined, 'x')).toEqual(TEXT);
    },
  );

  test.each(['xz', 'zstd', 'gzip'])('as the %s program writes it', async (program) => {
    const bytes = execFileSync(program, ['-c'], { input: TEXT });
    expect(encodingOf(bytes, undefined, 'x')).toBe(program);
    expect(await decodeBody(bytes, program, 'x')).toEqual(TEXT);
  });

  test('zstd written by us is what the zstd program reads', async () => {
    const { bytes } = await encodeBody(TEXT, 'zstd');
    expect(execFileSync('zstd', ['-d', '-c'], { input: bytes })).toEqual(TEXT);
  });

  test('a body that decodes past the limit is refused (a compression bomb)', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(10_000));
    await expect(decodeBody(bomb, 'gzip', 's3://c/x.narinfo', { limit: 1000 })).rejects.toThrow(
      /^s3:\/\/c\/x\.narinfo: not readable as gzip .*: the object is damaged/,
    );
    const zstd = execFileSync('zstd', ['-c'], { input: Buffer.alloc(10_000) });
    await expect(decodeBody(zstd, undefined, 'x', { limit: 1000 })).rejects.toThrow(/more than 1000 bytes/);
    const xz = execFileSync('xz', ['-c'], { input: Buffer.alloc(10_000) });
    await expect(decodeBody(xz, undefined, 'x', { limit: 1000 })).rejects.toThrow(/more than 1000 bytes/);
  });

  test.each([
    ['bzip2', Buffer.from('BZh91AY&SY'), undefined, /a bzip2-compressed body, which publish does not read/],
    [
      'a header not matching the body',
      TEXT,
      'zstd',
      /Content-Encoding zstd, but the body is not zstd-compressed/,
    ],
    ['an unknown encoding', TEXT, 'compress', /Content-Encoding compress is not one nix writes/],
  ])('%s: one line naming the object', async (_, bytes, header, message) => {
    await expect(decodeBody(bytes, header, 's3://c/x.narinfo')).rejects.toThrow(message);
    await expect(decodeBody(bytes, header, 's3://c/x.narinfo')).rejects.toThrow(/^s3:\/\/c\/x\.narinfo: /);
  });

  test('no encoding, or identity: the bytes as they are', async () => {
    expect(await decodeBody(TEXT, undefined, 'x')).toEqual(TEXT);
    expect(await decodeBody(TEXT, 'identity', 'x')).toEqual(TEXT);
  });
});
