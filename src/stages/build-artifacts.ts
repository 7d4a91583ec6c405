import fs from 'node:fs';
import path from 'node:path';
import { assembleLeg } from '../bundle/assemble.js';
import type { LegRecord } from '../bundle/leg.js';
import { mergeLegs, writeTree } from '../bundle/merge.js';
import type { MergedRelease } from '../bundle/release.js';
import type { LoadedConfig } from '../config/load.js';
import { readVersionInfo } from '../config/version.js';
import { RelengError } from '../errors.js';
import { Git } from '../git/git.js';
import type { Logger } from '../log.js';
import { evalJobs, evalSystemJobs, jobsInstallable, type SystemJobs } from '../nix/jobs.js';
import { realiseJobs } from '../nix/realise.js';
import { placeTree } from '../release/files.js';
import { flakePathTemplates, planBuild, systemsOf, type TemplateKey } from '../release/plan.js';

export interface BuildArtifactsOptions {
  dir: string;
  config: LoadedConfig;
  /** Default: the profile's systems when there is a profile, else releng.yml build.systems. */
  systems?: string[];
  /** The profile of the release jobs (overrides releng.yml build.profile). */
  profile?: string;
  target: 'all' | 'manual';
  /** The reference's release/ (relative paths resolve against dir). */
  outDir: string;
  noCheckGit: boolean;
  log: Logger;
}

export interface BuildArtifactsResult {
  version: string;
  target: 'all' | 'manual';
  /** The profile evaluated, if any. */
  profile: string | null;
  /** The jobs installable evaluated (build.jobs, with `.PROFILE`). */
  jobs: string;
  systems: string[];
  /** <out>/artifacts: the release tree (empty with target manual). */
  artifactsDir: string;
  /** <out>/manual, or null when no leg built made the manual. */
  manualDir: string | null;
  /** The leg's directory when one system was built, else <out>/legs. */
  bundleDir: string;
  legs: { dir: string; record: LegRecord }[];
  /** The docker archives in the release tree, absolute. */
  images: string[];
  merged: MergedRelease;
  /** Jobs not built because their attr names no system (aggregates). */
  aggregates: string[];
}

/** Lix's `build` step, one leg bundle per system, then the release tree merged from those legs. */
export async function buildArtifacts(o: BuildArtifactsOptions): Promise<BuildArtifactsResult> {
  const { config, log } = o;
  const git = new Git(o.dir, log);
  const { version } = readVersionInfo(o.dir);
  const profile = o.profile ?? config.build.profile;

  // 1. On the tag, with a clean tree (a manual for nightly docs is built from any commit, as in the reference).
  if (!(await git.isRepo()))
    throw new RelengError(`${o.dir}: not a git repository; run build-artifacts in the project's checkout`);
  if (o.target === 'all' && !o.noCheckGit) await git.checkOnTag(version);
  const sourceRef = (await git.tagExists(version)) ? version : 'HEAD';
  if (o.target === 'all' && sourceRef === 'HEAD')
    log.warning(`tag ${version} does not exist: the source tarball is made from HEAD (no-check-git)`);

  const out = path.resolve(o.dir, o.outDir);
  const evalRoots = path.join(out, 'gcroots');
  // 2. Evaluate the release jobs (of the profile), the templates that name flake paths of their own, and
  //    decide what each system's leg builds.
  const installable = jobsInstallable(config.build.jobs, profile);
  log.info(`evaluating ${installable}`);
  const jobs = await evalJobs(o.dir, config.build.jobs, log, { gcRootsDir: evalRoots, profile });
  const flakeSystems = systemsOf(jobs);
  const systems = [...new Set(o.systems?.length ? o.systems : profile ? flakeSystems : config.build.systems)];
  if (profile && !o.systems?.length) {
    const lacking = config.build.systems.filter((s) => !flakeSystems.includes(s));
    if (lacking.length > 0)
      log.warning(
        `profile ${profile} builds ${flakeSystems.join(', ')}; releng.yml build.systems also has ${lacking.join(', ')}, which a release of this build lacks`,
      );
  }
  const flakePaths: Partial<Record<TemplateKey, SystemJobs>> = {};
  if (o.target === 'all')
    for (const [key, template] of flakePathTemplates(config.build)) {
      log.info(`evaluating ${template} (build.${key})`);
      const probe = [...new Set([...flakeSystems, ...systems])].sort();
      flakePaths[key] = await evalSystemJobs(o.dir, template, probe, systems, log);
    }
  const plan = planBuild(jobs, config.build, systems, o.target, { flakePaths, jobsInstallable: installable });
  if (plan.aggregates.length > 0 && o.target === 'all')
    log.info(
      `not built: ${plan.aggregates.map((j) => j.attr).join(', ')} (their attr names no system, so no single leg can build them; each leg makes its part of the release tree from its system's jobs)`,
    );
  if (o.target === 'all' && !systems.includes(plan.manualSystem))
    log.info(
      `the manual and the source tarball come from the ${plan.manualSystem} leg (build.manual-from), which this run does not build`,
    );

  // 3. Start from nothing we made before (only our own entries: out-dir may be shared), once the
  //    inputs are known good: a refused build leaves the previous one as it was.
  const paths = {
    artifacts: path.join(out, 'artifacts'),
    manual: path.join(out, 'manual'),
    legs: path.join(out, 'legs'),
    drvs: path.join(out, 'drvs.txt'),
    buildRoots: path.join(out, 'gcroots-build'),
  };
  for (const p of Object.values(paths)) fs.rmSync(p, { recursive: true, force: true });

  // 4. Build every leg's jobs, with GC roots so nothing built is collected before publish.
  const toBuild = [...new Map(plan.legs.flatMap((l) => l.jobs).map((j) => [j.attr, j])).values()];
  await realiseJobs(toBuild, paths.buildRoots, log);

  // 5. One leg bundle per system.
  const legs: { dir: string; record: LegRecord }[] = [];
  for (const legPlan of plan.legs) {
    const dir = path.join(paths.legs, legPlan.system);
    const record = await log.group(`leg bundle ${legPlan.system}`, () =>
      assembleLeg({
        plan: legPlan,
        target: o.target,
        name: config.name,
        product: config.product,
        version,
        bundleDir: dir,
        manualPath: config.build['manual-path'],
        git,
        sourceRef,
        log,
      }),
    );
    log.info(
      `leg ${legPlan.system}: ${record.files.length} release-tree files, ${record.storePaths.length} store paths in its cache${record.image ? ', an image' : ''}${record.manual ? ', the manual' : ''}`,
    );
    legs.push({ dir, record });
  }

  // 6. The release tree as the fan-in jobs will see it: the same merge, so one machine and a matrix agree.
  const merged = await mergeLegs(
    legs.map((l) => l.dir),
    log,
  );
  fs.mkdirSync(paths.artifacts, { recursive: true });
  await writeTree(merged, paths.artifacts);
  if (merged.manualDir) placeTree(merged.manualDir, paths.manual);
  if (o.target === 'all') fs.writeFileSync(paths.drvs, merged.drvPaths.map((d) => `${d}\n`).join(''));

  const versionDirImages = merged.images.map((i) =>
    path.join(paths.artifacts, ...relativeToArtifacts(i.path)),
  );
  return {
    version,
    target: o.target,
    profile: profile ?? null,
    jobs: installable,
    systems: plan.legs.map((l) => l.system),
    artifactsDir: paths.artifacts,
    manualDir: merged.manualDir ? paths.manual : null,
    bundleDir: legs.length === 1 ? legs[0]!.dir : paths.legs,
    legs,
    images: versionDirImages,
    merged,
    aggregates: plan.aggregates.map((j) => j.attr),
  };
}

/** An image's leg path (artifacts/NAME/NAME-VERSION/…) as segments below the release tree. */
function relativeToArtifacts(legPath: string): string[] {
  const parts = legPath.split('/');
  return parts[0] === 'artifacts' ? parts.slice(1) : parts;
}
