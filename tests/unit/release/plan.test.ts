// What each leg builds (planBuild): jobs below build.jobs, and templates naming flake paths of their own
// (Lix's `.#hydraJobs.dockerImage.{system}.tarball`) as evalSystemJobs answers them.
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { NixJob, SystemJobs } from '../../../src/nix/jobs.js';
import { planBuild } from '../../../src/release/plan.js';

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

describe('templates naming flake paths of their own (Lix: release-jobs.nix holds only build and tarballs)', () => {
  const LIX = ['x86_64-linux', 'aarch64-linux', 'aarch64-darwin'];
  const LIX_JOBS: NixJob[] = [
    ...LIX.map((s) => job(`build.${s}`, s, { out: `/nix/store/lix-${s}`, doc: `/nix/store/lix-doc-${s}` })),
    job('tarballs', 'x86_64-linux'),
  ];
  const lix = (yaml = '') =>
    config(
      `  binary-tarball: .#hydraJobs.binaryTarball.{system}\n  docker-image: .#hydraJobs.dockerImage.{system}.tarball\n${yaml}`,
    );
  /** evalSystemJobs' answer: the leg's systems instantiated, the others only present, darwin without an image. */
  const answer = (template: string, legs: string[], without: string[] = []): SystemJobs => ({
    bySystem: Object.fromEntries(
      LIX.map((s) => {
        const attr = template.split('{system}').join(s);
        return [s, without.includes(s) ? null : legs.includes(s) ? job(attr, s) : 'present'];
      }),
    ),
  });
  const flakePaths = (legs: string[]) => ({
    'binary-tarball': answer('.#hydraJobs.binaryTarball.{system}', legs),
    'docker-image': answer('.#hydraJobs.dockerImage.{system}.tarball', legs, ['aarch64-darwin']),
  });

  test('each leg: its package from the jobs, its release files from the flake paths; darwin has no image', () => {
    const legs = ['x86_64-linux', 'aarch64-darwin'];
    const plan = planBuild(LIX_JOBS, lix(), legs, 'all', {
      flakePaths: flakePaths(legs),
      jobsInstallable: '.#release-jobs.all',
    });
    expect(attrs(plan.aggregates)).toEqual(['tarballs']);
    const [x86, darwin] = plan.legs;
    expect(attrs(x86!.jobs)).toEqual([
      '.#hydraJobs.binaryTarball.x86_64-linux',
      '.#hydraJobs.dockerImage.x86_64-linux.tarball',
      'build.x86_64-linux',
    ]);
    expect(attrs(x86!.cacheJobs)).toEqual(['build.x86_64-linux']);
    expect(x86!.dockerImage?.attr).toBe('.#hydraJobs.dockerImage.x86_64-linux.tarball');
    expect(darwin!.dockerImage).toBeNull();
    expect(darwin!.binaryTarball?.attr).toBe('.#hydraJobs.binaryTarball.aarch64-darwin');
    expect(attrs(darwin!.jobs)).toEqual(['.#hydraJobs.binaryTarball.aarch64-darwin', 'build.aarch64-darwin']);
  });

  test.each([
    [
      'a flake path that names nothing for any system',
      () =>
        planBuild(LIX_JOBS, lix(), ['x86_64-linux'], 'all', {
          flakePaths: {
            ...flakePaths(['x86_64-linux']),
            'docker-image': {
              bySystem: Object.fromEntries(LIX.map((s) => [s, null])),
              missing: { at: '.#hydraJobs', has: ['binaryTarball', 'build', 'dockerImage'] },
            },
          },
        }),
      "releng.yml build.docker-image: '.#hydraJobs.dockerImage.{system}.tarball' names nothing in the flake for any system (aarch64-darwin, aarch64-linux, x86_64-linux) (.#hydraJobs has binaryTarball, build, dockerImage); fix it, or set it to null when the project has none",
    ],
    [
      'a flake path that is not a derivation',
      () =>
        planBuild(LIX_JOBS, lix(), ['aarch64-linux'], 'all', {
          flakePaths: {
            ...flakePaths(['aarch64-linux']),
            'binary-tarball': {
              bySystem: {
                'x86_64-linux': 'present',
                'aarch64-linux': 'not-a-derivation',
                'aarch64-darwin': null,
              },
            },
          },
        }),
      "releng.yml build.binary-tarball: '.#hydraJobs.binaryTarball.aarch64-linux' is not a derivation; name the derivation whose output holds the file (e.g. Lix's dockerImage.{system}.tarball)",
    ],
    [
      'a package flake path one leg lacks',
      () =>
        planBuild(LIX_JOBS, lix('  package: .#packages.{system}.default\n'), ['aarch64-darwin'], 'all', {
          flakePaths: {
            ...flakePaths(['aarch64-darwin']),
            package: {
              bySystem: { 'x86_64-linux': 'present', 'aarch64-linux': 'present', 'aarch64-darwin': null },
            },
          },
        }),
      "releng.yml build.package: the flake has no derivation '.#packages.aarch64-darwin.default' for aarch64-darwin; every released system needs its package (manifest.nix)",
    ],
    [
      'a system the profile does not build',
      () =>
        planBuild(LIX_JOBS.slice(0, 1), lix(), ['aarch64-linux'], 'all', {
          flakePaths: flakePaths(['aarch64-linux']),
          jobsInstallable: '.#release-jobs.x86_64-linux-only',
        }),
      "systems: aarch64-linux: .#release-jobs.x86_64-linux-only has no job for it; it has jobs for x86_64-linux — fix input 'systems' or releng.yml build.systems",
    ],
  ] as const)('refuses %s', (_, fn, message) => {
    expect(fn).toThrow(message);
  });

  test.each([
    ['{system} in the first attribute', '.#{system}.binaryTarball'],
    ['a quote in an attribute', '.#hydraJobs."binaryTarball".{system}'],
    ['an interpolation', `.#hydraJobs.\${builtins.abort "x"}.{system}`],
    ['no attribute after the #', '.#{system}'],
  ])('a flake path with %s is a config error naming the key', (_, template) => {
    expect(() => parseConfig(`build:\n  binary-tarball: '${template}'\n`, 'r.yml')).toThrow(
      /^r\.yml:2: key 'build\.binary-tarball': a flake attribute path FLAKE#a\.b\.\{system\}… of plain attribute names, the first without \{system\}/,
    );
  });

  test('a profile is one attribute name', () => {
    expect(parseConfig('build:\n  profile: x86_64-linux-only\n').build.profile).toBe('x86_64-linux-only');
    expect(() => parseConfig('build:\n  profile: all.build\n', 'r.yml')).toThrow(
      /^r\.yml:2: key 'build\.profile': an attribute name such as all or x86_64-linux-only/,
    );
  });
});
