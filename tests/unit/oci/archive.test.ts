import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, test } from 'vitest';
import {
  type LayerHandler,
  parseConfig,
  type ScanOptions,
  scanArchive as scan,
} from '../../../src/oci/archive.js';
import { findIgzip } from '../../../src/oci/igzip.js';
import { syntheticLayers, writeDockerArchive } from '../../helpers/docker-archive.js';
import { tmpDir } from '../../helpers/tmp.js';

const hashLayer = async (_e: unknown, body: AsyncIterable<Buffer>) => {
  const h = createHash('sha256');
  for await (const c of body) h.update(c);
  return { diffId: `sha256:${h.digest('hex')}` };
};

async function archive(o: Partial<Parameters<typeof writeDockerArchive>[1]> = {}) {
  const dir = tmpDir('releng-archive-');
  return writeDockerArchive(path.join(dir, 'image'), {
    layers: syntheticLayers('t', 3, 2, 32),
    architecture: 'amd64',
    labels: { 'org.opencontainers.image.version': '2.93.0' },
    ...o,
  });
}

/** Rewrites the tar inside an archive: drop or change entries. */
async function rewrite(
  file: string,
  edit: (name: string, data: Buffer) => Buffer | null,
  gzip = true,
  symlinks: { name: string; linkname: string }[] = [],
) {
  const raw = gzip ? zlib.gunzipSync(fs.readFileSync(file)) : fs.readFileSync(file);
  const ex = tar.extract();
  const pack = tar.pack();
  const out: Buffer[] = [];
  pack.on('data', (c: unknown) => out.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  ex.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => parts.push(c as Buffer));
    stream.on('end', () => {
      const data = edit(h.name, Buffer.concat(parts));
      if (data === null) return next();
      pack.entry({ ...h, size: data.length }, data, () => next());
    });
  });
  ex.end(raw);
  await new Promise<void>((r) => ex.on('finish', () => r()));
  for (const l of symlinks)
    await new Promise((r) =>
      pack.entry({ name: l.name, type: 'symlink', linkname: l.linkname }, () => r(undefined)),
    );
  pack.finalize();
  await done;
  const t = Buffer.concat(out);
  const target = path.join(path.dirname(file), `edited${gzip ? '.tar.gz' : '.tar'}`);
  fs.writeFileSync(target, gzip ? zlib.gzipSync(t) : t);
  return target;
}

// igzip is installed by scripts/setup-test-env (npm test runs it): both engines read every archive.
const igzip = findIgzip();
const engines: [string, ScanOptions][] = [
  ['zlib', {}],
  ['igzip', { igzip: igzip ?? 'igzip is not on PATH: run scripts/setup-test-env' }],
];

describe.each(engines)('scanArchive (%s)', (_, options) => {
  const scanArchive = <T extends { diffId: string }>(file: string, onLayer: LayerHandler<T>) =>
    scan(file, onLayer, options);

  test('Nix archives (gzip-wrapped, config and manifest last) and plain tars give the same layers', async () => {
    const a = await archive({ keepPlainTar: true });
    const gz = await scanArchive(a.file, hashLayer);
    const plain = await scanArchive(a.plainTar!, hashLayer);
    for (const s of [gz, plain]) {
      expect(s.layers.map((l) => l.diffId)).toEqual(a.diffIds);
      expect(s.configDigest).toBe(a.config);
      expect(s.config.architecture).toBe('amd64');
      expect(s.layers[0]!.name).toBe(`${a.diffIds[0]!.slice(7)}/layer.tar`);
    }
    expect(gz.sha256).toBe(a.sha256);
    expect(gz.sha256).toBe(createHash('sha256').update(fs.readFileSync(a.file)).digest('hex'));
  });

  test('docker save order (config first) and symlinked layers', async () => {
    const a = await archive({ order: 'config-first', gzip: false });
    expect((await scanArchive(a.file, hashLayer)).layers.map((l) => l.diffId)).toEqual(a.diffIds);
    // A third layer repeating the first through a symlink, as docker save writes repeated layers.
    const first = `${a.diffIds[0]!.slice(7)}/layer.tar`;
    const linked = await rewrite(
      a.file,
      (n, d) => {
        if (n === 'manifest.json') {
          const m = JSON.parse(d.toString());
          m[0].Layers.push('again/layer.tar');
          return Buffer.from(JSON.stringify(m));
        }
        if (n.endsWith('.json')) {
          const c = JSON.parse(d.toString());
          c.rootfs.diff_ids.push(a.diffIds[0]);
          return Buffer.from(JSON.stringify(c));
        }
        return d;
      },
      false,
      [{ name: 'again/layer.tar', linkname: `../${first}` }],
    );
    const s = await scanArchive(linked, hashLayer);
    expect(s.layers.map((l) => l.diffId)).toEqual([...a.diffIds, a.diffIds[0]]);
  });

  test('each large entry is handed over as it streams by, with its path hint', async () => {
    const a = await archive();
    const seen: { name: string; hint?: string }[] = [];
    await scanArchive(a.file, async (e, body) => {
      seen.push({ name: e.name, hint: e.hint });
      return hashLayer(e, body);
    });
    expect(seen.map((s) => s.hint)).toEqual(a.diffIds);
  });

  const failures: [string, (file: string) => Promise<string>, RegExp][] = [
    [
      'a truncated gzip',
      async (f) => {
        const t = path.join(path.dirname(f), 'cut.tar.gz');
        const b = fs.readFileSync(f);
        fs.writeFileSync(t, b.subarray(0, Math.floor(b.length / 2)));
        return t;
      },
      /gzip stream is truncated .*rebuild or download it again/,
    ],
    [
      'a corrupt gzip',
      async (f) => {
        const t = path.join(path.dirname(f), 'bad.tar.gz');
        const b = Buffer.from(fs.readFileSync(f));
        for (let i = 2000; i < 2100; i++) b[i] = 0x55;
        fs.writeFileSync(t, b);
        return t;
      },
      /gzip stream is corrupt|the archive is corrupt/,
    ],
    [
      'no manifest.json',
      (f) => rewrite(f, (n, d) => (n === 'manifest.json' ? null : d)),
      /no manifest\.json in the archive/,
    ],
    [
      'no config',
      (f) => rewrite(f, (n, d) => (n.endsWith('.json') && n !== 'manifest.json' ? null : d)),
      /names the config '.*\.json', which the archive does not hold/,
    ],
    [
      'a missing layer',
      (f) => {
        let dropped = false;
        return rewrite(f, (n, d) => {
          if (dropped || !n.endsWith('layer.tar')) return d;
          dropped = true;
          return null;
        });
      },
      /names layer 1 '.*', which the archive does not hold/,
    ],
    [
      'a layer that does not match its diffID',
      (f) =>
        rewrite(f, (n, d) => {
          if (!n.endsWith('.json') || n === 'manifest.json') return d;
          const c = JSON.parse(d.toString());
          c.rootfs.diff_ids[1] = `sha256:${'ab'.repeat(32)}`;
          return Buffer.from(JSON.stringify(c));
        }),
      /layer 2 \('.*'\) hashes to sha256:[0-9a-f]{64} but the config's diffID is sha256:abab/,
    ],
    [
      'two images in one archive',
      (f) =>
        rewrite(f, (n, d) => {
          if (n !== 'manifest.json') return d;
          const m = JSON.parse(d.toString());
          return Buffer.from(JSON.stringify([m[0], m[0]]));
        }),
      /holds 2 images; give one image per archive/,
    ],
  ];
  test.each(failures)('%s is one clear error', async (_, make, message) => {
    const a = await archive();
    const bad = await make(a.file);
    const err = await scanArchive(bad, hashLayer).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('RelengError');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(bad);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  });

  test('a missing file or a directory', async () => {
    await expect(scanArchive('/nonexistent/image.tar.gz', hashLayer)).rejects.toThrow(
      /not found; pass the docker archive/,
    );
    await expect(scanArchive(tmpDir(), hashLayer)).rejects.toThrow(/not a file/);
  });
});

/** A tar of these entries (a body of `zeros` bytes is a zero-filled file), optionally gzip-wrapped. */
async function rawArchive(
  entries: {
    name: string;
    data?: Buffer;
    zeros?: number;
    type?: 'file' | 'directory' | 'symlink' | 'link';
    linkname?: string;
  }[],
  gzip = true,
): Promise<string> {
  const file = path.join(tmpDir('releng-hostile-'), gzip ? 'hostile.tar.gz' : 'hostile.tar');
  const pack = tar.pack();
  const out = fs.createWriteStream(file);
  const done = gzip ? pipeline(pack, zlib.createGzip({ level: 1 }), out) : pipeline(pack, out);
  const zero = Buffer.alloc(Math.max(0, ...entries.map((e) => e.zeros ?? 0)));
  for (const e of entries) {
    const data = e.data ?? (e.zeros !== undefined ? zero.subarray(0, e.zeros) : undefined);
    await new Promise<void>((resolve, reject) => {
      const h = {
        name: e.name,
        type: e.type ?? 'file',
        linkname: e.linkname,
        mtime: new Date(0),
      } as tar.Header;
      if (data) pack.entry(h, data, (err) => (err ? reject(err) : resolve()));
      else pack.entry(h, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return file;
}

describe.each(engines)('hostile archives (%s)', (_, options) => {
  const scanArchive = <T extends { diffId: string }>(file: string, onLayer: LayerHandler<T>) =>
    scan(file, onLayer, options);
  const oneLine = async (file: string, message: RegExp) => {
    const err = await scanArchive(file, hashLayer).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('RelengError');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message.split('\n')).toHaveLength(1);
  };

  test('many large entries that are not layers: refused at the first past the bound, never held', async () => {
    // 16 MiB each (a JSON entry's own limit), 12 of them: a few hundred KiB of gzip.
    const file = await rawArchive(
      Array.from({ length: 12 }, (_, i) => ({ name: `big-${i}.json`, zeros: 16 << 20 })),
    );
    expect(fs.statSync(file).size).toBeLessThan(1 << 20);
    await oneLine(file, /entry 'big-1\.json'.*not layers.*at most/);
  });

  test('a large entry that is not named like a layer is refused, not compressed', async () => {
    const file = await rawArchive([{ name: 'repositories', zeros: 64 << 20 }]);
    const handed: string[] = [];
    const err = await scanArchive(file, async (e, body) => {
      handed.push(e.name);
      return hashLayer(e, body);
    }).catch((x: Error) => x);
    expect((err as Error).message).toMatch(/entry 'repositories' .* is not a layer/);
    expect(handed).toEqual([]);
  });

  test('thousands of tiny entries are bounded in count', async () => {
    const file = await rawArchive(
      Array.from({ length: 5000 }, (_, i) => ({ name: `meta/${i}`, data: Buffer.from('x') })),
    );
    await oneLine(file, /entry 'meta\/\d+'.*entries that are not layers.*at most \d+/);
  });

  test.each([
    [
      'an absolute member name',
      [{ name: '/manifest.json', data: Buffer.from('[]') }],
      /entry '\/manifest\.json' is an absolute path/,
    ],
    [
      'a member name with ..',
      [{ name: 'a/../../manifest.json', data: Buffer.from('[]') }],
      /entry 'a\/\.\.\/\.\.\/manifest\.json' has a '\.\.' component/,
    ],
    [
      'a symlink out of the archive',
      [{ name: 'x/layer.tar', type: 'symlink' as const, linkname: '../../../etc/passwd' }],
      /entry 'x\/layer\.tar' links outside the archive \('\.\.\/\.\.\/\.\.\/etc\/passwd'\)/,
    ],
    [
      'an absolute symlink',
      [{ name: 'x/layer.tar', type: 'symlink' as const, linkname: '/etc/passwd' }],
      /entry 'x\/layer\.tar' links outside the archive \('\/etc\/passwd'\)/,
    ],
    [
      'a hard link out of the archive',
      [{ name: 'config.json', type: 'link' as const, linkname: '../etc/shadow' }],
      /entry 'config\.json' links outside the archive \('\.\.\/etc\/shadow'\)/,
    ],
  ])('%s is refused', async (_n, entries, message) => {
    await oneLine(await rawArchive(entries), message);
  });

  test('a name with control characters is shown escaped, on one line', async () => {
    await oneLine(
      await rawArchive([{ name: '/evil\nname', data: Buffer.from('x') }]),
      /entry '\/evil\\nname' is an absolute path/,
    );
  });
});

describe('parseConfig: the fields copied into manifests and indexes are checked first', () => {
  const base = { architecture: 'arm', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
  const parse = (extra: object) => parseConfig(Buffer.from(JSON.stringify({ ...base, ...extra })), 'img.tar');
  test.each([
    [
      'a variant that is a number',
      { variant: 7 },
      /img\.tar: the image config's "variant" must be a string such as v7/,
    ],
    ['a variant that is an object', { variant: { v: 7 } }, /"variant" must be a string such as v7/],
    [
      'a variant that is not a token',
      { variant: 'v7\n../x' },
      /"variant" 'v7\\n\.\.\/x' is not a platform variant/,
    ],
    ['an architecture that is a list', { architecture: ['amd64'] }, /has no "architecture"/],
    ['config that is a string', { config: 'x' }, /the image config's "config" must be an object/],
    ['Labels that are a string', { config: { Labels: 'abc' } }, /"config\.Labels" must map names to strings/],
    [
      'a label value that is a number',
      { config: { Labels: { a: 1 } } },
      /label 'a' is a number, not a string/,
    ],
    ['a label with an empty name', { config: { Labels: { '': 'x' } } }, /a label with an empty name/],
    [
      'labels too large to be annotations',
      { config: { Labels: { big: 'x'.repeat(300 << 10) } } },
      /Labels come to \d+ bytes; as annotations they may be at most \d+/,
    ],
  ])('%s is refused', (_, extra, message) => {
    expect(() => parse(extra)).toThrow(message);
  });
  test('good values pass: a variant, Labels null or strings', () => {
    expect(parse({ variant: 'v7', config: { Labels: null } }).variant).toBe('v7');
    expect(parse({ config: { Labels: { 'org.opencontainers.image.version': '2.93.0' } } })).toBeTruthy();
  });
});
