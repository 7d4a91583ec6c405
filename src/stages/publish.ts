import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBundles } from '../bundle/find.js';
import type { MergedRelease, TreeFile } from '../bundle/release.js';
import { environmentConfig, loadConfig, resolveSink } from '../config/load.js';
import type { EnvironmentConfig } from '../config/schema.js';
import { majorOf, readVersionInfo } from '../config/version.js';
import { RelengError, RelengErrors } from '../errors.js';
import type { ForgeClient } from '../forge/client.js';
import { openForge } from '../forge/open.js';
import { Git } from '../git/git.js';
import { compareVersions, mayMoveLatest } from '../git/maintenance.js';
import { remoteRefs, resolveRemote } from '../git/push.js';
import { formatBytes, type Logger } from '../log.js';
import { parseSigningKey, type SigningKey } from '../nix/sign.js';
import {
  type CachePlan,
  type ClosurePath,
  planCache,
  publishCache,
  releaseClosure,
} from '../publish/cache.js';
import { type DockerRequest, type DockerStep, dockerNotWired } from '../publish/docker.js';
import { executeGit, type GitPlan, planGit } from '../publish/git-steps.js';
import { type IndexMap, readIndex, renderIndex } from '../publish/index-object.js';
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
import { versionNotes } from '../publish/notes.js';
import {
  type PlannedObject,
  type PlanStep,
  type PublishPlan,
  planTotals,
  type Skippable,
  type StepName,
  writes,
} from '../publish/plan.js';
import { fromArtifactsDir, fromMerged, type ReleaseInput } from '../publish/release-input.js';
import { type PageResult, type ReleaseLink, syncReleasePage } from '../publish/release-page.js';
import { decidePointers, decideSync, decideVersioned, type Wanted } from '../publish/rules.js';
import { deleteObjects, newTally, type Tally, writeObjects } from '../publish/upload.js';
import { contentTypeOf } from '../storage/content-type.js';
import { resolveS3Credentials } from '../storage/credentials.js';
import { ensureSha256, sha256File } from '../storage/hash.js';
import { isS3Location, openSink, type S3Settings } from '../storage/open.js';
import { DEFAULT_CONCURRENCY } from '../storage/s3.js';
import type { Sink } from '../storage/sink.js';

export const CONFIRM_PHRASE = 'I want to release this';

/** A released version, as the maintenance rule counts them (src/git/maintenance.ts). */
const RELEASE_TAG = /^v?\d+\.\d+(\.\d+)?$/;

export type PublishSource =
  | { bundles: string[] }
  | { artifactsDir: string }
  /** A release already merged (tests; and the seam for build-artifacts' mergeLegs). */
  | { release: MergedRelease; origin?: string };

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
  /** Request bodies in flight; multipart part size and threshold in bytes (src/storage/s3.ts defaults). */
  concurrency?: number;
  partSize?: number;
  multipartThreshold?: number;
}

export interface DestinationRow {
  step: StepName;
  target: string;
  written: number;
  bytes: number;
  skipped: number;
  deleted: number;
  url: string;
}

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

interface Dest {
  name: Destination;
  location: string;
  sink: Sink;
  publicUrl?: string;
}

/**
 * Lix's `upload` as one ordered, resumable publication:
 *   1. read the release (leg bundles or an artifacts dir) and the environment's destinations;
 *   2. preflight, before any write: on the tag with a clean tree, every destination reachable and writable,
 *      the signing key, the git remote and push access, the forge token — all problems together;
 *   3. plan: what each destination lacks (versioned objects are immutable, pointers move only as the
 *      maintenance rule allows); conflicts stop here, nothing written. `dry-run` ends here;
 *   4. confirm (live);
 *   5. publish in order: cache (NARs before narinfo) → docker → release tree → installers → manual →
 *      pointers (root manifest.nix, docs stable, installer pointers) → the release's index → git tag →
 *      branch → release page.
 */
export async function publish(o: PublishOptions): Promise<PublishResult> {
  const log = o.log;
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const config = loadConfig(o.configPath);
  const env = environmentConfig(config, o.environment);
  const name = config.name;
  const info = readVersionInfo(o.dir);
  const { version, major } = info;
  checkConfirmInput(o, env);
  if (o.forgeToken) log.secret(o.forgeToken);

  // 1. The release and what runs.
  const release = await loadRelease(o, name, version);
  if (release.version !== version)
    throw new RelengError(
      `${release.origin} is a build of ${release.version}, but version.json in ${o.dir} says ${version}; publish from the checkout of the release's tag`,
    );
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
  const problems: string[] = [];
  const notes = new Map<StepName, string[]>();
  const note = (step: StepName, line: string) => notes.set(step, [...(notes.get(step) ?? []), line]);

  // 2. Preflight: destinations, credentials, key, git, docker, forge.
  const dests = await openDestinations(o, env, want, problems);
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
      gitPlan = await planGit(git, remote, version, {
        tag: want.tag,
        branch: want.branch,
        forcePushTag: o.forcePushTag,
      });
      problems.push(...gitPlan.problems);
    }
  }
  const key = want.cache ? readSigningKey(o, env, problems) : undefined;
  if (want.cache && release.cache.kind === 'none')
    problems.push(`cache: nothing to publish — ${release.cache.why}; pass skip: cache to publish without it`);
  const tags = await releasedTags(git, isRepo, remote);
  const newer = (filter: (t: string) => boolean) =>
    tags.filter((t) => RELEASE_TAG.test(t) && filter(t) && compareVersions(t, version) > 0);
  const newestOverall = newest(newer(() => true));
  const newestInMajor = newest(newer((t) => majorOf(t) === major));
  const mayMove = mayMoveLatest(version, tags);
  const heldLatest = mayMove
    ? undefined
    : `a newer release (${newestOverall}) exists: the maintenance rule keeps this pointer`;
  const heldMajor = newestInMajor ? `a newer ${major} release (${newestInMajor}) exists` : undefined;
  const dockerStep = o.docker ?? dockerNotWired;
  const dockerReq: DockerRequest = {
    images: release.images,
    environment: env,
    dir: o.dir,
    version,
    latest: mayMove,
    dryRun: o.dryRun,
    env: o.env,
    log,
  };
  if (want.docker) problems.push(...(await dockerStep.preflight(dockerReq)));
  const forge = await openForgeChecked(o, env, want.page, problems, note);
  await Promise.all([...dests.values()].map(async (d) => problems.push(...(await d.sink.check()))));
  if (problems.length)
    throw new RelengErrors(
      `publish ${version} to ${o.environment}: preflight failed, nothing was written`,
      problems,
    );

  // 3. Plan.
  const plan: PublishPlan = { version, environment: o.environment, dryRun: o.dryRun, steps: [] };
  const step = (
    name: StepName,
    objects: PlannedObject[] = [],
    target?: string,
    skipped?: string,
  ): PlanStep => {
    const s: PlanStep = { step: name, target, objects, notes: notes.get(name) ?? [], skipped };
    plan.steps.push(s);
    return s;
  };
  const conflicts: string[] = [];

  let closure: Map<string, ClosurePath> | undefined;
  let cachePlan: CachePlan | undefined;
  const cacheDest = dests.get('cache');
  if (want.cache && cacheDest) {
    closure = await releaseClosure(release.cache, log);
    cachePlan = await planCache(cacheDest.sink, closure, key, o.force);
    conflicts.push(...cachePlan.conflicts);
    if (!key) note('cache', 'no signing-key in this environment: the cache is published unsigned');
    else note('cache', `signed by ${key.publicKey}`);
    step(
      'cache',
      cachePlan.paths.map((p) => ({
        dest: 'cache',
        key: p.storePath,
        size: p.narSize,
        sha256: '',
        kind: 'versioned',
        action: p.action === 'add' ? 'upload' : p.action === 'replace' ? 'overwrite' : 'skip',
        reason: p.reason,
      })),
      cacheDest.location,
    );
  } else step('cache', [], undefined, skipReason('cache', want.cache));

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
  if (want.releases && relDest) {
    const d = await decideVersioned(
      relDest.sink,
      treeFiles.map((f) => wanted('releases', f.path, f)),
      {
        index: index.get('releases'),
        listing: await listing(relDest.sink, versionDir(name, version)),
      },
      o.force,
    );
    conflicts.push(...d.conflicts);
    releaseObjects = d.objects;
    const outside = treeFiles.filter((f) => !f.path.startsWith(versionDir(name, version)));
    if (outside.length)
      note(
        'releases',
        `${outside.length} file(s) outside ${versionDir(name, version)}, published as versioned: ${outside[0]!.path}${outside.length > 1 ? ', …' : ''}`,
      );
  }
  step('releases', releaseObjects, relDest?.location, want.releases ? undefined : 'skip: releases');

  const instDest = dests.get('install');
  let installerObjects: PlannedObject[] = [];
  if (want.installers && instDest) {
    const d = await decideVersioned(
      instDest.sink,
      installers.map((f) =>
        wanted('install', installerVersionKey(name, version, installerName(name, f.path)!), f),
      ),
      { index: index.get('install'), listing: await listing(instDest.sink, versionDir(name, version)) },
      o.force,
    );
    conflicts.push(...d.conflicts);
    installerObjects = d.objects;
  }
  step(
    'installers',
    installerObjects,
    instDest?.location,
    want.installers
      ? undefined
      : skip.has('installers')
        ? 'skip: installers'
        : 'no installers in the release tree',
  );

  const docsDest = dests.get('docs');
  const manualFiles = want.docs && docsDest ? await manualTree(release.manualDir!) : [];
  const docsLabel = info.officialRelease ? major : 'nightly';
  let docsObjects: PlannedObject[] = [];
  if (want.docs && docsDest) {
    const prefix = manualPrefix(name, docsLabel);
    docsObjects = await decideSync(
      docsDest.sink,
      'docs',
      prefix,
      manualFiles.map((f) => wanted('docs', prefix + f.path, f)),
      info.officialRelease ? heldMajor : undefined,
    );
    note(
      'docs',
      `manual → ${prefix}${docsObjects.some((x) => x.action === 'hold') ? ` held: ${heldMajor}` : ''}`,
    );
  }
  step(
    'docs',
    docsObjects,
    docsDest?.location,
    want.docs ? undefined : skip.has('docs') ? 'skip: docs' : 'no manual in the release',
  );

  // Pointers: root manifest.nix, docs stable/, installer pointers — only as the maintenance rule allows.
  const pointerObjects: PlannedObject[] = [];
  const pointerRows: PublishResult['pointers'] = [];
  if (want.releases && relDest && rootManifest) {
    const [p] = await decidePointers(
      relDest.sink,
      [wanted('releases', ROOT_MANIFEST, rootManifest)],
      heldLatest,
    );
    pointerObjects.push(p!);
  }
  if (want.docs && docsDest) {
    if (info.officialRelease) {
      const prefix = manualPrefix(name, 'stable');
      pointerObjects.push(
        ...(await decideSync(
          docsDest.sink,
          'docs',
          prefix,
          manualFiles.map((f) => wanted('docs', prefix + f.path, f)),
          heldLatest,
        )),
      );
    } else note('pointers', 'docs stable/: not an official release, left alone');
  }
  if (want.installers && instDest)
    pointerObjects.push(
      ...(await decidePointers(
        instDest.sink,
        installers.map((f) => wanted('install', installerPointerKey(name, installerName(name, f.path)!), f)),
        heldLatest,
      )),
    );
  if (heldLatest) note('pointers', heldLatest);
  step('pointers', pointerObjects);

  // Write access is probed only where something is to be written (a re-run that writes nothing probes
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
    await Promise.all(
      [...writing].map(async (d) => writeProblems.push(...((await dests.get(d)?.sink.checkWrite()) ?? []))),
    );
  }
  if (conflicts.length || writeProblems.length)
    throw new RelengErrors(
      conflicts.length
        ? `publish ${version}: versioned objects exist with other content, nothing was written (bump the version, or pass force to overwrite them)`
        : `publish ${version} to ${o.environment}: preflight failed, nothing was written`,
      [...writeProblems, ...conflicts],
    );

  step(
    'index',
    [],
    relDest && want.releases ? `${relDest.location}/${indexKey(name, version)}` : undefined,
    want.releases ? undefined : 'skip: releases',
  );
  for (const n of gitPlan?.notes ?? []) note(n.startsWith('tag') ? 'tag' : 'branch', n);
  step('tag', [], remote, want.tag ? undefined : 'skip: tag');
  step(
    'branch',
    [],
    remote,
    want.branch ? undefined : skip.has('branch') ? 'skip: branch' : 'push-branch is false',
  );

  // The release page is planned against the forge (read-only in a dry run).
  const pageContent = forge ? await releasePage(o, config, env, release, info, mayMove, key) : undefined;
  let page: PageResult | undefined;
  if (forge && pageContent && o.dryRun)
    page = await syncReleasePage(forge, pageContent, { dryRun: true, log });
  if (page) note('release-page', `${page.action}${page.url ? ` ${page.url}` : ''}`);
  step(
    'release-page',
    [],
    forge ? `${forge.kind}:${forge.repository}` : undefined,
    forge ? undefined : skipReason('release-page', want.page, notes),
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
    releaseUrl: page?.url ?? '',
    destinations: [],
    pointers: pointerRows,
    git: [],
    images: [],
    publicKey: key?.publicKey,
    written: [],
  };
  for (const p of pointerObjects.filter((x) => x.action !== 'delete'))
    pointerRows.push({ pointer: p.key, action: pointerAction(p.action), why: p.reason ?? '' });
  if (o.dryRun) {
    result.destinations = destinationRows(plan, dests);
    return result;
  }

  // 4. Confirmation, once the plan is known.
  await confirm(o, env, version);

  // 5. Publish, in order.
  const tally = newTally();
  const urlOf = (d: Dest, k: string) =>
    d.publicUrl ? `${d.publicUrl.replace(/\/+$/, '')}/${k}` : `${d.location}/${k}`;
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
    plan.steps
      .find((s) => s.step === 'cache')!
      .objects.push(...written.map((x) => ({ ...x, kind: 'versioned' as const })));
  }
  if (want.docker) {
    const out = await log.group('docker images', () => dockerStep.publish(dockerReq));
    result.images.push(...Object.entries(out.digests).map(([t, d]) => [t, d]));
  }
  if (relDest)
    await writeObjects(relDest.sink, releaseObjects, { concurrency, log, label: 'release tree', tally });
  if (instDest)
    await writeObjects(instDest.sink, installerObjects, { concurrency, log, label: 'installers', tally });
  if (docsDest) {
    await writeObjects(docsDest.sink, docsObjects, { concurrency, log, label: `manual ${docsLabel}`, tally });
    await deleteObjects(docsDest.sink, docsObjects, { log, label: `manual ${docsLabel}`, tally });
  }
  for (const d of [relDest, docsDest, instDest]) {
    if (!d) continue;
    const mine = pointerObjects.filter((x) => x.dest === d.name);
    await writeObjects(d.sink, mine, {
      concurrency,
      log,
      label: 'pointers',
      tally,
      verifyPrefix: manualPrefix(name, 'stable'),
    });
    await deleteObjects(d.sink, mine, { log, label: 'pointers', tally });
  }
  if (relDest && want.releases)
    await writeIndex(relDest.sink, name, version, index, releaseObjects, installerObjects, log, tally);
  if (gitPlan) result.git.push(...(await executeGit(git, gitPlan, o.forcePushTag, log)).rows);
  if (forge && pageContent) {
    page = await syncReleasePage(forge, pageContent, { dryRun: false, log });
    result.releaseUrl = page.url ?? '';
    plan.steps
      .find((s) => s.step === 'release-page')!
      .notes.push(`${page.action}${page.url ? ` ${page.url}` : ''}`);
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

function checkConfirmInput(o: PublishOptions, env: EnvironmentConfig): void {
  if (o.dryRun || !(env.confirm ?? o.environment === 'live')) return;
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

async function confirm(o: PublishOptions, env: EnvironmentConfig, version: string): Promise<void> {
  if (!(env.confirm ?? o.environment === 'live') || o.confirm !== undefined || !o.ask) return;
  const answer = await o.ask(`Publish ${version} to ${o.environment}? Type "${CONFIRM_PHRASE}" to go on: `);
  if (answer.trim() !== CONFIRM_PHRASE) throw new RelengError('not confirmed; nothing was written');
}

async function loadRelease(o: PublishOptions, name: string, version: string): Promise<ReleaseInput> {
  const s = o.source;
  if ('artifactsDir' in s) return fromArtifactsDir(path.resolve(o.dir, s.artifactsDir), name, version, o.log);
  let merged: MergedRelease;
  let origin: string;
  if ('release' in s) {
    merged = s.release;
    origin = s.origin ?? 'the merged release';
  } else {
    const dirs = findBundles(s.bundles, o.dir);
    if (!o.mergeLegs) throw new Error('publish: no mergeLegs given for bundles');
    merged = await o.mergeLegs(dirs, o.log);
    origin = dirs.join(', ');
  }
  if (merged.name && merged.name !== name)
    throw new RelengError(
      `${origin}: the legs are a build of '${merged.name}', but releng.yml says name: ${name}; publish from the project's own checkout`,
    );
  return fromMerged(merged, origin);
}

/** The destinations the steps need, opened; missing ones and credential problems go to `problems`. */
async function openDestinations(
  o: PublishOptions,
  env: EnvironmentConfig,
  want: { cache: boolean; releases: boolean; installers: boolean; docs: boolean },
  problems: string[],
): Promise<Map<Destination, Dest>> {
  const needed: [Destination, boolean, string][] = [
    ['cache', want.cache, 'cache'],
    ['releases', want.releases, 'releases'],
    ['install', want.installers, 'installers'],
    ['docs', want.docs, 'docs'],
  ];
  const locations = new Map<Destination, string>();
  for (const [dest, wanted, skipName] of needed) {
    if (!wanted) continue;
    const loc = env[dest];
    if (!loc)
      problems.push(
        `environment '${o.environment}' has no '${dest}' destination in releng.yml; add one or pass skip: ${skipName}`,
      );
    else locations.set(dest, resolveSink(loc, o.dir));
  }
  let s3: S3Settings | undefined;
  if ([...locations.values()].some(isS3Location)) {
    try {
      const credentials = await resolveS3Credentials({
        accessKeyId: o.s3AccessKeyId,
        secretAccessKey: o.s3SecretAccessKey,
        env: o.env,
        command: env.s3?.['credentials-command'],
        cwd: o.dir,
        log: o.log,
      });
      s3 = {
        endpoint: env.s3?.endpoint,
        region: env.s3?.region ?? 'us-east-1',
        pathStyle: env.s3?.['path-style'] ?? true,
        credentials,
        partSize: o.partSize,
        multipartThreshold: o.multipartThreshold,
        concurrency: o.concurrency,
      };
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const out = new Map<Destination, Dest>();
  for (const [dest, location] of locations) {
    if (isS3Location(location) && !s3) continue;
    try {
      out.set(dest, {
        name: dest,
        location,
        sink: openSink(location, o.dir, s3),
        publicUrl: env['public-urls']?.[dest],
      });
    } catch (e) {
      problems.push(`${dest}: ${(e as Error).message}`);
    }
  }
  return out;
}

function readSigningKey(
  o: PublishOptions,
  env: EnvironmentConfig,
  problems: string[],
): SigningKey | undefined {
  const spec = env['signing-key'];
  if (!spec) return undefined;
  const text = o.env[spec.env];
  if (!text) {
    problems.push(
      `signing key: $${spec.env} is not set (releng.yml signing-key.env); pass the secret in the step's env`,
    );
    return undefined;
  }
  try {
    return parseSigningKey(text, spec.env, o.log);
  } catch (e) {
    problems.push((e as Error).message);
    return undefined;
  }
}

async function openForgeChecked(
  o: PublishOptions,
  env: EnvironmentConfig,
  wanted: boolean,
  problems: string[],
  note: (step: StepName, line: string) => void,
): Promise<ForgeClient | undefined> {
  if (!wanted) return undefined;
  if (!env.forge) {
    if (o.forgeToken)
      note(
        'release-page',
        `forge-token given, but environment '${o.environment}' has no forge in releng.yml`,
      );
    return undefined;
  }
  if (!o.forgeToken) {
    note('release-page', 'no forge-token: the release page is left alone');
    return undefined;
  }
  const client = openForge(env.forge, o.forgeToken);
  try {
    problems.push(...(await client.checkAccess()));
  } catch (e) {
    problems.push((e as Error).message);
  }
  return client;
}

/** Released versions known locally and on the environment's remote (for the maintenance rule). */
async function releasedTags(git: Git, isRepo: boolean, remote: string | undefined): Promise<string[]> {
  const tags = new Set<string>();
  if (isRepo) for (const t of (await git.out(['tag', '--list'])).split('\n').filter(Boolean)) tags.add(t);
  if (remote) {
    const refs = await remoteRefs(git, remote, ['refs/tags/*']).catch(() => new Map<string, string>());
    for (const ref of refs.keys()) if (!ref.endsWith('^{}')) tags.add(ref.replace(/^refs\/tags\//, ''));
  }
  return [...tags];
}

function newest(tags: string[]): string | undefined {
  return [...tags].sort(compareVersions).at(-1);
}

function wanted(dest: Destination, key: string, f: { source: string; size: number; sha256: string }): Wanted {
  return { dest, key, source: f.source, size: f.size, sha256: f.sha256, contentType: contentTypeOf(key) };
}

async function listing(sink: Sink, prefix: string): Promise<Map<string, number>> {
  return new Map((await sink.list(prefix)).map((x) => [x.key, x.size]));
}

async function manualTree(dir: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const source = path.join(e.parentPath, e.name);
    if (!(e.isFile() || (e.isSymbolicLink() && fs.statSync(source).isFile()))) continue;
    out.push({
      path: path.relative(dir, source).split(path.sep).join('/'),
      source,
      ...(await sha256File(source)),
    });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function writeIndex(
  sink: Sink,
  name: string,
  version: string,
  index: IndexMap,
  releaseObjects: PlannedObject[],
  installerObjects: PlannedObject[],
  log: Logger,
  tally: Tally,
): Promise<void> {
  const add = (dest: Destination, objects: PlannedObject[]) => {
    const m = index.get(dest) ?? new Map();
    for (const x of objects) m.set(x.key, { size: x.size, sha256: x.sha256 });
    if (m.size) index.set(dest, m);
  };
  add('releases', releaseObjects);
  add('install', installerObjects);
  const text = renderIndex(version, index);
  const key = indexKey(name, version);
  const existing = await sink.get(key);
  if (existing?.toString('utf8') === text) return;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-index-'));
  try {
    const file = path.join(tmpDir, 'index.json');
    fs.writeFileSync(file, text);
    const meta = await sha256File(file);
    await writeObjects(
      sink,
      [
        {
          dest: 'releases',
          key,
          source: file,
          ...meta,
          contentType: 'application/json',
          kind: 'pointer',
          action: existing ? 'replace' : 'upload',
        },
      ],
      { concurrency: 1, log, label: 'release index', tally },
    );
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function releasePage(
  o: PublishOptions,
  config: ReturnType<typeof loadConfig>,
  env: EnvironmentConfig,
  release: ReleaseInput,
  info: ReturnType<typeof readVersionInfo>,
  mayMove: boolean,
  key: SigningKey | undefined,
) {
  const name = config.name;
  const { version, major } = info;
  const urls = env['public-urls'] ?? {};
  const base = (u: string) => u.replace(/\/+$/, '');
  const vdir = versionDir(name, version);
  const links: ReleaseLink[] = [];
  if (urls.releases)
    for (const f of release.files)
      if (f.path.startsWith(vdir) && !f.path.slice(vdir.length).includes('/'))
        links.push({
          name: f.path.slice(vdir.length),
          url: `${base(urls.releases)}/${f.path}`,
          size: f.size,
          sha256: f.sha256,
          source: f.source,
        });
  if (urls.install)
    for (const f of release.files) {
      const inst = installerName(name, f.path);
      if (inst && !links.some((l) => l.name === inst))
        links.push({
          name: inst,
          url: `${base(urls.install)}/${installerVersionKey(name, version, inst)}`,
          size: f.size,
          sha256: f.sha256,
          source: f.source,
        });
    }
  // The download table shows each file's sha256 (hashed now if the upload did not need it).
  for (const l of links) l.sha256 = await ensureSha256({ source: l.source, sha256: l.sha256 });
  const extra: string[] = [];
  if (urls.cache)
    extra.push(`Binary cache: ${base(urls.cache)}${key ? ` (public key \`${key.publicKey}\`)` : ''}`);
  if (urls.docs && release.manualDir)
    extra.push(`Manual: ${base(urls.docs)}/${manualPrefix(name, info.officialRelease ? major : 'nightly')}`);
  if (!urls.releases) o.log.info('release page: no public-urls.releases in releng.yml, so no download links');
  return {
    tag: version,
    title: `${config.product} ${version}${info.releaseName ? ` "${info.releaseName}"` : ''}`,
    notes: versionNotes(o.dir, config.notes['output-dir'], config.product, version, major),
    links,
    extra,
    prerelease: !/^\d+\.\d+(\.\d+)?$/.test(version),
    latest: mayMove,
  };
}

function skipReason(step: string, wanted: boolean, notes?: Map<StepName, string[]>): string | undefined {
  if (!wanted) return `skip: ${step}`;
  return notes?.get(step as StepName)?.[0];
}

function pointerAction(a: PlannedObject['action']): string {
  return a === 'replace' || a === 'upload'
    ? 'moved here'
    : a === 'hold'
      ? 'held'
      : a === 'skip'
        ? 'here already'
        : a;
}

function destinationRows(plan: PublishPlan, dests: Map<Destination, Dest>): DestinationRow[] {
  const rows: DestinationRow[] = [];
  for (const s of plan.steps) {
    if (s.objects.length === 0) continue;
    const byDest = new Map<Destination, PlannedObject[]>();
    for (const x of s.objects) byDest.set(x.dest, [...(byDest.get(x.dest) ?? []), x]);
    for (const [dest, objects] of byDest) {
      const d = dests.get(dest);
      const w = objects.filter(writes);
      rows.push({
        step: s.step,
        target: d?.location ?? dest,
        written: w.length,
        bytes: w.reduce((n, x) => n + x.size, 0),
        skipped: objects.filter((x) => x.action === 'skip').length,
        deleted: objects.filter((x) => x.action === 'delete').length,
        url: d?.publicUrl ?? d?.location ?? '',
      });
    }
  }
  return rows;
}

function logPlan(plan: PublishPlan, log: Logger): void {
  const t = planTotals(plan);
  log.info(
    `plan for ${plan.version} → ${plan.environment}: ${t.upload} object(s) to write (${formatBytes(t.bytes)}), ${t.skip} already there, ${t.delete} stale to delete`,
  );
  for (const s of plan.steps) {
    const w = s.objects.filter(writes).length;
    const head = `  ${s.step}${s.target ? ` → ${s.target}` : ''}`;
    if (s.skipped) log.info(`${head}: skipped (${s.skipped})`);
    else if (s.objects.length)
      log.info(
        `${head}: ${w} to write, ${s.objects.filter((x) => x.action === 'skip').length} there, ${s.objects.filter((x) => x.action === 'hold').length} held, ${s.objects.filter((x) => x.action === 'delete').length} to delete`,
      );
    else log.info(head);
    for (const n of s.notes) log.info(`    ${n}`);
  }
}
