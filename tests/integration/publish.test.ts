// publish against a real S3 server (s3rver, behind a recording proxy), real nix caches and a bare git
// remote: the full publication, idempotent re-runs, the immutable rule and force, the maintenance rule,
// dry-run, docs sync, preflight, confirmation, and the order in which a reader sees things appear.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { hashHex, parseNarInfo, signedBy } from '../../src/publish/narinfo.js';
import { type PublishOptions, publish } from '../../src/stages/publish.js';
import { S3Sink } from '../../src/storage/s3.js';
import { git } from '../helpers/git.js';
import {
  type Built,
  buildRelease,
  makeProject,
  NAME,
  nixKey,
  type Project,
  recordingLogger,
  refs,
  snapshot,
} from '../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { type Recorder, startRecorder } from '../helpers/s3-recorder.js';

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
  return {
    dir: project.dir,
    configPath: path.join(project.dir, 'releng.yml'),
    environment: 'staging',
    source: { release: built.release },
    force: false,
    forcePushTag: false,
    pushBranch: false,
    noCheckGit: false,
    dryRun: false,
    skip: ['docker'],
    s3AccessKeyId: s3.credentials.accessKeyId,
    s3SecretAccessKey: s3.credentials.secretAccessKey,
    env: { TEST_SIGNING_KEY: key.secret },
    log: silentLogger,
    partSize: 5 * 1024 * 1024,
    ...extra,
  };
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
