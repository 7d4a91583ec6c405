/**
 * A failure the user can act on. The message is one line: what went wrong, where (file:line, key,
 * URL without credentials) and what to do. Anything else thrown is a bug and shows its stack.
 */
export class RelengError extends Error {
  override name = 'RelengError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
  }
}

/** A value as a message may show it: control characters escaped, long values cut. */
export function printable(value: string, max = 80): string {
  // Control characters, line separators and lone surrogates (which a UTF-8 log would turn into U+FFFD).
  const escaped = value.replace(
    /[\u0000-\u001f\u007f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => (c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Several problems found in one pass (bad fragments, preflight checks): reported together. */
export class RelengErrors extends RelengError {
  override name = 'RelengErrors';
  constructor(
    readonly summary: string,
    readonly problems: string[],
  ) {
    super(`${summary}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    // One problem is one line, like any error; several are listed under the summary.
    this.message =
      problems.length === 1
        ? `${oneLine(summary)}: ${oneLine(problems[0]!)}`
        : [`${oneLine(summary)} (${problems.length} problems):`]
            .concat(problems.map((p) => `  - ${oneLine(p)}`))
            .join('\n');
  }
}

/**
 * Credentials inside URLs never reach a message: `scheme://user:pass@host` → `scheme://***@host`, and for
 * HTTP(S) any user part (`https://TOKEN@host` is how tokens ride in git remotes). A bare user of another
 * scheme (`ssh://git@host`) is no secret and stays.
 */
export function redactUrl(text: string): string {
  return text.replace(
    /([a-z][a-z0-9+.-]*):\/\/([^/\s:@]+)(:[^/\s@]*)?@/gi,
    (all, scheme: string, _user: string, pass: string | undefined) =>
      pass !== undefined || /^https?$/i.test(scheme) ? `${scheme}://***@` : all,
  );
}

export function describeError(err: unknown, debug = process.env.RUNNER_DEBUG === '1'): string {
  if (err instanceof RelengError) return redactUrl(debug && err.stack ? err.stack : err.message);
  if (err instanceof Error) return redactUrl(debug && err.stack ? err.stack : `${err.name}: ${err.message}`);
  return redactUrl(String(err));
}
