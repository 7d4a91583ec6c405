import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { RelengError } from '../errors.js';
import { formatBytes, type Logger, Progress } from '../log.js';
import { forEachLimit } from '../pool.js';
import { CHUNK, giveBuffer, takeBuffer } from '../storage/buffers.js';
import { ensureSha256 } from '../storage/hash.js';
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

/** Pauses before looking again at what was just written (about 4 s in all). */
const LOOK_AGAIN_MS = [250, 1000, 3000];

/**
 * Reads what was just written until it is as expected, a few times with backoff, before calling it
 * missing or wrong: some S3-compatible servers (and caches in front of them) answer a read right after a
 * write from a replica that has not seen it yet. Returns the last read.
 */
export async function readBack<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (const ms of LOOK_AGAIN_MS) {
    if (ok(value)) break;
    await new Promise((r) => setTimeout(r, ms));
    value = await read();
  }
  return value;
}

/**
 * Writes the planned objects to one sink, `concurrency` at a time (each S3 sink also caps the request
 * bodies in flight), and verifies each after writing: the object must be there with our size and our
 * sha256. Objects are written in the order given only in the sense that this returns when all are
 * verified — callers sequence groups (NARs before narinfo, versioned files before pointers).
 */
export async function writeObjects(
  sink: Sink,
  objects: readonly PlannedObject[],
  o: {
    concurrency: number;
    log: Logger;
    label: string;
    tally: Tally;
    /**
     * A prefix (a version directory) listed once after the writes to verify every object under it by
     * its listed size, instead of a HEAD each; objects outside it are HEADed.
     */
    verifyPrefix?: string;
  },
): Promise<void> {
  // One write per key: two entries for one key would race (and must agree).
  const byKey = new Map<string, PlannedObject>();
  for (const x of objects.filter(writes)) {
    const seen = byKey.get(x.key);
    if (seen && seen.sha256 !== x.sha256)
      throw new Error(`internal: two different objects planned at ${x.key}`);
    byKey.set(x.key, x);
  }
  // Largest first: the big files start at once and the small ones fill the gaps, instead of a tail where
  // a few big uploads run alone.
  const todo = [...byKey.values()].sort((a, b) => b.size - a.size);
  if (todo.length === 0) return;
  const total = todo.reduce((n, x) => n + x.size, 0);
  o.log.info(`${o.label}: writing ${todo.length} object(s), ${formatBytes(total)} to ${sink.location}`);
  const progress = new Progress(o.log, o.label);
  let done = 0;
  let bytes = 0;
  const listed = (x: PlannedObject) => o.verifyPrefix !== undefined && x.key.startsWith(o.verifyPrefix);
  await forEachLimit(todo, o.concurrency, async (x) => {
    if (!x.source && !x.bytes) throw new Error(`internal: no source for ${x.key}`);
    await putOne(sink, x);
    if (!listed(x)) {
      const back = await readBack(
        () => sink.head(x.key),
        (b) => b?.size === x.size && b.sha256 === x.sha256,
      );
      if (!back || back.size !== x.size || back.sha256 !== x.sha256)
        throw new RelengError(
          `${describeKey(sink, x.key)}: verification after writing failed (${back ? `${back.size} bytes, sha256 ${back.sha256 ?? 'none'}` : 'not there'}; expected ${x.size} bytes, sha256 ${x.sha256}); run publish again`,
        );
    }
    done++;
    bytes += x.size;
    o.tally.bytes += x.size;
    o.tally.objects++;
    o.tally.written.push({ dest: sink.location, key: x.key, size: x.size });
    progress.update(done, todo.length, bytes);
  });
  progress.update(done, todo.length, bytes, true);
  if (o.verifyPrefix !== undefined && todo.some(listed)) {
    // One LIST verifies a thousand objects: each must be there at its size (its sha256 went with its PUT).
    const prefix = o.verifyPrefix;
    const badIn = (sizes: Map<string, number>) =>
      todo.filter((x) => listed(x) && sizes.get(x.key) !== x.size);
    const sizes = await readBack(
      async () => new Map((await sink.list(prefix)).map((x) => [x.key, x.size])),
      (s) => badIn(s).length === 0,
    );
    const bad = badIn(sizes);
    if (bad.length)
      throw new RelengError(
        `${describeKey(sink, bad[0]!.key)}${bad.length > 1 ? ` and ${bad.length - 1} more` : ''}: verification after writing failed (${sizes.has(bad[0]!.key) ? `listed at ${sizes.get(bad[0]!.key)} bytes, expected ${bad[0]!.size}` : 'not listed'}); run publish again`,
      );
  }
}

/**
 * A small file is read once — synchronously, into a pooled buffer: for a page-cached file that costs less
 * than a trip through the thread pool — hashed from memory when its sha256 is not known yet, and sent from
 * there. A large one is hashed (if need be) and streamed from the file.
 */
async function putOne(sink: Sink, x: PlannedObject): Promise<void> {
  // A versioned object planned absent is claimed by its write (PutOptions.ifAbsent): a run that planned
  // the same while this one did cannot replace it, and neither can this one. Pointers move, and `force`
  // overwrites on purpose: those writes stay unconditional.
  const ifAbsent = x.kind === 'versioned' && x.action === 'upload';
  const options = () => ({
    sha256: x.sha256,
    size: x.size,
    contentType: x.contentType,
    ...(x.contentEncoding ? { contentEncoding: x.contentEncoding } : {}),
    ...(ifAbsent ? { ifAbsent } : {}),
  });
  if (x.bytes) return sink.putBytes(x.key, x.bytes, options());
  const source = x.source!;
  if (x.size > CHUNK) {
    await ensureSha256(x);
    await sink.put(x.key, source, options());
    return;
  }
  const buf = takeBuffer();
  try {
    const fd = fs.openSync(source, 'r');
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, CHUNK, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (n !== x.size)
      throw new RelengError(`${source}: ${n} bytes, expected ${x.size}; was it changed while publishing?`);
    const bytes = buf.subarray(0, n);
    if (!x.sha256) x.sha256 = createHash('sha256').update(bytes).digest('hex');
    await sink.putBytes(x.key, bytes, options());
  } finally {
    giveBuffer(buf);
  }
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
