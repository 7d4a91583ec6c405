import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { ArchiveReader } from '../../../src/oci/archive-reader.js';
import { BackgroundWork } from '../../../src/oci/background.js';
import { BlobTransfer } from '../../../src/oci/blob-transfer.js';
import { CompressionPool } from '../../../src/oci/compress.js';
import { LayerInventory } from '../../../src/oci/layer-inventory.js';
import { mediaTypes } from '../../../src/oci/media-types.js';
import { PushProgress } from '../../../src/oci/push-progress.js';
import { TargetState } from '../../../src/oci/target-state.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { MemorySink, storeImage } from '../../helpers/memory-sink.js';
import { tmpDir } from '../../helpers/tmp.js';

const types = mediaTypes('oci', 'gzip');
const pool = new CompressionPool(2);
let archive: WrittenArchive;

beforeAll(async () => {
  archive = await writeDockerArchive(path.join(tmpDir('releng-reader-'), 'amd64'), {
    layers: syntheticLayers('reader', 3, 2, 8),
    architecture: 'amd64',
    labels: { 'org.opencontainers.image.title': 'reader' },
  });
});
afterAll(() => pool.close());

async function setup(sinks: MemorySink[], dryRun = false) {
  const targets = sinks.map((s) => new TargetState(s, [{ name: '1.0.0', immutable: true }]));
  const work = new BackgroundWork(tmpDir());
  const progress = new PushProgress(silentLogger);
  const inventory = new LayerInventory({ targets, compression: 'gzip', log: silentLogger });
  await inventory.discover();
  const transfer = new BlobTransfer({ work, progress, dryRun, log: silentLogger });
  const reader = new ArchiveReader({
    targets,
    types,
    compression: 'gzip',
    level: 1,
    pool,
    tmpDir: tmpDir(),
    dryRun,
    inventory,
    transfer,
    work,
    progress,
    log: silentLogger,
  });
  return { targets, reader, work };
}

describe('ArchiveReader', () => {
  test('an archive is read once: every layer hashed, compressed and uploaded while compressed', async () => {
    const sink = new MemorySink('org/a', 'reg.test');
    const { targets, reader, work } = await setup([sink]);
    const [img] = await reader.images([
      { file: archive.file, system: 'x86_64-linux', sha256: archive.sha256 },
    ]);
    expect(img!.source).toBe('archive');
    expect(img!.layers.map((l) => l.diffId)).toEqual(archive.diffIds);
    expect(img!.compressed).toBe(3);
    expect(img!.labels).toEqual({ 'org.opencontainers.image.title': 'reader' });
    expect(reader.uncompressed).toBe(archive.layerSizes.reduce((a, b) => a + b, 0));
    await Promise.all(img!.layers.map((l) => l.ready(targets[0]!)));
    const blobs = await Promise.all(img!.layers.map((l) => l.blob()));
    expect(blobs.map((b) => sink.blobs.has(b.digest))).toEqual([true, true, true]);
    expect(reader.compressed).toBe(blobs.reduce((n, b) => n + b.size, 0));
    await work.settle();
  });

  test('a layer a target already holds is only hashed: its blob is the target’s', async () => {
    const sink = new MemorySink('org/a', 'reg.test');
    const stored = await storeImage(sink, { tag: '1.0.0', diffIds: [archive.diffIds[1]!] });
    const { reader, work } = await setup([sink]);
    const [img] = await reader.images([{ file: archive.file }]);
    expect(img!.compressed).toBe(2);
    expect((await img!.layers[1]!.blob()).digest).toBe(stored.layers[archive.diffIds[1]!]);
    await work.settle();
  });

  test('an archive an index records by sha256 is recognised, not read', async () => {
    const sink = new MemorySink('org/a', 'reg.test');
    const stored = await storeImage(sink, {
      tag: '1.0.0',
      diffIds: archive.diffIds,
      archiveSha256: archive.sha256,
    });
    const { reader, work } = await setup([sink]);
    const [img] = await reader.images([{ file: archive.file, system: 'x86_64-linux' }]);
    expect([img!.source, img!.manifest.digest, reader.uncompressed]).toEqual([
      'recognised',
      stored.manifest,
      0,
    ]);
    expect(img!.holders.size).toBe(1);
    await work.settle();
  });

  test('a dry run hashes and compresses nothing: the manifest digest is not known', async () => {
    const sink = new MemorySink('org/a', 'reg.test');
    const { reader, work } = await setup([sink], true);
    const [img] = await reader.images([{ file: archive.file }]);
    expect(reader.inexact).toBe(true);
    expect([img!.compressed, reader.compressed]).toEqual([0, 0]);
    expect(sink.callsOf('putBlob')).toEqual([]);
    await work.settle();
  });

  test('a system the image was not built for is refused, naming the archive', async () => {
    const { reader, work } = await setup([new MemorySink('org/a', 'reg.test')]);
    await expect(reader.images([{ file: archive.file, system: 'aarch64-linux' }])).rejects.toThrow(
      /amd64\.tar\.gz.*built for aarch64-linux/,
    );
    await work.settle();
  });
});
