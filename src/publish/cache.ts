import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RelengErrors } from '../errors.js';
import type { Logger } from '../log.js';
import { listingKey, type NarInfo, narInfoKey, parseNarInfo, STORE_DIR } from '../nix/narinfo.js';
import { copyToSignedCache, type SigningKey, withKeyFile } from '../nix/sign.js';
import { contentTypeOf } from '../storage/content-type.js';
import { sha256File } from '../storage/hash.js';
import type { Sink } from '../storage/sink.js';
import type { ClosurePath } from './closure.js';
import type { PlannedObject } from './plan.js';
import type { CachePlan } from './plan-cache.js';
import { decideVersioned, type Wanted } from './rules.js';
import { type Tally, writeObjects } from './upload.js';

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
  const replaced = new Set(o.plan.paths.filter((p) => p.action === 'replace').map((p) => p.storePath));
  const work = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'releng-cache-'));
  try {
    await signInto(work, wantedPaths, o);
    // NARs are named by the hash of their bytes: two store paths with identical contents share one.
    const keys = new Set<string>();
    for (const p of wantedPaths) {
      const file = path.join(work, narInfoKey(p));
      const info: NarInfo = parseNarInfo(fs.readFileSync(file, 'utf8'), file);
      keys.add(info.url);
      if (fs.existsSync(path.join(work, listingKey(p)))) keys.add(listingKey(p));
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
          action: replaced.has(p) ? ('overwrite' as const) : ('upload' as const),
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
    const from = o.closure.get(p)?.cache;
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
