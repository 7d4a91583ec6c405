/**
 * The bytes of a blob to upload, readable by several uploads at once and again on a retry: a buffer
 * (configs, manifests, small layers) or a spool file that a compressor is still writing — uploads follow
 * it as it grows, so a layer is sent while it is being compressed, and a retry can resend any range.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

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
}

/**
 * A temp file written sequentially (append) and read by ranges meanwhile. The most recent `window` bytes
 * are also kept in memory: uploads that keep up with the writer (the usual case) read from there, so the
 * file is read back only by a slow upload or a retry.
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
  private recent: { start: number; data: Buffer }[] = [];
  private recentBytes = 0;

  constructor(
    readonly file: string,
    private readonly window = 4 << 20,
  ) {
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
    this.opening ??= fs.promises.open(this.file, 'w').then((fh) => (this.fh = fh));
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
    this.recent.push({ start, data: chunk });
    this.recentBytes += chunk.length;
    while (this.recentBytes - this.recent[0]!.data.length >= this.window)
      this.recentBytes -= this.recent.shift()!.data.length;
    this.written = start + chunk.length;
    this.wake();
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
    const first = this.recent[0];
    if (first && first.start <= start) {
      const slices: Buffer[] = [];
      for (const r of this.recent) {
        const s = Math.max(start, r.start);
        const e = Math.min(end, r.start + r.data.length);
        if (s < e) slices.push(r.data.subarray(s - r.start, e - r.start));
      }
      return Readable.from(slices, { objectMode: false });
    }
    return fs.createReadStream(this.file, { start, end: end - 1, highWaterMark: 1 << 20 });
  }

  /** No reader needs the in-memory copy any more (every upload of it is done). */
  forget(): void {
    this.recent = [];
    this.recentBytes = 0;
  }

  async dispose(): Promise<void> {
    this.forget();
    if (!this.finished) this.fail(new Error('spool disposed'));
    await this.fh?.close().catch(() => {});
    await fs.promises.rm(this.file, { force: true });
  }
}
