// src/publish/release-input.ts: the release publish works from — an artifacts dir, or merged legs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { MergedRelease } from '../../../src/bundle/release.js';
import { silentLogger } from '../../../src/log.js';
import {
  damagedFiles,
  fromArtifactsDir,
  fromMerged,
  loadRelease,
  manifestSystems,
  manualTree,
  systemProblems,
} from '../../../src/publish/release-input.js';
import { manifestText } from '../../../src/release/tree.js';
import { sha, treeFiles } from '../../helpers/release-tree.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

const V = 'demo/demo-1.0.0';

function releaseDir(extra: Record<string, string> = {}): string {
  const dir = tmpDir();
  writeFiles(path.join(dir, 'artifacts'), {
    'manifest.nix': '{ }',
    [`${V}/demo-1.0.0-docker-image-x86_64-linux.tar.gz`]: 'image',
    [`${V}/demo-1.0.0-docker-image-x86_64-linux.tar.gz.sha256`]: sha('image'),
    [`${V}/manual/index.html`]: 'tree manual',
    ...extra,
  });
  return dir;
}

const merged = (o: Partial<MergedRelease> = {}): MergedRelease => ({
  version: '1.0.0',
  systems: ['x86_64-linux'],
  files: [],
  manualDir: null,
  caches: [],
  storePaths: ['/nix/store/a'],
  drvPaths: ['/nix/store/a.drv'],
  images: [],
  legs: [],
  cachePaths: [],
  ...o,
});

describe('an artifacts dir (the reference release/ directory)', () => {
  test('the tree, unhashed; images by their names; the manual beside it, else in the version dir; drvs.txt', async () => {
    const dir = releaseDir();
    const r1 = await fromArtifactsDir(path.join(dir, 'artifacts'), 'demo', '1.0.0', silentLogger);
    expect(r1.files.map((f) => [f.path, f.sha256])).toEqual([
      [`${V}/demo-1.0.0-docker-image-x86_64-linux.tar.gz`, ''],
      [`${V}/demo-1.0.0-docker-image-x86_64-linux.tar.gz.sha256`, ''],
      [`${V}/manual/index.html`, ''],
      ['manifest.nix', ''],
    ]);
    expect(r1.images).toEqual([
      {
        file: path.join(dir, 'artifacts', V, 'demo-1.0.0-docker-image-x86_64-linux.tar.gz'),
        system: 'x86_64-linux',
      },
    ]);
    expect(r1.manualDir).toBe(path.join(dir, 'artifacts', V, 'manual'));
    expect(r1.cache).toEqual({
      kind: 'none',
      why: `${path.join(dir, 'drvs.txt')} not found (the derivations to put in the cache)`,
    });
    expect(r1.recorded).toBe(false);
    writeFiles(dir, {
      'manual/index.html': 'manual',
      'drvs.txt': '/nix/store/a.drv\n\n /nix/store/b.drv \n',
    });
    const r2 = await fromArtifactsDir(path.join(dir, 'artifacts'), 'demo', '1.0.0', silentLogger);
    expect(r2.manualDir).toBe(path.join(dir, 'manual'));
    expect(r2.cache).toEqual({ kind: 'store', paths: ['/nix/store/a.drv', '/nix/store/b.drv'] });
  });

  test('not a directory, or the tree of another version: one line naming it', async () => {
    const dir = releaseDir();
    await expect(fromArtifactsDir(path.join(dir, 'nope'), 'demo', '1.0.0', silentLogger)).rejects.toThrow(
      /artifacts-dir .*\/nope: not a directory/,
    );
    await expect(
      fromArtifactsDir(path.join(dir, 'artifacts'), 'demo', '1.0.1', silentLogger),
    ).rejects.toThrow(
      'has no demo/demo-1.0.1/ (the release tree of demo 1.0.1); is it the tree of another version or project?',
    );
  });
});

describe('merged legs', () => {
  test("the cache source is the merge's list of the leg caches' paths, with every top-level path and drv", () => {
    const cachePaths = [
      {
        storePath: '/nix/store/a',
        narHash: 'h',
        narSize: 1,
        references: [],
        cache: '/c',
        narinfo: '/c/a.narinfo',
        nar: '/c/a.nar',
        listing: null,
        info: {
          storePath: '/nix/store/a',
          url: 'nar/a.nar',
          compression: 'none',
          narHash: 'h',
          narSize: 1,
          references: [],
          sigs: [],
        },
      },
    ];
    const r = fromMerged(merged({ caches: [{ system: 'x86_64-linux', dir: '/c' }], cachePaths }), 'legs');
    expect(r.cache).toEqual({
      kind: 'caches',
      caches: [{ system: 'x86_64-linux', dir: '/c' }],
      cachePaths,
      storePaths: ['/nix/store/a', '/nix/store/a.drv'],
    });
    expect(r.recorded).toBe(true);
    expect(fromMerged(merged(), 'legs').cache).toEqual({
      kind: 'none',
      why: 'the leg bundles (legs) carry no nix cache',
    });
  });

  test("legs of another version or project are refused against the checkout's", async () => {
    const o = { dir: '/project', name: 'demo', version: '1.0.1', log: silentLogger };
    await expect(loadRelease({ release: merged(), origin: 'legs' }, o)).rejects.toThrow(
      "legs is a build of 1.0.0, but version.json in /project says 1.0.1; publish from the checkout of the release's tag",
    );
    await expect(
      loadRelease({ release: merged({ name: 'other' }) }, { ...o, version: '1.0.0' }),
    ).rejects.toThrow("the merged release: the legs are a build of 'other', but releng.yml says name: demo");
  });
});

describe('before writing', () => {
  test('a leg file whose bytes no longer match leg.json is damaged; files not about to be written are not read', async () => {
    const files = treeFiles({ a: 'aaa', b: 'bbb' });
    const release = fromMerged(merged({ files }), 'legs');
    expect(await damagedFiles(release, [files[0]!.source])).toEqual([]);
    fs.writeFileSync(files[0]!.source, 'AAA');
    fs.writeFileSync(files[1]!.source, 'BBB');
    expect(await damagedFiles(release, [files[0]!.source])).toEqual([
      `${files[0]!.source}: its sha256 is ${sha('AAA')} but leg.json records ${sha('aaa')}; the leg bundle was changed or damaged after the build: download or build it again`,
    ]);
    // An artifacts dir records nothing to compare with.
    expect(await damagedFiles({ ...release, recorded: false }, [files[0]!.source])).toEqual([]);
  });

  test("the manual's files, hashed, by path", async () => {
    const dir = tmpDir();
    writeFiles(dir, { 'b.html': 'b', 'css/a.css': 'a' });
    expect((await manualTree(dir)).map((f) => [f.path, f.size, f.sha256])).toEqual([
      ['b.html', 1, sha('b')],
      ['css/a.css', 1, sha('a')],
    ]);
  });
});

describe('every system of build.systems, or nothing', () => {
  const SYSTEMS = ['aarch64-darwin', 'aarch64-linux', 'x86_64-linux'];
  const release = (systems: string[], target: 'all' | 'manual' = 'all') => ({
    ...fromMerged(merged({ systems }), 'legs/*'),
    target,
  });

  test('a release lacking systems is refused naming them; allow-missing-systems lets it through', () => {
    const r = release(['x86_64-linux']);
    expect(systemProblems(r, SYSTEMS, [])).toEqual([
      "legs/*: the release lacks aarch64-darwin, aarch64-linux of releng.yml build.systems (it has x86_64-linux); publish every system's leg, or pass allow-missing-systems: aarch64-darwin,aarch64-linux to publish without them",
    ]);
    expect(systemProblems(r, SYSTEMS, ['aarch64-darwin'])).toEqual([
      expect.stringContaining('the release lacks aarch64-linux of releng.yml build.systems'),
    ]);
    expect(systemProblems(r, SYSTEMS, ['aarch64-darwin', 'aarch64-linux'])).toEqual([]);
    expect(systemProblems(release(SYSTEMS), SYSTEMS, [])).toEqual([]);
  });

  test('allow-missing-systems may name only systems of build.systems (a typo hides nothing)', () => {
    expect(systemProblems(release(SYSTEMS), SYSTEMS, ['aarch64-darwn'])).toEqual([
      "input 'allow-missing-systems': aarch64-darwn is not in releng.yml build.systems (aarch64-darwin, aarch64-linux, x86_64-linux); name only systems the release could lack",
    ]);
  });

  test('a manual-only release has no systems to lack', () => {
    expect(systemProblems(release([], 'manual'), SYSTEMS, [])).toEqual([]);
  });

  test("an artifacts dir's systems are its root manifest.nix's entries", () => {
    const text = manifestText('Demo', {
      'x86_64-linux': '/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-demo',
      'aarch64-darwin': '/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-demo',
    });
    expect(manifestSystems(text)).toEqual(['aarch64-darwin', 'x86_64-linux']);
    expect(manifestSystems('{ }')).toEqual([]);
  });
});
