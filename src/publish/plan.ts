import type { Sink } from '../storage/sink.js';

/** The destinations of a releng.yml environment (where each name of the tree goes: src/release/tree.ts). */
export type DestinationName = 'cache' | 'releases' | 'docs' | 'install';

/** The publication steps, in the order they run (DESIGN.md "Order"). */
export const STEPS = [
  'cache',
  'docker',
  'releases',
  'installers',
  'docs',
  'index',
  'pointers',
  'tag',
  'branch',
  'release-page',
] as const;
export type StepName = (typeof STEPS)[number];

/** What `skip` accepts (DESIGN.md): the pointers and the index follow the destinations they live in. */
export const SKIPPABLE = [
  'cache',
  'docker',
  'releases',
  'docs',
  'installers',
  'tag',
  'branch',
  'release-page',
  'docker-pointers',
] as const;
export type Skippable = (typeof SKIPPABLE)[number];

/** Which steps run: what `skip` leaves, and what the release has (installers, a manual) and asks (push-branch). */
export interface Want {
  cache: boolean;
  /** Push the images and their `{version}` tags (false: an earlier docker-multiarch job did). */
  docker: boolean;
  /** Move the image pointer tags (`{major}`, `latest`) in the pointer phase — also after `skip: docker`. */
  dockerPointers: boolean;
  releases: boolean;
  installers: boolean;
  docs: boolean;
  tag: boolean;
  branch: boolean;
  page: boolean;
}

export function stepsToRun(
  skip: ReadonlySet<Skippable>,
  has: { installers: boolean; manual: boolean; pushBranch: boolean },
): Want {
  return {
    cache: !skip.has('cache'),
    docker: !skip.has('docker'),
    dockerPointers: !skip.has('docker-pointers'),
    releases: !skip.has('releases'),
    installers: !skip.has('installers') && has.installers,
    docs: !skip.has('docs') && has.manual,
    tag: !skip.has('tag'),
    branch: !skip.has('branch') && has.pushBranch,
    page: !skip.has('release-page'),
  };
}

/**
 * upload: not there yet. skip: there with our bytes. overwrite: a versioned object with other bytes,
 * replaced because of `force`. replace: a pointer moved to this release. hold: a pointer this release may
 * not move (the maintenance rule). delete: a stale file of a synced pointer directory.
 */
export type Action = 'upload' | 'skip' | 'overwrite' | 'replace' | 'hold' | 'delete';

export interface PlannedObject {
  dest: DestinationName;
  key: string;
  size: number;
  /** Ours; empty for deletes. */
  sha256: string;
  /** The file to upload (absent for deletes and for cache objects made later). */
  source?: string;
  /** Or the bytes, made in memory (a signed narinfo, an encoded listing). */
  bytes?: Uint8Array;
  contentType?: string;
  /** Stored with the object: a narinfo or listing written compressed (cache-settings). */
  contentEncoding?: string;
  kind: 'versioned' | 'pointer';
  action: Action;
  reason?: string;
}

export interface PlanStep {
  step: StepName;
  /** Where it goes: a sink location, a remote, a forge URL. */
  target?: string;
  objects: PlannedObject[];
  /** One-line facts for the log and the summary (tag state, pointer decisions, skipped steps). */
  notes: string[];
  skipped?: string;
}

export interface PublishPlan {
  version: string;
  environmentName: string;
  dryRun: boolean;
  steps: PlanStep[];
}

/** A step of the plan; `skipped` says why it does not run. */
export function newStep(
  step: StepName,
  o: { objects?: PlannedObject[]; target?: string; notes?: string[]; skipped?: string } = {},
): PlanStep {
  return { step, target: o.target, objects: o.objects ?? [], notes: o.notes ?? [], skipped: o.skipped };
}

/** Where a release tree's claim goes (src/publish/claim.ts), and whether it may replace another's (`force`). */
export interface Claim {
  key: string;
  version: string;
  force: boolean;
}

/** Objects for one sink, written (and their stale ones deleted) as one group. */
export interface DestinationWrite {
  sink: Sink;
  objects: PlannedObject[];
  /** For the log. */
  label: string;
  /** A prefix listed once after the writes to verify what was written under it (src/publish/upload.ts). */
  verifyPrefix?: string;
  /** The release's claim, written before any of the objects (src/publish/claim.ts): the release tree's. */
  claim?: Claim;
}

/** What a destination's planner returns: its step, the writes that carry it out, the conflicts it found. */
export interface Planned {
  step: PlanStep;
  writes: DestinationWrite[];
  /** Versioned objects there with other content: refused together, before any write, unless `force`. */
  conflicts: string[];
}

export const writes = (o: PlannedObject) =>
  o.action === 'upload' || o.action === 'overwrite' || o.action === 'replace';

export function planTotals(plan: PublishPlan): {
  upload: number;
  bytes: number;
  skip: number;
  delete: number;
} {
  const all = plan.steps.flatMap((s) => s.objects);
  const up = all.filter(writes);
  return {
    upload: up.length,
    bytes: up.reduce((n, o) => n + o.size, 0),
    skip: all.filter((o) => o.action === 'skip').length,
    delete: all.filter((o) => o.action === 'delete').length,
  };
}

/** The `plan` output: every step, each object as `[action, key, size]` to keep 1000-file trees readable. */
export function planJson(plan: PublishPlan): object {
  return {
    version: plan.version,
    environment: plan.environmentName,
    dryRun: plan.dryRun,
    totals: planTotals(plan),
    steps: plan.steps.map((s) => ({
      step: s.step,
      ...(s.target ? { target: s.target } : {}),
      ...(s.skipped ? { skipped: s.skipped } : {}),
      notes: s.notes,
      objects: s.objects.map((o) => ({
        dest: o.dest,
        key: o.key,
        size: o.size,
        action: o.action,
        kind: o.kind,
        ...(o.reason ? { reason: o.reason } : {}),
      })),
    })),
  };
}
