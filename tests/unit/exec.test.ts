import { describe, expect, test } from 'vitest';
import { RelengError } from '../../src/errors.js';
import { run, tail } from '../../src/exec.js';
import { type Logger, silentLogger } from '../../src/log.js';

describe('run', () => {
  test('output captured, no shell: arguments arrive as given', async () => {
    const r = await run('sh', ['-c', 'printf "%s|" "$@"; echo err >&2', 'sh', 'a b', '$HOME', ';x']);
    expect(r).toEqual({ code: 0, stdout: 'a b|$HOME|;x|', stderr: 'err\n' });
  });

  test('a failure names the command and its first arguments and shows the tail of stderr', async () => {
    const err = await run('sh', ['-c', 'for i in 1 2 3 4; do echo line$i >&2; done; exit 3', 'x', 'y'])
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelengError);
    expect((err as Error).message).toBe(
      'sh -c for i in 1 2 3 4; do echo line$i >&2; done; exit 3 x failed (exit 3): line2 | line3 | line4',
    );
  });

  test('with no stderr, the tail of stdout; allowFailure returns the code instead', async () => {
    await expect(run('sh', ['-c', 'echo out; exit 1'])).rejects.toThrow(/failed \(exit 1\): out$/);
    expect(await run('sh', ['-c', 'exit 4'], { allowFailure: true })).toMatchObject({ code: 4 });
  });

  test('input goes to stdin; cwd and the environment are the ones given, unset values left out', async () => {
    const r = await run('sh', ['-c', 'cat; pwd; echo "$KEEP/[$DROP]"; env | grep -c ^DROP= || true'], {
      input: 'in\n',
      cwd: '/',
      env: { PATH: process.env.PATH, KEEP: 'kept', DROP: undefined },
    });
    expect(r.stdout).toBe('in\n/\nkept/[]\n0\n');
  });

  test('streamTo gets each stderr line as it comes, the last one without its newline too', async () => {
    const lines: string[] = [];
    await run('sh', ['-c', 'printf "a\\nb\\nc" >&2'], { streamTo: (l) => lines.push(l) });
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  test('the command line is logged at debug level', async () => {
    const debug: string[] = [];
    const log: Logger = { ...silentLogger, debug: (m) => debug.push(m) };
    await run('true', ['x', 'y'], { log });
    expect(debug).toEqual(['$ true x y']);
  });

  test('a program that is not there is one line saying so', async () => {
    await expect(run('releng-no-such-program', [])).rejects.toThrow(
      /^could not run releng-no-such-program: .*; is it installed and on PATH\?$/,
    );
  });
});

describe('tail', () => {
  test('the last lines, trailing blank lines dropped, joined on one line', () => {
    expect(tail('a\nb\nc\n\n', 2)).toBe('b | c');
    expect(tail('', 3)).toBe('');
  });
});
