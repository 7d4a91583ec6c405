// The immutable and pointer rules over an in-memory sink that counts requests.
import { describe, expect, test } from 'vitest';
import {
  decidePointers,
  decideSync,
  decideVersioned,
  listing,
  type Wanted,
  wanted,
} from '../../../src/publish/rules.js';
import { ensureSha256 } from '../../../src/storage/hash.js';
import { MemoryStore, sha } from '../../helpers/memory-store.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

const want = (key: string, content: string): Wanted => ({
  dest: 'releases',
  key,
  source: `/src/${key}`,
  size: content.length,
  sha256: sha(content),
});

describe('the immutable rule', () => {
  test('absent → upload, same bytes → skip, other bytes → a conflict naming the key; force → overwrite', async () => {
    const s = new MemoryStore();
    s.set('v/same', 'aaa');
    s.set('v/changed', 'old');
    const wanted = [want('v/new', 'n'), want('v/same', 'aaa'), want('v/changed', 'new')];
    const d = await decideVersioned(s, wanted, {}, false);
    expect(d.objects.map((o) => [o.key, o.action])).toEqual([
      ['v/new', 'upload'],
      ['v/same', 'skip'],
      ['v/changed', 'skip'],
    ]);
    expect(d.conflicts).toEqual([
      `mem://bucket/v/changed exists with other content (3 bytes, sha256 ${sha('old').slice(0, 12)}…; ours 3 bytes, sha256 ${sha('new').slice(0, 12)}…)`,
    ]);
    const f = await decideVersioned(s, wanted, {}, true);
    expect(f.conflicts).toEqual([]);
    expect(f.objects.find((o) => o.key === 'v/changed')).toMatchObject({
      action: 'overwrite',
      reason: 'force',
    });
  });

  test('an object without our sha256 (another tool uploaded it) is read back and hashed, never judged by ETag', async () => {
    const s = new MemoryStore();
    s.set('v/a', 'aaa', false);
    s.set('v/b', 'bbb', false);
    const d = await decideVersioned(s, [want('v/a', 'aaa'), want('v/b', 'BBB')], {}, false);
    expect(d.objects.map((o) => o.action)).toEqual(['skip', 'skip']);
    expect(d.conflicts).toHaveLength(1);
    expect(s.calls.filter((c) => c.startsWith('HASH'))).toEqual(['HASH v/a', 'HASH v/b']);
  });

  test('with the index and one listing, indexed objects are skipped without a request; others are looked at', async () => {
    const s = new MemoryStore();
    for (const k of ['a', 'b', 'c']) s.set(`v/${k}`, k);
    const index = new Map([
      ['v/a', { size: 1, sha256: sha('a') }],
      ['v/b', { size: 1, sha256: sha('stale') }],
    ]);
    const listing = new Map([...s.objects].map(([k, o]) => [k, o.bytes.length]));
    const d = await decideVersioned(
      s,
      [want('v/a', 'a'), want('v/b', 'b'), want('v/c', 'c'), want('v/d', 'd')],
      { index, listing },
      false,
    );
    expect(d.objects.map((o) => o.action)).toEqual(['skip', 'skip', 'skip', 'upload']);
    expect(s.calls.sort()).toEqual(['HEAD v/b', 'HEAD v/c']);
  });
});

describe('pointers', () => {
  test('replaced when different, skipped when equal, held when the rule says so', async () => {
    const s = new MemoryStore();
    s.set('manifest.nix', 'old');
    expect((await decidePointers(s, [want('manifest.nix', 'new')], undefined))[0]!.action).toBe('replace');
    expect((await decidePointers(s, [want('manifest.nix', 'old')], undefined))[0]!.action).toBe('skip');
    expect((await decidePointers(s, [want('fresh', 'x')], undefined))[0]!.action).toBe('upload');
    s.calls.length = 0;
    expect(await decidePointers(s, [want('manifest.nix', 'new')], 'newer release')).toEqual([
      expect.objectContaining({ action: 'hold', reason: 'newer release' }),
    ]);
    expect(s.calls).toEqual([]);
  });

  test('a synced directory deletes what the manual no longer has, under its prefix only', async () => {
    const s = new MemoryStore();
    for (const k of [
      'm/2.9/a',
      'm/2.93/a',
      'm/2.93/stale',
      'm/2.93/sub/stale',
      'm/2.930/x',
      'm/2.93-rc/x',
      'm/other',
    ])
      s.set(k, 'v');
    const d = await decideSync(
      s,
      'docs',
      'm/2.93/',
      [want('m/2.93/a', 'v'), want('m/2.93/b', 'b')],
      undefined,
    );
    expect(d.map((o) => [o.key, o.action])).toEqual([
      ['m/2.93/a', 'skip'],
      ['m/2.93/b', 'upload'],
      ['m/2.93/stale', 'delete'],
      ['m/2.93/sub/stale', 'delete'],
    ]);
    const held = await decideSync(s, 'docs', 'm/2.93/', [want('m/2.93/a', 'changed')], 'held');
    expect(held.map((o) => o.action)).toEqual(['hold']);
  });
});

describe('an artifacts dir is hashed only when needed', () => {
  test('absent objects are planned unhashed; compared and pointer objects hash their file', async () => {
    const dir = tmpDir();
    writeFiles(dir, { a: 'aaa', b: 'bbb', p: 'ptr' });
    const lazy = (key: string, file: string): Wanted => ({
      dest: 'releases',
      key,
      source: `${dir}/${file}`,
      size: 3,
      sha256: '',
    });
    const s = new MemoryStore();
    s.set('v/b', 'bbb');
    s.set('p', 'ptr');
    const d = await decideVersioned(
      s,
      [lazy('v/a', 'a'), lazy('v/b', 'b')],
      { listing: new Map([['v/b', 3]]) },
      false,
    );
    expect(d.objects.map((o) => [o.action, o.sha256])).toEqual([
      ['upload', ''],
      ['skip', sha('bbb')],
    ]);
    expect((await decidePointers(s, [lazy('p', 'p')], undefined))[0]).toMatchObject({
      action: 'skip',
      sha256: sha('ptr'),
    });
    expect((await decideSync(s, 'docs', 'v/', [lazy('v/b', 'b')], undefined))[0]).toMatchObject({
      action: 'skip',
    });
    expect(await ensureSha256(d.objects[0]!)).toBe(sha('aaa'));
    expect(d.objects[0]!.sha256).toBe(sha('aaa'));
  });
});

describe('wanted objects and listings', () => {
  test('a release file wanted at a key carries its content type; a listing is key → size', async () => {
    const w = wanted('docs', 'manual/lix/2.93/index.html', {
      source: '/m/index.html',
      size: 3,
      sha256: 'ab',
    });
    expect(w).toEqual({
      dest: 'docs',
      key: 'manual/lix/2.93/index.html',
      source: '/m/index.html',
      size: 3,
      sha256: 'ab',
      contentType: 'text/html; charset=utf-8',
    });
    const s = new MemoryStore();
    s.set('v/a', 'aaa');
    s.set('w/b', 'b');
    expect(await listing(s, 'v/')).toEqual(new Map([['v/a', 3]]));
  });
});
