/**
 * The maintenance rule: may this release move "latest"-like pointers (the `latest` image tag, root
 * manifest.nix, docs stable/, installer pointers, the forge's latest release)? The reference guesses from
 * branches (newest tag reachable from HEAD older than the newest on origin/main), which needs full
 * history and an origin/main in the checkout. We ask the question it stands for directly: is there a
 * released version newer than this one? Tags are read from the repository and, when given, the remote
 * (a CI checkout of a tag may have no other tags). A major's own pointers (`{major}` tags, docs MAJOR/)
 * follow the same question within the major: they move unless a newer release of that major exists.
 * One rule for publish's pointers and the docker step.
 */
import { majorOf } from '../config/version.js';
import type { Git } from '../git/git.js';
import { remoteRefs } from '../git/push.js';

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

/** A released version: a plain X.Y or X.Y.Z tag (release candidates do not count). */
const RELEASE_TAG = /^v?\d+\.\d+(\.\d+)?$/;

export interface MaintenanceRule {
  /** No released version is newer than this one: latest-like pointers may move. */
  mayMoveLatest: boolean;
  /** No released version of this one's major (`X.Y`) is newer: the major's pointers may move. */
  mayMoveMajor: boolean;
  /** The newest released version newer than this one (why the pointers stay). */
  newerRelease?: string;
  /** The newest released version of this one's major newer than this one (its major's pointers stay). */
  newerInMajor?: string;
}

/** The rule for `version`, given the tags that exist. */
export function maintenanceRule(version: string, tags: string[]): MaintenanceRule {
  const newer = tags
    .filter((t) => RELEASE_TAG.test(t) && compareVersions(t, version) > 0)
    .sort(compareVersions);
  const newerInMajor = newer.filter((t) => majorOf(t.replace(/^v/, '')) === majorOf(version)).at(-1);
  return {
    mayMoveLatest: newer.length === 0,
    mayMoveMajor: newerInMajor === undefined,
    newerRelease: newer.at(-1),
    newerInMajor,
  };
}

/** True when no released version is newer than `version`. */
export function mayMoveLatest(version: string, tags: string[]): boolean {
  return maintenanceRule(version, tags).mayMoveLatest;
}

/**
 * The tags of the checkout (when `git` works in one) and of `remote` (when given; an unreachable remote
 * adds none).
 */
export async function releaseTags(git: Git, o: { isRepo: boolean; remote?: string }): Promise<string[]> {
  const tags = new Set<string>();
  if (o.isRepo) for (const t of (await git.out(['tag', '--list'])).split('\n').filter(Boolean)) tags.add(t);
  if (o.remote) {
    const refs = await remoteRefs(git, o.remote, ['refs/tags/*']).catch(() => new Map<string, string>());
    for (const ref of refs.keys()) if (!ref.endsWith('^{}')) tags.add(ref.replace(/^refs\/tags\//, ''));
  }
  return [...tags];
}

/** The rule for `version`, from the tags of the checkout and the remote. */
export async function readMaintenanceRule(
  git: Git,
  version: string,
  o: { isRepo: boolean; remote?: string },
): Promise<MaintenanceRule> {
  return maintenanceRule(version, await releaseTags(git, o));
}
