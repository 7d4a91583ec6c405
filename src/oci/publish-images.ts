/**
 * Docker archives to every registry of a release as one multi-arch index (the reference's docker step:
 * releng/docker.xsh + docker_assemble.py), checked before anything is pushed:
 *   1. the archives (absolute, or relative to `dir`);
 *   2. the targets, their tags and logins (registry-targets.ts);
 *   3. compression, its level and the gzip engine;
 *   4. the push (push.ts): each image by digest — no temporary tag — its layers compressed once for all
 *      targets; one OCI index (platform per image, the images' Labels as annotations) to every tag of every
 *      target: blobs → manifests → index → `{version}` tags → pointer tags, the last only when the caller
 *      moves pointers in the same run (docker-multiarch alone); publish moves them in its pointer phase
 *      with movePointerTags (pointer-tags.ts).
 * `checkRegistryAccess` is the same targets' preflight: the problems a push would meet, found without
 * writing. Used by the docker-multiarch stage and by publish's docker step.
 */
import os from 'node:os';
import path from 'node:path';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RegistryTuning } from '../tuning.js';
import type { BlobCache } from './blob-cache.js';
import { zstdAvailable } from './compress.js';
import { type GzipEngine, igzipFor, igzipLevel } from './igzip.js';
import type { Compression, MediaTypeFamily } from './media-types.js';
import { type ImageReport, pushImages, type TargetReport } from './push.js';
import {
  allowedTags,
  checkInsecureRegistries,
  type PointerPolicy,
  type RegistryCredentials,
  type RegistryTarget,
  resolveTargets,
  sinkFactory,
} from './registry-targets.js';
import type { SinkFactory } from './sink-factory.js';

export {
  DEFAULT_TAGS,
  type PointerPolicy,
  type RegistryCredentials,
  type RegistryTarget,
  targetsForEnvironment,
} from './registry-targets.js';

export interface ImageArchive {
  /** The docker archive (.tar or .tar.gz), absolute or relative to `dir`. */
  file: string;
  /** The nix system it was built for; checked against the image's platform. */
  system?: string;
  /** Hex sha256 recorded when it was built (leg.json); checked against the file. */
  sha256?: string;
}

export interface PublishImagesOptions {
  images: ImageArchive[];
  targets: RegistryTarget[];
  version: string;
  /** Which pointers (`{major}`, `latest`, literal tags) may move: the maintenance rule's answer, or given. */
  pointers: PointerPolicy;
  /**
   * Move those pointers in this run, after every `{version}` tag (docker-multiarch alone); false: images
   * and `{version}` tags only, the pointers left to movePointerTags (publish's pointer phase).
   */
  movePointers: boolean;
  /** The `username`/`password` inputs: for the registry targets without a login of their own. */
  credentials?: RegistryCredentials;
  insecureRegistries?: string[];
  /** On the index, over the images' Labels. */
  annotations?: Record<string, string>;
  /** Each image's Labels on its index entry too (default false). */
  descriptorAnnotations?: boolean;
  mediaTypes?: MediaTypeFamily;
  compression?: Compression;
  compressionLevel?: number;
  /** gzip through igzip (ISA-L) or zlib; auto: igzip when it is on PATH (default). */
  gzipEngine?: GzipEngine;
  /** Move a `{version}` tag that names a different release. */
  force?: boolean;
  dryRun?: boolean;
  /** diffID → blob cache (optional). */
  cache?: BlobCache;
  /** Relative paths (archives, oci-layout targets) are resolved here; default: the process's cwd. */
  dir?: string;
  /** Where login files, `{env: NAME}` logins and igzip are looked up (HOME, DOCKER_CONFIG, PATH …); default process.env. */
  processEnv?: NodeJS.ProcessEnv;
  /** RELENG_REGISTRY_TIMEOUT_S (src/tuning.ts). */
  tuning?: RegistryTuning;
  tmpDir?: string;
  /** Called once everything above is checked, before any target is reached: the typed confirmation. */
  confirm?: () => Promise<void>;
  log: Logger;
}

export interface PublishImagesResult {
  version: string;
  /** Index digest on the first target. */
  digest: string;
  /** target ref → index digest. */
  digests: Record<string, string>;
  /** target ref → tags it has (or would have, in a dry run). */
  tags: Record<string, string[]>;
  targets: TargetReport[];
  images: ImageReport[];
  uncompressedBytes: number;
  compressedBytes: number;
  dryRun: boolean;
}

export const DEFAULT_LEVEL: Record<Compression, number> = { gzip: 1, zstd: 3 };

export async function publishImages(o: PublishImagesOptions): Promise<PublishImagesResult> {
  const dir = o.dir ?? process.cwd();
  const log = o.log;
  // 1. Images.
  if (o.images.length === 0)
    throw new RelengError(
      'no docker archives to publish: pass images (archives) or bundles (leg bundles with an image)',
    );
  const archives = o.images.map((i) => ({ ...i, file: path.resolve(dir, i.file) }));

  // 2. Targets and tags.
  if (o.targets.length === 0)
    throw new RelengError(
      'no targets: name registries in targets, or an environment with registries in releng.yml',
    );
  checkInsecureRegistries(o.insecureRegistries ?? []);
  const targets = resolveTargets(o.targets, o.version, dir).map((t) => ({
    ...t,
    push: allowedTags(t, o.movePointers ? o.pointers : { latest: false, major: false }).map((x) => ({
      name: x.name,
      immutable: x.kind === 'version',
    })),
  }));

  const compression = o.compression ?? 'gzip';
  if (compression === 'zstd' && !zstdAvailable())
    throw new RelengError(
      `compression zstd needs Node 22.15 or newer (this is ${process.version}); use gzip`,
    );
  if (compression === 'zstd' && o.mediaTypes === 'docker')
    throw new RelengError('compression zstd needs media-types oci (Docker v2 has no zstd layers)');
  const level = o.compressionLevel ?? DEFAULT_LEVEL[compression];
  const [lo, hi] = compression === 'gzip' ? [1, 9] : [1, 19];
  if (!Number.isInteger(level) || level < lo || level > hi)
    throw new RelengError(`compression-level must be ${lo}–${hi} for ${compression}, got ${level}`);
  // igzip, when there, also unpacks Nix's gzip-wrapped archives, whatever the layers are compressed with.
  const igzip = igzipFor(o.gzipEngine ?? 'auto', o.processEnv ?? process.env);
  const gzipLevel = compression === 'gzip' ? `, level ${igzip ? igzipLevel(level) : level}` : '';
  log.info(
    igzip
      ? `gzip: ${igzip} (ISA-L)${gzipLevel}`
      : `gzip: zlib${gzipLevel}${o.gzipEngine === 'zlib' ? '' : ' (igzip — package isal — would take a quarter of the CPU)'}`,
  );

  const sinks = sinkFactory(targets, o.credentials, log, {
    insecureRegistries: o.insecureRegistries,
    processEnv: o.processEnv,
    timeoutMs: o.tuning?.timeout,
  });
  try {
    await o.confirm?.();
    log.info(
      `${o.dryRun ? 'dry run: ' : ''}${archives.length} image${archives.length === 1 ? '' : 's'} → ${targets.map((t) => `${t.ref.ref} (${t.push.map((x) => x.name).join(', ')})`).join('; ')}`,
    );
    // 3–4. Push.
    const r = await pushImages({
      archives,
      targets: targets.map((t) => ({ sink: sinks.sink(t.ref), tags: t.push })),
      mediaTypes: o.mediaTypes ?? 'oci',
      compression,
      level,
      annotations: o.annotations ?? {},
      descriptorAnnotations: o.descriptorAnnotations ?? false,
      force: o.force ?? false,
      dryRun: o.dryRun ?? false,
      cache: o.cache,
      tmpDir: o.tmpDir ?? os.tmpdir(),
      igzip,
      log,
    });
    return {
      version: o.version,
      digest: r.targets[0]!.digest,
      digests: Object.fromEntries(r.targets.map((t) => [t.ref, t.digest])),
      tags: Object.fromEntries(r.targets.map((t) => [t.ref, t.tags])),
      targets: r.targets,
      images: r.images,
      uncompressedBytes: r.uncompressedBytes,
      compressedBytes: r.compressedBytes,
      dryRun: r.dryRun,
    };
  } finally {
    await sinks.close();
  }
}

/**
 * Can every target take a push? Reaches each, authenticates, and checks push access (the token's claims
 * when it has them, else by opening an upload and cancelling it). Returns the problems, [] when all is well.
 */
export async function checkRegistryAccess(
  targets: RegistryTarget[],
  credentials: RegistryCredentials | undefined,
  log: Logger,
  options: {
    insecureRegistries?: string[];
    processEnv?: NodeJS.ProcessEnv;
    dir?: string;
    tuning?: RegistryTuning;
    /** For the tags' check (a template that does not expand); any valid version otherwise. */
    version?: string;
  } = {},
): Promise<string[]> {
  let parsed: ReturnType<typeof resolveTargets>;
  let sinks: SinkFactory;
  try {
    checkInsecureRegistries(options.insecureRegistries ?? []);
    parsed = resolveTargets(targets, options.version ?? '0.0.0', options.dir ?? process.cwd());
    sinks = sinkFactory(parsed, credentials, log, {
      insecureRegistries: options.insecureRegistries,
      processEnv: options.processEnv,
      timeoutMs: options.tuning?.timeout,
    });
  } catch (e) {
    return [(e as Error).message];
  }
  try {
    const problems = await Promise.all(
      parsed.map(async ({ ref }) => {
        const sink = sinks.sink(ref);
        try {
          // A layout is only checked for write access: opening it would create it.
          if (ref.kind === 'registry') await sink.open();
          return await sink.checkPush();
        } catch (e) {
          return e instanceof RelengError ? e.message : `${ref.ref}: ${(e as Error).message}`;
        }
      }),
    );
    return problems.filter((p): p is string => p !== undefined);
  } finally {
    await sinks.close();
  }
}
