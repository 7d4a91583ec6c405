// src/publish/plan-cache.ts: which store paths the binary cache lacks, compared as nix compares them, and
// the leg files of the paths to write checked before anything is written.
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cacheSettingsOf } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/log.js';
import { encodeBody } from '../../../src/nix/encoding.js';
import { hashHex, parseNarInfo } from '../../../src/nix/narinfo.js';
import { fingerprint, parseSigningKey } from '../../../src/nix/sign.js';
import { planCache, planCacheStep } from '../../../src/publish/plan-cache.js';
import type { CacheSource } from '../../../src/publish/release-input.js';
import type { ObjectBytes, Sink } from '../../../src/storage/sink.js';
import { A, B, fakeLegCache } from '../../helpers/leg-cache.js';
import { nixStyleKey } from '../../helpers/nix-sample.js';
import { directoryDestination } from '../../helpers/release-tree.js';

const SP_A = `/nix/store/${A}`;
const SP_B = `/nix/store/${B}`;
const settings = cacheSettingsOf({ registries: [] });

function legs(o: { compression?: string } = {}) {
  const leg = fakeLegCache([
    { base: B, references: [A], compression: o.compression },
    { base: A, compression: o.compression },
  ]);
  const source: CacheSource = {
    kind: 'caches',
    caches: [{ system: 'x86_64-linux', dir: leg.dir }],
    cachePaths: leg.cachePaths,
    storePaths: [SP_B],
  };
  return { ...leg, source };
}

/** The leg's narinfo of `base`, as text (what a cache that has the path holds). */
const narinfoOf = (dir: string, base: string) =>
  fs.readFileSync(path.join(dir, `${base.slice(0, 32)}.narinfo`), 'utf8');

function signed(text: string, key: ReturnType<typeof nixStyleKey>): string {
  const sig = sign(null, Buffer.from(fingerprint(parseNarInfo(text, 'x'))), key.privateKey).toString(
    'base64',
  );
  return `${text}Sig: ${key.pub.split(':')[0]}:${sig}\n`;
}

/** A sink that gives a Content-Encoding with some objects, as an S3 server does. */
function withEncodings(sink: Sink, encodings: Record<string, string>): Sink {
  return Object.assign(Object.create(sink) as Sink, {
    async get(key: string) {
      const bytes: ObjectBytes | undefined = await sink.get(key);
      if (bytes && encodings[key]) bytes.contentEncoding = encodings[key];
      return bytes;
    },
  });
}

describe('the cache planner', () => {
  test('a new cache: every path to add, its NAR checked and hashed, nix-cache-info to write', async () => {
    const { source, cachePaths } = legs();
    const d = directoryDestination('cache');
    const p = await planCacheStep({ destination: d, source, force: false, settings, log: silentLogger });
    const size = (sp: string) => cachePaths.find((c) => c.storePath === sp)!.info.fileSize;
    expect(p.step.objects.map((o) => [o.dest, o.key, o.size, o.kind, o.action])).toEqual([
      ['cache', SP_B, size(SP_B), 'versioned', 'upload'],
      ['cache', SP_A, size(SP_A), 'versioned', 'upload'],
    ]);
    expect(p.step.notes).toEqual([
      'no signing-key in this environment: the cache is published unsigned',
      'NARs uploaded as the legs compressed them',
    ]);
    expect(p.step.target).toBe(d.location);
    expect(p.problems).toEqual([]);
    const plan = p.work!.plan;
    expect(plan.writeCacheInfo).toBe(true);
    expect([...plan.uploads!.keys()].sort()).toEqual([SP_B, SP_A].sort());
    const a = plan.uploads!.get(SP_A)!;
    expect(`sha256:${a.narSha256}`).toBe(
      `sha256:${execFileSync('sha256sum', [a.nar], { encoding: 'utf8' }).split(' ')[0]}`,
    );
    expect(a.narFileSize).toBe(fs.statSync(a.nar).size);
  });

  test('a path is there when its narinfo has the same NarHash (any spelling); another NarHash is a conflict, force replaces it', async () => {
    const { source, dir } = legs();
    const a = narinfoOf(dir, A);
    // The same digest in base16 is the same NarHash.
    const aBase16 = a.replace(/^NarHash: .*$/m, `NarHash: sha256:${hashHex(parseNarInfo(a, 'a').narHash)}`);
    expect(aBase16).not.toBe(a);
    const other = narinfoOf(dir, B).replace(/^NarHash: .*$/m, `NarHash: sha256:${'0'.repeat(52)}`);
    const d = directoryDestination('cache', {
      'nix-cache-info': 'StoreDir: /nix/store\n',
      [`${A.slice(0, 32)}.narinfo`]: aBase16,
      [`${B.slice(0, 32)}.narinfo`]: other,
    });
    const closure = (
      await planCacheStep({ destination: d, source, force: false, settings, log: silentLogger })
    ).work!.closure;
    const plan = await planCache(d.sink, closure, undefined, false, settings);
    expect(plan.writeCacheInfo).toBe(false);
    expect(plan.paths.map((p) => [p.storePath, p.action, p.reason])).toEqual([
      [SP_B, 'skip', 'conflict'],
      [SP_A, 'skip', undefined],
    ]);
    expect(plan.conflicts).toEqual([expect.stringContaining(`${SP_B} is there with another NarHash`)]);
    expect(plan.uploads!.size).toBe(0);
    const forced = await planCache(d.sink, closure, undefined, true, settings);
    expect(forced.conflicts).toEqual([]);
    expect(forced.paths.find((p) => p.storePath === SP_B)).toMatchObject({
      action: 'replace',
      reason: 'force',
    });
    expect([...forced.uploads!.keys()]).toEqual([SP_B]);
  });

  test.each([
    ['zstd', undefined],
    ['br', 'br'],
    ['gzip', undefined],
    ['gzip', 'gzip'],
    ['zstd', 'zstd'],
  ] as const)('a narinfo stored %s-encoded (Content-Encoding %s) is read', async (encoding, header) => {
    const { source, dir } = legs();
    const encode = async (text: string) => (await encodeBody(Buffer.from(text), encoding)).bytes;
    const d = directoryDestination('cache', { 'nix-cache-info': 'StoreDir: /nix/store\n' });
    fs.writeFileSync(path.join(d.location, `${A.slice(0, 32)}.narinfo`), await encode(narinfoOf(dir, A)));
    const changed = narinfoOf(dir, B).replace(/^NarHash: .*$/m, `NarHash: sha256:${'1'.repeat(52)}`);
    fs.writeFileSync(path.join(d.location, `${B.slice(0, 32)}.narinfo`), await encode(changed));
    const sink = header
      ? withEncodings(d.sink, {
          [`${A.slice(0, 32)}.narinfo`]: header,
          [`${B.slice(0, 32)}.narinfo`]: header,
        })
      : d.sink;
    const p = await planCacheStep({
      destination: { ...d, sink },
      source,
      force: false,
      settings,
      log: silentLogger,
    });
    expect(p.step.objects.map((o) => [o.key, o.action])).toEqual([
      [SP_B, 'skip'],
      [SP_A, 'skip'],
    ]);
    expect(p.conflicts).toEqual([expect.stringContaining(`${SP_B} is there with another NarHash`)]);
  });

  test('a narinfo whose compression is damaged is a conflict naming the object and the path', async () => {
    const { source, dir } = legs();
    const zstd = (await encodeBody(Buffer.from(narinfoOf(dir, A)), 'zstd')).bytes;
    const d = directoryDestination('cache', { 'nix-cache-info': 'StoreDir: /nix/store\n' });
    fs.writeFileSync(path.join(d.location, `${A.slice(0, 32)}.narinfo`), zstd.subarray(0, zstd.length - 6));
    const p = await planCacheStep({ destination: d, source, force: false, settings, log: silentLogger });
    expect(p.conflicts).toEqual([
      `${d.location}/${A.slice(0, 32)}.narinfo: not readable as zstd (unexpected EOF): the object is damaged; delete it so it is written again (the narinfo of ${SP_A})`,
    ]);
  });

  test('when we sign, a path is there only with a valid signature by our key', async () => {
    const { source, dir } = legs();
    const ours = nixStyleKey('cache.example.org-1');
    const theirs = nixStyleKey('cache.example.org-1');
    const key = parseSigningKey(ours.text, 'KEY', silentLogger);
    const d = directoryDestination('cache', {
      [`${A.slice(0, 32)}.narinfo`]: signed(narinfoOf(dir, A), ours),
      [`${B.slice(0, 32)}.narinfo`]: signed(narinfoOf(dir, B), theirs),
    });
    const p = await planCacheStep({ destination: d, source, key, force: false, settings, log: silentLogger });
    expect(p.step.notes[0]).toBe(`signed by ${key.publicKey} (in-process)`);
    expect(p.step.objects.map((o) => [o.key, o.action])).toEqual([
      [SP_B, 'skip'],
      [SP_A, 'skip'],
    ]);
    expect(p.conflicts).toEqual([
      expect.stringContaining(`${SP_B} is there but not signed by cache.example.org-1`),
    ]);
  });

  test('a cache of another store directory is a conflict', async () => {
    const d = directoryDestination('cache', { 'nix-cache-info': 'StoreDir: /gnu/store\n' });
    const p = await planCacheStep({
      destination: d,
      source: legs().source,
      force: false,
      settings,
      log: silentLogger,
    });
    expect(p.conflicts).toEqual([
      `${d.location}/nix-cache-info: a cache for store /gnu/store, not /nix/store`,
    ]);
  });

  test('without the destination: skipped, the closure not even read', async () => {
    const p = await planCacheStep({
      source: { kind: 'none', why: 'unused' },
      force: false,
      settings,
      log: silentLogger,
    });
    expect(p.step.skipped).toBe('skip: cache');
    expect(p.work).toBeUndefined();
  });
});

describe('leg files checked before the first write', () => {
  test.each([
    [
      'other bytes of the same size',
      (f: string) => fs.writeFileSync(f, fs.readFileSync(f).reverse()),
      'FileHash',
    ],
    ['truncated', (f: string) => fs.truncateSync(f, 3), 'FileSize'],
  ])('a NAR %s is a problem naming the NAR and its narinfo', async (_, damage, field) => {
    const { source, cachePaths } = legs();
    const a = cachePaths.find((c) => c.storePath === SP_A)!;
    damage(a.nar);
    const d = directoryDestination('cache');
    const p = await planCacheStep({ destination: d, source, force: true, settings, log: silentLogger });
    expect(p.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${a.nar}: \\d+ bytes with sha256 [0-9a-f]{64}, but ${a.narinfo} says ${field} .*: the NAR is not the one its narinfo names`,
        ),
      ),
    ]);
    expect(p.work!.plan.uploads!.has(SP_A)).toBe(false);
  });

  test('NARs compressed otherwise than cache-settings.compression asks are refused (no second compression)', async () => {
    const { source } = legs({ compression: 'xz' });
    const d = directoryDestination('cache');
    const zstd = { ...settings, compression: 'zstd' as const };
    const p = await planCacheStep({
      destination: d,
      source,
      force: false,
      settings: zstd,
      log: silentLogger,
    });
    expect(p.problems).toEqual([
      expect.stringMatching(
        /^cache-settings\.compression is zstd, but 2 NAR\(s\) of the leg bundles are xz \(e\.g\. .*\.narinfo\): publish uploads the legs' NARs as build-artifacts compressed them; set compression: xz or leave it out$/,
      ),
    ]);
    const same = await planCacheStep({
      destination: d,
      source,
      force: false,
      settings: { ...settings, compression: 'xz' },
      log: silentLogger,
    });
    expect(same.problems).toEqual([]);
  });
});
