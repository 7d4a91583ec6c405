import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';

// Files of the project checkout as a stage reads and writes them: every path resolved (symlinks
// included) and kept inside the checkout before anything is touched, every read bounded, every failure
// one line naming the file — never a bare ENOENT/EISDIR/ELOOP.

export interface CheckoutPath {
  /** The checkout's real directory. */
  root: string;
  /** The real path (symlinks resolved; components that do not exist yet appended as given). */
  real: string;
  /** Relative to the checkout's real directory: what git and messages use. */
  rel: string;
  /** Whether it exists now. */
  exists: boolean;
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Why a path could not be read, in words (for the codes a user can act on). */
export function describeFsError(e: unknown): string {
  switch (errno(e)) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of its path is not a directory';
    case 'ELOOP':
      return 'is a symbolic link that loops';
    case 'ENAMETOOLONG':
      return 'has a name too long for the file system';
    default:
      return `cannot be read (${(e as Error).message})`;
  }
}

/**
 * `rel` (a path from releng.yml or a fixed name) inside the checkout `dir`, named `what` in errors.
 * Refused: a path leaving the checkout lexically or through a symlink, a symlink that leads nowhere, a
 * path below something that is not a directory, and anything inside `.git`.
 */
export function checkoutPath(dir: string, rel: string, what: string): CheckoutPath {
  if (rel.includes('\0')) throw new RelengError(`${what}: the path contains a NUL character`);
  let root: string;
  try {
    root = fs.realpathSync(dir);
  } catch (e) {
    throw new RelengError(`${dir}: the checkout ${describeFsError(e)}`);
  }
  const abs = path.resolve(root, rel);
  const outside = (p: string) => {
    const r = path.relative(root, p);
    return r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r);
  };
  if (outside(abs))
    throw new RelengError(`${what}: '${rel}' is outside the repository; use a path inside it`);
  // The deepest part that exists (lstat: a dangling link exists) is resolved; the rest is appended.
  let existing = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      fs.lstatSync(existing);
      break;
    } catch (e) {
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR')
        throw new RelengError(`${what}: '${rel}' ${describeFsError(e)}`);
      rest.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  let real: string;
  try {
    real = fs.realpathSync(existing);
  } catch (e) {
    const why = errno(e) === 'ENOENT' ? 'is a symbolic link that leads nowhere' : describeFsError(e);
    throw new RelengError(`${what}: '${path.relative(root, existing) || rel}' ${why}`);
  }
  if (rest.length > 0 && !fs.statSync(real).isDirectory())
    throw new RelengError(`${what}: '${path.relative(root, existing)}' is not a directory`);
  real = path.join(real, ...rest);
  if (outside(real))
    throw new RelengError(
      `${what}: '${rel}' leads outside the repository (to ${real}) through a symbolic link; use a path inside it`,
    );
  const relReal = path.relative(root, real);
  if (relReal.split(path.sep)[0] === '.git')
    throw new RelengError(`${what}: '${rel}' is inside .git; use a path of the work tree`);
  return { root, real, rel: relReal, exists: rest.length === 0 };
}

/** Reads a regular file of at most `maxBytes`, strict UTF-8; errors name `display`. */
export function readText(file: string, display: string, maxBytes: number): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new RelengError(`${display}: ${describeFsError(e)}`);
  }
  if (st.isDirectory()) throw new RelengError(`${display}: is a directory, not a file`);
  // A FIFO or device would block or never end.
  if (!st.isFile()) throw new RelengError(`${display}: is not a regular file`);
  if (st.size > maxBytes)
    throw new RelengError(`${display}: is ${st.size} bytes, more than the ${maxBytes} allowed`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new RelengError(`${display}: ${describeFsError(e)}`);
  }
  if (bytes.length > maxBytes)
    throw new RelengError(`${display}: is more than the ${maxBytes} bytes allowed`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new RelengError(`${display}: is not valid UTF-8 text`);
  }
}
