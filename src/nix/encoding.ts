import zlib from 'node:zlib';
import { RelengError } from '../errors.js';

/**
 * The bodies of a binary cache's small files (narinfo, `.ls`) in the encodings nix writes them with
 * (`narinfo-compression`, `ls-compression` of an S3 store: the body compressed, `Content-Encoding` set).
 * Node 20's zlib has gzip and brotli only; zstd and xz come from packages that need no native code, so the
 * bundles run on any runner image: fzstd (pure JS) decodes zstd, @bokuweb/zstd-wasm encodes it,
 * xz-decompress (wasm) decodes xz. Nothing here encodes xz: no package does it without native code.
 */
export const READ_ENCODINGS = ['none', 'zstd', 'xz', 'br', 'gzip'] as const;
export const WRITE_ENCODINGS = ['none', 'zstd', 'br', 'gzip'] as const;
export type BodyEncoding = (typeof READ_ENCODINGS)[number];
export type WriteEncoding = (typeof WRITE_ENCODINGS)[number];

/** Decoded narinfo bodies are small; a body that decodes past this is refused (a compression bomb). */
export const MAX_DECODED = 4 * 1024 * 1024;

const MAGIC: [Exclude<BodyEncoding, 'none' | 'br'>, Buffer][] = [
  ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['gzip', Buffer.from([0x1f, 0x8b])],
];

/**
 * Which encoding a body is in: by its magic bytes where the format has them (zstd, xz, gzip — a sink that
 * stores no Content-Encoding, a server that drops it), else by the Content-Encoding the server gave
 * (brotli has no magic), else none. `where` names the object in the error.
 */
export function encodingOf(
  bytes: Uint8Array,
  contentEncoding: string | undefined,
  where: string,
): BodyEncoding {
  for (const [name, magic] of MAGIC)
    if (bytes.length >= magic.length && magic.equals(Buffer.from(bytes.subarray(0, magic.length))))
      return name;
  if (bytes.length >= 3 && Buffer.from(bytes.subarray(0, 3)).toString('latin1') === 'BZh')
    throw new RelengError(
      `${where}: a bzip2-compressed body, which publish does not read; rewrite it with zstd, xz, br, gzip or none`,
    );
  const header = contentEncoding?.trim().toLowerCase();
  if (!header || header === 'identity') return 'none';
  if (header === 'br') return 'br';
  if ((READ_ENCODINGS as readonly string[]).includes(header))
    throw new RelengError(
      `${where}: Content-Encoding ${header}, but the body is not ${header}-compressed (damaged); delete the object so it is written again`,
    );
  throw new RelengError(`${where}: Content-Encoding ${header} is not one nix writes (zstd, xz, br, gzip)`);
}

/** The body decoded (any encoding nix writes), or a one-line error naming `where`. */
export async function decodeBody(
  bytes: Uint8Array,
  contentEncoding: string | undefined,
  where: string,
  o: { limit?: number; hint?: string } = {},
): Promise<Buffer> {
  const encoding = encodingOf(bytes, contentEncoding, where);
  if (encoding === 'none') return Buffer.from(bytes);
  try {
    return await decode(encoding, bytes, o.limit ?? MAX_DECODED);
  } catch (e) {
    throw new RelengError(
      `${where}: not readable as ${encoding} (${(e as Error).message.split('\n')[0]}): the object is damaged; ${o.hint ?? 'delete it so it is written again'}`,
    );
  }
}

async function decode(
  encoding: Exclude<BodyEncoding, 'none'>,
  bytes: Uint8Array,
  limit: number,
): Promise<Buffer> {
  switch (encoding) {
    case 'gzip':
      return zlib.gunzipSync(bytes, { maxOutputLength: limit });
    case 'br':
      return zlib.brotliDecompressSync(bytes, { maxOutputLength: limit });
    case 'zstd':
      return zstdDecode(bytes, limit);
    case 'xz':
      return xzDecode(bytes, limit);
  }
}

async function zstdDecode(bytes: Uint8Array, limit: number): Promise<Buffer> {
  const { Decompress } = await import('fzstd');
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const d = new Decompress((chunk, final) => {
    size += chunk.length;
    if (size > limit) throw new Error(`more than ${limit} bytes decoded`);
    chunks.push(chunk);
    if (final) ended = true;
  });
  d.push(bytes, true);
  if (!ended) throw new Error('truncated');
  return Buffer.concat(chunks);
}

async function xzDecode(bytes: Uint8Array, limit: number): Promise<Buffer> {
  // A CommonJS module: its exports are the default export to ESM, named ones to the type checker.
  const m = (await import('xz-decompress')) as typeof import('xz-decompress') & {
    default?: typeof import('xz-decompress');
  };
  const XzReadableStream = m.XzReadableStream ?? m.default!.XzReadableStream;
  const reader = new XzReadableStream(new Blob([new Uint8Array(bytes)]).stream()).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`more than ${limit} bytes decoded`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

let zstdReady: Promise<typeof import('@bokuweb/zstd-wasm')> | undefined;

/** The body as written with `encoding`, and the Content-Encoding to store it with (none for `none`). */
export async function encodeBody(
  bytes: Uint8Array,
  encoding: WriteEncoding,
): Promise<{ bytes: Buffer; contentEncoding?: string }> {
  switch (encoding) {
    case 'none':
      return { bytes: Buffer.from(bytes) };
    case 'gzip':
      return { bytes: zlib.gzipSync(bytes, { level: 9 }), contentEncoding: 'gzip' };
    case 'br':
      return { bytes: zlib.brotliCompressSync(bytes), contentEncoding: 'br' };
    case 'zstd': {
      zstdReady ??= import('@bokuweb/zstd-wasm').then(async (m) => {
        await m.init();
        return m;
      });
      const zstd = await zstdReady;
      return { bytes: Buffer.from(zstd.compress(bytes, 19)), contentEncoding: 'zstd' };
    }
  }
}
