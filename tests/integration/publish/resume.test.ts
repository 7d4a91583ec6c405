// The bundled CLI and action the way a laptop and a runner run them (artifacts-dir, as the reference's
// release/ directory), killed midway at several points and run again: the re-run finishes and the end
// state equals a clean run's. While killed, a reader never sees a pointer or a narinfo whose target is
// missing. And the order of publication as the S3 server and the git remote saw it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3Sink } from '../../../src/storage/s3.js';
import { ROOT } from '../../helpers/action.js';
import { git } from '../../helpers/git.js';
import {
  buildRelease,
  makeProject,
  NAME,
  nixKey,
  refs,
  runActionAsync,
  runCliAsync,
  snapshot,
} from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { type Recorder, startRecorder } from '../../helpers/s3-recorder.js';
import { tmpDir } from '../../helpers/tmp.js';

const BUCKETS = ['cache', 'releases', 'docs', 'install'];
const VERSION = '2.93.0';
let s3: S3Server;
let rec: Recorder;
const key = nixKey('resume-cache-1');
const built = buildRelease(VERSION);

beforeAll(async () => {
  // A key of its own for the inputs: s3rver's S3RVER secret is shorter than a secret input may be (8).
  s3 = await startS3(BUCKETS, { keys: [['RELENGTESTKEYID', 'releng-test-secret-key']] });
  rec = await startRecorder(s3.endpoint);
});
afterAll(async () => {
  await rec?.close();
  await s3?.stop();
});

function env(prefix: string, remote: string) {
  return {
    s3: { endpoint: rec.endpoint, region: 'us-east-1', 'path-style': true },
    ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${b}/${prefix}`])),
    'signing-key': { env: 'TEST_SIGNING_KEY' },
    'git-remote': remote,
  };
}

function project(prefix: string) {
  const remote = path.join(tmpDir('releng-remote-'), 'r.git');
  git(path.dirname(remote), 'init', '-q', '--bare', remote);
  return makeProject(VERSION, { staging: env(prefix, remote) }, { remote });
}

const processEnv = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  TEST_SIGNING_KEY: '',
  RELENG_S3_PART_SIZE_MIB: '5',
  RELENG_S3_MULTIPART_THRESHOLD_MIB: '5',
  RELENG_S3_CONCURRENCY: '4',
};
const cliArgs = [
  'publish',
  '--environment',
  'staging',
  '--confirm',
  'I want to release this to staging',
  '--artifacts-dir',
  built.artifactsDir,
  '--skip',
  'docker',
];

/** Everything published under a prefix: bucket/key → sha256 stored with it. */
async function state(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const b of BUCKETS) {
    const s = new S3Sink({
      url: `s3://${b}/${prefix}`,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      pathStyle: true,
      credentials: s3.credentials,
    });
    for (const o of await s.list('')) out[`${b}/${o.key}`] = (await s.head(o.key))?.sha256 ?? '?';
  }
  return out;
}

/** A reader's invariants: every narinfo's NAR is there; pointers only once every versioned file is. */
async function consistent(prefix: string, published: Record<string, string>): Promise<void> {
  const cache = new S3Sink({
    url: `s3://cache/${prefix}`,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    pathStyle: true,
    credentials: s3.credentials,
  });
  for (const k of Object.keys(published).filter((k) => k.endsWith('.narinfo'))) {
    const text = (await cache.get(k.slice('cache/'.length)))!.toString();
    const url = /^URL: (.*)$/m.exec(text)![1]!;
    expect(published[`cache/${url}`], `${k} → ${url}`).toBeDefined();
  }
  if (published['releases/manifest.nix'])
    for (const f of built.release.files) expect(published[`releases/${f.path}`], f.path).toBeDefined();
}

describe('the bundled CLI and action', () => {
  test('the CLI publishes an artifacts dir (drvs.txt from the local store), and the action re-runs it with 0 bytes', async () => {
    const p = project('cli');
    const r = await runCliAsync(cliArgs, {
      cwd: p.dir,
      env: { ...processEnv, TEST_SIGNING_KEY: key.secret },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.outputs['uploaded-bytes'])).toBeGreaterThan(11 * 1024 * 1024);
    const plan = JSON.parse(r.outputs.plan!);
    expect(plan.steps.map((s: { step: string }) => s.step)).toEqual([
      'cache',
      'docker',
      'releases',
      'installers',
      'docs',
      'index',
      'pointers',
      'branch',
      'tag',
      'release-page',
    ]);
    // drvs.txt: the derivations and their outputs, with their closures — each one's narinfo written.
    const cacheKeys = plan.steps[0].objects.map((o: { key: string }) => o.key);
    for (const sp of [...built.storePaths, ...built.drvPaths])
      expect(cacheKeys).toContain(`${sp.slice(11, 43)}.narinfo`);
    expect(cacheKeys.filter((k: string) => k.startsWith('nar/')).length).toBeGreaterThanOrEqual(4);
    expect(r.stderr).not.toContain(key.secret.split(':')[1]);
    expect(r.stderr).toMatch(/Published 2\.93\.0 to staging/);
    expect(git(p.remote, 'rev-parse', `refs/tags/${VERSION}`)).toBe(
      git(p.dir, 'rev-parse', `refs/tags/${VERSION}`),
    );

    const before = snapshot(s3.dir);
    rec.reset();
    const a = await runActionAsync(
      'publish',
      {
        environment: 'staging',
        confirm: 'I want to release this to staging',
        'artifacts-dir': built.artifactsDir,
        skip: 'docker',
        's3-access-key-id': 'RELENGTESTKEYID',
        's3-secret-access-key': 'releng-test-secret-key',
      },
      { cwd: p.dir, env: { TEST_SIGNING_KEY: key.secret } },
    );
    expect(a.status, a.stdout + a.stderr).toBe(0);
    expect(a.outputs['uploaded-bytes']).toBe('0');
    expect(Number(a.outputs['skipped-objects'])).toBeGreaterThan(built.release.files.length);
    expect(a.outputs['release-url']).toBe('');
    expect(rec.writes()).toEqual([]);
    expect(snapshot(s3.dir)).toEqual(before);
    expect(a.summary).toContain('## Published 2.93.0 to staging: 0 B in 0 object(s)');
    // The runner is told to mask the key (::add-mask:: lines are the runner's, never shown); nothing else has it.
    expect(a.stdout).toContain(`::add-mask::${key.secret}`);
    const shown = a.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(shown.join('\n') + a.summary).not.toContain(key.secret.split(':')[1]);
  });

  test('bad input: one line naming the input, exit 1, nothing written', async () => {
    const p = project('bad');
    rec.reset();
    const r = await runCliAsync(['publish', '--environment', 'staging', '--skip', 'docker,sideways'], {
      cwd: p.dir,
      env: processEnv,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "releng publish: error: pass input 'bundles' (the leg bundles of build-artifacts) or 'artifacts-dir' (a ready release tree)",
    );
    const s = await runCliAsync([...cliArgs, '--skip', 'sideways'], { cwd: p.dir, env: processEnv });
    expect(s.stderr.trim()).toBe(
      "releng publish: error: input 'skip': unknown step(s) sideways; known: cache, docker, releases, docs, installers, tag, branch, release-page, docker-pointers",
    );
    expect(rec.writes()).toEqual([]);
  });
});

describe('the local environment', () => {
  test('directories and a bare remote, no credentials: a rehearsal of the same steps; a re-run touches nothing', async () => {
    // No environments in releng.yml: `local` is built in.
    const p = makeProject(VERSION, {});
    git(p.dir, 'init', '-q', '--bare', '.releng/local/remote.git');
    const r = await runCliAsync(['publish', '--artifacts-dir', built.artifactsDir, '--skip', 'docker'], {
      cwd: p.dir,
      env: { PATH: process.env.PATH },
    });
    expect(r.status, r.stderr).toBe(0);
    const local = path.join(p.dir, '.releng/local');
    const v = `${NAME}/${NAME}-${VERSION}`;
    // (Buffer.equals: vitest's deep equality walks an 11 MB buffer byte by byte.)
    for (const f of built.release.files)
      expect(
        fs.readFileSync(path.join(local, 'releases', f.path)).equals(fs.readFileSync(f.source)),
        f.path,
      ).toBe(true);
    expect(fs.existsSync(path.join(local, 'install', NAME, `${NAME}-installer-x86_64-linux`))).toBe(true);
    expect(fs.readdirSync(path.join(local, 'docs/manual', NAME)).sort()).toEqual(['2.93', 'stable']);
    expect(fs.existsSync(path.join(local, 'cache/nix-cache-info'))).toBe(true);
    expect(fs.existsSync(path.join(local, 'releases', v, '.releng-index.json'))).toBe(true);
    expect(r.stderr).toMatch(/no signing-key in this environment: the cache is published unsigned/);
    expect(git(path.join(local, 'remote.git'), 'rev-parse', `refs/tags/${VERSION}`)).toBe(
      git(p.dir, 'rev-parse', `refs/tags/${VERSION}`),
    );
    const before = snapshot(local);
    const again = await runCliAsync(['publish', '--artifacts-dir', built.artifactsDir, '--skip', 'docker'], {
      cwd: p.dir,
      env: { PATH: process.env.PATH },
    });
    expect(again.status, again.stderr).toBe(0);
    expect(again.outputs['uploaded-bytes']).toBe('0');
    expect(snapshot(local)).toEqual(before);
  });
});

/** Kill points: the n-th visible write (or part) of a bucket. */
const KILLS: [
  string,
  (e: { bucket: string; key: string; method: string; query: string }, seen: number) => boolean,
][] = [
  ['after the first NAR of the cache', (e) => e.bucket === 'cache' && e.key.includes('/nar/')],
  [
    'in the middle of a multipart upload',
    (e) => e.bucket === 'releases' && /partNumber=1(&|$)/.test(e.query),
  ],
  [
    'after a few files of the release tree',
    (e, seen) => e.bucket === 'releases' && e.method === 'PUT' && seen >= 3,
  ],
  [
    'after the manual, before the pointers',
    (e) => e.bucket === 'docs' && e.key.includes('/stable/') === false && e.key.endsWith('style.css'),
  ],
];

describe('killed midway, then run again', () => {
  let clean: Record<string, string>;
  let cleanTags: string;
  beforeAll(async () => {
    const p = project('clean');
    const r = await runCliAsync(cliArgs, {
      cwd: p.dir,
      env: { ...processEnv, TEST_SIGNING_KEY: key.secret },
    });
    expect(r.status, r.stderr).toBe(0);
    cleanTags = git(p.remote, 'for-each-ref', '--format=%(refname)');
    const s = await state('clean');
    clean = Object.fromEntries(Object.entries(s).map(([k, v]) => [k.replace('/clean/', '/'), v]));
  });

  test.each(KILLS.map(([name, when], i) => [name, when, i]))(
    'killed %s: the re-run completes to the clean state',
    async (_, when, i) => {
      const prefix = `kill${i}`;
      const p = project(prefix);
      let seen = 0;
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), ...cliArgs], {
        cwd: p.dir,
        env: { ...process.env, ...processEnv, TEST_SIGNING_KEY: key.secret },
        stdio: 'ignore',
      });
      rec.onEvent = (e) => {
        if (!e.key.startsWith(`${prefix}/`) || e.status >= 300) return;
        if (e.method === 'PUT' && e.bucket === 'releases') seen++;
        if (when(e, seen)) child.kill('SIGKILL');
      };
      const code = await new Promise<number | null>((r) =>
        child.on('exit', (c, signal) => r(signal ? null : c)),
      );
      rec.onEvent = undefined;
      expect(code, 'the run was killed, not finished').toBeNull();
      const partial = await state(prefix);
      await consistent(prefix, partial);
      expect(partial[`releases/${prefix}/manifest.nix`]).toBeUndefined();
      expect(refs(p.remote)).toBe('');
      // No signing key is left behind in a temp file after the kill? SIGKILL cannot be caught: the key file
      // lives only while nix copy runs, and each kill point here is after it.
      const again = await runCliAsync(cliArgs, {
        cwd: p.dir,
        env: { ...processEnv, TEST_SIGNING_KEY: key.secret },
      });
      expect(again.status, again.stderr).toBe(0);
      const done = Object.fromEntries(
        Object.entries(await state(prefix)).map(([k, v]) => [k.replace(`/${prefix}/`, '/'), v]),
      );
      expect(done).toEqual(clean);
      expect(git(p.remote, 'for-each-ref', '--format=%(refname)')).toBe(cleanTags);
      // And once more: nothing left to do.
      const third = await runCliAsync(cliArgs, {
        cwd: p.dir,
        env: { ...processEnv, TEST_SIGNING_KEY: key.secret },
      });
      expect(third.outputs['uploaded-bytes']).toBe('0');
    },
  );
});

describe('order of publication, as the server and the remote saw it', () => {
  test('cache NARs → narinfo (references first) → tree → installers → manual → index → pointers → tag', async () => {
    const journal = path.join(tmpDir('releng-journal-'), 'events');
    fs.writeFileSync(journal, '');
    const recorder = await startRecorder(s3.endpoint, journal);
    try {
      const remote = path.join(tmpDir('releng-remote-'), 'r.git');
      git(path.dirname(remote), 'init', '-q', '--bare', remote);
      const hook = path.join(remote, 'hooks', 'post-receive');
      fs.writeFileSync(
        hook,
        `#!/bin/sh\nwhile read old new ref; do echo "git $ref" >> '${journal}'; done\n`,
        { mode: 0o755 },
      );
      const e = {
        ...env('order', remote),
        s3: { endpoint: recorder.endpoint, region: 'us-east-1', 'path-style': true },
      };
      const p = makeProject(VERSION, { staging: e }, { remote });
      const r = await runCliAsync(cliArgs, {
        cwd: p.dir,
        env: { ...processEnv, TEST_SIGNING_KEY: key.secret },
      });
      expect(r.status, r.stderr).toBe(0);
      const lines = fs
        .readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => !l.includes('.releng-preflight-'));
      const at = (re: RegExp) => lines.map((l, i) => (re.test(l) ? i : -1)).filter((i) => i >= 0);
      const first = (re: RegExp) => Math.min(...at(re));
      const last = (re: RegExp) => Math.max(...at(re));
      const v = `${NAME}/${NAME}-${VERSION}/`;
      expect(at(/cache\/order\/nar\//).length).toBeGreaterThanOrEqual(2);
      expect(last(/cache\/order\/nar\//)).toBeLessThan(first(/\.narinfo$/));
      // References before referrers: the lib's narinfo before the main package's.
      const lib = built.storePaths.find((s) => s.includes('-lib-'))!.slice(11, 43);
      const main = built.storePaths.find((s) => !s.includes('-lib-'))!.slice(11, 43);
      expect(first(new RegExp(`${lib}\\.narinfo$`))).toBeLessThan(first(new RegExp(`${main}\\.narinfo$`)));
      expect(last(/\.narinfo$/)).toBeLessThan(first(/releases\/order\//));
      expect(last(new RegExp(`releases/order/${v}(?!\\.releng-index)`))).toBeLessThan(
        first(/install\/order\//),
      );
      expect(last(new RegExp(`install/order/${v}`))).toBeLessThan(
        first(/docs\/order\/manual\/demo\/2\.93\//),
      );
      // The index with the release's own objects, before the first pointer.
      const index = at(new RegExp(`releases/order/${v}\\.releng-index\\.json$`));
      expect(index.length).toBe(1);
      expect(last(/docs\/order\/manual\/demo\/2\.93\//)).toBeLessThan(index[0]!);
      expect(index[0]!).toBeLessThan(first(/releases\/order\/manifest\.nix$/));
      expect(first(/releases\/order\/manifest\.nix$/)).toBeLessThan(
        first(/docs\/order\/manual\/demo\/stable\//),
      );
      expect(last(/docs\/order\/manual\/demo\/stable\//)).toBeLessThan(
        first(/install\/order\/demo\/demo-installer/),
      );
      expect(lines.at(-2)).toMatch(/^s3 PUT install\/order\/demo\/demo-installer/);
      expect(lines.at(-1)).toBe(`git refs/tags/${VERSION}`);
    } finally {
      await recorder.close();
    }
  });
});
