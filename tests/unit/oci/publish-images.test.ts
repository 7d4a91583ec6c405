// The library entry of the docker engine, offline: targets of an environment, bad options refused before
// anything is read, a push to an OCI layout, and the preflight.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import {
  checkRegistryAccess,
  type PublishImagesOptions,
  publishImages,
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
    pointers: { latest: true, major: true },
    movePointers: true,
    gzipEngine: 'zlib',
    processEnv: { HOME: tmpDir() },
    log: silentLogger,
    ...extra,
  };
}

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

  test('pointers as the policy allows, or none in this run: {version} tags only', async () => {
    const held = tmpDir();
    const r = await publishImages(options(held, { pointers: { latest: false, major: true } }));
    expect(r.tags).toEqual({ [`oci-layout:${held}`]: ['2.93.0', '2.93'] });
    const later = tmpDir();
    const v = await publishImages(options(later, { movePointers: false }));
    expect(v.tags).toEqual({ [`oci-layout:${later}`]: ['2.93.0'] });
    const index = JSON.parse(fs.readFileSync(path.join(later, 'index.json'), 'utf8'));
    expect(
      index.manifests.map((m: { annotations: Record<string, string> }) => Object.values(m.annotations)),
    ).toEqual([['2.93.0']]);
  });

  test('the confirmation is asked once everything is checked, before anything is written', async () => {
    const layout = tmpDir();
    const calls: string[] = [];
    await expect(
      publishImages(
        options(layout, {
          confirm: async () => {
            calls.push(fs.readdirSync(layout).join(',') || 'empty');
            throw new Error('not confirmed');
          },
        }),
      ),
    ).rejects.toThrow('not confirmed');
    expect(calls).toEqual(['empty']);
    expect(fs.readdirSync(layout)).toEqual([]);
    // A bad option is reported without asking.
    await expect(
      publishImages(options(layout, { compressionLevel: 12, confirm: async () => void calls.push('asked') })),
    ).rejects.toThrow(/compression-level/);
    expect(calls).toEqual(['empty']);
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
      'no {version} tag for the pointers to follow',
      { targets: [{ ref: 'oci-layout:x', tags: ['{major}', 'latest'] }] },
      /tags of .*: no \{version\} tag; every target needs one/,
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
