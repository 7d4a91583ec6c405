// publish against a real S3 server (s3rver, behind a recording proxy), real nix caches and a bare git
// remote: the full publication, idempotent re-runs, the immutable rule and force, the maintenance rule,
// dry-run, docs sync, preflight, confirmation, and the order in which a reader sees things appear.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LegRecord } from '../../../src/bundle/leg.js';
import { hashHex, parseNarInfo } from '../../../src/nix/narinfo.js';
import { signedBy } from '../../../src/nix/sign.js';
import { type PublishOptions, publish } from '../../../src/stages/publish.js';
import { S3Sink } from '../../../src/storage/s3.js';
import { git } from '../../helpers/git.js';
import {
  type Built,
  buildRelease,
  makeProject,
  NAME,
  nixKey,
  type Project,
  publishOptions,
  recordingLogger,
  refs,
  snapshot,
} from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { type Recorder, startRecorder } from '../../helpers/s3-recorder.js';

const BUCKETS = ['cache', 'releases', 'docs', 'install'];
let s3: S3Server;
let rec: Recorder;
const key = nixKey('test-cache-1');

beforeAll(async () => {
  // Each test gets its own prefix per bucket (s3://bucket/tN), so they never see each other's objects.
  s3 = await startS3(BUCKETS);
  rec = await startRecorder(s3.endpoint);
});
afterAll(async () => {
  await rec?.close();
  await s3?.stop();
});

let n = 0;
function environment(prefix: string, remote: string, extra: object = {}) {
  return {
    s3: { endpoint: rec.endpoint, region: 'us-east-1', 'path-style': true },
    ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${b}/${prefix}`])),
    'signing-key': { env: 'TEST_SIGNING_KEY' },
    'git-remote': remote,
    'public-urls': { releases: 'https://releases.example.org', docs: 'https://docs.example.org' },
    ...extra,
  };
}

function setup(
  version: string,
  o: { built?: Built; official?: boolean; remote?: string; repo?: string; prefix?: string } = {},
) {
  const prefix = o.prefix ?? `t${++n}`;
  const remote = o.remote ?? path.join(fs.mkdtempSync(path.join(s3.dir, '..', 'remote-')), 'r.git');
  if (!fs.existsSync(remote)) git(path.dirname(remote), 'init', '-q', '--bare', remote);
  const project = makeProject(
    version,
    { staging: environment(prefix, remote) },
    { official: o.official, remote, repo: o.repo },
  );
  const built = o.built ?? buildRelease(version);
  return { project, built, prefix };
}

function opts(project: Project, built: Built, extra: Partial<PublishOptions> = {}): PublishOptions {
  return publishOptions(project.dir, {
    source: { release: built.release },
    s3AccessKeyId: s3.credentials.accessKeyId,
    s3SecretAccessKey: s3.credentials.secretAccessKey,
    processEnv: { TEST_SIGNING_KEY: key.secret },
    tuning: { s3: { partSize: 5 * 1024 * 1024, multipartThreshold: 5 * 1024 * 1024 }, registry: {} },
    ...extra,
  });
}

const sink = (bucket: string, prefix: string) =>
  new S3Sink({
    url: `s3://${bucket}/${prefix}`,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    pathStyle: true,
    credentials: s3.credentials,
  });

async function keysWithSha(bucket: string, prefix: string): Promise<Record<string, string>> {
  const s = sink(bucket, prefix);
  const out: Record<string, string> = {};
  for (const o of await s.list('')) out[o.key] = (await s.head(o.key))!.sha256 ?? `size:${o.size}`;
  return out;
}

describe('publish to S3 and a git remote', () => {
  test('a full publication: cache signed, tree, installers, manual, pointers, index, tag; then a re-run writes nothing', async () => {
    const { project, built, prefix } = setup('2.93.0');
    const log = recordingLogger();
    rec.reset();
    const r = await publish(opts(project, built, { log }));
    const v = `${NAME}/${NAME}-2.93.0`;

    // The release tree and the root manifest, each with our sha256 stored with it.
    const releases = await keysWithSha('releases', prefix);
    for (const f of built.release.files) expect(releases[f.path], f.path).toBe(f.sha256);
    expect(Object.keys(releases)).toContain(`${v}/.releng-index.json`);
    // Installers: versioned and pointer.
    const install = await keysWithSha('install', prefix);
    expect(Object.keys(install).sort()).toEqual([
      `${NAME}/${NAME}-2.93.0/${NAME}-installer-x86_64-linux`,
      `${NAME}/${NAME}-installer-x86_64-linux`,
    ]);
    // The manual under MAJOR and stable (official release, nothing newer).
    const docs = await keysWithSha('docs', prefix);
    for (const label of ['2.93', 'stable'])
      expect(
        Object.keys(docs)
          .filter((k) => k.startsWith(`manual/${NAME}/${label}/`))
          .sort(),
      ).toEqual(
        ['css/style.css', 'img/logo.svg', 'index.html', 'installing.html'].map(
          (f) => `manual/${NAME}/${label}/${f}`,
        ),
      );
    const html = await sink('docs', prefix).head(`manual/${NAME}/stable/index.html`);
    expect(html).toBeDefined();
    // The cache: every store path's narinfo, signed by the environment's key, and its NAR.
    const cache = sink('cache', prefix);
    for (const p of built.storePaths) {
      const info = parseNarInfo((await cache.get(`${p.slice(11, 43)}.narinfo`))!.toString(), p);
      expect(info.storePath).toBe(p);
      expect(signedBy(info, key.public)).toBe(true);
      expect(await cache.head(info.url)).toBeDefined();
      expect(hashHex(info.narHash)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect((await cache.get('nix-cache-info'))?.toString()).toBe('StoreDir: /nix/store\n');
    // The tag, on the remote.
    expect(git(project.remote, 'rev-parse', 'refs/tags/2.93.0')).toBe(
      git(project.dir, 'rev-parse', 'refs/tags/2.93.0'),
    );
    expect(r.uploadedBytes).toBeGreaterThan(11 * 1024 * 1024);
    expect(r.pointers.map((p) => [p.pointer, p.action])).toContainEqual(['manifest.nix', 'moved here']);
    expect(r.git).toContainEqual(['refs/tags/2.93.0', 'pushed', project.remote]);
    expect(r.publicKey).toBe(key.public);
    expect(r.written.map((w) => w.url)).toContain(`https://releases.example.org/${v}/${NAME}-2.93.0.tar.gz`);
    // The signing key never reached the log.
    expect(log.lines.join('\n')).not.toContain(key.secret.split(':')[1]);

    // A re-run: one GET of the index, LISTs, HEADs of pointers; no write at all.
    const before = snapshot(s3.dir);
    const remoteBefore = refs(project.remote);
    rec.reset();
    const again = await publish(opts(project, built));
    expect(again.uploadedBytes).toBe(0);
    expect(rec.writes()).toEqual([]);
    expect(snapshot(s3.dir)).toEqual(before);
    expect(refs(project.remote)).toBe(remoteBefore);
    expect(again.skippedObjects).toBeGreaterThanOrEqual(
      built.release.files.length - 1 + built.storePaths.length,
    );
    // The versioned tree was recognised from the index: no HEAD of a versioned release file.
    const heads = rec.events.filter(
      (e) => e.method === 'HEAD' && e.bucket === 'releases' && e.key.includes(`${v}/`),
    );
    expect(heads).toEqual([]);
  });
});

describe('a manual-only release (build-artifacts target manual)', () => {
  test('the nightly manual and nothing else: no cache, tree, installers, pointers or tag, even for an official version', async () => {
    const { project, built, prefix } = setup('2.93.0', { official: true });
    const record = {
      schema: 1,
      version: '2.93.0',
      system: 'x86_64-linux',
      storePaths: [],
      drvPaths: [],
      jobs: [],
      files: [],
      image: null,
      target: 'manual',
      package: null,
      manual: 'manual',
    } as unknown as LegRecord;
    const manualOnly: Built = {
      ...built,
      release: {
        ...built.release,
        files: [],
        caches: [],
        cachePaths: [],
        storePaths: [],
        drvPaths: [],
        systems: ['x86_64-linux'],
        legs: [{ dir: '/legs/manual', record }],
      },
    };
    // The project has a tag; the remote must not get it.
    const r = await publish(opts(project, manualOnly));
    expect(r.uploadedObjects).toBe(4);
    for (const bucket of ['cache', 'releases', 'install'])
      expect(await keysWithSha(bucket, prefix), bucket).toEqual({});
    expect(Object.keys(await keysWithSha('docs', prefix)).sort()).toEqual(
      ['css/style.css', 'img/logo.svg', 'index.html', 'installing.html'].map(
        (f) => `manual/${NAME}/nightly/${f}`,
      ),
    );
    expect(git(project.remote, 'tag', '--list')).toBe('');
  });
});

describe('immutable objects and pointers', () => {
  test('a versioned object with other bytes is refused, naming the key, with nothing written; force overwrites it', async () => {
    const { project, built, prefix } = setup('2.93.0');
    await publish(opts(project, built));
    const changed = structuredClone(built.release);
    const f = changed.files.find((x) => x.path.endsWith(`${NAME}-2.93.0.tar.gz`))!;
    f.source = path.join(fs.mkdtempSync(path.join(s3.dir, '..', 'changed-')), 'x.tar.gz');
    fs.writeFileSync(f.source, 'other bytes');
    f.size = 11;
    f.sha256 = '4a1e2d0bb2b3b4fcb8bb1fbf5b3b1ab0e5d3f7e1e2a0ce0e0a5b8cb2b3e0f2f1';
    const { createHash } = await import('node:crypto');
    f.sha256 = createHash('sha256').update('other bytes').digest('hex');
    const before = snapshot(s3.dir);
    const remoteBefore = refs(project.remote);
    rec.reset();
    const err = await publish(opts(project, { ...built, release: changed })).catch((e: Error) => e);
    expect(String(err)).toMatch(/versioned objects exist with other content, nothing was written/);
    expect(String(err)).toContain(
      `s3://releases/${prefix}/${NAME}/${NAME}-2.93.0/${NAME}-2.93.0.tar.gz exists with other content`,
    );
    expect(rec.writes()).toEqual([]);
    expect(snapshot(s3.dir)).toEqual(before);
    expect(refs(project.remote)).toBe(remoteBefore);

    const forced = await publish(opts(project, { ...built, release: changed }, { force: true }));
    expect(forced.uploadedBytes).toBe(
      11 + (await sink('releases', prefix).get(`${NAME}/${NAME}-2.93.0/.releng-index.json`))!.length,
    );
    expect((await sink('releases', prefix).head(f.path))!.sha256).toBe(f.sha256);
    expect(
      forced.plan.steps.find((s) => s.step === 'releases')!.objects.find((o) => o.key === f.path)!.action,
    ).toBe('overwrite');
    // The index now records the new bytes: the next run is quiet again.
    rec.reset();
    expect((await publish(opts(project, { ...built, release: changed }))).uploadedBytes).toBe(0);
    expect(rec.writes()).toEqual([]);
  });

  test('a maintenance release (a newer release exists) moves no latest-like pointer, but updates its own major', async () => {
    const remoteDir = fs.mkdtempSync(path.join(s3.dir, '..', 'remote-'));
    const remote = path.join(remoteDir, 'r.git');
    git(remoteDir, 'init', '-q', '--bare', remote);
    const newer = setup('2.94.0', { remote });
    await publish(opts(newer.project, newer.built));
    const rel = sink('releases', newer.prefix);
    const docs = sink('docs', newer.prefix);
    const inst = sink('install', newer.prefix);
    const pointers = async () => ({
      manifest: (await rel.get('manifest.nix'))!.toString(),
      stable: (await docs.get(`manual/${NAME}/stable/index.html`))!.toString(),
      installer: (await inst.head(`${NAME}/${NAME}-installer-x86_64-linux`))!.sha256,
    });
    const before = await pointers();
    expect(before.manifest).toContain('demo-2.94.0');

    const old = setup('2.93.1', { remote, prefix: newer.prefix });
    const r = await publish(opts(old.project, old.built));
    expect(await pointers()).toEqual(before);
    expect(r.pointers.filter((p) => p.action === 'held').map((p) => p.pointer)).toEqual(
      expect.arrayContaining([
        'manifest.nix',
        `${NAME}/${NAME}-installer-x86_64-linux`,
        `manual/${NAME}/stable/index.html`,
      ]),
    );
    expect(r.pointers.every((p) => p.action === 'held')).toBe(true);
    expect(r.pointers[0]!.why).toMatch(/a newer release \(2\.94\.0\) exists/);
    // Its own versioned tree, and the manual of its major, are published.
    expect((await rel.get(`${NAME}/${NAME}-2.93.1/manifest.nix`))!.toString()).toContain('demo-2.93.1');
    expect((await docs.get(`manual/${NAME}/2.93/index.html`))!.toString()).toContain('2.93.1');
    expect((await docs.get(`manual/${NAME}/2.94/index.html`))!.toString()).toContain('2.94.0');
  });

  test('the manual sync deletes stale pages under its own prefix only', async () => {
    const { project, built, prefix } = setup('2.93.0');
    const d = sink('docs', prefix);
    const seedFile = path.join(fs.mkdtempSync(path.join(s3.dir, '..', 'seed-')), 'f');
    fs.writeFileSync(seedFile, 'old');
    const { sha256File } = await import('../../../src/storage/hash.js');
    const meta = await sha256File(seedFile);
    const seeded = [
      `manual/${NAME}/2.93/old-page.html`,
      `manual/${NAME}/2.93/css/old.css`,
      `manual/${NAME}/stable/removed.html`,
      `manual/${NAME}/2.9/keep.html`,
      `manual/${NAME}/2.93-rc/keep.html`,
      `manual/${NAME}/2.930/keep.html`,
      `manual/other/2.93/keep.html`,
      `manual/${NAME}/keep.html`,
    ];
    for (const k of seeded) await d.put(k, seedFile, meta);
    const r = await publish(opts(project, built));
    const keys = (await d.list('')).map((o) => o.key);
    for (const k of seeded.filter((k) => k.endsWith('keep.html'))) expect(keys).toContain(k);
    for (const k of seeded.filter((k) => !k.endsWith('keep.html'))) expect(keys).not.toContain(k);
    expect(r.deletedObjects).toBe(3);
    expect(
      r.plan.steps
        .find((s) => s.step === 'docs')!
        .objects.filter((o) => o.action === 'delete')
        .map((o) => o.key)
        .sort(),
    ).toEqual([`manual/${NAME}/2.93/css/old.css`, `manual/${NAME}/2.93/old-page.html`]);
  });
});

describe('dry run, preflight, confirmation', () => {
  test('dry-run prints and returns the plan and writes nothing (buckets and remote unchanged)', async () => {
    const { project, built } = setup('2.93.0');
    const before = snapshot(s3.dir);
    const remoteBefore = refs(project.remote);
    rec.reset();
    const log = recordingLogger();
    const r = await publish(opts(project, built, { dryRun: true, log }));
    expect(rec.writes()).toEqual([]);
    expect(snapshot(s3.dir)).toEqual(before);
    expect(refs(project.remote)).toBe(remoteBefore);
    expect(r.uploadedBytes).toBe(0);
    const rel = r.plan.steps.find((s) => s.step === 'releases')!;
    expect(rel.objects.every((o) => o.action === 'upload')).toBe(true);
    expect(rel.objects.map((o) => o.key)).toContain(`${NAME}/${NAME}-2.93.0/big-2.93.0.bin`);
    expect(
      r.plan.steps
        .find((s) => s.step === 'cache')!
        .objects.map((o) => [o.key, o.action])
        .sort(),
    ).toEqual(built.storePaths.map((p) => [p, 'upload']).sort());
    expect(r.plan.steps.find((s) => s.step === 'pointers')!.objects.map((o) => o.key)).toContain(
      'manifest.nix',
    );
    expect(r.plan.steps.find((s) => s.step === 'tag')!.notes).toEqual([
      `tag 2.93.0: to push to ${project.remote}`,
    ]);
    expect(log.lines.join('\n')).toMatch(/plan for 2\.93\.0 → staging: \d+ object\(s\) to write/);
  });

  test('preflight reports every problem together and writes nothing', async () => {
    const { project, built, prefix } = setup('2.93.0');
    const cfg = path.join(project.dir, 'releng.yml');
    fs.writeFileSync(
      cfg,
      fs.readFileSync(cfg, 'utf8').replace(/git-remote: .*/, 'git-remote: /nonexistent/remote.git'),
    );
    fs.writeFileSync(
      path.join(project.dir, 'version.json'),
      fs.readFileSync(path.join(project.dir, 'version.json'), 'utf8').replace('Bird', 'Bard'),
    );
    const before = snapshot(s3.dir);
    rec.reset();
    const err = (await publish(
      // s3rver checks no v4 signature, so a wrong secret would pass there: an unknown key id does not.
      opts(project, built, {
        s3AccessKeyId: 'nobody',
        s3SecretAccessKey: 'wrong-secret-value',
        processEnv: {},
        skip: ['docker'],
      }),
    ).catch((e: Error) => e)) as Error;
    const msg = err.message;
    expect(msg).toMatch(/preflight failed, nothing was written \(\d+ problems\)/);
    expect(msg).toContain('uncommitted changes');
    expect(msg).toContain('/nonexistent/remote.git is not reachable');
    expect(msg).toContain('$TEST_SIGNING_KEY is not set');
    for (const b of BUCKETS) expect(msg).toContain(`S3 s3://${b}/${prefix}/`);
    expect(msg).toContain('check the S3 credentials');
    expect(msg).not.toContain('wrong-secret-value');
    expect(rec.writes()).toEqual([]);
    expect(snapshot(s3.dir)).toEqual(before);
  });

  test('an environment named production needs its own phrase: refused without it, asked on a terminal', async () => {
    const { project, built, prefix } = setup('2.93.0');
    const cfg = path.join(project.dir, 'releng.yml');
    fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8').replace('staging:', 'production:'));
    const live = (extra: Partial<PublishOptions>) =>
      opts(project, built, { environmentName: 'production', noCheckGit: true, ...extra });
    rec.reset();
    await expect(publish(live({ confirm: undefined }))).rejects.toThrow(
      /publishing to production needs input 'confirm' set to 'I want to release this to production'/,
    );
    await expect(publish(live({ confirm: 'I want to release this to staging' }))).rejects.toThrow(
      /that phrase confirms staging, not production; type exactly 'I want to release this to production'/,
    );
    await expect(publish(live({ confirm: 'I want to release this' }))).rejects.toThrow(
      /the phrase now names the environment/,
    );
    await expect(publish(live({ confirm: 'true' }))).rejects.toThrow(
      /a bare confirm is not enough on a runner/,
    );
    const asked: string[] = [];
    const ask = async (q: string) => {
      asked.push(q);
      return 'I want to release this to staging';
    };
    await expect(publish(live({ confirm: undefined, ask }))).rejects.toThrow(
      "not confirmed (type exactly 'I want to release this to production'); nothing was written",
    );
    expect(asked[0]).toMatch(/Publish 2\.93\.0 to production\? Type "I want to release this to production"/);
    // Only the write probes of preflight (s3rver keeps no digest check, so they land and are deleted at once).
    expect(rec.writes().filter((e) => !e.key.includes('/.releng-preflight-'))).toEqual([]);
    expect((await sink('releases', prefix).list('')).length).toBe(0);
    // The CLI's bare --confirm off runners; the phrase.
    const r = await publish(live({ confirm: 'true', allowBareConfirm: true, dryRun: false }));
    expect(r.uploadedBytes).toBeGreaterThan(0);
    const again = await publish(live({ confirm: 'I want to release this to production', dryRun: false }));
    expect(again.uploadedBytes).toBe(0);
  });
});

describe('git', () => {
  test('the tag: already there is nothing to do; elsewhere is refused unless force-push-tag', async () => {
    const { project, built } = setup('2.93.0');
    const other = git(
      project.dir,
      'commit-tree',
      '-m',
      'other',
      git(project.dir, 'rev-parse', 'HEAD^{tree}'),
    );
    git(project.dir, 'push', '-q', project.remote, `${other}:refs/tags/2.93.0`);
    const err = await publish(opts(project, built)).catch((e: Error) => e);
    expect(String(err)).toMatch(
      /tag 2\.93\.0 on .* is [0-9a-f]{12}, not ours \([0-9a-f]{12}\); pass force-push-tag to move it/,
    );
    const r = await publish(opts(project, built, { forcePushTag: true }));
    expect(r.git[0]).toEqual(['refs/tags/2.93.0', 'moved (force-push-tag)', project.remote]);
    expect(git(project.remote, 'rev-parse', 'refs/tags/2.93.0')).toBe(
      git(project.dir, 'rev-parse', 'refs/tags/2.93.0'),
    );
  });

  test("a shallow checkout (actions/checkout's default) fetches its history before the tag is pushed", async () => {
    const { project, built } = setup('2.93.0');
    git(project.dir, 'commit', '-q', '--allow-empty', '-m', 'after');
    git(project.dir, 'checkout', '-q', '--detach', '2.93.0');
    // The forge holds the project; the job checks out the tag one commit deep, as runners do.
    const forge = path.join(path.dirname(project.remote), 'forge.git');
    git(path.dirname(forge), 'clone', '-q', '--bare', project.dir, forge);
    const shallow = path.join(path.dirname(project.remote), 'shallow');
    git(
      path.dirname(shallow),
      'clone',
      '-q',
      '--depth',
      '1',
      '--branch',
      '2.93.0',
      `file://${forge}`,
      shallow,
    );
    expect(git(shallow, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const only = {
      skip: ['cache', 'docker', 'releases', 'docs', 'installers', 'release-page'] as PublishOptions['skip'],
    };
    const r = await publish(opts({ ...project, dir: shallow }, built, only));
    expect(r.git[0]).toEqual(['refs/tags/2.93.0', 'pushed', project.remote]);
    expect(git(project.remote, 'rev-parse', 'refs/tags/2.93.0')).toBe(
      git(forge, 'rev-parse', 'refs/tags/2.93.0'),
    );
    // Without a remote to fetch the history from, preflight says how to check out instead; nothing pushed.
    const lone = path.join(path.dirname(project.remote), 'lone');
    git(path.dirname(lone), 'clone', '-q', '--depth', '1', '--branch', '2.93.0', `file://${forge}`, lone);
    git(lone, 'remote', 'remove', 'origin');
    const other = path.join(path.dirname(project.remote), 'other.git');
    git(path.dirname(other), 'init', '-q', '--bare', other);
    fs.writeFileSync(
      path.join(lone, 'releng.yml'),
      fs.readFileSync(path.join(lone, 'releng.yml'), 'utf8').replace(project.remote, other),
    );
    const err = await publish(opts({ ...project, dir: lone }, built, { ...only, noCheckGit: true })).catch(
      (e: Error) => e,
    );
    expect(String(err)).toMatch(
      /is a shallow clone, and its history could not be fetched from origin .*check out with full history \(actions\/checkout: fetch-depth: 0\)/,
    );
    expect(refs(other)).toBe('');
  });

  test('push-branch pushes the release branch and, for a new major, creates release-X.Y, before the tag; a re-run pushes nothing', async () => {
    const { project, built } = setup('2.95.0');
    const r = await publish(opts(project, built, { pushBranch: true }));
    const head = git(project.dir, 'rev-parse', 'main');
    expect(git(project.remote, 'rev-parse', 'refs/heads/main')).toBe(head);
    expect(git(project.remote, 'rev-parse', 'refs/heads/release-2.95')).toBe(head);
    expect(git(project.dir, 'rev-parse', 'refs/heads/release-2.95')).toBe(head);
    // The branch first, as Lix pushes: the forge knows the commit before the tag names it.
    expect(r.git).toEqual([
      ['refs/heads/main', 'pushed', project.remote],
      ['refs/heads/release-2.95', 'pushed', project.remote],
      ['refs/tags/2.95.0', 'pushed', project.remote],
    ]);
    const again = await publish(opts(project, built, { pushBranch: true }));
    expect(again.git.map((x) => x[1])).toEqual(['already there', 'already there', 'already there']);
  });
});
