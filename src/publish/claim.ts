import { createHash } from 'node:crypto';
import { RelengError } from '../errors.js';
import { mapLimit } from '../pool.js';
import { ensureSha256 } from '../storage/hash.js';
import { ClaimLost, describeKey, type Sink } from '../storage/sink.js';
import { type Claim, type PlannedObject, writes } from './plan.js';
import { readBack } from './upload.js';

/**
 * The release's claim: one small object in the version directory, holding the sha256 of the whole tree
 * (every versioned object's key, size and sha256), written `ifAbsent` before the first file of the tree.
 * Each file is claimed by its own write too, but two runs that write at once could each win some files
 * and both fail, leaving a mix; one claim up front makes the race one write: the run that loses it has
 * written nothing of the tree. A claim with our digest is ours (a re-run, a resume, the same release
 * published twice at once); `force` replaces another's. Not written when the tree has nothing to write,
 * so a re-run after success sends nothing. Kept after success: it is what a later run compares against.
 */
export async function claimRelease(
  sink: Sink,
  claim: Claim,
  objects: readonly PlannedObject[],
): Promise<HeldClaim | undefined> {
  if (!objects.some(writes)) return undefined;
  const { version } = claim;
  const tree = [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Files of an artifacts dir are hashed here rather than as each upload reaches them (remembered, so
  // not twice); files of leg bundles carry the sha256 their build recorded.
  const lines = await mapLimit(tree, 4, async (x) => `${await ensureSha256(x)} ${x.size} ${x.key}\n`);
  const digest = createHash('sha256').update(lines.join('')).digest('hex');
  const bytes = Buffer.from(`${JSON.stringify({ schema: 1, version, tree: digest })}\n`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    await sink.putBytes(claim.key, bytes, {
      sha256,
      size: bytes.length,
      contentType: 'application/json',
      ...(claim.force ? {} : { ifAbsent: true }),
    });
  } catch (e) {
    if (!(e instanceof ClaimLost)) throw e;
    throw new RelengError(
      `${describeKey(sink, claim.key)} was written by a concurrent publish with different content (another run publishes ${version} with other files, or one that was stopped did); nothing of this run's tree was written — let that run finish and check which build is the release, then run publish again (force: true replaces that run's bytes with these)`,
      { cause: e },
    );
  }
  return {
    // A server that ignores If-None-Match (Garage, s3rver: docs/reliability.md) lets the last claim win
    // silently. Looked at again before the first pointer moves: a run whose claim was replaced stops
    // there, so it never moves the pointers or writes the index of a release that is not its own.
    async confirm() {
      // Looked at again a few times before it is called replaced: a lagging replica may answer 404.
      const there = await readBack(
        () => sink.head(claim.key),
        (b) => b?.sha256 === sha256,
      );
      if (there?.sha256 === sha256) return;
      throw new RelengError(
        `${describeKey(sink, claim.key)} was replaced by a concurrent publish of ${version} with different content (this server does not honour If-None-Match); no pointer was moved and no index written by this run — let that run finish and check which build is the release and that the tree is its own, then run publish again (force: true replaces that run's bytes with these)`,
      );
    },
  };
}

/** A claim this run wrote, to be confirmed still its own before the pointers move. */
export interface HeldClaim {
  confirm(): Promise<void>;
}
