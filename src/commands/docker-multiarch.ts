import path from 'node:path';
import { RelengError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import { formatBytes } from '../log.js';
import {
  bareConfirmAllowed,
  type CachePersistence,
  DEFAULT_LEVEL,
  type DockerMultiarchResult,
  dockerMultiarch,
  GZIP_ENGINES,
  type LatestMode,
  shortDigest,
} from '../stages/docker-multiarch.js';
import type { Summary } from '../summary.js';
import { readTuning } from '../tuning.js';
import { COMMON_INPUTS, commonOptions, type StageCommand, type StageContext } from './command.js';

export type { CachePersistence } from '../stages/docker-multiarch.js';

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
      'pointers',
      'confirm',
      'annotations',
      'descriptor-annotations',
      'media-types',
      'compression',
      'compression-level',
      'gzip-engine',
      'username',
      'password',
      'ssh-key',
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
      // Registered before anything can fail and print it (the library registers its derived forms).
      const password = inputs.secret('password');
      if (password) log.secret(password);
      const sshKey = inputs.secret('ssh-key');
      if (sshKey) log.secret(sshKey);
      const username = inputs.string('username');

      const images = inputs.list('images');
      const bundles = inputs.list('bundles');
      if (images.length && bundles.length) throw new RelengError("give 'images' or 'bundles', not both");
      if (!images.length && !bundles.length)
        throw new RelengError(
          "nothing to publish: pass 'images' (docker archives) or 'bundles' (leg bundle directories)",
        );
      const environmentName = inputs.string('environment');
      const targets = inputs.list('targets');
      if (environmentName && targets.length)
        throw new RelengError("give 'environment' or 'targets', not both");
      if (!environmentName && !targets.length)
        throw new RelengError(
          "no targets: pass 'environment' (registries of releng.yml) or 'targets' (registry/repository or oci-layout:DIR)",
        );
      const compression = inputs.choice('compression', ['gzip', 'zstd'] as const, 'gzip');

      const r = await dockerMultiarch({
        dir,
        configPath,
        source: bundles.length ? { bundles } : { images },
        targets: environmentName ? { environmentName } : { refs: targets },
        tags: inputs.list('tags'),
        version: inputs.string('version'),
        latest: inputs.choice<LatestMode>('latest', ['auto', 'true', 'false'], 'auto'),
        pointers: inputs.bool('pointers', true),
        confirm: inputs.string('confirm'),
        allowBareConfirm: bareConfirmAllowed(ctx.processEnv),
        ask: ctx.ask,
        credentials:
          username || password ? { username: username ?? '', password: password ?? '' } : undefined,
        sshKey,
        insecureRegistries: inputs.list('insecure-registries'),
        annotations: parseAnnotations(inputs.string('annotations')),
        descriptorAnnotations: inputs.bool('descriptor-annotations'),
        mediaTypes: inputs.choice('media-types', ['oci', 'docker'] as const, 'oci'),
        compression,
        compressionLevel: inputs.int('compression-level', DEFAULT_LEVEL[compression], 1, 19),
        gzipEngine: inputs.choice('gzip-engine', GZIP_ENGINES, 'auto'),
        force: inputs.bool('force'),
        dryRun: inputs.bool('dry-run'),
        cache: inputs.bool('cache', true),
        persistence,
        processEnv: ctx.processEnv,
        tuning: readTuning(ctx.processEnv).registry,
        log,
      });
      return {
        outputs: { digest: r.digest, digests: r.digests, tags: r.tags },
        summary: summarise(r),
      };
    },
  };
}

export const dockerMultiarchCommand = makeDockerMultiarchCommand();
