import fs from 'node:fs';
import type { EnvironmentConfig } from '../config/schema.js';
import { RelengErrors } from '../errors.js';
import type { Logger } from '../log.js';
import { sha256OfFile } from '../oci/digest.js';
import { movePointerTags, type PointerReport } from '../oci/pointer-tags.js';
import { checkRegistryAccess, publishImages, targetsForEnvironment } from '../oci/publish-images.js';
import type { ReleaseImage } from '../release/tree.js';
import type { RegistryTuning } from '../tuning.js';

export type { PointerReport } from '../oci/pointer-tags.js';

export interface DockerRequest {
  images: ReleaseImage[];
  environment: EnvironmentConfig;
  /** Its name in releng.yml, for messages. */
  environmentName?: string;
  /** The working directory (oci-layout: targets are relative to it). */
  dir: string;
  version: string;
  /**
   * Push the images and their `{version}` tags (default). false: an earlier docker-multiarch job pushed
   * them (publish's `skip: docker`): only the pointers move, after a preflight that finds the `{version}` tags.
   */
  pushImages?: boolean;
  /** The maintenance rule's answer: may latest-like pointers (`latest`, literal tags) move? */
  latest: boolean;
  /** May `{major}` tags move: no newer release of this major (pointerRule's mayMoveMajor)? Default: `latest`. */
  major?: boolean;
  dryRun: boolean;
  /** Where registry logins are looked up (login files, and the variables releng.yml logins name). */
  processEnv: NodeJS.ProcessEnv;
  registryTuning?: RegistryTuning;
  log: Logger;
}

export interface DockerOutcome {
  /** target → index digest */
  digests: Record<string, string>;
  /** The `{version}` tags written or already there. */
  tags: string[];
}

/**
 * The docker steps of publish, on the OCI library (the docker-multiarch engine), to the environment's
 * registries with their logins (releng.yml `{env: NAME}` logins, else docker/containers login files —
 * publish takes no registry password input). Pointers last: `publish` pushes the images and the immutable
 * `{version}` tags only; `movePointers`, in publish's pointer phase after the cache, the release tree
 * and the manual, points `{major}`, literal tags and `latest` at what `{version}` names, as the
 * maintenance rule allows. Tests may pass another DockerStep.
 */
export interface DockerStep {
  /**
   * Found without writing, before anything is: every image present, readable and (when recorded) of its
   * sha256; every registry reachable, its login readable, with push access. Problems; [] when all is well.
   */
  preflight(req: DockerRequest): Promise<string[]>;
  /** The images and their `{version}` tags; no pointer moves. */
  publish(req: DockerRequest): Promise<DockerOutcome>;
  /** The pointer phase; `published` is what `publish` returned, when it ran in this publication. */
  movePointers(req: DockerRequest, published?: DockerOutcome): Promise<PointerReport[]>;
}

/** An archive is present, a regular file, readable to its end, and the bytes the build recorded. */
async function imageProblem(image: ReleaseImage): Promise<string | undefined> {
  const what = `${image.file}: the docker image${image.system ? ` of ${image.system}` : ''}`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(image.file);
  } catch {
    return `${what} is missing; rebuild the leg or pass skip: docker`;
  }
  if (!stat.isFile() || stat.size === 0) return `${what} is not a file with content; rebuild the leg`;
  const sha256 = await sha256OfFile(image.file).catch((e: NodeJS.ErrnoException) => e);
  if (sha256 instanceof Error) return `${what} cannot be read (${sha256.code ?? sha256.message})`;
  if (image.sha256 && image.sha256 !== sha256)
    return `${image.file}: its sha256 is ${sha256} but the build recorded ${image.sha256}; the file was changed or damaged after the build`;
  return undefined;
}

/** skip: docker — the pointers only: push access, and the `{version}` tags read (a missing one is a warning). */
async function pointersOnlyProblems(r: DockerRequest): Promise<string[]> {
  const access = await checkRegistryAccess(targetsOf(r), undefined, r.log, {
    processEnv: r.processEnv,
    dir: r.dir,
    tuning: r.registryTuning,
    version: r.version,
  });
  if (access.length) return access;
  try {
    await movePointerTags({ ...pointerOptions(r), dryRun: true, pushedBefore: true });
    return [];
  } catch (e) {
    return e instanceof RelengErrors ? e.problems : [e instanceof Error ? e.message : String(e)];
  }
}

const targetsOf = (r: DockerRequest) => targetsForEnvironment(r.environment, r.dir, r.environmentName);
const policyOf = (r: DockerRequest) => ({ latest: r.latest, major: r.major ?? r.latest });
const pointerOptions = (r: DockerRequest) => ({
  targets: targetsOf(r),
  version: r.version,
  policy: policyOf(r),
  dir: r.dir,
  processEnv: r.processEnv,
  tuning: r.registryTuning,
  log: r.log,
});

export const dockerViaMultiarch: DockerStep = {
  async preflight(r) {
    if (r.environment.registries.length === 0) return [];
    if (r.pushImages === false) return pointersOnlyProblems(r);
    const problems: string[] = [];
    if (r.images.length === 0)
      problems.push(
        `environment '${r.environmentName}' has registries but the release has no docker image; build the images (build.docker-image) or pass skip: docker`,
      );
    for (const image of r.images) {
      const p = await imageProblem(image);
      if (p) problems.push(p);
    }
    problems.push(
      ...(await checkRegistryAccess(targetsOf(r), undefined, r.log, {
        processEnv: r.processEnv,
        dir: r.dir,
        tuning: r.registryTuning,
        version: r.version,
      })),
    );
    return problems;
  },

  async publish(r) {
    if (r.environment.registries.length === 0 || r.pushImages === false) return { digests: {}, tags: [] };
    const out = await publishImages({
      images: r.images.map((i) => ({ file: i.file, system: i.system, sha256: i.sha256 })),
      targets: targetsOf(r),
      version: r.version,
      pointers: policyOf(r),
      movePointers: false,
      dryRun: r.dryRun,
      dir: r.dir,
      processEnv: r.processEnv,
      tuning: r.registryTuning,
      log: r.log,
    });
    return { digests: out.digests, tags: [...new Set(Object.values(out.tags).flat())] };
  },

  async movePointers(r, published) {
    if (r.environment.registries.length === 0) return [];
    return movePointerTags({
      ...pointerOptions(r),
      // A dry run published nothing, so there is no digest to hold the {version} tags to.
      digests: r.dryRun ? undefined : published?.digests,
      dryRun: r.dryRun,
      // After skip: docker a target without its {version} tag keeps its pointers.
      pushedBefore: r.pushImages === false,
    });
  },
};
