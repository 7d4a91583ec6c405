import type { MergedRelease } from '../bundle/release.js';
import { environmentConfig, loadConfig } from '../config/load.js';
import type { EnvironmentConfig } from '../config/schema.js';
import { readVersionInfo } from '../config/version.js';
import { RelengError, RelengErrors } from '../errors.js';
import { Git } from '../git/git.js';
import { resolveRemote } from '../git/push.js';
import { formatBytes, type Logger } from '../log.js';
import { planCache, publishCache, releaseClosure } from '../publish/cache.js';
import { type Dest, openDestinations, urlOf } from '../publish/destinations.js';
import { type DockerRequest, type DockerStep, dockerViaMultiarch } from '../publish/docker.js';
import { executeGit, type GitPlan, planGit } from '../publish/git-steps.js';
import { type IndexMap, readIndex, writeIndex } from '../publish/index-object.js';
import {
  type Destination,
  indexKey,
  installerName,
  installerPointerKey,
  installerVersionKey,
  manualPrefix,
  ROOT_MANIFEST,
  versionDir,
} from '../publish/layout.js';
import {
  type PlannedObject,
  type PlanStep,
  type PublishPlan,
  type Skippable,
  type StepName,
  writes,
} from '../publish/plan.js';
import { pointerRule } from '../publish/pointer-rule.js';
import { openForgeChecked, readSigningKey } from '../publish/preflight.js';
import { damagedFiles, loadRelease, manualTree, type ReleaseSource } from '../publish/release-input.js';
import { type PageResult, pageContent, syncReleasePage } from '../publish/release-page.js';
import { type DestinationRow, destinationRows, logPlan, pointerState } from '../publish/report.js';
import { decidePointers, decideSync, decideVersioned, type Wanted } from '../publish/rules.js';
import { deleteObjects, newTally, writeObjects } from '../publish/upload.js';
import { contentTypeOf } from '../storage/content-type.js';
import { DEFAULT_CONCURRENCY } from '../storage/s3.js';
import type { Sink } from '../storage/sink.js';
import type { Tuning } from '../tuning.js';

export const CONFIRM_PHRASE = 'I want to release this';

export type PublishSource = ReleaseSource;

export interface PublishOptions {
  /** The project checkout (working-directory). */
  dir: string;
  configPath: string;
  environment: string;
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
  forgeToken?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  env: NodeJS.ProcessEnv;
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
  environment: string;
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
 *   1. read the release (leg bundles or an artifacts dir) and the environment's destinations;
 *   2. preflight, before any write: on the tag with a clean tree, every destination reachable, the
 *      credentials and the signing key, the git remote and push access, the forge token — all together;
 *   3. plan: what each destination lacks (versioned objects are immutable, pointers move only as the
 *      maintenance rule allows); conflicts and unwritable destinations stop here. `dry-run` ends here;
 *   4. confirm (live);
 *   5. publish in order: cache (NARs before narinfo) → docker → release tree → installers → manual →
 *      pointers (root manifest.nix, docs stable, installer pointers) → the release's index → git tag →
 *      branch → release page.
 */
export async function publish(o: PublishOptions): Promise<PublishResult> {
  const log = o.log;
  const concurrency = o.tuning?.s3.concurrency ?? DEFAULT_CONCURRENCY;
  const config = loadConfig(o.configPath);
  const env = environmentConfig(config, o.environment);
  const name = config.name;
  const info = readVersionInfo(o.dir);
  const { version, major } = info;
  checkConfirmInput(o, env);
  if (o.forgeToken) log.secret(o.forgeToken);

  // 1. The release, and which steps run.
  const release = await loadRelease(o.source, { dir: o.dir, name, version, mergeLegs: o.mergeLegs, log });
  const skip = new Set<string>(o.skip);
  const installers = release.files.filter((f) => installerName(name, f.path));
  const want = {
    cache: !skip.has('cache'),
    docker: !skip.has('docker'),
    releases: !skip.has('releases'),
    installers: !skip.has('installers') && installers.length > 0,
    docs: !skip.has('docs') && release.manualDir !== null,
    tag: !skip.has('tag'),
    branch: !skip.has('branch') && o.pushBranch,
    page: !skip.has('release-page'),
  };
  const notes = new Map<StepName, string[]>();
  const note = (step: StepName, line: string) => notes.set(step, [...(notes.get(step) ?? []), line]);

  // 2. Preflight: every problem together, nothing written.
  const problems: string[] = [];
  const needed: Destination[] = [];
  if (want.cache) needed.push('cache');
  if (want.releases) needed.push('releases');
  if (want.installers) needed.push('install');
  if (want.docs) needed.push('docs');
  const dests = await openDestinations(
    {
      environment: o.environment,
      env,
      dir: o.dir,
      processEnv: o.env,
      log,
      s3AccessKeyId: o.s3AccessKeyId,
      s3SecretAccessKey: o.s3SecretAccessKey,
      s3Tuning: o.tuning?.s3,
    },
    needed,
    problems,
  );
  const git = new Git(o.dir, log);
  const isRepo = await git.isRepo();
  if (!o.noCheckGit) {
    if (!isRepo)
      problems.push(
        `${o.dir}: not a git repository; publish from the release's checkout, or pass no-check-git`,
      );
    else await git.checkOnTag(version).catch((e: Error) => problems.push(e.message));
  }
  const remote = env['git-remote'] ? resolveRemote(env['git-remote'], o.dir) : undefined;
  let gitPlan: GitPlan | undefined;
  if (want.tag || want.branch) {
    if (!remote)
      problems.push(
        `environment '${o.environment}' has no git-remote in releng.yml; add one or pass skip: tag`,
      );
    else if (!isRepo)
      problems.push(`${o.dir}: not a git repository, so there is no tag to push; pass skip: tag`);
    else {
      const what = { tag: want.tag, branch: want.branch, forcePushTag: o.forcePushTag };
      gitPlan = await planGit(git, remote, version, what);
      problems.push(...gitPlan.problems);
    }
  }
  const key = want.cache ? readSigningKey(env, o.env, log, problems) : undefined;
  if (want.cache && release.cache.kind === 'none')
    problems.push(`cache: nothing to publish — ${release.cache.why}; pass skip: cache to publish without it`);
  const rule = await pointerRule(git, isRepo, remote, version);
  const dockerStep = o.docker ?? dockerViaMultiarch;
  const dockerReq: DockerRequest = {
    images: release.images,
    environment: env,
    environmentName: o.environment,
    dir: o.dir,
    version,
    latest: rule.mayMove,
    dryRun: o.dryRun,
    processEnv: o.env,
    registryTuning: o.tuning?.registry,
    log,
  };
  if (want.docker) problems.push(...(await dockerStep.preflight(dockerReq)));
  const forge = want.page
    ? await openForgeChecked(o.environment, env, o.forgeToken, problems, (l) => note('release-page', l))
    : undefined;
  await Promise.all([...dests.values()].map(async (d) => problems.push(...(await d.sink.check()))));
  if (problems.length)
    throw new RelengErrors(
      `publish ${version} to ${o.environment}: preflight failed, nothing was written`,
      problems,
    );

  // 3. Plan: read-only; conflicts are collected, not thrown, so all are reported together.
  const plan: PublishPlan = { version, environment: o.environment, dryRun: o.dryRun, steps: [] };
  const step = (n: StepName, objects: PlannedObject[], target?: string, skipped?: string): PlanStep => {
    const s: PlanStep = { step: n, target, objects, notes: notes.get(n) ?? [], skipped };
    plan.steps.push(s);
    return s;
  };
  const skipped = (n: Skippable, otherwise: string) => (skip.has(n) ? `skip: ${n}` : otherwise);
  const conflicts: string[] = [];
  const vdir = versionDir(name, version);

  const cacheDest = dests.get('cache');
  const closure = cacheDest ? await releaseClosure(release.cache, log) : undefined;
  const cachePlan = cacheDest && closure ? await planCache(cacheDest.sink, closure, key, o.force) : undefined;
  if (cachePlan) {
    conflicts.push(...cachePlan.conflicts);
    note(
      'cache',
      key
        ? `signed by ${key.publicKey}`
        : 'no signing-key in this environment: the cache is published unsigned',
    );
  }
  step(
    'cache',
    (cachePlan?.paths ?? []).map((p) => ({
      dest: 'cache',
      key: p.storePath,
      size: p.narSize,
      sha256: '',
      kind: 'versioned',
      action: p.action === 'add' ? 'upload' : p.action === 'replace' ? 'overwrite' : 'skip',
      reason: p.reason,
    })),
    cacheDest?.location,
    cacheDest ? undefined : 'skip: cache',
  );

  if (want.docker)
    note(
      'docker',
      `${release.images.length} image(s) → ${env.registries.map((r) => r.ref).join(', ') || 'no registries'}`,
    );
  step('docker', [], undefined, want.docker ? undefined : 'skip: docker');

  const relDest = dests.get('releases');
  const index: IndexMap = relDest
    ? await readIndex(relDest.sink, indexKey(name, version), version, log)
    : new Map();
  const treeFiles = release.files.filter((f) => f.path !== ROOT_MANIFEST);
  const rootManifest = release.files.find((f) => f.path === ROOT_MANIFEST);
  let releaseObjects: PlannedObject[] = [];
  if (relDest) {
    const known = { index: index.get('releases'), listing: await listing(relDest.sink, vdir) };
    const d = await decideVersioned(
      relDest.sink,
      treeFiles.map((f) => wanted('releases', f.path, f)),
      known,
      o.force,
    );
    conflicts.push(...d.conflicts);
    releaseObjects = d.objects;
    const outside = treeFiles.filter((f) => !f.path.startsWith(vdir));
    if (outside.length)
      note(
        'releases',
        `${outside.length} file(s) outside ${vdir}, published as versioned: ${outside[0]!.path}${outside.length > 1 ? ', …' : ''}`,
      );
  }
  step('releases', releaseObjects, relDest?.location, relDest ? undefined : 'skip: releases');

  const instDest = dests.get('install');
  let installerObjects: PlannedObject[] = [];
  if (instDest) {
    const known = { index: index.get('install'), listing: await listing(instDest.sink, vdir) };
    const objects = installers.map((f) =>
      wanted('install', installerVersionKey(name, version, installerName(name, f.path)!), f),
    );
    const d = await decideVersioned(instDest.sink, objects, known, o.force);
    conflicts.push(...d.conflicts);
    installerObjects = d.objects;
  }
  step(
    'installers',
    installerObjects,
    instDest?.location,
    instDest ? undefined : skipped('installers', 'no installers in the release tree'),
  );

  // The manual of this major (or nightly): a pointer directory, synced; held if a newer release of the major exists.
  const docsDest = dests.get('docs');
  const manualFiles = docsDest ? await manualTree(release.manualDir!) : [];
  const docsLabel = info.officialRelease ? major : 'nightly';
  const docsPrefix = manualPrefix(name, docsLabel);
  let docsObjects: PlannedObject[] = [];
  if (docsDest) {
    const held = info.officialRelease ? rule.heldMajor : undefined;
    docsObjects = await decideSync(
      docsDest.sink,
      'docs',
      docsPrefix,
      manualFiles.map((f) => wanted('docs', docsPrefix + f.path, f)),
      held,
    );
    note('docs', `manual → ${docsPrefix}${held ? ` held: ${held}` : ''}`);
  }
  step(
    'docs',
    docsObjects,
    docsDest?.location,
    docsDest ? undefined : skipped('docs', 'no manual in the release'),
  );

  // Pointers: root manifest.nix, docs stable/, installer pointers — only as the maintenance rule allows.
  const pointerObjects: PlannedObject[] = [];
  if (relDest && rootManifest)
    pointerObjects.push(
      ...(await decidePointers(
        relDest.sink,
        [wanted('releases', ROOT_MANIFEST, rootManifest)],
        rule.heldLatest,
      )),
    );
  const stablePrefix = manualPrefix(name, 'stable');
  if (docsDest && info.officialRelease) {
    const stable = manualFiles.map((f) => wanted('docs', stablePrefix + f.path, f));
    pointerObjects.push(...(await decideSync(docsDest.sink, 'docs', stablePrefix, stable, rule.heldLatest)));
  } else if (docsDest) note('pointers', 'docs stable/: not an official release, left alone');
  if (instDest) {
    const pointers = installers.map((f) =>
      wanted('install', installerPointerKey(name, installerName(name, f.path)!), f),
    );
    pointerObjects.push(...(await decidePointers(instDest.sink, pointers, rule.heldLatest)));
  }
  if (rule.heldLatest) note('pointers', rule.heldLatest);
  step('pointers', pointerObjects);

  // Leg files about to be written must still be the bytes the build recorded.
  const damaged = await damagedFiles(
    release,
    plan.steps.flatMap((s) => s.objects.filter(writes).flatMap((x) => (x.source ? [x.source] : []))),
  );

  // Write access is probed only where something will be written (a re-run that writes nothing probes
  // nothing), still before the first write; a dry run probes nothing.
  const writeProblems: string[] = [];
  if (!o.dryRun) {
    const writing = new Set(
      plan.steps
        .flatMap((s) => s.objects)
        .filter((x) => writes(x) || x.action === 'delete')
        .map((x) => x.dest),
    );
    if (cachePlan?.writeCacheInfo) writing.add('cache');
    for (const d of writing) writeProblems.push(...((await dests.get(d)?.sink.checkWrite()) ?? []));
  }
  if (conflicts.length || writeProblems.length || damaged.length)
    throw new RelengErrors(
      conflicts.length
        ? `publish ${version}: versioned objects exist with other content, nothing was written (bump the version, or pass force to overwrite them)`
        : `publish ${version} to ${o.environment}: preflight failed, nothing was written`,
      [...damaged, ...writeProblems, ...conflicts],
    );

  step(
    'index',
    [],
    relDest ? `${relDest.location}/${indexKey(name, version)}` : undefined,
    relDest ? undefined : 'skip: releases',
  );
  for (const n of gitPlan?.notes ?? []) note(n.startsWith('tag') ? 'tag' : 'branch', n);
  step('tag', [], remote, want.tag ? undefined : 'skip: tag');
  step('branch', [], remote, want.branch ? undefined : skipped('branch', 'push-branch is false'));
  // The release page is planned against the forge (read-only in a dry run).
  const page = forge
    ? await pageContent({
        dir: o.dir,
        config,
        env,
        release,
        info,
        latest: rule.mayMove,
        publicKey: key?.publicKey,
        log,
      })
    : undefined;
  let pageResult: PageResult | undefined;
  if (forge && page && o.dryRun) pageResult = await syncReleasePage(forge, page, { dryRun: true, log });
  if (pageResult) note('release-page', pageResult.action);
  const pageStep = step(
    'release-page',
    [],
    forge ? `${forge.kind}:${forge.repository}` : undefined,
    forge ? undefined : skip.has('release-page') ? 'skip: release-page' : notes.get('release-page')?.[0],
  );

  logPlan(plan, log);
  const result: PublishResult = {
    version,
    environment: o.environment,
    dryRun: o.dryRun,
    plan,
    uploadedBytes: 0,
    uploadedObjects: 0,
    skippedObjects: plan.steps.flatMap((s) => s.objects).filter((x) => x.action === 'skip').length,
    deletedObjects: 0,
    releaseUrl: pageResult?.url ?? '',
    destinations: [],
    pointers: pointerObjects
      .filter((x) => x.action !== 'delete')
      .map((p) => ({ pointer: p.key, action: pointerState(p.action), why: p.reason ?? '' })),
    git: [],
    images: [],
    publicKey: key?.publicKey,
    written: [],
  };
  if (o.dryRun) {
    result.destinations = destinationRows(plan, dests);
    return result;
  }

  // 4. Confirmation, once the plan is printed.
  await confirm(o, env, version);

  // 5. Publish, in order.
  const tally = newTally();
  const write = (d: Dest, objects: PlannedObject[], label: string, verifyPrefix?: string) =>
    writeObjects(d.sink, objects, { concurrency, log, label, tally, verifyPrefix });
  if (cacheDest && cachePlan && closure) {
    const written = await publishCache({
      sink: cacheDest.sink,
      plan: cachePlan,
      closure,
      key,
      force: o.force,
      concurrency,
      log,
      tally,
    });
    // The step now lists the objects written (NARs, listings, narinfo) beside the store paths already there.
    const cacheStep = plan.steps[0]!;
    cacheStep.objects = [...cacheStep.objects.filter((x) => x.action === 'skip'), ...written];
  }
  if (want.docker) {
    const out = await log.group('docker images', () => dockerStep.publish(dockerReq));
    result.images.push(...Object.entries(out.digests));
  }
  if (relDest) await write(relDest, releaseObjects, 'release tree', vdir);
  if (instDest) await write(instDest, installerObjects, 'installers', vdir);
  if (docsDest) {
    await write(docsDest, docsObjects, `manual ${docsLabel}`, docsPrefix);
    await deleteObjects(docsDest.sink, docsObjects, { log, label: `manual ${docsLabel}`, tally });
  }
  for (const d of [relDest, docsDest, instDest]) {
    if (!d) continue;
    const mine = pointerObjects.filter((x) => x.dest === d.name);
    await write(d, mine, 'pointers', stablePrefix);
    await deleteObjects(d.sink, mine, { log, label: 'pointers', tally });
  }
  if (relDest)
    await writeIndex(
      relDest.sink,
      name,
      version,
      index,
      { releases: releaseObjects, install: installerObjects },
      log,
      tally,
    );
  if (gitPlan) result.git.push(...(await executeGit(git, gitPlan, o.forcePushTag, log)).rows);
  if (forge && page) {
    pageResult = await syncReleasePage(forge, page, { dryRun: false, log });
    result.releaseUrl = pageResult.url ?? '';
    pageStep.notes.push(`${pageResult.action}${pageResult.url ? ` ${pageResult.url}` : ''}`);
  }

  result.uploadedBytes = tally.bytes;
  result.uploadedObjects = tally.objects;
  result.deletedObjects = tally.deleted;
  result.destinations = destinationRows(plan, dests);
  result.written = tally.written.map((w) => {
    const d = [...dests.values()].find((x) => x.location === w.dest);
    return { url: d ? urlOf(d, w.key) : `${w.dest}/${w.key}`, size: w.size };
  });
  log.info(
    `published ${version} to ${o.environment}: ${tally.objects} object(s), ${formatBytes(tally.bytes)} written, ${result.skippedObjects} already there`,
  );
  return result;
}

function needsConfirmation(o: PublishOptions, env: EnvironmentConfig): boolean {
  return !o.dryRun && (env.confirm ?? o.environment === 'live');
}

/** A wrong confirmation is refused at once, before anything is read or checked. */
function checkConfirmInput(o: PublishOptions, env: EnvironmentConfig): void {
  if (!needsConfirmation(o, env)) return;
  if (o.confirm === undefined) {
    if (o.ask) return;
    throw new RelengError(
      `publishing to ${o.environment} needs input 'confirm' set to '${CONFIRM_PHRASE}' (or --confirm on the CLI); nothing was written`,
    );
  }
  if (o.confirm === CONFIRM_PHRASE || (o.allowBareConfirm && o.confirm === 'true')) return;
  throw new RelengError(
    `input 'confirm' must be exactly '${CONFIRM_PHRASE}' to publish to ${o.environment}; nothing was written`,
  );
}

/** On a terminal without `--confirm`: the sentence typed, after the plan is shown. */
async function confirm(o: PublishOptions, env: EnvironmentConfig, version: string): Promise<void> {
  if (!needsConfirmation(o, env) || o.confirm !== undefined || !o.ask) return;
  const answer = await o.ask(`Publish ${version} to ${o.environment}? Type "${CONFIRM_PHRASE}" to go on: `);
  if (answer.trim() !== CONFIRM_PHRASE) throw new RelengError('not confirmed; nothing was written');
}

function wanted(dest: Destination, key: string, f: { source: string; size: number; sha256: string }): Wanted {
  return { dest, key, source: f.source, size: f.size, sha256: f.sha256, contentType: contentTypeOf(key) };
}

async function listing(sink: Sink, prefix: string): Promise<Map<string, number>> {
  return new Map((await sink.list(prefix)).map((x) => [x.key, x.size]));
}
