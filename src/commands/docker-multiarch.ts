import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBundles } from '../bundle/find.js';
import { readLeg } from '../bundle/leg.js';
import { environmentConfig, loadConfig } from '../config/load.js';
import { checkVersion, readVersionInfo } from '../config/version.js';
import { RelengError } from '../errors.js';
import { Git } from '../git/git.js';
import { type LatestMode, resolveLatest } from '../git/maintenance.js';
import { expandGlobs } from '../glob.js';
import type { Inputs } from '../inputs.js';
import { formatBytes, type Logger } from '../log.js';
import { FileBlobCache } from '../oci/blob-cache.js';
import { shortDigest } from '../oci/digest.js';
import { GZIP_ENGINES } from '../oci/igzip.js';
import {
  DEFAULT_LEVEL,
  type DockerMultiarchResult,
  dockerMultiarch,
  type ImageArchive,
  type RegistryTarget,
  targetsForEnvironment,
} from '../stages/docker-multiarch.js';
import type { Summary } from '../summary.js';
import { readTuning } from '../tuning.js';
import { COMMON_INPUTS, commonOptions, type StageCommand, type StageContext } from './command.js';

/** Keeps the diffID → blob cache directory between runs (@actions/cache on runners); never fails a run. */
export interface CachePersistence {
  restore(dir: string, log: Logger): Promise<void>;
  save(dir: string, log: Logger): Promise<void>;
}

const ANNOTATION_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/**
 * `k=v` per line; a line may hold several `k=v` separated by commas when every piece is one (values
 * themselves may contain commas: `description=fast, small` is one annotation).
 */
export function parseAnnotations(text: string | undefined, input = 'annotations'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    if (!line.trim()) continue;
    const pieces = line.split(',');
    const all = pieces.every((p) => ANNOTATION_KEY.test(p.split('=')[0]!.trim()) && p.includes('='));
    for (const item of all ? pieces : [line]) {
      const eq = item.indexOf('=');
      const key = item.slice(0, eq).trim();
      if (eq <= 0 || !ANNOTATION_KEY.test(key))
        throw new RelengError(
          `input '${input}': '${item.trim()}' is not key=value (e.g. org.opencontainers.image.vendor=Lix)`,
        );
      out[key] = item.slice(eq + 1).trim();
    }
  }
  return out;
}

function imagesFromArchives(patterns: string[], dir: string): ImageArchive[] {
  const files = expandGlobs(patterns, dir);
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length)
    throw new RelengError(
      `images: ${missing.join(', ')} not found (resolved in ${dir}); pass the docker archives nix built`,
    );
  if (files.length === 0) throw new RelengError(`images: no file matches ${patterns.join(', ')} (in ${dir})`);
  return files.map((file) => {
    // Lix's release tree has FILE.sha256 (hex) next to each archive.
    let sha256: string | undefined;
    try {
      const hex = fs.readFileSync(`${file}.sha256`, 'utf8').trim().split(/\s+/)[0] ?? '';
      if (/^[0-9a-f]{64}$/.test(hex)) sha256 = hex;
    } catch {
      // no sidecar
    }
    return { file, sha256 };
  });
}

function imagesFromBundles(
  patterns: string[],
  dir: string,
  log: Logger,
): { images: ImageArchive[]; versions: Set<string> } {
  const images: ImageArchive[] = [];
  const versions = new Set<string>();
  for (const b of findBundles(patterns, dir)) {
    const leg = readLeg(b);
    versions.add(leg.version);
    if (!leg.image) {
      log.info(`${b}: the ${leg.system} leg has no docker image`);
      continue;
    }
    images.push({ file: path.join(b, leg.image.path), system: leg.system, sha256: leg.image.sha256 });
  }
  return { images, versions };
}

function cacheDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'releng', 'oci');
}

function summarise(r: DockerMultiarchResult): Summary {
  const title = `${r.dryRun ? 'Dry run: would publish' : 'Published'} docker images for ${r.version}`;
  return {
    title,
    blocks: [
      {
        table: {
          header: [
            'target',
            'tags',
            'index digest',
            'platforms',
            r.dryRun ? 'would send' : 'sent',
            'skipped',
          ],
          rows: r.targets.map((t) => [
            t.ref,
            t.tags.map((x) => (t.tagsWritten.includes(x) ? x : `${x} (unchanged)`)).join(', '),
            t.digest || '(known once compressed)',
            t.platforms.join(', '),
            `${formatBytes(t.bytesSent)} (${t.blobsSent} blobs)`,
            `${formatBytes(t.bytesSkipped)} (${t.blobsSkipped} blobs${t.blobsMounted ? `, ${t.blobsMounted} mounted` : ''})`,
          ]),
        },
      },
      {
        heading: 'Images',
        table: {
          header: ['archive', 'platform', 'manifest', 'layers', 'compressed here'],
          rows: r.images.map((i) => [
            path.basename(i.file),
            i.platform,
            i.manifest.startsWith('sha256:0000') ? '(known once compressed)' : shortDigest(i.manifest),
            String(i.layers),
            i.source === 'recognised' ? '0 (already published)' : String(i.compressed),
          ]),
        },
      },
      {
        text: `Read ${formatBytes(r.uncompressedBytes)} of layers; compressed ${formatBytes(r.compressedBytes)}.`,
      },
    ],
  };
}

async function resolveVersion(inputs: Inputs, dir: string, legVersions: Set<string>): Promise<string> {
  const given = inputs.string('version');
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

export function makeDockerMultiarchCommand(persistence?: CachePersistence): StageCommand {
  return {
    name: 'docker-multiarch',
    description: 'Multi-arch OCI image index of the docker archives, pushed by digest to every target',
    inputs: [
      'images',
      'bundles',
      'environment',
      'targets',
      'tags',
      'latest',
      'annotations',
      'descriptor-annotations',
      'media-types',
      'compression',
      'compression-level',
      'gzip-engine',
      'username',
      'password',
      'insecure-registries',
      'version',
      'force',
      'dry-run',
      'cache',
      ...COMMON_INPUTS,
    ],
    async run(inputs: Inputs, ctx: StageContext) {
      const { dir, configPath } = commonOptions(inputs, ctx);
      const log = ctx.log;
      const password = inputs.string('password');
      if (password) log.secret(password);
      const username = inputs.string('username');
      if (!!username !== !!password)
        throw new RelengError(
          "give both 'username' and 'password', or neither (then docker/skopeo logins are used)",
        );
      if (username && password) log.secret(Buffer.from(`${username}:${password}`).toString('base64'));

      // Images: archives, or the legs' images.
      const imagePatterns = inputs.list('images');
      const bundlePatterns = inputs.list('bundles');
      if (imagePatterns.length && bundlePatterns.length)
        throw new RelengError("give 'images' or 'bundles', not both");
      if (!imagePatterns.length && !bundlePatterns.length)
        throw new RelengError(
          "nothing to publish: pass 'images' (docker archives) or 'bundles' (leg bundle directories)",
        );
      const fromBundles = bundlePatterns.length ? imagesFromBundles(bundlePatterns, dir, log) : undefined;
      const images = fromBundles ? fromBundles.images : imagesFromArchives(imagePatterns, dir);
      const version = await resolveVersion(inputs, dir, fromBundles?.versions ?? new Set());

      // Targets: an environment of releng.yml, or a list.
      const envName = inputs.string('environment');
      const targetList = inputs.list('targets');
      if (envName && targetList.length) throw new RelengError("give 'environment' or 'targets', not both");
      let targets: RegistryTarget[];
      let remote: string | undefined;
      if (envName) {
        const env = environmentConfig(loadConfig(configPath), envName);
        targets = targetsForEnvironment(env, dir, envName);
        remote = env['git-remote'];
        if (targets.length === 0)
          throw new RelengError(
            `environment '${envName}' has no registries in ${configPath}; add environments.${envName}.registries`,
          );
      } else if (targetList.length) targets = targetList.map((ref) => ({ ref, tags: [] }));
      else
        throw new RelengError(
          "no targets: pass 'environment' (registries of releng.yml) or 'targets' (registry/repository or oci-layout:DIR)",
        );
      const tags = inputs.list('tags');
      if (tags.length)
        targets = targets.map((t) => ({
          ...t,
          tags,
          where: t.where && { ...t.where, tags: "input 'tags'" },
        }));

      const latestMode = inputs.choice<LatestMode>('latest', ['auto', 'true', 'false'], 'auto');
      const git = latestMode === 'auto' ? new Git(dir, log) : undefined;
      const latest = await resolveLatest(
        latestMode,
        version,
        git && (await git.isRepo()) ? git : undefined,
        remote,
      );
      if (latestMode === 'auto' && !latest)
        log.info(`latest: not moved — a newer release than ${version} exists (maintenance release)`);

      const compression = inputs.choice('compression', ['gzip', 'zstd'] as const, 'gzip');
      const dryRun = inputs.bool('dry-run');
      const useCache = inputs.bool('cache', true) && !dryRun;
      const dirOfCache = cacheDir(ctx.processEnv);
      if (useCache) await persistence?.restore(dirOfCache, log);
      const cache = useCache ? new FileBlobCache(path.join(dirOfCache, 'blobs.json'), log) : undefined;

      const r = await dockerMultiarch({
        images,
        targets,
        version,
        latest,
        credentials: username && password ? { username, password } : undefined,
        insecureRegistries: inputs.list('insecure-registries'),
        annotations: parseAnnotations(inputs.string('annotations')),
        descriptorAnnotations: inputs.bool('descriptor-annotations'),
        mediaTypes: inputs.choice('media-types', ['oci', 'docker'] as const, 'oci'),
        compression,
        compressionLevel: inputs.int('compression-level', DEFAULT_LEVEL[compression], 1, 19),
        gzipEngine: inputs.choice('gzip-engine', GZIP_ENGINES, 'auto'),
        force: inputs.bool('force'),
        dryRun,
        cache,
        dir,
        env: ctx.processEnv,
        tuning: readTuning(ctx.processEnv).registry,
        log,
      });
      if (cache?.changed) {
        cache.save();
        await persistence?.save(dirOfCache, log);
      }
      return {
        outputs: { digest: r.digest, digests: r.digests, tags: r.tags },
        summary: summarise(r),
      };
    },
  };
}

export const dockerMultiarchCommand = makeDockerMultiarchCommand();
