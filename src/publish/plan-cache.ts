import type { Logger } from '../log.js';
import { hashHex, type NarInfo, narInfoKey, parseNarInfo, STORE_DIR } from '../nix/narinfo.js';
import { type SigningKey, signedBy } from '../nix/sign.js';
import { mapLimit } from '../pool.js';
import { describeKey, type Sink } from '../storage/sink.js';
import { type ClosurePath, releaseClosure } from './closure.js';
import type { OpenDestination } from './destinations.js';
import { newStep, type PlannedObject, type PlanStep } from './plan.js';
import type { CacheSource } from './release-input.js';

export interface CachePathPlan {
  storePath: string;
  narSize: number;
  action: 'add' | 'skip' | 'replace';
  reason?: string;
}

export interface CachePlan {
  paths: CachePathPlan[];
  /** Whether nix-cache-info is to be written (a new cache). */
  writeCacheInfo: boolean;
  conflicts: string[];
}

/** The cache's part of the plan, and what executing it needs (src/publish/cache.ts publishCache). */
export interface PlannedCache {
  step: PlanStep;
  conflicts: string[];
  /** Absent when the cache step does not run. */
  work?: { sink: Sink; plan: CachePlan; closure: Map<string, ClosurePath> };
}

const LOOKUPS = 16;

/**
 * The binary cache: the release's closure, and which of its store paths the destination lacks. Each store
 * path is one object of the step (its NARs, listings and narinfo are listed once written).
 */
export async function planCacheStep(o: {
  destination?: OpenDestination;
  source: CacheSource;
  key?: SigningKey;
  force: boolean;
  log: Logger;
}): Promise<PlannedCache> {
  const d = o.destination;
  if (!d) return { step: newStep('cache', { skipped: 'skip: cache' }), conflicts: [] };
  const closure = await releaseClosure(o.source, o.log);
  const plan = await planCache(d.sink, closure, o.key, o.force);
  const objects = plan.paths.map(
    (p): PlannedObject => ({
      dest: 'cache',
      key: p.storePath,
      size: p.narSize,
      sha256: '',
      kind: 'versioned',
      action: p.action === 'add' ? 'upload' : p.action === 'replace' ? 'overwrite' : 'skip',
      reason: p.reason,
    }),
  );
  const note = o.key
    ? `signed by ${o.key.publicKey}`
    : 'no signing-key in this environment: the cache is published unsigned';
  return {
    step: newStep('cache', { objects, target: d.location, notes: [note] }),
    conflicts: plan.conflicts,
    work: { sink: d.sink, plan, closure },
  };
}

/**
 * Which paths the destination lacks. A store path is what nix compares, not bytes: the cache has a path
 * when its narinfo is there with the same NarHash (and, when we sign, our valid signature) — whatever
 * compressor wrote the NAR. The same path with another NarHash, or not signed by our key, is a conflict
 * unless `force`.
 */
export async function planCache(
  sink: Sink,
  closure: Map<string, ClosurePath>,
  key: SigningKey | undefined,
  force: boolean,
): Promise<CachePlan> {
  const conflicts: string[] = [];
  const info = await sink.get('nix-cache-info');
  if (info) {
    const storeDir = /^StoreDir:\s*(\S+)/m.exec(info.toString('utf8'))?.[1];
    if (storeDir && storeDir !== STORE_DIR)
      conflicts.push(
        `${describeKey(sink, 'nix-cache-info')}: a cache for store ${storeDir}, not ${STORE_DIR}`,
      );
  }
  const paths = await mapLimit([...closure.values()], LOOKUPS, async (c): Promise<CachePathPlan> => {
    const base = { storePath: c.storePath, narSize: c.narSize };
    const bytes = await sink.get(narInfoKey(c.storePath));
    if (!bytes) return { ...base, action: 'add' };
    let theirs: NarInfo | undefined;
    try {
      theirs = parseNarInfo(bytes.toString('utf8'), narInfoKey(c.storePath));
    } catch {
      theirs = undefined;
    }
    let problem: string | undefined;
    if (!theirs || hashHex(theirs.narHash) !== hashHex(c.narHash))
      problem = `${describeKey(sink, narInfoKey(c.storePath))}: ${c.storePath} is there with another NarHash (${theirs?.narHash ?? 'unreadable'}; ours ${c.narHash}) — a build that is not reproducible`;
    else if (key && !signedBy(theirs, key.publicKey))
      problem = `${describeKey(sink, narInfoKey(c.storePath))}: ${c.storePath} is there but not signed by ${key.name}`;
    if (!problem) return { ...base, action: 'skip' };
    if (force) return { ...base, action: 'replace', reason: 'force' };
    conflicts.push(problem);
    return { ...base, action: 'skip', reason: 'conflict' };
  });
  return {
    paths: paths.sort((a, b) => (a.storePath < b.storePath ? -1 : 1)),
    writeCacheInfo: !info,
    conflicts,
  };
}
