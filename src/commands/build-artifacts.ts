import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { PROFILE_NAME } from '../config/schema.js';
import { RelengError } from '../errors.js';
import { formatBytes } from '../log.js';
import { COMMON_INPUTS, commonOptions, type StageCommand } from './command.js';

export const buildArtifactsCommand: StageCommand = {
  name: 'build-artifacts',
  description:
    'Nix builds per system: one leg bundle per system (release-tree files, image, binary cache), merged into the release tree',
  inputs: ['systems', 'profile', 'target', 'out-dir', 'no-check-git', ...COMMON_INPUTS],
  async run(inputs, ctx) {
    const { dir, configPath } = commonOptions(inputs, ctx);
    const config = loadConfig(configPath);
    const profile = inputs.string('profile');
    if (profile !== undefined && !PROFILE_NAME.test(profile))
      throw new RelengError(
        `input 'profile' must be an attribute name of the release jobs such as all or x86_64-linux-only, got '${profile}'`,
      );
    const { buildArtifacts } = await import('../stages/build-artifacts.js');
    const r = await buildArtifacts({
      dir,
      config,
      systems: inputs.list('systems'),
      profile,
      target: inputs.choice('target', ['all', 'manual'] as const, 'all'),
      outDir: inputs.string('out-dir', 'release'),
      noCheckGit: inputs.bool('no-check-git'),
      log: ctx.log,
    });
    const rel = (p: string) => path.relative(dir, p) || '.';
    return {
      outputs: {
        'artifacts-dir': r.artifactsDir,
        'manual-dir': r.manualDir ?? '',
        'bundle-dir': r.bundleDir,
        systems: r.systems,
        images: r.images,
      },
      summary: {
        title: `Built ${config.product} ${r.version}${r.target === 'manual' ? ' (manual only)' : ''} for ${r.systems.join(', ')}${r.profile ? ` (profile ${r.profile})` : ''}`,
        blocks: [
          {
            heading: 'Release tree',
            text: r.merged.files.length
              ? `In ${rel(r.artifactsDir)}/`
              : 'No release-tree files (target manual builds only the manual).',
            table: r.merged.files.length
              ? {
                  header: ['file', 'size', 'sha256'],
                  rows: r.merged.files.map((f) => [f.path, formatBytes(f.size), f.sha256]),
                }
              : undefined,
          },
          {
            heading: 'Leg bundles',
            table: {
              header: ['system', 'bundle', 'jobs', 'files', 'cache paths', 'image', 'manual'],
              rows: r.legs.map(({ dir: d, record }) => [
                record.system,
                rel(d),
                String(record.jobs.length),
                String(record.files.length),
                String(record.storePaths.length),
                record.image ? `${record.image.architecture}/${record.image.os}` : '—',
                record.manual ? 'yes' : '—',
              ]),
            },
          },
          ...(r.merged.manifest && Object.keys(r.merged.manifest).length
            ? [
                {
                  heading: 'manifest.nix',
                  table: {
                    header: ['system', 'store path'],
                    rows: Object.entries(r.merged.manifest).sort(([a], [b]) => (a < b ? -1 : 1)),
                  },
                },
              ]
            : []),
          ...(r.aggregates.length && r.target === 'all'
            ? [
                {
                  text: `Not built (aggregate jobs, whose attr names no system; each leg made its part of the release tree): ${r.aggregates.join(', ')}.`,
                },
              ]
            : []),
        ],
      },
    };
  },
};
