/**
 * "Nothing was written": what a directory or a git remote holds, in a form two runs can compare.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every file under dir with size and mtime: equal snapshots mean nothing was written. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files(dir)) {
    const st = fs.statSync(f);
    out[path.relative(dir, f)] = `${st.size}@${st.mtimeMs}`;
  }
  return out;
}

/**
 * Content of every file under dir (hashes), git's index excluded: a read that rewrites nothing passes
 * (the index holds stat caches that a read-only `git status` may refresh).
 */
export function contentSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files(dir)) {
    const rel = path.relative(dir, f);
    if (rel === path.join('.git', 'index')) continue;
    out[rel] = createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  }
  return out;
}

/**
 * docker-registry's storage, by content. One thing is left out: the hash state of a *cancelled* upload (no
 * data file beside it). distribution answers DELETE of an upload by removing its directory, then closes the
 * writer, which stores the hash state again (registry/handlers/blobupload.go: closeResources wraps
 * CancelBlobUpload), so a client cannot avoid it; the registry purges it with the stale uploads.
 */
export function registrySnapshot(storage: string): Record<string, string> {
  const all = contentSnapshot(storage);
  const cancelled = (f: string) => {
    const m = /^(.*\/_uploads\/[^/]+)\/hashstates\//.exec(f);
    return m !== null && !(`${m[1]}/data` in all);
  };
  return Object.fromEntries(Object.entries(all).filter(([f]) => !cancelled(f)));
}

/** A repository's refs with the objects they name. */
export function refs(bareRepo: string): string {
  return execFileSync('git', ['for-each-ref', '--format=%(refname) %(objectname)'], {
    cwd: bareRepo,
    encoding: 'utf8',
  }).trim();
}
