import fs from 'node:fs';
import path from 'node:path';
import { sha256File } from './hash.js';
import { checkKey, type PutOptions, type Sink, type StoredObject } from './sink.js';

/**
 * A directory as a sink (the `local` environment). The sha256 is the file's own, computed when asked:
 * local disks are cheap to read and nothing else could go stale. Writes go to a temp file in the same
 * directory and are renamed into place, so a reader (or a killed run) never sees half a file.
 */
export class DirectorySink implements Sink {
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const f = this.file(key);
    try {
      if (!fs.statSync(f).isFile()) return undefined;
    } catch {
      return undefined;
    }
    return { key, ...(await sha256File(f)) };
  }

  async put(key: string, source: string, _options: PutOptions): Promise<void> {
    const f = this.file(key);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const tmp = `${f}.releng-tmp-${process.pid}`;
    fs.copyFileSync(source, tmp);
    fs.renameSync(tmp, f);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const base = prefix ? this.file(prefix.replace(/\/$/, '')) : this.root;
    if (!fs.existsSync(base)) return [];
    const out: StoredObject[] = [];
    for (const e of fs.readdirSync(base, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || e.name.includes('.releng-tmp-')) continue;
      const f = path.join(e.parentPath, e.name);
      out.push({ key: path.relative(this.root, f).split(path.sep).join('/'), size: fs.statSync(f).size });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) fs.rmSync(this.file(k), { force: true });
  }
}
