/**
 * Work done once per key: the first caller starts it, every later caller (at the same time or after)
 * shares its promise, failure included — a blob is ensured on a target, copied from a registry, or an
 * archive hashed once however many images and targets need it.
 */
export class Memo<K, V> {
  private readonly runs = new Map<K, Promise<V>>();

  /** The run for `key`, started with `work` if there is none yet. */
  get(key: K, work: () => Promise<V>): Promise<V> {
    let p = this.runs.get(key);
    if (!p) {
      p = work();
      this.runs.set(key, p);
    }
    return p;
  }

  /** Records a result found another way (no work to start for it later). */
  set(key: K, value: Promise<V>): void {
    this.runs.set(key, value);
  }
}
