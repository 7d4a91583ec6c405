import { describe, expect, test, vi } from 'vitest';
import { main, parseArgs } from '../../src/cli-main.js';
import type { StageCommand } from '../../src/commands/command.js';
import { COMMANDS, findCommand } from '../../src/commands/index.js';

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

describe('releng <stage>', () => {
  async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      stdout += String(c);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      stderr += String(c);
      return true;
    });
    try {
      return { code: await main(argv), stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  test('no stage: the usage, listing every stage, exit 2; help asked for: exit 0', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    for (const c of COMMANDS) expect(none.stdout).toContain(`  ${c.name.padEnd(18)} ${c.description}`);
    expect((await cli(['--help'])).code).toBe(0);
  });

  test("a stage's --help lists its options", async () => {
    const r = await cli(['tag', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(
      'usage: releng tag [--force-tag …] [--no-check-git …] [--git-user-name …] [--git-user-email …] [--config …] [--working-directory …]',
    );
  });

  test('an unknown stage or option is one line on stderr and a failed exit', async () => {
    const unknown = await cli(['publsh']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe("releng: unknown stage 'publsh'");
    const bad = await cli(['tag', '--nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      `releng tag: error: unknown option --nope for 'releng tag': known options are ${findCommand('tag')!
        .inputs.map((n) => `--${n}`)
        .join(', ')}\n`,
    );
    expect(bad.stdout).toBe('');
  });
});
