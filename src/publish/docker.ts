import type { EnvironmentConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { checkRegistryAccess, publishImages, targetsForEnvironment } from '../oci/publish-images.js';
import type { ReleaseImage } from '../release/tree.js';
import type { RegistryTuning } from '../tuning.js';

export interface DockerRequest {
  images: ReleaseImage[];
  environment: EnvironmentConfig;
  /** Its name in releng.yml, for messages. */
  environmentName?: string;
  /** The working directory (oci-layout: targets are relative to it). */
  dir: string;
  version: string;
  /** The maintenance rule's answer: may `latest` move? */
  latest: boolean;
  dryRun: boolean;
  /** Where registry logins are looked up (HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE …). */
  processEnv: NodeJS.ProcessEnv;
  registryTuning?: RegistryTuning;
  log: Logger;
}

export interface DockerOutcome {
  /** target → index digest */
  digests: Record<string, string>;
  tags: string[];
}

/**
 * The docker step of publish (the reference pushes images between the cache and the release tree): the
 * OCI library's publishImages — the docker-multiarch engine — to the environment's registries, with
 * logins from the docker/containers login files (publish takes no registry password of its own; the
 * workflow's separate docker job does). Tests may pass another DockerStep.
 */
export interface DockerStep {
  /** Registry problems (unreachable, credentials without push scope), found without writing. */
  preflight(req: DockerRequest): Promise<string[]>;
  publish(req: DockerRequest): Promise<DockerOutcome>;
}

export const dockerViaMultiarch: DockerStep = {
  preflight: (r) =>
    checkRegistryAccess(targetsForEnvironment(r.environment, r.dir, r.environmentName), undefined, r.log, {
      processEnv: r.processEnv,
      dir: r.dir,
      tuning: r.registryTuning,
    }),
  async publish(r) {
    const out = await publishImages({
      images: r.images.map((i) => ({ file: i.file, system: i.system, sha256: i.sha256 })),
      targets: targetsForEnvironment(r.environment, r.dir, r.environmentName),
      version: r.version,
      latest: r.latest,
      dryRun: r.dryRun,
      dir: r.dir,
      processEnv: r.processEnv,
      tuning: r.registryTuning,
      log: r.log,
    });
    return { digests: out.digests, tags: [...new Set(Object.values(out.tags).flat())] };
  },
};
