// src/publish/upload.ts: writing planned objects to a sink, verified after writing; deletes; read-back.
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { deleteObjects, newTally, readBack, writeObjects } from '../../../src/publish/upload.js';
import { CHUNK } from '../../../src/storage/buffers.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { contentsOf, directoryDestination, plannedTree, sha } from '../../helpers/release-tree.js';

const planned = plannedTree;

describe('writing objects', () => {
  test('only the objects to write; small and large files; hashed when not known yet; tallied', async () => {
    const d = directoryDestination('releases');
    const big = 'x'.repeat(CHUNK + 1);
    const objects = [
      ...planned({ 'v/small': 'small', 'v/big': big }, 'upload', true),
      ...planned({ 'v/there': 'there' }, 'skip'),
    ];
    const tally = newTally();
    await writeObjects(d.sink, objects, {
      concurrency: 2,
      log: silentLogger,
      label: 'test',
      tally,
      verifyPrefix: 'v/',
    });
    expect(contentsOf(d)).toEqual({ 'v/small': 'small', 'v/big': big });
    expect(objects.map((o) => [o.key, o.sha256])).toEqual([
      ['v/big', sha(big)],
      ['v/small', sha('small')],
      ['v/there', sha('there')],
    ]);
    expect(tally).toMatchObject({ objects: 2, bytes: big.length + 5, deleted: 0 });
  });

  test('a file changed since it was planned is refused, naming it', async () => {
    const d = directoryDestination('releases');
    const [o] = planned({ 'v/a': 'aaa' }, 'upload');
    await expect(
      writeObjects(d.sink, [{ ...o!, size: 4 }], {
        concurrency: 1,
        log: silentLogger,
        label: 't',
        tally: newTally(),
      }),
    ).rejects.toThrow(`${o!.source}: 3 bytes, expected 4; was it changed while publishing?`);
  });

  test('an object not there as written after the read-back is an error', async () => {
    const d = directoryDestination('releases');
    d.sink.head = async () => undefined;
    const objects = planned({ 'p/a': 'a' }, 'upload');
    await expect(
      writeObjects(d.sink, objects, { concurrency: 1, log: silentLogger, label: 't', tally: newTally() }),
    ).rejects.toThrow(/p\/a: verification after writing failed \(not there; expected 1 bytes/);
  }, 20_000);

  test('two different objects for one key are a bug, caught before writing', async () => {
    const d = directoryDestination('releases');
    const [a] = planned({ k: 'a' }, 'upload');
    const [b] = planned({ k: 'b' }, 'upload');
    await expect(
      writeObjects(d.sink, [a!, b!], { concurrency: 1, log: silentLogger, label: 't', tally: newTally() }),
    ).rejects.toThrow('internal: two different objects planned at k');
  });

  test('a versioned object planned absent is claimed: written meanwhile with other bytes, refused and kept', async () => {
    // Another run wrote v/b after this one planned it absent (read, then write: the write is the claim).
    const d = directoryDestination('releases', { 'v/b': 'theirs' });
    const objects = planned({ 'v/a': 'ours-a', 'v/b': 'ours-b' }, 'upload');
    await expect(
      writeObjects(d.sink, objects, { concurrency: 1, log: silentLogger, label: 't', tally: newTally() }),
    ).rejects.toThrow(`${d.location}/v/b was written by a concurrent publish with different content`);
    expect(contentsOf(d)['v/b']).toBe('theirs');
  });

  test('a claim lost to our own bytes is written; pointers and force overwrite unconditionally', async () => {
    const d = directoryDestination('releases', { 'v/same': 'same', 'v/forced': 'old', ptr: 'old' });
    const objects = [
      ...planned({ 'v/same': 'same' }, 'upload'),
      ...planned({ 'v/forced': 'forced' }, 'overwrite'),
      ...planned({ ptr: 'moved' }, 'replace').map((o) => ({ ...o, kind: 'pointer' as const })),
    ];
    const tally = newTally();
    await writeObjects(d.sink, objects, { concurrency: 2, log: silentLogger, label: 't', tally });
    expect(contentsOf(d)).toEqual({ 'v/same': 'same', 'v/forced': 'forced', ptr: 'moved' });
    expect(tally.objects).toBe(3);
  });

  test('which writes are claims (PutOptions.ifAbsent)', async () => {
    const store = new MemoryStore();
    const objects = [
      ...planned({ up: 'u' }, 'upload'),
      ...planned({ over: 'o' }, 'overwrite'),
      ...planned({ ptr: 'p', ptr2: 'q' }, 'upload').map((o) => ({ ...o, kind: 'pointer' as const })),
    ];
    await writeObjects(store, objects, { concurrency: 1, log: silentLogger, label: 't', tally: newTally() });
    expect(Object.fromEntries([...store.putOptions].map(([k, o]) => [k, o.ifAbsent ?? false]))).toEqual({
      up: true,
      over: false,
      ptr: false,
      ptr2: false,
    });
  });

  test('deletes only the objects planned for deletion', async () => {
    const d = directoryDestination('docs', { 'm/old': 'x', 'm/keep': 'y' });
    const tally = newTally();
    const del = {
      dest: 'docs' as const,
      key: 'm/old',
      size: 1,
      sha256: '',
      kind: 'pointer' as const,
      action: 'delete' as const,
    };
    await deleteObjects(d.sink, [del, { ...del, key: 'm/keep', action: 'skip' }], {
      log: silentLogger,
      label: 't',
      tally,
    });
    expect(contentsOf(d)).toEqual({ 'm/keep': 'y' });
    expect(tally.deleted).toBe(1);
  });

  test('readBack looks again until the value is as expected', async () => {
    let n = 0;
    expect(
      await readBack(
        async () => ++n,
        (v) => v >= 2,
      ),
    ).toBe(2);
  });
});
