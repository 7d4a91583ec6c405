import fs from 'node:fs';
import path from 'node:path';

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
