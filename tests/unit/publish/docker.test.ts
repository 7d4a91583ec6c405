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
  test('preflight finds nothing wrong; publish writes the images and {version}; movePointers the rest, last', async () => {
    const dir = tmpDir();
    expect(await dockerViaMultiarch.preflight(request(dir))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'oci'))).toBe(false);
    const out = await dockerViaMultiarch.publish(request(dir, { latest: true }));
    expect(out.tags).toEqual(['2.93.0']);
    expect(Object.keys(out.digests)).toEqual([`oci-layout:${dir}/oci`]);
    const refNames = () =>
      JSON.parse(fs.readFileSync(path.join(dir, 'oci', 'index.json'), 'utf8')).manifests.map(
        (m: { annotations: Record<string, string> }) => Object.values(m.annotations)[0],
      );
    expect(refNames()).toEqual(['2.93.0']);
    const moved = await dockerViaMultiarch.movePointers(request(dir, { latest: true }), out);
    expect(moved).toEqual([
      expect.objectContaining({ ref: `oci-layout:${dir}/oci`, moved: ['2.93', 'latest'], held: [] }),
    ]);
    expect(refNames()).toEqual(['2.93', '2.93.0', 'latest']);
  });

  test('the maintenance rule: latest held, {major} held when a newer release of it exists', async () => {
    const dir = tmpDir();
    const out = await dockerViaMultiarch.publish(request(dir));
    const [r] = await dockerViaMultiarch.movePointers(request(dir, { latest: false, major: false }), out);
    expect(r).toMatchObject({ moved: [], held: ['2.93', 'latest'] });
    const [m] = await dockerViaMultiarch.movePointers(request(dir, { latest: false }), out);
    expect(m).toMatchObject({ moved: [], held: ['2.93', 'latest'] });
    const [n] = await dockerViaMultiarch.movePointers(request(dir, { latest: false, major: true }), out);
    expect(n).toMatchObject({ moved: ['2.93'], held: ['latest'] });
  });

  test('preflight: a missing, empty or changed image is found before anything is written', async () => {
    const dir = tmpDir();
    const empty = path.join(tmpDir(), 'empty.tar.gz');
    fs.writeFileSync(empty, '');
    const problems = await dockerViaMultiarch.preflight(
      request(dir, {
        images: [
          { file: path.join(dir, 'gone.tar.gz'), system: 'x86_64-linux' },
          { file: empty, system: 'aarch64-linux' },
          { file: archive.file, system: 'x86_64-linux', sha256: '0'.repeat(64) },
        ],
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /gone\.tar\.gz: the docker image of x86_64-linux is missing; rebuild the leg or pass skip: docker/,
      ),
      expect.stringMatching(/empty\.tar\.gz: the docker image of aarch64-linux is not a file with content/),
      expect.stringMatching(/its sha256 is [0-9a-f]{64} but the build recorded 0{64}/),
    ]);
    expect(await dockerViaMultiarch.preflight(request(dir, { images: [] }))).toEqual([
      expect.stringMatching(/environment 'local' has registries but the release has no docker image/),
    ]);
    expect(fs.readdirSync(dir)).toEqual([]);
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

  test('a login variable releng.yml names but the job lacks is a preflight problem', async () => {
    const problems = await dockerViaMultiarch.preflight(
      request(tmpDir(), {
        environment: {
          registries: [
            { ref: 'ghcr.io/org/p', tags: [], username: { env: 'GH_USER' }, password: { env: 'GH_TOKEN' } },
          ],
        } as unknown as EnvironmentConfig,
        processEnv: { HOME: tmpDir(), GH_USER: 'bot' },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/registries\[0\]\.username\/password: \$GH_TOKEN is not set/),
    ]);
  });
});
