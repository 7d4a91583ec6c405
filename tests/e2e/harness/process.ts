/**
 * A step's process as a runner runs it: its own process group (cancelling a leg or a timeout stops
 * everything the step started, nix builds included), output fed line by line to the run's log.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Milliseconds before the whole process tree is killed (timeout-minutes). */
  timeoutMs?: number;
  log: (text: string) => void;
}

export type Exit = 'ok' | 'failed' | 'timeout' | 'aborted';

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {}
}

export function spawnStep(cmd: string, args: string[], o: SpawnOptions): Promise<Exit> {
  if (o.signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    live.add(child);
    let ended: Exit | undefined;
    const stop = (why: Exit) => {
      ended ??= why;
      // A runner sends SIGINT, then SIGTERM, then kills; the group, so grandchildren go too.
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 2000).unref();
    };
    const onAbort = () => stop('aborted');
    o.signal.addEventListener('abort', onAbort, { once: true });
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), o.timeoutMs);
    let pending = { out: '', err: '' };
    const feed = (which: 'out' | 'err', chunk: Buffer) => {
      const text = pending[which] + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      if (cut >= 0) {
        o.log(text.slice(0, cut));
        pending = { ...pending, [which]: text.slice(cut + 1) };
      } else pending = { ...pending, [which]: text };
    };
    child.stdout!.on('data', (c: Buffer) => feed('out', c));
    child.stderr!.on('data', (c: Buffer) => feed('err', c));
    child.on('error', (e) => o.log(`::error::harness: cannot start ${cmd}: ${e.message}`));
    child.on('close', (code) => {
      o.signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      live.delete(child);
      for (const rest of [pending.out, pending.err]) if (rest) o.log(rest);
      resolve(ended ?? (code === 0 ? 'ok' : 'failed'));
    });
  });
}
