/**
 * The bytes of a blob to upload, readable by several uploads at once and again on a retry: a buffer
 * (configs, manifests, small layers) or a spool file that a compressor is still writing — uploads follow
 * it as it grows, so a layer is sent while it is being compressed, and a retry can resend any range.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GrowingFile } from './growing-file.js';

// What a followed spool is read in: uploads wait for whole 4 MiB chunks anyway.
const FOLLOW_CHUNK = 1 << 20;

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface BlobSource {
  /** Bytes written so far. */
  available(): number;
  /** Resolves when at least n bytes are written or the blob is complete; gives available(). */
  waitFor(n: number): Promise<number>;
  complete(): boolean;
  /** Digest and size once complete; rejects when the producer failed. */
  readonly done: Promise<BlobInfo>;
  /** Bytes [start, end), end ≤ available(). */
  read(start: number, end: number): Readable;
  /** Bytes [start, end) into `into` (at least end - start long); gives the filled part. */
  readInto(into: Buffer, start: number, end: number): Promise<Buffer>;
  /** True while the blob, even complete, may not be committed yet (see gatedSource). */
  held?(): boolean;
}

/**
 * `source` whose `done` also waits for `gate`: uploads follow the bytes as they come, but no sink commits
 * the blob (the final PUT, the rename into the layout) before the gate opens — and none does if it fails.
 */
export function gatedSource(source: BlobSource, gate: Promise<void>): BlobSource {
  const done = Promise.all([source.done, gate]).then(([info]) => info);
  done.catch(() => {});
  let open = false;
  gate.then(
    () => {
      open = true;
    },
    () => {},
  );
  return {
    held: () => !open,
    available: () => source.available(),
    waitFor: (n) => source.waitFor(n),
    complete: () => source.complete(),
    done,
    read: (start, end) => source.read(start, end),
    readInto: (into, start, end) => source.readInto(into, start, end),
  };
}

export class BufferSource implements BlobSource {
  readonly done: Promise<BlobInfo>;
  constructor(
    readonly data: Buffer,
    digest?: string,
  ) {
    this.done = Promise.resolve({
      digest: digest ?? `sha256:${createHash('sha256').update(data).digest('hex')}`,
      size: data.length,
    });
  }
  available() {
    return this.data.length;
  }
  async waitFor() {
    return this.data.length;
  }
  complete() {
    return true;
  }
  read(start: number, end: number): Readable {
    return Readable.from([this.data.subarray(start, end)], { objectMode: false });
  }
  async readInto(_into: Buffer, start: number, end: number): Promise<Buffer> {
    return this.data.subarray(start, end);
  }
}

/**
 * A temp file written sequentially (append) and read by ranges meanwhile: uploads follow it as it grows,
 * each reading its next chunk into a buffer of its own (one read, no garbage), and a retry reads again.
 */
export class SpoolFile implements BlobSource {
  readonly done: Promise<BlobInfo>;
  private resolveDone!: (b: BlobInfo) => void;
  private rejectDone!: (e: unknown) => void;
  private fh: fs.promises.FileHandle | undefined;
  private opening: Promise<fs.promises.FileHandle> | undefined;
  private written = 0;
  private finished = false;
  private failed: unknown;
  private waiters: { n: number; resolve: (v: number) => void; reject: (e: unknown) => void }[] = [];
  private readonly hash: Hash = createHash('sha256');

  constructor(readonly file: string) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  static inDir(dir: string, name: string): SpoolFile {
    return new SpoolFile(path.join(dir, `${name}.${process.pid}.${Math.random().toString(36).slice(2)}`));
  }

  private handle(): Promise<fs.promises.FileHandle> {
    this.opening ??= fs.promises.open(this.file, 'w+').then((fh) => (this.fh = fh));
    return this.opening;
  }

  async append(chunk: Buffer): Promise<void> {
    const fh = await this.handle();
    this.hash.update(chunk);
    const start = this.written;
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, start + off);
      off += bytesWritten;
    }
    this.written = start + chunk.length;
    this.wake();
  }

  /** The file's descriptor, for a child process to write the blob into (as its stdout); see `follow`. */
  async writerFd(): Promise<number> {
    return (await this.handle()).fd;
  }

  /**
   * The blob as another process writes it (into `writerFd()`): reads the file as it grows — hashing it,
   * letting uploads follow — and completes it once the writer has exited cleanly and `verify` (given the
   * size) found the file whole; until then no upload may commit it.
   */
  async follow(writer: Promise<void>, verify?: (size: number) => Promise<void>): Promise<BlobInfo> {
    const file = new GrowingFile(await this.handle(), writer);
    const buf = Buffer.allocUnsafeSlow(FOLLOW_CHUNK);
    for (;;) {
      const n = await file.read(buf, 0, buf.length, this.written);
      if (n === 0) break;
      this.hash.update(n === buf.length ? buf : buf.subarray(0, n));
      this.written += n;
      this.wake();
    }
    await verify?.(this.written);
    return this.finish();
  }

  /** Completes the blob; gives its digest and size. */
  async finish(): Promise<BlobInfo> {
    await this.handle();
    const info = { digest: `sha256:${this.hash.digest('hex')}`, size: this.written };
    this.finished = true;
    this.resolveDone(info);
    this.wake();
    return info;
  }

  fail(err: unknown): void {
    if (this.finished) return;
    this.failed = err;
    this.rejectDone(err);
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.written >= w.n || this.finished) {
        w.resolve(this.written);
        return false;
      }
      return true;
    });
  }

  available(): number {
    return this.written;
  }

  complete(): boolean {
    return this.finished;
  }

  waitFor(n: number): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.written >= n || this.finished) return Promise.resolve(this.written);
    return new Promise((resolve, reject) => this.waiters.push({ n, resolve, reject }));
  }

  read(start: number, end: number): Readable {
    if (end <= start) return Readable.from([], { objectMode: false });
    return fs.createReadStream(this.file, { start, end: end - 1, highWaterMark: 1 << 20 });
  }

  async readInto(into: Buffer, start: number, end: number): Promise<Buffer> {
    const fh = await this.handle();
    let off = 0;
    while (start + off < end) {
      const { bytesRead } = await fh.read(into, off, end - start - off, start + off);
      if (bytesRead === 0) throw new Error(`${this.file}: ends at ${start + off}, before ${end}`);
      off += bytesRead;
    }
    return into.subarray(0, off);
  }

  async dispose(): Promise<void> {
    if (!this.finished) this.fail(new Error('spool disposed'));
    await this.fh?.close().catch(() => {});
    await fs.promises.rm(this.file, { force: true });
  }
}
