// Hostile and bad git input (issue 16 "option injection into git", issue 14's new keys): a remote that git
// or ssh would read as an option or run as a command, a git-push that is not one, known-hosts that are not
// host keys, an ssh-key that is not a usable key. Each row runs publish (the CLI, from source) against a
// real checkout whose `origin` is a local bare repository — the remote an injected --upload-pack would run
// its command against — and must end with one line, exit 1, no PWNED file anywhere, nothing pushed to any
// remote, the checkout's refs unchanged, no ssh key file left, and no key text shown.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { git, makeBareRemote } from '../../helpers/git.js';
import { gitReleaseCheckout, publishGit, refsOf } from '../../helpers/git-release.js';
import { tmpDir } from '../../helpers/tmp.js';

interface Row {
  name: string;
  /** The staging environment's git keys. */
  environment?: (remote: string) => object;
  /** The ssh-key option. */
  sshKey?: () => string;
  error: RegExp;
}

let key: { private: string; public: string; encrypted: string };

beforeAll(() => {
  const dir = tmpDir('releng-bad-git-keys-');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bad-input', '-f', path.join(dir, 'k')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', path.join(dir, 'e')]);
  key = {
    private: fs.readFileSync(path.join(dir, 'k'), 'utf8'),
    public: fs.readFileSync(path.join(dir, 'k.pub'), 'utf8'),
    encrypted: fs.readFileSync(path.join(dir, 'e'), 'utf8'),
  };
});

const HOST_KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
/** The reproducer: ${IFS} is for the shell git would hand the option to, not a template. */
const UPLOAD_PACK = '--upload-pack=touch$' + '{IFS}PWNED;x@y:z';
const ROWS: Row[] = [
  {
    name: "the issue's reproducer: git-remote --upload-pack=touch$IFS…PWNED;x@y:z",
    environment: () => ({ 'git-remote': UPLOAD_PACK }),
    error:
      /^releng publish: error: \S*releng\.yml:\d+: key 'environments\.staging\.git-remote': '--upload-pack=touch\$\{IFS\}PWNED;x@y:z' is not a git remote: it starts with "-", so git would read it as an option; see docs\/configuration\.md$/,
  },
  {
    name: 'git-remote --receive-pack=touch PWNED (the option push would take)',
    environment: () => ({ 'git-remote': '--receive-pack=touch PWNED' }),
    error: /git-remote': '--receive-pack=touch PWNED' is not a git remote: it starts with "-"/,
  },
  {
    name: 'git-remote ext::sh -c touch% PWNED (a transport helper that runs a command)',
    environment: () => ({ 'git-remote': 'ext::sh -c touch% PWNED' }),
    error: /is not a git remote: a transport helper address \(ext::\), which git would run;/,
  },
  {
    name: 'git-remote fd::3 (a transport helper on a file descriptor)',
    environment: () => ({ 'git-remote': 'fd::3' }),
    error: /is not a git remote: a transport helper address \(fd::\)/,
  },
  {
    name: 'git-remote ssh://-oProxyCommand=touch%20PWNED/x (an ssh option as the host)',
    environment: () => ({ 'git-remote': 'ssh://-oProxyCommand=touch%20PWNED/x' }),
    error: /is not a git remote: its host starts with "-", so ssh would read it as an option;/,
  },
  {
    name: 'git-remote git@-oProxyCommand=touch$IFS\\PWNED:repo (scp-like, an ssh option as the host)',
    environment: () => ({ 'git-remote': 'git@-oProxyCommand=touch$IFS\\PWNED:repo' }),
    error: /is not a git remote: its host starts with "-"/,
  },
  {
    name: 'git-remote -oProxyCommand=x@host:repo (scp-like, an ssh option as the user)',
    environment: () => ({ 'git-remote': 'ssh://-oProxyCommand=touch%20PWNED@host/repo' }),
    error: /is not a git remote: its user starts with "-"/,
  },
  {
    name: 'git-remote with a newline (a second line of output, a second argument)',
    environment: () => ({ 'git-remote': '/tmp/x.git\n--upload-pack=touch PWNED' }),
    error: /is not a git remote: a control character;/,
  },
  {
    name: 'git-remote over a transport git should not use (gopher://)',
    environment: () => ({ 'git-remote': 'gopher://host/repo' }),
    error: /is not a git remote: the transport gopher:\/\//,
  },
  {
    name: 'git-push: force (not a way to push)',
    environment: (remote) => ({ 'git-remote': remote, 'git-push': 'force' }),
    error: /key 'environments\.staging\.git-push': 'force' is not a way to push; use one of direct, gerrit;/,
  },
  {
    name: 'known-hosts: a host name alone',
    environment: (remote) => ({ 'git-remote': remote, 'known-hosts': 'github.com' }),
    error:
      /key 'environments\.staging\.known-hosts': line 1 is not a known_hosts line: not a known_hosts line \(HOST KEYTYPE BASE64, as ssh-keyscan prints it\)/,
  },
  {
    name: 'known-hosts: a key of another type than it says',
    environment: (remote) => ({ 'git-remote': remote, 'known-hosts': [`github.com ssh-rsa ${HOST_KEY}`] }),
    error: /known-hosts': line 1 is not a known_hosts line: the key is not a ssh-rsa key/,
  },
  {
    name: 'known-hosts: a key type ssh does not know',
    environment: (remote) => ({ 'git-remote': remote, 'known-hosts': `github.com ssh-foo ${HOST_KEY}` }),
    error: /known-hosts': line 1 is not a known_hosts line: the key type 'ssh-foo' is not one ssh knows/,
  },
  {
    name: 'known-hosts: empty',
    environment: (remote) => ({ 'git-remote': remote, 'known-hosts': [] }),
    error: /known-hosts': no known_hosts line in it/,
  },
  {
    name: 'ssh-key: text that is not a key',
    environment: (remote) => ({ 'git-remote': remote }),
    sshKey: () => 'this-is-not-a-key-but-long-enough',
    error: /^releng publish: error: input 'ssh-key' is not usable: it is not a private key in PEM form/,
  },
  {
    name: 'ssh-key: shorter than a secret may be',
    environment: (remote) => ({ 'git-remote': remote }),
    sshKey: () => 'abc',
    error: /^releng publish: error: input 'ssh-key' is 3 characters long: a secret must have at least 8/,
  },
  {
    name: 'ssh-key: the public key instead of the private one',
    environment: (remote) => ({ 'git-remote': remote }),
    sshKey: () => key.public,
    error: /input 'ssh-key' is not usable: it is a public key/,
  },
  {
    name: 'ssh-key: a private key cut short',
    environment: (remote) => ({ 'git-remote': remote }),
    sshKey: () => {
      const lines = key.private.trim().split('\n');
      return [lines[0], lines[1], lines.at(-1)].join('\n');
    },
    error: /input 'ssh-key' is not usable: it is \d+ bytes long: too short for a private key/,
  },
  {
    name: 'ssh-key: encrypted with a passphrase',
    environment: (remote) => ({ 'git-remote': remote }),
    sshKey: () => key.encrypted,
    error: /input 'ssh-key' is not usable: it is encrypted with a passphrase, which a runner cannot type/,
  },
];

/** Every PWNED file under these directories. */
function pwned(dirs: string[]): string[] {
  return dirs.flatMap((d) =>
    (fs.readdirSync(d, { recursive: true }) as string[])
      .filter((f) => path.basename(f) === 'PWNED')
      .map((f) => path.join(d, f)),
  );
}

describe('bad and hostile git input: refused in one line, nothing run, nothing pushed', () => {
  test.each(ROWS)(
    '$name',
    async (row) => {
      const remote = makeBareRemote();
      const origin = makeBareRemote();
      const dir = gitReleaseCheckout({ staging: row.environment?.(remote) ?? { 'git-remote': remote } });
      git(dir, 'remote', 'add', 'origin', origin);
      git(dir, 'push', '-q', 'origin', 'main');
      const before = { remote: refsOf(remote), origin: refsOf(origin), checkout: git(dir, 'show-ref') };
      const runnerTemp = tmpDir('releng-bad-git-temp-');
      const sshKey = row.sshKey?.();
      const r = await publishGit(dir, 'staging', {
        args: sshKey === undefined ? [] : ['--ssh-key', sshKey],
        env: { RUNNER_TEMP: runnerTemp },
      });
      const text = r.stdout + r.stderr;
      // First what must never happen: a command run, a ref pushed.
      expect(pwned([dir, remote, origin, runnerTemp, process.cwd()])).toEqual([]);
      expect({ remote: refsOf(remote), origin: refsOf(origin), checkout: git(dir, 'show-ref') }).toEqual(
        before,
      );
      const errors = text.split('\n').filter((l) => l.startsWith('releng publish: error:'));
      expect(r.status, text).toBe(1);
      expect(errors, text).toHaveLength(1);
      expect(errors[0]).toMatch(row.error);
      expect(fs.readdirSync(runnerTemp)).toEqual([]);
      // The key's text never shown (its lines neither), whatever was wrong with it.
      if (sshKey && sshKey.length >= 8)
        for (const line of sshKey.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----')))
          expect(text).not.toContain(line);
    },
    60_000,
  );
});
