// The engine choice and the level mapping; igzip at work is in tests/integration/oci/igzip.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findIgzip, igzipFor, igzipLevel } from '../../../src/oci/igzip.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('igzip', () => {
  test("zlib's levels onto igzip's", () => {
    expect([1, 2, 5, 6, 9].map(igzipLevel)).toEqual([1, 2, 2, 3, 3]);
  });

  test('found on PATH only; a program of that name that is not ISA-L’s is ignored by auto, refused by igzip', () => {
    const bin = tmpDir('releng-bin-');
    expect(findIgzip({ PATH: bin })).toBeUndefined();
    expect(igzipFor('auto', { PATH: bin })).toBeUndefined();
    expect(() => igzipFor('igzip', { PATH: bin })).toThrow(/igzip is not on PATH; install ISA-L/);
    const fake = path.join(bin, 'igzip');
    fs.writeFileSync(fake, '#!/bin/sh\necho "some other igzip"\n', { mode: 0o755 });
    expect(findIgzip({ PATH: `/nonexistent:${bin}` })).toBe(fake);
    expect(igzipFor('auto', { PATH: bin })).toBeUndefined();
    expect(() => igzipFor('igzip', { PATH: bin })).toThrow(/is not ISA-L's igzip/);
    expect(igzipFor('zlib', { PATH: bin })).toBeUndefined();
  });
});
