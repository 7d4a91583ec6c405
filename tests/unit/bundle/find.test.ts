import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findBundles } from '../../../src/bundle/find.js';
import { expandGlob } from '../../../src/glob.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

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

describe('findBundles', () => {
  const leg = '{"schema":1}';
  test('a leg, a directory of legs, a forge download of artifacts (one level deeper), globs', () => {
    const d = tmpDir();
    writeFiles(d, {
      'one/leg.json': leg,
      'legs/x86_64-linux/leg.json': leg,
      'legs/aarch64-linux/leg.json': leg,
      'dl/leg-x86_64-linux/x86_64-linux/leg.json': leg,
      'dl/leg-aarch64-linux/leg.json': leg,
    });
    const rel = (ps: string[]) => ps.map((p) => path.relative(d, p));
    expect(rel(findBundles(['one'], d))).toEqual(['one']);
    expect(rel(findBundles(['legs'], d))).toEqual(['legs/aarch64-linux', 'legs/x86_64-linux']);
    expect(rel(findBundles(['dl/*'], d))).toEqual([
      'dl/leg-aarch64-linux',
      'dl/leg-x86_64-linux/x86_64-linux',
    ]);
    expect(rel(findBundles(['one', 'one/'], d))).toEqual(['one']);
  });
  test('nothing found names the pattern and what to pass', () => {
    const d = tmpDir();
    expect(() => findBundles(['nope/*'], d)).toThrow(
      /bundles: no leg bundle \(leg\.json\) at or below 'nope\/\*'/,
    );
    expect(() => findBundles([], d)).toThrow(/input 'bundles' is empty/);
  });
});
