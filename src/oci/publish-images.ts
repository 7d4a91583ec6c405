/**
 * Docker archives to every registry of a release as one multi-arch index (the reference's docker step:
 * releng/docker.xsh + docker_assemble.py), checked before anything is pushed:
 *   1. the archives (absolute, or relative to `dir`);
 *   2. the targets and their tags: `{version}`, `{major}`, literal tags, and `latest` when the caller says;
 *   3. compression, its level and the gzip engine;
 *   4. the push (push.ts): each image by digest — no temporary tag — its layers compressed once for all
 *      targets; one OCI index (platform per image, the images' Labels as annotations) to every tag of every
 *      target: blobs → manifests → index → `{version}` tags → pointer tags.
 * `checkRegistryAccess` is the same targets' preflight: the problems a push would meet, found without
 * writing. Used by the docker-multiarch stage and by publish's docker step.
 */
import os from 'node:os';
import path from 'node:path';
import type { EnvironmentConfig } from '../config/schema.js';
import { majorOf } from '../config/version.js';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RegistryTuning } from '../tuning.js';
import type { BlobCache } from './blob-cache.js';
import { zstdAvailable } from './compress.js';
import { CredentialStore } from './credentials.js';
import { type GzipEngine, igzipFor, igzipLevel } from './igzip.js';
import type { Compression, MediaTypeFamily } from './media-types.js';
import { type ImageReport, type PushTag, pushImages, type TargetReport } from './push.js';
import { expandTag, isImmutableTemplate, parseTarget, type TargetRef } from './reference.js';
import { SinkFactory } from './sink-factory.js';

export interface ImageArchive {
  /** The docker archive (.tar or .tar.gz), absolute or relative to `dir`. */
  file: string;
  /** The nix system it was built for; checked against the image's platform. */
  system?: string;
  /** Hex sha256 recorded when it was built (leg.json); checked against the file. */
  sha256?: string;
}

export interface RegistryTarget {
  /** `registry/repository` or `oci-layout:DIR` (DIR relative to `dir`). */
  ref: string;
  /** Tag templates: `{version}`, `{major}`, or literal tags. */
  tags: string[];
  /** Where `ref` and `tags` were written, for messages (default: the `targets` input, "tags of REF"). */
  where?: { ref: string; tags: string };
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface PublishImagesOptions {
  images: ImageArchive[];
  targets: RegistryTarget[];
  version: string;
  /** Also tag `latest` (resolved by the caller: the maintenance rule or an explicit choice). */
  latest: boolean;
  /** For every registry target; otherwise docker/containers login files are used. */
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
  /** Where login files and igzip are looked up (HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE, PATH …); default process.env. */
  processEnv?: NodeJS.ProcessEnv;
  /** RELENG_REGISTRY_TIMEOUT_S (src/tuning.ts). */
  tuning?: RegistryTuning;
  tmpDir?: string;
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

export const DEFAULT_TAGS = ['{version}', '{major}'];
export const DEFAULT_LEVEL: Record<Compression, number> = { gzip: 1, zstd: 3 };

/** The registries of an environment (`local`: the OCI layout under .releng/local/oci), paths resolved. */
export function targetsForEnvironment(
  environment: EnvironmentConfig,
  dir: string,
  environmentName?: string,
): RegistryTarget[] {
  return environment.registries.map((r, i) => {
    const key = `releng.yml environments.${environmentName}.registries[${i}]`;
    return {
      ref: r.ref.startsWith('oci-layout:')
        ? `oci-layout:${path.resolve(dir, r.ref.slice('oci-layout:'.length))}`
        : r.ref,
      tags: [...r.tags],
      ...(environmentName ? { where: { ref: `${key}.ref`, tags: `${key}.tags` } } : {}),
    };
  });
}

/** host or host:port (an IPv6 address in brackets), as `insecure-registries` lists them. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function checkInsecureRegistries(hosts: string[]): void {
  for (const h of hosts)
    if (!REGISTRY_HOST.test(h))
      throw new RelengError(
        `input 'insecure-registries': '${h}' is not a registry host[:port]; write ${suggestHost(h)} (no scheme, no path)`,
      );
}

function suggestHost(h: string): string {
  const bare = h.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  return REGISTRY_HOST.test(bare) ? bare : 'registry.example.org:5000';
}

function credentialStore(
  log: Logger,
  credentials: RegistryCredentials | undefined,
  processEnv: NodeJS.ProcessEnv,
): CredentialStore {
  if (credentials && (!credentials.username || !credentials.password))
    throw new RelengError(
      "give both 'username' and 'password', or neither (then docker/skopeo logins are used)",
    );
  return new CredentialStore(log, credentials, processEnv);
}

function parseTargets(
  targets: RegistryTarget[],
  dir: string,
): { ref: TargetRef; tags: string[]; where?: RegistryTarget['where'] }[] {
  const seen = new Set<string>();
  return targets.map((t) => {
    const ref = parseTarget(t.ref, dir, t.where?.ref);
    if (seen.has(ref.ref))
      throw new RelengError(`${t.where?.ref ?? 'targets'}: '${ref.ref}' is listed twice`);
    seen.add(ref.ref);
    return { ref, tags: t.tags, where: t.where };
  });
}

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
  const major = majorOf(o.version);
  checkInsecureRegistries(o.insecureRegistries ?? []);
  const targets = parseTargets(o.targets, dir).map(({ ref, tags, where }) => {
    const templates = tags.length ? tags : DEFAULT_TAGS;
    const resolved: PushTag[] = [];
    for (const t of templates) {
      const name = expandTag(t, { version: o.version, major }, where?.tags ?? `tags of ${ref.ref}`);
      if (!resolved.some((x) => x.name === name)) resolved.push({ name, immutable: isImmutableTemplate(t) });
    }
    if (o.latest && !resolved.some((x) => x.name === 'latest'))
      resolved.push({ name: 'latest', immutable: false });
    return { ref, tags: resolved };
  });

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

  const sinks = new SinkFactory({
    credentials: credentialStore(log, o.credentials, o.processEnv ?? process.env),
    insecureRegistries: o.insecureRegistries ?? [],
    log,
    timeoutMs: o.tuning?.timeout,
  });
  try {
    log.info(
      `${o.dryRun ? 'dry run: ' : ''}${archives.length} image${archives.length === 1 ? '' : 's'} → ${targets.map((t) => `${t.ref.ref} (${t.tags.map((x) => x.name).join(', ')})`).join('; ')}`,
    );
    // 3–4. Push.
    const r = await pushImages({
      archives,
      targets: targets.map((t) => ({ sink: sinks.sink(t.ref), tags: t.tags })),
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
  } = {},
): Promise<string[]> {
  let parsed: { ref: TargetRef }[];
  let store: CredentialStore;
  try {
    checkInsecureRegistries(options.insecureRegistries ?? []);
    parsed = parseTargets(targets, options.dir ?? process.cwd());
    store = credentialStore(log, credentials, options.processEnv ?? process.env);
  } catch (e) {
    return [(e as Error).message];
  }
  const sinks = new SinkFactory({
    credentials: store,
    insecureRegistries: options.insecureRegistries ?? [],
    timeoutMs: options.tuning?.timeout,
    log,
  });
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
