import type { EnvironmentConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { ReleaseImage } from './release-input.js';

export interface DockerRequest {
  images: ReleaseImage[];
  environment: EnvironmentConfig;
  /** The working directory (oci-layout: targets are relative to it). */
  dir: string;
  version: string;
  /** The maintenance rule's answer: may `latest` move? */
  latest: boolean;
  dryRun: boolean;
  /** Where registry logins are looked up (HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE …). */
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export interface DockerOutcome {
  /** target → index digest */
  digests: Record<string, string>;
  tags: string[];
}

/**
 * The docker step of publish (the reference pushes images between the cache and the release tree). It is
 * docker-multiarch's work: this seam takes its `dockerMultiarch` and `checkRegistryAccess` once they are
 * wired in (src/commands/publish.ts). Until then `skip: docker` is required, as the release workflow's
 * separate docker job already does — and preflight says so rather than pretend.
 */
export interface DockerStep {
  /** Registry problems (unreachable, credentials without push scope), found without writing. */
  preflight(req: DockerRequest): Promise<string[]>;
  publish(req: DockerRequest): Promise<DockerOutcome>;
}

export const dockerNotWired: DockerStep = {
  async preflight() {
    return [
      'docker: this build of publish cannot push images itself yet (docker-multiarch is not wired into it); run the docker-multiarch action first and pass skip: docker',
    ];
  },
  async publish() {
    throw new Error('docker step not wired');
  },
};
