import type { ForgeClient } from '../forge/client.js';
import type { Git } from '../git/git.js';
import type { Logger } from '../log.js';
import type { SigningKey } from '../nix/sign.js';
import type { Sink } from '../storage/sink.js';
import { publishCache } from './cache.js';
import { claimRelease, type HeldClaim } from './claim.js';
import type { DockerRequest, DockerStep, PointerReport } from './docker.js';
import { executeGit, type GitPlan } from './git-steps.js';
import { type IndexMap, writeIndex } from './index-object.js';
import type { DestinationWrite, PlannedObject, PlanStep } from './plan.js';
import type { PlannedCache } from './plan-cache.js';
import { type PageContent, type PageResult, syncReleasePage } from './release-page.js';
import { deleteObjects, newTally, type Tally, writeObjects } from './upload.js';

/** Everything the plan decided, in the order it is carried out. Nothing here is decided again. */
export interface Execution {
  /** The binary cache (its step's objects become what was written, beside what was there). */
  cache?: PlannedCache;
  key?: SigningKey;
  force: boolean;
  docker?: { step: DockerStep; request: DockerRequest };
  /** Release tree, installers, manual: each group written, then its stale objects deleted. */
  writes: DestinationWrite[];
  /** The latest-like pointers (root manifest.nix, docs stable, installer pointers), written the same way. */
  pointers?: DestinationWrite[];
  /** The per-release index, updated with the versioned objects now verified there (before the pointers). */
  index?: {
    sink: Sink;
    name: string;
    version: string;
    known: IndexMap;
    verified: { releases: PlannedObject[]; install: PlannedObject[] };
  };
  git?: { git: Git; plan: GitPlan };
  /** The release page, and its plan step (noted with what was done). */
  page?: { forge: ForgeClient; content: PageContent; step: PlanStep };
  concurrency: number;
  log: Logger;
}

export interface Executed {
  tally: Tally;
  /** Docker targets → image index digest. */
  images: string[][];
  /** The image pointer tags (`{major}`, `latest`), moved in the pointer phase. */
  imagePointers: PointerReport[];
  /** Git refs: ref, state, remote. */
  git: string[][];
  page?: PageResult;
}

/**
 * Publishes in order — cache (NARs before narinfo) → docker images and `{version}` tags → release tree →
 * installers → manual → the release's index → pointers (root manifest.nix, docs stable, installers, then
 * the `{major}`/`latest` image tags) → git branches, then the tag (the forge must know the commit a tag
 * names: Lix pushes the branch first, to Gerrit for review) → release page — so that nothing a reader can
 * reach points at something missing; each group is verified before the next starts. The index describes
 * the release's own objects, so it goes with them: the pointers are the last public step.
 */
export async function execute(x: Execution): Promise<Executed> {
  const { log, concurrency } = x;
  const tally = newTally();
  const out: Executed = { tally, images: [], imagePointers: [], git: [] };
  if (x.cache?.work) {
    const written = await publishCache({
      ...x.cache.work,
      key: x.key,
      force: x.force,
      concurrency,
      log,
      tally,
    });
    // The step now lists the objects written (NARs, listings, narinfo) beside the store paths already there.
    const step = x.cache.step;
    step.objects = [...step.objects.filter((o) => o.action === 'skip'), ...written];
  }
  const docker = x.docker;
  const published =
    docker &&
    docker.request.pushImages !== false &&
    (await log.group('docker images', () => docker.step.publish(docker.request)));
  if (published) out.images.push(...Object.entries(published.digests));
  let held: HeldClaim | undefined;
  const writeGroups = async (groups: readonly DestinationWrite[]) => {
    for (const w of groups) {
      if (w.claim) held = await claimRelease(w.sink, w.claim, w.objects);
      await writeObjects(w.sink, w.objects, {
        concurrency,
        log,
        label: w.label,
        tally,
        verifyPrefix: w.verifyPrefix,
      });
      await deleteObjects(w.sink, w.objects, { log, label: w.label, tally });
    }
  };
  await writeGroups(x.writes);
  // The release's claim read back before anything points at the release (the index, then the pointers).
  await held?.confirm();
  if (x.index) {
    const i = x.index;
    await writeIndex(i.sink, i.name, i.version, i.known, i.verified, log, tally);
  }
  await writeGroups(x.pointers ?? []);
  // The image pointers last: a tag never names a release whose files are not all there.
  if (docker)
    out.imagePointers = await log.group('docker pointer tags', () =>
      docker.step.movePointers(docker.request, published || undefined),
    );
  if (x.git) out.git.push(...(await executeGit(x.git.git, x.git.plan, log)).rows);
  if (x.page) {
    const page = await syncReleasePage(x.page.forge, x.page.content, { dryRun: false, log });
    x.page.step.notes.push(`${page.action}${page.url ? ` ${page.url}` : ''}`);
    out.page = page;
  }
  return out;
}
