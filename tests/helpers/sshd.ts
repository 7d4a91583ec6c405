// A real sshd (Debian's openssh-server) on loopback, for the ssh remote tests: a non-daemon child on a free
// port with its own host key, key-only auth against an authorized_keys file of its own, everything in a
// temp dir. Tests run as root, so StrictModes is off (the temp dir is not root's home) and root may log in
// with a key (never a password). The client's key pair and the known_hosts line are made here too.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './net.js';
import { tmpDir } from './tmp.js';

export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** The client's private key (OpenSSH PEM), the one authorized_keys lets in. */
  clientKey: string;
  /** `[127.0.0.1]:PORT ssh-ed25519 …`: the host key as known_hosts has it. */
  knownHosts: string;
  /** `ssh://USER@127.0.0.1:PORT/ABSOLUTE-PATH`. */
  url(repoPath: string): string;
  /** What sshd logged so far (auth lines: "Accepted publickey for …"). */
  log(): string;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function startSshd(): Promise<Sshd> {
  if (!fs.existsSync(SSHD))
    throw new Error(`${SSHD} is missing: run scripts/setup-test-env (openssh-server)`);
  const dir = tmpDir('releng-sshd-');
  keygen(path.join(dir, 'host_ed25519'), 'releng-test-host');
  keygen(path.join(dir, 'client'), 'releng-test-client');
  fs.copyFileSync(path.join(dir, 'client.pub'), path.join(dir, 'authorized_keys'));
  const port = await freePort();
  const user = os.userInfo().username;
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_ed25519')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'AuthenticationMethods publickey',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  // Debian's sshd wants its privilege separation directory.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let log = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  await waitForPort(port, 'sshd', child, () => log);
  const hostKey = fs.readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(' ');
  return {
    host: '127.0.0.1',
    port,
    user,
    clientKey: fs.readFileSync(path.join(dir, 'client'), 'utf8'),
    knownHosts: `[127.0.0.1]:${port} ${hostKey[0]} ${hostKey[1]}`,
    url: (repoPath) => `ssh://${user}@127.0.0.1:${port}${repoPath}`,
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
