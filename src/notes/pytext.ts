// Python's text semantics, where Lix's release-notes scripts rely on them and JavaScript's differ:
// what counts as whitespace (str.strip), as a line break (str.splitlines), text-mode reading (universal
// newlines), textwrap.indent and string ordering (code points, not UTF-16 units).

/** Python's str.isspace() set: JavaScript's \s lacks \x1c–\x1f and \x85 and has \ufeff, which Python's lacks. */
const WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${WS}]+`);
const TRAILING = new RegExp(`[${WS}]+$`);
const WS_CHAR = new RegExp(`^[${WS}]$`);

export const isSpace = (ch: string): boolean => WS_CHAR.test(ch);
export const strip = (s: string): string => s.replace(LEADING, '').replace(TRAILING, '');
export const lstrip = (s: string): string => s.replace(LEADING, '');
export const rstrip = (s: string): string => s.replace(TRAILING, '');

/** str.splitlines(keepends): \r\n is one break; \r, \v, \f, \x1c–\x1e, \x85, \u2028, \u2029 are breaks too. */
export function splitlines(s: string, keepends = false): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    out.push(s.slice(start, keepends ? m.index + m[0].length : m.index));
    start = m.index + m[0].length;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** What open(file, 'r').read() gives: \r\n and lone \r become \n. */
export const universalNewlines = (s: string): string => s.replace(/\r\n?/g, '\n');

/** textwrap.indent: prefix every line that is not whitespace-only; keep line endings. */
export function indent(text: string, prefix: string): string {
  return splitlines(text, true)
    .map((line) => (strip(line) === '' ? line : prefix + line))
    .join('');
}

/** Python's `a < b` on str: by code point. */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
