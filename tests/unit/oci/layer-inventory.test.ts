import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import type { BlobCache } from '../../../src/oci/blob-cache.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { LayerInventory } from '../../../src/oci/layer-inventory.js';
import { mediaTypes, OCI } from '../../../src/oci/media-types.js';
import { TargetState } from '../../../src/oci/target-state.js';
import { MemorySink, storeImage } from '../../helpers/memory-sink.js';

const TAGS = [
  { name: '2.93.0', immutable: true },
  { name: '2.93', immutable: false },
];
const diff = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function inventory(sinks: MemorySink[], cache?: BlobCache) {
  const targets = sinks.map((s) => new TargetState(s, TAGS));
  return {
    targets,
    inventory: new LayerInventory({ targets, compression: 'gzip', cache, log: silentLogger }),
  };
}

describe('LayerInventory', () => {
  test('discovery: what our tags (and latest) name, and the layer blobs of their images', async () => {
    const sink = new MemorySink('org/a', 'reg.test');
    const old = await storeImage(sink, {
      tag: 'latest',
      diffIds: [diff(1), diff(2)],
      archiveSha256: 'f'.repeat(64),
    });
    await storeImage(sink, { tag: '2.93', diffIds: [diff(3)] });
    const { targets, inventory: inv } = inventory([sink]);
    await inv.discover();
    // latest is read for its images, but it is not one of our tags.
    expect([...targets[0]!.existing.keys()].sort()).toEqual(['2.93', '2.93.0']);
    expect(targets[0]!.named('2.93.0')).toBeUndefined();
    expect(inv.known).toHaveLength(2);
    const c = await inv.satisfiable(diff(1));
    expect(c?.digest).toBe(old.layers[diff(1)]);
    expect(c?.holders.has(targets[0]!)).toBe(true);
    expect(await inv.satisfiable(diff(9))).toBeUndefined();
    expect(inv.recognisable()).toBe(true);
    expect(
      inv.publishedFrom('f'.repeat(64), mediaTypes('oci', 'gzip')).map((k) => k.manifest.digest),
    ).toEqual([old.manifest]);
    // Another media type family is not the same image.
    expect(inv.publishedFrom('f'.repeat(64), mediaTypes('docker', 'gzip'))).toEqual([]);
  });

  test('layers of another compression are not candidates; an image with a missing config is skipped', async () => {
    const sink = new MemorySink('org/a', 'reg.test');
    await storeImage(sink, { tag: '2.93', diffIds: [diff(1)], layerType: OCI.layerZstd });
    const broken = await storeImage(sink, { tag: '2.93.0', diffIds: [diff(2)] });
    sink.blobs.delete(broken.config);
    const { inventory: inv } = inventory([sink]);
    await inv.discover();
    expect(inv.known).toHaveLength(1);
    expect(await inv.satisfiable(diff(1))).toBeUndefined();
    expect(await inv.satisfiable(diff(2))).toBeUndefined();
  });

  test('satisfiable asks the other targets (HEAD) for a blob one holds, and the cache names more', async () => {
    const a = new MemorySink('org/a', 'one.test');
    const b = new MemorySink('org/b', 'two.test');
    const stored = await storeImage(a, { tag: '2.93', diffIds: [diff(1)] });
    b.blobs.set(stored.layers[diff(1)]!, a.blobs.get(stored.layers[diff(1)]!)!);
    const cachedBlob = Buffer.from('cached blob');
    b.blobs.set(sha256Digest(cachedBlob), cachedBlob);
    const cache: BlobCache = {
      get: (diffId) =>
        diffId === diff(5)
          ? { digest: sha256Digest(cachedBlob), size: cachedBlob.length, mediaType: OCI.layerGzip }
          : undefined,
      set: () => {},
    };
    const { targets, inventory: inv } = inventory([a, b], cache);
    await inv.discover();
    const c = await inv.satisfiable(diff(1));
    expect([...c!.holders]).toEqual(targets);
    // Asked once: a second question is answered from memory.
    const heads = b.callsOf('head').length;
    await inv.satisfiable(diff(1));
    expect(b.callsOf('head')).toHaveLength(heads);
    const fromCache = await inv.satisfiable(diff(5));
    expect(fromCache?.digest).toBe(sha256Digest(cachedBlob));
    expect([...fromCache!.holders]).toEqual([targets[1]]);
  });

  test('a layer compressed in this run is remembered by diffID', () => {
    const { inventory: inv } = inventory([new MemorySink('x')]);
    const local = { spool: {} as never, blob: new Promise<never>(() => {}), uploads: new Map() };
    expect(inv.local(diff(1))).toBeUndefined();
    inv.setLocal(diff(1), local);
    expect(inv.local(diff(1))).toBe(local);
    inv.setLocal(diff(1), undefined);
    expect(inv.local(diff(1))).toBeUndefined();
  });
});
