// docker-multiarch as the release workflow runs it: the fixture flake's docker archives, built by the real
// nix for both systems and laid out as leg bundles, published by the bundled action (a fresh node with
// INPUT_*) and the CLI — to the `local` OCI layout and to a real registry. skopeo checks the results.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeLeg } from '../../src/bundle/leg.js';
import { scanArchive } from '../../src/oci/archive.js';
import { REF_NAME } from '../../src/oci/layout.js';
import { OCI } from '../../src/oci/media-types.js';
import { ROOT, runBundledAction, runCli } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import { nixEnv } from '../helpers/nix.js';
import { type RegistryServer, startRegistry } from '../helpers/registry.js';
import { snapshot } from '../helpers/snapshot.js';
import { tmpDir } from '../helpers/tmp.js';

const VERSION = '2.93.0';
const SYSTEMS = [
  ['x86_64-linux', 'amd64'],
  ['aarch64-linux', 'arm64'],
] as const;

let project: string;
let bundles: string;
const images: Record<string, { file: string; diffIds: string[]; config: string }> = {};
let reg: RegistryServer;
let home: string;

const skopeo = async (args: string[]) =>
  (await promisify(execFile)('skopeo', args, { encoding: 'utf8', maxBuffer: 16 << 20 })).stdout;

beforeAll(async () => {
  project = tmpDir('releng-docker-project-');
  fs.cpSync(path.join(ROOT, 'tests/fixtures/project'), project, { recursive: true });
  git(project, 'init', '-q', '-b', 'main');
  git(project, 'add', '-A');
  git(project, 'commit', '-q', '-m', 'project');
  // One build per system: `nix build --json` does not answer in the order of its arguments.
  const built = SYSTEMS.map(
    ([s]) =>
      (
        JSON.parse(
          execFileSync('nix', ['build', '--json', '--no-link', `.#release-jobs.dockerImage.${s}`], {
            cwd: project,
            env: nixEnv(),
            encoding: 'utf8',
          }),
        ) as { outputs: { out: string } }[]
      )[0]!,
  );
  // Leg bundles as build-artifacts writes them: leg.json with the image record, the archive beside it.
  bundles = path.join(tmpDir('releng-bundles-'), 'bundles');
  for (const [i, [system]] of SYSTEMS.entries()) {
    const leg = path.join(bundles, `leg-${system}`);
    fs.mkdirSync(leg, { recursive: true });
    const file = path.join(leg, `demo-${VERSION}-docker-image-${system}.tar.gz`);
    fs.copyFileSync(path.join(built[i]!.outputs.out, 'image.tar.gz'), file);
    const scan = await scanArchive(file, async (_e, body) => {
      const h = createHash('sha256');
      for await (const c of body) h.update(c);
      return { diffId: `sha256:${h.digest('hex')}` };
    });
    images[system] = { file, diffIds: scan.layers.map((l) => l.diffId), config: scan.configDigest };
    writeLeg(leg, {
      schema: 1,
      version: VERSION,
      system,
      storePaths: [],
      drvPaths: [],
      jobs: [],
      files: [],
      image: {
        path: path.basename(file),
        sha256: scan.sha256,
        architecture: scan.config.architecture,
        os: scan.config.os,
        diffIds: scan.layers.map((l) => l.diffId),
        config: scan.configDigest,
      },
    });
  }
  reg = await startRegistry();
  home = tmpDir('releng-docker-home-');
}, 600_000);

afterAll(async () => {
  await reg?.stop();
});

/** Where a run keeps its blob cache and looks for login files: a fresh one per "runner". */
const runner = () => {
  const h = tmpDir('releng-runner-home-');
  return { HOME: h, XDG_CACHE_HOME: path.join(h, '.cache') };
};

/** Every platform's layers, pulled back by skopeo, gunzip to the archive's layers. */
async function pullBack(source: string, extra: string[] = []) {
  for (const [system, arch] of SYSTEMS) {
    const out = path.join(tmpDir('releng-pull-'), 'img');
    await skopeo(['--override-arch', arch, 'copy', ...extra, source, `dir:${out}`]);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    const diffIds = manifest.layers.map(
      (l: { digest: string }) =>
        `sha256:${createHash('sha256')
          .update(zlib.gunzipSync(fs.readFileSync(path.join(out, l.digest.slice(7)))))
          .digest('hex')}`,
    );
    expect(diffIds).toEqual(images[system]!.diffIds);
    expect(manifest.config.digest).toBe(images[system]!.config);
  }
}

describe('docker-multiarch', () => {
  test('the bundled action, environment local: an OCI layout that skopeo reads, written once', async () => {
    const r = runBundledAction(
      'docker-multiarch',
      { bundles: `${bundles}/*`, environment: 'local', latest: 'true' },
      { cwd: project, env: runner() },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const layout = path.join(project, '.releng/local/oci');
    const ref = `oci-layout:${layout}`;
    expect(JSON.parse(r.outputs.digests!)).toEqual({ [ref]: r.outputs.digest });
    expect(JSON.parse(r.outputs.tags!)).toEqual({ [ref]: [VERSION, '2.93', 'latest'] });
    expect(r.summary).toContain(`Published docker images for ${VERSION}`);
    expect(r.summary).toMatch(/\| target \| tags \| index digest \| platforms \| sent \| skipped \|/);
    expect(r.stdout).toContain('docker: layers compressed');

    // A valid image layout: oci-layout, index.json naming each tag, every blob under its digest.
    expect(JSON.parse(fs.readFileSync(path.join(layout, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    expect(
      index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations[REF_NAME]).sort(),
    ).toEqual(['2.93', '2.93.0', 'latest']);
    for (const f of fs.readdirSync(path.join(layout, 'blobs/sha256')))
      expect(
        createHash('sha256')
          .update(fs.readFileSync(path.join(layout, 'blobs/sha256', f)))
          .digest('hex'),
      ).toBe(f);
    const raw = await skopeo(['inspect', '--raw', `oci:${layout}:${VERSION}`]);
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(r.outputs.digest);
    const idx = JSON.parse(raw);
    expect(idx.mediaType).toBe(OCI.index);
    expect(idx.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(
      ['amd64', 'arm64'],
    );
    expect(idx.annotations).toMatchObject({
      'org.opencontainers.image.title': 'demo',
      'org.opencontainers.image.version': VERSION,
    });
    await pullBack(`oci:${layout}:latest`);

    // Again: nothing changes on disk.
    const before = snapshot(layout);
    const again = runBundledAction(
      'docker-multiarch',
      { bundles: `${bundles}/*`, environment: 'local', latest: 'true' },
      { cwd: project, env: runner() },
    );
    expect(again.status, again.stderr).toBe(0);
    expect(again.outputs.digest).toBe(r.outputs.digest);
    expect(snapshot(layout)).toEqual(before);
  });

  test('the CLI to a registry; a re-run from a fresh runner sends no blob byte', async () => {
    reg.reset();
    const args = [
      'docker-multiarch',
      '--bundles',
      `${bundles}/*`,
      '--targets',
      `${reg.host}/demo/demo`,
      '--latest',
      'false',
    ];
    const first = runCli(args, { cwd: project, env: runner() });
    expect(first.status, first.stderr).toBe(0);
    expect(reg.uploadedBytes()).toBeGreaterThan(0);
    expect(reg.rangeProblems).toEqual([]);
    const tags = JSON.parse(
      await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.direct}/demo/demo`]),
    ).Tags.sort();
    expect(tags).toEqual(['2.93', '2.93.0']);
    await pullBack(`docker://${reg.direct}/demo/demo:${VERSION}`, ['--src-tls-verify=false']);

    reg.reset();
    const second = runCli(args, { cwd: project, env: runner() });
    expect(second.status, second.stderr).toBe(0);
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(reg.uploadedBytes()).toBe(0);
    expect(reg.requests.filter((q) => q.method !== 'GET' && q.method !== 'HEAD')).toEqual([]);
    expect(second.stderr).toMatch(/already published as sha256:[0-9a-f]{12} \(linux\/amd64\); not read/);
  });

  test('latest: auto leaves latest alone for a maintenance release', () => {
    const repo = tmpDir('releng-docker-maint-');
    fs.cpSync(project, repo, { recursive: true });
    git(repo, 'tag', '2.94.0');
    const r = runCli(
      ['docker-multiarch', '--bundles', `${bundles}/*`, '--targets', `${reg.host}/demo/maint`],
      { cwd: repo, env: runner() },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.outputs.tags!)).toEqual({ [`${reg.host}/demo/maint`]: [VERSION, '2.93'] });
    expect(r.stderr).toContain('latest: not moved — a newer release than 2.93.0 exists');
    git(repo, 'tag', '-d', '2.94.0');
    const fresh = runCli(
      ['docker-multiarch', '--bundles', `${bundles}/*`, '--targets', `${reg.host}/demo/maint`],
      { cwd: repo, env: runner() },
    );
    expect(JSON.parse(fresh.outputs.tags!)[`${reg.host}/demo/maint`]).toContain('latest');
  });

  test('a dry run reads everything and writes nothing', () => {
    const before = snapshot(reg.storage);
    const r = runCli(
      [
        'docker-multiarch',
        '--bundles',
        `${bundles}/*`,
        '--targets',
        `${reg.host}/demo/dry`,
        '--targets',
        'oci-layout:dry-layout',
        '--dry-run',
        'true',
      ],
      { cwd: project, env: runner() },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('Dry run: would publish docker images for 2.93.0');
    expect(snapshot(reg.storage)).toEqual(before);
    expect(fs.existsSync(path.join(project, 'dry-layout'))).toBe(false);
  });

  test('a {version} tag that names another release is refused, and moved with force', async () => {
    const target = `${reg.host}/demo/immutable`;
    const run = (...extra: string[]) =>
      runCli(
        ['docker-multiarch', '--bundles', `${bundles}/*`, '--targets', target, '--latest', 'false', ...extra],
        {
          cwd: project,
          env: runner(),
        },
      );
    const first = run('--annotations', 'org.opencontainers.image.vendor=one');
    expect(first.status, first.stderr).toBe(0);
    const refused = run('--annotations', 'org.opencontainers.image.vendor=two');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /refusing to move versioned tags: .*demo\/immutable:2\.93\.0 already names sha256:[0-9a-f]{12}, a different release/s,
    );
    const raw = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${reg.direct}/demo/immutable:2.93`,
    ]);
    expect(JSON.parse(raw).annotations['org.opencontainers.image.vendor']).toBe('one');
    const forced = run('--annotations', 'org.opencontainers.image.vendor=two', '--force', 'true');
    expect(forced.status, forced.stderr).toBe(0);
    const moved = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${reg.direct}/demo/immutable:2.93.0`,
    ]);
    expect(JSON.parse(moved).annotations['org.opencontainers.image.vendor']).toBe('two');
  });

  test('bad input: one line, exit 1, nothing published', () => {
    const bad = path.join(tmpDir('releng-bad-'), 'cut.tar.gz');
    const data = fs.readFileSync(images['x86_64-linux']!.file);
    fs.writeFileSync(bad, data.subarray(0, data.length - 200));
    const before = snapshot(reg.storage);
    const cases: [string[], RegExp][] = [
      [['--images', bad, '--targets', `${reg.host}/demo/bad`], /cut\.tar\.gz: the gzip stream is truncated/],
      [
        ['--images', bad, '--bundles', bundles, '--targets', `${reg.host}/demo/bad`],
        /give 'images' or 'bundles', not both/,
      ],
      [['--bundles', bundles], /no targets: pass 'environment'/],
      [['--bundles', bundles, '--targets', `${reg.host}/demo/bad:latest`], /has a tag \(':latest'\)/],
      [['--bundles', bundles, '--environment', 'staging'], /environment 'staging' is not defined/],
      [
        ['--bundles', bundles, '--targets', `${reg.host}/demo/bad`, '--username', 'only-user'],
        /give both 'username' and 'password'/,
      ],
      [
        ['--bundles', bundles, '--targets', `${reg.host}/demo/bad`, '--version', '2.94.0'],
        /leg bundles are of version 2\.93\.0 but this release is 2\.94\.0/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['docker-multiarch', ...args], { cwd: project, env: runner() });
      expect(r.status, args.join(' ')).toBe(1);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('releng docker-multiarch: error:')),
      ).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(snapshot(reg.storage)).toEqual(before);
    expect(home).toBeTruthy();
  });
});
