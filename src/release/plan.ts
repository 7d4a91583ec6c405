import type { BuildConfig } from '../config/schema.js';
import { RelengError } from '../errors.js';
import type { NixJob, SystemJobs } from '../nix/jobs.js';

/** What one leg (one system) builds, and which job plays which part in the release tree. */
export interface LegPlan {
  system: string;
  /** Every job the leg builds, sorted by attr. */
  jobs: NixJob[];
  /** The package (manifest.nix, cache); null with target manual. */
  package: NixJob | null;
  binaryTarball: NixJob | null;
  dockerImage: NixJob | null;
  installer: NixJob | null;
  /** The manual-from job, in its system's leg only. */
  manual: NixJob | null;
  /** Jobs whose drv and output closures go to the leg's cache: all but the release-tree-only ones. */
  cacheJobs: NixJob[];
}

export interface BuildPlan {
  legs: LegPlan[];
  /** Systems the flake's per-system jobs cover, sorted. */
  flakeSystems: string[];
  /** Jobs no leg builds because their attr names no system (aggregates such as Lix's `tarballs`). */
  aggregates: NixJob[];
  /** The system whose leg makes the manual and the source tarball. */
  manualSystem: string;
}

/** True when the job's attr path names its own system (Hydra's `job.SYSTEM` convention). */
export function isPerSystem(job: NixJob): boolean {
  return job.attr.split('.').includes(job.system);
}

export function jobAttr(template: string, system: string): string {
  return template.split('{system}').join(system);
}

/** The templates of releng.yml `build:` that name a job per system. */
export const TEMPLATE_KEYS = ['package', 'binary-tarball', 'docker-image', 'installer'] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

/**
 * A template naming a flake attribute path of its own (`.#hydraJobs.binaryTarball.{system}`) rather than a
 * job below build.jobs (`binaryTarball.{system}`): it is evaluated apart, per system (evalSystemJobs).
 */
export function isFlakePath(template: string): boolean {
  return template.includes('#');
}

/** The templates of `build` that are flake attribute paths, by key: what the stage evaluates apart. */
export function flakePathTemplates(build: BuildConfig): [TemplateKey, string][] {
  return TEMPLATE_KEYS.flatMap((k) => {
    const t = build[k];
    return t !== null && isFlakePath(t) ? [[k, t] as [TemplateKey, string]] : [];
  });
}

/** The systems the jobs' per-system jobs cover, sorted. */
export function systemsOf(jobs: NixJob[]): string[] {
  return [...new Set(jobs.filter(isPerSystem).map((j) => j.system))].sort();
}

export interface PlanInputs {
  /** The flake-path templates' answers (evalSystemJobs), by key. */
  flakePaths?: Partial<Record<TemplateKey, SystemJobs>>;
  /** The installable the jobs came from, for messages (default build.jobs; with a profile, build.jobs.PROFILE). */
  jobsInstallable?: string;
}

/**
 * Decides what each requested system's leg builds. Every error names the config key or input and what
 * the flake has instead.
 */
export function planBuild(
  jobs: NixJob[],
  build: BuildConfig,
  systems: string[],
  target: 'all' | 'manual',
  o: PlanInputs = {},
): BuildPlan {
  const where = o.jobsInstallable ?? build.jobs;
  const flakePaths = o.flakePaths ?? {};
  if (jobs.length === 0)
    throw new RelengError(
      `${where}: no derivations below it; set build.jobs in releng.yml to the release jobs`,
    );
  const byAttr = new Map(jobs.map((j) => [j.attr, j]));
  const perSystem = jobs.filter(isPerSystem);
  const flakeSystems = systemsOf(jobs);
  const aggregates = jobs.filter((j) => !isPerSystem(j));

  const missing = systems.filter((s) => !flakeSystems.includes(s));
  if (missing.length > 0)
    throw new RelengError(
      `systems: ${missing.join(', ')}: ${where} has no job for ${missing.length === 1 ? 'it' : 'them'}; it has jobs for ${flakeSystems.join(', ') || 'no system'} — fix input 'systems' or releng.yml build.systems`,
    );

  const manual = byAttr.get(build['manual-from']);
  if (!manual)
    throw new RelengError(
      `releng.yml build.manual-from: ${where} has no job '${build['manual-from']}'${hint(build['manual-from'], jobs)}; name the job whose doc output holds the manual`,
    );
  if (!manual.outputs.doc)
    throw new RelengError(
      `releng.yml build.manual-from: job '${manual.attr}' has no 'doc' output (it has ${Object.keys(manual.outputs).join(', ')}); name the job whose doc output holds the manual`,
    );

  if (target === 'manual') {
    if (!systems.includes(manual.system))
      throw new RelengError(
        `target manual: the manual comes from ${manual.attr} (${manual.system}), which is not among the systems to build (${systems.join(', ')}); add ${manual.system} to input 'systems'`,
      );
    return {
      legs: [
        {
          system: manual.system,
          jobs: [manual],
          package: null,
          binaryTarball: null,
          dockerImage: null,
          installer: null,
          manual,
          cacheJobs: [],
        },
      ],
      flakeSystems,
      aggregates,
      manualSystem: manual.system,
    };
  }

  // A template that matches no job of any system is a typo, not a project without that artifact; a system
  // the template has no job for simply has no such file (aarch64-darwin has no docker image).
  const resolve = (key: TemplateKey): ((system: string) => NixJob | null) => {
    const template = build[key];
    if (template === null) return () => null;
    if (isFlakePath(template)) return flakePathJobs(key, template, flakePaths[key], flakeSystems);
    if (key !== 'package' && !flakeSystems.some((s) => byAttr.has(jobAttr(template, s))))
      throw new RelengError(
        `releng.yml build.${key}: '${template}' matches no job of ${where} for any system (${flakeSystems.join(', ')})${hint(jobAttr(template, flakeSystems[0] ?? ''), jobs)}; fix it, or set it to null when the project has none`,
      );
    return (system: string) => byAttr.get(jobAttr(template, system)) ?? null;
  };
  const packageOf = resolve('package');
  const tarballOf = resolve('binary-tarball');
  const imageOf = resolve('docker-image');
  const installerOf = resolve('installer');

  const legs = systems.map((system): LegPlan => {
    const pkg = packageOf(system);
    if (!pkg) {
      const pkgAttr = jobAttr(build.package, system);
      throw new RelengError(
        `releng.yml build.package: ${isFlakePath(pkgAttr) ? 'the flake has no derivation' : `${where} has no job`} '${pkgAttr}' for ${system}${isFlakePath(pkgAttr) ? '' : hint(pkgAttr, jobs)}; every released system needs its package (manifest.nix)`,
      );
    }
    const roles = {
      binaryTarball: tarballOf(system),
      dockerImage: imageOf(system),
      installer: installerOf(system),
    };
    const treeOnly = new Set(Object.values(roles).filter((j): j is NixJob => j !== null));
    const own = perSystem.filter((j) => j.system === system);
    const all = new Map<string, NixJob>();
    for (const j of [pkg, ...own, ...treeOnly, ...(manual.system === system ? [manual] : [])])
      all.set(j.attr, j);
    const legJobs = [...all.values()].sort((a, b) => (a.attr < b.attr ? -1 : 1));
    return {
      system,
      jobs: legJobs,
      package: pkg,
      ...roles,
      manual: manual.system === system ? manual : null,
      cacheJobs: legJobs.filter((j) => !treeOnly.has(j)),
    };
  });
  return { legs, flakeSystems, aggregates, manualSystem: manual.system };
}

/** A flake-path template's job per system, from its evaluation; an error when it names nothing at all. */
function flakePathJobs(
  key: TemplateKey,
  template: string,
  answer: SystemJobs | undefined,
  flakeSystems: string[],
): (system: string) => NixJob | null {
  if (!answer) throw new Error(`build.${key}: the flake path ${template} was not evaluated`);
  if (Object.values(answer.bySystem).every((j) => j === null))
    throw new RelengError(
      `releng.yml build.${key}: '${template}' names nothing in the flake for any system (${flakeSystems.join(', ')})${answer.missing?.has.length ? ` (${answer.missing.at} has ${list(answer.missing.has)})` : ''}; fix it, or set it to null when the project has none`,
    );
  return (system) => {
    const job = answer.bySystem[system] ?? null;
    if (job === 'not-a-derivation')
      throw new RelengError(
        `releng.yml build.${key}: '${jobAttr(template, system)}' is not a derivation; name the derivation whose output holds the file (e.g. Lix's dockerImage.{system}.tarball)`,
      );
    if (job === 'present') throw new Error(`build.${key}: ${template} for ${system} was not instantiated`);
    return job;
  };
}

/** ", it has a, b" — the jobs sharing the attr's first component, to spot a typo. */
function hint(attr: string, jobs: NixJob[]): string {
  const head = attr.split('.')[0];
  const near = jobs.filter((j) => j.attr.split('.')[0] === head).map((j) => j.attr);
  return ` (it has ${list(near.length > 0 ? near : jobs.map((j) => j.attr))})`;
}

function list(names: string[]): string {
  return `${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}`;
}
