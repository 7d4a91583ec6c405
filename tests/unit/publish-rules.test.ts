// The immutable/pointer rules, the index, the cache layering and the plan output, over an in-memory sink
// that counts requests (so "skipped without a HEAD" is checked, not assumed).
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { layers } from '../../src/publish/cache.js';
import { readIndex, renderIndex } from '../../src/publish/index-object.js';
import { type PublishPlan, planJson } from '../../src/publish/plan.js';
import { decidePointers, decideSync, decideVersioned, type Wanted } from '../../src/publish/rules.js';
import { manualPrefix, names, parseInstaller, versionPrefix } from '../../src/release/tree.js';
import { ensureSha256 } from '../../src/storage/hash.js';
import type { PutOptions, Sink, StoredObject } from '../../src/storage/sink.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

class MemorySink implements Sink {
  readonly location = 'mem://bucket';
  objects = new Map<string, { bytes: string; meta?: string }>();
  calls: string[] = [];
  set(key: string, bytes: string, withMeta = true) {
    this.objects.set(key, { bytes, meta: withMeta ? sha(bytes) : undefined });
  }
  async head(key: string): Promise<StoredObject | undefined> {
    this.calls.push(`HEAD ${key}`);
    const o = this.objects.get(key);
    return o ? { key, size: o.bytes.length, sha256: o.meta } : undefined;
  }
  async put(key: string, _file: string, o: PutOptions) {
    this.calls.push(`PUT ${key}`);
    this.objects.set(key, { bytes: 'x'.repeat(o.size), meta: o.sha256 });
  }
  async putBytes(key: string, bytes: Uint8Array, o: PutOptions) {
    this.calls.push(`PUT ${key}`);
    this.objects.set(key, { bytes: Buffer.from(bytes).toString(), meta: o.sha256 });
  }
  async list(prefix: string) {
    this.calls.push(`LIST ${prefix}`);
    return [...this.objects]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.bytes.length }));
  }
  async delete(keys: string[]) {
    for (const k of keys) this.objects.delete(k);
  }
  async get(key: string) {
    this.calls.push(`GET ${key}`);
    const o = this.objects.get(key);
    return o ? Buffer.from(o.bytes) : undefined;
  }
  async hash(key: string) {
    this.calls.push(`HASH ${key}`);
    const o = this.objects.get(key);
    return o ? { sha256: sha(o.bytes), size: o.bytes.length } : undefined;
  }
  async check() {
    return [];
  }
  async checkWrite() {
    return [];
  }
}

const want = (key: string, content: string): Wanted => ({
  dest: 'releases',
  key,
  source: `/src/${key}`,
  size: content.length,
  sha256: sha(content),
});

describe('the immutable rule', () => {
  test('absent → upload, same bytes → skip, other bytes → a conflict naming the key; force → overwrite', async () => {
    const s = new MemorySink();
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
    const s = new MemorySink();
    s.set('v/a', 'aaa', false);
    s.set('v/b', 'bbb', false);
    const d = await decideVersioned(s, [want('v/a', 'aaa'), want('v/b', 'BBB')], {}, false);
    expect(d.objects.map((o) => o.action)).toEqual(['skip', 'skip']);
    expect(d.conflicts).toHaveLength(1);
    expect(s.calls.filter((c) => c.startsWith('HASH'))).toEqual(['HASH v/a', 'HASH v/b']);
  });

  test('with the index and one listing, indexed objects are skipped without a request; others are looked at', async () => {
    const s = new MemorySink();
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
    const s = new MemorySink();
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
    const s = new MemorySink();
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
    const s = new MemorySink();
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

describe('index, layout, cache order, plan', () => {
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
    const s = new MemorySink();
    s.objects.set('idx', { bytes: text });
    expect((await readIndex(s, 'idx', '2.93.0', silentLogger)).get('releases')?.get('z')).toEqual({
      size: 1,
      sha256: 'b',
    });
    expect((await readIndex(s, 'idx', '2.94.0', silentLogger)).size).toBe(0);
    s.objects.set('idx', { bytes: 'not json' });
    expect((await readIndex(s, 'idx', '2.93.0', silentLogger)).size).toBe(0);
  });

  test('layout: version dirs, manual prefixes, installers', () => {
    expect(versionPrefix('lix', '2.93.0')).toBe('lix/lix-2.93.0/');
    expect(manualPrefix('lix', '2.93')).toBe('manual/lix/2.93/');
    const system = parseInstaller('lix', 'lix/lix-2.93.0/lix-installer-aarch64-darwin');
    expect(system && names.installer('lix', system)).toBe('lix-installer-aarch64-darwin');
    expect(parseInstaller('lix', 'lix/lix-2.93.0/lix-installer-x86_64-linux.sha256')).toBeUndefined();
    expect(parseInstaller('lix', 'lix/lix-2.93.0/lix-2.93.0-x86_64-linux.tar.xz')).toBeUndefined();
  });

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

  test('the plan output: totals, per step, each object with its action', () => {
    const plan: PublishPlan = {
      version: '2.93.0',
      environmentName: 'staging',
      dryRun: true,
      steps: [
        {
          step: 'releases',
          target: 's3://releases',
          notes: [],
          objects: [
            { dest: 'releases', key: 'a', size: 10, sha256: 'x', kind: 'versioned', action: 'upload' },
            { dest: 'releases', key: 'b', size: 5, sha256: 'y', kind: 'versioned', action: 'skip' },
          ],
        },
        { step: 'tag', notes: ['tag 2.93.0: to push'], objects: [], skipped: undefined },
      ],
    };
    expect(planJson(plan)).toEqual({
      version: '2.93.0',
      environment: 'staging',
      dryRun: true,
      totals: { upload: 1, bytes: 10, skip: 1, delete: 0 },
      steps: [
        {
          step: 'releases',
          target: 's3://releases',
          notes: [],
          objects: [
            { dest: 'releases', key: 'a', size: 10, action: 'upload', kind: 'versioned' },
            { dest: 'releases', key: 'b', size: 5, action: 'skip', kind: 'versioned' },
          ],
        },
        { step: 'tag', notes: ['tag 2.93.0: to push'], objects: [] },
      ],
    });
  });
});
