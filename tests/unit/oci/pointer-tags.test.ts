// The pointer phase on OCI layouts: pointers follow what {version} names, as the policy allows; a target
// without its {version} tag stops every move; a dry run and a re-run move nothing.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { REF_NAME } from '../../../src/oci/layout.js';
import { type MovePointersOptions, movePointerTags } from '../../../src/oci/pointer-tags.js';
import { publishImages } from '../../../src/oci/publish-images.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { tmpDir } from '../../helpers/tmp.js';

let archive: WrittenArchive;
beforeAll(async () => {
  archive = await writeDockerArchive(path.join(tmpDir('releng-pointers-'), 'amd64'), {
    layers: syntheticLayers('pointers', 1, 1, 4),
    architecture: 'amd64',
  });
});

/** Tag → digest of a layout's index.json. */
const tags = (layout: string): Record<string, string> =>
  Object.fromEntries(
    JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')).manifests.map(
      (m: { digest: string; annotations: Record<string, string> }) => [m.annotations[REF_NAME], m.digest],
    ),
  );

async function versionOnly(layout: string, version = '2.93.0') {
  return publishImages({
    images: [{ file: archive.file }],
    targets: [{ ref: `oci-layout:${layout}`, tags: [] }],
    version,
    pointers: { latest: true, major: true },
    movePointers: false,
    gzipEngine: 'zlib',
    processEnv: { HOME: tmpDir() },
    log: silentLogger,
  });
}

const move = (layouts: string[], extra: Partial<MovePointersOptions> = {}) =>
  movePointerTags({
    targets: layouts.map((l) => ({ ref: `oci-layout:${l}`, tags: [] })),
    version: '2.93.0',
    policy: { latest: true, major: true },
    processEnv: { HOME: tmpDir() },
    log: silentLogger,
    ...extra,
  });

describe('movePointerTags', () => {
  test('the pointers to the index {version} names; a re-run moves nothing', async () => {
    const layout = tmpDir();
    const pushed = await versionOnly(layout);
    expect(Object.keys(tags(layout))).toEqual(['2.93.0']);
    const [r] = await move([layout], { digests: pushed.digests });
    expect(r).toEqual({
      ref: `oci-layout:${layout}`,
      digest: pushed.digest,
      moved: ['2.93', 'latest'],
      unchanged: [],
      held: [],
    });
    expect(tags(layout)).toEqual({ '2.93': pushed.digest, '2.93.0': pushed.digest, latest: pushed.digest });
    const [again] = await move([layout]);
    expect(again!.moved).toEqual([]);
    expect(again!.unchanged).toEqual(['2.93', 'latest']);
  });

  test('the policy holds pointers: a maintenance release moves no latest, nor its major back', async () => {
    const layout = tmpDir();
    await versionOnly(layout);
    const [r] = await move([layout], { policy: { latest: false, major: false } });
    expect(r!.moved).toEqual([]);
    expect(r!.held).toEqual(['2.93', 'latest']);
    expect(Object.keys(tags(layout))).toEqual(['2.93.0']);
    const [major] = await move([layout], { policy: { latest: false, major: true } });
    expect(major!.moved).toEqual(['2.93']);
    expect(major!.held).toEqual(['latest']);
  });

  test('a target without its {version} tag, or naming another index: nothing moves anywhere', async () => {
    const ready = tmpDir();
    const missing = tmpDir();
    const pushed = await versionOnly(ready);
    await expect(move([ready, missing])).rejects.toThrow(
      /cannot move the pointer tags; none was moved.*oci-layout:.*:2\.93\.0 does not exist; publish the images of 2\.93\.0 first/s,
    );
    expect(Object.keys(tags(ready))).toEqual(['2.93.0']);
    await expect(
      move([ready], { digests: { [`oci-layout:${ready}`]: `sha256:${'1'.repeat(64)}` } }),
    ).rejects.toThrow(
      /:2\.93\.0 names sha256:[0-9a-f]{12}, not the index this release published \(sha256:111111111111\)/,
    );
    expect(tags(ready)).toEqual({ '2.93.0': pushed.digest });
  });

  test('a dry run reports the moves and writes nothing, even before the images are pushed', async () => {
    const layout = tmpDir();
    const [before] = await move([layout], { dryRun: true });
    expect(before!.moved).toEqual(['2.93', 'latest']);
    expect(fs.readdirSync(layout)).toEqual([]);
    await versionOnly(layout);
    const [r] = await move([layout], { dryRun: true });
    expect(r!.moved).toEqual(['2.93', 'latest']);
    expect(Object.keys(tags(layout))).toEqual(['2.93.0']);
  });
});
