import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { sha256File } from './hash.js';
import { isWithin } from './key.js';
import { checkKey, claimLost, type PutOptions, type Sink, type StoredObject } from './sink.js';

const TMP_MARK = '.releng-tmp-';

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
    const f = path.join(this.root, ...checkKey(key).split('/'));
    this.checkContained(key, f);
    return f;
  }

  /**
   * Nothing is read or written outside the destination's real directory: a symbolic link inside it (to a
   * directory of the runner) would carry the release elsewhere. Checked for every key, on planning's first
   * look at it (head), so a refusal comes before anything is written.
   */
  private checkContained(key: string, f: string): void {
    let root: string;
    try {
      root = fs.realpathSync(this.root);
    } catch {
      return; // not there yet: made by the first write, with nothing in it
    }
    let at = f;
    while (at !== this.root && !fs.lstatSync(at, { throwIfNoEntry: false })) at = path.dirname(at);
    let real: string;
    try {
      real = fs.realpathSync(at);
    } catch {
      real = at; // a dangling link: where it points is outside by definition of refusing it
    }
    const dangling = real === at && fs.lstatSync(at).isSymbolicLink();
    if (at !== this.root && (!isWithin(root, real) || dangling))
      throw new RelengError(
        `${this.root}: '${key}' leads outside the destination ${this.root} through a symbolic link (to ${real}); remove the link or choose another path in releng.yml`,
      );
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

  async put(key: string, source: string, options: PutOptions): Promise<void> {
    await this.write(key, options, (tmp) => fs.promises.copyFile(source, tmp));
  }

  async putBytes(key: string, bytes: Uint8Array, options: PutOptions): Promise<void> {
    await this.write(key, options, (tmp) => fs.promises.writeFile(tmp, bytes));
  }

  /**
   * The bytes go to a temp file beside the object, then into place: renamed over it, or — `ifAbsent` —
   * hard-linked to its name, which fails with EEXIST when another run got there first (link(2) is atomic
   * on local and network file systems alike; rename would silently replace). The temp file never
   * outlives the write.
   */
  private async write(key: string, o: PutOptions, fill: (tmp: string) => Promise<void>): Promise<void> {
    const f = this.file(key);
    await fs.promises.mkdir(path.dirname(f), { recursive: true });
    const tmp = `${f}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await fill(tmp);
      if (!o.ifAbsent) return await fs.promises.rename(tmp, f);
      try {
        await fs.promises.link(tmp, f);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        await claimLost(this, key, o);
      }
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    // A prefix is a string prefix of keys, as in S3: list the deepest directory it names, then filter.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const base = dirPart ? this.file(dirPart) : this.root;
    if (!fs.existsSync(base)) return [];
    const out: StoredObject[] = [];
    for (const e of fs.readdirSync(base, { recursive: true, withFileTypes: true })) {
      if (!e.isFile() || e.name.includes(TMP_MARK)) continue;
      const f = path.join(e.parentPath, e.name);
      const key = path.relative(this.root, f).split(path.sep).join('/');
      if (key.startsWith(prefix)) out.push({ key, size: fs.statSync(f).size });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) {
      fs.rmSync(this.file(k), { force: true });
      // Empty directories left behind are pruned up to the root, as keys without objects vanish in S3.
      let dir = path.dirname(this.file(k));
      while (dir.startsWith(this.root) && dir !== this.root) {
        try {
          fs.rmdirSync(dir);
        } catch {
          break;
        }
        dir = path.dirname(dir);
      }
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.promises.readFile(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR')
        return undefined;
      throw e;
    }
  }

  async hash(key: string): Promise<{ sha256: string; size: number } | undefined> {
    const o = await this.head(key);
    return o?.sha256 ? { sha256: o.sha256, size: o.size } : undefined;
  }

  async check(): Promise<string[]> {
    const dir = this.nearest();
    return fs.statSync(dir).isDirectory() ? [] : [`${this.root}: ${dir} is not a directory`];
  }

  /** The nearest existing ancestor decides: it must be a directory we may write into. */
  private nearest(): string {
    let dir = this.root;
    while (!fs.existsSync(dir)) dir = path.dirname(dir);
    return dir;
  }

  async checkWrite(): Promise<string[]> {
    const dir = this.nearest();
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return [];
    } catch {
      return [
        `${this.root}: ${dir} is not writable; fix its permissions or choose another path in releng.yml`,
      ];
    }
  }
}
