import { inVersionDir, names, parseInstaller, type TreeFile, versionPrefix } from '../release/tree.js';
import { newStep, type Planned } from './plan.js';
import type { VersionedInput } from './plan-releases.js';
import { decideVersioned, listing, wanted } from './rules.js';

/** The installer binaries of a release tree (`NAME-installer-SYSTEM`, wherever they sit in it), by system. */
export function installersOf(name: string, files: readonly TreeFile[]): { system: string; file: TreeFile }[] {
  return files.flatMap((file) => {
    const system = parseInstaller(name, file.path);
    return system ? [{ system, file }] : [];
  });
}

/** The installers in the install destination, versioned: `NAME/NAME-VERSION/NAME-installer-SYSTEM`. */
export async function planInstallers(
  o: VersionedInput & {
    /** Why the step does not run when there is no destination. */
    skipped: string;
  },
): Promise<Planned> {
  const d = o.destination;
  if (!d) return { step: newStep('installers', { skipped: o.skipped }), writes: [], conflicts: [] };
  const prefix = versionPrefix(o.name, o.version);
  const known = { index: o.index.get('install'), listing: await listing(d.sink, prefix) };
  const objects = installersOf(o.name, o.files).map(({ system, file }) =>
    wanted('install', inVersionDir(o.name, o.version, names.installer(o.name, system)), file),
  );
  const decided = await decideVersioned(d.sink, objects, known, o.force);
  return {
    step: newStep('installers', { objects: decided.objects, target: d.location }),
    writes: [{ sink: d.sink, objects: decided.objects, label: 'installers', verifyPrefix: prefix }],
    conflicts: decided.conflicts,
  };
}
