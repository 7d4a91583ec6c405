import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findBundles } from '../../../src/bundle/find.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

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
