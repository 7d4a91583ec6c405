import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LEG_SCHEMA, readLeg, writeLeg } from '../../src/bundle/leg.js';
import { parseArgs } from '../../src/cli-main.js';
import type { StageCommand } from '../../src/command.js';
import { describeError, RelengError, RelengErrors, redactUrl } from '../../src/errors.js';
import { compareVersions, mayMoveLatest } from '../../src/git/maintenance.js';
import { envInputs, Inputs, mapInputs, splitList } from '../../src/inputs.js';
import { ConsoleLogger, formatBytes, SecretMask } from '../../src/log.js';
import { renderMarkdown, renderText } from '../../src/summary.js';
import { tmpDir } from '../helpers/tmp.js';

describe('inputs', () => {
  test('reads INPUT_ variables as the runner sets them, hyphens kept', () => {
    const src = envInputs({ 'INPUT_WORKING-DIRECTORY': ' sub ', INPUT_EMPTY: '  ' });
    expect(src.get('working-directory')).toBe('sub');
    expect(src.get('empty')).toBeUndefined();
  });
  test('typed readers name the input on bad values', () => {
    const i = new Inputs(mapInputs({ flag: 'maybe', n: '1.5', c: 'x', list: 'a, b\nc,,' }));
    expect(() => i.bool('flag')).toThrow(/input 'flag' must be true or false, got 'maybe'/);
    expect(() => i.int('n', 0, 0, 9)).toThrow(/input 'n' must be a whole number/);
    expect(() => i.choice('c', ['y', 'z'], 'y')).toThrow(/input 'c' must be one of y, z/);
    expect(() => i.required('missing')).toThrow(/input 'missing' is required/);
    expect(i.list('list')).toEqual(['a', 'b', 'c']);
    expect(i.bool('absent', true)).toBe(true);
    expect(splitList('x\n\ny')).toEqual(['x', 'y']);
  });
});

describe('cli arguments', () => {
  const cmd: StageCommand = {
    name: 'x',
    description: '',
    inputs: ['a', 'flag', 'list'],
    run: async () => ({ outputs: {} }),
  };
  test('kebab options, flags, = form and repeated lists', () => {
    expect(parseArgs(cmd, ['--a', 'v', '--flag', '--list', 'p', '--list=q'])).toEqual({
      a: 'v',
      flag: 'true',
      list: 'p\nq',
    });
  });
  test('unknown options and stray words are errors naming them', () => {
    expect(() => parseArgs(cmd, ['--nope'])).toThrow(/unknown option --nope for 'releng x'/);
    expect(() => parseArgs(cmd, ['stray'])).toThrow(/unexpected argument 'stray'/);
  });
});

describe('errors', () => {
  test('one line, credentials stripped from URLs', () => {
    const e = new RelengError('bad\n  thing at https://user:secret@host/x');
    expect(e.message).toBe('bad thing at https://user:secret@host/x');
    expect(describeError(e, false)).toBe('bad thing at https://***@host/x');
    expect(redactUrl('s3://AKIA:key@bucket/x and http://a@b')).toBe('s3://***@bucket/x and http://***@b');
    // A token as the user of a git remote is a secret; ssh's user is not.
    expect(redactUrl('https://ghp_tok@github.com/o/r.git ssh://git@host/r')).toBe(
      'https://***@github.com/o/r.git ssh://git@host/r',
    );
  });
  test('many problems are reported together', () => {
    const e = new RelengErrors('2 fragments are invalid', ['a.md:1: x', 'b.md: y']);
    expect(e.message.split('\n')).toEqual([
      '2 fragments are invalid (2 problems):',
      '  - a.md:1: x',
      '  - b.md: y',
    ]);
  });
  test('the console logger masks secrets', () => {
    const lines: string[] = [];
    const log = new ConsoleLogger((l) => lines.push(l));
    log.secret('hunter2');
    log.info('password is hunter2!');
    expect(lines).toEqual(['password is ***!']);
  });
  test('a secret containing another is masked whole; URL credentials go too', () => {
    const mask = new SecretMask();
    mask.add('abc');
    mask.add('xxabcxx');
    mask.add('');
    expect(mask.apply('xxabcxx abc https://u:p@h/ ab')).toBe('*** *** https://***@h/ ab');
  });
});

describe('maintenance rule', () => {
  test('versions compare numerically, pre-releases first', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBe(1);
    expect(compareVersions('2.91.0-rc1', '2.91.0')).toBe(-1);
    expect(compareVersions('2.91', '2.91.0')).toBe(0);
  });
  test('a release older than a released version may not move latest', () => {
    expect(mayMoveLatest('2.90.2', ['2.90.1', '2.91.0', 'junk'])).toBe(false);
    expect(mayMoveLatest('2.91.1', ['2.90.1', '2.91.0'])).toBe(true);
    expect(mayMoveLatest('2.92.0', [])).toBe(true);
  });
});

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
    expect(() => readLeg(d)).toThrow(/must be a relative path inside the release tree/);
    expect(() => readLeg(path.join(d, 'nope'))).toThrow(/leg.json: not found/);
  });
});

describe('summary', () => {
  const s = { title: 'T', blocks: [{ heading: 'H', table: { header: ['a', 'b'], rows: [['1|2', 'x']] } }] };
  test('markdown escapes cells; text aligns columns', () => {
    expect(renderMarkdown(s)).toContain('| 1\\|2 | x |');
    expect(renderText(s).split('\n')).toContain('1|2  x');
    expect(formatBytes(1536)).toBe('1.50 KiB');
  });
});
