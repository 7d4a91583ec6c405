import type { MergedRelease } from '../bundle/release.js';
import { type ConfirmationRequest, checkConfirmation, confirmRelease } from '../config/confirmation.js';
import { environmentConfig, type LoadedConfig, loadConfig } from '../config/load.js';
import { cacheSettingsOf, type EnvironmentConfig } from '../config/schema.js';
import type { VersionInfo } from '../config/version.js';
import { readVersionInfo } from '../config/version.js';
import { RelengErrors } from '../errors.js';
import { openSsh, type SshSession } from '../git/ssh.js';
import { formatBytes, type Logger } from '../log.js';
import { removeStaleWorkDirs } from '../nix/work-dir.js';
import { urlOf } from '../publish/destinations.js';
import { type DockerStep, dockerViaMultiarch } from '../publish/docker.js';
import { execute } from '../publish/execute.js';
import { gitSteps } from '../publish/git-steps.js';
import { readIndex } from '../publish/index-object.js';
import { newStep, type PublishPlan, SKIPPABLE, type Skippable, stepsToRun, writes } from '../publish/plan.js';
import { planCacheStep } from '../publish/plan-cache.js';
import { planDocs } from '../publish/plan-docs.js';
import { installersOf, planInstallers } from '../publish/plan-installers.js';
import { planPointers } from '../publish/plan-pointers.js';
import { planReleases } from '../publish/plan-releases.js';
import { preflight, probeWrites } from '../publish/preflight.js';
import {
  damagedFiles,
  loadRelease,
  manualTree,
  type ReleaseInput,
  type ReleaseSource,
  systemProblems,
} from '../publish/release-input.js';
import { pageContent, planReleasePage } from '../publish/release-page.js';
import { type DestinationRow, destinationRows, logPlan, pointerState } from '../publish/report.js';
import { indexKey } from '../release/tree.js';
import { DEFAULT_CONCURRENCY } from '../storage/s3.js';
import type { Tuning } from '../tuning.js';

export type PublishSource = ReleaseSource;

export interface PublishOptions {
  /** The project checkout (working-directory). */
  dir: string;
  configPath: string;
  /** The releng.yml environment to publish to. */
  environmentName: string;
  source: PublishSource;
  confirm?: string;
  /** The CLI accepts a bare `--confirm` (value "true"); runners need the phrase. */
  allowBareConfirm?: boolean;
  force: boolean;
  forcePushTag: boolean;
  pushBranch: boolean;
  noCheckGit: boolean;
  dryRun: boolean;
  skip: readonly Skippable[];
  /** Systems of build.systems the release may lack (refused otherwise: every system or nothing). */
  allowMissingSystems?: readonly string[];
  forgeToken?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  /** A private ssh key for git and the credentials command (the `ssh-key` input), registered as a secret. */
  sshKey?: string;
  processEnv: NodeJS.ProcessEnv;
  log: Logger;
  /** Interactive confirmation (the CLI on a terminal). */
  ask?: (question: string) => Promise<string>;
  docker?: DockerStep;
  /** Merges leg bundles into one release (build-artifacts' mergeLegs). */
  mergeLegs?: (bundleDirs: string[], log: Logger) => Promise<MergedRelease>;
  /** RELENG_* tuning (src/tuning.ts); unset fields take the clients' defaults. */
  tuning?: Tuning;
}

export type { DestinationRow };

export interface PublishResult {
  version: string;
  environmentName: string;
  dryRun: boolean;
  plan: PublishPlan;
  uploadedBytes: number;
  uploadedObjects: number;
  skippedObjects: number;
  deletedObjects: number;
  releaseUrl: string;
  destinations: DestinationRow[];
  pointers: { pointer: string; action: string; why: string }[];
  git: string[][];
  /** Docker targets → image index digest. */
  images: string[][];
  /** The cache's public key, for trusted-public-keys. */
  publicKey?: string;
  /** Everything written, with its URL. */
  written: { url: string; size: number }[];
}

/**
 * Lix's `upload` as one ordered, resumable publication:
 *   1. read the release (leg bundles or an artifacts dir) and which steps run;
 *   2. preflight, before any write: on the tag with a clean tree, every destination reachable, the
 *      credentials and the signing key, the git remote and push access, the forge token — all together;
 *   3. plan each destination: what it lacks (versioned objects are immutable, pointers move only as the
 *      maintenance rule allows);
 *   4. before the first write: conflicts, damaged leg files and unwritable destinations stop here; the plan
 *      is shown, and `dry-run` ends here;
 *   5. confirm (every environment but local, src/config/confirmation.ts);
 *   6. execute in order: cache (NARs before narinfo) → docker → release tree → installers → manual →
 *      pointers (root manifest.nix, docs stable, installer pointers) → the release's index → git branch
 *      (direct, or for review on Gerrit) → a new major's release-X.Y → tag → release page.
 */
export async function publish(o: PublishOptions): Promise<PublishResult> {
  const log = o.log;
  // What a killed run left (a signing key's file among them) goes before anything else is made.
  for (const dir of removeStaleWorkDirs()) log.info(`removed ${dir}, left by a run that was killed`);
  const config = loadConfig(o.configPath);
  const environment = environmentConfig(config, o.environmentName);
  const { name } = config;
  const info = readVersionInfo(o.dir);
  const { version } = info;
  const confirmation: ConfirmationRequest = {
    environmentName: o.environmentName,
    environment,
    dryRun: o.dryRun,
    given: o.confirm,
    allowBare: o.allowBareConfirm ?? false,
    ask: o.ask,
  };
  checkConfirmation(confirmation);
  if (o.forgeToken) log.secret(o.forgeToken);

  if (o.sshKey) log.secret(o.sshKey);
  // The key's temp directory exists for this run only: removed on success, failure and throw alike.
  const ssh = openSsh({
    key: o.sshKey,
    knownHosts: environment['known-hosts'],
    processEnv: o.processEnv,
    log,
  });
  try {
    // 1. The release, and which steps run.
    const release = await loadRelease(o.source, { dir: o.dir, name, version, mergeLegs: o.mergeLegs, log });
    try {
      return await publishRelease(o, { config, environment, info, confirmation, release, ssh });
    } finally {
      release.dispose();
    }
  } finally {
    ssh.close();
  }
}

/** Why the other steps do not run for a manual-only release (build-artifacts' target manual). */
const MANUAL_ONLY = 'a manual-only release (target manual): the nightly manual only';

async function publishRelease(
  o: PublishOptions,
  c: {
    config: LoadedConfig;
    environment: EnvironmentConfig;
    info: VersionInfo;
    confirmation: ConfirmationRequest;
    release: ReleaseInput;
    ssh: SshSession;
  },
): Promise<PublishResult> {
  const { log } = o;
  const { config, environment, confirmation, release } = c;
  const { name } = config;
  const { version, major } = c.info;
  // A manual-only release writes the docs' nightly/ directory and nothing else, from any commit.
  const manualOnly = release.target === 'manual';
  const info = manualOnly ? { ...c.info, officialRelease: false } : c.info;
  if (manualOnly) log.info(`${release.origin}: ${MANUAL_ONLY}`);
  const skip = new Set<Skippable>(manualOnly ? SKIPPABLE.filter((n) => n !== 'docs') : o.skip);
  const skipped = (n: Skippable, otherwise: string) =>
    skip.has(n) ? (manualOnly ? MANUAL_ONLY : `skip: ${n}`) : otherwise;
  const want = stepsToRun(skip, {
    installers: installersOf(name, release.files).length > 0,
    manual: release.manualDir !== null,
    pushBranch: o.pushBranch,
  });

  // 2. Preflight: every problem together, nothing written.
  const dockerStep = o.docker ?? dockerViaMultiarch;
  const pre = await preflight({
    dir: o.dir,
    environmentName: o.environmentName,
    environment,
    version,
    release,
    want,
    noCheckGit: o.noCheckGit || manualOnly,
    forcePushTag: o.forcePushTag,
    forgeToken: o.forgeToken,
    s3AccessKeyId: o.s3AccessKeyId,
    s3SecretAccessKey: o.s3SecretAccessKey,
    s3Tuning: o.tuning?.s3,
    docker: {
      step: dockerStep,
      request: {
        images: release.images,
        environment,
        environmentName: o.environmentName,
        dir: o.dir,
        version,
        dryRun: o.dryRun,
        processEnv: o.processEnv,
        registryTuning: o.tuning?.registry,
        log,
      },
    },
    processEnv: o.processEnv,
    ssh: c.ssh,
    log,
  });
  const failed = `publish ${version} to ${o.environmentName}: preflight failed, nothing was written`;
  pre.problems.push(...systemProblems(release, config.build.systems, o.allowMissingSystems ?? []));
  if (pre.problems.length) throw new RelengErrors(failed, pre.problems);

  // 3. Plan each destination: read-only; conflicts are collected, not thrown, so all are reported together.
  const dests = pre.destinations;
  const relDest = dests.get('releases');
  const cache = await planCacheStep({
    destination: dests.get('cache'),
    source: release.cache,
    key: pre.key,
    force: o.force,
    settings: cacheSettingsOf(environment),
    skipped: skipped('cache', 'skip: cache'),
    log,
  });
  const registries = environment.registries.map((r) => r.ref).join(', ') || 'no registries';
  const docker = !pre.docker
    ? newStep('docker', { skipped: skipped('docker', 'skip: docker') })
    : newStep('docker', {
        notes: [
          pre.docker.pushImages === false
            ? `images pushed before (skip: docker); pointer tags of ${registries} moved last`
            : `${release.images.length} image(s) → ${registries}; pointer tags moved last`,
        ],
      });
  const index = relDest ? await readIndex(relDest.sink, indexKey(name, version), version, log) : new Map();
  const tree = { name, version, files: release.files, index, force: o.force };
  const releases = await planReleases({ ...tree, destination: relDest });
  const installers = await planInstallers({
    ...tree,
    destination: dests.get('install'),
    skipped: skipped('installers', 'no installers in the release tree'),
  });
  const manual = dests.has('docs') ? await manualTree(release.manualDir!) : [];
  const docs = await planDocs({
    destination: dests.get('docs'),
    name,
    officialRelease: info.officialRelease,
    major,
    manual,
    heldMajor: pre.rule.heldMajor,
    skipped: skipped('docs', 'no manual in the release'),
  });
  const pointers = manualOnly
    ? { step: newStep('pointers', { skipped: MANUAL_ONLY }), writes: [], conflicts: [] }
    : await planPointers({
        destinations: dests,
        name,
        officialRelease: info.officialRelease,
        files: release.files,
        manual,
        heldLatest: pre.rule.heldLatest,
      });
  const destinationSteps = [cache.step, docker, releases.step, installers.step, docs.step, pointers.step];

  // 4. Before the first write: the leg files about to be written are still the bytes the build recorded,
  // every destination written to accepts writes, and nothing versioned is there with other content.
  const damaged = [
    ...cache.problems,
    ...(await damagedFiles(
      release,
      destinationSteps.flatMap((s) => s.objects.filter(writes).flatMap((x) => (x.source ? [x.source] : []))),
    )),
  ];
  const writeProblems = await probeWrites(destinationSteps, dests, {
    dryRun: o.dryRun,
    cacheInfo: cache.work?.plan.writeCacheInfo ?? false,
  });
  const conflicts = [...cache.conflicts, ...releases.conflicts, ...installers.conflicts];
  if (conflicts.length || writeProblems.length || damaged.length)
    throw new RelengErrors(
      conflicts.length
        ? `publish ${version}: versioned objects exist with other content, nothing was written (bump the version, or pass force to overwrite them)`
        : failed,
      [...damaged, ...writeProblems, ...conflicts],
    );

  const indexStep = relDest
    ? newStep('index', { target: `${relDest.location}/${indexKey(name, version)}` })
    : newStep('index', { skipped: skipped('releases', 'skip: releases') });
  const [tag, branch] = gitSteps(pre.gitPlan, {
    remote: pre.remote,
    tagSkipped: want.tag ? undefined : skipped('tag', 'skip: tag'),
    branchSkipped: want.branch ? undefined : skipped('branch', 'push-branch is false'),
  });
  // The release page is planned against the forge (read-only in a dry run).
  const page = await planReleasePage({
    forge: pre.forge,
    notes: pre.forgeNotes,
    skip: skip.has('release-page'),
    content: () =>
      pageContent({
        dir: o.dir,
        config,
        environment,
        release,
        info,
        latest: pre.rule.mayMove,
        publicKey: pre.key?.publicKey,
        log,
      }),
    dryRun: o.dryRun,
    log,
  });
  const plan: PublishPlan = {
    version,
    environmentName: o.environmentName,
    dryRun: o.dryRun,
    // The index goes with the release's own objects; the pointers are the last public step (execute.ts);
    // the branch before the tag (the forge must know the commit the tag names).
    steps: [
      ...destinationSteps.filter((s) => s !== pointers.step),
      indexStep,
      pointers.step,
      branch,
      tag,
      page.step,
    ],
  };
  logPlan(plan, log);
  const result: PublishResult = {
    version,
    environmentName: o.environmentName,
    dryRun: o.dryRun,
    plan,
    uploadedBytes: 0,
    uploadedObjects: 0,
    skippedObjects: plan.steps.flatMap((s) => s.objects).filter((x) => x.action === 'skip').length,
    deletedObjects: 0,
    releaseUrl: page.result?.url ?? '',
    destinations: [],
    pointers: pointers.step.objects
      .filter((x) => x.action !== 'delete')
      .map((p) => ({ pointer: p.key, action: pointerState(p.action), why: p.reason ?? '' })),
    git: [],
    images: [],
    publicKey: pre.key?.publicKey,
    written: [],
  };
  if (o.dryRun) {
    result.destinations = destinationRows(plan, dests);
    return result;
  }

  // 5. Confirmation, once the plan is printed.
  await confirmRelease(confirmation, `Publish ${version}`);

  // 6. Execute, in order.
  const done = await execute({
    cache,
    key: pre.key,
    force: o.force,
    docker: pre.docker ? { step: dockerStep, request: pre.docker } : undefined,
    writes: [...releases.writes, ...installers.writes, ...docs.writes],
    pointers: pointers.writes,
    index: relDest && {
      sink: relDest.sink,
      name,
      version,
      known: index,
      verified: { releases: releases.step.objects, install: installers.step.objects },
    },
    git: pre.gitPlan && { git: pre.git, plan: pre.gitPlan },
    page: pre.forge && page.content && { forge: pre.forge, content: page.content, step: page.step },
    concurrency: o.tuning?.s3.concurrency ?? DEFAULT_CONCURRENCY,
    log,
  });

  const { tally } = done;
  result.images = done.images;
  result.git = done.git;
  result.releaseUrl = done.page?.url ?? '';
  result.uploadedBytes = tally.bytes;
  result.uploadedObjects = tally.objects;
  result.deletedObjects = tally.deleted;
  result.destinations = destinationRows(plan, dests);
  result.written = tally.written.map((w) => {
    const d = [...dests.values()].find((x) => x.location === w.dest);
    return { url: d ? urlOf(d, w.key) : `${w.dest}/${w.key}`, size: w.size };
  });
  log.info(
    `published ${version} to ${o.environmentName}: ${tally.objects} object(s), ${formatBytes(tally.bytes)} written, ${result.skippedObjects} already there`,
  );
  return result;
}
