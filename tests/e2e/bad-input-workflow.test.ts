// Bad input to the release workflow itself (release.yml's dispatch inputs), run through the runner harness:
// the failing `plan` job must stop everything — one error line, every later job skipped, nothing written to
// the buckets, the registry or any remote. The stages' own table is tests/integration/bad-input.test.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROOT } from '../helpers/action.js';
import { NIX_CONFIG } from '../helpers/nix.js';
import { fixtureRepo } from '../helpers/project.js';
import { type RegistryServer, startRegistry } from '../helpers/registry.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { contentSnapshot, refs, registrySnapshot } from '../helpers/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';
import { runWorkflow } from './harness/runner.js';

const BUCKETS = ['releases', 'cache', 'docs', 'install'];

/** The release workflow's dispatch inputs, one row each: the `plan` job refuses them before any write. */
interface WorkflowCase {
  name: string;
  inputs: { environment: string; version: string; confirm: string };
  error: RegExp;
}

const WORKFLOW_CASES: WorkflowCase[] = [
  {
    name: 'a live dispatch without the typed confirmation',
    inputs: { environment: 'live', version: '2.93.0', confirm: '' },
    error:
      /^input 'confirm' must be 'I want to release this to live' to publish to live; run the workflow again with it$/,
  },
  {
    name: 'a live dispatch with a confirmation that is almost right',
    inputs: { environment: 'live', version: '2.93.0', confirm: 'i want to release this' },
    error: /^input 'confirm' must be 'I want to release this to live'/,
  },
  {
    name: 'a dispatch with a malformed version',
    inputs: { environment: 'staging', version: 'v2.93', confirm: 'I want to release this to staging' },
    error:
      /^version is not of the form X\.Y\.Z\[-pre\] \(e\.g\. 2\.91\.0\) of characters git allows in a tag; pass input 'version'$/,
  },
  {
    name: 'a dispatch whose version carries a shell command',
    inputs: {
      environment: 'staging',
      version: '2.93.0$(touch pwned)',
      confirm: 'I want to release this to staging',
    },
    error: /^version is not of the form X\.Y\.Z/,
  },
  {
    name: 'a staging dispatch whose version carries a newline and a second output (issue 16)',
    inputs: {
      environment: 'staging',
      version: '2.93.0\nenvironment=live',
      confirm: 'I want to release this to staging',
    },
    error: /^version is not of the form X\.Y\.Z/,
  },
  {
    name: 'a dispatch whose version has a character git refuses in a tag',
    inputs: { environment: 'staging', version: '2.93.0~rc1', confirm: 'I want to release this to staging' },
    error: /^version is not of the form X\.Y\.Z/,
  },
  {
    name: 'a staging dispatch with the phrase of live',
    inputs: { environment: 'staging', version: '2.93.0', confirm: 'I want to release this to live' },
    error: /^input 'confirm' must be 'I want to release this to staging' to publish to staging/,
  },
];

let s3: S3Server;
let registry: RegistryServer;
let home: string;
/** The forge repository and the environments' git remotes. */
let forge: string;
let remotes: { staging: string; live: string };

beforeAll(async () => {
  [s3, registry] = await Promise.all([
    startS3(BUCKETS),
    startRegistry({ auth: 'htpasswd', users: { releng: 'registry-pass-5e1f' } }),
  ]);
  home = tmpDir('releng-bad-home-');

  // The forge's copy of the project, its environments on this test's servers (as the e2e test has it).
  const work = tmpDir('releng-bad-forge-');
  remotes = { staging: path.join(work, 'staging.git'), live: path.join(work, 'live.git') };
  for (const r of Object.values(remotes)) execFileSync('git', ['init', '-q', '--bare', r]);
  const src = fixtureRepo({
    tag: false,
    edit: (d) => {
      const file = path.join(d, 'releng.yml');
      const config = parse(fs.readFileSync(file, 'utf8'));
      const environment = (name: 'staging' | 'live') => ({
        s3: { endpoint: s3.endpoint, region: 'us-east-1', 'path-style': true },
        ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${b}`])),
        registries: [{ ref: `${registry.host}/org/${name}` }],
        'git-remote': remotes[name],
      });
      config.environments = { staging: environment('staging'), live: environment('live') };
      fs.writeFileSync(file, stringify(config));
    },
  });
  forge = path.join(work, 'forge.git');
  execFileSync('git', ['clone', '-q', '--bare', src, forge]);
}, 120_000);

afterAll(async () => {
  await Promise.all([s3?.stop(), registry?.stop()]);
});

/** Everything a release may write: the buckets, the registry's storage, the remotes and the forge. */
function destinations() {
  return {
    s3: contentSnapshot(s3.dir),
    registry: registrySnapshot(registry.storage),
    staging: refs(remotes.staging),
    live: refs(remotes.live),
    forge: refs(forge),
  };
}

describe('bad input to release.yml: the plan job refuses it, nothing runs after it, nothing is written', () => {
  test.each(WORKFLOW_CASES.map((c) => [c.name, c] as const))('%s', { timeout: 120_000 }, async (_, c) => {
    const before = destinations();
    const workDir = tmpDir('releng-bad-run-');
    const r = await runWorkflow({
      workflowFile: path.join(ROOT, '.forgejo/workflows/release.yml'),
      event: { name: 'workflow_dispatch', ref: 'refs/heads/main', inputs: c.inputs },
      repo: forge,
      workDir,
      env: { PATH: process.env.PATH, HOME: home, NIX_CONFIG },
    });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.plan!.result, r.log).toBe('failure');
    expect(r.errors, r.log).toHaveLength(1);
    expect(r.errors[0]).toMatch(c.error);
    for (const job of ['release', 'build', 'docker', 'publish'])
      expect(r.jobs[job]!.result, job).toBe('skipped');
    expect(r.leaks).toEqual([]);
    expect(destinations()).toEqual(before);
    // Inputs reach the plan script through env, never spliced into it.
    const files = fs.readdirSync(workDir, { recursive: true }).map(String);
    expect(files.filter((f) => path.basename(f) === 'pwned')).toEqual([]);
  });
});
