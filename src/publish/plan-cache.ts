import type { CacheSettings } from '../config/schema.js';
import type { Logger } from '../log.js';
import { decodeBody } from '../nix/encoding.js';
import { hashHex, type NarInfo, narInfoKey, parseNarInfo, STORE_DIR } from '../nix/narinfo.js';
import { type SigningKey, signedBy } from '../nix/sign.js';
import { mapLimit } from '../pool.js';
import { sha256File } from '../storage/hash.js';
import { describeKey, type Sink } from '../storage/sink.js';
import { type ClosurePath, releaseClosure } from './closure.js';
import type { OpenDestination } from './destinations.js';
import { newStep, type PlannedObject, type PlanStep } from './plan.js';
import type { CacheSource } from './release-input.js';

export interface CachePathPlan {
  storePath: string;
  /** What the step uploads for it: the NAR file's size when known (leg bundles), else the NAR's. */
  size: number;
  action: 'add' | 'skip' | 'replace';
  reason?: string;
}

/** One store path to write, checked: its narinfo, and the NAR file it names, whose bytes are the narinfo's. */
export interface CacheUpload {
  storePath: string;
  /** Unsigned from a leg (signed when written), or as `nix copy` wrote it into the work cache. */
  info: NarInfo;
  nar: string;
  /** Of the NAR file (= its FileHash), and its size. */
  narSha256: string;
  narFileSize: number;
  listing: string | null;
}

export interface CachePlan {
  paths: CachePathPlan[];
  /** Whether nix-cache-info is to be written (a new cache). */
  writeCacheInfo: boolean;
  conflicts: string[];
  /**
   * What may not be published whatever `force` says: a leg NAR whose bytes are not its narinfo's, NARs
   * compressed otherwise than `cache-settings.compression` asks.
   */
  problems: string[];
  /**
   * Leg bundles: each path to write, checked, signed in-process when written. Undefined for the local store
   * (artifacts-dir): `nix copy` signs those paths into a work cache when the step runs.
   */
  uploads?: Map<string, CacheUpload>;
  settings: CacheSettings;
}

/** The cache's part of the plan, and what executing it needs (src/publish/cache.ts publishCache). */
export interface PlannedCache {
  step: PlanStep;
  conflicts: string[];
  /** Refused before the first write, whatever `force` (CachePlan.problems). */
  problems: string[];
  /** Absent when the cache step does not run. */
  work?: { sink: Sink; plan: CachePlan; closure: Map<string, ClosurePath> };
}

const LOOKUPS = 16;
/** NAR files hashed at once before the first write: two cores. */
const HASHING = 2;

/**
 * The binary cache: the release's closure, and which of its store paths the destination lacks. Each store
 * path is one object of the step (its NARs, listings and narinfo are listed once written).
 */
export async function planCacheStep(o: {
  destination?: OpenDestination;
  source: CacheSource;
  key?: SigningKey;
  force: boolean;
  settings: CacheSettings;
  /** Why the step does not run when there is no destination (default `skip: cache`). */
  skipped?: string;
  log: Logger;
}): Promise<PlannedCache> {
  const d = o.destination;
  if (!d)
    return { step: newStep('cache', { skipped: o.skipped ?? 'skip: cache' }), conflicts: [], problems: [] };
  const closure = await releaseClosure(o.source, o.log);
  const plan = await planCache(d.sink, closure, o.key, o.force, o.settings);
  const objects = plan.paths.map(
    (p): PlannedObject => ({
      dest: 'cache',
      key: p.storePath,
      size: p.size,
      sha256: '',
      kind: 'versioned',
      action: p.action === 'add' ? 'upload' : p.action === 'replace' ? 'overwrite' : 'skip',
      reason: p.reason,
    }),
  );
  const notes = [
    o.key
      ? `signed by ${o.key.publicKey}${plan.uploads ? ' (in-process)' : ' (nix copy from the local store)'}`
      : 'no signing-key in this environment: the cache is published unsigned',
  ];
  if (plan.uploads) notes.push('NARs uploaded as the legs compressed them');
  return {
    step: newStep('cache', { objects, target: d.location, notes }),
    conflicts: plan.conflicts,
    problems: plan.problems,
    work: { sink: d.sink, plan, closure },
  };
}

/**
 * Which paths the destination lacks. A store path is what nix compares, not bytes: the cache has a path
 * when its narinfo is there (in any encoding nix writes) with the same NarHash (and, when we sign, our
 * valid signature) — whatever compressor wrote the NAR. The same path with another NarHash, an unreadable
 * narinfo, or one not signed by our key, is a conflict unless `force`. For leg bundles, each path to write
 * is checked here, before anything is written (checkLegPaths).
 */
export async function planCache(
  sink: Sink,
  closure: Map<string, ClosurePath>,
  key: SigningKey | undefined,
  force: boolean,
  settings: CacheSettings,
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
  const fromLegs = [...closure.values()].every((c) => c.info && c.nar);
  const paths = await mapLimit([...closure.values()], LOOKUPS, async (c): Promise<CachePathPlan> => {
    const base = { storePath: c.storePath, size: c.info?.fileSize ?? c.narSize };
    const where = describeKey(sink, narInfoKey(c.storePath));
    const bytes = await sink.get(narInfoKey(c.storePath));
    if (!bytes) return { ...base, action: 'add' };
    let problem: string | undefined;
    try {
      const theirs = parseNarInfo(
        (await decodeBody(bytes, bytes.contentEncoding, where)).toString('utf8'),
        where,
      );
      if (hashHex(theirs.narHash) !== hashHex(c.narHash))
        problem = `${where}: ${c.storePath} is there with another NarHash (${theirs.narHash}; ours ${c.narHash}) — a build that is not reproducible`;
      else if (key && !signedBy(theirs, key.publicKey))
        problem = `${where}: ${c.storePath} is there but not signed by ${key.name}`;
    } catch (e) {
      problem = `${(e as Error).message} (the narinfo of ${c.storePath})`;
    }
    if (!problem) return { ...base, action: 'skip' };
    if (force) return { ...base, action: 'replace', reason: 'force' };
    conflicts.push(problem);
    return { ...base, action: 'skip', reason: 'conflict' };
  });
  paths.sort((a, b) => (a.storePath < b.storePath ? -1 : 1));
  const plan: CachePlan = { paths, writeCacheInfo: !info, conflicts, problems: [], settings };
  if (fromLegs) {
    const toWrite = paths.filter((p) => p.action !== 'skip').map((p) => closure.get(p.storePath)!);
    const checked = await checkLegPaths(toWrite, settings);
    plan.uploads = checked.uploads;
    plan.problems.push(...checked.problems);
  }
  return plan;
}

/**
 * The leg files of the paths to write, checked before the first write: NARs compressed as
 * `cache-settings.compression` asks (publish uploads them as build-artifacts compressed them: no second
 * compression), and each NAR file's bytes those its narinfo's FileSize and FileHash name — the sha256
 * computed here is then the object's.
 */
export async function checkLegPaths(
  paths: readonly ClosurePath[],
  settings: CacheSettings,
): Promise<{ uploads: Map<string, CacheUpload>; problems: string[] }> {
  const problems: string[] = [];
  const want = settings.compression;
  if (want) {
    const other = paths.filter((c) => c.info!.compression !== want);
    if (other.length) {
      const kinds = [...new Set(other.map((c) => c.info!.compression))].sort().join(', ');
      problems.push(
        `cache-settings.compression is ${want}, but ${other.length} NAR(s) of the leg bundles are ${kinds} (e.g. ${other[0]!.narinfo}): publish uploads the legs' NARs as build-artifacts compressed them; set compression: ${kinds.split(', ')[0]} or leave it out`,
      );
    }
  }
  const hashes = new Map<string, Promise<{ sha256: string; size: number }>>();
  const uploads = new Map<string, CacheUpload>();
  await mapLimit([...paths], HASHING, async (c) => {
    const nar = c.nar!;
    let got = hashes.get(nar);
    if (!got) {
      got = sha256File(nar);
      hashes.set(nar, got);
    }
    const upload = await checkNar(
      c.storePath,
      c.info!,
      nar,
      c.narinfo ?? c.storePath,
      got,
      c.listing ?? null,
    );
    if (typeof upload === 'string') problems.push(upload);
    else uploads.set(c.storePath, upload);
  });
  return { uploads, problems };
}

/**
 * The NAR file of `info`, if its bytes are what the narinfo says (FileSize, FileHash); otherwise the
 * problem, naming both files.
 */
export async function checkNar(
  storePath: string,
  info: NarInfo,
  nar: string,
  narinfoFile: string,
  hashed: Promise<{ sha256: string; size: number }>,
  listing: string | null,
): Promise<CacheUpload | string> {
  const { sha256, size } = await hashed;
  const badSize = info.fileSize !== undefined && info.fileSize !== size;
  const badHash = info.fileHash !== undefined && hashHex(info.fileHash) !== sha256;
  if (badSize || badHash)
    return `${nar}: ${size} bytes with sha256 ${sha256}, but ${narinfoFile} says ${badSize ? `FileSize ${info.fileSize}` : `FileHash ${info.fileHash}`}: the NAR is not the one its narinfo names (damaged or changed); download or build the leg again`;
  return { storePath, info, nar, narSha256: sha256, narFileSize: size, listing };
}
