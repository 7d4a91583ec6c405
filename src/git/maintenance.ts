/**
 * The maintenance rule: may this release move "latest"-like pointers (the `latest` tag, root
 * manifest.nix, docs stable/)? The reference guesses from branches (newest tag reachable from HEAD older
 * than the newest on origin/main), which needs full history and an origin/main in the checkout. We ask
 * the question it stands for directly: is there a released version newer than this one? Tags are read
 * from the repository and, when given, the remote (a CI checkout of a tag may have no other tags).
 */
import type { Git } from './git.js';

/** Compares dotted numeric versions; pre-release suffixes sort before the release (2.91.0-rc1 < 2.91.0). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v?(\d+(?:\.\d+)*)(.*)$/.exec(v);
    return { nums: (m?.[1] ?? '').split('.').map(Number), suffix: m?.[2] ?? '' };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (pa.suffix === pb.suffix) return 0;
  if (pa.suffix === '') return 1;
  if (pb.suffix === '') return -1;
  return pa.suffix < pb.suffix ? -1 : 1;
}

const VERSION_TAG = /^v?\d+\.\d+(\.\d+)?$/;

/** True when no released version (a plain X.Y.Z tag) is newer than `version`. */
export function mayMoveLatest(version: string, tags: string[]): boolean {
  return !tags.filter((t) => VERSION_TAG.test(t)).some((t) => compareVersions(t, version) > 0);
}

export async function versionTags(git: Git, remote?: string): Promise<string[]> {
  const local = (await git.out(['tag', '--list'])).split('\n').filter(Boolean);
  if (!remote) return local;
  const r = await git.run(['ls-remote', '--tags', '--refs', remote], { allowFailure: true });
  const remoteTags =
    r.code === 0
      ? r.stdout
          .split('\n')
          .map((l) => l.split('refs/tags/')[1] ?? '')
          .filter(Boolean)
      : [];
  return [...new Set([...local, ...remoteTags])];
}

export type LatestMode = 'auto' | 'true' | 'false';

export async function resolveLatest(
  mode: LatestMode,
  version: string,
  git: Git | undefined,
  remote?: string,
): Promise<boolean> {
  if (mode !== 'auto') return mode === 'true';
  if (!git) return true;
  return mayMoveLatest(version, await versionTags(git, remote));
}
