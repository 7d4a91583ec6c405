/**
 * Bounded concurrency for many small requests (HEADs, PUTs of small files) and a semaphore that caps the
 * request bodies in flight across every upload of a sink, multipart parts included.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (error) {
        // The first failure stops new work; what is in flight finishes, then it is rethrown.
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
}

/** Like forEachLimit, keeping each item's result in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await forEachLimit(items, limit, async (item, i) => {
    out[i] = await fn(item, i);
  });
  return out;
}

export class Semaphore {
  private waiting: (() => void)[] = [];
  private free: number;
  constructor(readonly size: number) {
    this.free = Math.max(1, size);
  }
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const wake = this.waiting.shift();
      if (wake) wake();
      else this.free++;
    }
  }
}
