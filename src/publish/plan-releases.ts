import { belowVersionDir, claimKey, MANIFEST, type TreeFile, versionPrefix } from '../release/tree.js';
import type { OpenDestination } from './destinations.js';
import type { IndexMap } from './index-object.js';
import { newStep, type Planned } from './plan.js';
import { decideVersioned, listing, wanted } from './rules.js';

/** What the planners of versioned files (the release tree, the installers) take. */
export interface VersionedInput {
  destination?: OpenDestination;
  name: string;
  version: string;
  files: readonly TreeFile[];
  /** The per-release index read from the releases destination (empty when none). */
  index: IndexMap;
  force: boolean;
}

/**
 * The release tree in the releases destination: every file but the root manifest.nix (a pointer),
 * versioned — what is there with our bytes is skipped, what is there with other bytes is a conflict.
 * The index and one LIST of the version directory spare a HEAD per object on a re-run.
 */
export async function planReleases(o: VersionedInput): Promise<Planned> {
  const d = o.destination;
  if (!d) return { step: newStep('releases', { skipped: 'skip: releases' }), writes: [], conflicts: [] };
  const prefix = versionPrefix(o.name, o.version);
  const tree = o.files.filter((f) => f.path !== MANIFEST);
  const known = { index: o.index.get('releases'), listing: await listing(d.sink, prefix) };
  const decided = await decideVersioned(
    d.sink,
    tree.map((f) => wanted('releases', f.path, f)),
    known,
    o.force,
  );
  const notes: string[] = [];
  const outside = tree.filter((f) => belowVersionDir(o.name, o.version, f.path) === undefined);
  if (outside.length)
    notes.push(
      `${outside.length} file(s) outside ${prefix}, published as versioned: ${outside[0]!.path}${outside.length > 1 ? ', …' : ''}`,
    );
  return {
    step: newStep('releases', { objects: decided.objects, target: d.location, notes }),
    writes: [
      {
        sink: d.sink,
        objects: decided.objects,
        label: 'release tree',
        verifyPrefix: prefix,
        claim: { key: claimKey(o.name, o.version), version: o.version, force: o.force },
      },
    ],
    conflicts: decided.conflicts,
  };
}
