// The jobs evaluator against the real nix of the tests: the rehearsal fixture's flake, and the Lix-shaped
// one (profiles, flake paths outside the release jobs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { evalJobs, evalSystemJobs, type NixJob } from '../../src/nix/jobs.js';
import { ROOT } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import { NIX_CONFIG } from '../helpers/nix.js';
import { LIX_FIXTURE } from '../helpers/project.js';
import { tmpDir } from '../helpers/tmp.js';

let repo: string;
beforeAll(() => {
  repo = tmpDir('releng-jobs-');
  fs.cpSync(path.join(ROOT, 'tests/fixtures/project'), repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
});

test('every derivation below release-jobs, by dotted attr, with system, drv and outputs', async () => {
  const jobs = await evalJobs(repo, '.#release-jobs');
  expect(jobs.map((j) => `${j.attr} ${j.system}`)).toEqual([
    'binaryTarball.aarch64-linux aarch64-linux',
    'binaryTarball.x86_64-linux x86_64-linux',
    'build.aarch64-linux aarch64-linux',
    'build.x86_64-linux x86_64-linux',
    'dockerImage.aarch64-linux aarch64-linux',
    'dockerImage.x86_64-linux x86_64-linux',
    'installer.aarch64-linux aarch64-linux',
    'installer.x86_64-linux x86_64-linux',
    'tarballs x86_64-linux',
  ]);
  const build = jobs.find((j) => j.attr === 'build.x86_64-linux')!;
  expect(Object.keys(build.outputs).sort()).toEqual(['doc', 'out']);
  expect(build.drvPath).toMatch(/^\/nix\/store\/[a-z0-9]{32}-demo-2\.93\.0\.drv$/);
});

test('a missing jobs attribute and an evaluation error are one clear line', async () => {
  await expect(evalJobs(repo, '.#no-such-jobs')).rejects.toThrow(
    '.#no-such-jobs: the flake has no such attribute; set build.jobs in releng.yml to its release jobs',
  );
  const broken = tmpDir('releng-broken-');
  fs.writeFileSync(
    path.join(broken, 'flake.nix'),
    '{ outputs = { self }: { release-jobs = throw "boom in the flake"; }; }\n',
  );
  git(broken, 'init', '-q', '-b', 'main');
  git(broken, 'add', '-A');
  await expect(evalJobs(broken, '.#release-jobs')).rejects.toThrow(
    /^\.#release-jobs: evaluation failed: .*boom in the flake.*; fix the flake$/,
  );
});

test('realise builds each job with GC roots, and a failing build names its attr and log tail', async () => {
  const { realiseJobs, derivationOutputs } = await import('../../src/nix/realise.js');
  const { silentLogger } = await import('../../src/log.js');
  const jobs = (await evalJobs(repo, '.#release-jobs')).filter((j) => j.attr === 'build.aarch64-linux');
  const roots = tmpDir('releng-roots-');
  await realiseJobs(jobs, roots, silentLogger);
  expect(fs.readdirSync(roots).sort()).toEqual(['build.aarch64-linux', 'build.aarch64-linux-doc']);
  expect((await derivationOutputs(jobs[0]!.drvPath)).sort()).toEqual(Object.values(jobs[0]!.outputs).sort());
  expect(fs.existsSync(path.join(jobs[0]!.outputs.out!, 'bin/demo'))).toBe(true);

  const failing = tmpDir('releng-failing-');
  fs.writeFileSync(
    path.join(failing, 'flake.nix'),
    `{ outputs = { self }: { release-jobs.broken = derivation { name = "broken-${Date.now()}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo compiling; echo the compiler says no >&2; exit 3" ]; }; }; }\n`,
  );
  git(failing, 'init', '-q', '-b', 'main');
  git(failing, 'add', '-A');
  const broken = await evalJobs(failing, '.#release-jobs');
  await expect(realiseJobs(broken, tmpDir('releng-roots-'), silentLogger)).rejects.toThrow(
    /^building broken \(\/nix\/store\/.*\.drv\) failed: .*the compiler says no.*; see the build log above$/,
  );
});

describe("Lix's shape: profiles of release-jobs.nix and flake paths outside it", () => {
  let lix: string;
  beforeAll(() => {
    lix = tmpDir('releng-lix-jobs-');
    fs.cpSync(LIX_FIXTURE, lix, { recursive: true });
    git(lix, 'init', '-q', '-b', 'main');
    git(lix, 'add', '-A');
  });

  test('a profile is evaluated as JOBS.PROFILE; one it lacks is a line naming the ones it has', async () => {
    const jobs = await evalJobs(lix, '.#release-jobs', undefined, { profile: 'all' });
    expect(jobs.map((j) => `${j.attr} ${j.system}`)).toEqual([
      'build.aarch64-darwin aarch64-darwin',
      'build.aarch64-linux aarch64-linux',
      'build.x86_64-linux x86_64-linux',
      'tarballs x86_64-linux',
    ]);
    expect(
      (await evalJobs(lix, '.#release-jobs', undefined, { profile: 'x86_64-linux-only' })).map((j) => j.attr),
    ).toEqual(['build.x86_64-linux', 'tarballs']);
    await expect(evalJobs(lix, '.#release-jobs', undefined, { profile: 'everything' })).rejects.toThrow(
      "profile 'everything': .#release-jobs has no such attribute (it has all, build, tarballsFor, x86_64-linux-only); pass one of its profiles (input 'profile' or releng.yml build.profile)",
    );
  });

  test('a flake path per system: the leg instantiated, others only checked, a system without it null', async () => {
    const r = await evalSystemJobs(
      lix,
      '.#hydraJobs.dockerImage.{system}.tarball',
      ['aarch64-darwin', 'aarch64-linux', 'x86_64-linux'],
      ['x86_64-linux'],
    );
    expect(r.bySystem['aarch64-linux']).toBe('present');
    expect(r.bySystem['aarch64-darwin']).toBeNull();
    expect(r.missing).toEqual({ at: '.#hydraJobs.dockerImage', has: ['aarch64-linux', 'x86_64-linux'] });
    const job = r.bySystem['x86_64-linux'] as NixJob;
    expect(job).toMatchObject({
      attr: '.#hydraJobs.dockerImage.x86_64-linux.tarball',
      system: 'x86_64-linux',
    });
    expect(job.drvPath).toMatch(/^\/nix\/store\/[a-z0-9]{32}-docker-image-tarball-2\.93\.0\.drv$/);
    expect(fs.existsSync(job.drvPath)).toBe(true);
    expect(Object.keys(job.outputs)).toEqual(['out']);
    // Not a derivation; nothing at all (the first attribute missing).
    const attrs = await evalSystemJobs(lix, '.#hydraJobs.build.{system}.drvAttrs', ['x86_64-linux'], []);
    expect(attrs.bySystem).toEqual({ 'x86_64-linux': 'not-a-derivation' });
    const none = await evalSystemJobs(lix, '.#hydraJob.build.{system}', ['x86_64-linux'], ['x86_64-linux']);
    expect(none).toEqual({ bySystem: { 'x86_64-linux': null }, missing: { at: '.', has: [] } });
  });

  test('template text reaches Nix as data: a component that would interpolate is only a name', async () => {
    const hostile = `.#hydraJobs.dockerImage.{system}"; x = \${throw "pwned"}; y = "`;
    const r = await evalSystemJobs(lix, hostile, ['x86_64-linux'], ['x86_64-linux']);
    expect(r.bySystem).toEqual({ 'x86_64-linux': null });
    expect(r.missing?.at).toBe('.#hydraJobs.dockerImage');
  });

  test('nix calls enable the experimental features they use (a nix.conf without them)', async () => {
    const saved = process.env.NIX_CONFIG;
    process.env.NIX_CONFIG = NIX_CONFIG.split('\n')
      .filter((l) => !l.startsWith('experimental-features'))
      .join('\n');
    try {
      // This configuration really lacks them: a bare `nix eval` is refused.
      expect(() => execFileSync('nix', ['eval', '--expr', '1'], { stdio: 'pipe' })).toThrow(
        /experimental Nix feature 'nix-command' is disabled/,
      );
      const jobs = await evalJobs(lix, '.#release-jobs', undefined, { profile: 'all' });
      const darwin = jobs.filter((j) => j.attr === 'build.aarch64-darwin');
      const tarball = await evalSystemJobs(lix, '.#hydraJobs.binaryTarball.{system}', ['aarch64-darwin'], []);
      expect(tarball.bySystem).toEqual({ 'aarch64-darwin': 'present' });
      const { realiseJobs } = await import('../../src/nix/realise.js');
      const { copyToCache } = await import('../../src/nix/cache.js');
      const { silentLogger } = await import('../../src/log.js');
      await realiseJobs(darwin, tmpDir('releng-roots-'), silentLogger);
      const cache = tmpDir('releng-cache-');
      await copyToCache(cache, [darwin[0]!.drvPath], Object.values(darwin[0]!.outputs), silentLogger);
      expect(fs.readdirSync(cache).filter((n) => n.endsWith('.narinfo'))).toHaveLength(3);
    } finally {
      process.env.NIX_CONFIG = saved;
    }
  });
});
