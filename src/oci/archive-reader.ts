/**
 * The docker archives of a push, turned into images ready to publish. An archive whose sha256 an image on
 * a target records is *recognised*: not read at all. The others are streamed once (archive.ts): each
 * layer is hashed (its diffID) and, unless some target can get a blob for it without us, compressed once
 * — in parallel blocks, or by igzip — into a spool file that the targets upload from while it is still
 * being written (one upload per registry; the other repositories of that registry mount it).
 *
 * No blob is committed before every archive has been read and checked (truncated, corrupt, diffIDs,
 * platform, recorded sha256): uploads follow the bytes, but a bad archive writes nothing to any target.
 */
import { createHash } from 'node:crypto';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { forEachLimit } from '../pool.js';
import { type ScannedArchive, scanArchive } from './archive.js';
import type { BackgroundWork } from './background.js';
import { type BlobInfo, gatedSource, type SpoolFile } from './blob-source.js';
import type { BlobTransfer } from './blob-transfer.js';
import { type CompressionPool, createCompressor, type LayerCompressor } from './compress.js';
import { type Descriptor, sha256Digest, sha256OfFile, shortDigest } from './digest.js';
import { IgzipCompressor } from './igzip.js';
import { buildManifest, labelsOf, platformOf } from './image.js';
import type { LayerInventory, LocalLayer } from './layer-inventory.js';
import type { Compression, MediaTypes } from './media-types.js';
import { Memo } from './memo.js';
import { type Platform, platformString } from './platform.js';
import type { PushProgress } from './push-progress.js';
import { storageGroups, type TargetState } from './target-state.js';

export interface PushArchive {
  file: string;
  /** Nix system it was built for (checked against the config's platform). */
  system?: string;
  /** Hex sha256 the producer recorded (leg.json); checked against the file. */
  sha256?: string;
}

/** One layer of an image: its diffID, its blob, and how that blob gets to a target. */
export interface ImageLayer {
  diffId: string;
  blob: () => Promise<Descriptor>;
  ready: (target: TargetState) => Promise<void>;
}

/** An image to publish. */
export interface ImageState {
  archive: PushArchive;
  platform: Platform;
  labels: Record<string, string>;
  archiveSha256: string;
  manifest: Descriptor;
  manifestBytes: Buffer;
  config: Descriptor & { bytes: Buffer; holders: Set<TargetState> };
  layers: ImageLayer[];
  /** Targets known to hold the manifest (and so its blobs). */
  holders: Set<TargetState>;
  /** Layers compressed in this run. */
  compressed: number;
  /** Read from the archive, or recognised from its sha256 on a target. */
  source: 'archive' | 'recognised';
}

export interface ArchiveReaderOptions {
  targets: TargetState[];
  types: MediaTypes;
  compression: Compression;
  level: number;
  /** Compression workers (zlib blocks). */
  pool: CompressionPool;
  /** igzip for gzip (archives unpacked, layers compressed); otherwise zlib. */
  igzip?: string;
  tmpDir: string;
  /** Hash everything, compress nothing (the index digest of new layers stays unknown). */
  dryRun: boolean;
  /** Archives read at once (each is one gunzip stream). */
  parallelArchives?: number;
  inventory: LayerInventory;
  transfer: BlobTransfer;
  work: BackgroundWork;
  progress: PushProgress;
  log: Logger;
}

interface Scan {
  scanned: ScannedArchive<{ diffId: string }>;
  compressedHere: Set<string>;
  platform: Platform;
}

const UNKNOWN_BLOB = `sha256:${'0'.repeat(64)}`;

export class ArchiveReader {
  /** Layer bytes read. */
  uncompressed = 0;
  /** Blob bytes compressed. */
  compressed = 0;
  /** A dry run met layers it did not compress: the index digest is not known. */
  inexact = false;
  private readonly shas = new Memo<string, string>();
  /** Opens once every archive has been read and checked; no blob is committed before. */
  private readonly archivesChecked: Promise<void>;
  private settleArchives!: (e?: unknown) => void;

  constructor(private readonly o: ArchiveReaderOptions) {
    this.archivesChecked = new Promise<void>((resolve, reject) => {
      this.settleArchives = (e) => (e === undefined ? resolve() : reject(e));
    });
    this.archivesChecked.catch(() => {});
  }

  /** The images of the archives, in their order. */
  async images(archives: PushArchive[]): Promise<ImageState[]> {
    const out: (ImageState | undefined)[] = new Array(archives.length);
    const toRead: number[] = [];
    const recognisable = this.o.inventory.recognisable();
    await Promise.all(
      archives.map(async (a, i) => {
        const img = recognisable ? await this.recognise(a) : undefined;
        if (img) out[i] = img;
        else toRead.push(i);
      }),
    );
    // One archive at a time by default: compression already uses every core, and a second gunzip stream
    // only adds memory. The next archive is read while the previous one's last blocks are compressed.
    const finishing = new Map<number, Promise<ImageState>>();
    try {
      await forEachLimit(
        toRead.sort((x, y) => x - y),
        this.o.parallelArchives ?? 1,
        async (i) => {
          const a = archives[i]!;
          this.o.log.info(`reading ${a.file}`);
          const scanned = await this.scan(a);
          finishing.set(i, this.o.work.track(this.finish(a, scanned)));
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

  private archiveSha(a: PushArchive): Promise<string> {
    return this.shas.get(a.file, () =>
      sha256OfFile(a.file).then(
        (sha) => checkSha(a, sha),
        (e: NodeJS.ErrnoException) => {
          throw new RelengError(`${a.file}: cannot read it (${e.code ?? e.message})`);
        },
      ),
    );
  }

  /** An image some target holds for this very archive file (same media types): nothing to read. */
  private async recognise(a: PushArchive): Promise<ImageState | undefined> {
    const sha = await this.archiveSha(a);
    const matches = this.o.inventory.publishedFrom(sha, this.o.types);
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
        holders: new Set(holders),
      },
      layers: k.parsed.layers.map((l, i) => {
        const cand = this.o.inventory.candidate(diffIds[i]!, l);
        for (const h of holders) cand.holders.add(h);
        return this.existingBlob(
          diffIds[i]!,
          { mediaType: this.o.types.layer, digest: l.digest, size: l.size },
          cand.holders,
        );
      }),
      holders,
      compressed: 0,
      source: 'recognised',
    };
  }

  /** A layer whose blob some targets hold: the others get it from them. */
  private existingBlob(diffId: string, desc: Descriptor, holders: Set<TargetState>): ImageLayer {
    return {
      diffId,
      blob: async () => desc,
      ready: (t) => this.o.transfer.ensure(t, desc, holders),
    };
  }

  /** Streams the archive: hashes every layer, compresses those no target can get otherwise. */
  private async scan(a: PushArchive): Promise<Scan> {
    const inventory = this.o.inventory;
    const compressedHere = new Set<string>();
    const options = { igzip: this.o.igzip, tmpDir: this.o.tmpDir };
    let scanned = await scanArchive(
      a.file,
      (entry, body) => this.onLayer(entry.hint, body, compressedHere),
      options,
    );
    checkSha(a, scanned.sha256);
    this.shas.set(a.file, Promise.resolve(scanned.sha256));
    const platform = platformOf(scanned.config, a.file, a.system);

    // Layers no target can get and that were not compressed (a path hint that lied): read again for them.
    const missing: string[] = [];
    for (const l of scanned.layers)
      if (!inventory.local(l.diffId) && !(await inventory.satisfiable(l.diffId))) missing.push(l.name);
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
    const layers: ImageLayer[] = [];
    for (const l of scanned.layers) {
      const cand = await this.o.inventory.satisfiable(l.diffId);
      const local = this.o.inventory.local(l.diffId);
      // A blob the targets already hold wins over our own compression (digests stay stable across runs).
      if (cand)
        layers.push(
          this.existingBlob(
            l.diffId,
            { mediaType: this.o.types.layer, digest: cand.digest, size: cand.size },
            cand.holders,
          ),
        );
      else if (local)
        layers.push({
          diffId: l.diffId,
          blob: async () => ({ mediaType: this.o.types.layer, ...(await local.blob) }),
          ready: (t) => local.uploads.get(t) ?? Promise.resolve(),
        });
      else if (this.o.dryRun) {
        this.inexact = true;
        layers.push({
          diffId: l.diffId,
          blob: async () => ({ mediaType: this.o.types.layer, digest: UNKNOWN_BLOB, size: 0 }),
          ready: async () => {},
        });
      } else throw new Error(`no blob for layer ${l.diffId}`);
    }
    const descriptors = await Promise.all(layers.map((l) => l.blob()));
    const config = {
      mediaType: this.o.types.config,
      digest: scanned.configDigest,
      size: scanned.configBytes.length,
      bytes: scanned.configBytes,
      holders: new Set<TargetState>(),
    };
    const manifestBytes = buildManifest(this.o.types, config, descriptors);
    return {
      archive: a,
      platform,
      labels: labelsOf(scanned.config),
      archiveSha256: scanned.sha256,
      manifest: {
        mediaType: this.o.types.manifest,
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
    const inventory = this.o.inventory;
    const hash = createHash('sha256');
    let compress = !this.o.dryRun;
    if (compress && hint && !force && (inventory.local(hint) || (await inventory.satisfiable(hint))))
      compress = false;
    if (!compress) {
      for await (const c of body) {
        hash.update(c);
        this.uncompressed += c.length;
        this.o.progress.read(c.length);
      }
      return { diffId: `sha256:${hash.digest('hex')}` };
    }
    // Compress: the hint is reserved, so that another archive with the same layer waits for this one.
    const spool = this.o.work.spool('layer');
    const local: LocalLayer = { spool, blob: spool.done, uploads: new Map() };
    if (hint && !force) inventory.setLocal(hint, local);
    this.startUploads(local);
    const { compressor, finished } = await this.compressor(spool);
    this.o.progress.layerStarted();
    try {
      for await (const c of body) {
        this.o.work.throwIfFailed();
        hash.update(c);
        this.uncompressed += c.length;
        this.o.progress.read(c.length);
        await compressor.write(c);
      }
    } catch (e) {
      compressor.abort();
      spool.fail(e);
      throw e;
    }
    const diffId = `sha256:${hash.digest('hex')}`;
    // The tail of the compression runs on while the next entry is read.
    this.o.work.track(
      compressor
        .end()
        .then(finished)
        .then((blob) => {
          this.compressed += blob.size;
          this.o.progress.layerDone();
        })
        .catch((e: unknown) => spool.fail(e)),
    );
    compressedHere.add(diffId);
    if (hint && hint !== diffId && !force && inventory.local(hint) === local)
      inventory.setLocal(hint, undefined);
    if (!inventory.local(diffId)) inventory.setLocal(diffId, local);
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
      pool: this.o.pool,
      out: (b) => spool.append(b),
    });
    return { compressor, finished: () => spool.finish() };
  }

  /**
   * Uploads a layer that is being compressed: one upload per registry, following the spool as it grows
   * (held until the archives are checked); the other repositories of that registry mount the blob.
   */
  private startUploads(local: LocalLayer): void {
    const transfer = this.o.transfer;
    for (const [leader, ...rest] of storageGroups(this.o.targets)) {
      if (!leader) continue;
      const first = this.o.work.track(
        transfer.upload(leader, gatedSource(local.spool, this.archivesChecked)),
      );
      local.uploads.set(leader, first);
      for (const t of rest)
        local.uploads.set(
          t,
          this.o.work.track(
            first.then(async () => {
              const info = await local.blob;
              await transfer.ensure(
                t,
                { ...info, mediaType: this.o.types.layer },
                new Set([leader]),
                local.spool,
              );
            }),
          ),
        );
    }
  }
}

function checkSha(a: PushArchive, sha: string): string {
  if (a.sha256 && a.sha256 !== sha)
    throw new RelengError(
      `${a.file}: its sha256 is ${sha} but the bundle recorded ${a.sha256}; the file was changed or damaged after the build`,
    );
  return sha;
}
