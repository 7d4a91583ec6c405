import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tmpDir } from './tmp.js';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);

export interface ActionRun {
  status: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses GITHUB_OUTPUT / GITHUB_ENV as the runner does: `k=v` lines and `k<<DELIM` heredocs. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[key!] = value.join('\n');
    } else {
      const eq = line.indexOf('=');
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

/**
 * Runs a bundled action the way a runner does: a fresh `node dist/<name>/index.js` with INPUT_* and the
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files. Inputs are kebab-case names, as in action.yml.
 */
export function runBundledAction(
  name: string,
  inputs: Record<string, string>,
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): ActionRun {
  const work = tmpDir('releng-runner-');
  const outputFile = path.join(work, 'output');
  const summaryFile = path.join(work, 'summary');
  const envFile = path.join(work, 'env');
  for (const f of [outputFile, summaryFile, envFile]) fs.writeFileSync(f, '');
  const processEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NIX_CONFIG: process.env.NIX_CONFIG,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ENV: envFile,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: work,
    ...opts.env,
  };
  for (const [k, v] of Object.entries(inputs)) processEnv[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', name, 'index.js')], {
    cwd: opts.cwd,
    env: processEnv,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs: parseCommandFile(fs.readFileSync(outputFile, 'utf8')),
    summary: fs.readFileSync(summaryFile, 'utf8'),
  };
}

/** Runs the bundled CLI: `node dist/cli/index.js <args>`. */
export function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'index.js'), ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  const outputs: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, outputs };
}
