// Pointers last, across the whole workflow (issue 14): the release workflow through the runner harness,
// with a recording proxy in front of the S3 server and the registry that numbers every write of every
// job. No `{major}` or `latest` tag is asked for before the cache's narinfos, the release tree and the
// root manifest.nix are there; a docker job that fails after pushing the images leaves both tags where
// they were (skopeo, not our client, reads them). Sequential: each test builds on the previous one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { recordWrites, type TimelineWrite, type WriteTimeline } from '../helpers/write-timeline.js';
import {
  ALL_BUCKETS,
  dispatch,
  makeReleaseProject,
  REPOS,
  type ReleaseProject,
  rawManifest,
  runRelease,
} from './harness/release-project.js';
import type { RunOptions, RunResult } from './harness/runner.js';
import { type Server, startRegistry, startS3 } from './harness/servers.js';

const REPO = REPOS.staging;
const FIRST = '2.93.0';
const NEXT = '2.93.1';
const MAJOR = '2.93';
const POINTERS = [MAJOR, 'latest'];

let registry: Server;
let s3: Server;
let timeline: WriteTimeline;
let project: ReleaseProject;

async function release(extra: Partial<RunOptions> & Pick<RunOptions, 'event'>): Promise<RunResult> {
  const r = await runRelease(project, extra);
  expect(r.leaks, 'secrets in logs, outputs or summaries').toEqual([]);
  return r;
}

const tag = (t: string) => rawManifest(registry.direct, REPO, t);

/** Seq numbers of the writes that match, answered with success unless `attempts`. */
function seqs(writes: TimelineWrite[], match: (w: TimelineWrite) => boolean, attempts = false): number[] {
  return writes
    .filter((w) => match(w) && (attempts || (w.status >= 200 && w.status < 300)))
    .map((w) => w.seq);
}

const s3Put = (bucket: string, key: RegExp) => (w: TimelineWrite) =>
  w.server === 's3' &&
  (w.method === 'PUT' || w.method === 'POST') &&
  w.target.startsWith(`${bucket}/`) &&
  key.test(w.target.slice(bucket.length + 1));
const manifestPut = (ref: (r: string) => boolean) => (w: TimelineWrite) =>
  w.server === 'registry' && w.method === 'PUT' && w.reference !== undefined && ref(w.reference);

/**
 * The order of one successful release of `version`: every PUT of a pointer tag (attempts included) comes
 * after the last narinfo, the last object of the release tree (its index included) and the root
 * manifest.nix — and after every S3 write of the run. Gives the figures for the log.
 */
function checkOrder(writes: TimelineWrite[], version: string) {
  const vdir = new RegExp(`^demo/demo-${version.replaceAll('.', '\\.')}/`);
  const narinfos = seqs(writes, s3Put('staging-cache', /\.narinfo$/));
  const tree = seqs(writes, s3Put('staging-releases', vdir));
  const rootManifest = seqs(writes, s3Put('staging-releases', /^manifest\.nix$/));
  const s3Writes = seqs(writes, (w) => w.server === 's3', true);
  const pointers = POINTERS.map((t) =>
    seqs(
      writes,
      manifestPut((r) => r === t),
      true,
    ),
  );
  expect(narinfos.length, 'narinfos written').toBeGreaterThan(0);
  expect(tree.length, 'release tree objects written').toBeGreaterThan(0);
  expect(rootManifest.length, 'root manifest.nix written').toBe(1);
  for (const [i, t] of POINTERS.entries())
    expect(pointers[i]!.length, `PUTs of ${REPO}:${t}`).toBeGreaterThan(0);
  const firstPointer = Math.min(...pointers.flat());
  expect(firstPointer).toBeGreaterThan(Math.max(...narinfos));
  expect(firstPointer).toBeGreaterThan(Math.max(...tree));
  expect(firstPointer).toBeGreaterThan(rootManifest[0]!);
  expect(firstPointer, 'no S3 write after the first pointer tag').toBeGreaterThan(Math.max(...s3Writes));
  // The immutable {version} tag goes first (docker job), the pointers name what it names.
  const versionTag = seqs(
    writes,
    manifestPut((r) => r === version),
  );
  expect(versionTag.length).toBe(1);
  expect(versionTag[0]!).toBeLessThan(Math.min(...narinfos));
  const figures = {
    writes: writes.length,
    firstPointer,
    lastNarinfo: Math.max(...narinfos),
    lastTree: Math.max(...tree),
    rootManifest: rootManifest[0],
  };
  console.log(`release ${version}, recorded writes: ${JSON.stringify(figures)}`);
}

beforeAll(async () => {
  const work = tmpDir('releng-e2e-order-');
  registry = await startRegistry(path.join(work, 'registry'));
  s3 = await startS3(path.join(work, 's3'), ALL_BUCKETS);
  timeline = await recordWrites({ s3: s3.direct, registryPort: Number(registry.direct.split(':')[1]) });
  project = makeReleaseProject(work, { s3: timeline.s3Host, registry: timeline.registryHost });
  expect(project.version).toBe(FIRST);
});

afterAll(async () => {
  await timeline?.close();
  await registry?.stop();
  await s3?.stop();
});

describe('pointers last, as the S3 server and the registry saw the whole workflow', () => {
  let first: string;

  test(`release ${FIRST}: no ${MAJOR} or latest tag before the narinfos, the release tree and the root manifest.nix`, {
    timeout: 900_000,
  }, async () => {
    const r = await release({ event: dispatch('staging', FIRST), runId: 1 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.plan!.outputs).toMatchObject({ version: FIRST, environment: 'staging', latest: 'true' });
    // Read first, so that the next tests stand on their own if the order below is wrong.
    first = await tag(FIRST);
    checkOrder(timeline.writes(), FIRST);
    for (const t of POINTERS) expect(await tag(t), t).toBe(first);
    // The release lands in the project's main, as it does where the environment's remote is the forge
    // (Lix's production): the next release is prepared on top of it, and its branch push fast-forwards.
    execFileSync('git', ['--git-dir', project.forge, 'fetch', '-q', project.remotes.staging, 'main:main']);
  });

  test(`release ${NEXT}: the registry fails the docker job's PUT of the ${NEXT} tag after the images; ${MAJOR} and latest stay on ${FIRST}`, {
    timeout: 900_000,
  }, async () => {
    const root = () => s3Object('staging-releases/manifest.nix');
    const rootBefore = root();
    timeline.reset();
    timeline.setRegistryFaults([
      {
        name: `500 on ${NEXT}`,
        match: (q) => q.method === 'PUT' && q.url === `/v2/${REPO}/manifests/${NEXT}`,
        fault: {
          kind: 'status',
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected by the test' }] }),
        },
        times: 1000,
      },
    ]);
    const r = await release({ event: dispatch('staging', NEXT), runId: 2 });
    timeline.setRegistryFaults([]);
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.build!.result, r.log).toBe('success');
    expect(r.jobs.docker!.result).toBe('failure');
    expect(r.jobs.publish!.result).toBe('skipped');

    const writes = timeline.writes();
    const failed = seqs(writes, (w) => w.fault !== undefined, true);
    expect(failed.length, 'the fault fired').toBeGreaterThan(0);
    console.log(
      `release ${NEXT} with the fault, recorded writes: ${JSON.stringify({ writes: writes.length, failed, errors: r.errors })}`,
    );
    // The images went up before the failing tag: the platform manifests, by digest.
    const images = seqs(
      writes,
      manifestPut((ref) => ref.startsWith('sha256:')),
    );
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...images)).toBeLessThan(Math.min(...failed));
    // Nothing else moved: no pointer tag asked for, nothing written to S3.
    expect(
      seqs(
        writes,
        manifestPut((ref) => POINTERS.includes(ref)),
        true,
      ),
    ).toEqual([]);
    expect(seqs(writes, (w) => w.server === 's3', true)).toEqual([]);
    expect(root()).toBe(rootBefore);

    // skopeo's view: the pointers still name the first release's index, and there is no NEXT tag.
    for (const t of POINTERS) expect(await tag(t), t).toBe(first);
    await expect(tag(NEXT)).rejects.toThrow(/manifest unknown|not found/i);
  });

  test(`"re-run all jobs" of ${NEXT} with the registry well: the pointers move, last`, {
    timeout: 900_000,
  }, async () => {
    timeline.reset();
    const r = await release({ event: dispatch('staging', NEXT), runId: 2, runAttempt: 2 });
    expect(r.conclusion, r.log).toBe('success');
    checkOrder(timeline.writes(), NEXT);
    const next = await tag(NEXT);
    expect(next).not.toBe(first);
    for (const t of POINTERS) expect(await tag(t), t).toBe(next);
  });
});

function s3Object(key: string): string {
  return fs.readFileSync(path.join(s3.dir, `${key}._S3rver_object`), 'utf8');
}
