/**
 * docker-multiarch: the reference's docker step (releng/docker.xsh + docker_assemble.py), for every
 * registry of an environment in one run.
 *   1. The images: the docker archives given (with the `.sha256` beside each, as in Lix's release tree),
 *      or the images of the leg bundles (system and sha256 from leg.json).
 *   2. The version: given, the checkout's version.json, or the legs' — the legs must agree with it.
 *   3. The targets: an environment's registries in releng.yml (with their logins), or a list; `tags`
 *      overrides theirs. An environment needs the typed confirmation (src/config/confirmation.ts): a
 *      phrase that cannot do is refused here, the phrase is asked for just before the first write.
 *   4. The pointers (`{major}`, `latest`, literal tags), when they move in this run: the maintenance rule
 *      (src/release/maintenance.ts, as publish applies it), `latest` also as given. Otherwise only the images
 *      and `{version}` tags are pushed, and publish's pointer phase moves the rest later.
 *   5. The push (src/oci/publish-images.ts), with the diffID → blob cache restored before and saved after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBundles } from '../bundle/find.js';
import { legImageFile, openLeg } from '../bundle/leg.js';
import { type ConfirmationRequest, checkConfirmation, confirmRelease } from '../config/confirmation.js';
import { environmentConfig, loadConfig } from '../config/load.js';
import { checkVersion, majorOf, readVersionInfo } from '../config/version.js';
import { RelengError } from '../errors.js';
import { Git } from '../git/git.js';
import { resolveRemote } from '../git/push.js';
import { checkSshKey, openSsh } from '../git/ssh.js';
import { expandGlobs } from '../glob.js';
import type { Logger } from '../log.js';
import { FileBlobCache } from '../oci/blob-cache.js';
import type { GzipEngine } from '../oci/igzip.js';
import type { Compression, MediaTypeFamily } from '../oci/media-types.js';
import {
  type ImageArchive,
  type PointerPolicy,
  type PublishImagesResult,
  publishImages,
  type RegistryCredentials,
  type RegistryTarget,
  targetsForEnvironment,
} from '../oci/publish-images.js';
import { type MaintenanceRule, readMaintenanceRule } from '../release/maintenance.js';
import type { RegistryTuning } from '../tuning.js';

// The vocabulary of the options and the result, for the command.
export { bareConfirmAllowed } from '../config/confirmation.js';
export { shortDigest } from '../oci/digest.js';
export { GZIP_ENGINES } from '../oci/igzip.js';
export { DEFAULT_LEVEL } from '../oci/publish-images.js';

/** Keeps the diffID → blob cache directory between runs (@actions/cache on runners); never fails a run. */
export interface CachePersistence {
  restore(dir: string, log: Logger): Promise<void>;
  save(dir: string, log: Logger): Promise<void>;
}

export type LatestMode = 'auto' | 'true' | 'false';

export interface DockerMultiarchOptions {
  /** The working directory: globs, bundles, version.json and `oci-layout:` targets are relative to it. */
  dir: string;
  /** releng.yml, for `environment`. */
  configPath: string;
  /** Docker archives (globs), or leg bundle directories (globs). */
  source: { images: string[] } | { bundles: string[] };
  /** An environment's registries, or targets (`registry/repository`, `oci-layout:DIR`). */
  targets: { environmentName: string } | { refs: string[] };
  /** Tag templates for every target, over the environment's (empty: theirs, or the defaults). */
  tags: string[];
  /** The release's version; otherwise version.json, or the legs'. */
  version?: string;
  latest: LatestMode;
  /**
   * Move the pointers (`{major}`, `latest`, literal tags) in this run, after every `{version}` tag; false:
   * images and `{version}` tags only, the pointers left to publish's pointer phase.
   */
  pointers: boolean;
  /** The `confirm` input (an environment needs `I want to release this to ENV`). */
  confirm?: string;
  /** A bare `--confirm` will do (the CLI off runners). */
  allowBareConfirm: boolean;
  /** Asks for the confirmation on a terminal (the CLI). */
  ask?: (question: string) => Promise<string>;
  /** The `username`/`password` inputs: for the registry targets without a login of their own. */
  credentials?: RegistryCredentials;
  /** The `ssh-key` input: reads the tags of an ssh git-remote for the maintenance rule (src/git/ssh.ts). */
  sshKey?: string;
  insecureRegistries: string[];
  annotations: Record<string, string>;
  descriptorAnnotations: boolean;
  mediaTypes: MediaTypeFamily;
  compression: Compression;
  compressionLevel: number;
  gzipEngine: GzipEngine;
  force: boolean;
  dryRun: boolean;
  /** Use the diffID → blob cache (never in a dry run). */
  cache: boolean;
  /** Where the blob cache directory is kept between runs (runners); otherwise it stays on this machine. */
  persistence?: CachePersistence;
  /** Where login files, igzip and the cache directory are looked up (HOME, PATH, XDG_CACHE_HOME …). */
  processEnv: NodeJS.ProcessEnv;
  tuning?: RegistryTuning;
  log: Logger;
}

export type DockerMultiarchResult = PublishImagesResult;

export async function dockerMultiarch(o: DockerMultiarchOptions): Promise<DockerMultiarchResult> {
  const log = o.log;
  // 3 first: a confirmation that cannot do is refused before anything is read.
  const { targets, remote, knownHosts, confirmation } = resolveTargets(o);
  if (confirmation) checkConfirmation(confirmation);
  if (o.sshKey) checkSshKey(o.sshKey);

  // 1. Images.
  const fromBundles = 'bundles' in o.source ? imagesFromBundles(o.source.bundles, o.dir, log) : undefined;
  const images =
    fromBundles?.images ?? imagesFromArchives('images' in o.source ? o.source.images : [], o.dir);

  // 2. Version.
  const version = resolveVersion(o.version, o.dir, fromBundles?.versions ?? new Set());

  // 4. Pointers.
  const pointers = o.pointers
    ? await pointerPolicy(o, version, remote, knownHosts)
    : { latest: false, major: false };
  if (!o.pointers) log.info('pointers: not moved in this run ({version} tags only); publish moves them');

  // 5. Push, with the blob cache.
  const useCache = o.cache && !o.dryRun;
  const dirOfCache = cacheDir(o.processEnv);
  if (useCache) await o.persistence?.restore(dirOfCache, log);
  const cache = useCache ? new FileBlobCache(path.join(dirOfCache, 'blobs.json'), log) : undefined;
  const r = await publishImages({
    images,
    targets,
    version,
    pointers,
    movePointers: o.pointers,
    credentials: o.credentials,
    insecureRegistries: o.insecureRegistries,
    annotations: o.annotations,
    descriptorAnnotations: o.descriptorAnnotations,
    mediaTypes: o.mediaTypes,
    compression: o.compression,
    compressionLevel: o.compressionLevel,
    gzipEngine: o.gzipEngine,
    force: o.force,
    dryRun: o.dryRun,
    cache,
    dir: o.dir,
    processEnv: o.processEnv,
    tuning: o.tuning,
    confirm: confirmation && (() => confirmRelease(confirmation, `Publish the docker images of ${version}`)),
    log,
  });
  if (cache?.changed) {
    cache.save();
    await o.persistence?.save(dirOfCache, log);
  }
  return r;
}

function imagesFromArchives(patterns: string[], dir: string): ImageArchive[] {
  const files = expandGlobs(patterns, dir);
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new RelengError(
      `images: ${missing.join(', ')} not found (resolved in ${dir}); pass the docker archives nix built`,
    );
  if (files.length === 0) throw new RelengError(`images: no file matches ${patterns.join(', ')} (in ${dir})`);
  return files.map((file) => ({ file, sha256: sidecarSha256(file) }));
}

/** Lix's release tree has FILE.sha256 (hex) next to each archive. */
function sidecarSha256(file: string): string | undefined {
  try {
    const hex = fs.readFileSync(`${file}.sha256`, 'utf8').trim().split(/\s+/)[0] ?? '';
    return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
  } catch {
    return undefined; // no sidecar
  }
}

function imagesFromBundles(
  patterns: string[],
  dir: string,
  log: Logger,
): { images: ImageArchive[]; versions: Set<string> } {
  const images: ImageArchive[] = [];
  const versions = new Set<string>();
  for (const b of findBundles(patterns, dir)) {
    const opened = openLeg(b);
    const leg = opened.record;
    versions.add(leg.version);
    if (!leg.image) {
      log.info(`${b}: the ${leg.system} leg has no docker image`);
      continue;
    }
    // Read through the bundle (a link out of it is refused); a missing archive is reported as before.
    const file = legImageFile(opened) ?? path.join(b, leg.image.path);
    images.push({ file, system: leg.system, sha256: leg.image.sha256 });
  }
  return { images, versions };
}

function resolveVersion(given: string | undefined, dir: string, legVersions: Set<string>): string {
  let version: string;
  if (given) version = checkVersion(given, "input 'version'");
  else if (fs.existsSync(path.join(dir, 'version.json'))) version = readVersionInfo(dir).version;
  else if (legVersions.size === 1) version = [...legVersions][0]!;
  else throw new RelengError(`no version: pass 'version', or run in the project checkout (version.json)`);
  const other = [...legVersions].filter((v) => v !== version);
  if (other.length)
    throw new RelengError(
      `the leg bundles are of version ${[...legVersions].join(', ')} but this release is ${version}; pass the bundles of this release`,
    );
  return version;
}

/**
 * The targets with their tags, the environment's git remote (for the maintenance rule) and, for an
 * environment, what its confirmation needs; a list of targets needs none.
 */
function resolveTargets(o: DockerMultiarchOptions): {
  targets: RegistryTarget[];
  remote?: string;
  knownHosts?: string[];
  confirmation?: ConfirmationRequest;
} {
  let targets: RegistryTarget[];
  let remote: string | undefined;
  let knownHosts: string[] | undefined;
  let confirmation: ConfirmationRequest | undefined;
  if ('environmentName' in o.targets) {
    const environmentName = o.targets.environmentName;
    const environment = environmentConfig(loadConfig(o.configPath), environmentName);
    targets = targetsForEnvironment(environment, o.dir, environmentName);
    const gitRemote = environment['git-remote'];
    remote = gitRemote ? resolveRemote(gitRemote, o.dir) : undefined;
    knownHosts = environment['known-hosts'];
    if (targets.length === 0)
      throw new RelengError(
        `environment '${environmentName}' has no registries in ${o.configPath}; add environments.${environmentName}.registries`,
      );
    confirmation = {
      environmentName,
      environment,
      given: o.confirm,
      allowBare: o.allowBareConfirm,
      ask: o.ask,
      dryRun: o.dryRun,
    };
  } else targets = o.targets.refs.map((ref) => ({ ref, tags: [] }));
  if (o.tags.length)
    targets = targets.map((t) => ({
      ...t,
      tags: o.tags,
      where: t.where && { ...t.where, tags: "input 'tags'" },
    }));
  return { targets, remote, knownHosts, confirmation };
}

/** Which pointers the maintenance rule lets this release move; `latest` may also be given. */
async function pointerPolicy(
  o: DockerMultiarchOptions,
  version: string,
  remote: string | undefined,
  knownHosts: string[] | undefined,
): Promise<PointerPolicy> {
  // An ssh remote's tags are read with the run's key; its temp dir lives for the read only.
  const ssh = openSsh({
    ...(remote ? { key: o.sshKey, knownHosts } : {}),
    processEnv: o.processEnv,
    log: o.log,
  });
  let rule: MaintenanceRule;
  try {
    const git = new Git(o.dir, o.log, undefined, ssh.gitEnv);
    rule = await readMaintenanceRule(git, version, { isRepo: await git.isRepo(), remote });
  } finally {
    ssh.close();
  }
  if (o.latest === 'auto' && !rule.mayMoveLatest)
    o.log.info(`latest: not moved — a newer release than ${version} exists (maintenance release)`);
  if (!rule.mayMoveMajor)
    o.log.info(
      `${majorOf(version)}: not moved — a newer ${majorOf(version)} release (${rule.newerInMajor}) exists`,
    );
  return { latest: o.latest === 'auto' ? rule.mayMoveLatest : o.latest === 'true', major: rule.mayMoveMajor };
}

function cacheDir(processEnv: NodeJS.ProcessEnv): string {
  return path.join(
    processEnv.XDG_CACHE_HOME || path.join(processEnv.HOME || os.homedir(), '.cache'),
    'releng',
    'oci',
  );
}
