// .forgejo/workflows/nightly-manual.yml through the runner harness: a push to main builds the manual on a
// nix runner and publishes it, from a docker-label job without nix, to the docs' nightly/ directory of
// live — and nothing else: no cache, release tree, installer, pointer, index or tag.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/action.js';
import { refs, snapshot } from '../helpers/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';
import {
  ALL_BUCKETS,
  makeReleaseProject,
  type ReleaseProject,
  runRelease,
} from './harness/release-project.js';
import type { RunOptions } from './harness/runner.js';
import { type Server, startRegistry, startS3 } from './harness/servers.js';

const WORKFLOW = path.join(ROOT, '.forgejo/workflows/nightly-manual.yml');

let registry: Server;
let s3: Server;
let project: ReleaseProject;

function nightly(extra: Partial<RunOptions> & Pick<RunOptions, 'event'>) {
  return runRelease({ ...project, workflow: WORKFLOW }, extra);
}

/** Every S3 object, bucket/key → content hash, and both environments' git refs. */
function destinations() {
  return { s3: snapshot(s3.dir), staging: refs(project.remotes.staging), live: refs(project.remotes.live) };
}

beforeAll(async () => {
  const work = tmpDir('releng-e2e-nightly-');
  registry = await startRegistry(path.join(work, 'registry'));
  s3 = await startS3(path.join(work, 's3'), ALL_BUCKETS);
  project = makeReleaseProject(work, { s3: s3.host, registry: registry.host });
});

afterAll(async () => {
  await registry?.stop();
  await s3?.stop();
});

describe('nightly-manual.yml through the runner harness', () => {
  test('a dispatch to staging without the typed phrase: publish refuses, nothing is written', {
    timeout: 900_000,
  }, async () => {
    const before = destinations();
    const r = await nightly({
      event: { name: 'workflow_dispatch', ref: 'refs/heads/main', inputs: { environment: 'staging' } },
      runId: 1,
    });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.manual!.result, r.log).toBe('success');
    expect(r.errors.join('\n')).toMatch(
      /publishing to staging needs input 'confirm' set to 'I want to release this to staging'/,
    );
    expect(destinations()).toEqual(before);
  });

  test('a push to main publishes the manual to live docs nightly/ and nothing else', {
    timeout: 900_000,
  }, async () => {
    const before = destinations();
    const r = await nightly({ event: { name: 'push', ref: 'refs/heads/main' }, runId: 2 });
    expect(r.leaks, 'secrets in logs, outputs or summaries').toEqual([]);
    expect(r.conclusion, r.log).toBe('success');
    // publish ran on the docker label: its PATH had no nix.
    expect(r.jobs.publish!.legs[0]!.label).toBe('docker');

    const after = destinations();
    expect(after.staging).toEqual(before.staging);
    expect(after.live).toEqual(before.live);
    const written = Object.keys(after.s3).filter((k) => after.s3[k] !== before.s3[k]);
    expect(written.length).toBeGreaterThan(0);
    // s3rver keeps an object as KEY._S3rver_object (+ metadata files) under its bucket's directory.
    for (const k of written) expect(k).toMatch(/^docs\/manual\/[^/]+\/nightly\//);
    expect(written.some((k) => /^docs\/manual\/[^/]+\/nightly\/index\.html\._S3rver_object$/.test(k))).toBe(
      true,
    );

    // A second push of the same commit finds the manual there: nothing is written again.
    const again = await nightly({ event: { name: 'push', ref: 'refs/heads/main' }, runId: 3 });
    expect(again.conclusion, again.log).toBe('success');
    expect(destinations()).toEqual(after);
  });
});
