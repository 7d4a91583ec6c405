import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { readVersionInfo } from '../../../src/config/version.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

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
});
