/**
 * What may reach git as a remote, a ref or an object id. git reads an argument that starts with `-` as an
 * option (`--upload-pack=CMD` runs CMD), and a transport helper address (`ext::CMD`) runs a command too;
 * ssh reads a host that starts with `-` as one of its options. So every remote is checked when releng.yml
 * is loaded, and refs and object ids — some of which come from a server's answer — before they are used.
 */
import { RelengError } from '../errors.js';

/** The transports a remote may use (also git's GIT_ALLOW_PROTOCOL in src/git/git.ts). */
export const ALLOWED_PROTOCOLS = ['ssh', 'https', 'http', 'git', 'file'];
const URL_SCHEMES = new Set([...ALLOWED_PROTOCOLS, 'git+ssh', 'ssh+git']);

/** Why `remote` may not be given to git, or undefined when it may. */
export function remoteProblem(remote: string): string | undefined {
  if (remote === '') return 'an empty remote';
  if (/[\0-\x1f\x7f]/.test(remote)) return 'a control character';
  if (remote.startsWith('-')) return 'it starts with "-", so git would read it as an option';
  // `helper::address` makes git run git-remote-HELPER (ext:: runs any command).
  const helper = /^([A-Za-z0-9+.-]+)::/.exec(remote);
  if (helper) return `a transport helper address (${helper[1]}::), which git would run`;
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)/.exec(remote);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    if (!URL_SCHEMES.has(scheme))
      return `the transport ${scheme}:// (use ssh://, https://, http://, git:// or file://)`;
    return hostProblem(url[2]!.replace(/^[^@]*@/, ''), url[2]!.includes('@') ? url[2]!.split('@')[0]! : '');
  }
  // scp-like `[user@]host:path`: a ':' before the first '/'.
  const scp = /^([^/:]*):/.exec(remote);
  if (scp) {
    const at = scp[1]!.lastIndexOf('@');
    return hostProblem(scp[1]!.slice(at + 1), at >= 0 ? scp[1]!.slice(0, at) : '');
  }
  return undefined;
}

function hostProblem(host: string, user: string): string | undefined {
  if (host.startsWith('-') || host.startsWith('[-'))
    return 'its host starts with "-", so ssh would read it as an option';
  if (user.startsWith('-')) return 'its user starts with "-", so ssh would read it as an option';
  if (/\s/.test(host) || /\s/.test(user)) return 'a space in its user or host';
  return undefined;
}

/** Throws one line when `remote` may not be given to git. */
export function checkRemote(remote: string, where = 'git-remote'): void {
  const problem = remoteProblem(remote);
  if (problem) throw new RelengError(`${where}: '${remote}' is not a git remote: ${problem}`);
}

/**
 * A full ref name as we push it (`refs/heads/B`, `refs/for/B`, `refs/tags/V`), by git's check-ref-format
 * rules: components not starting with `.` or `-`, none of `..`, `@{`, `~^:?*[\`, spaces or control
 * characters, not ending in `.lock`, `.` or `/`.
 */
export function refProblem(ref: string): string | undefined {
  if (!/^refs\/[^/]/.test(ref)) return 'not a full ref name (refs/…)';
  if (/[\0-\x20\x7f~^:?*[\\]/.test(ref) || ref.includes('..') || ref.includes('@{') || ref.includes('//'))
    return 'a character git does not allow in a ref name';
  if (ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock')) return 'an ending git does not allow';
  if (ref.split('/').some((c) => c.startsWith('.') || c.startsWith('-')))
    return 'a part that starts with "." or "-"';
  return undefined;
}

export function checkRef(ref: string): void {
  const problem = refProblem(ref);
  if (problem) throw new RelengError(`git ref '${ref}' refused: ${problem}`);
}

/** A branch name (`main`, `release-2.93`): what follows refs/heads/. */
export function checkBranchName(name: string): void {
  checkRef(`refs/heads/${name}`);
}

/** An object id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
export const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function checkOid(oid: string, where: string): void {
  if (!OID.test(oid)) throw new RelengError(`${where}: '${oid.slice(0, 80)}' is not a git object id`);
}
