// src/nix/narinfo.ts: narinfo parsing, store path names in a cache, nix hashes, a file:// cache read.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  hashHex,
  hashPart,
  listingKey,
  narInfoKey,
  parseNarInfo,
  readCacheDir,
  storePathInfo,
} from '../../../src/nix/narinfo.js';
import { SAMPLE_NARINFO as text } from '../../helpers/nix-sample.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('narinfo', () => {
  test('parsed; a line that is none is refused; the hash part names it in a cache', () => {
    const info = parseNarInfo(text, 'x.narinfo');
    expect(info).toMatchObject({
      narSize: 168,
      references: ['psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a'],
      sigs: [],
    });
    expect(() => parseNarInfo('hello', 'bad.narinfo')).toThrow('bad.narinfo: not a narinfo');
    expect(hashPart(info.storePath)).toBe('krcxka86c45a9afy5shxayywq7l2knb9');
    expect(narInfoKey(info.storePath)).toBe('krcxka86c45a9afy5shxayywq7l2knb9.narinfo');
    expect(listingKey(info.storePath)).toBe('krcxka86c45a9afy5shxayywq7l2knb9.ls');
  });

  test('a narinfo without a required field names the field', () => {
    expect(() => parseNarInfo(text.replace(/^NarHash:.*\n/m, ''), 'x.narinfo')).toThrow(
      'x.narinfo: narinfo without NarHash',
    );
  });

  test('as a store path: references become full store paths', () => {
    expect(storePathInfo(parseNarInfo(text, 'x'))).toEqual({
      storePath: '/nix/store/krcxka86c45a9afy5shxayywq7l2knb9-releng-b',
      narHash: 'sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh',
      narSize: 168,
      references: ['/nix/store/psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a'],
    });
  });

  test('nix hashes in nix32, base16, base64 and SRI compare equal', () => {
    // `nix hash to-base16 sha256:1jgq5x…` = the hex below (checked with nix 2.8).
    const hex = hashHex('sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh');
    expect(hex).toBe('d081910ad0918260bbb095afcd42144afdaadc2721c06f271fb060fc5e2ff8c9');
    expect(hashHex(`sha256:${hex}`)).toBe(hex);
    expect(hashHex(`sha256-${Buffer.from(hex, 'hex').toString('base64')}`)).toBe(hex);
  });

  test('a cache directory: every narinfo, sorted by store path; a missing directory is empty', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'krcxka86c45a9afy5shxayywq7l2knb9.narinfo'), text);
    const other = text
      .replace(/krcxka86c45a9afy5shxayywq7l2knb9-releng-b/, 'aaaxka86c45a9afy5shxayywq7l2knb9-releng-a')
      .replace(/^References:.*\n/m, '');
    fs.writeFileSync(path.join(dir, 'aaaxka86c45a9afy5shxayywq7l2knb9.narinfo'), other);
    fs.writeFileSync(path.join(dir, 'nix-cache-info'), 'StoreDir: /nix/store\n');
    const infos = readCacheDir(dir);
    expect(infos.map((i) => [path.basename(i.file), i.references])).toEqual([
      ['aaaxka86c45a9afy5shxayywq7l2knb9.narinfo', []],
      ['krcxka86c45a9afy5shxayywq7l2knb9.narinfo', ['psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a']],
    ]);
    expect(readCacheDir(path.join(dir, 'missing'))).toEqual([]);
  });
});
