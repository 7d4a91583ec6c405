// src/publish/closure.ts: the closure to publish from the merge's list of the leg caches' paths.
import { describe, expect, test } from 'vitest';
import type { CachePath } from '../../../src/bundle/release.js';
import { silentLogger } from '../../../src/log.js';
import { releaseClosure } from '../../../src/publish/closure.js';
import type { CacheSource } from '../../../src/publish/release-input.js';

const path = (name: string, references: string[] = []): CachePath => ({
  storePath: `/nix/store/${name}`,
  narHash: `sha256:${name}`,
  narSize: 1,
  references: references.map((r) => `/nix/store/${r}`),
  cache: '/legs/x86_64-linux/cache',
  narinfo: `/legs/x86_64-linux/cache/${name}.narinfo`,
  nar: `/legs/x86_64-linux/cache/nar/${name}.nar.zst`,
  listing: null,
});

const caches = (cachePaths: CachePath[], storePaths: string[]): CacheSource => ({
  kind: 'caches',
  caches: [{ system: 'x86_64-linux', dir: '/legs/x86_64-linux/cache' }],
  cachePaths,
  storePaths: storePaths.map((p) => `/nix/store/${p}`),
});

describe('the release closure from leg caches', () => {
  test('the top-level paths and everything they reference, and nothing else the caches hold', async () => {
    const all = [path('app', ['lib', 'app']), path('lib', ['libc']), path('libc'), path('unrelated')];
    const closure = await releaseClosure(caches(all, ['app']), silentLogger);
    expect([...closure.keys()].sort()).toEqual(['/nix/store/app', '/nix/store/lib', '/nix/store/libc']);
    expect(closure.get('/nix/store/lib')).toMatchObject({
      cache: '/legs/x86_64-linux/cache',
      references: ['/nix/store/libc'],
    });
  });

  test('a derivation no leg cache holds is left out; a missing output or reference is an error naming it', async () => {
    const closure = await releaseClosure(caches([path('app')], ['app', 'x.drv']), silentLogger);
    expect([...closure.keys()]).toEqual(['/nix/store/app']);
    await expect(
      releaseClosure(caches([path('app', ['gone'])], ['app', 'out']), silentLogger),
    ).rejects.toThrow(
      /the leg caches \(\/legs\/x86_64-linux\/cache\) lack store paths the release needs; rebuild the legs/,
    );
    const err = (await releaseClosure(caches([path('app', ['gone'])], ['app']), silentLogger).catch(
      (e) => e,
    )) as Error;
    expect(err.message).toContain('/nix/store/gone is in no leg cache');
  });

  test('no cache at all is an error with the reason', async () => {
    await expect(releaseClosure({ kind: 'none', why: 'the legs carry none' }, silentLogger)).rejects.toThrow(
      'nothing to put in the binary cache: the legs carry none',
    );
  });
});
