// The release workflow end to end through the runner harness: .forgejo/workflows/release.yml with the
// real stages (dist/), the fixture project built by the real nix, a real registry, a real S3 server and
// bare git remotes. Sequential: each test builds on the state the previous one left.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { git } from '../helpers/git.js';
import { refs, snapshot } from '../helpers/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';
import {
  ALL_BUCKETS,
  BUCKETS,
  dispatch as dispatchTo,
  makeReleaseProject,
  type ReleaseProject,
  rawManifest,
  runRelease,
  SYSTEMS,
} from './harness/release-project.js';
import type { RunOptions, RunResult } from './harness/runner.js';
import { type Server, startRegistry, startS3 } from './harness/servers.js';

let registry: Server;
let s3: Server;
let project: ReleaseProject;
let forge: string;
let remotes: { staging: string; live: string };
let version: string;

async function release(extra: Partial<RunOptions> & Pick<RunOptions, 'event'>): Promise<RunResult> {
  const r = await runRelease(project, extra);
  expect(r.leaks, 'secrets in logs, outputs or summaries').toEqual([]);
  return r;
}

/**
 * What the registry holds for its readers. Its upload sessions are left out: a push-access probe that
 * cancels its upload still leaves the session's hash state behind (distribution 2.8 does not delete it).
 */
function registryContent(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(snapshot(registry.dir)).filter(([k]) => !k.includes('/_uploads/')),
  );
}

/** Everything a release may write, outside the forge repository. */
function destinations() {
  return {
    s3: snapshot(s3.dir),
    registry: registryContent(),
    staging: refs(remotes.staging),
    live: refs(remotes.live),
  };
}

async function index(
  repo: string,
  tag: string,
): Promise<{ mediaType: string; manifests: { platform: { architecture: string } }[] }> {
  return JSON.parse(await rawManifest(registry.direct, repo, tag));
}

function bucketFiles(bucket: string): number {
  return Object.keys(snapshot(path.join(s3.dir, bucket))).length;
}

function stepOutputs(r: RunResult, job: string, id: string): Record<string, string> {
  const s = r.steps.find((x) => x.job === job && x.id === id);
  expect(s, `step ${job}.${id} ran`).toBeDefined();
  return s!.outputs;
}

beforeAll(async () => {
  const work = tmpDir('releng-e2e-');
  registry = await startRegistry(path.join(work, 'registry'));
  s3 = await startS3(path.join(work, 's3'), ALL_BUCKETS);
  project = makeReleaseProject(work, { s3: s3.host, registry: registry.host });
  ({ forge, remotes, version } = project);
});

afterAll(async () => {
  await registry?.stop();
  await s3?.stop();
});

const dispatch = () => dispatchTo('staging', version);

describe('release.yml through the runner harness', () => {
  test('a leg made to fail leaves every destination untouched', { timeout: 900_000 }, async () => {
    const before = destinations();
    const r = await release({
      event: dispatch(),
      runId: 1,
      sabotage: (s) =>
        s.job === 'build' &&
        s.matrix.system === 'aarch64-linux' &&
        s.step.uses === 'https://git.lix.systems/lix-project/releng-actions/actions/build-artifacts@v1',
    });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.release!.result, r.log).toBe('success');
    expect(r.jobs.build!.result).toBe('failure');
    expect(r.jobs.docker!.result).toBe('skipped');
    expect(r.jobs.publish!.result).toBe('skipped');
    expect(destinations()).toEqual(before);
    // The release commits wait on the forge under the staging ref, not as a tag.
    expect(refs(forge)).toContain(`refs/releng/${version}`);
    expect(refs(forge)).not.toContain(`refs/tags/${version}`);
  });

  let staged: string;

  test('a dispatch run to staging builds every system and publishes everywhere', {
    timeout: 900_000,
  }, async () => {
    const r = await release({ event: dispatch(), runId: 2 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.plan!.outputs).toMatchObject({
      version,
      environment: 'staging',
      ref: `refs/releng/${version}`,
    });
    // The first run's prepare and tag are reused: the same commit is built.
    expect(r.steps.find((s) => s.job === 'release' && s.id === 'prepare')!.outcome).toBe('skipped');
    staged = git(forge, 'rev-parse', `refs/releng/${version}^{commit}`);
    expect(r.jobs.release!.outputs.commit).toBe(staged);
    expect(r.jobs.build!.legs.map((l) => l.matrix.system)).toEqual(SYSTEMS);

    const idx = await index('org/project-staging', version);
    expect(idx.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    for (const b of BUCKETS.filter((b) => b !== 'install'))
      expect(bucketFiles(`staging-${b}`), b).toBeGreaterThan(0);
    expect(git(remotes.staging, 'rev-parse', `refs/tags/${version}^{commit}`)).toBe(staged);
    expect(refs(remotes.live)).toBe('');
    expect(bucketFiles('releases')).toBe(0);
  });

  test('"re-run all jobs" builds the same commit, writes nothing new, uploads no byte twice', {
    timeout: 900_000,
  }, async () => {
    const before = destinations();
    registry.uploads.reset();
    s3.uploads.reset();
    const r = await release({ event: dispatch(), runId: 2, runAttempt: 2 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.release!.outputs.commit).toBe(staged);
    expect(registry.uploads.bytes, 'blob bytes sent to the registry').toBe(0);
    expect(s3.uploads.bytes, 'bytes PUT to S3').toBe(0);
    expect(stepOutputs(r, 'publish', 'publish')['uploaded-bytes']).toBe('0');
    expect(destinations()).toEqual(before);
  });

  test('a tag push publishes that tag to live', { timeout: 900_000 }, async () => {
    // The operator pushes the staged release as the version tag.
    git(forge, 'update-ref', `refs/tags/${version}`, `refs/releng/${version}`);
    const r = await release({ event: { name: 'push', ref: `refs/tags/${version}` }, runId: 3 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.plan!.outputs).toMatchObject({ version, environment: 'live', ref: `refs/tags/${version}` });
    expect(r.jobs.release!.result).toBe('skipped');
    const idx = await index('org/project', version);
    expect(idx.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    for (const b of BUCKETS.filter((b) => b !== 'install')) expect(bucketFiles(b), b).toBeGreaterThan(0);
    expect(git(remotes.live, 'rev-parse', `refs/tags/${version}^{commit}`)).toBe(staged);
  });

  test('live without the typed confirmation stops in plan, before anything is built or written', {
    timeout: 900_000,
  }, async () => {
    const before = { ...destinations(), forge: refs(forge) };
    const r = await release({
      event: { ...dispatch(), inputs: { environment: 'live', version: '2.93.1', confirm: 'yes' } },
      runId: 4,
    });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.plan!.result).toBe('failure');
    expect(r.errors).toContain(
      "input 'confirm' must be 'I want to release this to live' to publish to live; run the workflow again with it",
    );
    for (const job of ['release', 'build', 'docker', 'publish'])
      expect(r.jobs[job]!.result, job).toBe('skipped');
    expect({ ...destinations(), forge: refs(forge) }).toEqual(before);
  });

  test('a live dispatch publishes a new version; the tag push it causes ends without writing', {
    timeout: 900_000,
  }, async () => {
    const next = '2.93.1';
    const live = await release({
      event: {
        ...dispatch(),
        inputs: { environment: 'live', version: next, confirm: 'I want to release this to live' },
      },
      runId: 5,
    });
    expect(live.conclusion, live.log).toBe('success');
    expect(live.jobs.plan!.outputs).toMatchObject({ version: next, environment: 'live', latest: 'true' });
    const idx = await index('org/project', next);
    expect(idx.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    // The newest release moves the latest-like pointers: the root manifest.nix names its store paths.
    const rootManifest = fs.readFileSync(
      path.join(s3.dir, 'releases', 'manifest.nix._S3rver_object'),
      'utf8',
    );
    expect(rootManifest).toContain(`-demo-${next}`);
    const tagged = git(remotes.live, 'rev-parse', `refs/tags/${next}^{commit}`);
    expect(tagged).toBe(git(forge, 'rev-parse', `refs/releng/${next}^{commit}`));

    // The live remote is the forge in real life: the tag lands there and starts the tag-push workflow.
    git(remotes.live, 'push', '-q', forge, `refs/tags/${next}`);
    const before = destinations();
    registry.uploads.reset();
    s3.uploads.reset();
    const echo = await release({ event: { name: 'push', ref: `refs/tags/${next}` }, runId: 6 });
    expect(echo.conclusion, echo.log).toBe('success');
    expect(echo.jobs.release!.result).toBe('skipped');
    expect(registry.uploads.bytes, 'blob bytes sent to the registry').toBe(0);
    expect(s3.uploads.bytes, 'bytes PUT to S3').toBe(0);
    expect(stepOutputs(echo, 'publish', 'publish')['uploaded-bytes']).toBe('0');
    expect(destinations()).toEqual(before);
  });
});
