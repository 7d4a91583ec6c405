import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { expandGlob, expandGlobs } from '../../src/glob.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

describe('expandGlob', () => {
  test('* and ? within a segment, ** across, hidden entries only by a dot pattern', () => {
    const d = tmpDir();
    writeFiles(d, { 'a/x.tar': '', 'a/y.tar.gz': '', 'b/c/z.tar': '', '.h/q.tar': '', 'a1/k': '' });
    const rel = (ps: string[]) => ps.map((p) => path.relative(d, p));
    expect(rel(expandGlob('a/*.tar', d))).toEqual(['a/x.tar']);
    expect(rel(expandGlob('a/*', d))).toEqual(['a/x.tar', 'a/y.tar.gz']);
    expect(rel(expandGlob('a?', d))).toEqual(['a1']);
    expect(rel(expandGlob('**/*.tar', d))).toEqual(['a/x.tar', 'b/c/z.tar']);
    expect(rel(expandGlob('.h/*', d))).toEqual(['.h/q.tar']);
    expect(rel(expandGlob('[ab]', d))).toEqual(['a', 'b']);
    expect(rel(expandGlob('nothing/*', d))).toEqual([]);
    // No wildcard: returned as given, so the caller can say what is missing.
    expect(expandGlob('missing.tar', d)).toEqual([path.join(d, 'missing.tar')]);
  });
});

describe('expandGlob, the corners', () => {
  test('[!…] negates, an unclosed [ is a literal, regex characters in names are literal', () => {
    const d = tmpDir();
    writeFiles(d, { 'a.tar': '', 'b.tar': '', 'c.tar': '', '[x': '', 'p+q(1).tar': '', 'pq1.tar': '' });
    const rel = (ps: string[]) => ps.map((p) => path.relative(d, p));
    expect(rel(expandGlob('[!a].tar', d))).toEqual(['b.tar', 'c.tar']);
    expect(rel(expandGlob('[*', d))).toEqual(['[x']);
    expect(rel(expandGlob('p+q(?).*', d))).toEqual(['p+q(1).tar']);
  });

  test('** also matches no directory at all; a pattern through a file matches nothing', () => {
    const d = tmpDir();
    writeFiles(d, { 'top.tar': '', 'x/y/deep.tar': '', 'f/ile': '' });
    const rel = (ps: string[]) => ps.map((p) => path.relative(d, p));
    expect(rel(expandGlob('**/*.tar', d))).toEqual(['top.tar', 'x/y/deep.tar']);
    expect(rel(expandGlob('f/ile/*', d))).toEqual([]);
    expect(rel(expandGlob('**/ile', d))).toEqual(['f/ile']);
  });

  test('an absolute pattern ignores the working directory', () => {
    const d = tmpDir();
    writeFiles(d, { 'k/a.txt': '' });
    expect(expandGlob(path.join(d, 'k/*.txt'), '/elsewhere')).toEqual([path.join(d, 'k/a.txt')]);
  });

  test('a directory that vanishes or cannot be read is no match, not an error', () => {
    const d = tmpDir();
    writeFiles(d, { 'ok/a.txt': '' });
    fs.symlinkSync(path.join(d, 'gone'), path.join(d, 'dangling'));
    const rel = (ps: string[]) => ps.map((p) => path.relative(d, p));
    expect(rel(expandGlob('**/*.txt', d))).toEqual(['ok/a.txt']);
  });
});

describe('expandGlobs', () => {
  test('pattern order kept, each sorted, duplicates dropped', () => {
    const d = tmpDir();
    writeFiles(d, { 'b/2': '', 'b/1': '', 'a/1': '' });
    const rel = (ps: string[]) => ps.map((p) => path.relative(d, p));
    expect(rel(expandGlobs(['b/*', 'a/*', 'b/1'], d))).toEqual(['b/1', 'b/2', 'a/1']);
  });
});
