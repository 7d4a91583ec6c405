import * as actionsExec from '@actions/exec';
import { RelengError } from './errors.js';
import type { Logger } from './log.js';

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Non-zero exit is returned, not thrown. */
  allowFailure?: boolean;
  log?: Logger;
  /** Stream each output line to the log as it comes (long builds). */
  streamTo?: (line: string) => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell. Output is captured (the runner's "[command]" echo is off, so
 * arguments that carry paths to secret files are not printed); a failure names the command and shows
 * the tail of stderr.
 */
export async function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  opts.log?.debug(`$ ${cmd} ${args.join(' ')}`);
  let stdout = '';
  let stderr = '';
  let partial = '';
  const code = await actionsExec
    .exec(cmd, args, {
      cwd: opts.cwd,
      env: opts.env
        ? (Object.fromEntries(Object.entries(opts.env).filter(([, v]) => v !== undefined)) as Record<
            string,
            string
          >)
        : undefined,
      input: opts.input === undefined ? undefined : Buffer.from(opts.input),
      silent: true,
      ignoreReturnCode: true,
      listeners: {
        stdout: (d) => {
          stdout += d.toString();
        },
        stderr: (d) => {
          const s = d.toString();
          stderr += s;
          if (opts.streamTo) {
            const lines = (partial + s).split('\n');
            partial = lines.pop() ?? '';
            for (const l of lines) opts.streamTo(l);
          }
        },
      },
    })
    .catch((e: unknown) => {
      throw new RelengError(`could not run ${cmd}: ${(e as Error).message}; is it installed and on PATH?`);
    });
  if (partial && opts.streamTo) opts.streamTo(partial);
  if (code !== 0 && !opts.allowFailure) {
    throw new RelengError(
      `${cmd} ${args.slice(0, 3).join(' ')} failed (exit ${code}): ${tail(stderr || stdout, 3)}`,
    );
  }
  return { code, stdout, stderr };
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join(' | ');
}
