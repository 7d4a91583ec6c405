import { describe, expect, test, vi } from 'vitest';
import { ALIASES, main, parseArgs } from '../../src/cli-main.js';
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

describe("the seed's commands", () => {
  const publish = findCommand('publish')!;

  test('build and upload name build-artifacts and publish; a name of Object.prototype names nothing', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['build', '--help'])).toBe(0);
      expect(String(out.mock.calls[0]?.[0])).toMatch(/^usage: releng build-artifacts /);
      expect(await main(['upload', '--help'])).toBe(0);
      expect(String(out.mock.calls[1]?.[0])).toMatch(/^usage: releng publish /);
      expect(await main(['__proto__'])).toBe(2);
      expect(await main(['constructor'])).toBe(2);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(ALIASES).toEqual({ build: 'build-artifacts', upload: 'publish' });
  });

  test('--noconfirm is a bare confirm where the stage takes one, and unknown where it does not', () => {
    expect(parseArgs(publish, ['--noconfirm', '--dry-run'])).toEqual({ confirm: 'true', 'dry-run': 'true' });
    expect(() => parseArgs(findCommand('tag')!, ['--noconfirm'])).toThrow(/unknown option --noconfirm/);
  });

  test('--noconfirm on a runner: refused in one line before anything is read', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.stubEnv('GITHUB_ACTIONS', 'true');
    try {
      expect(await main(['upload', '--noconfirm', '--config', '/nonexistent/releng.yml'])).toBe(1);
      expect(String(err.mock.calls[0]?.[0])).toBe(
        "releng publish: error: --noconfirm is for a terminal: on a runner pass --confirm 'I want to release this to ENV' (ENV: the environment)\n",
      );
    } finally {
      vi.unstubAllEnvs();
      err.mockRestore();
    }
  });
});
