/**
 * Docker archives (`docker save` and Nix dockerTools): a tar of manifest.json, the image config JSON and
 * one uncompressed tar per layer — plain or gzip-wrapped, as Nix writes them. Read in one streaming pass,
 * never whole in memory: Nix writes the layers *before* the config and manifest.json, so each large entry
 * is handed to `onLayer` as it streams by (which hashes it and may compress it), small entries are kept,
 * and the layers are matched to manifest.json and the config's diffIDs at the end.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { RelengError } from '../errors.js';
import { isDigest, sha256OfFile } from './digest.js';
import { fileChunks, finishedFile, GrowingFile } from './growing-file.js';
import { igzipDecompress, igzipFailed } from './igzip.js';
import { readAhead } from './read-ahead.js';
import { readTar, type TarEntry, TarError } from './tar.js';

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: { Labels?: Record<string, string> | null };
  rootfs: { type: string; diff_ids: string[] };
}

export interface LayerEntry {
  /** Path inside the archive. */
  name: string;
  size: number;
  /** sha256:… when the entry's path names one (Nix: `<sha256 of the layer>/layer.tar`): a hint only. */
  hint?: string;
}

/** Called for every layer-sized entry, in archive order; must read `body` to its end. */
export type LayerHandler<T extends { diffId: string }> = (
  entry: LayerEntry,
  body: AsyncIterable<Buffer>,
) => Promise<T>;

export interface ScannedArchive<T> {
  file: string;
  /** Hex sha256 of the archive file as stored. */
  sha256: string;
  fileSize: number;
  config: ImageConfig;
  configBytes: Buffer;
  configDigest: string;
  /** Layers in manifest order. */
  layers: (T & { name: string; size: number })[];
  /** Results for entries that turned out not to be layers of the image (to clean up). */
  unused: T[];
}

/**
 * What a docker archive holds besides its layers: manifest.json, the config, `repositories`, docker save's
 * per-layer `json` and `VERSION`, directories and links. Those entries are kept in memory until
 * manifest.json says what they are, so they are bounded in count and in bytes together (names included):
 * a small gzip of large entries must not grow the process. Layers are named `*.tar` (Nix, docker save,
 * skopeo, podman) or `blobs/sha256/<hex>` (docker save's OCI form); they stream through and are bounded in
 * count only.
 */
export const ARCHIVE_LIMITS = {
  /** Entries that are not layers. */
  entries: 4096,
  /** Their bodies and names kept in memory, together. */
  bytes: 32 << 20,
  /** One entry that is not a layer; a JSON entry (manifest.json, the config) may be larger. */
  entry: 1 << 20,
  json: 16 << 20,
  /** Entries named like layers. */
  layers: 1024,
};
const LAYER_NAME = /(\.tar|^blobs\/sha256\/[0-9a-f]{64})$/;
// Reads and gunzip output in 256 KiB pieces: large enough to be cheap, small enough that what is in flight
// (and not yet collected) stays small.
const READ_CHUNK = 256 << 10;
// Decompressed bytes read ahead of the layer handler.
const READ_AHEAD = 8 << 20;

/** Up to `length` bytes of a file at its start, or at its end when `position` is 'end'. */
function bytesOf(file: string, length: number, position: 'start' | 'end'): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const b = Buffer.alloc(Math.min(length, size));
    fs.readSync(fd, b, 0, b.length, position === 'start' ? 0 : size - b.length);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

export function isGzip(file: string): boolean {
  const b = bytesOf(file, 2, 'start');
  return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** The ISIZE field of a (single-member) gzip file: its uncompressed length mod 2³². */
function gzipIsize(file: string): number | undefined {
  // The header (10 bytes) and trailer (8) make 18: anything shorter has no trailer to read.
  const b = bytesOf(file, 18, 'end');
  return b.length === 18 ? b.readUInt32LE(14) : undefined;
}

function hintOf(name: string): string | undefined {
  const hex = name.split('/').find((c) => /^[0-9a-f]{64}$/.test(c.replace(/\.tar$/, '')));
  return hex ? `sha256:${hex.replace(/\.tar$/, '')}` : undefined;
}

/** An entry's bytes, copied as they come (the chunks they arrive in are reused). */
async function collect(body: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  let n = 0;
  for await (const c of body) n += c.copy(out, n);
  return out.subarray(0, n);
}

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

export interface ScanOptions {
  /** igzip to decompress a gzip-wrapped archive with (see igzip.ts); otherwise zlib. */
  igzip?: string;
  /** Where igzip unpacks the tar (default: the system's temp dir). */
  tmpDir?: string;
}

export async function scanArchive<T extends { diffId: string }>(
  file: string,
  onLayer: LayerHandler<T>,
  options: ScanOptions = {},
): Promise<ScannedArchive<T>> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new RelengError(`${file}: not found; pass the docker archive built by nix (a .tar or .tar.gz)`);
  }
  if (!stat.isFile()) throw new RelengError(`${file}: not a file; pass a docker archive (.tar or .tar.gz)`);
  const gzip = isGzip(file);
  const small = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const results = new Map<string, T & { name: string; size: number }>();
  const held = new Holdings(file);

  const consume = async (chunks: AsyncIterable<Buffer>) => {
    for await (const { entry, body } of readTar(chunks, { drain: true })) {
      checkMemberName(file, entry.name);
      if (entry.type === 'symlink' || entry.type === 'hardlink') {
        held.take(entry.name, entry.name.length + entry.linkname.length);
        links.set(entry.name, linkTarget(file, entry));
        continue;
      }
      if (entry.type !== 'file') {
        held.take(entry.name, entry.name.length);
        continue;
      }
      const layerNamed = LAYER_NAME.test(entry.name);
      const small_ =
        entry.size <= ARCHIVE_LIMITS.entry ||
        (!layerNamed && entry.name.endsWith('.json') && entry.size <= ARCHIVE_LIMITS.json);
      // Small entries are kept until manifest.json says what they are; a layer-named one streams on once
      // the holdings are full.
      if (small_ && (!layerNamed || held.fits(entry.name.length + entry.size))) {
        held.take(entry.name, entry.name.length + entry.size);
        small.set(entry.name, await collect(body, entry.size));
        continue;
      }
      if (!layerNamed)
        throw new RelengError(
          `${file}: entry '${shown(entry.name)}' (${entry.size} bytes) is not a layer (layers are named *.tar or blobs/sha256/…) and larger than such an entry may be (${ARCHIVE_LIMITS.entry} bytes, JSON ${ARCHIVE_LIMITS.json}); ${NOT_DOCKER}`,
        );
      held.layer(entry.name);
      const r = await onLayer({ name: entry.name, size: entry.size, hint: hintOf(entry.name) }, body);
      results.set(entry.name, { ...r, name: entry.name, size: entry.size });
    }
  };

  const sha256 = !gzip
    ? await readPlain(file, consume)
    : options.igzip
      ? await readWithIgzip(file, options.igzip, options.tmpDir ?? os.tmpdir(), consume)
      : await readWithZlib(file, consume);

  const manifestBytes = small.get('manifest.json');
  if (!manifestBytes)
    throw new RelengError(
      `${file}: no manifest.json in the archive: not a docker archive (docker save or nix dockerTools), or truncated`,
    );
  let manifest: { Config?: unknown; Layers?: unknown }[];
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (e) {
    throw new RelengError(
      `${file}: manifest.json is not valid JSON (${(e as Error).message}); the archive is corrupt`,
    );
  }
  if (!Array.isArray(manifest) || manifest.length === 0)
    throw new RelengError(`${file}: manifest.json lists no image; the archive is corrupt`);
  if (manifest.length > 1)
    throw new RelengError(`${file}: the archive holds ${manifest.length} images; give one image per archive`);
  const m = manifest[0]!;
  if (
    typeof m.Config !== 'string' ||
    !Array.isArray(m.Layers) ||
    !m.Layers.every((l) => typeof l === 'string')
  )
    throw new RelengError(`${file}: manifest.json needs "Config" and "Layers"; the archive is corrupt`);
  const resolve = (name: string) => {
    let n = name.replace(/^\.\//, '');
    for (let i = 0; i < 8 && links.has(n); i++) n = links.get(n)!;
    return n;
  };

  const configName = resolve(m.Config);
  const configBytes = small.get(configName);
  if (!configBytes)
    throw new RelengError(
      `${file}: manifest.json names the config '${shown(m.Config)}', which the archive does not hold; it is truncated or corrupt`,
    );
  const config = parseConfig(configBytes, file);

  const layers: (T & { name: string; size: number })[] = [];
  const used = new Set<string>();
  for (const [i, raw] of (m.Layers as string[]).entries()) {
    const name = resolve(raw);
    let r = results.get(name);
    if (!r) {
      const data = small.get(name);
      if (!data)
        throw new RelengError(
          `${file}: manifest.json names layer ${i + 1} '${shown(raw)}', which the archive does not hold; it is truncated or corrupt`,
        );
      r = {
        ...(await onLayer({ name, size: data.length, hint: hintOf(name) }, once(data))),
        name,
        size: data.length,
      };
      results.set(name, r);
    }
    used.add(name);
    layers.push(r);
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== layers.length)
    throw new RelengError(
      `${file}: the config lists ${diffIds.length} diffIDs but manifest.json ${layers.length} layers; the archive is corrupt`,
    );
  for (const [i, l] of layers.entries())
    if (l.diffId !== diffIds[i])
      throw new RelengError(
        `${file}: layer ${i + 1} ('${shown(l.name)}') hashes to ${l.diffId} but the config's diffID is ${diffIds[i]}; the archive is corrupt (rebuild it)`,
      );
  return {
    file,
    sha256,
    fileSize: stat.size,
    config,
    configBytes,
    configDigest: `sha256:${createHash('sha256').update(configBytes).digest('hex')}`,
    layers,
    unused: [...results.entries()].filter(([n]) => !used.has(n)).map(([, r]) => r),
  };
}

type Consume = (chunks: AsyncIterable<Buffer>) => Promise<void>;

/** A plain tar: read in large chunks into reused buffers, hashed as it is read. */
async function readPlain(file: string, consume: Consume): Promise<string> {
  const fileHash = createHash('sha256');
  const fh = await fs.promises.open(file, 'r').catch((e: unknown) => {
    throw archiveError(file, e);
  });
  try {
    await consume(hashed(fileChunks(finishedFile(fh)), fileHash));
  } catch (e) {
    throw archiveError(file, e);
  } finally {
    await fh.close();
  }
  return fileHash.digest('hex');
}

async function* hashed(chunks: AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    hash.update(c);
    yield c;
  }
}

/**
 * A gzip-wrapped archive through zlib: read ahead so that file reads and gunzip (libuv threads) go on while
 * the layer handler waits for compression. The archive's hash sees the file's bytes as they are read.
 */
async function readWithZlib(file: string, consume: Consume): Promise<string> {
  const fileHash = createHash('sha256');
  const input = fs.createReadStream(file, { highWaterMark: READ_CHUNK });
  const gunzip = zlib.createGunzip({ chunkSize: READ_CHUNK });
  const piped = pipeline(input, gunzip);
  piped.catch(() => {}); // its error reaches readAhead through gunzip; awaited below
  input.on('data', (c) => {
    fileHash.update(c);
  });
  try {
    await consume(readAhead(gunzip, READ_AHEAD));
    await piped;
  } catch (e) {
    input.destroy();
    gunzip.destroy();
    throw archiveError(file, e);
  }
  return fileHash.digest('hex');
}

/**
 * A gzip-wrapped archive through `igzip -d`, which writes the tar into a temp file that is read as it
 * grows (the archive's own hash from a second read alongside). When the reading fails, igzip's verdict
 * (truncated, corrupt) is the error rather than what the tar reader made of the bytes before it; a tar
 * that ends early while igzip was content is checked against the gzip trailer's length, to tell a write
 * that failed on the runner from an archive that is really cut short.
 */
async function readWithIgzip(file: string, igzip: string, tmpDir: string, consume: Consume): Promise<string> {
  const hashing = sha256OfFile(file);
  hashing.catch(() => {});
  const unpacked = path.join(tmpDir, `unpacked.${process.pid}.${Math.random().toString(36).slice(2)}.tar`);
  const fh = await fs.promises.open(unpacked, 'w+');
  try {
    // Unlinked at once: the space goes back when the reading is done, however it ends.
    await fs.promises.rm(unpacked);
    const d = igzipDecompress(igzip, file, fh.fd);
    try {
      await consume(fileChunks(new GrowingFile(fh, d.done)));
      await d.done;
    } catch (e) {
      d.kill();
      const verdict = await d.done.then(
        () => undefined,
        (g: unknown) => g,
      );
      if (verdict && !/was killed/.test((verdict as Error).message)) throw archiveError(file, verdict);
      // igzip said nothing, but the tar ended early: its last write may have failed (it exits 0 then).
      if (verdict === undefined && e instanceof TarError) {
        const [size, isize] = [(await fh.stat()).size, gzipIsize(file)];
        if (isize !== undefined && size % 2 ** 32 !== isize)
          throw igzipFailed(
            `unpacking ${file}`,
            `it wrote ${size} bytes, the archive holds ${isize} (mod 2³²)`,
          );
      }
      throw archiveError(file, e);
    }
  } finally {
    await fh.close();
  }
  return await hashing.catch((e: unknown) => {
    throw archiveError(file, e);
  });
}

const NOT_DOCKER = 'not a docker archive nix or docker writes';

/** An archive member's name or link as a message may show it: escaped, on one line, cut short. */
function shown(name: string): string {
  const s = JSON.stringify(name).slice(1, -1).replace(/\\"/g, '"');
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}

/** Counts what the reading keeps (entries that are not layers) and the layers it streams. */
class Holdings {
  private entries = 0;
  private bytes = 0;
  private layers = 0;

  constructor(private readonly file: string) {}

  fits(bytes: number): boolean {
    return this.bytes + bytes <= ARCHIVE_LIMITS.bytes && this.entries < ARCHIVE_LIMITS.entries;
  }

  take(name: string, bytes: number): void {
    if (++this.entries > ARCHIVE_LIMITS.entries)
      throw new RelengError(
        `${this.file}: entry '${shown(name)}': more entries that are not layers than a docker archive has (at most ${ARCHIVE_LIMITS.entries}); ${NOT_DOCKER}`,
      );
    this.bytes += bytes;
    if (this.bytes > ARCHIVE_LIMITS.bytes)
      throw new RelengError(
        `${this.file}: entry '${shown(name)}': the entries that are not layers come to more than a docker archive holds (at most ${ARCHIVE_LIMITS.bytes} bytes together); ${NOT_DOCKER}`,
      );
  }

  layer(name: string): void {
    if (++this.layers > ARCHIVE_LIMITS.layers)
      throw new RelengError(
        `${this.file}: entry '${shown(name)}': more entries named like layers than an image has (at most ${ARCHIVE_LIMITS.layers}); ${NOT_DOCKER}`,
      );
  }
}

/**
 * Names are only ever looked up inside the archive (nothing is extracted), but a name that would leave
 * a directory it was extracted into is not one docker or Nix writes: refused, so that no later reader
 * of the same names is misled.
 */
function checkMemberName(file: string, name: string): void {
  if (name.startsWith('/'))
    throw new RelengError(`${file}: entry '${shown(name)}' is an absolute path; ${NOT_DOCKER}`);
  if (name.split('/').includes('..'))
    throw new RelengError(`${file}: entry '${shown(name)}' has a '..' component; ${NOT_DOCKER}`);
}

/**
 * Where a link points inside the archive: docker save links repeated layers (a symlink is relative to its
 * directory, a hard link to the root). A link that leaves the archive is refused.
 */
function linkTarget(file: string, entry: TarEntry): string {
  const link = entry.linkname;
  const target =
    entry.type === 'symlink'
      ? path.posix.normalize(path.posix.join(path.posix.dirname(entry.name), link))
      : path.posix.normalize(link.replace(/^\.\//, ''));
  if (link.startsWith('/') || target === '..' || target.startsWith('../'))
    throw new RelengError(
      `${file}: entry '${shown(entry.name)}' links outside the archive ('${shown(link)}'); ${NOT_DOCKER}`,
    );
  return target;
}

/** A platform variant as OCI writes them (v7, v8, v3): a short token. */
const VARIANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** The Labels become the index's annotations: well under a registry's manifest limit (4 MiB). */
export const MAX_LABEL_BYTES = 256 << 10;

/**
 * The image config, with every field we copy into manifests and indexes checked for its type and form
 * (architecture, os, variant, Labels): a wrong one is refused here, before any blob is committed, not by
 * the registry (MANIFEST_INVALID) or by a reader of the layout afterwards.
 */
export function parseConfig(bytes: Buffer, where: string): ImageConfig {
  let c: Partial<Record<keyof ImageConfig, unknown>>;
  try {
    c = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new RelengError(`${where}: the image config is not valid JSON (${(e as Error).message})`);
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw new RelengError(`${where}: the image config is not a JSON object`);
  if (typeof c.architecture !== 'string' || c.architecture === '')
    throw new RelengError(`${where}: the image config has no "architecture"; build the image with one`);
  if (typeof c.os !== 'string' || c.os === '')
    throw new RelengError(`${where}: the image config has no "os"; build the image with one`);
  if (c.variant !== undefined && typeof c.variant !== 'string')
    throw new RelengError(
      `${where}: the image config's "variant" must be a string such as v7, not ${typeName(c.variant)}`,
    );
  if (c.variant && !VARIANT.test(c.variant))
    throw new RelengError(
      `${where}: the image config's "variant" '${shown(c.variant)}' is not a platform variant (such as v7 or v8)`,
    );
  checkLabels(c.config, where);
  const ids = (c.rootfs as ImageConfig['rootfs'] | undefined)?.diff_ids;
  if (!Array.isArray(ids) || !ids.every(isDigest))
    throw new RelengError(`${where}: the image config's rootfs.diff_ids must be a list of sha256 digests`);
  return c as ImageConfig;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`;
}

/** `config.Labels`: null, or names → strings, small enough to be annotations. */
function checkLabels(config: unknown, where: string): void {
  if (config === undefined || config === null) return;
  if (typeof config !== 'object' || Array.isArray(config))
    throw new RelengError(`${where}: the image config's "config" must be an object, not ${typeName(config)}`);
  const labels = (config as { Labels?: unknown }).Labels;
  if (labels === undefined || labels === null) return;
  if (typeof labels !== 'object' || Array.isArray(labels))
    throw new RelengError(
      `${where}: the image config's "config.Labels" must map names to strings, not ${typeName(labels)}`,
    );
  let size = 0;
  for (const [k, v] of Object.entries(labels)) {
    if (k === '')
      throw new RelengError(
        `${where}: the image config has a label with an empty name; Labels become annotations`,
      );
    if (typeof v !== 'string')
      throw new RelengError(
        `${where}: the image config's label '${shown(k)}' is ${typeName(v)}, not a string; Labels become annotations, which are strings`,
      );
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > MAX_LABEL_BYTES)
    throw new RelengError(
      `${where}: the image config's Labels come to ${size} bytes; as annotations they may be at most ${MAX_LABEL_BYTES}`,
    );
}

function archiveError(file: string, e: unknown): Error {
  if (e instanceof RelengError) return e;
  const err = e as NodeJS.ErrnoException;
  if (e instanceof TarError) return new RelengError(`${file}: ${err.message}; rebuild or download it again`);
  if (err.code?.startsWith('Z_') || err.errno === zlib.constants.Z_BUF_ERROR)
    return new RelengError(
      `${file}: the gzip stream is ${err.code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt'} (${err.message}); rebuild or download it again`,
    );
  if (err.code === 'EACCES' || err.code === 'ENOENT' || err.code === 'EISDIR')
    return new RelengError(`${file}: cannot read it (${err.code})`);
  return e as Error;
}
