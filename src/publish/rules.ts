import { mapLimit } from '../pool.js';
import type { TreeFile } from '../release/tree.js';
import { contentTypeOf } from '../storage/content-type.js';
import { ensureSha256 } from '../storage/hash.js';
import { describeKey, type Sink, type StoredObject } from '../storage/sink.js';
import type { DestinationName, PlannedObject } from './plan.js';

/** An object this release wants at `key`. */
export interface Wanted {
  dest: DestinationName;
  key: string;
  source: string;
  size: number;
  /** Empty until needed (ensureSha256): an artifacts dir is hashed as the upload reaches each file. */
  sha256: string;
  contentType?: string;
}

export interface Decided {
  objects: PlannedObject[];
  /** Versioned objects that exist with other bytes (refused unless `force`). */
  conflicts: string[];
}

/** What a re-run already knows about a versioned prefix, so it need not HEAD every object. */
export interface Known {
  /** From the per-release index: key → what we verified there. */
  index?: ReadonlyMap<string, { size: number; sha256: string }>;
  /** One LIST of the prefix: key → size. Absent keys are known to be missing. */
  listing?: ReadonlyMap<string, number>;
}

const LOOKUPS = 16;

/** A file of the release (tree or manual), wanted at `key` of `dest`. */
export function wanted(dest: DestinationName, key: string, f: Omit<TreeFile, 'path'>): Wanted {
  return { dest, key, source: f.source, size: f.size, sha256: f.sha256, contentType: contentTypeOf(key) };
}

/** One LIST of `prefix`: key → size (Known.listing). */
export async function listing(sink: Sink, prefix: string): Promise<Map<string, number>> {
  return new Map((await sink.list(prefix)).map((x) => [x.key, x.size]));
}

/**
 * The sha256 stored with an object, or — for an object some other tool uploaded, which carries none —
 * the sha256 of its bytes read back. Never the ETag.
 */
async function storedSha256(sink: Sink, head: StoredObject): Promise<string | undefined> {
  if (head.sha256) return head.sha256;
  return (await sink.hash(head.key))?.sha256;
}

/**
 * The immutable rule. Same bytes → skip; absent → upload; other bytes → a conflict naming the key, or an
 * overwrite with `force`. With the index and a listing, an object listed at the indexed size with the
 * indexed sha256 equal to ours is skipped without a request; anything else is looked at.
 */
export async function decideVersioned(
  sink: Sink,
  wanted: readonly Wanted[],
  known: Known,
  force: boolean,
): Promise<Decided> {
  const conflicts: string[] = [];
  const objects = await mapLimit(wanted, LOOKUPS, async (w): Promise<PlannedObject> => {
    const base = { ...w, kind: 'versioned' as const };
    const listed = known.listing?.get(w.key);
    // Known missing: uploaded, hashed only when the upload reaches it.
    if (known.listing && listed === undefined) return { ...base, action: 'upload' };
    const indexed = known.index?.get(w.key);
    if (
      listed === w.size &&
      indexed &&
      indexed.size === w.size &&
      indexed.sha256 === (await ensureSha256(base))
    )
      return { ...base, action: 'skip' };
    const head = await sink.head(w.key);
    if (!head) return { ...base, action: 'upload' };
    const theirs = head.size === w.size ? await storedSha256(sink, head) : undefined;
    const ours = await ensureSha256(base);
    if (theirs === ours) return { ...base, action: 'skip' };
    const what = `${describeKey(sink, w.key)} exists with other content (${head.size} bytes${theirs ? `, sha256 ${theirs.slice(0, 12)}…` : ''}; ours ${w.size} bytes, sha256 ${ours.slice(0, 12)}…)`;
    if (force) return { ...base, action: 'overwrite', reason: 'force' };
    conflicts.push(what);
    return { ...base, action: 'skip', reason: 'conflict' };
  });
  return { objects, conflicts };
}

/**
 * A pointer: replaced when its bytes differ, and only when this release may move it (`held` gives the
 * reason it may not: the maintenance rule, or a release that is not official).
 */
export async function decidePointers(
  sink: Sink,
  wanted: readonly Wanted[],
  held: string | undefined,
): Promise<PlannedObject[]> {
  return mapLimit(wanted, LOOKUPS, async (w): Promise<PlannedObject> => {
    const base = { ...w, kind: 'pointer' as const };
    if (held) return { ...base, action: 'hold', reason: held };
    const head = await sink.head(w.key);
    if (!head) return { ...base, action: 'upload' };
    if (head.size === w.size && (await storedSha256(sink, head)) === (await ensureSha256(base)))
      return { ...base, action: 'skip' };
    return { ...base, action: 'replace' };
  });
}

/**
 * A pointer directory (the manual under MAJOR, nightly or stable): `aws s3 sync --delete` semantics — new
 * and changed files are replaced, files no longer in the manual are deleted — strictly under `prefix`.
 */
export async function decideSync(
  sink: Sink,
  dest: DestinationName,
  prefix: string,
  files: readonly Wanted[],
  held: string | undefined,
): Promise<PlannedObject[]> {
  if (held)
    return files.map((w) => ({ ...w, kind: 'pointer' as const, action: 'hold' as const, reason: held }));
  const listed = await listing(sink, prefix);
  const objects = await mapLimit(files, LOOKUPS, async (w): Promise<PlannedObject> => {
    const base = { ...w, kind: 'pointer' as const };
    const size = listed.get(w.key);
    if (size === undefined) return { ...base, action: 'upload' };
    if (size !== w.size) return { ...base, action: 'replace' };
    const head = await sink.head(w.key);
    if (head && (await storedSha256(sink, head)) === (await ensureSha256(base)))
      return { ...base, action: 'skip' };
    return { ...base, action: head ? 'replace' : 'upload' };
  });
  const wantedKeys = new Set(files.map((f) => f.key));
  for (const [key, size] of listed)
    if (key.startsWith(prefix) && !wantedKeys.has(key))
      objects.push({ dest, key, size, sha256: '', kind: 'pointer', action: 'delete', reason: 'stale' });
  return objects;
}
