/**
 * Publishes docker archives as one multi-arch index to several sinks at once. The steps:
 *  1. open every sink (reach, authenticate);
 *  2. discover what each already holds: the indexes at our tags (and `latest`), their images, and their
 *     configs' diffIDs → layer blobs — the registry itself is the cache of earlier runs;
 *  3. an archive whose sha256 an index entry records is not read at all: its image is reused;
 *  4. the other archives are streamed once: each layer is hashed (its diffID) and, unless a blob for it
 *     exists, compressed once — in parallel blocks, to a spool file that every target uploads from while it
 *     is still being written (one upload per registry; other repositories of that registry mount it);
 *  5. per target, config blobs and image manifests (by digest) once all their blobs are there;
 *  6. the index by digest on every target, then the `{version}` tags, then the pointer tags — no tag ever
 *     names something missing, and a `{version}` tag that names a different release is refused (force).
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { RelengError, RelengErrors } from '../errors.js';
import { formatBytes, type Logger } from '../log.js';
import { forEachLimit } from '../pool.js';
import { type ImageConfig, parseConfig, type ScannedArchive, scanArchive } from './archive.js';
import type { BlobCache } from './blob-cache.js';
import { type BlobInfo, type BlobSource, BufferSource, gatedSource, SpoolFile } from './blob-source.js';
import { CompressionPool, createCompressor, type LayerCompressor } from './compress.js';
import { type Descriptor, isDigest, sha256Digest, sha256OfFile, shortDigest } from './digest.js';
import { IgzipCompressor } from './igzip.js';
import {
  ARCHIVE_ANNOTATION,
  buildIndex,
  buildManifest,
  type ImageManifest,
  type IndexEntry,
  isIndex,
  labelsOf,
  parseManifest,
  platformOf,
  sameRelease,
} from './image.js';
import {
  type Compression,
  layerCompression,
  MANIFEST_TYPES,
  type MediaTypeFamily,
  type MediaTypes,
  mediaTypes,
} from './media-types.js';
import { type Platform, platformString } from './platform.js';
import type { ImageSink, StoredManifest } from './sink.js';

export interface PushArchive {
  file: string;
  /** Nix system it was built for (checked against the config's platform). */
  system?: string;
  /** Hex sha256 the producer recorded (leg.json); checked against the file. */
  sha256?: string;
}

export interface PushTag {
  name: string;
  /** `{version}` tags: never moved to a different release without `force`. */
  immutable: boolean;
}

export interface PushTarget {
  sink: ImageSink;
  tags: PushTag[];
}

export interface PushOptions {
  archives: PushArchive[];
  targets: PushTarget[];
  mediaTypes: MediaTypeFamily;
  compression: Compression;
  level: number;
  annotations: Record<string, string>;
  descriptorAnnotations: boolean;
  force: boolean;
  dryRun: boolean;
  cache?: BlobCache;
  /** Spool files go here (removed at the end). */
  tmpDir: string;
  log: Logger;
  /** Compression workers (default: one per core). */
  pool?: CompressionPool;
  /** igzip to use for gzip (archives read, layers compressed); otherwise zlib. */
  igzip?: string;
  /** Archives read at once (each is one gunzip stream). */
  parallelArchives?: number;
}

export interface TargetReport {
  ref: string;
  digest: string;
  tags: string[];
  /** Tags whose pointer changed (or would, in a dry run). */
  tagsWritten: string[];
  platforms: string[];
  blobsSent: number;
  bytesSent: number;
  blobsSkipped: number;
  bytesSkipped: number;
  blobsMounted: number;
}

export interface ImageReport {
  file: string;
  platform: string;
  manifest: string;
  layers: number;
  /** Layers compressed in this run (0 when every blob existed). */
  compressed: number;
  /** How the image was found: read from the archive, or recognised from its sha256 in a target. */
  source: 'archive' | 'recognised';
}

export interface PushResult {
  /** The index digest per target (they differ only when a target keeps an equivalent older index). */
  targets: TargetReport[];
  images: ImageReport[];
  index: string;
  uncompressedBytes: number;
  compressedBytes: number;
  dryRun: boolean;
}

interface Candidate {
  digest: string;
  size: number;
  holders: Set<number>;
}

/** What we know of one layer (by diffID). */
interface LayerInfo {
  diffId: string;
  /** Blobs for it that sinks hold (or the cache names). */
  candidates: Map<string, Candidate>;
  /** Compressed in this run. */
  local?: { spool: SpoolFile; blob: Promise<BlobInfo>; uploads: Map<number, Promise<void>> };
  satisfiable?: Promise<Candidate | undefined>;
}

interface KnownImage {
  target: number;
  descriptor: Descriptor;
  manifest: StoredManifest;
  parsed: ImageManifest;
  configBytes: Buffer;
  config: ImageConfig;
}

interface ImageState {
  archive: PushArchive;
  platform: Platform;
  labels: Record<string, string>;
  archiveSha256: string;
  manifest: Descriptor;
  manifestBytes: Buffer;
  config: Descriptor & { bytes: Buffer; holders: Set<number> };
  /** diffIDs in order, with how to get each layer's blob to a target. */
  layers: { diffId: string; blob: () => Promise<Descriptor>; ready: (target: number) => Promise<void> }[];
  /** Targets known to hold the manifest (and so its blobs). */
  holders: Set<number>;
  compressed: number;
  source: ImageReport['source'];
}

interface Scan {
  scanned: ScannedArchive<{ diffId: string }>;
  compressedHere: Set<string>;
  platform: Platform;
}

interface Stats {
  blobsSent: number;
  bytesSent: number;
  blobsSkipped: number;
  bytesSkipped: number;
  blobsMounted: number;
}

async function readAll(stream: AsyncIterable<Buffer>, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (n > max) throw new Error(`${what} is larger than ${max} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export async function pushImages(o: PushOptions): Promise<PushResult> {
  const pusher = new Pusher(o);
  try {
    return await pusher.run();
  } finally {
    await pusher.cleanup();
  }
}

class Pusher {
  private readonly types: MediaTypes;
  private readonly pool: CompressionPool;
  private readonly layers = new Map<string, LayerInfo>();
  private readonly known: KnownImage[] = [];
  private readonly existing: Map<string, StoredManifest | undefined>[];
  private readonly stats: Stats[];
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly downloads = new Map<string, Promise<SpoolFile>>();
  private readonly spools: SpoolFile[] = [];
  private readonly background: Promise<unknown>[] = [];
  private readonly shas = new Map<string, Promise<string>>();
  private readonly progress: PushProgress;
  private uncompressed = 0;
  private compressed = 0;
  /** A dry run met layers it did not compress: the index digest is not known. */
  private inexact = false;
  /** The first upload failure: stops reading archives at once instead of after them. */
  private failure: unknown;
  /**
   * Opens once every archive has been read and checked (truncated, corrupt, diffIDs, platform, recorded
   * sha256). Layers upload while they are read, but no blob is committed before: a bad archive writes
   * nothing to any target, and its open uploads are cancelled.
   */
  private readonly archivesChecked: Promise<void>;
  private settleArchives!: (e?: unknown) => void;

  constructor(private readonly o: PushOptions) {
    this.types = mediaTypes(o.mediaTypes, o.compression);
    this.pool = o.pool ?? new CompressionPool();
    this.existing = o.targets.map(() => new Map());
    this.stats = o.targets.map(() => ({
      blobsSent: 0,
      bytesSent: 0,
      blobsSkipped: 0,
      bytesSkipped: 0,
      blobsMounted: 0,
    }));
    this.progress = new PushProgress(o.log);
    this.archivesChecked = new Promise<void>((resolve, reject) => {
      this.settleArchives = (e) => (e === undefined ? resolve() : reject(e));
    });
    this.archivesChecked.catch(() => {});
  }

  private get targets(): PushTarget[] {
    return this.o.targets;
  }

  async cleanup(): Promise<void> {
    this.progress.stop();
    await Promise.allSettled(this.background);
    await Promise.allSettled(this.spools.map((s) => s.dispose()));
    await Promise.allSettled(this.targets.map((t) => t.sink.close()));
    if (!this.o.pool) await this.pool.close();
  }

  /** Keeps a promise from rejecting unobserved (its outcome is awaited where it matters); the first failure stops the reading. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.background.push(
      p.catch((e: unknown) => {
        this.failure ??= e;
      }),
    );
    return p;
  }

  async run(): Promise<PushResult> {
    const log = this.o.log;
    // 1. Reach every sink.
    const problems: string[] = [];
    await Promise.all(
      this.targets.map((t) =>
        t.sink.open({ create: !this.o.dryRun }).catch((e: unknown) => {
          problems.push(e instanceof RelengError ? e.message : `${t.sink.ref}: ${(e as Error).message}`);
        }),
      ),
    );
    if (problems.length) throw new RelengErrors('cannot publish to every target', problems);

    // 2. What the targets hold already.
    await log.group('Looking at what the targets hold', () => this.discover());

    // 3–4. Images: recognised from their archive's sha256, else read and compressed.
    const images = await this.images();

    // 5. Configs and manifests, per target, as soon as their blobs are there.
    await Promise.all(images.map((img) => this.publishManifests(img)));
    this.progress.stop();

    // 6. The index, then the tags.
    const entries: IndexEntry[] = images.map((img) => ({
      manifest: img.manifest,
      platform: img.platform,
      labels: img.labels,
      archiveSha256: img.archiveSha256,
    }));
    const indexBytes = buildIndex(this.types, entries, {
      annotations: this.o.annotations,
      descriptorAnnotations: this.o.descriptorAnnotations,
    });
    const reports = await this.publishIndex(indexBytes, images);
    await this.saveCache(images);
    return {
      targets: reports,
      images: images.map((img) => ({
        file: img.archive.file,
        platform: platformString(img.platform),
        manifest: img.manifest.digest,
        layers: img.layers.length,
        compressed: img.compressed,
        source: img.source,
      })),
      index: this.inexact ? '' : sha256Digest(indexBytes),
      uncompressedBytes: this.uncompressed,
      compressedBytes: this.compressed,
      dryRun: this.o.dryRun,
    };
  }

  // ---- 2. discovery -------------------------------------------------------------------------

  private layer(diffId: string): LayerInfo {
    let l = this.layers.get(diffId);
    if (!l) {
      l = { diffId, candidates: new Map() };
      this.layers.set(diffId, l);
    }
    return l;
  }

  private async discover(): Promise<void> {
    await Promise.all(
      this.targets.map(async (t, ti) => {
        const images = new Map<string, Descriptor>();
        const tags = [...new Set([...t.tags.map((x) => x.name), 'latest'])];
        await forEachLimit(tags, 4, async (tag) => {
          const m = await t.sink.getManifest(tag);
          if (t.tags.some((x) => x.name === tag)) this.existing[ti]!.set(tag, m);
          if (!m) return;
          const parsed = parseManifest(m.bytes);
          if (isIndex(parsed)) {
            for (const d of parsed.manifests)
              if (MANIFEST_TYPES.includes(d.mediaType)) images.set(d.digest, d);
          } else if (parsed)
            images.set(m.digest, { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
        });
        await forEachLimit([...images.values()], 4, (d) => this.learnImage(ti, d));
      }),
    );
    const found = this.known.length;
    if (found)
      this.o.log.info(
        `targets hold ${found} image${found === 1 ? '' : 's'} under our tags, with ${this.layers.size} known layer${this.layers.size === 1 ? '' : 's'}`,
      );
  }

  private async learnImage(ti: number, d: Descriptor): Promise<void> {
    const sink = this.targets[ti]!.sink;
    try {
      const manifest = await sink.getManifest(d.digest);
      const parsed = manifest && parseManifest(manifest.bytes);
      if (!manifest || !parsed || isIndex(parsed)) return;
      const configBytes = await readAll(await sink.openBlob(parsed.config.digest), 16 << 20, 'config');
      if (sha256Digest(configBytes) !== parsed.config.digest) return;
      const config = parseConfig(configBytes, `${sink.ref}@${d.digest}`);
      if (config.rootfs.diff_ids.length !== parsed.layers.length) return;
      for (const [i, l] of parsed.layers.entries()) {
        if (layerCompression(l.mediaType) !== this.o.compression) continue;
        const info = this.layer(config.rootfs.diff_ids[i]!);
        const c = info.candidates.get(l.digest) ?? { digest: l.digest, size: l.size, holders: new Set() };
        c.holders.add(ti);
        info.candidates.set(l.digest, c);
      }
      this.known.push({ target: ti, descriptor: d, manifest, parsed, configBytes, config });
    } catch (e) {
      // Another tool's artefact, or a blob gone: nothing to learn from it.
      this.o.log.debug(`${sink.ref}: skipping ${d.digest} in discovery: ${(e as Error).message}`);
    }
  }

  /** A blob for the layer that every target has or can get without our compressing it; undefined if none. */
  private satisfiable(diffId: string): Promise<Candidate | undefined> {
    const info = this.layer(diffId);
    info.satisfiable ??= (async () => {
      const cached = this.o.cache?.get(diffId, this.o.compression);
      if (cached && !info.candidates.has(cached.digest))
        info.candidates.set(cached.digest, { digest: cached.digest, size: cached.size, holders: new Set() });
      const ranked = [...info.candidates.values()].sort((a, b) => b.holders.size - a.holders.size);
      for (const c of ranked) {
        // Ask the targets we know nothing about (only the cache named this blob, or it was seen elsewhere).
        await Promise.all(
          this.targets.map(async (t, ti) => {
            if (c.holders.has(ti)) return;
            const size = await t.sink.blobSize(c.digest).catch(() => undefined);
            if (size === c.size) c.holders.add(ti);
          }),
        );
        if (c.holders.size > 0) return c;
      }
      return undefined;
    })();
    return info.satisfiable;
  }

  // ---- 3–4. images --------------------------------------------------------------------------

  private archiveSha(a: PushArchive): Promise<string> {
    let p = this.shas.get(a.file);
    if (!p) {
      p = sha256OfFile(a.file).then(
        (sha) => this.checkSha(a, sha),
        (e: NodeJS.ErrnoException) => {
          throw new RelengError(`${a.file}: cannot read it (${e.code ?? e.message})`);
        },
      );
      this.shas.set(a.file, p);
    }
    return p;
  }

  private checkSha(a: PushArchive, sha: string): string {
    if (a.sha256 && a.sha256 !== sha)
      throw new RelengError(
        `${a.file}: its sha256 is ${sha} but the bundle recorded ${a.sha256}; the file was changed or damaged after the build`,
      );
    return sha;
  }

  private async images(): Promise<ImageState[]> {
    const out: (ImageState | undefined)[] = new Array(this.o.archives.length);
    const toRead: number[] = [];
    const recognisable = this.known.some((k) => k.descriptor.annotations?.[ARCHIVE_ANNOTATION]);
    await Promise.all(
      this.o.archives.map(async (a, i) => {
        const img = recognisable ? await this.recognise(a) : undefined;
        if (img) out[i] = img;
        else toRead.push(i);
      }),
    );
    // One archive at a time by default: compression already uses every core, and a second gunzip stream
    // only adds memory. The next archive is read while the previous one's last blocks are compressed.
    const limit = this.o.parallelArchives ?? 1;
    const finishing = new Map<number, Promise<ImageState>>();
    try {
      await forEachLimit(
        toRead.sort((x, y) => x - y),
        limit,
        async (i) => {
          const a = this.o.archives[i]!;
          this.o.log.info(`reading ${a.file}`);
          const scanned = await this.scan(a);
          finishing.set(i, this.track(this.finish(a, scanned)));
        },
      );
    } catch (e) {
      this.settleArchives(e);
      throw e;
    }
    this.settleArchives();
    for (const [i, p] of finishing) out[i] = await p;
    return out as ImageState[];
  }

  /** An image some target holds for this very archive file (same media types): nothing to read. */
  private async recognise(a: PushArchive): Promise<ImageState | undefined> {
    const sha = await this.archiveSha(a);
    const matches = this.known.filter(
      (k) =>
        k.descriptor.annotations?.[ARCHIVE_ANNOTATION] === sha &&
        k.manifest.mediaType === this.types.manifest &&
        k.parsed.config.mediaType === this.types.config &&
        k.parsed.layers.every((l) => l.mediaType === this.types.layer),
    );
    const k = matches[0];
    if (!k) return undefined;
    const platform = platformOf(k.config, a.file, a.system);
    const holders = new Set(
      matches.filter((m) => m.manifest.digest === k.manifest.digest).map((m) => m.target),
    );
    const diffIds = k.config.rootfs.diff_ids;
    this.o.log.info(
      `${a.file}: already published as ${shortDigest(k.manifest.digest)} (${platformString(platform)}); not read`,
    );
    const configHolders = new Set(holders);
    return {
      archive: a,
      platform,
      labels: labelsOf(k.config),
      archiveSha256: sha,
      manifest: { mediaType: k.manifest.mediaType, digest: k.manifest.digest, size: k.manifest.bytes.length },
      manifestBytes: k.manifest.bytes,
      config: {
        mediaType: k.parsed.config.mediaType,
        digest: k.parsed.config.digest,
        size: k.parsed.config.size,
        bytes: k.configBytes,
        holders: configHolders,
      },
      layers: k.parsed.layers.map((l, i) => {
        const cand = this.layer(diffIds[i]!).candidates.get(l.digest) ?? {
          digest: l.digest,
          size: l.size,
          holders: new Set(holders),
        };
        for (const h of holders) cand.holders.add(h);
        const desc = { mediaType: this.types.layer, digest: l.digest, size: l.size };
        return {
          diffId: diffIds[i]!,
          blob: async () => desc,
          ready: (ti: number) => this.ensure(ti, desc, cand.holders),
        };
      }),
      holders,
      compressed: 0,
      source: 'recognised',
    };
  }

  /** Streams the archive: hashes every layer, compresses those no target can get otherwise. */
  private async scan(a: PushArchive): Promise<Scan> {
    let scanned: ScannedArchive<{ diffId: string }>;
    const compressedHere = new Set<string>();
    const options = { igzip: this.o.igzip, tmpDir: this.o.tmpDir };
    scanned = await scanArchive(
      a.file,
      (entry, body) => this.onLayer(entry.hint, body, compressedHere),
      options,
    );
    this.checkSha(a, scanned.sha256);
    this.shas.set(a.file, Promise.resolve(scanned.sha256));
    const platform = platformOf(scanned.config, a.file, a.system);

    // Layers no target can get and that were not compressed (a path hint that lied): read again for them.
    const missing: string[] = [];
    for (const l of scanned.layers)
      if (!this.layer(l.diffId).local && !(await this.satisfiable(l.diffId))) missing.push(l.name);
    if (missing.length > 0 && !this.o.dryRun) {
      this.o.log.info(
        `${a.file}: ${missing.length} layer(s) need compressing after all; reading the archive again`,
      );
      const byName = new Map(scanned.layers.map((l) => [l.name, l.diffId]));
      const want = new Set(missing);
      scanned = await scanArchive(
        a.file,
        async (entry, body) =>
          want.has(entry.name)
            ? this.onLayer(undefined, body, compressedHere, true)
            : { diffId: byName.get(entry.name) ?? '' },
        options,
      );
    }
    return { scanned, compressedHere, platform };
  }

  /** The image of a scanned archive, once the blobs of its layers are known. */
  private async finish(a: PushArchive, { scanned, compressedHere, platform }: Scan): Promise<ImageState> {
    const layers: ImageState['layers'] = [];
    for (const l of scanned.layers) {
      const info = this.layer(l.diffId);
      const cand = await this.satisfiable(l.diffId);
      // A blob the targets already hold wins over our own compression (digests stay stable across runs).
      if (cand) {
        const desc = { mediaType: this.types.layer, digest: cand.digest, size: cand.size };
        layers.push({
          diffId: l.diffId,
          blob: async () => desc,
          ready: (ti) => this.ensure(ti, desc, cand.holders),
        });
      } else if (info.local) {
        const local = info.local;
        layers.push({
          diffId: l.diffId,
          blob: async () => ({ mediaType: this.types.layer, ...(await local.blob) }),
          ready: (ti) => local.uploads.get(ti) ?? Promise.resolve(),
        });
      } else if (this.o.dryRun) {
        this.inexact = true;
        layers.push({
          diffId: l.diffId,
          blob: async () => ({ mediaType: this.types.layer, digest: `sha256:${'0'.repeat(64)}`, size: 0 }),
          ready: async () => {},
        });
      } else throw new Error(`no blob for layer ${l.diffId}`);
    }
    const descriptors = await Promise.all(layers.map((l) => l.blob()));
    const config = {
      mediaType: this.types.config,
      digest: scanned.configDigest,
      size: scanned.configBytes.length,
      bytes: scanned.configBytes,
      holders: new Set<number>(),
    };
    const manifestBytes = buildManifest(this.types, config, descriptors);
    return {
      archive: a,
      platform,
      labels: labelsOf(scanned.config),
      archiveSha256: scanned.sha256,
      manifest: {
        mediaType: this.types.manifest,
        digest: sha256Digest(manifestBytes),
        size: manifestBytes.length,
      },
      manifestBytes,
      config,
      layers,
      holders: new Set(),
      compressed: scanned.layers.filter((l) => compressedHere.has(l.diffId)).length,
      source: 'archive',
    };
  }

  /**
   * One layer entry streaming by. With a hint (Nix names layers by their sha256) we know before reading
   * whether any target can get the blob without us; otherwise we compress speculatively.
   */
  private async onLayer(
    hint: string | undefined,
    body: AsyncIterable<Buffer>,
    compressedHere: Set<string>,
    force = false,
  ): Promise<{ diffId: string }> {
    const hash = createHash('sha256');
    let compress = !this.o.dryRun;
    if (compress && hint && !force) {
      const info = this.layer(hint);
      if (info.local || (await this.satisfiable(hint))) compress = false;
    }
    if (!compress) {
      for await (const c of body) {
        hash.update(c);
        this.uncompressed += c.length;
        this.progress.read(c.length);
      }
      return { diffId: `sha256:${hash.digest('hex')}` };
    }
    // Compress: hint reserved so that another archive with the same layer waits for this one.
    const spool = SpoolFile.inDir(this.o.tmpDir, 'layer');
    this.spools.push(spool);
    const local = { spool, blob: spool.done, uploads: new Map<number, Promise<void>>() };
    if (hint && !force) this.layer(hint).local = local;
    this.startUploads(local);
    const { compressor, finished } = await this.compressor(spool);
    this.progress.layerStarted();
    try {
      for await (const c of body) {
        if (this.failure) throw this.failure;
        hash.update(c);
        this.uncompressed += c.length;
        this.progress.read(c.length);
        await compressor.write(c);
      }
    } catch (e) {
      compressor.abort();
      spool.fail(e);
      throw e;
    }
    const diffId = `sha256:${hash.digest('hex')}`;
    // The tail of the compression runs on while the next entry is read.
    this.track(
      compressor
        .end()
        .then(finished)
        .then((blob) => {
          this.compressed += blob.size;
          this.progress.layerDone();
        })
        .catch((e: unknown) => spool.fail(e)),
    );
    compressedHere.add(diffId);
    if (hint && hint !== diffId && !force && this.layers.get(hint)?.local === local)
      this.layer(hint).local = undefined;
    const info = this.layer(diffId);
    info.local ??= local;
    return { diffId };
  }

  /** A compressor writing into the spool: igzip straight into its file, else the block compressor. */
  private async compressor(
    spool: SpoolFile,
  ): Promise<{ compressor: LayerCompressor; finished: () => Promise<BlobInfo> }> {
    if (this.o.igzip && this.o.compression === 'gzip') {
      const compressor = new IgzipCompressor(this.o.igzip, this.o.level, await spool.writerFd());
      const followed = spool.follow(compressor.exited, (size) => compressor.verify(spool, size));
      followed.catch(() => {}); // awaited through `finished`
      return { compressor, finished: () => followed };
    }
    const compressor = createCompressor({
      compression: this.o.compression,
      level: this.o.level,
      pool: this.pool,
      out: (b) => spool.append(b),
    });
    return { compressor, finished: () => spool.finish() };
  }

  /**
   * Uploads a layer that is being compressed: one upload per registry (per mount group), following the
   * spool as it grows; the other repositories of that registry mount the blob when it is complete.
   */
  private startUploads(local: NonNullable<LayerInfo['local']>): void {
    const groups = new Map<string, number[]>();
    this.targets.forEach((t, ti) => {
      const key = t.sink.mountKey ?? `#${ti}`;
      groups.set(key, [...(groups.get(key) ?? []), ti]);
    });
    for (const members of groups.values()) {
      const [leader, ...rest] = members as [number, ...number[]];
      const first = this.track(this.upload(leader, gatedSource(local.spool, this.archivesChecked)));
      local.uploads.set(leader, first);
      for (const m of rest)
        local.uploads.set(
          m,
          this.track(
            first.then(async () => {
              const info = await local.blob;
              await this.ensure(m, { ...info, mediaType: this.types.layer }, new Set([leader]), local.spool);
            }),
          ),
        );
    }
  }

  private async upload(ti: number, source: BlobSource): Promise<void> {
    const s = this.stats[ti]!;
    await this.targets[ti]!.sink.putBlob(source, (n) => {
      s.bytesSent += n;
      this.progress.sent(n);
    });
    s.blobsSent++;
  }

  /** Makes a blob present on a target: already there, mounted from a sibling repository, or sent. */
  private ensure(ti: number, blob: Descriptor, holders: Set<number>, local?: BlobSource): Promise<void> {
    const key = `${ti}|${blob.digest}`;
    let p = this.ensured.get(key);
    if (!p) {
      p = this.track(this.doEnsure(ti, blob, holders, local));
      this.ensured.set(key, p);
    }
    return p;
  }

  private async doEnsure(
    ti: number,
    blob: Descriptor,
    holders: Set<number>,
    local?: BlobSource,
  ): Promise<void> {
    const sink = this.targets[ti]!.sink;
    const s = this.stats[ti]!;
    const skipped = () => {
      s.blobsSkipped++;
      s.bytesSkipped += blob.size;
    };
    if (holders.has(ti)) return skipped();
    if ((await sink.blobSize(blob.digest)) !== undefined) {
      holders.add(ti);
      return skipped();
    }
    if (this.o.dryRun) {
      // What a real run would send (0 bytes for a layer not compressed yet: size unknown).
      s.blobsSent++;
      s.bytesSent += blob.size;
      return;
    }
    for (const h of holders) {
      const from = this.targets[h]!.sink;
      if (from.mountKey && from.mountKey === sink.mountKey && (await sink.mountBlob(blob.digest, from))) {
        holders.add(ti);
        s.blobsMounted++;
        return skipped();
      }
    }
    const source = local ?? (await this.download(blob, holders));
    await this.upload(ti, source);
    holders.add(ti);
  }

  /** A blob only another registry holds: fetched once into a spool file, for every target lacking it. */
  private download(blob: Descriptor, holders: Set<number>): Promise<SpoolFile> {
    let p = this.downloads.get(blob.digest);
    if (!p) {
      p = (async () => {
        const from = [...holders][0];
        if (from === undefined) throw new Error(`no target holds ${blob.digest}`);
        const spool = SpoolFile.inDir(this.o.tmpDir, 'copy');
        this.spools.push(spool);
        this.o.log.info(
          `copying ${shortDigest(blob.digest)} (${formatBytes(blob.size)}) from ${this.targets[from]!.sink.ref}`,
        );
        await pipeline(
          await this.targets[from]!.sink.openBlob(blob.digest),
          async (src: AsyncIterable<Buffer>) => {
            for await (const c of src) await spool.append(c);
          },
        );
        const info = await spool.finish();
        if (info.digest !== blob.digest)
          throw new RelengError(
            `${this.targets[from]!.sink.ref}: blob ${blob.digest} came back as ${info.digest}`,
          );
        return spool;
      })();
      this.downloads.set(blob.digest, this.track(p));
    }
    return p;
  }

  // ---- 5. manifests -------------------------------------------------------------------------

  private async publishManifests(img: ImageState): Promise<void> {
    await Promise.all(
      this.targets.map(async (t, ti) => {
        await Promise.all(img.layers.map((l) => l.ready(ti)));
        await this.ensure(
          ti,
          img.config,
          img.config.holders,
          new BufferSource(img.config.bytes, img.config.digest),
        );
        if (this.o.dryRun || img.holders.has(ti) || (await t.sink.hasManifest(img.manifest.digest))) return;
        await t.sink.putManifest(img.manifest.digest, img.manifestBytes, img.manifest.mediaType);
      }),
    );
  }

  // ---- 6. index and tags --------------------------------------------------------------------

  private async publishIndex(indexBytes: Buffer, images: ImageState[]): Promise<TargetReport[]> {
    const digest = sha256Digest(indexBytes);
    const platforms = images.map((i) => platformString(i.platform)).sort();
    const problems: string[] = [];
    if (this.inexact) {
      this.o.log.info('dry run: some layers were not compressed, so the index digest is not known');
      return this.targets.map((t, ti) => ({
        ref: t.sink.ref,
        digest: '',
        tags: t.tags.map((x) => x.name),
        tagsWritten: t.tags.map((x) => x.name),
        platforms,
        ...this.stats[ti]!,
      }));
    }
    // Which index each target gets: ours, or an equivalent one a `{version}` tag already names.
    const chosen = this.targets.map((t, ti) => {
      let bytes = indexBytes;
      for (const tag of t.tags.filter((x) => x.immutable)) {
        const old = this.existing[ti]!.get(tag.name);
        if (!old || old.digest === digest) continue;
        if (sameRelease(old.bytes, indexBytes)) bytes = old.bytes;
        else if (!this.o.force)
          problems.push(
            `${t.sink.ref}:${tag.name} already names ${shortDigest(old.digest)}, a different release than this one (${shortDigest(digest)}); versioned tags are immutable — bump the version, or pass force to move it`,
          );
      }
      return { bytes, digest: sha256Digest(bytes) };
    });
    if (problems.length) throw new RelengErrors('refusing to move versioned tags', problems);

    const written: string[][] = this.targets.map(() => []);
    const tagsTo = (ti: number, immutable: boolean) =>
      this.targets[ti]!.tags.filter(
        (x) => x.immutable === immutable && this.existing[ti]!.get(x.name)?.digest !== chosen[ti]!.digest,
      );
    if (!this.o.dryRun) {
      await Promise.all(
        this.targets.map(async (t, ti) => {
          const c = chosen[ti]!;
          if (!(await t.sink.hasManifest(c.digest)))
            await t.sink.putManifest(c.digest, c.bytes, this.types.index);
        }),
      );
      for (const immutable of [true, false])
        await Promise.all(
          this.targets.map(async (t, ti) => {
            for (const tag of tagsTo(ti, immutable)) {
              await t.sink.putManifest(tag.name, chosen[ti]!.bytes, this.types.index);
              written[ti]!.push(tag.name);
            }
          }),
        );
    } else
      for (const [ti] of this.targets.entries())
        written[ti]!.push(...[true, false].flatMap((im) => tagsTo(ti, im).map((x) => x.name)));

    return this.targets.map((t, ti) => ({
      ref: t.sink.ref,
      digest: chosen[ti]!.digest,
      tags: t.tags.map((x) => x.name),
      tagsWritten: written[ti]!,
      platforms,
      ...this.stats[ti]!,
    }));
  }

  private async saveCache(images: ImageState[]): Promise<void> {
    const cache = this.o.cache;
    if (!cache || this.o.dryRun) return;
    for (const img of images)
      for (const l of img.layers) {
        const d = await l.blob();
        if (isDigest(d.digest)) cache.set(l.diffId, this.o.compression, d);
      }
  }
}

/** One line every few seconds during long pushes: layers done, MiB read and sent, throughput. */
class PushProgress {
  private readBytes = 0;
  private sentBytes = 0;
  private started = 0;
  private done = 0;
  private readonly t0 = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Logger) {}

  private tick(): void {
    this.timer ??= setInterval(() => this.print(), 5000);
    this.timer.unref();
  }

  read(n: number): void {
    this.readBytes += n;
    this.tick();
  }

  sent(n: number): void {
    this.sentBytes += n;
  }

  layerStarted(): void {
    this.started++;
  }

  layerDone(): void {
    this.done++;
  }

  private print(): void {
    const secs = Math.max((Date.now() - this.t0) / 1000, 0.001);
    this.log.info(
      `docker: layers compressed ${this.done}/${this.started}, read ${formatBytes(this.readBytes)} (${(this.readBytes / 1e6 / secs).toFixed(0)} MB/s), sent ${formatBytes(this.sentBytes)} (${(this.sentBytes / 1e6 / secs).toFixed(0)} MB/s)`,
    );
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.print();
    }
  }
}
