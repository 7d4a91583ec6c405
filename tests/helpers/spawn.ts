import { spawn } from 'node:child_process';

export interface Spawned {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * spawnSync's answer, without blocking: a vitest worker blocked for more than 60 s misses its own
 * "onTaskUpdate" reply and the run fails with an unhandled error, though every test passed. Long
 * children (the demo, nix builds) go through this.
 */
export function spawnAsync(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? -1 : 0), stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
