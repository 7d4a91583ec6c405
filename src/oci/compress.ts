/**
 * Layer compression, parallel and deterministic. The input is cut into fixed-size blocks; each block is
 * compressed on the libuv thread pool (zlib's asynchronous calls run there, so the blocks of one layer
 * use every core), and the results are joined in order into ONE stream:
 * - gzip, pigz-style: each block is raw deflate primed with the previous block's last 32 KiB and ended
 *   with a sync flush (byte-aligned, not final); an empty final block, then the gzip trailer (CRC-32 and
 *   size of the whole input). Same input, level and block size → same bytes, on the same zlib.
 * - zstd: each block is an independent frame; concatenated frames are one valid zstd stream.
 * Block buffers are reused and at most `maxInFlight` blocks are out per layer, so memory stays flat
 * whatever the layer size. (Worker threads were tried: a little faster, but each thread's heap keeps its
 * own garbage buffers and the process grew; docs/architecture.md has the figures.)
 */
import os from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compression } from './media-types.js';

export const DEFAULT_BLOCK: Record<Compression, number> = { gzip: 1 << 20, zstd: 4 << 20 };
const WINDOW = 32 * 1024;
// A gzip header with no name, no mtime (0) and OS "unknown": nothing in it depends on the machine.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
// The empty final deflate block (BFINAL=1, fixed Huffman, end-of-block).
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

type ZstdCompress = (
  buf: Buffer,
  o: { params: Record<number, number> },
  cb: (e: Error | null, r: Buffer) => void,
) => void;
const zstdCompress = (zlib as unknown as { zstdCompress?: ZstdCompress }).zstdCompress;
// ZSTD_c_compressionLevel (100 in zstd's enum), where @types/node does not name it.
const ZSTD_LEVEL = (zlib.constants as unknown as Record<string, number>).ZSTD_c_compressionLevel ?? 100;

/** zstd needs Node ≥ 22.15 (zlib.zstdCompress). */
export function zstdAvailable(): boolean {
  return typeof zstdCompress === 'function';
}

function zstd(input: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    zstdCompress!(input, { params: { [ZSTD_LEVEL]: level } }, (e, r) => (e ? reject(e) : resolve(r))),
  );
}

const deflateRaw = promisify(zlib.deflateRaw) as (buf: Buffer, o: zlib.ZlibOptions) => Promise<Buffer>;

/** deflate's worst case (stored blocks: 5 bytes per 16 KiB) plus the flush marker, with room to spare. */
function outputBound(n: number): number {
  return n + Math.ceil(n / 16384) * 5 + 1024;
}

/** Node ≥ 20.15 has zlib.crc32; older Node gets a table-driven one. */
const crc32: (data: Buffer, value: number) => number =
  (zlib as unknown as { crc32?: (d: Buffer, v: number) => number }).crc32 ?? crc32Table;

let TABLE: Uint32Array | undefined;
function crc32Table(data: Buffer, value: number): number {
  if (!TABLE) {
    TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      TABLE[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

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

/**
 * The compression jobs of a run: at most `size` at once (one per core: the rest of the pool stays free for
 * file reads and gunzip), and the block buffers they travel in, reused.
 */
export class CompressionPool {
  private active = 0;
  private waiting: (() => void)[] = [];
  private spare: ArrayBuffer[] = [];
  /** Output size of the last block over its input: the next output buffer is sized from it. */
  private ratio = 0.5;

  constructor(readonly size = Math.max(1, os.availableParallelism?.() ?? os.cpus().length)) {}

  async run(job: Job): Promise<JobResult> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      const input = Buffer.from(job.block, WINDOW, job.length);
      if (job.compression === 'zstd') return { block: job.block, out: await zstd(input, job.level), crc: 0 };
      const dictionary =
        job.dictionary > 0 ? Buffer.from(job.block, WINDOW - job.dictionary, job.dictionary) : undefined;
      const crc = crc32(input, 0);
      const out = await deflateRaw(input, {
        level: job.level,
        memLevel: 9,
        // One output buffer that fits (the default 16 KiB means a round trip through the main thread per
        // 16 KiB); the bytes do not depend on how zlib's output space is cut.
        chunkSize: Math.min(outputBound(job.length), Math.ceil(job.length * this.ratio * 1.25) + 32768),
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        ...(dictionary ? { dictionary } : {}),
      });
      this.ratio = out.length / Math.max(1, job.length);
      return { block: job.block, out, crc };
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** A block buffer (room for the dictionary, then `size` bytes): a returned one when there is one. */
  acquire(size: number): ArrayBuffer {
    const i = this.spare.findIndex((b) => b.byteLength === WINDOW + size);
    return i >= 0 ? this.spare.splice(i, 1)[0]! : new ArrayBuffer(WINDOW + size);
  }

  release(block: ArrayBuffer): void {
    if (this.spare.length < this.size * 2) this.spare.push(block);
  }

  async close(): Promise<void> {
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
  /** Gives up (the layer failed): nothing more is written, nothing is left running. */
  abort(): void;
}

export function createCompressor(o: CompressorOptions): LayerCompressor {
  if (o.compression === 'zstd' && !zstdAvailable())
    throw new Error('zstd compression needs Node 22.15 or newer (zlib.zstdCompress)');
  return new BlockCompressor(o);
}

// CRC-32 of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine): blocks are hashed independently.
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
  /** The last block's `out`: it runs while the next block is awaited (one write pending at most). */
  private writing: Promise<void> = Promise.resolve();
  private started = false;
  private readonly blockSize: number;
  private readonly maxInFlight: number;

  constructor(private readonly o: CompressorOptions) {
    this.blockSize = o.blockSize ?? DEFAULT_BLOCK[o.compression];
    this.maxInFlight = o.maxInFlight ?? o.pool.size + 1;
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
    await this.writing;
    if (this.o.compression === 'gzip') {
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.inputSize % 2 ** 32, 4);
      await this.o.out(FINAL_BLOCK);
      await this.o.out(trailer);
    }
  }

  abort(): void {
    // Blocks in flight finish on the pool and are dropped with this compressor.
    this.queue = [];
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
    await this.writing;
    const w = Promise.resolve(this.o.out(r.out));
    w.catch(() => {}); // surfaced by the next emitOne or end
    this.writing = w;
  }
}
