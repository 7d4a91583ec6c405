import type { BuildConfig } from '../config/schema.js';
import { RelengError } from '../errors.js';
import type { NixJob } from '../nix/jobs.js';

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

/**
 * Decides what each requested system's leg builds. Every error names the config key or input and what
 * the flake has instead.
 */
export function planBuild(
  jobs: NixJob[],
  build: BuildConfig,
  systems: string[],
  target: 'all' | 'manual',
): BuildPlan {
  const where = build.jobs;
  if (jobs.length === 0)
    throw new RelengError(
      `${where}: no derivations below it; set build.jobs in releng.yml to the release jobs`,
    );
  const byAttr = new Map(jobs.map((j) => [j.attr, j]));
  const perSystem = jobs.filter(isPerSystem);
  const flakeSystems = [...new Set(perSystem.map((j) => j.system))].sort();
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

  // A template that matches no job of any system is a typo, not a project without that artifact.
  const optional = (key: 'binary-tarball' | 'docker-image' | 'installer') => {
    const template = build[key];
    if (template === null) return () => null;
    if (!flakeSystems.some((s) => byAttr.has(jobAttr(template, s))))
      throw new RelengError(
        `releng.yml build.${key}: '${template}' matches no job of ${where} for any system (${flakeSystems.join(', ')})${hint(jobAttr(template, flakeSystems[0] ?? ''), jobs)}; fix it, or set it to null when the project has none`,
      );
    return (system: string) => byAttr.get(jobAttr(template, system)) ?? null;
  };
  const tarballOf = optional('binary-tarball');
  const imageOf = optional('docker-image');
  const installerOf = optional('installer');

  const legs = systems.map((system): LegPlan => {
    const pkgAttr = jobAttr(build.package, system);
    const pkg = byAttr.get(pkgAttr);
    if (!pkg)
      throw new RelengError(
        `releng.yml build.package: ${where} has no job '${pkgAttr}' for ${system}${hint(pkgAttr, jobs)}; every released system needs its package (manifest.nix)`,
      );
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

/** ", it has a, b" — the jobs sharing the attr's first component, to spot a typo. */
function hint(attr: string, jobs: NixJob[]): string {
  const head = attr.split('.')[0];
  const near = jobs.filter((j) => j.attr.split('.')[0] === head).map((j) => j.attr);
  const list = near.length > 0 ? near : jobs.map((j) => j.attr);
  return ` (it has ${list.slice(0, 6).join(', ')}${list.length > 6 ? ', …' : ''})`;
}
