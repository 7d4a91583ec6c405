import { RelengError } from '../errors.js';
import { type ExecResult, run } from '../exec.js';
import type { Logger } from '../log.js';
import { ALLOWED_PROTOCOLS } from './remote.js';

export interface GitIdentity {
  name: string;
  email: string;
}

/** A git working copy. Commands run without a shell; identity is passed per command, never configured globally. */
export class Git {
  constructor(
    readonly dir: string,
    readonly log?: Logger,
    readonly identity?: GitIdentity,
    /** Added to git's environment: the ssh setup of src/git/ssh.ts (GIT_SSH_COMMAND). */
    readonly extraEnv: Record<string, string> = {},
  ) {}

  /**
   * git's environment: never prompting, C locale (messages are parsed), only the transports a remote may
   * use (no ext:: or fd:: helpers, whatever a config says), the identity when given.
   */
  private gitEnv(): NodeJS.ProcessEnv {
    const gitEnv: NodeJS.ProcessEnv = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      LC_ALL: 'C',
      GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS.join(':'),
      ...this.extraEnv,
    };
    if (this.identity) {
      gitEnv.GIT_AUTHOR_NAME = gitEnv.GIT_COMMITTER_NAME = this.identity.name;
      gitEnv.GIT_AUTHOR_EMAIL = gitEnv.GIT_COMMITTER_EMAIL = this.identity.email;
    }
    return gitEnv;
  }

  async run(args: string[], opts: { allowFailure?: boolean; input?: string } = {}): Promise<ExecResult> {
    return run('git', args, { cwd: this.dir, env: this.gitEnv(), log: this.log, ...opts });
  }

  async out(args: string[]): Promise<string> {
    return (await this.run(args)).stdout.trim();
  }

  async ok(args: string[]): Promise<boolean> {
    return (await this.run(args, { allowFailure: true })).code === 0;
  }

  async isRepo(): Promise<boolean> {
    return this.ok(['rev-parse', '--git-dir']);
  }

  async head(): Promise<string> {
    return this.out(['rev-parse', 'HEAD']);
  }

  /** The current branch, or undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    const r = await this.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  async tagExists(tag: string): Promise<boolean> {
    return this.ok(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`]);
  }

  /** Staged changes and modified tracked files (untracked files do not count, as in the reference). */
  async dirtyFiles(): Promise<string[]> {
    const out = (await this.run(['status', '--porcelain', '--untracked-files=no'])).stdout;
    return out.split('\n').filter((l) => l.trim() !== '');
  }

  async describeTags(): Promise<string | undefined> {
    const r = await this.run(['describe', '--tags'], { allowFailure: true });
    return r.code === 0 ? r.stdout.trim() : undefined;
  }

  /** The reference's precondition for build and publish: HEAD is exactly the tag, and the tree is clean. */
  async checkOnTag(version: string): Promise<void> {
    const described = await this.describeTags();
    if (described !== version)
      throw new RelengError(
        `${this.dir}: HEAD is not on tag ${version} (git describe --tags says ${described ?? 'nothing'}); check out the tag, or pass no-check-git`,
      );
    await this.checkClean();
  }

  async checkClean(): Promise<void> {
    const dirty = await this.dirtyFiles();
    if (dirty.length > 0)
      throw new RelengError(
        `${this.dir}: the working tree has uncommitted changes (${dirty
          .slice(0, 3)
          .map((l) => l.trim())
          .join(', ')}${dirty.length > 3 ? ', …' : ''}); commit or stash them, or pass no-check-git`,
      );
  }
}

/** Git identity: inputs, else the forge actor (GITHUB_ACTOR / Forgejo's), else a tool identity. */
export function identityFrom(
  name: string | undefined,
  email: string | undefined,
  processEnv: NodeJS.ProcessEnv,
): GitIdentity {
  const actor = processEnv.GITHUB_ACTOR || processEnv.FORGEJO_ACTOR;
  return {
    name: name ?? actor ?? 'releng',
    email: email ?? (actor ? `${actor}@users.noreply.${forgeHost(processEnv)}` : 'releng@localhost'),
  };
}

function forgeHost(processEnv: NodeJS.ProcessEnv): string {
  try {
    return new URL(processEnv.GITHUB_SERVER_URL ?? 'https://github.com').host;
  } catch {
    return 'github.com';
  }
}
