import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { BackgroundWork } from '../../../src/oci/background.js';
import { BufferSource } from '../../../src/oci/blob-source.js';
import { BlobTransfer } from '../../../src/oci/blob-transfer.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { OCI } from '../../../src/oci/media-types.js';
import { PushProgress } from '../../../src/oci/push-progress.js';
import { TargetState } from '../../../src/oci/target-state.js';
import { MemorySink } from '../../helpers/memory-sink.js';
import { tmpDir } from '../../helpers/tmp.js';

const bytes = Buffer.from('the blob');
const blob = { mediaType: OCI.layerGzip, digest: sha256Digest(bytes), size: bytes.length };
const target = (repo: string, registry?: string) => new TargetState(new MemorySink(repo, registry), []);
const sinkOf = (t: TargetState) => t.sink as MemorySink;

function transfer(dryRun = false) {
  const work = new BackgroundWork(tmpDir());
  return {
    work,
    transfer: new BlobTransfer({ work, progress: new PushProgress(silentLogger), dryRun, log: silentLogger }),
  };
}

describe('BlobTransfer.ensure', () => {
  test('a target known to hold the blob, or that has it (HEAD), is skipped', async () => {
    const { transfer: x } = transfer();
    const known = target('known');
    const has = target('has');
    sinkOf(has).blobs.set(blob.digest, bytes);
    const holders = new Set([known]);
    await x.ensure(known, blob, holders);
    await x.ensure(has, blob, holders);
    expect(sinkOf(known).calls).toEqual([]);
    expect(sinkOf(has).calls).toEqual([`head ${blob.digest}`]);
    expect(holders.has(has)).toBe(true);
    expect([known.stats.blobsSkipped, has.stats.bytesSkipped]).toEqual([1, bytes.length]);
  });

  test('mounted from a holder on the same registry; uploaded from local bytes otherwise', async () => {
    const { transfer: x } = transfer();
    const a = target('org/a', 'reg.test');
    const b = target('org/b', 'reg.test');
    const c = target('org/c', 'other.test');
    sinkOf(a).blobs.set(blob.digest, bytes);
    const holders = new Set([a]);
    await x.ensure(b, blob, holders);
    expect(sinkOf(b).callsOf('mount')).toEqual([`mount ${blob.digest}`]);
    expect(b.stats.blobsMounted).toBe(1);
    await x.ensure(c, blob, holders, new BufferSource(bytes));
    expect(sinkOf(c).callsOf('putBlob')).toEqual([`putBlob ${blob.digest}`]);
    expect([c.stats.blobsSent, c.stats.bytesSent]).toEqual([1, bytes.length]);
    expect([...holders]).toEqual([a, b, c]);
  });

  test('a blob only another registry holds is downloaded once for every target lacking it', async () => {
    const { work, transfer: x } = transfer();
    const holder = target('org/a', 'one.test');
    sinkOf(holder).blobs.set(blob.digest, bytes);
    let opened = 0;
    const open = holder.sink.openBlob.bind(holder.sink);
    holder.sink.openBlob = (d) => {
      opened++;
      return open(d);
    };
    const [b, c] = [target('org/b', 'two.test'), target('org/c', 'three.test')];
    const holders = new Set([holder]);
    await Promise.all([x.ensure(b, blob, holders), x.ensure(c, blob, holders)]);
    expect(opened).toBe(1);
    expect(sinkOf(b).blobs.get(blob.digest)).toEqual(bytes);
    expect(sinkOf(c).blobs.get(blob.digest)).toEqual(bytes);
    await work.settle();
  });

  test('a copy that comes back with other bytes is an error naming the registry', async () => {
    const { transfer: x } = transfer();
    const holder = target('org/a', 'one.test');
    sinkOf(holder).blobs.set(blob.digest, Buffer.from('other bytes'));
    await expect(x.ensure(target('org/b', 'two.test'), blob, new Set([holder]))).rejects.toThrow(
      /one\.test\/org\/a: blob sha256:[0-9a-f]{64} came back as sha256:/,
    );
  });

  test('each (target, blob) once: a second ensure shares the first', async () => {
    const { transfer: x } = transfer();
    const t = target('org/a', 'reg.test');
    const holders = new Set<TargetState>();
    await Promise.all([
      x.ensure(t, blob, holders, new BufferSource(bytes)),
      x.ensure(t, blob, holders, new BufferSource(bytes)),
    ]);
    await x.ensure(t, blob, holders, new BufferSource(bytes));
    expect(sinkOf(t).callsOf('putBlob')).toHaveLength(1);
  });

  test('a dry run counts what it would send and sends nothing', async () => {
    const { transfer: x } = transfer(true);
    const t = target('org/a', 'reg.test');
    await x.ensure(t, blob, new Set(), new BufferSource(bytes));
    expect(sinkOf(t).callsOf('putBlob')).toEqual([]);
    expect([t.stats.blobsSent, t.stats.bytesSent]).toEqual([1, bytes.length]);
  });
});
