/**
 * The shape of the fault-matrix tests (faults-s3, faults-registry): a table of cases — a fault, where it
 * is injected, what our code does about it, and the outcome expected — with the matchers that place a
 * fault on the n-th request of a kind, and the one-error-line check of a failed run.
 */
import { expect } from 'vitest';
import type { RunResult } from './cli-child.js';
import type { Exchange, FaultRule } from './proxy.js';

export type Req = Parameters<FaultRule['match']>[0];

export interface FaultCase {
  fault: string;
  where: string;
  rules: FaultRule[];
  /** 'completes', or the clear failure expected (matched against the one error line). */
  outcome: 'completes' | RegExp;
  /** What our code does about it (docs/reliability.md repeats it). */
  handling: string;
  /** Requests allowed beyond a clean run's when it completes (default 12). */
  extra?: number;
  check?: (exchanges: Exchange[]) => void;
}

export const rule = (
  name: string,
  match: FaultRule['match'],
  fault: FaultRule['fault'],
  times = 1,
): FaultRule => ({
  name,
  match,
  fault,
  times,
});

/** Matches the n-th request that `pred` matches, and every later one (the rule's `times` bounds it). */
export function nth(n: number, pred: (r: Req) => boolean): (r: Req) => boolean {
  let seen = 0;
  return (r) => pred(r) && ++seen >= n;
}

/** The one error line of a failed run: the last line of stderr, and the only `error:` line. */
export function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines.filter((l) => / error: /.test(l))).toHaveLength(1);
  return lines.at(-1)!;
}

/** Every armed fault fired at least once (a case whose fault never fired proves nothing). */
export function expectFired(rules: FaultRule[], remaining: Record<string, number>): void {
  for (const f of rules) expect(remaining[f.name], `fault ${f.name} fired`).toBeLessThan(f.times ?? 1);
}

/** The retry of a throttled request came no sooner than Retry-After said. */
export function waited(seconds: number, same: (a: Exchange, b: Exchange) => boolean) {
  return (xs: Exchange[]) => {
    const hit = xs.findIndex((x) => x.fault);
    const retry = xs.slice(hit + 1).find((x) => same(x, xs[hit]!));
    expect(retry, 'the throttled request was retried').toBeDefined();
    expect(retry!.at - xs[hit]!.at).toBeGreaterThanOrEqual(seconds * 1000 - 50);
  };
}

export interface CaseResult {
  c: FaultCase;
  status: number | null;
  requests: number;
  clean: number;
  rerun: number;
  line: string;
}

/** The table docs/reliability.md quotes, printed after a matrix ran. */
export function resultRows(results: CaseResult[]): string {
  return results
    .map(
      (x) =>
        `| ${x.c.fault} | ${x.c.where} | ${x.c.handling} | ${x.status === 0 ? 'completed' : `failed: \`${x.line.replace(/:\d{4,5}\b/g, ':PORT')}\``} | ${x.requests} (clean ${x.clean}) | completed, ${x.rerun} requests |`,
    )
    .join('\n');
}

/**
 * The re-run after a fault or a kill (faults-s3, faults-registry, kill-publish, kill-docker): it exits 0,
 * ends in the clean run's state, and no guard saw a dangling reference at any moment.
 */
export async function expectRerunToClean<S>(
  lane: { run(): Promise<RunResult>; state(): Promise<S>; violations(): string[] | Promise<string[]> },
  clean: S,
): Promise<void> {
  const again = await lane.run();
  expect(again.status, again.stderr).toBe(0);
  expect(await lane.state()).toEqual(clean);
  expect(await lane.violations()).toEqual([]);
}
