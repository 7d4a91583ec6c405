import { describe, expect, test } from 'vitest';
import { layers } from '../../../src/publish/cache.js';

describe('cache upload order', () => {
  test('narinfo order: references before referrers, self-references ignored', () => {
    const closure = new Map(
      [
        ['/nix/store/a', []],
        ['/nix/store/b', ['/nix/store/a', '/nix/store/b']],
        ['/nix/store/c', ['/nix/store/b', '/nix/store/x']],
      ].map(([p, refs]) => [
        p as string,
        { storePath: p as string, narHash: '', narSize: 0, references: refs as string[] },
      ]),
    );
    expect(layers(['/nix/store/c', '/nix/store/b', '/nix/store/a'], closure)).toEqual([
      ['/nix/store/a'],
      ['/nix/store/b'],
      ['/nix/store/c'],
    ]);
    expect(layers(['/nix/store/c'], closure)).toEqual([['/nix/store/c']]);
  });
});
