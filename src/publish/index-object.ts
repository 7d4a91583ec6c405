import { createHash } from 'node:crypto';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { indexKey } from '../release/tree.js';
import { describeKey, type Sink } from '../storage/sink.js';
import type { DestinationName, PlannedObject } from './plan.js';
import { readBack, type Tally } from './upload.js';

/**
 * The per-release index (`NAME/NAME-VERSION/.releng-index.json` in the releases destination): every
 * versioned object the release published, with the size and sha256 verified after writing. It is written
 * after everything it lists, so its presence says "these were all there". A re-run reads it with one GET
 * and lists each versioned prefix once instead of a HEAD per object. Pointers are not in it: they move.
 * Deterministic (sorted keys, no timestamps), so a re-run that changes nothing writes nothing.
 */
export interface ReleaseIndex {
  schema: 1;
  version: string;
  objects: Partial<Record<DestinationName, Record<string, { size: number; sha256: string }>>>;
}

export type IndexMap = Map<DestinationName, Map<string, { size: number; sha256: string }>>;

export async function readIndex(sink: Sink, key: string, version: string, log: Logger): Promise<IndexMap> {
  const out: IndexMap = new Map();
  const bytes = await sink.get(key);
  if (!bytes) return out;
  let data: ReleaseIndex;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    log.warning(`${sink.location}/${key}: not JSON; ignoring it (every object will be checked one by one)`);
    return out;
  }
  if (data?.schema !== 1 || data.version !== version || typeof data.objects !== 'object') {
    log.warning(`${sink.location}/${key}: not an index of ${version} this releng reads; ignoring it`);
    return out;
  }
  for (const [dest, objects] of Object.entries(data.objects))
    out.set(dest as DestinationName, new Map(Object.entries(objects ?? {})));
  return out;
}

export function renderIndex(version: string, index: IndexMap): string {
  const objects: ReleaseIndex['objects'] = {};
  for (const dest of [...index.keys()].sort()) {
    const entries = [...index.get(dest)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length)
      objects[dest] = Object.fromEntries(entries.map(([k, v]) => [k, { size: v.size, sha256: v.sha256 }]));
  }
  const doc: ReleaseIndex = { schema: 1, version, objects };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

/**
 * The index after this run: what it had, plus every versioned object now verified there. Written (and
 * verified) only when its bytes change, so a re-run after success writes nothing.
 */
export async function writeIndex(
  sink: Sink,
  name: string,
  version: string,
  index: IndexMap,
  verified: Partial<Record<DestinationName, PlannedObject[]>>,
  log: Logger,
  tally: Tally,
): Promise<void> {
  for (const [dest, objects] of Object.entries(verified) as [DestinationName, PlannedObject[]][]) {
    const m = index.get(dest) ?? new Map();
    for (const x of objects) m.set(x.key, { size: x.size, sha256: x.sha256 });
    if (m.size) index.set(dest, m);
  }
  const bytes = Buffer.from(renderIndex(version, index));
  const key = indexKey(name, version);
  if ((await sink.get(key))?.equals(bytes)) return;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await sink.putBytes(key, bytes, { sha256, size: bytes.length, contentType: 'application/json' });
  const back = await readBack(
    () => sink.head(key),
    (b) => b?.sha256 === sha256,
  );
  if (back?.sha256 !== sha256)
    throw new RelengError(`${describeKey(sink, key)}: verification after writing failed; run publish again`);
  log.info(`release index: ${describeKey(sink, key)} (${index.get('releases')?.size ?? 0} objects)`);
  tally.bytes += bytes.length;
  tally.objects++;
  tally.written.push({ dest: sink.location, key, size: bytes.length });
}
