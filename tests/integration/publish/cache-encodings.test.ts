// A binary cache written by nix in any of its ways: NARs in every compression nix 2.8 writes (a real
// `nix copy --to file://…?compression=C`), narinfos and listings stored as nix's S3 store stores them with
// narinfo-compression / ls-compression (the body compressed — here by the xz, zstd and gzip programs, brotli
// by zlib — and Content-Encoding set). publish reads every one: the same NarHash is there already (nothing
// written), another NarHash is refused naming the path.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publish } from '../../../src/stages/publish.js';
import { contentTypeOf } from '../../../src/storage/content-type.js';
import { S3Sink } from '../../../src/storage/s3.js';
import { nixEnv } from '../../helpers/nix.js';
import { buildRelease, cacheOnlyToS3, makeProject, nixKey, snapshot } from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { tmpDir } from '../../helpers/tmp.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3(['cache']);
});
afterAll(async () => {
  await s3?.stop();
});

const key = nixKey('releng-encodings-1');
const built = buildRelease('2.93.0', { bigBytes: 10, installer: false });
const main = built.storePaths.find((p) => !p.includes('-lib-'))!;

type Encoding = 'none' | 'xz' | 'zstd' | 'br' | 'gzip';

function encode(bytes: Buffer, encoding: Encoding): Buffer {
  if (encoding === 'none') return bytes;
  if (encoding === 'br') return zlib.brotliCompressSync(bytes);
  return execFileSync(encoding, ['-c'], { input: bytes });
}

/**
 * The release's closure as `nix copy` writes it with `compression`, signed by our key, stored under
 * `prefix` with narinfo and listings in `encoding` (Content-Encoding set unless `header` is false).
 */
async function nixCache(
  prefix: string,
  compression: string,
  encoding: Encoding,
  o: { header?: boolean; edit?: (narinfo: string) => string } = {},
): Promise<void> {
  const keyFile = path.join(tmpDir('releng-enc-key-'), 'sk');
  fs.writeFileSync(keyFile, key.secret);
  const dir = path.join(tmpDir('releng-enc-cache-'), 'c');
  execFileSync(
    'nix',
    [
      'copy',
      '--to',
      `file://${dir}?compression=${compression}&write-nar-listing=true&secret-key=${keyFile}`,
      main,
    ],
    { env: nixEnv(), stdio: 'ignore' },
  );
  const sink = new S3Sink({
    url: `s3://cache/${prefix}`,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    pathStyle: true,
    credentials: s3.credentials,
  });
  const walk = (d: string): string[] =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const file of walk(dir)) {
    const k = path.relative(dir, file).split(path.sep).join('/');
    let bytes: Buffer = fs.readFileSync(file);
    let contentEncoding: string | undefined;
    if (k.endsWith('.narinfo') || k.endsWith('.ls')) {
      if (k.endsWith('.narinfo') && o.edit) bytes = Buffer.from(o.edit(bytes.toString('utf8')));
      bytes = encode(bytes, encoding);
      if (encoding !== 'none' && o.header !== false) contentEncoding = encoding;
    }
    await sink.putBytes(k, bytes, {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      contentType: contentTypeOf(k),
      contentEncoding,
    });
  }
}

function publishTo(prefix: string) {
  const dir = makeProject('2.93.0', {
    staging: {
      s3: { endpoint: s3.endpoint, region: 'us-east-1', 'path-style': true },
      cache: `s3://cache/${prefix}`,
      'signing-key': { env: 'CACHE_KEY' },
    },
  }).dir;
  return publish(cacheOnlyToS3(dir, built.release, key.secret));
}

describe('a cache nix wrote, read in any encoding', () => {
  // NAR compression × narinfo encoding: every compression nix 2.8 writes, every encoding publish reads.
  test.each([
    ['xz', 'xz', true],
    ['zstd', 'zstd', true],
    ['br', 'br', true],
    ['bzip2', 'gzip', true],
    ['none', 'none', true],
    // No Content-Encoding (a server that drops it): the magic bytes say which.
    ['xz', 'zstd', false],
    ['zstd', 'xz', false],
  ] as const)(
    'NARs %s, narinfos %s (Content-Encoding: %s): every path there, nothing written',
    async (compression, encoding, header) => {
      const prefix = `same-${compression}-${encoding}-${header}`;
      await nixCache(prefix, compression, encoding, { header });
      const r = await publishTo(prefix);
      expect(r.uploadedObjects).toBe(0);
    },
  );

  test('another NarHash in an xz-encoded narinfo is refused, naming the path; nothing written', async () => {
    const prefix = 'other-xz';
    await nixCache(prefix, 'xz', 'xz', {
      edit: (text) =>
        text.includes(`StorePath: ${main}\n`)
          ? text.replace(/^NarHash: .*$/m, `NarHash: sha256:${'1'.repeat(52)}`)
          : text,
    });
    const before = snapshot(s3.dir);
    await expect(publishTo(prefix)).rejects.toThrow(
      new RegExp(`${main.replace(/[.+]/g, '\\$&')} is there with another NarHash`),
    );
    expect(snapshot(s3.dir)).toEqual(before);
  });
});
