import { mergeLegs } from '../bundle/merge.js';
import { bareConfirmAllowed } from '../config/confirmation.js';
import { RelengError } from '../errors.js';
import { formatBytes } from '../log.js';
import { planJson, SKIPPABLE, type Skippable, writes } from '../publish/plan.js';
import type { PublishResult } from '../stages/publish.js';
import type { Summary, SummaryBlock } from '../summary.js';
import { readTuning } from '../tuning.js';
import { COMMON_INPUTS, commonOptions, type StageCommand } from './command.js';

/** Rows of object listings shown in the summary and the log; the `plan` output has them all. */
const LISTED = 200;

export const publishCommand: StageCommand = {
  name: 'publish',
  description:
    'Signed nix binary cache, release tree, installers, manual, pointers, git tag and branch, forge release page — ordered, immutable, resumable',
  inputs: [
    'environment',
    'bundles',
    'artifacts-dir',
    'confirm',
    'force',
    'force-push-tag',
    'push-branch',
    'no-check-git',
    'dry-run',
    'skip',
    'allow-missing-systems',
    'forge-token',
    's3-access-key-id',
    's3-secret-access-key',
    'ssh-key',
    ...COMMON_INPUTS,
  ],
  async run(inputs, ctx) {
    const { dir, configPath } = commonOptions(inputs, ctx);
    for (const secret of ['forge-token', 's3-secret-access-key', 'ssh-key'])
      ctx.log.secret(inputs.secret(secret) ?? '');
    ctx.log.secret(inputs.string('s3-access-key-id') ?? '');
    const bundles = inputs.list('bundles');
    const artifactsDir = inputs.string('artifacts-dir');
    if (bundles.length && artifactsDir)
      throw new RelengError("inputs 'bundles' and 'artifacts-dir' exclude each other: pass one");
    if (!bundles.length && !artifactsDir)
      throw new RelengError(
        "pass input 'bundles' (the leg bundles of build-artifacts) or 'artifacts-dir' (a ready release tree)",
      );
    const skip = inputs.list('skip');
    const unknown = skip.filter((s) => !(SKIPPABLE as readonly string[]).includes(s));
    if (unknown.length)
      throw new RelengError(
        `input 'skip': unknown step(s) ${unknown.join(', ')}; known: ${SKIPPABLE.join(', ')}`,
      );
    // Loaded when run: the S3 client is most of the bundle, and the other stages do not need it.
    const { publish } = await import('../stages/publish.js');
    const r = await publish({
      dir,
      configPath,
      environmentName: inputs.string('environment', 'local'),
      source: artifactsDir ? { artifactsDir } : { bundles },
      confirm: inputs.string('confirm'),
      // On a laptop `--confirm` alone will do; on a runner the phrase must be typed into the input.
      allowBareConfirm: bareConfirmAllowed(ctx.processEnv),
      force: inputs.bool('force'),
      forcePushTag: inputs.bool('force-push-tag'),
      pushBranch: inputs.bool('push-branch'),
      noCheckGit: inputs.bool('no-check-git'),
      dryRun: inputs.bool('dry-run'),
      skip: skip as Skippable[],
      allowMissingSystems: inputs.list('allow-missing-systems'),
      forgeToken: inputs.string('forge-token'),
      s3AccessKeyId: inputs.string('s3-access-key-id'),
      s3SecretAccessKey: inputs.string('s3-secret-access-key'),
      sshKey: inputs.secret('ssh-key'),
      processEnv: ctx.processEnv,
      log: ctx.log,
      ask: ctx.ask,
      mergeLegs,
      tuning: readTuning(ctx.processEnv),
    });
    return {
      outputs: {
        plan: planJson(r.plan),
        'uploaded-bytes': r.uploadedBytes,
        'skipped-objects': r.skippedObjects,
        'release-url': r.releaseUrl,
      },
      summary: publishSummary(r),
    };
  },
};

/** The job summary of a publication: per destination, what did not run, pointers, images, notes, git, what was written. */
export function publishSummary(r: PublishResult): Summary {
  const blocks: SummaryBlock[] = [];
  blocks.push({
    table: {
      header: ['step', 'destination', 'written', 'bytes', 'already there', 'deleted', 'URL'],
      rows: r.destinations.map((d) => [
        d.step,
        d.target,
        String(d.written),
        formatBytes(d.bytes),
        String(d.skipped),
        String(d.deleted),
        d.url,
      ]),
    },
  });
  const skipped = r.plan.steps.filter((s) => s.skipped).map((s) => `${s.step} (${s.skipped})`);
  if (skipped.length) blocks.push({ text: `Not run: ${skipped.join(', ')}.` });
  if (r.pointers.length)
    blocks.push({
      heading: 'Pointers',
      table: {
        header: ['pointer', 'state', 'why'],
        rows: r.pointers.map((p) => [p.pointer, p.action, p.why]),
      },
    });
  if (r.images.length)
    blocks.push({ heading: 'Images', table: { header: ['target', 'index digest'], rows: r.images } });
  const notes = r.plan.steps.flatMap((s) => s.notes.map((n) => [s.step, n]));
  if (notes.length) blocks.push({ heading: 'Notes', table: { header: ['step', 'note'], rows: notes } });
  if (r.git.length)
    blocks.push({ heading: 'Git', table: { header: ['ref', 'state', 'remote'], rows: r.git } });
  if (r.releaseUrl) blocks.push({ text: `Release page: ${r.releaseUrl}` });
  if (r.publicKey) blocks.push({ text: `Cache public key (trusted-public-keys): \`${r.publicKey}\`` });
  if (r.dryRun) {
    const planned = r.plan.steps.flatMap((s) =>
      s.objects
        .filter((o) => writes(o) || o.action === 'delete')
        .map((o) => [s.step, o.action, o.key, formatBytes(o.size)]),
    );
    blocks.push({
      heading: `Would write (${planned.length})`,
      table: { header: ['step', 'action', 'key', 'size'], rows: planned.slice(0, LISTED) },
      ...(planned.length > LISTED
        ? { text: `… and ${planned.length - LISTED} more in the plan output.` }
        : {}),
    });
  } else if (r.written.length) {
    blocks.push({
      heading: `Written (${r.written.length})`,
      table: {
        header: ['URL', 'size'],
        rows: r.written.slice(0, LISTED).map((w) => [w.url, formatBytes(w.size)]),
      },
      ...(r.written.length > LISTED ? { text: `… and ${r.written.length - LISTED} more.` } : {}),
    });
  }
  return {
    title: r.dryRun
      ? `Publish plan for ${r.version} → ${r.environmentName} (dry run: nothing written)`
      : `Published ${r.version} to ${r.environmentName}: ${formatBytes(r.uploadedBytes)} in ${r.uploadedObjects} object(s), ${r.skippedObjects} already there`,
    blocks,
  };
}
