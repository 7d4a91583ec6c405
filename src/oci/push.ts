/**
 * Publishes docker archives as one multi-arch index to several targets at once. The steps:
 *  1. open every target (reach, authenticate);
 *  2. discover what each already holds (layer-inventory.ts): the registry is the cache of earlier runs;
 *  3–4. the images (archive-reader.ts): recognised from their archive's sha256, else read once, each layer
 *     compressed unless a blob for it exists, and uploaded while it is compressed (blob-transfer.ts);
 *  5. per target, config blobs and image manifests (by digest) once all their blobs are there;
 *  6. the index and the tags (publish-index.ts).
 */
import { RelengError, RelengErrors } from '../errors.js';
import type { Logger } from '../log.js';
import { ArchiveReader, type ImageState, type PushArchive } from './archive-reader.js';
import { BackgroundWork } from './background.js';
import type { BlobCache } from './blob-cache.js';
import { BufferSource } from './blob-source.js';
import { BlobTransfer } from './blob-transfer.js';
import { CompressionPool } from './compress.js';
import { isDigest, sha256Digest } from './digest.js';
import { buildIndex } from './image.js';
import type { ImageSink } from './image-sink.js';
import { LayerInventory } from './layer-inventory.js';
import { type Compression, type MediaTypeFamily, mediaTypes } from './media-types.js';
import { platformString } from './platform.js';
import { publishIndex } from './publish-index.js';
import { PushProgress } from './push-progress.js';
import { type PushTag, type TargetReport, TargetState } from './target-state.js';

export type { PushArchive } from './archive-reader.js';
export type { PushTag, TargetReport } from './target-state.js';

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

export async function pushImages(o: PushOptions): Promise<PushResult> {
  const targets = o.targets.map((t) => new TargetState(t.sink, t.tags));
  const types = mediaTypes(o.mediaTypes, o.compression);
  const pool = o.pool ?? new CompressionPool();
  const work = new BackgroundWork(o.tmpDir);
  const progress = new PushProgress(o.log);
  const inventory = new LayerInventory({ targets, compression: o.compression, cache: o.cache, log: o.log });
  const transfer = new BlobTransfer({ work, progress, dryRun: o.dryRun, log: o.log });
  const reader = new ArchiveReader({
    targets,
    types,
    compression: o.compression,
    level: o.level,
    pool,
    igzip: o.igzip,
    tmpDir: o.tmpDir,
    dryRun: o.dryRun,
    parallelArchives: o.parallelArchives,
    inventory,
    transfer,
    work,
    progress,
    log: o.log,
  });
  try {
    // 1. Reach every target.
    await openTargets(targets, o.dryRun);
    // 2. What the targets hold already.
    await o.log.group('Looking at what the targets hold', () => inventory.discover());
    // 3–4. Images: recognised from their archive's sha256, else read and compressed.
    const images = await reader.images(o.archives);
    // 5. Configs and manifests, per target, as soon as their blobs are there.
    await Promise.all(images.map((img) => publishManifests(img, targets, transfer, o.dryRun)));
    progress.stop();
    // 6. The index, then the tags.
    const index = buildIndex(
      types,
      images.map((img) => ({
        manifest: img.manifest,
        platform: img.platform,
        labels: img.labels,
        archiveSha256: img.archiveSha256,
      })),
      { annotations: o.annotations, descriptorAnnotations: o.descriptorAnnotations },
    );
    const reports = await publishIndex({
      targets,
      index,
      mediaType: types.index,
      platforms: images.map((i) => platformString(i.platform)),
      force: o.force,
      dryRun: o.dryRun,
      inexact: reader.inexact,
      log: o.log,
    });
    if (o.cache && !o.dryRun) await remember(o.cache, o.compression, images);
    return result(o, reader, images, reports, index);
  } finally {
    progress.stop();
    await work.settle();
    await Promise.allSettled(targets.map((t) => t.sink.close()));
    if (!o.pool) await pool.close();
  }
}

/** Every target reached (and, unless a dry run, ready for writing); all problems in one error. */
async function openTargets(targets: TargetState[], dryRun: boolean): Promise<void> {
  const problems: string[] = [];
  await Promise.all(
    targets.map((t) =>
      t.sink.open({ create: !dryRun }).catch((e: unknown) => {
        problems.push(e instanceof RelengError ? e.message : `${t.ref}: ${(e as Error).message}`);
      }),
    ),
  );
  if (problems.length) throw new RelengErrors('cannot publish to every target', problems);
}

/** The image's config and manifest on every target, once the target has all its layers. */
async function publishManifests(
  img: ImageState,
  targets: TargetState[],
  transfer: BlobTransfer,
  dryRun: boolean,
): Promise<void> {
  await Promise.all(
    targets.map(async (t) => {
      await Promise.all(img.layers.map((l) => l.ready(t)));
      await transfer.ensure(
        t,
        img.config,
        img.config.holders,
        new BufferSource(img.config.bytes, img.config.digest),
      );
      if (dryRun || img.holders.has(t) || (await t.sink.hasManifest(img.manifest.digest))) return;
      await t.sink.putManifest(img.manifest.digest, img.manifestBytes, img.manifest.mediaType);
    }),
  );
}

/** diffID → blob of every layer, for the next run's blob cache. */
async function remember(cache: BlobCache, compression: Compression, images: ImageState[]): Promise<void> {
  for (const img of images)
    for (const l of img.layers) {
      const d = await l.blob();
      if (isDigest(d.digest)) cache.set(l.diffId, compression, d);
    }
}

function result(
  o: PushOptions,
  reader: ArchiveReader,
  images: ImageState[],
  targets: TargetReport[],
  index: Buffer,
): PushResult {
  return {
    targets,
    images: images.map((img) => ({
      file: img.archive.file,
      platform: platformString(img.platform),
      manifest: img.manifest.digest,
      layers: img.layers.length,
      compressed: img.compressed,
      source: img.source,
    })),
    index: reader.inexact ? '' : sha256Digest(index),
    uncompressedBytes: reader.uncompressed,
    compressedBytes: reader.compressed,
    dryRun: o.dryRun,
  };
}
