import { installerPointerKey, MANIFEST, manualPrefix, STABLE, type TreeFile } from '../release/tree.js';
import type { Destinations } from './destinations.js';
import { type DestinationWrite, newStep, type Planned, type PlannedObject } from './plan.js';
import { installersOf } from './plan-installers.js';
import { decidePointers, decideSync, wanted } from './rules.js';

/**
 * The latest-like pointers — the root manifest.nix (what `nix upgrade-nix` installs), the docs `stable/`
 * (official releases only) and the installer pointers — moved only as the maintenance rule allows.
 */
export async function planPointers(o: {
  destinations: Destinations;
  name: string;
  officialRelease: boolean;
  files: readonly TreeFile[];
  /** The manual's files (when the docs step runs). */
  manual: readonly TreeFile[];
  /** Why latest-like pointers may not move (a newer release exists); undefined when they may. */
  heldLatest?: string;
}): Promise<Planned> {
  const releases = o.destinations.get('releases');
  const docs = o.destinations.get('docs');
  const install = o.destinations.get('install');
  const notes: string[] = [];
  const objects: PlannedObject[] = [];
  const rootManifest = o.files.find((f) => f.path === MANIFEST);
  if (releases && rootManifest)
    objects.push(
      ...(await decidePointers(releases.sink, [wanted('releases', MANIFEST, rootManifest)], o.heldLatest)),
    );
  const stable = manualPrefix(o.name, STABLE);
  if (docs && o.officialRelease) {
    const pages = o.manual.map((f) => wanted('docs', stable + f.path, f));
    objects.push(...(await decideSync(docs.sink, 'docs', stable, pages, o.heldLatest)));
  } else if (docs) notes.push('docs stable/: not an official release, left alone');
  if (install) {
    const pointers = installersOf(o.name, o.files).map(({ system, file }) =>
      wanted('install', installerPointerKey(o.name, system), file),
    );
    objects.push(...(await decidePointers(install.sink, pointers, o.heldLatest)));
  }
  if (o.heldLatest) notes.push(o.heldLatest);
  // Written per destination in the order releases, docs, install, each with its stale pages deleted after.
  const writes: DestinationWrite[] = [];
  for (const d of [releases, docs, install])
    if (d)
      writes.push({
        sink: d.sink,
        objects: objects.filter((x) => x.dest === d.name),
        label: 'pointers',
        verifyPrefix: stable,
      });
  return { step: newStep('pointers', { objects, notes }), writes, conflicts: [] };
}
