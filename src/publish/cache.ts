import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RelengErrors } from '../errors.js';
import type { Logger } from '../log.js';
import { encodeBody } from '../nix/encoding.js';
import { formatNarInfo, listingKey, narInfoKey, readCacheDir, STORE_DIR } from '../nix/narinfo.js';
import { copyToSignedCache, type SigningKey, signNarInfo, withKeyFile } from '../nix/sign.js';
import { makeWorkDir, WORK_DIRS } from '../nix/work-dir.js';
import { contentTypeOf } from '../storage/content-type.js';
import { sha256File } from '../storage/hash.js';
import type { Sink } from '../storage/sink.js';
import type { ClosurePath } from './closure.js';
import type { PlannedObject } from './plan.js';
import { type CachePlan, type CacheUpload, checkNar } from './plan-cache.js';
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
  /**
   * Sign with `nix copy` even from leg caches (the way publish signed before it needed no nix: kept for the
   * benchmark that compares the two). The local store is always signed by nix.
   */
  viaNix?: boolean;
}

/** Listings held in memory at once (read, encoded, written, then dropped). */
const LISTING_BATCH = 64;

/**
 * Publishes the paths the plan found missing: NARs and listings first, nix-cache-info, then each narinfo
 * only after the narinfos of its references — so a reader never finds a narinfo whose NAR, or whose
 * references, are missing. From leg bundles nothing runs but us: each narinfo is signed here and the NAR
 * uploaded as the leg holds it. From the local store (artifacts-dir), `nix copy` signs and compresses into
 * a work cache first, which is then uploaded the same way. Returns what was written.
 */
export async function publishCache(o: CachePublishOptions): Promise<PlannedObject[]> {
  const wantedPaths = o.plan.paths.filter((p) => p.action !== 'skip').map((p) => p.storePath);
  if (wantedPaths.length === 0 && !o.plan.writeCacheInfo) {
    o.log.info(`cache: all ${o.plan.paths.length} store paths are in ${o.sink.location} already`);
    return [];
  }
  if (o.plan.uploads && !o.viaNix)
    return upload(
      o,
      wantedPaths.map((p) => o.plan.uploads!.get(p)!),
      { sign: true },
    );
  const work = makeWorkDir(WORK_DIRS.cache);
  try {
    if (wantedPaths.length) await signWithNix(work, wantedPaths, o);
    return await upload(o, await workUploads(work, wantedPaths), { sign: false });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function upload(
  o: CachePublishOptions,
  uploads: CacheUpload[],
  how: { sign: boolean },
): Promise<PlannedObject[]> {
  const replaced = new Set(o.plan.paths.filter((p) => p.action === 'replace').map((p) => p.storePath));
  const write = (objects: PlannedObject[], label: string) =>
    writeObjects(o.sink, objects, { concurrency: o.concurrency, log: o.log, label, tally: o.tally });

  // NARs are named by the hash of their bytes: two store paths with identical contents share one, and the
  // same key with other bytes is damage, refused as such.
  const nars = new Map<string, Wanted>();
  for (const u of uploads)
    nars.set(u.info.url, {
      dest: 'cache',
      key: u.info.url,
      source: u.nar,
      size: u.narFileSize,
      sha256: u.narSha256,
      contentType: contentTypeOf(u.info.url),
    });
  const decided = await decideVersioned(o.sink, [...nars.values()], {}, o.force);
  if (decided.conflicts.length)
    throw new RelengErrors('the binary cache holds damaged files', decided.conflicts);
  await write(decided.objects, 'cache NARs');
  const written = decided.objects.filter((x) => x.action !== 'skip');

  const settings = o.plan.settings;
  if (settings['write-nar-listing']) {
    const listed = uploads.filter((u) => u.listing);
    for (let i = 0; i < listed.length; i += LISTING_BATCH) {
      const batch = await Promise.all(
        listed.slice(i, i + LISTING_BATCH).map(async (u) => {
          const encoded = await encodeBody(fs.readFileSync(u.listing!), settings['ls-compression']);
          // A listing is claimed like its narinfo, but replaced with it (and under `force`: one left by a
          // killed run of another build, whose narinfo never appeared).
          const action = o.force || replaced.has(u.storePath) ? 'overwrite' : 'upload';
          return bytesObject(listingKey(u.storePath), encoded, action);
        }),
      );
      await write(batch, 'cache listings');
      written.push(...batch);
    }
  }
  if (o.plan.writeCacheInfo) {
    // As nix writes it into a new cache.
    const info = bytesObject('nix-cache-info', { bytes: Buffer.from(`StoreDir: ${STORE_DIR}\n`) }, 'upload');
    await write([info], 'cache info');
    written.push(info);
  }

  const byPath = new Map(uploads.map((u) => [u.storePath, u]));
  for (const layer of layers([...byPath.keys()], o.closure)) {
    const objects = await Promise.all(
      layer.map(async (p) => {
        const u = byPath.get(p)!;
        const info = how.sign && o.key ? signNarInfo(u.info, o.key) : u.info;
        const encoded = await encodeBody(Buffer.from(formatNarInfo(info)), settings['narinfo-compression']);
        return bytesObject(narInfoKey(p), encoded, replaced.has(p) ? 'overwrite' : 'upload');
      }),
    );
    await write(objects, 'cache narinfo');
    written.push(...objects);
  }
  return written;
}

/** A small object made here (narinfo, listing, nix-cache-info), written from memory. */
function bytesObject(
  key: string,
  encoded: { bytes: Buffer; contentEncoding?: string },
  action: 'upload' | 'overwrite',
): PlannedObject {
  return {
    dest: 'cache',
    key,
    bytes: encoded.bytes,
    size: encoded.bytes.length,
    sha256: createHash('sha256').update(encoded.bytes).digest('hex'),
    contentType: contentTypeOf(key),
    ...(encoded.contentEncoding ? { contentEncoding: encoded.contentEncoding } : {}),
    kind: 'versioned',
    action,
  };
}

/**
 * `nix copy` of the paths (and their closures: a binary cache refuses a path whose references it lacks)
 * into the work cache, signed with the key in a temp file, compressed as `cache-settings` asks.
 */
async function signWithNix(work: string, paths: string[], o: CachePublishOptions): Promise<void> {
  const bySource = new Map<string | undefined, string[]>();
  for (const p of paths) {
    const from = o.closure.get(p)?.cache;
    bySource.set(from, [...(bySource.get(from) ?? []), p]);
  }
  const settings = o.plan.settings;
  const copy = async (keyFile?: string) => {
    for (const [from, group] of bySource)
      await o.log.group(
        `nix copy ${group.length} path(s) into the ${keyFile ? 'signed' : 'unsigned'} work cache`,
        () =>
          copyToSignedCache({
            from: from ? `file://${from}` : undefined,
            to: work,
            keyFile,
            compression: settings.compression,
            writeNarListing: settings['write-nar-listing'],
            paths: group,
            log: o.log,
          }),
      );
  };
  if (o.key) await withKeyFile(o.key, copy);
  else await copy();
}

/** The wanted paths as nix wrote them into the work cache, checked as a leg's are. */
async function workUploads(work: string, paths: string[]): Promise<CacheUpload[]> {
  if (paths.length === 0) return [];
  const infos = new Map(readCacheDir(work).map((i) => [i.storePath, i]));
  const out: CacheUpload[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    const info = infos.get(p);
    if (!info) {
      problems.push(`${p}: nix copy did not write it into the work cache ${work}`);
      continue;
    }
    const nar = path.join(work, ...info.url.split('/'));
    const listing = path.join(work, listingKey(p));
    const { file: _f, ...fields } = info;
    const checked = await checkNar(
      p,
      fields,
      nar,
      info.file,
      sha256File(nar),
      fs.existsSync(listing) ? listing : null,
    );
    if (typeof checked === 'string') problems.push(checked);
    else out.push(checked);
  }
  if (problems.length) throw new RelengErrors('signing the cache with nix copy went wrong', problems);
  return out;
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
