/**
 * Layer compression, parallel and deterministic. The input is cut into fixed-size blocks; each block is
 * compressed by one of a few worker threads (one per core), and the results are joined in order into ONE
 * stream:
 * - gzip, pigz-style: each block is raw deflate primed with the previous block's last 32 KiB and ended
 *   with a sync flush (byte-aligned, not final); an empty final block, then the gzip trailer (CRC-32 and
 *   size of the whole input; the workers compute each block's CRC and they are combined here). Same input,
 *   level and block size → same bytes, on the same zlib.
 * - zstd: each block is an independent frame; concatenated frames are one valid zstd stream.
 * Blocks are moved to the workers and back (no copies, no garbage per block) and at most `maxInFlight`
 * are out at a time per layer, so memory stays flat whatever the layer size.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import type { Compression } from './media-types.js';

export const DEFAULT_BLOCK: Record<Compression, number> = { gzip: 1 << 20, zstd: 4 << 20 };
const WINDOW = 32 * 1024;
// A gzip header with no name, no mtime (0) and OS "unknown": nothing in it depends on the machine.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
// The empty final deflate block (BFINAL=1, fixed Huffman, end-of-block).
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** zstd needs Node ≥ 22.15 (zlib.zstdCompressSync). */
export function zstdAvailable(): boolean {
  return typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
}

// The worker: CRC and compression of one block; the block goes back to the caller for reuse. CommonJS
// source evaluated in the worker, so that it travels inside the bundle.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
let table;
function crc32(data, value) {
  if (zlib.crc32) return zlib.crc32(data, value);
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; table[n] = c >>> 0; }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
// Output buffer sized from the last block's ratio: one buffer that fits, moved to the caller whole (the
// output bytes do not depend on how zlib's output space is cut).
let ratio = 0.5;
parentPort.on('message', (m) => {
  try {
    // The block: [WINDOW bytes reserved for the dictionary][data]; the dictionary is the end of the reserve.
    const input = Buffer.from(m.block, m.window, m.length);
    const dictionary = m.dictionary > 0 ? Buffer.from(m.block, m.window - m.dictionary, m.dictionary) : undefined;
    let out, crc = 0;
    const chunkSize = Math.min(m.length + Math.ceil(m.length / 16384) * 5 + 1024, Math.ceil(m.length * ratio * 1.25) + 32768);
    if (m.compression === 'gzip') {
      crc = crc32(input, 0);
      out = zlib.deflateRawSync(input, { level: m.level, memLevel: 9, chunkSize,
        finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) });
    } else {
      out = zlib.zstdCompressSync(input, { chunkSize, params: { [zlib.constants.ZSTD_c_compressionLevel]: m.level } });
    }
    // zlib's own output buffer moves to the caller whole (no copy, and no garbage left here, which this
    // thread's GC would free late); a small one from the shared Buffer pool is copied.
    ratio = out.length / Math.max(1, m.length);
    const own = out.byteOffset === 0 && out.length >= 4096;
    const result = own ? out.buffer : out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
    parentPort.postMessage({ id: m.id, block: m.block, result, length: out.length, crc }, [m.block, result]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, block: m.block, error: String(e && e.message || e) }, [m.block]);
  }
});
`;

interface Job {
  /** WINDOW bytes of room for the dictionary, then the data. */
  block: ArrayBuffer;
  length: number;
  /** Dictionary bytes at the end of the room (0: none). */
  dictionary: number;
  compression: Compression;
  level: number;
}

interface JobResult {
  block: ArrayBuffer;
  out: Buffer;
  crc: number;
}

/** A few compression workers shared by every layer of a run (one per core by default). */
export class CompressionPool {
  private workers: { worker: Worker; busy: number }[] = [];
  private pending = new Map<number, { resolve: (r: JobResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private spare: ArrayBuffer[] = [];

  constructor(readonly size = Math.max(1, os.availableParallelism?.() ?? os.cpus().length)) {}

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      const w = { worker, busy: 0 };
      worker.on(
        'message',
        (m: {
          id: number;
          block: ArrayBuffer;
          result?: ArrayBuffer;
          length: number;
          crc: number;
          error?: string;
        }) => {
          w.busy--;
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.error || !m.result) p?.reject(new Error(`compression failed: ${m.error}`));
          else p?.resolve({ block: m.block, out: Buffer.from(m.result, 0, m.length), crc: m.crc });
        },
      );
      worker.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(w);
    }
  }

  run(job: Job): Promise<JobResult> {
    if (this.workers.length === 0) this.start();
    const w = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    w.busy++;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.worker.postMessage(
        {
          id,
          block: job.block,
          window: WINDOW,
          length: job.length,
          dictionary: job.dictionary,
          compression: job.compression,
          level: job.level,
        },
        [job.block],
      );
    });
  }

  /** A block buffer (room for the dictionary, then `size` bytes): a returned one when there is one. */
  acquire(size: number): ArrayBuffer {
    const i = this.spare.findIndex((b) => b.byteLength === WINDOW + size);
    return i >= 0 ? this.spare.splice(i, 1)[0]! : new ArrayBuffer(WINDOW + size);
  }

  release(block: ArrayBuffer): void {
    if (this.spare.length < this.size * 4) this.spare.push(block);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers = [];
    this.spare = [];
  }
}

export interface CompressorOptions {
  compression: Compression;
  level: number;
  pool: CompressionPool;
  /** Receives the compressed stream in order; awaited (backpressure). */
  out: (chunk: Buffer) => Promise<void> | void;
  blockSize?: number;
  maxInFlight?: number;
}

export interface LayerCompressor {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

export function createCompressor(o: CompressorOptions): LayerCompressor {
  if (o.compression === 'zstd' && !zstdAvailable())
    throw new Error('zstd compression needs Node 22.15 or newer (zlib.zstdCompressSync)');
  return new BlockCompressor(o);
}

// CRC-32 of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine): the workers hash blocks independently.
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]!);
}

export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let c = crc1 >>> 0;
  let len = len2;
  do {
    gf2Square(even, odd);
    if (len & 1) c = gf2Times(even, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len & 1) c = gf2Times(odd, c);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (c ^ crc2) >>> 0;
}

class BlockCompressor implements LayerCompressor {
  private block: ArrayBuffer | undefined;
  private filled = 0;
  private queue: { job: Promise<JobResult>; length: number }[] = [];
  /** The last WINDOW bytes of input: the next block's dictionary. */
  private readonly tail = Buffer.alloc(WINDOW);
  private tailLength = 0;
  private crc = 0;
  private inputSize = 0;
  private started = false;
  private readonly blockSize: number;
  private readonly maxInFlight: number;

  constructor(private readonly o: CompressorOptions) {
    this.blockSize = o.blockSize ?? DEFAULT_BLOCK[o.compression];
    this.maxInFlight = o.maxInFlight ?? o.pool.size * 2 + 1;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.started) await this.start();
    let off = 0;
    while (off < chunk.length) {
      this.block ??= this.o.pool.acquire(this.blockSize);
      const k = Math.min(this.blockSize - this.filled, chunk.length - off);
      new Uint8Array(this.block, WINDOW + this.filled, k).set(chunk.subarray(off, off + k));
      this.filled += k;
      off += k;
      if (this.filled === this.blockSize) await this.dispatch();
    }
  }

  async end(): Promise<void> {
    if (!this.started) await this.start();
    if (this.filled > 0) await this.dispatch();
    while (this.queue.length > 0) await this.emitOne();
    if (this.o.compression === 'gzip') {
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.inputSize % 2 ** 32, 4);
      await this.o.out(FINAL_BLOCK);
      await this.o.out(trailer);
    }
  }

  private async start(): Promise<void> {
    this.started = true;
    if (this.o.compression === 'gzip') await this.o.out(GZIP_HEADER);
  }

  private async dispatch(): Promise<void> {
    const block = this.block!;
    const length = this.filled;
    this.block = undefined;
    this.filled = 0;
    this.inputSize += length;
    let dictionary = 0;
    if (this.o.compression === 'gzip') {
      const bytes = new Uint8Array(block);
      // This block's dictionary goes in its room; the next one's is kept before the block leaves.
      bytes.set(this.tail.subarray(WINDOW - this.tailLength), WINDOW - this.tailLength);
      dictionary = this.tailLength;
      const keep = Math.min(WINDOW, length);
      if (keep < WINDOW) this.tail.copyWithin(0, keep);
      this.tail.set(bytes.subarray(WINDOW + length - keep, WINDOW + length), WINDOW - keep);
      this.tailLength = Math.min(WINDOW, this.tailLength + keep);
    }
    const job = this.o.pool.run({
      block,
      length,
      dictionary,
      compression: this.o.compression,
      level: this.o.level,
    });
    job.catch(() => {}); // surfaced in emitOne; not an unhandled rejection meanwhile
    this.queue.push({ job, length });
    while (this.queue.length >= this.maxInFlight) await this.emitOne();
  }

  private async emitOne(): Promise<void> {
    const { job, length } = this.queue.shift()!;
    const r = await job;
    this.o.pool.release(r.block);
    if (this.o.compression === 'gzip') this.crc = crc32Combine(this.crc, r.crc, length);
    await this.o.out(r.out);
  }
}
