import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LEG_SCHEMA, openLeg } from '../../../src/bundle/leg.js';
import { RelengError } from '../../../src/errors.js';
import { DirectorySink } from '../../../src/storage/directory.js';
import { checkRelativePath, pathProblem } from '../../../src/storage/key.js';
import { parseS3Url } from '../../../src/storage/s3.js';
import { contentSnapshot } from '../../helpers/snapshot.js';
import { tmpDir } from '../../helpers/tmp.js';

/**
 * Segments an attacker would try: traversal, normalisation (`.`, empty, backslash, NUL, control
 * characters, NFD, lone surrogates, fullwidth dots), and ordinary names.
 */
const hostileSegment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '',
    '\\',
    '..\\x',
    'a\u0000b',
    'a\nb',
    'cafe\u0301',
    '\ud800',
    '\uff0e\uff0e',
    '~',
    '%2e%2e',
  ),
  fc.stringMatching(/^[A-Za-z0-9._+~=-]{1,12}$/),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const hostilePath = fc.oneof(
  fc.array(hostileSegment, { minLength: 1, maxLength: 6 }).map((s) => s.join('/')),
  fc.array(hostileSegment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

describe('the one path rule (keys and release-tree paths)', () => {
  test('an accepted path names one place everywhere: it normalises to itself, stays relative and round-trips', () => {
    fc.assert(
      fc.property(hostilePath, (p) => {
        if (pathProblem(p) !== undefined) {
          expect(() => checkRelativePath(p, 'where')).toThrow(RelengError);
          return;
        }
        expect(path.posix.normalize(p)).toBe(p);
        expect(p.startsWith('/') || p.includes('\\') || p.includes('\u0000')).toBe(false);
        expect(p.normalize('NFC')).toBe(p);
        expect(Buffer.from(p, 'utf8').toString('utf8')).toBe(p);
        expect(decodeURIComponent(encodeURIComponent(p))).toBe(p);
        const root = '/dest/prefix';
        expect(path.posix.join(root, p).startsWith(`${root}/`)).toBe(true);
        expect(checkRelativePath(p, 'where')).toBe(p);
      }),
      { numRuns: 2000 },
    );
  });

  test('the known attacks are refused', () => {
    for (const p of ['a/../b', 'a/./b', 'a//b', 'a\\b', '/etc/passwd', 'a\u0000b', 'a/', '', 'cafe\u0301'])
      expect(pathProblem(p), p).toBeDefined();
  });

  test('an S3 destination prefix follows the same rule (s3://releases/../cache is refused)', () => {
    expect(() => parseS3Url('s3://releases/../cache')).toThrow(/its prefix has a '\.\.' segment/);
    fc.assert(
      fc.property(hostilePath, (p) => {
        let parsed: { bucket: string; prefix: string } | undefined;
        try {
          parsed = parseS3Url(`s3://releases/${p}`);
        } catch (e) {
          expect(e).toBeInstanceOf(RelengError);
          return;
        }
        expect(parsed.bucket).toBe('releases');
        if (parsed.prefix) expect(pathProblem(parsed.prefix.slice(0, -1))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  test('a directory sink writes an accepted key at that key, below its root, and nothing for a refused one', async () => {
    const outer = tmpDir();
    const root = path.join(outer, 'dest');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(outer, 'beside.txt'), 'outside\n');
    const sink = new DirectorySink(root);
    await fc.assert(
      fc.asyncProperty(hostilePath, async (key) => {
        const before = contentSnapshot(outer);
        let accepted = true;
        try {
          await sink.putBytes(key, Buffer.from('x'), { contentType: 'text/plain' } as never);
        } catch (e) {
          accepted = false;
          expect(e).toBeInstanceOf(Error);
        }
        expect(accepted).toBe(pathProblem(key) === undefined);
        const after = contentSnapshot(outer);
        const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
        if (!accepted) expect(changed).toEqual([]);
        else {
          // Only the key itself, below the root, was written; and it lists under the same key.
          for (const k of changed) expect(k).toBe(`dest/${key}`);
          expect((await sink.list('')).map((o) => o.key)).toContain(key);
          await sink.delete([key]);
        }
        expect(after['beside.txt']).toBe(before['beside.txt']);
      }),
      { numRuns: 300 },
    );
  });

  test('leg.json: whatever files it lists, openLeg accepts only paths inside the release tree, unchanged', () => {
    const d = tmpDir();
    fs.mkdirSync(path.join(d, 'artifacts'));
    fc.assert(
      fc.property(fc.array(hostilePath, { minLength: 1, maxLength: 3 }), (paths) => {
        const files = paths.map((p) => ({ path: `demo/demo-2.93.0/${p}`, size: 1, sha256: 'a'.repeat(64) }));
        const record = {
          schema: LEG_SCHEMA,
          version: '2.93.0',
          system: 'x86_64-linux',
          name: 'demo',
          storePaths: [],
          drvPaths: [],
          jobs: [],
          files,
          image: null,
        };
        fs.writeFileSync(path.join(d, 'leg.json'), JSON.stringify(record));
        let got: string[] | undefined;
        try {
          got = openLeg(d).record.files.map((f) => f.path);
        } catch (e) {
          expect(e).toBeInstanceOf(RelengError);
          expect(files.some((f) => pathProblem(f.path) !== undefined)).toBe(true);
          return;
        }
        expect(got).toEqual(files.map((f) => f.path));
        for (const p of got) {
          expect(path.posix.normalize(p)).toBe(p);
          expect(p.startsWith('demo/demo-2.93.0/')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
