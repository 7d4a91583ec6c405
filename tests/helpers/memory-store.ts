import { createHash } from 'node:crypto';
import type { PutOptions, Sink, StoredObject } from '../../src/storage/sink.js';

export const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** An in-memory sink that records its requests (so "skipped without a HEAD" is checked, not assumed). */
export class MemoryStore implements Sink {
  readonly location = 'mem://bucket';
  objects = new Map<string, { bytes: string; meta?: string }>();
  calls: string[] = [];
  /** The options of the last write of each key (PutOptions.ifAbsent: which writes were claims). */
  putOptions = new Map<string, PutOptions>();
  set(key: string, bytes: string, withMeta = true) {
    this.objects.set(key, { bytes, meta: withMeta ? sha(bytes) : undefined });
  }
  async head(key: string): Promise<StoredObject | undefined> {
    this.calls.push(`HEAD ${key}`);
    const o = this.objects.get(key);
    return o ? { key, size: o.bytes.length, sha256: o.meta } : undefined;
  }
  async put(key: string, _file: string, o: PutOptions) {
    this.calls.push(`PUT ${key}`);
    this.putOptions.set(key, o);
    this.objects.set(key, { bytes: 'x'.repeat(o.size), meta: o.sha256 });
  }
  async putBytes(key: string, bytes: Uint8Array, o: PutOptions) {
    this.calls.push(`PUT ${key}`);
    this.putOptions.set(key, o);
    this.objects.set(key, { bytes: Buffer.from(bytes).toString(), meta: o.sha256 });
  }
  async list(prefix: string) {
    this.calls.push(`LIST ${prefix}`);
    return [...this.objects]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.bytes.length }));
  }
  async delete(keys: string[]) {
    for (const k of keys) this.objects.delete(k);
  }
  async get(key: string) {
    this.calls.push(`GET ${key}`);
    const o = this.objects.get(key);
    return o ? Buffer.from(o.bytes) : undefined;
  }
  async hash(key: string) {
    this.calls.push(`HASH ${key}`);
    const o = this.objects.get(key);
    return o ? { sha256: sha(o.bytes), size: o.bytes.length } : undefined;
  }
  async check() {
    return [];
  }
  async checkWrite() {
    return [];
  }
}
