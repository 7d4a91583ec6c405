import { describe, expect, test } from 'vitest';
import { parseArgs } from '../../src/cli-main.js';
import type { StageCommand } from '../../src/commands/command.js';

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
