import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './action.js';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The bundled CLI in a child process, asynchronously (the fault proxy and its guard live in the test's
 * process and must keep answering); `onSpawn` gets the child, to kill it.
 */
export function runCli(
  args: string[],
  cwd: string,
  processEnv: NodeJS.ProcessEnv,
  onSpawn?: (child: ChildProcess) => void,
): Promise<RunResult> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/index.js'), ...args], {
    cwd,
    env: processEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
}
