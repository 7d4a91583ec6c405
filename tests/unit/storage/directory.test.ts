import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DirectorySink } from '../../../src/storage/directory.js';
import { describeSinkContract } from '../../helpers/sink-contract.js';
import { contentSnapshot } from '../../helpers/snapshot.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

describeSinkContract('directory', () => new DirectorySink(tmpDir('releng-sink-')));

const meta = { sha256: 'unused by a directory', size: 0 };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The files under dir, relative and sorted. */
const filesUnder = (dir: string) => Object.keys(contentSnapshot(dir)).sort();

describe('directory sink: a local directory as S3 would behave', () => {
  test('a put replaces the file whole and leaves no temp file beside it', async () => {
    const root = tmpDir();
    const sink = new DirectorySink(root);
    await sink.putBytes('a/x.txt', Buffer.from('old'), meta);
    const src = path.join(tmpDir(), 'src');
    fs.writeFileSync(src, 'new bytes');
    await sink.put('a/x.txt', src, meta);
    expect(fs.readFileSync(path.join(root, 'a/x.txt'), 'utf8')).toBe('new bytes');
    expect(filesUnder(root)).toEqual(['a/x.txt']);
  });

  test("head and hash are the file's own sha256; a directory is no object", async () => {
    const root = tmpDir();
    writeFiles(root, { 'd/f.txt': 'abc' });
    const sink = new DirectorySink(root);
    const sha = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sink.head('d/f.txt')).toEqual({ key: 'd/f.txt', size: 3, sha256: sha });
    expect(await sink.hash('d/f.txt')).toEqual({ sha256: sha, size: 3 });
    expect(await sink.head('d')).toBeUndefined();
    expect(await sink.get('d')).toBeUndefined();
    expect(await sink.hash('missing')).toBeUndefined();
  });

  test("a prefix is a string prefix of keys, as in S3; a killed run's temp files are not listed", async () => {
    const root = tmpDir();
    writeFiles(root, {
      'lix-2.93.0/a': '1',
      'lix-2.93.1/b': '22',
      'lix-2.94.0/c': '3',
      'lix-2.93.0/a.releng-tmp-123-abcd': 'half',
    });
    const sink = new DirectorySink(root);
    expect(await sink.list('lix-2.93')).toEqual([
      { key: 'lix-2.93.0/a', size: 1 },
      { key: 'lix-2.93.1/b', size: 2 },
    ]);
    expect((await sink.list('lix-2.93.1/')).map((o) => o.key)).toEqual(['lix-2.93.1/b']);
    expect(await sink.list('nothing/here/')).toEqual([]);
  });

  test('delete prunes the directories it empties, never the root', async () => {
    const root = tmpDir();
    writeFiles(root, { 'a/b/c/x': '1', 'a/y': '2' });
    const sink = new DirectorySink(root);
    await sink.delete(['a/b/c/x', 'never/there']);
    expect(fs.existsSync(path.join(root, 'a/b'))).toBe(false);
    expect(filesUnder(root)).toEqual(['a/y']);
    await sink.delete(['a/y']);
    expect(fs.readdirSync(root)).toEqual([]);
    expect(fs.existsSync(root)).toBe(true);
  });

  test('a root that does not exist yet is fine; one under a file is a problem naming both', async () => {
    const base = tmpDir();
    expect(await new DirectorySink(path.join(base, 'new/dir')).check()).toEqual([]);
    expect(await new DirectorySink(path.join(base, 'new/dir')).checkWrite()).toEqual([]);
    writeFiles(base, { file: 'x' });
    const under = path.join(base, 'file/sub');
    expect(await new DirectorySink(under).check()).toEqual([
      `${under}: ${path.join(base, 'file')} is not a directory`,
    ]);
  });
});

describe('directory sink: an immutable object is claimed by a hard link', () => {
  const opts = (bytes: string) => ({ sha256: sha(bytes), size: bytes.length, ifAbsent: true });

  test('absent: written; there with our bytes: done; no temp file either way', async () => {
    const root = tmpDir();
    const sink = new DirectorySink(root);
    await sink.putBytes('v/a', Buffer.from('ours'), opts('ours'));
    await sink.putBytes('v/a', Buffer.from('ours'), opts('ours'));
    expect(contentSnapshot(root)).toEqual({ 'v/a': sha('ours') });
  });

  test('there with other bytes: one line naming it, theirs kept, no temp file', async () => {
    const root = tmpDir();
    const sink = new DirectorySink(root);
    await sink.putBytes('v/a', Buffer.from('theirs'), meta);
    const src = path.join(tmpDir(), 'src');
    fs.writeFileSync(src, 'ours!!');
    await expect(sink.put('v/a', src, opts('ours!!'))).rejects.toThrow(
      new RegExp(
        `^${root}/v/a was written by a concurrent publish with different content \\(6 bytes, sha256 ${sha('theirs').slice(0, 12)}…; ours 6 bytes, sha256 ${sha('ours!!').slice(0, 12)}…\\); this run replaced nothing there — .*force: true replaces that run's bytes with these\\)$`,
      ),
    );
    expect(contentSnapshot(root)).toEqual({ 'v/a': sha('theirs') });
  });

  test("two claims of one key at once: exactly one wins, the file is whole and the winner's", async () => {
    for (let round = 0; round < 20; round++) {
      const root = tmpDir();
      const a = 'a'.repeat(100_000);
      const b = 'b'.repeat(100_000);
      const results = await Promise.allSettled([
        new DirectorySink(root).putBytes('v/x', Buffer.from(a), opts(a)),
        new DirectorySink(root).putBytes('v/x', Buffer.from(b), opts(b)),
      ]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(contentSnapshot(root)).toEqual({ 'v/x': sha(won === 0 ? a : b) });
    }
  });

  test('without ifAbsent a write replaces (pointers, force)', async () => {
    const root = tmpDir();
    const sink = new DirectorySink(root);
    await sink.putBytes('p', Buffer.from('old'), opts('old'));
    await sink.putBytes('p', Buffer.from('new'), { sha256: sha('new'), size: 3 });
    expect(contentSnapshot(root)).toEqual({ p: sha('new') });
  });
});

describe('a directory sink never writes through a link out of it', () => {
  test('a key below a symbolic link to a directory of the runner is refused on the first look (head)', async () => {
    const outer = tmpDir();
    fs.mkdirSync(path.join(outer, 'dest'));
    fs.mkdirSync(path.join(outer, 'runner'));
    fs.symlinkSync(path.join(outer, 'runner'), path.join(outer, 'dest', 'demo'));
    const sink = new DirectorySink(path.join(outer, 'dest'));
    await expect(sink.head('demo/x.tar.gz')).rejects.toThrow(
      /'demo\/x\.tar\.gz' leads outside the destination .* through a symbolic link/,
    );
    await expect(sink.putBytes('demo/x', Buffer.from('x'), {} as never)).rejects.toThrow(/leads outside/);
    expect(fs.readdirSync(path.join(outer, 'runner'))).toEqual([]);
    expect(await sink.head('other/x')).toBeUndefined();
  });
});
