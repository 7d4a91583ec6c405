import path from 'node:path';
import { RelengError } from '../errors.js';
import { tail } from '../exec.js';
import type { Git } from './git.js';
import { checkOid, checkRef, checkRemote, OID } from './remote.js';

/**
 * A remote from releng.yml: URLs and scp-like `user@host:path` stay as they are; paths are relative to the
 * checkout. One git could read as an option, or a transport helper, is refused (src/git/remote.ts).
 */
export function resolveRemote(remote: string, dir: string): string {
  checkRemote(remote);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || /^[^/\s]+@[^/\s]+:/.test(remote)) return remote;
  return path.resolve(dir, remote);
}

/**
 * What git said when it could not reach a remote, without its boilerplate ("Could not read from remote
 * repository", "make sure you have the correct access rights"), so ssh's own reason ("Permission denied
 * (publickey)", "Host key verification failed") is what the line shows.
 */
export function gitComplaint(stderr: string): string {
  const boilerplate =
    /^(fatal: Could not read from remote repository\.|Please make sure you have the correct access rights|and the repository exists\.)$/;
  const lines = stderr.split('\n').filter((l) => l.trim() && !boilerplate.test(l.trim()));
  return tail(lines.join('\n'), 2);
}

/** The remote's refs (`git ls-remote`), ref → object id; the error names the remote without credentials. */
export async function remoteRefs(
  git: Git,
  remote: string,
  patterns: string[] = [],
): Promise<Map<string, string>> {
  checkRemote(remote);
  // `--`: nothing after it is an option, whatever the remote says.
  const r = await git.run(['ls-remote', '--', remote, ...patterns], { allowFailure: true });
  if (r.code !== 0)
    throw new RelengError(
      `git remote ${remote} is not reachable: ${gitComplaint(r.stderr)}; check git-remote in releng.yml and the credentials`,
    );
  const refs = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [oid, ref] = line.split('\t');
    if (!oid || !ref) continue;
    // The server's answer: an object id that is not one would reach git's command line (merge-base).
    if (!OID.test(oid)) checkOid(oid, `git remote ${remote}, ref ${ref.slice(0, 200)}`);
    refs.set(ref, oid);
  }
  return refs;
}

export type RefState = 'absent' | 'same' | 'different' | 'behind' | 'ahead';

export interface RefPush {
  /** The local object (tag object or commit) to push. */
  oid: string;
  ref: string;
  state: RefState;
  remoteOid?: string;
}

/**
 * Where a ref stands on the remote against our object: absent, the same object, an ancestor of ours
 * (`behind`: a fast-forward), a descendant of ours (`ahead`: it has ours already), or something else.
 * An object the checkout does not have counts as `different`.
 */
export async function refState(
  git: Git,
  refs: Map<string, string>,
  ref: string,
  oid: string,
): Promise<RefPush> {
  const remoteOid = refs.get(ref);
  if (!remoteOid) return { oid, ref, state: 'absent' };
  if (remoteOid === oid) return { oid, ref, state: 'same', remoteOid };
  if (await git.ok(['merge-base', '--is-ancestor', remoteOid, oid]))
    return { oid, ref, state: 'behind', remoteOid };
  if (await git.ok(['merge-base', '--is-ancestor', oid, remoteOid]))
    return { oid, ref, state: 'ahead', remoteOid };
  return { oid, ref, state: 'different', remoteOid };
}

/** `git push [-f] REMOTE OID:REF`, with `--dry-run` to check access and refusals without writing. */
export async function pushRef(
  git: Git,
  remote: string,
  oid: string,
  ref: string,
  o: { force?: boolean; dryRun?: boolean } = {},
): Promise<void> {
  checkRemote(remote);
  checkOid(oid, `git push of ${ref}`);
  checkRef(ref);
  const args = [
    'push',
    '--porcelain',
    ...(o.force ? ['--force'] : []),
    ...(o.dryRun ? ['--dry-run'] : []),
    '--',
    remote,
    `${oid}:${ref}`,
  ];
  const r = await git.run(args, { allowFailure: true });
  if (r.code !== 0) {
    // --porcelain puts the refusal and its reason on a `!` line of stdout; stderr only says it failed.
    const refusal = r.stdout.split('\n').find((l) => l.startsWith('!'));
    const reason = refusal?.split('\t').slice(2).join(' ').trim();
    // A hook's own words ("remote: …" lines) say more than its "hook declined".
    const remoteSays = r.stderr
      .split('\n')
      .filter(
        (l) => l.startsWith('remote: ') && l.slice(8).trim() && !/^error: hook declined/.test(l.slice(8)),
      )
      .map((l) => l.slice(8).trim())
      .slice(-2)
      .join(' | ');
    const why = reason
      ? `${reason}${remoteSays ? ` (remote: ${remoteSays})` : ''}`
      : gitComplaint(r.stderr || r.stdout);
    throw new RelengError(
      `git push of ${ref} to ${remote}${o.dryRun ? ' (dry run)' : ''} ${refusal ? 'was rejected' : 'failed'}: ${why}`,
    );
  }
}
