import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RelengError, RelengErrors } from '../errors.js';
import { run, tail } from '../exec.js';
import type { Logger } from '../log.js';
import { type NarInfo, parseNarInfo, readCacheDir } from '../nix/narinfo.js';
import { copyToSignedCache, type SigningKey, withKeyFile } from '../nix/sign.js';
import { mapLimit } from '../pool.js';
import { contentTypeOf } from '../storage/content-type.js';
import { sha256File } from '../storage/hash.js';
import { describeKey, type Sink } from '../storage/sink.js';
import { hashHex, hashPart, narInfoKey, signedBy } from './narinfo.js';
import type { PlannedObject } from './plan.js';
import type { CacheSource } from './release-input.js';
import { decideVersioned, type Wanted } from './rules.js';
import { type Tally, writeObjects } from './upload.js';

const STORE_DIR = '/nix/store';

/** One store path of the release's closure, as its source knows it. */
export interface ClosurePath {
  storePath: string;
  narHash: string;
  narSize: number;
  /** Full store paths. */
  references: string[];
  /** The leg cache holding it (`file://` source); undefined for the local store. */
  from?: string;
}

/** The closure to publish: every path the release needs, with what its source says about it. */
export async function releaseClosure(source: CacheSource, log: Logger): Promise<Map<string, ClosurePath>> {
  if (source.kind === 'none') throw new RelengError(`nothing to put in the binary cache: ${source.why}`);
  return source.kind === 'caches' ? closureFromCaches(source, log) : closureFromStore(source.paths, log);
}

function closureFromCaches(
  source: Extract<CacheSource, { kind: 'caches' }>,
  log: Logger,
): Map<string, ClosurePath> {
  const known = new Map<string, ClosurePath>();
  for (const { dir } of source.caches) {
    // The first leg (by system) wins a path two legs hold, as the merge's cachePaths.
    for (const info of readCacheDir(dir)) {
      if (!known.has(info.storePath))
        known.set(info.storePath, {
          storePath: info.storePath,
          narHash: info.narHash,
          narSize: info.narSize,
          references: info.references.map((r) => `${STORE_DIR}/${r}`),
          from: dir,
        });
    }
  }
  const closure = new Map<string, ClosurePath>();
  const missing: string[] = [];
  const queue = source.storePaths.filter((p) => {
    // Derivations are published when the legs carry them (the reference uploads drvs too); outputs must be there.
    if (known.has(p) || !p.endsWith('.drv')) return true;
    log.debug(`${p} is in no leg cache; not published`);
    return false;
  });
  while (queue.length) {
    const p = queue.pop()!;
    if (closure.has(p)) continue;
    const c = known.get(p);
    if (!c) {
      missing.push(p);
      continue;
    }
    closure.set(p, c);
    queue.push(...c.references.filter((r) => !closure.has(r)));
  }
  if (missing.length)
    throw new RelengErrors(
      `the leg caches (${source.caches.map((c) => c.dir).join(', ')}) lack store paths the release needs; rebuild the legs`,
      missing.sort().map((p) => `${p} is in no leg cache`),
    );
  return closure;
}

async function closureFromStore(drvsAndPaths: string[], log: Logger): Promise<Map<string, ClosurePath>> {
  if (drvsAndPaths.length === 0)
    throw new RelengError('drvs.txt lists no derivations; nothing to put in the cache');
  // Nix 2.8 has no `drv^*`: the outputs of each derivation, then the closure of everything.
  const drvs = drvsAndPaths.filter((p) => p.endsWith('.drv'));
  const outputs = drvs.length
    ? (await run('nix-store', ['-q', '--outputs', ...drvs], { log })).stdout.split('\n').filter(Boolean)
    : [];
  const plain = [...new Set([...drvsAndPaths.filter((p) => !p.endsWith('.drv')), ...outputs])];
  // A .drv argument means its outputs to nix 2.8; --derivation makes it mean the file (and its closure).
  const infos = [
    ...(plain.length ? await pathInfo(plain, [], log) : []),
    ...(drvs.length ? await pathInfo(drvs, ['--derivation'], log) : []),
  ];
  const invalid = infos.filter((i) => i.valid === false).map((i) => `${i.path} is not in the local store`);
  if (invalid.length) throw new RelengErrors('the release is not built in the local store', invalid);
  return new Map(
    infos.map((i): [string, ClosurePath] => [
      i.path,
      { storePath: i.path, narHash: i.narHash, narSize: i.narSize, references: i.references ?? [] },
    ]),
  );
}

interface PathInfo {
  path: string;
  narHash: string;
  narSize: number;
  references?: string[];
  valid?: boolean;
}

async function pathInfo(paths: string[], flags: string[], log: Logger): Promise<PathInfo[]> {
  const r = await run('nix', ['path-info', '--json', '--recursive', ...flags, ...paths], {
    allowFailure: true,
    log,
  });
  if (r.code !== 0)
    throw new RelengError(
      `nix path-info of the release's derivations and outputs failed: ${tail(r.stderr, 2)}; build the release first (build-artifacts)`,
    );
  return JSON.parse(r.stdout) as PathInfo[];
}

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
  const paths = await mapLimit([...closure.values()], 16, async (c): Promise<CachePathPlan> => {
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

export interface CachePublishOptions {
  sink: Sink;
  plan: CachePlan;
  closure: Map<string, ClosurePath>;
  key?: SigningKey;
  force: boolean;
  concurrency: number;
  log: Logger;
  tally: Tally;
}

/**
 * Signs what is missing into a work cache with `nix copy` (one way, whatever the source), then uploads it:
 * NARs and listings first, nix-cache-info, then each narinfo only after the narinfos of its references —
 * so a reader never finds a narinfo whose NAR, or whose references, are missing. Returns what was written.
 */
export async function publishCache(o: CachePublishOptions): Promise<PlannedObject[]> {
  const wantedPaths = o.plan.paths.filter((p) => p.action !== 'skip').map((p) => p.storePath);
  if (wantedPaths.length === 0 && !o.plan.writeCacheInfo) {
    o.log.info(`cache: all ${o.plan.paths.length} store paths are in ${o.sink.location} already`);
    return [];
  }
  const work = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'releng-cache-'));
  try {
    await signInto(work, wantedPaths, o);
    // NARs are named by the hash of their bytes: two store paths with identical contents share one.
    const keys = new Set<string>();
    for (const p of wantedPaths) {
      const file = path.join(work, narInfoKey(p));
      const info: NarInfo = parseNarInfo(fs.readFileSync(file, 'utf8'), file);
      keys.add(info.url);
      if (fs.existsSync(path.join(work, `${hashPart(p)}.ls`))) keys.add(`${hashPart(p)}.ls`);
    }
    if (o.plan.writeCacheInfo) keys.add('nix-cache-info');
    const files: Wanted[] = await Promise.all([...keys].map((k) => wanted(work, k)));
    // NARs are named by their own hash: the same key with other bytes is damage, and refused as such.
    const decided = await decideVersioned(o.sink, files, {}, o.force);
    if (decided.conflicts.length)
      throw new RelengErrors('the binary cache holds damaged files', decided.conflicts);
    const written = decided.objects.filter((x) => x.action !== 'skip');
    await writeObjects(o.sink, decided.objects, {
      concurrency: o.concurrency,
      log: o.log,
      label: 'cache NARs',
      tally: o.tally,
    });
    for (const layer of layers(wantedPaths, o.closure)) {
      const objects: PlannedObject[] = await Promise.all(
        layer.map(async (p) => ({
          ...(await wanted(work, narInfoKey(p))),
          kind: 'versioned' as const,
          action:
            o.plan.paths.find((x) => x.storePath === p)?.action === 'replace'
              ? ('overwrite' as const)
              : ('upload' as const),
        })),
      );
      await writeObjects(o.sink, objects, {
        concurrency: o.concurrency,
        log: o.log,
        label: 'cache narinfo',
        tally: o.tally,
      });
      written.push(...objects);
    }
    return written;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function signInto(work: string, paths: string[], o: CachePublishOptions): Promise<void> {
  if (paths.length === 0) {
    // A new, empty cache: nix-cache-info only, as nix writes it.
    fs.writeFileSync(path.join(work, 'nix-cache-info'), `StoreDir: ${STORE_DIR}\n`);
    return;
  }
  const bySource = new Map<string | undefined, string[]>();
  for (const p of paths) {
    const from = o.closure.get(p)?.from;
    bySource.set(from, [...(bySource.get(from) ?? []), p]);
  }
  const copy = async (keyFile?: string) => {
    for (const [from, group] of bySource)
      await o.log.group(
        `nix copy ${group.length} path(s) into the ${keyFile ? 'signed' : 'unsigned'} work cache`,
        () =>
          copyToSignedCache({
            from: from ? `file://${from}` : undefined,
            to: work,
            keyFile,
            paths: group,
            log: o.log,
          }),
      );
  };
  if (o.key) await withKeyFile(o.key, copy);
  else await copy();
}

async function wanted(work: string, key: string): Promise<Wanted> {
  const source = path.join(work, ...key.split('/'));
  return { dest: 'cache', key, source, contentType: contentTypeOf(key), ...(await sha256File(source)) };
}

/** Paths grouped so that each group's references are in earlier groups (or already published). */
export function layers(paths: string[], closure: Map<string, ClosurePath>): string[][] {
  const pending = new Set(paths);
  const out: string[][] = [];
  while (pending.size) {
    const ready = [...pending].filter((p) =>
      (closure.get(p)?.references ?? []).every((r) => r === p || !pending.has(r)),
    );
    // A reference cycle cannot happen in a store; if it did, publish the rest together rather than hang.
    const layer = ready.length ? ready : [...pending];
    for (const p of layer) pending.delete(p);
    out.push(layer.sort());
  }
  return out;
}
