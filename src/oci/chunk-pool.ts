/**
 * Request bodies of blob uploads: chunk-sized buffers reused from one request to the next (no garbage per
 * chunk), and a bound on how many are out at once per registry. Every layer's last piece goes with its
 * final PUT, and those all start together when the archives are checked: unbounded, that is every layer's
 * last chunk in memory at one moment.
 */

/** ghcr.io refuses chunks over 4 MiB; Forgejo and distribution take any size. */
export const CHUNK_SIZE = 4 << 20;
/** Request bodies in flight per registry: enough to keep a link busy, 16 MiB of buffers at most. */
const MAX_CHUNKS_OUT = 4;

export class ChunkPool {
  private readonly free: Buffer[] = [];
  private out = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly chunkSize = CHUNK_SIZE,
    private readonly max = MAX_CHUNKS_OUT,
  ) {}

  /** A chunk-sized buffer; waits while `max` are out. */
  async acquire(): Promise<Buffer> {
    while (this.out >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    this.out++;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
  }

  release(b: Buffer): void {
    this.out--;
    if (this.free.length < this.max) this.free.push(b);
    this.waiters.shift()?.();
  }

  /** `fn` with a buffer of the pool, given back when it settles. */
  async with<T>(fn: (buffer: Buffer) => Promise<T>): Promise<T> {
    const b = await this.acquire();
    try {
      return await fn(b);
    } finally {
      this.release(b);
    }
  }
}
