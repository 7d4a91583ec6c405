// Publish's docker step through the OCI library, offline: an environment whose registry is an OCI layout.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { EnvironmentConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/log.js';
import { type DockerRequest, dockerViaMultiarch } from '../../../src/publish/docker.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { tmpDir } from '../../helpers/tmp.js';

let archive: WrittenArchive;
beforeAll(async () => {
  archive = await writeDockerArchive(path.join(tmpDir('releng-publish-docker-'), 'amd64'), {
    layers: syntheticLayers('publish-docker', 1, 1, 4),
    architecture: 'amd64',
  });
});

function request(dir: string, extra: Partial<DockerRequest> = {}): DockerRequest {
  return {
    images: [{ file: archive.file, system: 'x86_64-linux', sha256: archive.sha256 }],
    environment: {
      registries: [{ ref: 'oci-layout:oci', tags: ['{version}', '{major}'] }],
    } as unknown as EnvironmentConfig,
    environmentName: 'local',
    dir,
    version: '2.93.0',
    latest: false,
    dryRun: false,
    processEnv: { HOME: tmpDir() },
    log: silentLogger,
    ...extra,
  };
}

describe('dockerViaMultiarch', () => {
  test('preflight finds nothing wrong with a writable layout; publish writes the index and its tags', async () => {
    const dir = tmpDir();
    expect(await dockerViaMultiarch.preflight(request(dir))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'oci'))).toBe(false);
    const out = await dockerViaMultiarch.publish(request(dir, { latest: true }));
    expect(out.tags).toEqual(['2.93.0', '2.93', 'latest']);
    expect(Object.keys(out.digests)).toEqual([`oci-layout:${dir}/oci`]);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'oci', 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(3);
  });

  test('a registry ref in releng.yml that is not one is a preflight problem naming its key', async () => {
    const problems = await dockerViaMultiarch.preflight(
      request(tmpDir(), {
        environment: { registries: [{ ref: 'ghcr.io/Org/P', tags: [] }] } as unknown as EnvironmentConfig,
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/environments\.local\.registries\[0\]\.ref: .*not a valid repository name/),
    ]);
  });
});
