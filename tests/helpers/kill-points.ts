/**
 * Seeded kill points for the kill-and-resume tests: where, in a run's request sequence, to SIGKILL the
 * stage. Most points are "when the proxy receives request k" (k over a clean run's requests); a fifth are
 * "when request R's body has passed b bytes" inside the long bodies of a clean run, so a kill lands in
 * the middle of an upload. RELENG_KILL_SEED and RELENG_KILL_POINTS override the seed and the count.
 */
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Exchange } from './proxy.js';

export type KillPoint =
  | { kind: 'request'; k: number }
  | { kind: 'body'; method: string; path: string; afterBytes: number; size: number };

/** mulberry32: a small, fast, seeded PRNG (same sequence on every platform). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function killSettings(defaultSeed: number): { seed: number; count: number } {
  const num = (name: string, fallback: number) => {
    const v = process.env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got '${v}'`);
    return n;
  };
  return { seed: num('RELENG_KILL_SEED', defaultSeed), count: num('RELENG_KILL_POINTS', 20) };
}

/**
 * `count` points over a clean run of `requests` requests, whose long bodies are `bodies` (requests that
 * carried at least 64 KiB, identified by method and path without the query).
 */
export function killPoints(
  seed: number,
  count: number,
  requests: number,
  bodies: { method: string; path: string; size: number }[],
): KillPoint[] {
  const rand = prng(seed);
  const inBodies = bodies.length ? Math.floor(count / 5) : 0;
  const out: KillPoint[] = [];
  for (let i = 0; i < count - inBodies; i++)
    out.push({ kind: 'request', k: 1 + Math.floor(rand() * requests) });
  for (let i = 0; i < inBodies; i++) {
    const b = bodies[Math.floor(rand() * bodies.length)]!;
    out.push({ kind: 'body', ...b, afterBytes: 1 + Math.floor(rand() * (b.size - 1)) });
  }
  return out;
}

/**
 * The long bodies of a clean run (at least 64 KiB), each named the way `identity` names a request across
 * runs ("METHOD PATH"): where body kill points may land.
 */
export function longBodies(
  exchanges: Exchange[],
  identity: (method: string, url: string, contentLength: string | undefined) => string,
): { method: string; path: string; size: number }[] {
  return exchanges
    .filter((e) => e.bytesIn >= 64 * 1024)
    .map((e) => {
      const [method, path] = identity(e.method, e.url, e.headers['content-length']).split(' ') as [
        string,
        string,
      ];
      return { method, path, size: e.bytesIn };
    });
}

export function describePoint(p: KillPoint): string {
  return p.kind === 'request'
    ? `at request ${p.k}`
    : `inside ${p.method} ${p.path} after ${p.afterBytes} of ${p.size} body bytes`;
}

/**
 * Arms a kill point for one run: `onRequest` goes to the proxy, `attach` gets the child as it is spawned;
 * the child is SIGKILLed once, when the proxy sees the point (request k, or b body bytes into a request
 * whose `identity` matches). `killedAt` says where it happened ('' when the run ended first).
 */
export function killSwitch(point: KillPoint, identity: (req: IncomingMessage) => string) {
  let child: ChildProcess | undefined;
  let armed = true;
  const s = {
    killedAt: '',
    attach: (c: ChildProcess) => {
      child = c;
    },
    disarm: () => {
      armed = false;
    },
    onRequest: (seq: number, req: IncomingMessage) => {
      if (!armed) return;
      const id = identity(req);
      if (point.kind === 'request' && seq === point.k) kill(`request ${seq}: ${id}`);
      if (point.kind === 'body' && id === `${point.method} ${point.path}`) {
        let n = 0;
        req.on('data', (c: Buffer) => {
          n += c.length;
          if (n >= point.afterBytes) kill(`request ${seq}: ${id} at byte ${n}`);
        });
      }
    },
  };
  const kill = (why: string) => {
    if (!armed || !child) return;
    armed = false;
    s.killedAt = why;
    child.kill('SIGKILL');
  };
  return s;
}

/** One row of the kill table docs/reliability.md quotes. */
export function killRow(
  i: number,
  point: KillPoint,
  killedAt: string,
  killed: number,
  rerun: number,
): string {
  return `| ${i} | ${describePoint(point)} | ${killedAt || 'not killed: the run ended first'} (${killed} requests) | exit 0, ${rerun} requests | yes |`;
}

/** The kill table, printed after the points ran. */
export function killTable(seed: number, points: number, cleanRequests: number, rows: string[]): string {
  return [
    `seed ${seed}, ${points} points, clean run ${cleanRequests} requests`,
    '| # | kill point | killed at | re-run | identical |',
    ...rows,
  ].join('\n');
}
