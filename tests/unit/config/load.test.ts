import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { environmentConfig, loadConfig, parseConfig } from '../../../src/config/load.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('releng.yml', () => {
  test("defaults fit Lix's layout", () => {
    const c = parseConfig('');
    expect(c.product).toBe('Lix');
    expect(c.notes.fragments).toBe('doc/manual/rl-next');
    expect(c.notes.links.gerrit).toBe('https://gerrit.lix.systems/c/lix/+');
    expect(c.build.systems).toEqual(['x86_64-linux', 'aarch64-linux']);
    expect(environmentConfig(c, 'local').registries[0]!.ref).toBe('oci-layout:.releng/local/oci');
  });
  test('an unknown key names file, line and key path', () => {
    expect(() => parseConfig('product: X\nnotes:\n  links:\n    gerritt: https://x/\n', 'r.yml')).toThrow(
      "r.yml:4: key 'notes.links.gerritt': unknown key; remove it or check its spelling",
    );
  });
  test('a wrong type names the key', () => {
    expect(() => parseConfig('build:\n  systems: x86_64-linux\n', 'r.yml')).toThrow(
      /^r\.yml:2: key 'build\.systems': expected array/,
    );
    expect(() =>
      parseConfig('environments:\n  staging:\n    registries:\n      - tags: [a]\n', 'r.yml'),
    ).toThrow(/key 'environments\.staging\.registries\.0\.ref'/);
  });
  test('YAML syntax errors give the line', () => {
    expect(() => parseConfig('a: [1\nb: 2\n', 'r.yml')).toThrow(/^r\.yml:\d+: YAML syntax error/);
  });
  test('environments are parsed; an undefined one is a clear error', () => {
    const c = parseConfig(
      'environments:\n  staging:\n    cache: s3://staging-cache\n    signing-key: { env: KEY }\n',
    );
    expect(environmentConfig(c, 'staging').cache).toBe('s3://staging-cache');
    expect(() => environmentConfig(c, 'live')).toThrow(
      "environment 'live' is not defined in releng.yml 'environments:'; known: local, staging",
    );
  });
  test('a missing file gives defaults; a required one is an error', () => {
    const d = tmpDir();
    expect(loadConfig(path.join(d, 'releng.yml')).name).toBe('lix');
    expect(() => loadConfig(path.join(d, 'releng.yml'), { optional: false })).toThrow(
      /releng\.yml: not found/,
    );
  });
});
