import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { expandGlobs } from '../glob.js';
import { isWithin } from '../storage/key.js';
import { LEG_FILE } from './leg.js';

/**
 * The leg bundle directories named by a `bundles` input. Each pattern (a path or a glob) may name a leg
 * (a directory with leg.json), or a directory holding legs one or two levels down — build-artifacts'
 * `bundle-dir` for several systems, or a forge's download of several `leg-SYSTEM` artifacts, which nests
 * each artifact's directory once more. Sorted, no duplicates; a pattern that yields no leg is an error.
 */
export function findBundles(patterns: string[], cwd: string): string[] {
  if (patterns.length === 0)
    throw new RelengError(
      "input 'bundles' is empty: pass the leg bundle directories written by build-artifacts (its bundle-dir output)",
    );
  const found = new Set<string>();
  for (const pattern of patterns) {
    const legs = expandGlobs([pattern], cwd).flatMap((p) => legsAt(p, 2));
    if (legs.length === 0)
      throw new RelengError(
        `bundles: no leg bundle (${LEG_FILE}) at or below '${pattern}' (resolved in ${cwd}); pass build-artifacts' bundle-dir output or the downloaded leg-* artifacts`,
      );
    for (const l of legs) found.add(contained(l, cwd));
  }
  return [...found].sort();
}

function legsAt(dir: string, depth: number): string[] {
  if (fs.existsSync(path.join(dir, LEG_FILE))) return [dir];
  if (depth === 0) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .flatMap((e) => legsAt(path.join(dir, e.name), depth - 1));
}

/**
 * A leg found below a directory must be in it: a downloaded artifact holding a link to a directory of the
 * runner (a leg elsewhere) is refused, as every link out of a bundle is (src/release/files.ts).
 */
function contained(leg: string, cwd: string): string {
  const parent = path.dirname(leg);
  const real = fs.realpathSync(leg);
  if (!isWithin(fs.realpathSync(parent), real))
    throw new RelengError(
      `bundles: '${path.relative(cwd, leg) || leg}' leads outside ${parent} through a symbolic link (to ${real}); pass the leg bundles themselves`,
    );
  return leg;
}
