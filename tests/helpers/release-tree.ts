// Release trees and destinations for the publish planners' unit tests: real files, real directory sinks.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { OpenDestination } from '../../src/publish/destinations.js';
import type { DestinationName, PlannedObject } from '../../src/publish/plan.js';
import type { TreeFile } from '../../src/release/tree.js';
import { DirectorySink } from '../../src/storage/directory.js';
import { tmpDir, writeFiles } from './tmp.js';

export const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** `files` written under a fresh directory, as the release's tree files (sorted, hashed as a leg records them). */
export function treeFiles(files: Record<string, string>, root = tmpDir('releng-tree-')): TreeFile[] {
  writeFiles(root, files);
  return Object.keys(files)
    .sort()
    .map((p) => ({
      path: p,
      source: path.join(root, ...p.split('/')),
      size: Buffer.byteLength(files[p]!),
      sha256: sha(files[p]!),
    }));
}

/** A directory destination holding `existing` (key → content). */
export function directoryDestination(
  name: DestinationName,
  existing: Record<string, string> = {},
): OpenDestination & { sink: DirectorySink } {
  const root = tmpDir(`releng-${name}-`);
  writeFiles(root, existing);
  return { name, location: root, sink: new DirectorySink(root) };
}

/** Every file under a directory destination, key → content. */
export function contentsOf(d: { location: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(d.location, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const file = path.join(e.parentPath, e.name);
      out[path.relative(d.location, file).split(path.sep).join('/')] = fs.readFileSync(file, 'utf8');
    }
  return out;
}

/** Files of a release tree planned for the releases destination (`lazy`: sha256 not known yet, hashed at upload). */
export const plannedTree = (
  files: Record<string, string>,
  action: PlannedObject['action'] = 'upload',
  lazy = false,
): PlannedObject[] =>
  treeFiles(files).map((f) => ({
    dest: 'releases',
    key: f.path,
    size: f.size,
    sha256: lazy ? '' : f.sha256,
    source: f.source,
    kind: 'versioned',
    action,
  }));
