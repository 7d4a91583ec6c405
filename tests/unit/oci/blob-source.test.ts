import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { type BlobSource, BufferSource, gatedSource, SpoolFile } from '../../../src/oci/blob-source.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { tmpDir } from '../../helpers/tmp.js';

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

describe('BufferSource', () => {
  test('complete from the start; any range, any number of times', async () => {
    const data = Buffer.from('0123456789');
    const s: BlobSource = new BufferSource(data);
    expect(await s.done).toEqual({ digest: sha256Digest(data), size: 10 });
    expect([s.complete(), s.available(), await s.waitFor(100)]).toEqual([true, 10, 10]);
    expect((await s.readInto(Buffer.alloc(10), 2, 5)).toString()).toBe('234');
    expect((await collect(s.read(5, 10))).toString()).toBe('56789');
    // A digest given (a config's, known from the archive) is taken as it is.
    expect((await new BufferSource(data, 'sha256:given').done).digest).toBe('sha256:given');
  });
});

describe('SpoolFile', () => {
  test('readers wait for bytes as they are appended, and read any range meanwhile', async () => {
    const spool = SpoolFile.inDir(tmpDir(), 'spool');
    const waiting = spool.waitFor(6);
    await spool.append(Buffer.from('abc'));
    expect(spool.available()).toBe(3);
    await spool.append(Buffer.from('defg'));
    expect(await waiting).toBe(7);
    expect((await spool.readInto(Buffer.alloc(4), 1, 5)).toString()).toBe('bcde');
    expect(spool.complete()).toBe(false);
    const info = await spool.finish();
    expect(info).toEqual({ digest: sha256Digest('abcdefg'), size: 7 });
    expect(await spool.done).toEqual(info);
    // Past the end once complete: the waiter gets what there is.
    expect(await spool.waitFor(100)).toBe(7);
    expect((await collect(spool.read(0, 7))).toString()).toBe('abcdefg');
    await spool.dispose();
  });

  test('a failed producer fails every reader, waiting or not', async () => {
    const spool = SpoolFile.inDir(tmpDir(), 'spool');
    const waiting = spool.waitFor(10);
    spool.fail(new Error('bad archive'));
    await expect(waiting).rejects.toThrow('bad archive');
    await expect(spool.waitFor(1)).rejects.toThrow('bad archive');
    await expect(spool.done).rejects.toThrow('bad archive');
    await spool.dispose();
  });

  test('follow: the blob another process writes into the file, complete when it exits and is verified', async () => {
    const spool = SpoolFile.inDir(tmpDir(), 'spool');
    const data = randomBytes(3 << 20);
    const fd = await spool.writerFd();
    const child = spawn('sh', ['-c', 'cat'], { stdio: ['pipe', fd, 'inherit'] });
    const exited = new Promise<void>((resolve, reject) =>
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))),
    );
    let verified = -1;
    const followed = spool.follow(exited, async (size) => {
      verified = size;
    });
    child.stdin!.end(data);
    expect(await followed).toEqual({ digest: sha256Digest(data), size: data.length });
    expect(verified).toBe(data.length);
    await spool.dispose();
  });

  test('follow: a verification that fails leaves the blob uncommitted', async () => {
    const spool = SpoolFile.inDir(tmpDir(), 'spool');
    await spool.writerFd();
    const followed = spool.follow(Promise.resolve(), async () => {
      throw new Error('trailer does not count every byte');
    });
    await expect(followed).rejects.toThrow('trailer does not count');
    expect(spool.complete()).toBe(false);
    await spool.dispose();
  });
});

describe('gatedSource', () => {
  test('bytes pass at once; the blob is held — not done — until the gate opens', async () => {
    const inner = new BufferSource(Buffer.from('layer'));
    let open!: () => void;
    const gated = gatedSource(
      inner,
      new Promise<void>((r) => {
        open = r;
      }),
    );
    expect([gated.held?.(), gated.available(), gated.complete()]).toEqual([true, 5, true]);
    let done = false;
    void gated.done.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    open();
    expect((await gated.done).size).toBe(5);
    expect(gated.held?.()).toBe(false);
  });

  test('a gate that fails (a bad archive elsewhere) fails the blob', async () => {
    const gated = gatedSource(
      new BufferSource(Buffer.from('layer')),
      Promise.reject(new Error('bad archive')),
    );
    await expect(gated.done).rejects.toThrow('bad archive');
    expect(gated.held?.()).toBe(true);
  });
});
