import path from 'node:path';
import { silentLogger } from '../../src/log.js';
import type { DockerMultiarchOptions } from '../../src/stages/docker-multiarch.js';

/**
 * docker-multiarch's options as its action's defaults give them (zlib at level 1, for speed in tests),
 * for a project in `dir`: a test names what it is about (source, targets, confirmation, environment).
 */
export function dockerOptions(
  dir: string,
  o: Pick<DockerMultiarchOptions, 'source' | 'targets' | 'allowBareConfirm' | 'cache' | 'processEnv'> &
    Partial<DockerMultiarchOptions>,
): DockerMultiarchOptions {
  return {
    dir,
    configPath: path.join(dir, 'releng.yml'),
    tags: [],
    latest: 'auto',
    pointers: true,
    insecureRegistries: [],
    annotations: {},
    descriptorAnnotations: false,
    mediaTypes: 'oci',
    compression: 'gzip',
    compressionLevel: 1,
    gzipEngine: 'zlib',
    force: false,
    dryRun: false,
    log: silentLogger,
    ...o,
  };
}
