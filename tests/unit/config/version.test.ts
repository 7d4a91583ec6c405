import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  checkReleaseName,
  checkVersion,
  majorOf,
  parseVersionJson,
  printable,
  readVersionInfo,
  updateVersionJson,
  versionJsonText,
} from '../../../src/config/version.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

describe('checkVersion', () => {
  test("Lix's versions and suffixes (version.json and flake.nix history)", () => {
    for (const v of [
      '2.91.0',
      '2.90.0-rc1',
      '2.93.0-dev',
      '2.91.0-pre20240612_abcdef0',
      '2.96.0-dev-1a2b3c4',
      '0.1.0',
      '10.0.12',
    ])
      expect(checkVersion(v, 'x')).toBe(v);
  });
  test('what git cannot tag, what is not X.Y.Z, and MAJOR equal to the version are refused', () => {
    for (const v of [
      '2.94',
      '2',
      'v2.94.0',
      '2.94.0.1',
      '02.94.0',
      '2.94.0-',
      '2.94.0-a..b',
      '2.94.0~1',
      '2.94.0^',
      '2.94.0:x',
      '2.94.0-a@{b}',
      '2.94.0 x',
      '2.94.0/x',
      '2.94.0-x.',
      '2.94.0+build',
      '2.94.0-x.lock',
      '',
      '\n',
    ])
      expect(() => checkVersion(v, "input 'version'"), v).toThrow(
        /^input 'version': version '.*' is not of the form X\.Y\.Z \(e\.g\. 2\.91\.0\)/,
      );
    expect(() => checkVersion('2.94.0-x.lock', 'w')).toThrow(/git cannot tag a name ending in \.lock/);
    expect(() => checkVersion(`2.94.0-${'a'.repeat(58)}`, 'w')).toThrow(/longer than 64 characters/);
    expect(checkVersion(`2.94.0-${'a'.repeat(57)}`, 'w')).toHaveLength(64);
  });
  test('the message shows control characters escaped and stays one line', () => {
    expect(() => checkVersion('2.94.0\nenvironment=live', 'w')).toThrow(
      "w: version '2.94.0\\nenvironment=live' is not of the form",
    );
    expect(printable('a\u0001b')).toBe('a\\u0001b');
    expect(printable('x'.repeat(100))).toBe(`${'x'.repeat(80)}…`);
  });
  test('majorOf', () => {
    expect(majorOf('2.91.0')).toBe('2.91');
    expect(majorOf('2.90.0-rc1')).toBe('2.90');
  });
});

describe('checkReleaseName', () => {
  test("Lix's names pass; a second line or a control character does not", () => {
    for (const n of ["Dragon's Breath", 'Açaí na tigela', 'Kakigōri', 'Bici "Bici"'])
      expect(checkReleaseName(n, 'x')).toBe(n);
    for (const n of ['a\nb', 'a\rb', 'a\u2028b', 'a\u0000b', 'x'.repeat(129)])
      expect(() => checkReleaseName(n, "input 'release-name'")).toThrow(
        /^input 'release-name': release name '.*' must be one line/,
      );
  });
});

describe('version.json', () => {
  test('version, release name, official flag and MAJOR', () => {
    const d = tmpDir();
    writeFiles(d, {
      'version.json': '{"version": "2.91.0", "release_name": "Dragon\'s Breath", "official_release": false}',
    });
    expect(readVersionInfo(d)).toEqual({
      version: '2.91.0',
      releaseName: "Dragon's Breath",
      officialRelease: false,
      officialSource: 'version.json',
      major: '2.91',
    });
  });
  test('older trees keep officialRelease in flake.nix', () => {
    const d = tmpDir();
    writeFiles(d, {
      'version.json': '{"version": "2.90.0"}',
      'flake.nix': '{\n  officialRelease = true;\n}\n',
    });
    expect(readVersionInfo(d)).toMatchObject({ officialRelease: true, officialSource: 'flake.nix' });
  });
  test('malformed files are one clear line', () => {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'version.json'), '{"version": 2}');
    expect(() => readVersionInfo(d)).toThrow(/version\.json: key "version" must be a string/);
    fs.writeFileSync(path.join(d, 'version.json'), '{"version": "two"}');
    expect(() => readVersionInfo(d)).toThrow(/version 'two' is not of the form X\.Y\.Z/);
    fs.writeFileSync(path.join(d, 'version.json'), '{');
    expect(() => readVersionInfo(d)).toThrow(/version\.json: malformed JSON/);
  });
  test('size and nesting are checked before parsing; the message names the file', () => {
    expect(() => parseVersionJson(`{"a": ${'['.repeat(17)}${']'.repeat(17)}}`, 'v.json')).toThrow(
      'v.json: nested more than 16 levels deep; version.json is a few keys',
    );
    expect(parseVersionJson('{"a": "[[[[[[[[[[[[[[[[[[[[", "b": [[1]]}', 'v.json')).toEqual({
      a: '[[[[[[[[[[[[[[[[[[[[',
      b: [[1]],
    });
    expect(() => parseVersionJson(`{"a": "${'x'.repeat(70000)}"}`, 'v.json')).toThrow(
      /v\.json: more than 65536 bytes/,
    );
    expect(() => parseVersionJson('[1]', 'v.json')).toThrow('v.json: expected a JSON object');
  });
  test('a symlink out of the checkout is refused; release_name must be one line', () => {
    const outside = tmpDir();
    writeFiles(outside, { 'version.json': '{"version": "2.91.0", "official_release": false}' });
    const d = tmpDir();
    fs.symlinkSync(path.join(outside, 'version.json'), path.join(d, 'version.json'));
    expect(() => readVersionInfo(d)).toThrow(/'version\.json' leads outside the repository/);
    const e = tmpDir();
    writeFiles(e, {
      'version.json': '{"version": "2.91.0", "release_name": "a\\nb", "official_release": false}',
    });
    expect(() => readVersionInfo(e)).toThrow(/key "release_name": release name 'a\\nb' must be one line/);
  });
  test('updateVersionJson keeps indentation, key order and the final newline', () => {
    const d = tmpDir();
    const file = path.join(d, 'version.json');
    fs.writeFileSync(
      file,
      '{\n    "version": "2.91.0",\n    "official_release": false,\n    "release_name": "x"\n}\n',
    );
    updateVersionJson(file, { official_release: true });
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '{\n    "version": "2.91.0",\n    "official_release": true,\n    "release_name": "x"\n}\n',
    );
    expect(versionJsonText('{"a":1}', { b: 2 }, 'v')).toBe('{\n  "a": 1,\n  "b": 2\n}');
  });
});
