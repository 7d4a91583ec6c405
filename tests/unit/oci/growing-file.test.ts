import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { fileChunks, finishedFile, GrowingFile } from '../../../src/oci/growing-file.js';
import { tmpDir } from '../../helpers/tmp.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A child writing `pieces` random pieces into fd `out`, pausing between them; resolves when it exits 0. */
function slowWriter(out: number, pieces: number, bytes: number, exitCode = 0) {
  const script = `for i in $(seq ${pieces}); do head -c ${bytes} /dev/urandom; sleep 0.02; done; exit ${exitCode}`;
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', out, 'inherit'] });
  return new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`)))),
  );
}

describe('fileChunks', () => {
  test('every byte of a file, in order, in chunks read ahead into a few reused buffers', async () => {
    const file = path.join(tmpDir(), 'data');
    const data = randomBytes(5 * 65536 + 123);
    fs.writeFileSync(file, data);
    const fh = await fs.promises.open(file, 'r');
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const c of fileChunks(finishedFile(fh), { chunk: 65536, depth: 3 })) {
      copies.push(Buffer.from(c));
      buffers.add(c.buffer);
    }
    await fh.close();
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    expect(copies.map((c) => c.length)).toEqual([65536, 65536, 65536, 65536, 65536, 123]);
    expect(buffers.size).toBe(3);
  });

  test('from an offset; an empty file gives nothing', async () => {
    const dir = tmpDir();
    const data = randomBytes(100_000);
    fs.writeFileSync(path.join(dir, 'a'), data);
    fs.writeFileSync(path.join(dir, 'empty'), '');
    const a = await fs.promises.open(path.join(dir, 'a'), 'r');
    const e = await fs.promises.open(path.join(dir, 'empty'), 'r');
    const got: Buffer[] = [];
    for await (const c of fileChunks(finishedFile(a), { start: 4000, chunk: 30_000 }))
      got.push(Buffer.from(c));
    expect(Buffer.concat(got).equals(data.subarray(4000))).toBe(true);
    let n = 0;
    for await (const _ of fileChunks(finishedFile(e))) n++;
    expect(n).toBe(0);
    await Promise.all([a.close(), e.close()]);
  });
});

describe('GrowingFile', () => {
  test('a file another process is still writing is read to its end, however far ahead the reader is', async () => {
    const file = path.join(tmpDir(), 'growing');
    const fh = await fs.promises.open(file, 'w+');
    const writer = slowWriter(fh.fd, 8, 50_000);
    const hash = createHash('sha256');
    let n = 0;
    for await (const c of fileChunks(new GrowingFile(fh, writer), { chunk: 64 << 10 })) {
      hash.update(c);
      n += c.length;
    }
    await fh.close();
    expect(n).toBe(400_000);
    expect(hash.digest('hex')).toBe(sha(fs.readFileSync(file)));
  });

  test("a writer that fails fails the reading with the writer's error", async () => {
    const fh = await fs.promises.open(path.join(tmpDir(), 'failing'), 'w+');
    const writer = slowWriter(fh.fd, 2, 10_000, 3);
    const read = (async () => {
      for await (const _ of fileChunks(new GrowingFile(fh, writer))) {
        // reading
      }
    })();
    await expect(read).rejects.toThrow('writer exited 3');
    await fh.close();
  });
});
