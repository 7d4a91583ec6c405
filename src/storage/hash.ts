import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { CHUNK, giveBuffer, takeBuffer } from './buffers.js';

/**
 * Streams a file through sha256; never holds it in memory. Reads are synchronous, a pooled chunk at a time:
 * for the page-cached files of a release a read is a memory copy, cheaper than a trip through the thread
 * pool and a promise, and short enough not to stall the uploads sharing the event loop.
 */
export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const buf = takeBuffer();
  const fd = fs.openSync(file, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, size);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
      // Let the uploads in flight run between chunks.
      if (size % (4 * CHUNK) === 0) await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    fs.closeSync(fd);
    giveBuffer(buf);
  }
  return { sha256: hash.digest('hex'), size };
}

const memo = new Map<string, Promise<string>>();

/**
 * The sha256 of `x.source`, computed when first needed and kept in `x.sha256`: a tree read from an
 * artifacts dir is hashed file by file as the upload reaches it (overlapping the uploads), not all up front.
 * Remembered per file (path, size and mtime), so an object planned twice is read once.
 */
export async function ensureSha256(x: { source?: string; sha256: string }): Promise<string> {
  if (x.sha256) return x.sha256;
  if (!x.source) throw new Error('internal: nothing to hash');
  const st = fs.statSync(x.source);
  const id = `${x.source}\0${st.size}\0${st.mtimeMs}`;
  let p = memo.get(id);
  if (!p) {
    p = sha256File(x.source).then((r) => r.sha256);
    memo.set(id, p);
  }
  x.sha256 = await p;
  return x.sha256;
}
