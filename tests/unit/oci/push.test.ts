// pushImages end to end on in-memory sinks: the order of writes (blobs → manifests → index → `{version}`
// tags → pointer tags), one upload per registry with mounts for its other repositories, a re-run that
// reads no archive and sends nothing, and a target that cannot be reached.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RelengErrors } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { CompressionPool } from '../../../src/oci/compress.js';
import { type PushOptions, pushImages } from '../../../src/oci/push.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { MemorySink } from '../../helpers/memory-sink.js';
import { tmpDir } from '../../helpers/tmp.js';

let amd64: WrittenArchive;
let arm64: WrittenArchive;
const pool = new CompressionPool(2);

beforeAll(async () => {
  const dir = tmpDir('releng-push-');
  const make = (arch: string) =>
    writeDockerArchive(path.join(dir, arch), {
      layers: syntheticLayers(arch, 2, 2, 8),
      architecture: arch,
      labels: { 'org.opencontainers.image.version': '2.93.0' },
    });
  [amd64, arm64] = await Promise.all([make('amd64'), make('arm64')]);
});
afterAll(() => pool.close());

const TAGS = [
  { name: '2.93.0', immutable: true },
  { name: '2.93', immutable: false },
];

function options(sinks: MemorySink[], extra: Partial<PushOptions> = {}): PushOptions {
  return {
    archives: [
      { file: amd64.file, system: 'x86_64-linux', sha256: amd64.sha256 },
      { file: arm64.file, system: 'aarch64-linux' },
    ],
    targets: sinks.map((sink) => ({ sink, tags: TAGS })),
    mediaTypes: 'oci',
    compression: 'gzip',
    level: 1,
    annotations: {},
    descriptorAnnotations: false,
    force: false,
    dryRun: false,
    tmpDir: tmpDir('releng-spool-'),
    log: silentLogger,
    pool,
    ...extra,
  };
}

describe('pushImages', () => {
  test('two repositories of one registry: each layer uploaded once and mounted; tags written last', async () => {
    const a = new MemorySink('org/a', 'registry.test');
    const b = new MemorySink('org/b', 'registry.test');
    const r = await pushImages(options([a, b]));

    expect(r.index).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.targets.map((t) => [t.ref, t.digest, t.tagsWritten])).toEqual([
      ['registry.test/org/a', r.index, ['2.93.0', '2.93']],
      ['registry.test/org/b', r.index, ['2.93.0', '2.93']],
    ]);
    expect(r.images.map((i) => [i.platform, i.layers, i.compressed, i.source])).toEqual([
      ['linux/amd64', 2, 2, 'archive'],
      ['linux/arm64', 2, 2, 'archive'],
    ]);
    // 4 layers and 2 configs: the layers go up to one repository and are mounted into the other (a
    // config, sent to both at once, may be uploaded twice or mounted).
    const [first, second] = a.callsOf('putBlob').length === 6 ? [a, b] : [b, a];
    expect(first.callsOf('putBlob')).toHaveLength(6);
    const mounted = second.callsOf('mount').filter((c) => !c.endsWith('refused'));
    expect(mounted.length).toBeGreaterThanOrEqual(4);
    expect(second.callsOf('putBlob').length + mounted.length).toBe(6);
    expect(r.targets.reduce((n, t) => n + t.blobsMounted, 0)).toBe(mounted.length);
    for (const sink of [a, b]) {
      // Manifests by digest before the index; the versioned tag before the pointer tag; nothing after.
      const writes = sink.callsOf('putManifest').map((c) => c.slice('putManifest '.length));
      expect(writes.slice(-3)).toEqual([r.index, '2.93.0', '2.93']);
      expect(writes.slice(0, 2).every((w) => w.startsWith('sha256:'))).toBe(true);
      expect(sink.tags.get('2.93.0')).toBe(r.index);
      expect(sink.closed).toBe(true);
    }
  });

  test('a re-run recognises both archives from the index: nothing read, nothing sent', async () => {
    const sink = new MemorySink('org/rerun', 'registry.test');
    const first = await pushImages(options([sink]));
    sink.calls.length = 0;
    const again = await pushImages(options([sink]));
    expect(again.index).toBe(first.index);
    expect(again.images.map((i) => i.source)).toEqual(['recognised', 'recognised']);
    expect(again.uncompressedBytes).toBe(0);
    expect(sink.callsOf('putBlob')).toEqual([]);
    expect(sink.callsOf('putManifest')).toEqual([]);
    expect(again.targets[0]!.tagsWritten).toEqual([]);
  });

  test('a new target next to one that holds the images gets every blob copied, not compressed', async () => {
    const held = new MemorySink('org/held', 'one.test');
    await pushImages(options([held]));
    const fresh = new MemorySink('org/fresh', 'two.test');
    const r = await pushImages(options([held, fresh]));
    expect(r.images.every((i) => i.compressed === 0)).toBe(true);
    expect(fresh.callsOf('putBlob')).toHaveLength(6);
    expect([...fresh.blobs.keys()].sort()).toEqual([...held.blobs.keys()].sort());
    expect(fresh.tags.get('2.93.0')).toBe(r.targets[0]!.digest);
  });

  test('a dry run compresses nothing and writes nothing; its tags are those a run would write', async () => {
    const sink = new MemorySink('org/dry', 'registry.test');
    const r = await pushImages(options([sink], { dryRun: true }));
    expect(r.dryRun).toBe(true);
    expect(r.index).toBe('');
    expect(r.targets[0]!.tagsWritten).toEqual(['2.93.0', '2.93']);
    expect(sink.callsOf('putBlob')).toEqual([]);
    expect(sink.callsOf('putManifest')).toEqual([]);
  });

  test('a target that cannot be reached stops the push before anything is read or written', async () => {
    const good = new MemorySink('org/good', 'registry.test');
    const bad = new MemorySink('org/bad', 'down.test');
    bad.openError = new Error('connection refused');
    const err = await pushImages(options([good, bad])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelengErrors);
    expect(String((err as RelengErrors).problems)).toMatch(/down\.test\/org\/bad: connection refused/);
    expect(good.callsOf('putBlob')).toEqual([]);
    expect(good.closed && bad.closed).toBe(true);
  });

  test('an archive whose recorded sha256 is wrong writes nothing to any target', async () => {
    const sink = new MemorySink('org/damaged', 'registry.test');
    const o = options([sink]);
    o.archives[0] = { ...o.archives[0]!, sha256: '0'.repeat(64) };
    await expect(pushImages(o)).rejects.toThrow(/its sha256 is [0-9a-f]{64} but the bundle recorded 0{64}/);
    expect(sink.callsOf('putBlob')).toEqual([]);
    expect(sink.callsOf('putManifest')).toEqual([]);
  });
});
