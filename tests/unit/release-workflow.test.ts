// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the stand-ins are JavaScript source text
// release.yml's own wiring, through the runner harness with stand-in stages (small node scripts with the
// stages' action.yml inputs): refs/releng, re-run reuse, tag checkout in every leg, fan-in of the leg
// artifacts, what docker and publish receive per trigger. The real stages: tests/e2e/release.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { type RunOptions, runWorkflow } from '../e2e/harness/runner.js';
import { standInSuite, suiteRemotes } from '../e2e/harness/suite.js';
import { ROOT } from '../helpers/action.js';
import { git, makeRepo } from '../helpers/git.js';
import { tmpDir } from '../helpers/tmp.js';

const COMMON = `
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
const input = (n) => process.env['INPUT_' + n.toUpperCase()] ?? '';
const output = (k, v) => fs.appendFileSync(process.env.GITHUB_OUTPUT, k + '=' + v + '\\n');
const git = (...a) => execFileSync('git', a, { encoding: 'utf8', env: { ...process.env,
  GIT_AUTHOR_NAME: 'r', GIT_AUTHOR_EMAIL: 'r@x', GIT_COMMITTER_NAME: 'r', GIT_COMMITTER_EMAIL: 'r@x' } }).trim();
const record = (stage) => {
  const inputs = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INPUT_')));
  const bundles = fs.existsSync('bundles') ? fs.readdirSync('bundles').sort().map((b) =>
    JSON.parse(fs.readFileSync(path.join('bundles', b, 'leg.json'), 'utf8'))) : [];
  fs.appendFileSync(path.join(process.env.RECORD_DIR, stage + '.jsonl'),
    JSON.stringify({ run: process.env.GITHUB_RUN_ID + '.' + process.env.GITHUB_RUN_ATTEMPT, inputs, bundles,
      signing: [process.env.STAGING_SIGNING_KEY, process.env.LIVE_SIGNING_KEY],
      branches: git('for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\\n').filter(Boolean),
      merged: git('for-each-ref', '--contains', 'HEAD', '--format=%(refname:short)', 'refs/heads/').split('\\n').filter(Boolean) }) + '\\n');
};
`;

const STAGES: Record<string, { inputs: string[]; body: string }> = {
  prepare: {
    inputs: ['version'],
    body: `const v = input('version');
fs.writeFileSync('version.json', JSON.stringify({ version: v }));
git('commit', '-qam', 'release: release notes for ' + v);
output('version', v); output('commit', git('rev-parse', 'HEAD'));`,
  },
  tag: {
    inputs: [],
    body: `const v = JSON.parse(fs.readFileSync('version.json', 'utf8')).version;
const branch = git('symbolic-ref', '--short', 'HEAD');
git('checkout', '-q', '--detach');
git('commit', '-q', '--allow-empty', '-m', 'release: ' + v);
git('tag', '-a', v, '-m', 'release: ' + v);
git('checkout', '-q', branch);
git('merge', '-q', '-s', 'ours', v, '-m', 'release: merge release ' + v + ' back to mainline');
git('checkout', '-q', '--detach', v);
output('version', v); output('tag', v); output('commit', git('rev-parse', 'HEAD'));`,
  },
  'build-artifacts': {
    inputs: ['systems'],
    body: `const v = JSON.parse(fs.readFileSync('version.json', 'utf8')).version;
if (git('describe', '--tags') !== v) { console.log('::error::not on tag ' + v); process.exit(1); }
const dir = path.resolve('release/bundle');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'leg.json'), JSON.stringify({ version: v, system: input('systems'), commit: git('rev-parse', 'HEAD') }));
output('bundle-dir', dir);`,
  },
  'docker-multiarch': {
    inputs: ['bundles', 'environment', 'version', 'latest', 'pointers', 'confirm', 'username', 'password'],
    body: `record('docker'); output('digest', 'sha256:0');`,
  },
  publish: {
    inputs: [
      'environment',
      'bundles',
      'confirm',
      'skip',
      'forge-token',
      's3-access-key-id',
      's3-secret-access-key',
      'ssh-key',
      'push-branch',
    ],
    body: `record('publish'); output('uploaded-bytes', '0');`,
  },
};

let records: string;

/** The stand-in stages as files of the project's repository (local actions are read from the checkout). */
function standIns(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [stage, { inputs, body }] of Object.entries(STAGES)) {
    files[`actions/${stage}/action.yml`] = `name: ${stage}\ndescription: stand-in\ninputs:\n${inputs
      .map((i) => `  ${i}: { description: x }\n`)
      .join('')}runs: { using: node20, main: index.mjs }\n`;
    files[`actions/${stage}/index.mjs`] = `${COMMON}\n${body}\n`;
  }
  return files;
}

function forge({ tags = true } = {}): string {
  const src = makeRepo({ 'version.json': '{"version":"1.0.0-pre"}', 'file.txt': 'x\n' });
  if (tags) git(src, 'tag', '0.9.0');
  const bare = tmpDir('releng-forge-');
  git(bare, 'clone', '-q', '--bare', src, '.');
  return bare;
}

const COMMON_SECRETS = { FORGE_TOKEN: 'forge-token-value' };

/** Each forge's workflow with its way of holding per-environment secrets. */
const FORGES: {
  forge: 'forgejo' | 'github';
  workflow: string;
  secrets: Record<string, string>;
  environments?: RunOptions['environments'];
}[] = [
  {
    forge: 'forgejo',
    workflow: path.join(ROOT, '.forgejo/workflows/release.yml'),
    // No environments: every secret is the repository's, selected by expression in the workflow.
    secrets: {
      ...COMMON_SECRETS,
      STAGING_REGISTRY_USERNAME: 'reg-user',
      STAGING_REGISTRY_PASSWORD: 'reg-password',
      LIVE_REGISTRY_USERNAME: 'live-reg-user',
      LIVE_REGISTRY_PASSWORD: 'live-reg-password',
      STAGING_SIGNING_KEY: 'staging-key-secret',
      LIVE_SIGNING_KEY: 'live-key-secret',
      STAGING_S3_ACCESS_KEY_ID: 'staging-id',
      STAGING_S3_SECRET_ACCESS_KEY: 'staging-secret',
      LIVE_S3_ACCESS_KEY_ID: 'live-id',
      LIVE_S3_SECRET_ACCESS_KEY: 'live-secret',
      STAGING_SSH_KEY: 'staging-ssh-key',
      LIVE_SSH_KEY: 'live-ssh-key',
    },
  },
  {
    forge: 'github',
    workflow: path.join(ROOT, '.github/workflows/release.yml'),
    secrets: COMMON_SECRETS,
    environments: {
      staging: {
        secrets: {
          REGISTRY_USERNAME: 'reg-user',
          REGISTRY_PASSWORD: 'reg-password',
          SIGNING_KEY: 'staging-key-secret',
          S3_ACCESS_KEY_ID: 'staging-id',
          S3_SECRET_ACCESS_KEY: 'staging-secret',
          SSH_KEY: 'staging-ssh-key',
        },
      },
      live: {
        secrets: {
          REGISTRY_USERNAME: 'live-reg-user',
          REGISTRY_PASSWORD: 'live-reg-password',
          SIGNING_KEY: 'live-key-secret',
          S3_ACCESS_KEY_ID: 'live-id',
          S3_SECRET_ACCESS_KEY: 'live-secret',
          SSH_KEY: 'live-ssh-key',
        },
      },
    },
  },
];
let current = FORGES[0]!;
let suite: string;
const SYSTEMS = ['aarch64-darwin', 'aarch64-linux', 'x86_64-linux'];

type Rec = {
  run: string;
  inputs: Record<string, string>;
  bundles: { system: string; commit: string }[];
  signing: string[];
  /** The checkout's local branches, and those carrying the release (HEAD). */
  branches: string[];
  merged: string[];
};
function recorded(stage: string): Rec[] {
  const f = path.join(records, `${stage}.jsonl`);
  return fs.existsSync(f)
    ? fs
        .readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
}

function run(
  repo: string,
  opts: { event: Parameters<typeof runWorkflow>[0]['event']; runId: number; runAttempt?: number },
) {
  return runWorkflow({
    ...base(repo),
    workDir: path.join(tmpDir('releng-wf-'), String(opts.runId)),
    ...opts,
  });
}

function base(repo: string): Omit<RunOptions, 'event'> {
  return {
    workflowFile: current.workflow,
    forge: current.forge,
    repo,
    workDir: tmpDir('releng-wf-'),
    secrets: current.secrets,
    environments: current.environments,
    remotes: suiteRemotes(suite),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, RECORD_DIR: records },
  };
}

const dispatch = (environment: string, confirm = `I want to release this to ${environment}`) => ({
  name: 'workflow_dispatch' as const,
  ref: 'refs/heads/main',
  inputs: { environment, version: '1.0.0', confirm },
});

beforeAll(() => {
  suite = standInSuite(standIns());
});

describe.each(FORGES)('$forge release.yml wiring (stand-in stages)', (forgeCase) => {
  const repo = forge();
  beforeAll(() => {
    current = forgeCase;
    records = tmpDir('releng-records-');
  });
  let commit: string;

  test('dispatch to staging: prepare and tag once, legs build the staged tag, fan-in gets both legs', async () => {
    const r = await run(repo, { event: dispatch('staging'), runId: 1 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.leaks).toEqual([]);
    expect(r.jobs.plan!.outputs).toEqual({
      version: '1.0.0',
      environment: 'staging',
      latest: 'true',
      ref: 'refs/releng/1.0.0',
    });
    // The staging ref holds the annotated tag object; no tag is published on the forge yet.
    expect(git(repo, 'cat-file', '-t', 'refs/releng/1.0.0')).toBe('tag');
    expect(git(repo, 'tag', '--list')).toBe('0.9.0');
    commit = git(repo, 'rev-parse', 'refs/releng/1.0.0^{commit}');
    expect(r.jobs.release!.outputs.commit).toBe(commit);
    // The mainline merge commit has the release commit as its second parent.
    expect(git(repo, 'rev-parse', 'refs/releng/mainline/1.0.0^2')).toBe(commit);
    const [docker] = recorded('docker');
    const [publish] = recorded('publish');
    for (const rec of [docker!, publish!]) {
      expect(rec.bundles.map((b) => b.system)).toEqual(SYSTEMS);
      expect(new Set(rec.bundles.map((b) => b.commit))).toEqual(new Set([commit]));
    }
    expect(docker!.inputs).toMatchObject({
      INPUT_BUNDLES: 'bundles/*',
      INPUT_ENVIRONMENT: 'staging',
      INPUT_VERSION: '1.0.0',
      INPUT_LATEST: 'true',
      INPUT_POINTERS: 'false',
      INPUT_CONFIRM: 'I want to release this to staging',
      INPUT_USERNAME: 'reg-user',
      INPUT_PASSWORD: 'reg-password',
    });
    expect(publish!.inputs).toMatchObject({
      INPUT_ENVIRONMENT: 'staging',
      INPUT_SKIP: 'docker',
      INPUT_CONFIRM: 'I want to release this to staging',
      'INPUT_S3-ACCESS-KEY-ID': 'staging-id',
      'INPUT_S3-SECRET-ACCESS-KEY': 'staging-secret',
      'INPUT_FORGE-TOKEN': 'forge-token-value',
      'INPUT_SSH-KEY': 'staging-ssh-key',
      'INPUT_PUSH-BRANCH': 'true',
    });
    // A staging run never receives the live key.
    expect(publish!.signing).toEqual(['staging-key-secret', '']);
    // The branch the tag stage merged the release into, for push-branch (the dispatch's ref, main).
    expect(publish!.merged).toEqual(['main']);
  });

  test('"re-run all jobs" reuses refs/releng/VERSION: no second prepare, the same commit', async () => {
    const r = await run(repo, { event: dispatch('staging'), runId: 1, runAttempt: 2 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.steps.filter((s) => s.job === 'release' && s.outcome === 'skipped').map((s) => s.id)).toEqual([
      'prepare',
      'tag',
    ]);
    expect(r.jobs.release!.outputs.commit).toBe(commit);
    expect(
      recorded('publish')
        .at(-1)!
        .bundles.map((b) => b.commit),
    ).toEqual([commit, commit, commit]);
  });

  test('a tag push builds and publishes that tag to live, confirmed by the push', async () => {
    git(repo, 'update-ref', 'refs/tags/1.0.0', 'refs/releng/1.0.0');
    const r = await run(repo, { event: { name: 'push', ref: 'refs/tags/1.0.0' }, runId: 2 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.release!.result).toBe('skipped');
    expect(r.jobs.plan!.outputs).toMatchObject({ environment: 'live', ref: 'refs/tags/1.0.0' });
    expect(recorded('docker').at(-1)!.inputs).toMatchObject({
      INPUT_USERNAME: 'live-reg-user',
      INPUT_PASSWORD: 'live-reg-password',
    });
    const publish = recorded('publish').at(-1)!;
    expect(publish.run).toBe('2.1');
    expect(publish.bundles.map((b) => b.commit)).toEqual([commit, commit, commit]);
    expect(publish.inputs).toMatchObject({
      INPUT_ENVIRONMENT: 'live',
      INPUT_CONFIRM: 'I want to release this to live',
      'INPUT_S3-ACCESS-KEY-ID': 'live-id',
      'INPUT_SSH-KEY': 'live-ssh-key',
      'INPUT_PUSH-BRANCH': 'false',
    });
    expect(publish.branches).toEqual([]);
    // The docker job publishes to the same environment: the same confirmation.
    expect(recorded('docker').at(-1)!.inputs).toMatchObject({
      INPUT_ENVIRONMENT: 'live',
      INPUT_CONFIRM: 'I want to release this to live',
    });
  });

  test('live by dispatch needs the typed confirmation before anything runs', async () => {
    const before = recorded('publish').length;
    const r = await run(repo, { event: dispatch('live', 'I want to release this to staging'), runId: 3 });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.plan!.result).toBe('failure');
    expect(r.errors.join('\n')).toMatch(
      /input 'confirm' must be 'I want to release this to live' to publish to live/,
    );
    for (const j of ['release', 'build', 'docker', 'publish']) expect(r.jobs[j]!.result).toBe('skipped');
    expect(recorded('publish').length).toBe(before);
  });

  test('latest is false when origin has a newer release (the maintenance rule)', async () => {
    const other = forge();
    const src = tmpDir('releng-src-');
    git(src, 'clone', '-q', other, '.');
    git(src, 'tag', '2.0.0');
    git(src, 'push', '-q', 'origin', '2.0.0');
    const r = await run(other, { event: dispatch('staging'), runId: 4 });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.plan!.outputs.latest).toBe('false');
  });

  test('a version with a newline cannot turn a staging dispatch into a live release (issue 16)', async () => {
    // A first release: no X.Y.Z tag yet, so nothing else in the plan job trips over the newline.
    const other = forge({ tags: false });
    const before = { docker: recorded('docker').length, publish: recorded('publish').length };
    const r = await run(other, {
      event: {
        name: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: {
          environment: 'staging',
          version: '1.0.0\nenvironment=live',
          confirm: 'I want to release this to staging',
        },
      },
      runId: 7,
    });
    // The plan job refuses the value whole; nothing that publishes runs, with any environment.
    expect(r.jobs.plan!.result, r.log).toBe('failure');
    expect(r.jobs.plan!.outputs.environment ?? '').not.toBe('live');
    for (const j of ['release', 'build', 'docker', 'publish']) expect(r.jobs[j]!.result, j).toBe('skipped');
    expect(recorded('docker').length).toBe(before.docker);
    expect(recorded('publish').length).toBe(before.publish);
  });

  test('a failed leg stops docker and publish', async () => {
    const other = forge();
    const before = recorded('publish').length;
    const r = await runWorkflow({
      ...base(other),
      event: dispatch('staging'),
      sabotage: (s) =>
        s.job === 'build' &&
        s.matrix.system === 'x86_64-linux' &&
        s.step.uses ===
          `${current.forge === 'github' ? '' : 'https://git.lix.systems/'}lix-project/releng-actions/actions/build-artifacts@v1`,
    });
    expect(r.jobs.build!.result).toBe('failure');
    expect(r.jobs.docker!.result).toBe('skipped');
    expect(r.jobs.publish!.result).toBe('skipped');
    expect(recorded('publish').length).toBe(before);
  });
});

describe('plan refuses what git refuses in a tag, and anything but X.Y.Z[-pre]', () => {
  const repo = forge({ tags: false });
  beforeAll(() => {
    current = FORGES[0]!;
    records = tmpDir('releng-records-');
  });

  test.each([
    '1.0.0~rc1',
    '1.0.0-rc..1',
    '1.0.0-rc.',
    '1.0.0-a.lock',
    '1.0.0 ',
    'v1.0.0',
    '1.0',
    '1.0.0-rc^1',
  ])('version %j', async (version) => {
    const r = await run(repo, {
      event: {
        name: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { environment: 'staging', version },
      },
      runId: 20,
    });
    expect(r.jobs.plan!.result, r.log).toBe('failure');
    expect(r.errors.join('\n')).toMatch(/version is not of the form X\.Y\.Z/);
    expect(r.jobs.release!.result).toBe('skipped');
  });
});

describe('GitHub: the old-style file (no status function below the skipped release job)', () => {
  const repo = forge();
  beforeAll(() => {
    current = FORGES[1]!;
    records = tmpDir('releng-records-');
  });

  test('is caught skipping docker and publish on a tag push (actions/runner#2205)', async () => {
    const text = fs.readFileSync(FORGES[1]!.workflow, 'utf8');
    const old = text.replace(
      /^ {4}if: \$\{\{ !cancelled\(\) && needs\.(build|docker)\.result == 'success' \}\}\n/gm,
      '',
    );
    expect(old.split('\n').length).toBe(text.split('\n').length - 2);
    const file = path.join(tmpDir('releng-old-style-'), 'release.yml');
    fs.writeFileSync(file, old);
    const src = tmpDir('releng-src-');
    git(src, 'clone', '-q', repo, '.');
    fs.writeFileSync(path.join(src, 'version.json'), '{"version":"1.0.0"}');
    git(src, '-c', 'user.name=r', '-c', 'user.email=r@x', 'commit', '-qam', 'release: 1.0.0');
    git(src, 'tag', '1.0.0');
    git(src, 'push', '-q', 'origin', '1.0.0');
    const r = await runWorkflow({
      ...base(repo),
      workflowFile: file,
      event: { name: 'push', ref: 'refs/tags/1.0.0' },
      runId: 30,
    });
    expect(r.jobs.release!.result).toBe('skipped');
    expect(r.jobs.build!.result, r.log).toBe('success');
    expect(r.jobs.docker!.result).toBe('skipped');
    expect(r.jobs.publish!.result).toBe('skipped');
    expect(recorded('publish')).toEqual([]);
  });
});

describe('a consumer by version: examples/lix calls the GitHub workflow @v1', () => {
  const example = (f: string) => fs.readFileSync(path.join(ROOT, 'examples/lix', f), 'utf8');
  const WORKFLOW = '.github/workflows/release.yml';
  let repo: string;
  beforeAll(() => {
    current = FORGES[1]!;
    records = tmpDir('releng-records-');
    const src = makeRepo({
      'version.json': '{"version":"2.95.0-pre"}',
      'releng.yml': example('releng.yml'),
      [WORKFLOW]: example(WORKFLOW),
    });
    repo = tmpDir('releng-consumer-');
    git(repo, 'clone', '-q', '--bare', src, '.');
  });
  const production = {
    SIGNING_KEY: 'production-key-secret',
    S3_ACCESS_KEY_ID: 'production-id',
    S3_SECRET_ACCESS_KEY: 'production-secret',
  };
  const consumer = (event: RunOptions['event'], runId: number) =>
    runWorkflow({
      ...base(repo),
      workflowFile: WORKFLOW,
      environments: { staging: FORGES[1]!.environments!.staging!, production: { secrets: production } },
      event,
      runId,
      workDir: tmpDir('releng-consumer-run-'),
    });

  test('a staging dispatch, then the version tag publishes to production with its own secrets', async () => {
    expect(example(WORKFLOW).split('\n').length).toBeLessThanOrEqual(30);
    const staging = await consumer(
      {
        name: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { environment: 'staging', version: '2.95.0', confirm: 'I want to release this to staging' },
      },
      40,
    );
    expect(staging.conclusion, staging.log).toBe('success');
    expect(staging.leaks).toEqual([]);
    expect(staging.jobs['release/publish']!.environment).toBe('staging');
    expect(recorded('publish').at(-1)!.inputs).toMatchObject({
      INPUT_ENVIRONMENT: 'staging',
      INPUT_CONFIRM: 'I want to release this to staging',
    });

    const unconfirmed = await consumer(
      {
        name: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { environment: 'production', version: '2.95.0', confirm: 'I want to release this to live' },
      },
      41,
    );
    expect(unconfirmed.jobs['release/plan']!.result).toBe('failure');
    expect(unconfirmed.errors.join('\n')).toMatch(/must be 'I want to release this to production'/);

    git(repo, 'update-ref', 'refs/tags/2.95.0', 'refs/releng/2.95.0');
    const live = await consumer({ name: 'push', ref: 'refs/tags/2.95.0' }, 42);
    expect(live.conclusion, live.log).toBe('success');
    expect(live.jobs['release/release']!.result).toBe('skipped');
    expect(live.jobs['release/publish']!.environment).toBe('production');
    const publish = recorded('publish').at(-1)!;
    expect(publish.run).toBe('42.1');
    expect(publish.inputs).toMatchObject({
      INPUT_ENVIRONMENT: 'production',
      INPUT_CONFIRM: 'I want to release this to production',
      'INPUT_S3-ACCESS-KEY-ID': 'production-id',
    });
    expect(publish.signing).toEqual(['', 'production-key-secret']);
  });
});
