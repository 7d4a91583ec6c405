import path from 'node:path';
import { printable, RelengError } from '../errors.js';

/**
 * The one rule for a relative path that becomes an object key or a file below a directory: a leg.json
 * path, a file of an artifacts dir or a manual, a key a planner makes, the prefix of an S3 destination.
 * Whatever passes names the same place on every server and file system — nothing a server, an HTTP
 * client or a file system would normalise into another place (`..`, `.`, `//`, `\`, a lone surrogate
 * turned into U+FFFD, NFD folded by macOS) — and it is checked where the path enters, the same for a dry
 * run and a real one.
 */

/** S3's limit for a whole key (UTF-8 bytes); a directory sink has PATH_MAX, which is larger. */
export const KEY_MAX_BYTES = 1024;
/** A file name on the usual file systems (ext4, APFS, NTFS count 255). */
export const SEGMENT_MAX_BYTES = 255;

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with `p` as a relative key or path, in a few words; undefined when nothing is. */
export function pathProblem(p: string): string | undefined {
  if (p === '') return 'an empty path';
  if (LONE_SURROGATE.test(p)) return 'text that is not well-formed Unicode (a lone surrogate)';
  if (CONTROL.test(p)) return 'a control character';
  if (p.includes('\\')) return 'a backslash (use /)';
  if (p.startsWith('/')) return 'an absolute path (it must be relative)';
  if (Buffer.byteLength(p) > KEY_MAX_BYTES) return `more than ${KEY_MAX_BYTES} bytes`;
  for (const segment of p.split('/')) {
    if (segment === '') return 'an empty segment (//, or a / at the end)';
    if (segment === '.') return "a '.' segment";
    if (segment === '..') return "a '..' segment";
    if (Buffer.byteLength(segment) > SEGMENT_MAX_BYTES)
      return `a segment longer than ${SEGMENT_MAX_BYTES} bytes`;
  }
  if (p.normalize('NFC') !== p)
    return 'a name not in Unicode normal form C (macOS would store it under another)';
  return undefined;
}

/** Whether the file system path `p` is `root` or below it (both absolute, or both relative to one place). */
export function isWithin(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${path.sep}`) && !path.isAbsolute(r));
}

/** `p`, or one line: `WHERE 'P': what is wrong; what to do`. */
export function checkRelativePath(p: string, where: string, todo = 'rename it'): string {
  const problem = pathProblem(p);
  if (problem) throw new RelengError(`${where} '${printable(p, 120)}': ${problem}; ${todo}`);
  return p;
}
