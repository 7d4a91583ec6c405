// src/publish/plan-cache.ts: which store paths the binary cache lacks, compared as nix compares them.
import { sign } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { CachePath } from '../../../src/bundle/release.js';
import { silentLogger } from '../../../src/log.js';
import { parseNarInfo } from '../../../src/nix/narinfo.js';
import { fingerprint, parseSigningKey } from '../../../src/nix/sign.js';
import { planCache, planCacheStep } from '../../../src/publish/plan-cache.js';
import type { CacheSource } from '../../../src/publish/release-input.js';
import { nixStyleKey, SAMPLE_NARINFO } from '../../helpers/nix-sample.js';
import { directoryDestination } from '../../helpers/release-tree.js';

// The sample narinfo's path (it references ...-releng-a, which is in the closure too).
const B = '/nix/store/krcxka86c45a9afy5shxayywq7l2knb9-releng-b';
const A = '/nix/store/psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a';
const NAR_HASH_B = 'sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh';
const cachePath = (storePath: string, narHash: string, references: string[] = []): CachePath => ({
  storePath,
  narHash,
  narSize: 168,
  references,
  cache: '/leg/cache',
  narinfo: '/leg/cache/x.narinfo',
  nar: '/leg/cache/nar/x.nar.zst',
  listing: null,
});
const source: CacheSource = {
  kind: 'caches',
  caches: [{ system: 'x86_64-linux', dir: '/leg/cache' }],
  cachePaths: [
    cachePath(B, NAR_HASH_B, [A]),
    // Another hash spelling of the same digest is the same NarHash (nix32 vs base16).
    cachePath(A, 'sha256:d081910ad0918260bbb095afcd42144afdaadc2721c06f271fb060fc5e2ff8c9'),
  ],
  storePaths: [B],
};
const A_NARINFO = SAMPLE_NARINFO.replace(
  'krcxka86c45a9afy5shxayywq7l2knb9-releng-b',
  'psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a',
).replace(/^References:.*\n/m, '');

function signed(text: string, key: ReturnType<typeof nixStyleKey>): string {
  const sig = sign(null, Buffer.from(fingerprint(parseNarInfo(text, 'x'))), key.privateKey).toString(
    'base64',
  );
  return `${text}Sig: ${key.pub.split(':')[0]}:${sig}\n`;
}

describe('the cache planner', () => {
  test('a new cache: every path to add, nix-cache-info to write', async () => {
    const d = directoryDestination('cache');
    const p = await planCacheStep({ destination: d, source, force: false, log: silentLogger });
    expect(p.step.objects.map((o) => [o.dest, o.key, o.size, o.kind, o.action])).toEqual([
      ['cache', B, 168, 'versioned', 'upload'],
      ['cache', A, 168, 'versioned', 'upload'],
    ]);
    expect(p.step.notes).toEqual(['no signing-key in this environment: the cache is published unsigned']);
    expect(p.step.target).toBe(d.location);
    expect(p.work?.plan.writeCacheInfo).toBe(true);
    expect([...p.work!.closure.keys()].sort()).toEqual([B, A].sort());
  });

  test('a path is there when its narinfo has the same NarHash (any spelling); another NarHash is a conflict, force replaces it', async () => {
    const other = SAMPLE_NARINFO.replace(NAR_HASH_B, `sha256:${'0'.repeat(52)}`);
    const d = directoryDestination('cache', {
      'nix-cache-info': 'StoreDir: /nix/store\n',
      'psk9xwccspzkkjllqwpq0c6mgg7l16yl.narinfo': A_NARINFO,
      'krcxka86c45a9afy5shxayywq7l2knb9.narinfo': other,
    });
    const closure = (await planCacheStep({ destination: d, source, force: false, log: silentLogger })).work!
      .closure;
    const plan = await planCache(d.sink, closure, undefined, false);
    expect(plan.writeCacheInfo).toBe(false);
    expect(plan.paths.map((p) => [p.storePath, p.action, p.reason])).toEqual([
      [B, 'skip', 'conflict'],
      [A, 'skip', undefined],
    ]);
    expect(plan.conflicts).toEqual([expect.stringContaining(`${B} is there with another NarHash`)]);
    const forced = await planCache(d.sink, closure, undefined, true);
    expect(forced.conflicts).toEqual([]);
    expect(forced.paths.find((p) => p.storePath === B)).toMatchObject({ action: 'replace', reason: 'force' });
  });

  test('when we sign, a path is there only with a valid signature by our key', async () => {
    const ours = nixStyleKey('cache.example.org-1');
    const theirs = nixStyleKey('cache.example.org-1');
    const key = parseSigningKey(ours.text, 'KEY', silentLogger);
    const d = directoryDestination('cache', {
      'psk9xwccspzkkjllqwpq0c6mgg7l16yl.narinfo': signed(A_NARINFO, ours),
      'krcxka86c45a9afy5shxayywq7l2knb9.narinfo': signed(SAMPLE_NARINFO, theirs),
    });
    const p = await planCacheStep({ destination: d, source, key, force: false, log: silentLogger });
    expect(p.step.notes).toEqual([`signed by ${key.publicKey}`]);
    expect(p.step.objects.map((o) => [o.key, o.action])).toEqual([
      [B, 'skip'],
      [A, 'skip'],
    ]);
    expect(p.conflicts).toEqual([
      expect.stringContaining(`${B} is there but not signed by cache.example.org-1`),
    ]);
  });

  test('a cache of another store directory is a conflict', async () => {
    const d = directoryDestination('cache', { 'nix-cache-info': 'StoreDir: /gnu/store\n' });
    const p = await planCacheStep({ destination: d, source, force: false, log: silentLogger });
    expect(p.conflicts).toEqual([
      `${d.location}/nix-cache-info: a cache for store /gnu/store, not /nix/store`,
    ]);
  });

  test('without the destination: skipped, the closure not even read', async () => {
    const p = await planCacheStep({
      source: { kind: 'none', why: 'unused' },
      force: false,
      log: silentLogger,
    });
    expect(p.step.skipped).toBe('skip: cache');
    expect(p.work).toBeUndefined();
  });
});
