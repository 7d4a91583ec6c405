import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { describe, expect, test } from 'vitest';
import { readTar, TarError } from '../../../src/oci/tar.js';

async function pack(
  entries: { name: string; data?: Buffer; type?: 'directory' | 'symlink'; linkname?: string }[],
) {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const h = {
        name: e.name,
        type: e.type ?? 'file',
        linkname: e.linkname,
        mtime: new Date(0),
      } as tar.Header;
      if (e.data) p.entry(h, e.data, (err) => (err ? reject(err) : resolve()));
      else p.entry(h, (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The archive in pieces of `size` bytes, as a stream would hand it over. */
async function* pieces(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function list(buf: Buffer, size = 7777, read = true) {
  const out: { name: string; type: string; size: number; sha?: string; linkname: string }[] = [];
  for await (const { entry, body } of readTar(pieces(buf, size))) {
    let sha: string | undefined;
    if (read) {
      const h = createHash('sha256');
      for await (const c of body) h.update(c);
      sha = h.digest('hex');
    }
    out.push({ ...entry, sha });
  }
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('readTar', () => {
  const a = Buffer.alloc(70_000, 'a');
  const b = Buffer.from('short\n');
  const long = `${'deep/'.repeat(40)}file.txt`;

  test('entries and bodies, whatever the chunking', async () => {
    const buf = await pack([
      { name: 'dir', type: 'directory' },
      { name: 'dir/a', data: a },
      { name: 'b', data: b },
    ]);
    for (const size of [1, 511, 512, 513, 65536, buf.length]) {
      const entries = await list(buf, size);
      expect(entries.map((e) => [e.name, e.type, e.size, e.sha])).toEqual([
        ['dir', 'directory', 0, sha(Buffer.alloc(0))],
        ['dir/a', 'file', a.length, sha(a)],
        ['b', 'file', b.length, sha(b)],
      ]);
    }
  });

  test('long names (pax and ustar prefix), symlinks', async () => {
    const buf = await pack([
      { name: long, data: b },
      { name: 'link', type: 'symlink', linkname: '../x/layer.tar' },
    ]);
    const entries = await list(buf);
    expect(entries[0]).toMatchObject({ name: long, size: b.length, sha: sha(b) });
    expect(entries[1]).toMatchObject({ name: 'link', type: 'symlink', linkname: '../x/layer.tar' });
  });

  test('bodies left unread are skipped', async () => {
    const buf = await pack([
      { name: 'a', data: a },
      { name: 'b', data: b },
    ]);
    expect((await list(buf, 1000, false)).map((e) => e.name)).toEqual(['a', 'b']);
  });

  test('a truncated archive is an error, never a shorter archive', async () => {
    const buf = await pack([
      { name: 'a', data: a },
      { name: 'b', data: b },
    ]);
    for (const cut of [100, 512 + 1000, buf.length - 1024 - 512 - 1, buf.length - 1024])
      await expect(list(buf.subarray(0, cut))).rejects.toThrow(TarError);
    await expect(list(buf.subarray(0, 600))).rejects.toThrow(/truncated/);
  });

  test('a damaged header is an error', async () => {
    const buf = Buffer.from(await pack([{ name: 'a', data: b }]));
    buf[10] = buf[10]! ^ 0xff;
    await expect(list(buf)).rejects.toThrow(/checksum/);
  });
});
