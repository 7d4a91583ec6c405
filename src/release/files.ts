import fs from 'node:fs';
import path from 'node:path';
import { describeFsError } from '../config/checkout.js';
import { RelengError } from '../errors.js';
import { isWithin } from '../storage/key.js';

/**
 * Puts `src`'s bytes at `dest`: a hard link where the file system allows one (a release tree beside its
 * leg bundles costs no space), else a copy. An existing `dest` is replaced, unless it is already `src`.
 */
export function placeFile(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const existing = statOrNull(dest);
  if (existing) {
    const s = fs.statSync(src);
    if (existing.ino === s.ino && existing.dev === s.dev) return;
    fs.rmSync(dest, { recursive: true, force: true });
  }
  try {
    fs.linkSync(src, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw e;
    fs.copyFileSync(src, dest);
  }
}

/** Every regular file below `dir`, as sorted relative paths with forward slashes. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** placeFile for every file below `src`, into the same places below `dest`. */
export function placeTree(src: string, dest: string): void {
  fs.mkdirSync(dest, { recursive: true });
  for (const rel of listFiles(src)) placeFile(path.join(src, rel), path.join(dest, rel));
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

/**
 * Copies a file or directory out of the nix store: store files are read-only, so copies get the usual
 * writable modes (0644, 0755 when executable), as the reference's `cp --no-preserve=mode`.
 */
export function copyOutOfStore(src: string, dest: string): void {
  const st = fs.statSync(src);
  if (st.isDirectory()) {
    fs.mkdirSync(dest, { recursive: true });
    for (const name of fs.readdirSync(src).sort())
      copyOutOfStore(path.join(src, name), path.join(dest, name));
    return;
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.rmSync(dest, { force: true });
  fs.copyFileSync(src, dest);
  fs.chmodSync(dest, st.mode & 0o111 ? 0o755 : 0o644);
}

/** What a file system entry is, for a message refusing it. */
function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

const inside = isWithin;

/** A file found below a ContainedDir: its path relative to where the walk started, and the real file. */
export interface ContainedFile {
  /** Forward slashes, relative to the walked directory. */
  path: string;
  /** The real path: what is read. */
  source: string;
  size: number;
}

/**
 * A directory whose content came from elsewhere — a leg bundle, an artifacts dir, a manual — and the one
 * rule every reader of it goes through: nothing outside its real directory is read. A symbolic link may
 * lead to another place inside it (or into `also`: the nix store, for an artifacts dir holding `result`
 * links), never out; only regular files and directories are read (a FIFO would block, a device never end).
 * Messages name the path as given and what it leads to.
 */
export class ContainedDir {
  /** The real path of the directory. */
  readonly real: string;
  private readonly also: string[];

  constructor(
    readonly dir: string,
    /** For messages: `the leg bundle`, `the artifacts dir`. */
    readonly what: string,
    also: string[] = [],
  ) {
    try {
      this.real = fs.realpathSync(dir);
    } catch (e) {
      throw new RelengError(`${dir}: ${describeFsError(e)}`);
    }
    if (!fs.statSync(this.real).isDirectory()) throw new RelengError(`${dir}: is not a directory`);
    this.also = also.flatMap((a) => {
      try {
        return [fs.realpathSync(a)];
      } catch {
        return [];
      }
    });
  }

  /**
   * `p` (a path below `dir`, as the caller built it) resolved, links included, and checked: inside, and a
   * regular file or a directory as asked. Undefined when nothing is there and `optional`.
   */
  resolve(
    p: string,
    kind: 'file' | 'directory',
    o: { optional?: boolean } = {},
  ): { real: string; stat: fs.Stats } | undefined {
    if (!inside(path.resolve(this.dir), path.resolve(p)))
      throw new RelengError(`${p}: is not inside ${this.what} ${this.dir}`);
    let real: string;
    try {
      real = fs.realpathSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink())
        throw new RelengError(`${p}: is a symbolic link that leads nowhere`);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && o.optional) return undefined;
      throw new RelengError(`${p}: ${code === 'ENOENT' ? 'missing' : describeFsError(e)}`);
    }
    if (!inside(this.real, real) && !this.also.some((a) => inside(a, real)))
      throw new RelengError(
        `${p}: leads outside ${this.what} ${this.dir} through a symbolic link (to ${real}); ${this.what} must hold its files itself`,
      );
    const stat = fs.statSync(real);
    if (kind === 'file' && !stat.isFile())
      throw new RelengError(
        `${p}: ${stat.isDirectory() ? 'is a directory, not a file' : `is not a regular file (${kindOf(stat)})`}`,
      );
    if (kind === 'directory' && !stat.isDirectory()) throw new RelengError(`${p}: is not a directory`);
    return { real, stat };
  }

  /**
   * Every regular file below `sub` (a directory inside, as given), sorted by path. Directories are walked
   * as they are (a link to a directory is not followed: it could loop or lead out); a link to a file is
   * read where it leads, when that is inside; anything else is refused.
   */
  files(sub: string = this.dir): ContainedFile[] {
    const start = this.resolve(sub, 'directory')!.real;
    const out: ContainedFile[] = [];
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(start, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        const real = path.join(start, ...r.split('/'));
        const shown = path.join(sub, ...r.split('/'));
        if (e.isDirectory()) walk(r);
        else if (e.isFile()) out.push({ path: r, source: real, size: fs.statSync(real).size });
        else if (e.isSymbolicLink()) {
          const target = this.resolve(shown, 'file')!;
          out.push({ path: r, source: target.real, size: target.stat.size });
        } else throw new RelengError(`${shown}: is not a regular file (${kindOf(fs.lstatSync(real))})`);
      }
    };
    walk('');
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
