/**
 * diffID → compressed blob (digest, size): what a layer became the last time it was compressed. Gzip bytes
 * differ between zlib builds, so a layer is never recompressed in the hope of the same digest; instead a
 * re-run asks each registry (HEAD) for the blob this cache names. A JSON file on disk; on runners the glue
 * persists its directory with @actions/cache. A damaged cache is ignored, never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Compression } from './media-types.js';

export interface CachedBlob {
  digest: string;
  size: number;
  mediaType: string;
}

export interface BlobCache {
  get(diffId: string, compression: Compression): CachedBlob | undefined;
  set(diffId: string, compression: Compression, blob: CachedBlob): void;
}

interface Entry extends CachedBlob {
  /** Last use (ms): the oldest entries go first when the file grows past MAX_ENTRIES. */
  used: number;
}

const MAX_ENTRIES = 20_000;
const VERSION = 1;

export class FileBlobCache implements BlobCache {
  private entries = new Map<string, Entry>();
  private dirty = false;

  constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {
    try {
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        version?: number;
        blobs?: Record<string, Entry>;
      };
      if (data.version === VERSION && data.blobs && typeof data.blobs === 'object')
        for (const [k, v] of Object.entries(data.blobs))
          if (typeof v?.digest === 'string' && typeof v.size === 'number') this.entries.set(k, v);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        log.debug(`${file}: blob cache unreadable (${(e as Error).message}); starting empty`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get changed(): boolean {
    return this.dirty;
  }

  get(diffId: string, compression: Compression): CachedBlob | undefined {
    const e = this.entries.get(`${compression}:${diffId}`);
    if (!e) return undefined;
    return { digest: e.digest, size: e.size, mediaType: e.mediaType };
  }

  set(diffId: string, compression: Compression, blob: CachedBlob): void {
    const key = `${compression}:${diffId}`;
    const old = this.entries.get(key);
    if (old && old.digest === blob.digest && Date.now() - old.used < 86_400_000) return;
    this.entries.set(key, { ...blob, used: Date.now() });
    this.dirty = true;
  }

  /** Writes the file (temp + rename) when something changed; failures are logged, not thrown. */
  save(): void {
    if (!this.dirty) return;
    try {
      const all = [...this.entries.entries()].sort((a, b) => b[1].used - a[1].used).slice(0, MAX_ENTRIES);
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ version: VERSION, blobs: Object.fromEntries(all) }));
      fs.renameSync(tmp, this.file);
      this.dirty = false;
    } catch (e) {
      this.log.warning(
        `blob cache ${this.file} not saved (${(e as Error).message}); the next run compresses again`,
      );
    }
  }
}
