import { majorOf } from '../config/version.js';
import type { Git } from '../git/git.js';
import { compareVersions, mayMoveLatest } from '../git/maintenance.js';
import { remoteRefs } from '../git/push.js';

/** A released version, as the maintenance rule counts them (src/git/maintenance.ts). */
const RELEASE_TAG = /^v?\d+\.\d+(\.\d+)?$/;

export interface PointerRule {
  /** May latest-like pointers (root manifest.nix, docs stable, installers, the forge's latest) move? */
  mayMove: boolean;
  /** Why they may not, naming the newer release. */
  heldLatest?: string;
  /** Why the docs MAJOR/ directory may not move: a newer release of the same major exists. */
  heldMajor?: string;
}

/**
 * The maintenance rule for every pointer of this release: released versions are read from the checkout
 * and the environment's remote (a CI checkout of a tag may have no other tags).
 */
export async function pointerRule(
  git: Git,
  isRepo: boolean,
  remote: string | undefined,
  version: string,
): Promise<PointerRule> {
  const tags = new Set<string>();
  if (isRepo) for (const t of (await git.out(['tag', '--list'])).split('\n').filter(Boolean)) tags.add(t);
  if (remote) {
    const refs = await remoteRefs(git, remote, ['refs/tags/*']).catch(() => new Map<string, string>());
    for (const ref of refs.keys()) if (!ref.endsWith('^{}')) tags.add(ref.replace(/^refs\/tags\//, ''));
  }
  const newer = [...tags]
    .filter((t) => RELEASE_TAG.test(t) && compareVersions(t, version) > 0)
    .sort(compareVersions);
  const newestInMajor = newer.filter((t) => majorOf(t) === majorOf(version)).at(-1);
  const mayMove = mayMoveLatest(version, [...tags]);
  return {
    mayMove,
    heldLatest: mayMove
      ? undefined
      : `a newer release (${newer.at(-1)}) exists: the maintenance rule keeps this pointer`,
    heldMajor: newestInMajor ? `a newer ${majorOf(version)} release (${newestInMajor}) exists` : undefined,
  };
}
