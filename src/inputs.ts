import { RelengError } from './errors.js';

/**
 * Where a stage's inputs come from: the runner's INPUT_* variables or the CLI's --kebab-options.
 * Names are the kebab-case input names of action.yml. An empty string means "not given", as on runners.
 */
export interface InputSource {
  get(name: string): string | undefined;
}

/** As @actions/core reads them: INPUT_ + name with spaces as underscores, upper-cased (hyphens kept). */
export function envInputs(processEnv: NodeJS.ProcessEnv = process.env): InputSource {
  return {
    get(name) {
      const v = processEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
      return v === undefined || v.trim() === '' ? undefined : v.trim();
    },
  };
}

export function mapInputs(values: Record<string, string | undefined>): InputSource {
  return {
    get(name) {
      const v = values[name];
      return v === undefined || v.trim() === '' ? undefined : v.trim();
    },
  };
}

/** The shortest secret input accepted (see Inputs.secret). */
export const SECRET_MIN_LENGTH = 8;

/**
 * Inputs that are secrets: on the CLI their option always takes the next argument as its value (a
 * password may start with `--`; read as an option, it would be printed in the error).
 */
export const SECRET_INPUTS = ['password', 'forge-token', 's3-secret-access-key', 'ssh-key'];

/** Typed readers; every error names the input. */
export class Inputs {
  constructor(readonly source: InputSource) {}

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    return this.source.get(name) ?? fallback;
  }

  /**
   * A secret input (a password, a token, a key): at least SECRET_MIN_LENGTH characters, else refused —
   * without its value — because a secret that short could not be masked without corrupting every log
   * line and output it happens to occur in (docs/reliability.md, "Secrets").
   */
  secret(name: string): string | undefined {
    const v = this.source.get(name);
    if (v !== undefined && v.length < SECRET_MIN_LENGTH)
      throw new RelengError(
        `input '${name}' is ${v.length} character${v.length === 1 ? '' : 's'} long: a secret must have at least ${SECRET_MIN_LENGTH}; check that the right secret is passed`,
      );
    return v;
  }

  required(name: string): string {
    const v = this.source.get(name);
    if (v === undefined)
      throw new RelengError(`input '${name}' is required: set it in the step's 'with:' (or --${name})`);
    return v;
  }

  bool(name: string, fallback = false): boolean {
    const v = this.source.get(name);
    if (v === undefined) return fallback;
    if (/^(true|yes|1|on)$/i.test(v)) return true;
    if (/^(false|no|0|off)$/i.test(v)) return false;
    throw new RelengError(`input '${name}' must be true or false, got '${v}'`);
  }

  /** Newline- or comma-separated; blanks dropped. */
  list(name: string, fallback: string[] = []): string[] {
    const v = this.source.get(name);
    if (v === undefined) return fallback;
    return splitList(v);
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.source.get(name);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v))
      throw new RelengError(`input '${name}' must be one of ${choices.join(', ')}, got '${v}'`);
    return v as T;
  }

  int(name: string, fallback: number, min = -Infinity, max = Infinity): number {
    const v = this.source.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new RelengError(`input '${name}' must be a whole number from ${min} to ${max}, got '${v}'`);
    return n;
  }
}

export function splitList(v: string): string[] {
  return v
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
