import { RelengError } from '../errors.js';
import { formatBytes, type Logger, Progress } from '../log.js';
import { forEachLimit } from '../storage/pool.js';
import { describeKey, type Sink } from '../storage/sink.js';
import { type PlannedObject, writes } from './plan.js';

export interface Tally {
  bytes: number;
  objects: number;
  deleted: number;
  /** What was written, for the summary: destination location + key. */
  written: { dest: string; key: string; size: number }[];
}

export const newTally = (): Tally => ({ bytes: 0, objects: 0, deleted: 0, written: [] });

/**
 * Writes the planned objects to one sink, `concurrency` at a time (each S3 sink also caps the request
 * bodies in flight), and verifies each after writing: the object must be there with our size and our
 * sha256. Objects are written in the order given only in the sense that this returns when all are
 * verified — callers sequence groups (NARs before narinfo, versioned files before pointers).
 */
export async function writeObjects(
  sink: Sink,
  objects: readonly PlannedObject[],
  o: { concurrency: number; log: Logger; label: string; tally: Tally },
): Promise<void> {
  // One write per key: two entries for one key would race (and must agree).
  const byKey = new Map<string, PlannedObject>();
  for (const x of objects.filter(writes)) {
    const seen = byKey.get(x.key);
    if (seen && seen.sha256 !== x.sha256)
      throw new Error(`internal: two different objects planned at ${x.key}`);
    byKey.set(x.key, x);
  }
  const todo = [...byKey.values()];
  if (todo.length === 0) return;
  const total = todo.reduce((n, x) => n + x.size, 0);
  o.log.info(`${o.label}: writing ${todo.length} object(s), ${formatBytes(total)} to ${sink.location}`);
  const progress = new Progress(o.log, o.label);
  let done = 0;
  let bytes = 0;
  await forEachLimit(todo, o.concurrency, async (x) => {
    if (!x.source) throw new Error(`internal: no source for ${x.key}`);
    await sink.put(x.key, x.source, { sha256: x.sha256, size: x.size, contentType: x.contentType });
    const back = await sink.head(x.key);
    if (!back || back.size !== x.size || back.sha256 !== x.sha256)
      throw new RelengError(
        `${describeKey(sink, x.key)}: verification after writing failed (${back ? `${back.size} bytes, sha256 ${back.sha256 ?? 'none'}` : 'not there'}; expected ${x.size} bytes, sha256 ${x.sha256}); run publish again`,
      );
    done++;
    bytes += x.size;
    o.tally.bytes += x.size;
    o.tally.objects++;
    o.tally.written.push({ dest: sink.location, key: x.key, size: x.size });
    progress.update(done, todo.length, bytes);
  });
  progress.update(done, todo.length, bytes, true);
}

export async function deleteObjects(
  sink: Sink,
  objects: readonly PlannedObject[],
  o: { log: Logger; label: string; tally: Tally },
): Promise<void> {
  const keys = objects.filter((x) => x.action === 'delete').map((x) => x.key);
  if (keys.length === 0) return;
  o.log.info(`${o.label}: deleting ${keys.length} stale object(s) under ${sink.location}`);
  await sink.delete(keys);
  o.tally.deleted += keys.length;
}
