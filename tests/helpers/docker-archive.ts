/**
 * Docker archives as Nix's dockerTools writes them, for tests and the benchmark: a tar holding each layer
 * as `<sha256 of the layer>/layer.tar` (uncompressed), the config `<sha256>.json` and manifest.json — by
 * default in Nix's order (layers first, config and manifest last) and gzip-wrapped. Deterministic: the
 * same spec gives the same bytes. Layers can be built from real files (the benchmark) or from given
 * contents (tests).
 */
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface LayerFile {
  /** Path inside the layer, without a leading slash. */
  path: string;
  /** The contents, or `source`: a file read when the layer is written. */
  data?: Buffer;
  source?: string;
  size?: number;
}

export interface ArchiveSpec {
  layers: LayerFile[][];
  architecture: string;
  os?: string;
  labels?: Record<string, string>;
  /** Wrap the tar in gzip as Nix does (default true); the level of the wrapper (default 1). */
  gzip?: boolean;
  gzipLevel?: number;
  /** `nix`: layers, then config and manifest.json (default); `config-first`: the reverse, as docker save. */
  order?: 'nix' | 'config-first';
  /** Also keep the plain tar next to the .tar.gz (skopeo 1.9 cannot read the gzip wrapper). */
  keepPlainTar?: boolean;
  repoTag?: string;
}

export interface WrittenArchive {
  /** The archive: `<out>.tar.gz` or `<out>.tar`. */
  file: string;
  /** The plain tar, when kept (or when gzip is false). */
  plainTar?: string;
  diffIds: string[];
  layerSizes: number[];
  /** sha256:… of the config blob. */
  config: string;
  configJson: Buffer;
  /** Hex sha256 of `file`. */
  sha256: string;
  uncompressedBytes: number;
}

const MTIME = new Date(1000);

/** Writes one layer tar (sorted entries, fixed owner and mtime) to `file`; returns its sha256 (the diffID). */
async function writeLayer(files: LayerFile[], file: string): Promise<{ diffId: string; size: number }> {
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  const out = fs.createWriteStream(file);
  const done = pipeline(
    pack,
    async function* (src: AsyncIterable<unknown>) {
      for await (const c of src as AsyncIterable<Buffer>) {
        hash.update(c);
        size += c.length;
        yield c;
      }
    },
    out,
  );
  const dirs = new Set<string>();
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      await entry(pack, { name: `${d}/`, type: 'directory', mode: 0o755 });
    }
    if (f.data) await entry(pack, { name: f.path, mode: 0o644, size: f.data.length }, f.data);
    else {
      const st = fs.statSync(f.source!);
      await entry(pack, { name: f.path, mode: 0o644, size: st.size }, fs.createReadStream(f.source!));
    }
  }
  pack.finalize();
  await done;
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}

function entry(
  pack: tar.Pack,
  header: { name: string; type?: 'directory' | 'file'; mode: number; size?: number },
  body?: Buffer | fs.ReadStream,
): Promise<void> {
  const h = { ...header, mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  return new Promise((resolve, reject) => {
    if (body === undefined) {
      pack.entry(h, (err) => (err ? reject(err) : resolve()));
      return;
    }
    if (Buffer.isBuffer(body)) {
      pack.entry(h, body, (err) => (err ? reject(err) : resolve()));
      return;
    }
    const sink = pack.entry(h, (err) => (err ? reject(err) : resolve()));
    body.on('error', reject);
    body.pipe(sink);
  });
}

export async function writeDockerArchive(outBase: string, spec: ArchiveSpec): Promise<WrittenArchive> {
  const work = `${outBase}.layers`;
  fs.mkdirSync(work, { recursive: true });
  const layers: { diffId: string; size: number; file: string }[] = [];
  for (const [i, files] of spec.layers.entries()) {
    const file = path.join(work, `layer${i}.tar`);
    layers.push({ ...(await writeLayer(files, file)), file });
  }
  const diffIds = layers.map((l) => l.diffId);
  const configJson = Buffer.from(
    JSON.stringify({
      architecture: spec.architecture,
      config: { Cmd: ['/bin/sh'], Labels: spec.labels ?? {} },
      created: '1970-01-01T00:00:01Z',
      os: spec.os ?? 'linux',
      rootfs: { diff_ids: diffIds, type: 'layers' },
    }),
  );
  const configHex = createHash('sha256').update(configJson).digest('hex');
  const layerNames = layers.map((l) => `${l.diffId.slice(7)}/layer.tar`);
  const manifest = Buffer.from(
    JSON.stringify([
      { Config: `${configHex}.json`, RepoTags: [spec.repoTag ?? 'image:latest'], Layers: layerNames },
    ]),
  );

  // The plain tar first; the gzip wrapper (Nix's format) is made from it.
  const pack = tar.pack();
  const gzip = spec.gzip ?? true;
  const tarFile = `${outBase}.tar`;
  const written = pipeline(pack, fs.createWriteStream(tarFile));
  const meta = async () => {
    await entry(pack, { name: `${configHex}.json`, mode: 0o444, size: configJson.length }, configJson);
    await entry(pack, { name: 'manifest.json', mode: 0o444, size: manifest.length }, manifest);
  };
  if (spec.order === 'config-first') await meta();
  for (const [i, l] of layers.entries()) {
    await entry(pack, { name: `${l.diffId.slice(7)}/`, type: 'directory', mode: 0o755 });
    await entry(pack, { name: layerNames[i]!, mode: 0o444, size: l.size }, fs.createReadStream(l.file));
  }
  if (spec.order !== 'config-first') await meta();
  pack.finalize();
  await written;
  const file = gzip ? `${outBase}.tar.gz` : tarFile;
  if (gzip)
    await pipeline(
      fs.createReadStream(tarFile),
      zlib.createGzip({ level: spec.gzipLevel ?? 1 }),
      fs.createWriteStream(file),
    );
  const plainTar = !gzip || spec.keepPlainTar ? tarFile : undefined;
  if (!plainTar) fs.rmSync(tarFile);
  fs.rmSync(work, { recursive: true, force: true });
  const fileHash = createHash('sha256');
  for await (const c of fs.createReadStream(file, { highWaterMark: 1 << 20 })) fileHash.update(c as Buffer);
  return {
    file,
    plainTar,
    diffIds,
    layerSizes: layers.map((l) => l.size),
    config: `sha256:${configHex}`,
    configJson,
    sha256: fileHash.digest('hex'),
    uncompressedBytes: layers.reduce((n, l) => n + l.size, 0),
  };
}

/**
 * Real files under `roots` (sorted walk, regular files only), skipping the first `skipBytes` and taking
 * about `totalBytes`, split into `layers` layers of similar size. Two calls with consecutive ranges give
 * disjoint layers.
 */
export function realFileLayers(
  roots: string[],
  opts: { skipBytes: number; totalBytes: number; layers: number; maxFileBytes?: number },
): LayerFile[][] {
  const files: LayerFile[] = [];
  let seen = 0;
  let taken = 0;
  const maxFile = opts.maxFileBytes ?? 64 << 20;
  const walk = (dir: string): boolean => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      return true;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!walk(p)) return false;
      } else if (st.isFile() && st.size > 0 && st.size <= maxFile) {
        try {
          fs.accessSync(p, fs.constants.R_OK);
        } catch {
          continue;
        }
        if (seen >= opts.skipBytes) {
          files.push({ path: p.replace(/^\/+/, ''), source: p, size: st.size });
          taken += st.size;
          if (taken >= opts.totalBytes) return false;
        }
        seen += st.size;
      }
    }
    return true;
  };
  for (const r of roots) if (!walk(r)) break;
  if (taken < opts.totalBytes * 0.9)
    throw new Error(
      `only ${taken} bytes of files under ${roots.join(', ')} after skipping ${opts.skipBytes}`,
    );
  // Consecutive files, each layer taking its share of what is left: exactly `layers` layers (fewer only
  // when there are fewer files).
  const out: LayerFile[][] = [];
  let left = taken;
  let i = 0;
  for (let l = 0; l < opts.layers && i < files.length; l++) {
    const share = left / (opts.layers - l);
    const layer: LayerFile[] = [];
    let size = 0;
    const keep = files.length - i - (opts.layers - l - 1);
    while (
      i < files.length &&
      layer.length < keep &&
      (layer.length === 0 || size + files[i]!.size! / 2 <= share)
    ) {
      size += files[i]!.size!;
      layer.push(files[i++]!);
    }
    left -= size;
    out.push(layer);
  }
  if (i < files.length) out[out.length - 1]!.push(...files.slice(i));
  return out;
}

/** Small deterministic contents for tests: text-like and random-like bytes, `kib` KiB per file. */
export function syntheticLayers(seed: string, layers: number, filesPerLayer = 3, kib = 64): LayerFile[][] {
  return Array.from({ length: layers }, (_, i) =>
    Array.from({ length: filesPerLayer }, (_, j) => {
      const chunks: Buffer[] = [];
      let h = createHash('sha256').update(`${seed}/${i}/${j}`).digest();
      for (let k = 0; k < kib * 32; k++) {
        h = createHash('sha256').update(h).digest();
        // Half text (compressible), half hash bytes (not): compression has something to do.
        chunks.push(k % 2 ? h : Buffer.from(`line ${k} of ${seed} layer ${i} file ${j}\n`.padEnd(32, '.')));
      }
      return { path: `nix/store/${seed}-l${i}/f${j}`, data: Buffer.concat(chunks) };
    }),
  );
}

/** `bytes` of deterministic incompressible data (AES-CTR of zeros): a layer whose blob needs chunked upload. */
export function randomFile(seed: string, bytes: number, name = `nix/store/${seed}-blob/data`): LayerFile {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return { path: name, data: Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]) };
}
