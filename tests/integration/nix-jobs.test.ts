// The jobs evaluator against the real nix of the tests and the rehearsal fixture's flake.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { evalJobs } from '../../src/nix/jobs.js';
import { ROOT } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import '../helpers/nix.js';
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
