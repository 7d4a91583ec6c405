import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { readIndex, renderIndex } from '../../../src/publish/index-object.js';
import { MemoryStore } from '../../helpers/memory-store.js';

describe('the per-release index', () => {
  test('the index is deterministic, sorted, and read back; another version or garbage is ignored', async () => {
    const m = new Map([
      [
        'releases' as const,
        new Map([
          ['z', { size: 1, sha256: 'b' }],
          ['a', { size: 2, sha256: 'a' }],
        ]),
      ],
    ]);
    const text = renderIndex('2.93.0', m);
    expect(text).toBe(
      renderIndex('2.93.0', new Map([['releases', new Map([...m.get('releases')!].reverse())]])),
    );
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"z"'));
    const s = new MemoryStore();
    s.objects.set('idx', { bytes: text });
    expect((await readIndex(s, 'idx', '2.93.0', silentLogger)).get('releases')?.get('z')).toEqual({
      size: 1,
      sha256: 'b',
    });
    expect((await readIndex(s, 'idx', '2.94.0', silentLogger)).size).toBe(0);
    s.objects.set('idx', { bytes: 'not json' });
    expect((await readIndex(s, 'idx', '2.93.0', silentLogger)).size).toBe(0);
  });
});
