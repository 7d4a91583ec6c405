import fs from 'node:fs';
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
  test('a config named explicitly must exist; only releng.yml may be absent', () => {
    const d = tmpDir();
    expect(() => loadConfig(path.join(d, 'nope.yml'))).toThrow(
      `${path.join(d, 'nope.yml')}: not found; create it or pass 'config:' with its path`,
    );
    expect(loadConfig(path.join(d, 'releng.yml')).file).toBeUndefined();
  });
  test('a directory, a symlink loop or a file too large: one line naming the file', () => {
    const d = tmpDir();
    fs.mkdirSync(path.join(d, 'dir.yml'));
    expect(() => loadConfig(path.join(d, 'dir.yml'))).toThrow(/dir\.yml: is a directory, not a file$/);
    fs.symlinkSync('releng.yml', path.join(d, 'releng.yml'));
    expect(() => loadConfig(path.join(d, 'releng.yml'))).toThrow(
      /releng\.yml: is a symbolic link that loops$/,
    );
    fs.writeFileSync(path.join(d, 'big.yml'), `product: X\n#${'x'.repeat(1 << 20)}\n`);
    expect(() => loadConfig(path.join(d, 'big.yml'))).toThrow(
      /big\.yml: is \d+ bytes, more than the 1048576 allowed/,
    );
  });
  test('a YAML alias bomb is refused naming the file, not a bare ReferenceError', () => {
    const levels = Array.from(
      { length: 8 },
      (_, i) => `z${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`,
    );
    const bomb = `z0: &a0 [x, x, x, x, x, x, x, x, x]\n${levels.join('\n')}\n`;
    expect(() => parseConfig(bomb, 'r.yml')).toThrow(/^r\.yml: YAML aliases expand too far/);
  });
  test('notes.style: the eras, and one line naming the key and the allowed values for any other', () => {
    expect(parseConfig('notes: {style: lix-2.93}').notes.style).toBe('lix-2.93');
    expect(() => parseConfig('notes:\n  style: lix-2.90\n', 'r.yml')).toThrow(
      "r.yml:2: key 'notes.style': 'lix-2.90' is not a notes style; use one of lix-2.91, lix-2.93, lix-2.94, lix-2.95; see docs/configuration.md",
    );
  });
  test('environment names that are Object.prototype members find nothing', () => {
    const c = parseConfig('environments:\n  constructor:\n    cache: s3://c\n');
    expect(environmentConfig(c, 'constructor').cache).toBe('s3://c');
    for (const name of ['__proto__', 'toString', 'hasOwnProperty', 'valueOf'])
      expect(() => environmentConfig(c, name)).toThrow(`environment '${name}' is not defined`);
    expect(() => parseConfig('environments:\n  __proto__: {}\n', 'r.yml')).toThrow(
      "r.yml:2: key 'environments.__proto__': '__proto__' is not a name releng.yml can use; rename it",
    );
  });
});
