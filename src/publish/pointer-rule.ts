import { majorOf } from '../config/version.js';
import type { Git } from '../git/git.js';
import { readMaintenanceRule } from '../release/maintenance.js';

export interface PointerRule {
  /** May latest-like pointers (root manifest.nix, docs stable, installers, the forge's latest, `latest`) move? */
  mayMove: boolean;
  /** May this major's pointers (docs MAJOR/, the `{major}` image tags) move: no newer release of it? */
  mayMoveMajor: boolean;
  /** Why they may not, naming the newer release. */
  heldLatest?: string;
  /** Why the docs MAJOR/ directory may not move: a newer release of the same major exists. */
  heldMajor?: string;
}

/**
 * The maintenance rule (src/release/maintenance.ts) for every pointer of this release, in publish's words:
 * released versions are read from the checkout and the environment's remote.
 */
export async function pointerRule(
  git: Git,
  isRepo: boolean,
  remote: string | undefined,
  version: string,
): Promise<PointerRule> {
  const rule = await readMaintenanceRule(git, version, { isRepo, remote });
  return {
    mayMove: rule.mayMoveLatest,
    mayMoveMajor: rule.mayMoveMajor,
    heldLatest: rule.newerRelease
      ? `a newer release (${rule.newerRelease}) exists: the maintenance rule keeps this pointer`
      : undefined,
    heldMajor: rule.newerInMajor
      ? `a newer ${majorOf(version)} release (${rule.newerInMajor}) exists`
      : undefined,
  };
}
