import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { PushProgress } from '../../../src/oci/push-progress.js';

afterEach(() => {
  vi.useRealTimers();
});

function lines(): Logger & { lines: string[] } {
  const out: string[] = [];
  return {
    info: (m) => out.push(m),
    warning() {},
    debug() {},
    group: (_t, fn) => fn(),
    secret() {},
    lines: out,
  };
}

describe('PushProgress', () => {
  test('one line every few seconds once reading starts, and a last one when stopped', () => {
    vi.useFakeTimers();
    const log = lines();
    const p = new PushProgress(log);
    p.stop();
    expect(log.lines).toEqual([]); // nothing read, nothing to say
    p.layerStarted();
    p.read(3_000_000);
    p.sent(1_000_000);
    vi.advanceTimersByTime(5000);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(
      /^docker: layers compressed 0\/1, read 2\.86 MiB \(\d+ MB\/s\), sent 976\.6 KiB/,
    );
    p.layerDone();
    p.stop();
    expect(log.lines).toHaveLength(2);
    expect(log.lines[1]).toMatch(/layers compressed 1\/1/);
    vi.advanceTimersByTime(20_000);
    expect(log.lines).toHaveLength(2);
  });
});
