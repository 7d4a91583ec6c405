import { manualLabel, manualPrefix, type TreeFile } from '../release/tree.js';
import type { OpenDestination } from './destinations.js';
import { newStep, type Planned } from './plan.js';
import { decideSync, wanted } from './rules.js';

/**
 * The manual of this major (or `nightly` for a release that is not official): a pointer directory, synced
 * (new and changed pages written, stale ones deleted); held when a newer release of the major exists.
 */
export async function planDocs(o: {
  destination?: OpenDestination;
  name: string;
  officialRelease: boolean;
  major: string;
  /** The manual's files, paths relative to the manual (src/publish/release-input.ts manualTree). */
  manual: readonly TreeFile[];
  /** Why the manual of the major may not move (the maintenance rule within the major: a newer release of it). */
  heldMajor?: string;
  /** Why the step does not run when there is no destination. */
  skipped: string;
}): Promise<Planned> {
  const d = o.destination;
  if (!d) return { step: newStep('docs', { skipped: o.skipped }), writes: [], conflicts: [] };
  const label = manualLabel(o.officialRelease, o.major);
  const prefix = manualPrefix(o.name, label);
  const held = o.officialRelease ? o.heldMajor : undefined;
  const objects = await decideSync(
    d.sink,
    'docs',
    prefix,
    o.manual.map((f) => wanted('docs', prefix + f.path, f)),
    held,
  );
  return {
    step: newStep('docs', {
      objects,
      target: d.location,
      notes: [`manual → ${prefix}${held ? ` held: ${held}` : ''}`],
    }),
    writes: [{ sink: d.sink, objects, label: `manual ${label}`, verifyPrefix: prefix }],
    conflicts: [],
  };
}
