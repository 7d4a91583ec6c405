import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { commonOptions, outputString, type StageContext } from '../../../src/commands/command.js';
import { Inputs, mapInputs } from '../../../src/inputs.js';
import { silentLogger } from '../../../src/log.js';

const ctx: StageContext = { log: silentLogger, processEnv: {}, cwd: '/work/checkout' };

describe('inputs every stage takes', () => {
  test('working-directory against the process directory, config against the working directory', () => {
    expect(commonOptions(new Inputs(mapInputs({})), ctx)).toEqual({
      dir: '/work/checkout',
      configPath: '/work/checkout/releng.yml',
    });
    expect(
      commonOptions(new Inputs(mapInputs({ 'working-directory': 'sub', config: 'ci/r.yml' })), ctx),
    ).toEqual({
      dir: '/work/checkout/sub',
      configPath: path.resolve('/work/checkout/sub/ci/r.yml'),
    });
    expect(
      commonOptions(new Inputs(mapInputs({ 'working-directory': '/abs', config: '/etc/r.yml' })), ctx),
    ).toEqual({
      dir: '/abs',
      configPath: '/etc/r.yml',
    });
  });
});

describe('outputs', () => {
  test('strings as they are, everything else as JSON', () => {
    expect(outputString('2.93.0')).toBe('2.93.0');
    expect(outputString(3)).toBe('3');
    expect(outputString(false)).toBe('false');
    expect(outputString(null)).toBe('null');
    expect(outputString({ tags: ['a'] })).toBe('{"tags":["a"]}');
  });
});
