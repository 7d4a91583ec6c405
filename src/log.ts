import { redactUrl } from './errors.js';

/**
 * What stages and clients log through. The Actions glue backs it with @actions/core (groups, masking);
 * the CLI with the console. Clients take a Logger and never import @actions/*.
 */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Collapsible on runners; an indented block on the console. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a value (and its derived forms, registered separately) to be masked everywhere. */
  secret(value: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warning() {},
  debug() {},
  group: (_t, fn) => fn(),
  secret() {},
};

/**
 * The secrets registered in a run, and text with each of them replaced by `***` and credentials in URLs
 * redacted. Both front ends mask what they print themselves: the CLI has no runner to do it, and on a
 * runner a value the runner masks must still not be in the raw stream (a log forwarded elsewhere, a
 * secret registered late, a forge whose masking differs).
 */
export class SecretMask {
  private secrets: string[] = [];

  add(value: string): void {
    if (value && value.length >= 3 && !this.secrets.includes(value)) {
      this.secrets.push(value);
      // Longest first: a secret containing another is replaced whole.
      this.secrets.sort((a, b) => b.length - a.length);
    }
  }

  apply(text: string): string {
    let r = text;
    for (const secret of this.secrets) r = r.split(secret).join('***');
    return redactUrl(r);
  }
}

/** Masks registered secrets in console output, as the runner does for ::add-mask::. */
export class ConsoleLogger implements Logger {
  private readonly masks = new SecretMask();
  constructor(
    private out: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    private verbose = process.env.RUNNER_DEBUG === '1',
  ) {}
  info(m: string) {
    this.out(this.masks.apply(m));
  }
  warning(m: string) {
    this.out(this.masks.apply(`warning: ${m}`));
  }
  debug(m: string) {
    if (this.verbose) this.out(this.masks.apply(`debug: ${m}`));
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.out(this.masks.apply(`▸ ${title}`));
    return fn();
  }
  secret(value: string) {
    this.masks.add(value);
  }
  maskText(s: string): string {
    return this.masks.apply(s);
  }
}

/** Human-readable byte counts for progress lines and summaries. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** Rate-limited progress lines: at most one every `intervalMs`, plus the final one. */
export class Progress {
  private last = 0;
  private readonly start = Date.now();
  constructor(
    private log: Logger,
    private label: string,
    private intervalMs = 5000,
  ) {}
  update(done: number, total: number | undefined, bytes?: number, force = false) {
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const secs = Math.max((now - this.start) / 1000, 0.001);
    const parts = [`${this.label}: ${done}${total !== undefined ? `/${total}` : ''}`];
    if (bytes !== undefined) parts.push(`${formatBytes(bytes)}, ${(bytes / 1e6 / secs).toFixed(1)} MB/s`);
    this.log.info(parts.join(', '));
  }
}
