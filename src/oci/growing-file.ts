/**
 * Files read while another process is still writing them (igzip's output), and files read in large
 * reused chunks. igzip writes into a file rather than a pipe because a pipe between processes costs both
 * sides a wake-up and a copy per 64 KiB and node a fresh Buffer per read — on a 2-core runner that was
 * more CPU than the compression itself; a file is written at the writer's pace and read back here from
 * the page cache, a megabyte at a time, into the same few buffers.
 */
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

// How long a reader that has caught up with the writer waits before looking again: igzip writes a
// megabyte in a few milliseconds, so a reader is rarely that far ahead and never waits long.
const POLL_MS = 2;

export interface PositionalReader {
  /** Reads up to `length` bytes at `position` into `buf` at `offset`; 0 only at the end. */
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number>;
}

/**
 * A file that a writer (a child process) is filling: a read waits while the writer runs and nothing new
 * is there, ends (0) once the writer has exited and everything is read, and fails with the writer's error
 * when it failed.
 */
export class GrowingFile implements PositionalReader {
  private state: 'writing' | 'done' | 'failed' = 'writing';
  private error: unknown;
  private readonly settled: Promise<void>;

  constructor(
    private readonly fh: FileHandle,
    writer: Promise<void>,
  ) {
    this.settled = writer.then(
      () => {
        this.state = 'done';
      },
      (e: unknown) => {
        this.state = 'failed';
        this.error = e;
      },
    );
  }

  async read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    for (;;) {
      // Looked at before the read: once the writer is done, a short read is the end of the file.
      const state = this.state;
      if (state === 'failed') throw this.error;
      const { bytesRead } = await this.fh.read(buf, offset, length, position);
      if (bytesRead > 0 || state === 'done') return bytesRead;
      await Promise.race([sleep(POLL_MS), this.settled]);
    }
  }
}

/** A file nobody writes any more. */
export function finishedFile(fh: FileHandle): PositionalReader {
  return {
    read: async (buf, offset, length, position) => (await fh.read(buf, offset, length, position)).bytesRead,
  };
}

/**
 * The bytes of `file` from `start` in chunks of `chunk` bytes, read `depth - 1` chunks ahead of the
 * consumer into `depth` buffers that are used again and again. A chunk is valid only until the next one
 * is asked for: a consumer that keeps bytes copies them (the tar reader and the layer handlers do).
 */
export async function* fileChunks(
  file: PositionalReader,
  { start = 0, chunk = 1 << 20, depth = 4 }: { start?: number; chunk?: number; depth?: number } = {},
): AsyncGenerator<Buffer> {
  let position = start;
  let chain: Promise<unknown> = Promise.resolve();
  // Reads one after another (each starts where the last ended); a buffer is filled up unless the file ends.
  const fill = (buf: Buffer): Promise<Buffer> => {
    const p = chain.then(async () => {
      let n = 0;
      while (n < buf.length) {
        const k = await file.read(buf, n, buf.length - n, position + n);
        if (k === 0) break;
        n += k;
      }
      position += n;
      return buf.subarray(0, n);
    });
    chain = p.catch(() => {});
    return p;
  };
  const queue = Array.from({ length: depth }, () => fill(Buffer.allocUnsafeSlow(chunk)));
  for (const p of queue) p.catch(() => {}); // awaited in turn below
  for (;;) {
    const c = await queue.shift()!;
    if (c.length === 0) return;
    yield c;
    // Asked for the next chunk: this one's buffer is free to read ahead into.
    const next = fill(Buffer.from(c.buffer, c.byteOffset, chunk));
    next.catch(() => {});
    queue.push(next);
  }
}
