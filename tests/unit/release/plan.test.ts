// What each leg builds (planBuild) and the nix-eval-jobs path of the evaluator, with a stand-in
// nix-eval-jobs on PATH (Debian has none; the nix eval path runs against real nix in the integration tests).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { evalJobs, type NixJob } from '../../src/nix/jobs.js';
import { planBuild } from '../../src/release/plan.js';
import { tmpDir } from '../helpers/tmp.js';

const job = (
  attr: string,
  system: string,
  outputs: Record<string, string> = { out: `/nix/store/${attr}` },
) => ({
  attr,
  system,
  drvPath: `/nix/store/${attr}.drv`,
  outputs,
});
const SYSTEMS = ['x86_64-linux', 'aarch64-linux'];
const JOBS: NixJob[] = [
  ...SYSTEMS.flatMap((s) => [
    job(`build.${s}`, s, { out: `/nix/store/out-${s}`, doc: `/nix/store/doc-${s}` }),
    job(`binaryTarball.${s}`, s),
    job(`tests.${s}`, s),
  ]),
  job('dockerImage.x86_64-linux', 'x86_64-linux'),
  job('tarballs', 'x86_64-linux'),
];
const config = (yaml = '') => parseConfig(`build:\n  systems: [x86_64-linux, aarch64-linux]\n${yaml}`).build;
const attrs = (js: { attr: string }[] | null) => js?.map((j) => j.attr) ?? null;

describe('planBuild', () => {
  test('each leg: its per-system jobs and its role jobs; aggregates are not built; the cache skips tree-only jobs', () => {
    const plan = planBuild(JOBS, config(), SYSTEMS, 'all');
    expect(plan.flakeSystems).toEqual(['aarch64-linux', 'x86_64-linux']);
    expect(attrs(plan.aggregates)).toEqual(['tarballs']);
    expect(plan.manualSystem).toBe('x86_64-linux');
    const [x86, arm] = plan.legs;
    expect(attrs(x86!.jobs)).toEqual([
      'binaryTarball.x86_64-linux',
      'build.x86_64-linux',
      'dockerImage.x86_64-linux',
      'tests.x86_64-linux',
    ]);
    expect(attrs(x86!.cacheJobs)).toEqual(['build.x86_64-linux', 'tests.x86_64-linux']);
    expect(x86!.manual?.attr).toBe('build.x86_64-linux');
    // No image job for aarch64-linux: no image, not an error.
    expect(arm!.dockerImage).toBeNull();
    expect(arm!.manual).toBeNull();
    expect(attrs(arm!.jobs)).toEqual([
      'binaryTarball.aarch64-linux',
      'build.aarch64-linux',
      'tests.aarch64-linux',
    ]);
  });

  test('templates are configurable; null turns a role off', () => {
    const plan = planBuild(
      JOBS,
      config('  binary-tarball: null\n  docker-image: null\n  package: tests.{system}\n'),
      ['aarch64-linux'],
      'all',
    );
    expect(plan.legs[0]!.binaryTarball).toBeNull();
    expect(plan.legs[0]!.package?.attr).toBe('tests.aarch64-linux');
    // Not in a role any more: binaryTarball.* is an ordinary per-system job, so it is cached.
    expect(attrs(plan.legs[0]!.cacheJobs)).toContain('binaryTarball.aarch64-linux');
  });

  test('target manual: the manual-from job alone, in its system', () => {
    const plan = planBuild(JOBS, config(), SYSTEMS, 'manual');
    expect(plan.legs.map((l) => [l.system, attrs(l.jobs), l.package, attrs(l.cacheJobs)])).toEqual([
      ['x86_64-linux', ['build.x86_64-linux'], null, []],
    ]);
    expect(() => planBuild(JOBS, config(), ['aarch64-linux'], 'manual')).toThrow(
      "target manual: the manual comes from build.x86_64-linux (x86_64-linux), which is not among the systems to build (aarch64-linux); add x86_64-linux to input 'systems'",
    );
  });

  test.each([
    [
      'a system the flake lacks',
      () => planBuild(JOBS, config(), ['aarch64-darwin', 'x86_64-linux'], 'all'),
      "systems: aarch64-darwin: .#release-jobs has no job for it; it has jobs for aarch64-linux, x86_64-linux — fix input 'systems' or releng.yml build.systems",
    ],
    [
      'no jobs at all',
      () => planBuild([], config(), SYSTEMS, 'all'),
      '.#release-jobs: no derivations below it; set build.jobs in releng.yml to the release jobs',
    ],
    [
      'a manual-from job that does not exist',
      () => planBuild(JOBS, config('  manual-from: build.x86-64-linux\n'), SYSTEMS, 'all'),
      "releng.yml build.manual-from: .#release-jobs has no job 'build.x86-64-linux' (it has build.x86_64-linux, build.aarch64-linux); name the job whose doc output holds the manual",
    ],
    [
      'a manual-from job without a doc output',
      () => planBuild(JOBS, config('  manual-from: tests.x86_64-linux\n'), SYSTEMS, 'all'),
      "releng.yml build.manual-from: job 'tests.x86_64-linux' has no 'doc' output (it has out); name the job whose doc output holds the manual",
    ],
    [
      'a package template that misses one system',
      () =>
        planBuild(
          [...JOBS, job('pkg.x86_64-linux', 'x86_64-linux')],
          config('  package: pkg.{system}\n'),
          SYSTEMS,
          'all',
        ),
      "releng.yml build.package: .#release-jobs has no job 'pkg.aarch64-linux' for aarch64-linux (it has pkg.x86_64-linux); every released system needs its package (manifest.nix)",
    ],
    [
      'a role template that matches nothing',
      () => planBuild(JOBS, config('  installer: installers.{system}\n'), SYSTEMS, 'all'),
      /^releng\.yml build\.installer: 'installers\.\{system\}' matches no job of \.#release-jobs for any system \(aarch64-linux, x86_64-linux\) \(it has .*\); fix it, or set it to null when the project has none$/,
    ],
  ] as const)('refuses %s', (_, fn, message) => {
    expect(fn).toThrow(message);
  });

  test('a template without {system} is a config error naming the key', () => {
    expect(() => parseConfig('build:\n  docker-image: dockerImage\n', 'r.yml')).toThrow(
      /^r\.yml:2: key 'build\.docker-image': a job attr with \{system\}, such as binaryTarball\.\{system\}/,
    );
  });
});

describe('evalJobs with nix-eval-jobs on PATH', () => {
  test('its JSON lines, gc roots dir passed, an evaluation error per job named', async () => {
    const bin = tmpDir('releng-nej-');
    const argsFile = path.join(bin, 'args');
    const script = (lines: string[]) =>
      `#!/bin/sh\n[ "$1" = --help ] && exit 0\necho "$@" > ${argsFile}\ncat <<'EOF'\n${lines.join('\n')}\nEOF\n`;
    const nej = path.join(bin, 'nix-eval-jobs');
    const line = (attr: string, system: string) =>
      JSON.stringify({
        attr,
        attrPath: attr.split('.'),
        drvPath: `/nix/store/${attr}.drv`,
        name: attr,
        system,
        outputs: { out: `/nix/store/${attr}` },
      });
    fs.writeFileSync(
      nej,
      script([line('build.x86_64-linux', 'x86_64-linux'), line('build.aarch64-linux', 'aarch64-linux')]),
      { mode: 0o755 },
    );
    const PATH = process.env.PATH;
    process.env.PATH = `${bin}:${PATH}`;
    try {
      const jobs = await evalJobs(bin, '.#release-jobs', undefined, { gcRootsDir: '/tmp/roots' });
      expect(jobs.map((j) => [j.attr, j.system])).toEqual([
        ['build.aarch64-linux', 'aarch64-linux'],
        ['build.x86_64-linux', 'x86_64-linux'],
      ]);
      expect(fs.readFileSync(argsFile, 'utf8').trim()).toBe(
        '--force-recurse --gc-roots-dir /tmp/roots --flake .#release-jobs',
      );
      fs.writeFileSync(
        nej,
        script([
          JSON.stringify({
            attr: 'build.x86_64-linux',
            attrPath: ['build', 'x86_64-linux'],
            error: "error: undefined variable 'boom'",
          }),
        ]),
        { mode: 0o755 },
      );
      await expect(evalJobs(bin, '.#release-jobs')).rejects.toThrow(
        ".#release-jobs: evaluating build.x86_64-linux failed: error: undefined variable 'boom'; fix the flake",
      );
    } finally {
      process.env.PATH = PATH;
    }
  });
});
