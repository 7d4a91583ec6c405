// The library entry of the docker engine, offline: targets of an environment, bad options refused before
// anything is read, a push to an OCI layout, and the preflight.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { EnvironmentConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/log.js';
import {
  checkRegistryAccess,
  type PublishImagesOptions,
  publishImages,
  targetsForEnvironment,
} from '../../../src/oci/publish-images.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { tmpDir } from '../../helpers/tmp.js';

let archive: WrittenArchive;
beforeAll(async () => {
  archive = await writeDockerArchive(path.join(tmpDir('releng-images-'), 'amd64'), {
    layers: syntheticLayers('images', 2, 1, 4),
    architecture: 'amd64',
  });
});

function options(layout: string, extra: Partial<PublishImagesOptions> = {}): PublishImagesOptions {
  return {
    images: [{ file: archive.file, system: 'x86_64-linux' }],
    targets: [{ ref: `oci-layout:${layout}`, tags: [] }],
    version: '2.93.0',
    latest: true,
    gzipEngine: 'zlib',
    processEnv: { HOME: tmpDir() },
    log: silentLogger,
    ...extra,
  };
}

describe('targetsForEnvironment', () => {
  test("an environment's registries, oci-layout paths resolved, and where each was written", () => {
    const environment = {
      registries: [
        { ref: 'oci-layout:.releng/local/oci', tags: ['{version}'] },
        { ref: 'ghcr.io/org/p', tags: [] },
      ],
    } as unknown as EnvironmentConfig;
    expect(targetsForEnvironment(environment, '/w', 'staging')).toEqual([
      {
        ref: 'oci-layout:/w/.releng/local/oci',
        tags: ['{version}'],
        where: {
          ref: 'releng.yml environments.staging.registries[0].ref',
          tags: 'releng.yml environments.staging.registries[0].tags',
        },
      },
      {
        ref: 'ghcr.io/org/p',
        tags: [],
        where: {
          ref: 'releng.yml environments.staging.registries[1].ref',
          tags: 'releng.yml environments.staging.registries[1].tags',
        },
      },
    ]);
    expect(targetsForEnvironment(environment, '/w')[1]).toEqual({ ref: 'ghcr.io/org/p', tags: [] });
  });
});

describe('publishImages', () => {
  test('to an OCI layout: the default tags and latest, the index digest as the output', async () => {
    const layout = tmpDir();
    const r = await publishImages(options(layout));
    expect(r.tags).toEqual({ [`oci-layout:${layout}`]: ['2.93.0', '2.93', 'latest'] });
    expect(r.digest).toBe(r.digests[`oci-layout:${layout}`]);
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    expect(index.manifests.every((m: { digest: string }) => m.digest === r.digest)).toBe(true);
    expect(r.images[0]!.platform).toBe('linux/amd64');
  });

  test.each<[string, Partial<PublishImagesOptions>, RegExp]>([
    ['no images', { images: [] }, /no docker archives to publish/],
    ['no targets', { targets: [] }, /no targets: name registries in targets/],
    [
      'a target twice',
      {
        targets: [
          { ref: 'ghcr.io/org/p', tags: [] },
          { ref: 'docker://ghcr.io/org/p', tags: [] },
        ],
      },
      /targets: 'ghcr\.io\/org\/p' is listed twice/,
    ],
    [
      'an insecure registry as a URL',
      { insecureRegistries: ['https://reg.lan:5000/v2'] },
      /'https:\/\/reg\.lan:5000\/v2' is not a registry host\[:port\]; write reg\.lan:5000/,
    ],
    // (On a Node without zstd, that is what is said first.)
    [
      'zstd with Docker media types',
      { compression: 'zstd', mediaTypes: 'docker' },
      /compression zstd needs (media-types oci|Node 22\.15)/,
    ],
    ['a level out of range', { compressionLevel: 12 }, /compression-level must be 1–9 for gzip, got 12/],
    [
      'half the credentials',
      { credentials: { username: 'u', password: '' } },
      /give both 'username' and 'password'/,
    ],
    [
      'an unknown tag placeholder',
      { targets: [{ ref: 'oci-layout:x', tags: ['{minor}'] }] },
      /unknown placeholder/,
    ],
  ])('%s is refused before anything is read', async (_, extra, message) => {
    const layout = tmpDir();
    await expect(publishImages(options(layout, extra))).rejects.toThrow(message);
    expect(fs.readdirSync(layout)).toEqual([]);
  });
});

describe('checkRegistryAccess', () => {
  test('problems as a list — bad input among them — and none when every target takes a push', async () => {
    const writable = [{ ref: `oci-layout:${tmpDir()}/new`, tags: [] }];
    expect(await checkRegistryAccess(writable, undefined, silentLogger)).toEqual([]);
    const dir = tmpDir();
    fs.chmodSync(dir, 0o500);
    try {
      const problems = await checkRegistryAccess(
        [{ ref: `oci-layout:${dir}/x`, tags: [] }],
        undefined,
        silentLogger,
      );
      if (process.getuid?.() !== 0) expect(problems).toEqual([`oci-layout:${dir}/x: ${dir} is not writable`]);
    } finally {
      fs.chmodSync(dir, 0o700);
    }
    expect(
      await checkRegistryAccess([{ ref: 'https://ghcr.io/org/p', tags: [] }], undefined, silentLogger),
    ).toEqual([expect.stringMatching(/is a URL/)]);
  });
});
