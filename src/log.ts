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
 * What to mask of a secret: the value, and for a multi-line one (a PEM key, a JSON credential) each line
 * but PEM armour too — an error joined onto one line, or a log quoting one line of it, must not show
 * it. Parts shorter than 3 are left (they would turn every log into stars).
 */
export function secretParts(value: string): string[] {
  // PEM armour (`-----BEGIN OPENSSH PRIVATE KEY-----`) is the same in every key: masking it hides nothing.
  const lines = value.includes('\n')
    ? value
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(l))
    : [];
  return [...new Set([value, ...lines])].filter((v) => v && v.length >= 3);
}

/**
 * The secrets registered in a run, and text with each of them replaced by `***` and credentials in URLs
 * redacted. Both front ends mask what they print themselves: the CLI has no runner to do it, and on a
 * runner a value the runner masks must still not be in the raw stream (a log forwarded elsewhere, a
 * secret registered late, a forge whose masking differs).
 */
export class SecretMask {
  private secrets: string[] = [];

  /**
   * A multi-line secret (a PEM key, a JSON credential) is masked whole and line by line: an error joined
   * onto one line, or a log quoting one line of it, must not show it. Values shorter than 3 are not
   * masked (they would turn every log into stars); secret inputs shorter than 8 are refused before this
   * (src/inputs.ts Inputs.secret).
   */
  add(value: string): void {
    for (const v of secretParts(value))
      if (!this.secrets.includes(v)) {
        this.secrets.push(v);
        // Longest first: a secret containing another is replaced whole.
        this.secrets.sort((a, b) => b.length - a.length);
      }
  }

  apply(text: string): string {
    let r = text;
    for (const secret of this.secrets) r = r.split(secret).join('***');
    return redactUrl(r);
  }

  /**
   * An output value masked, except inside the parts whose format is known and never a secret — digests
   * and hex hashes: a secret that happens to occur in a digest must not corrupt it.
   */
  applyOutput(value: string): string {
    const known: string[] = [];
    const held = value.replace(KNOWN_FORMAT, (m) => `\u0000${known.push(m) - 1}\u0000`);
    return this.apply(held).replace(/\u0000(\d+)\u0000/g, (_, i) => known[Number(i)]!);
  }
}

/** Output parts of a known format, never masked: digests (sha256:…) and hex hashes of 40 or 64 digits. */
const KNOWN_FORMAT = /(?:sha256:|sha512:)?\b(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{128})\b/g;

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
  maskOutput(value: string): string {
    return this.masks.applyOutput(value);
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
