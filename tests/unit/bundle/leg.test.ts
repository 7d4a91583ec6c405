import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LEG_SCHEMA, readLeg, writeLeg } from '../../../src/bundle/leg.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('leg bundle record', () => {
  const rec = {
    schema: LEG_SCHEMA,
    version: '2.93.0',
    system: 'x86_64-linux',
    storePaths: [],
    drvPaths: [],
    jobs: [],
    files: [{ path: 'lix/lix-2.93.0/x.tar.xz', size: 3, sha256: 'a'.repeat(64) }],
    image: null,
  } as const;
  test('round trip', () => {
    const d = tmpDir();
    writeLeg(d, { ...rec, files: [...rec.files] } as never);
    expect(readLeg(d).files[0]!.path).toBe('lix/lix-2.93.0/x.tar.xz');
  });
  test('unknown schema and escaping paths are refused', () => {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'leg.json'), JSON.stringify({ ...rec, schema: 2 }));
    expect(() => readLeg(d)).toThrow(/leg bundle schema 2 is not supported/);
    fs.writeFileSync(
      path.join(d, 'leg.json'),
      JSON.stringify({ ...rec, files: [{ path: '../x', size: 1, sha256: 'a'.repeat(64) }] }),
    );
    expect(() => readLeg(d)).toThrow(/files entry '\.\.\/x': a '\.\.' segment/);
    expect(() => readLeg(path.join(d, 'nope'))).toThrow(/leg.json: not found/);
  });
  test('names publish writes itself in the version directory (the index, the claim) are refused', () => {
    const d = tmpDir();
    for (const name of ['.releng-index.json', '.releng-claim.json']) {
      const file = `lix/lix-2.93.0/${name}`;
      fs.writeFileSync(
        path.join(d, 'leg.json'),
        JSON.stringify({ ...rec, name: 'lix', files: [{ path: file, size: 1, sha256: 'a'.repeat(64) }] }),
      );
      expect(() => readLeg(d), name).toThrow(`'${file}' is a name publish writes itself`);
    }
  });
});
