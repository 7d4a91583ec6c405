import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where our temp directories go: `RUNNER_TEMP` on runners (the runner empties it after every job, even one
 * whose process was killed), else the system's temp dir.
 */
export function tempBase(processEnv: NodeJS.ProcessEnv = process.env): string {
  return processEnv.RUNNER_TEMP || os.tmpdir();
}

/**
 * The temp directories of ours: the signing key's file, nix copy's work cache, a merge's generated files,
 * the ssh key and known_hosts (src/git/ssh.ts).
 */
export const WORK_DIRS = {
  key: 'releng-key',
  cache: 'releng-cache',
  merge: 'releng-merge',
  ssh: 'releng-ssh',
} as const;
export type WorkDirPrefix = (typeof WORK_DIRS)[keyof typeof WORK_DIRS];

/** Removes every work directory of ours a killed run left in tempBase (publish calls it when it starts). */
export function removeStaleWorkDirs(processEnv: NodeJS.ProcessEnv = process.env): string[] {
  const base = tempBase(processEnv);
  return Object.values(WORK_DIRS).flatMap((prefix) => removeStale(base, prefix));
}

/**
 * A fresh 0700 directory `PREFIX-PID-XXXXXX` under tempBase. Stale ones of the same prefix — left by a
 * process of ours that is gone (SIGKILL gives no chance to clean up) — are removed first.
 */
export function makeWorkDir(prefix: WorkDirPrefix, processEnv: NodeJS.ProcessEnv = process.env): string {
  const base = tempBase(processEnv);
  removeStale(base, prefix);
  return fs.mkdtempSync(path.join(base, `${prefix}-${process.pid}-`));
}

/** Removes `PREFIX-PID-*` directories in `base` that we own and whose process no longer runs. */
export function removeStale(base: string, prefix: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return removed;
  }
  const pattern = new RegExp(`^${prefix.replace(/[^A-Za-z0-9]/g, '\\$&')}-([0-9]+)-[A-Za-z0-9]{6}$`);
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? 0);
    if (!pid || pid === process.pid || alive(pid)) continue;
    const dir = path.join(base, name);
    const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!stat?.isDirectory() || (process.getuid && stat.uid !== process.getuid())) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Until the returned function is called, a SIGINT or SIGTERM (a cancelled job) runs `remove` first, then
 * the process dies of the signal as it would have. For directories holding a key.
 */
export function removeOnSignal(remove: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
