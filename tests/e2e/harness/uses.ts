/**
 * What a `uses:` names, as each forge reads it, and where the harness finds it. A remote action or
 * reusable workflow resolves to a repository the test registered (`remotes`: `host/owner/repo` → a git
 * repository on this machine), unpacked at the named ref into a temp dir — so a consumer workflow runs as
 * written, with this suite at the tag it names.
 *
 * - GitHub: `owner/repo[/path]@ref` is github.com; URLs are refused (GitHub does not accept them).
 * - Forgejo: `https://host/owner/repo[/path]@ref` is that host; `owner/repo[/path]@ref` is the
 *   instance's DEFAULT_ACTIONS_URL (data.forgejo.org), never the instance itself. A reusable workflow
 *   is `owner/repo/.forgejo/workflows/x.yml@ref` on the same instance (Forgejo ≥ 15 expands it into jobs);
 *   the URL form is refused, as Forgejo refuses it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from './expressions.js';
import type { Forge } from './toolsets.js';

export const FORGEJO_DEFAULT_ACTIONS_HOST = 'data.forgejo.org';

export interface RemoteRef {
  /** `host/owner/repo`, the key of `remotes`. */
  repository: string;
  /** Inside the repository ('' for its root). */
  path: string;
  ref: string;
}

export type Uses =
  | { kind: 'local'; path: string }
  | { kind: 'remote'; remote: RemoteRef }
  | { kind: 'builtin'; action: 'checkout' | 'upload-artifact' | 'download-artifact' };

const REMOTE = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)((?:\/[^@]+)?)@([^@\s]+)$/;
const URL_REMOTE = /^https:\/\/([^/]+)\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)((?:\/[^@]+)?)@([^@\s]+)$/;

function remote(host: string, owner: string, repo: string, sub: string, ref: string): RemoteRef {
  return { repository: `${host}/${owner}/${repo}`, path: sub.replace(/^\//, ''), ref };
}

/** A step's `uses:`. */
export function parseStepUses(uses: string, forge: Forge): Uses {
  if (uses.startsWith('./')) return { kind: 'local', path: uses };
  if (uses.startsWith('docker://')) throw new HarnessError(`uses: ${uses}: docker actions are not supported`);
  let r: RemoteRef;
  const url = URL_REMOTE.exec(uses);
  if (url) {
    if (forge === 'github')
      throw new HarnessError(`uses: ${uses}: GitHub does not accept a URL here; write owner/repo/path@ref`);
    r = remote(url[1]!, url[2]!, url[3]!, url[4]!, url[5]!);
  } else {
    const m = REMOTE.exec(uses);
    if (!m) throw new HarnessError(`uses: ${uses}: not owner/repo[/path]@ref`);
    r = remote(forge === 'github' ? 'github.com' : FORGEJO_DEFAULT_ACTIONS_HOST, m[1]!, m[2]!, m[3]!, m[4]!);
  }
  const builtin = builtinAction(r, uses, forge);
  return builtin ? { kind: 'builtin', action: builtin } : { kind: 'remote', remote: r };
}

/**
 * The actions the harness performs itself: checkout (a git clone of the test's repository) and the
 * artifact pair (copies within the run). GitHub's artifact actions v4 refuse any other host, so Forgejo
 * has its forks; each forge gets only its own.
 */
type Builtin = (Uses & { kind: 'builtin' })['action'];

function builtinAction(r: RemoteRef, uses: string, forge: Forge): Builtin | undefined {
  if (r.path !== '' || !/^v\d+$/.test(r.ref)) return undefined;
  const [host, owner, repo] = r.repository.split('/') as [string, string, string];
  const forgejoHost = host === FORGEJO_DEFAULT_ACTIONS_HOST || host === 'code.forgejo.org';
  if (
    owner === 'actions' &&
    repo === 'checkout' &&
    (forge === 'github' ? host === 'github.com' : forgejoHost)
  )
    return 'checkout';
  const artifact = repo === 'upload-artifact' || repo === 'download-artifact' ? repo : undefined;
  if (!artifact) return undefined;
  if (r.ref !== 'v4') throw new HarnessError(`uses: ${uses}: the harness knows the artifact actions v4 only`);
  if (forge === 'github' && host === 'github.com' && owner === 'actions') return artifact;
  if (forge === 'forgejo' && forgejoHost && owner === 'forgejo') return artifact;
  if (forge === 'forgejo' && owner === 'actions')
    throw new HarnessError(
      `uses: ${uses}: GitHub's ${artifact}@v4 refuses Forgejo (GHESNotSupportedError); use https://code.forgejo.org/forgejo/${artifact}@v4`,
    );
  throw new HarnessError(`uses: ${uses}: not an artifact action of ${forge}`);
}

/** A job's `uses:` (a reusable workflow). `serverHost`: the forge's own host, for Forgejo's short form. */
export function parseWorkflowUses(uses: string, forge: Forge, serverHost: string): Uses {
  const dir = forge === 'github' ? '.github/workflows/' : '.forgejo/workflows/';
  const check = (p: string) => {
    if (!p.startsWith(dir) || !/^[^/]+\.ya?ml$/.test(p.slice(dir.length)))
      throw new HarnessError(`uses: ${uses}: a reusable workflow of ${forge} is a file in ${dir}`);
  };
  if (uses.startsWith('./')) {
    check(uses.slice(2));
    return { kind: 'local', path: uses.slice(2) };
  }
  if (/^https?:\/\//.test(uses))
    throw new HarnessError(`uses: ${uses}: a reusable workflow is owner/repo/${dir}FILE@ref, not a URL`);
  const m = REMOTE.exec(uses);
  if (!m?.[3]) throw new HarnessError(`uses: ${uses}: not owner/repo/${dir}FILE@ref`);
  const r = remote(forge === 'github' ? 'github.com' : serverHost, m[1]!, m[2]!, m[3], m[4]!);
  check(r.path);
  return { kind: 'remote', remote: r };
}

/** Remote repositories at refs, unpacked once per run. */
export class Remotes {
  private readonly unpacked = new Map<string, string>();

  constructor(
    private readonly repositories: Record<string, string>,
    private readonly dir: string,
  ) {}

  /** The directory of `r.repository` at `r.ref` (its root; `r.path` is the caller's to join). */
  root(r: RemoteRef, uses: string): string {
    const key = `${r.repository}@${r.ref}`;
    const known = this.unpacked.get(key);
    if (known) return known;
    const repo = this.repositories[r.repository];
    if (!repo)
      throw new HarnessError(
        `uses: ${uses}: ${r.repository} is not a repository of this harness (known: ${Object.keys(this.repositories).join(', ') || 'none'})`,
      );
    let commit: string;
    try {
      commit = execFileSync('git', ['rev-parse', '--verify', '-q', `${r.ref}^{commit}`], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    } catch {
      throw new HarnessError(`uses: ${uses}: ${r.repository} has no ref '${r.ref}'`);
    }
    const dest = path.join(this.dir, `${r.repository.replace(/\//g, '_')}@${r.ref}`);
    fs.mkdirSync(dest, { recursive: true });
    const tar = `${dest}.tar`;
    execFileSync('git', ['archive', '--format=tar', '-o', tar, commit], { cwd: repo });
    execFileSync('tar', ['-xf', tar, '-C', dest]);
    fs.rmSync(tar);
    this.unpacked.set(key, dest);
    return dest;
  }
}
