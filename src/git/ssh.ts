/**
 * SSH from a runner: the `ssh-key` input (a private key, a secret) and an environment's `known-hosts`
 * (releng.yml) become a private temp directory — 0700, under RUNNER_TEMP when set — holding the key
 * (0600), a known_hosts file and an `ssh` wrapper, removed by `close()` (and, after a kill, by the next
 * run: src/nix/work-dir.ts). git gets them through GIT_SSH_COMMAND; the S3 credentials-command (Lix asks
 * its Garage host over ssh for an ephemeral key) finds the wrapper first on its PATH, so a plain
 * `ssh user@host …` in it uses the same key and host keys. Host keys are always checked
 * (StrictHostKeyChecking=yes): with known-hosts, against those lines only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { makeWorkDir, removeOnSignal } from '../nix/work-dir.js';

/** The smallest private key there is (an ed25519 openssh-key-v1 blob) is ~230 bytes; less is cut short. */
const MIN_KEY_BYTES = 128;
const PEM =
  /^-----BEGIN ((?:OPENSSH|RSA|EC|DSA) )?PRIVATE KEY-----\n([\s\S]*?)\n?-----END \1PRIVATE KEY-----$/;

/** Why `key` is not a usable private key for a runner (never quoting it), or undefined. */
export function sshKeyProblem(key: string): string | undefined {
  const text = normaliseKey(key);
  if (/^(ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+/.test(text))
    return 'it is a public key (ssh-… AAAA…); pass the private key (-----BEGIN OPENSSH PRIVATE KEY-----…)';
  const m = PEM.exec(text);
  if (!m) return 'it is not a private key in PEM form (-----BEGIN OPENSSH PRIVATE KEY----- … -----END …)';
  if (/Proc-Type:\s*4,ENCRYPTED/.test(m[2]!) || text.includes('BEGIN ENCRYPTED'))
    return 'it is encrypted with a passphrase, which a runner cannot type; use a key without one';
  const body = m[2]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return 'its body is not base64';
  const blob = Buffer.from(body, 'base64');
  if (blob.length < MIN_KEY_BYTES)
    return `it is ${blob.length} bytes long: too short for a private key (cut short?)`;
  if (m[1] === 'OPENSSH ') {
    const magic = 'openssh-key-v1\0';
    if (blob.subarray(0, magic.length).toString('latin1') !== magic) return 'it is not an openssh-key-v1 key';
    const len = blob.readUInt32BE(magic.length);
    const cipher = blob.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1');
    if (cipher !== 'none')
      return 'it is encrypted with a passphrase, which a runner cannot type; use a key without one';
  }
  return undefined;
}

/** Throws one line naming the input (never quoting the key) when it is not usable. */
export function checkSshKey(key: string): void {
  const problem = sshKeyProblem(key);
  if (problem) throw new RelengError(`input 'ssh-key' is not usable: ${problem}`);
}

/** Secrets pasted from elsewhere: CRLF line ends, surrounding blank lines. */
function normaliseKey(key: string): string {
  return key.replace(/\r\n?/g, '\n').trim();
}

/** Key types ssh accepts in known_hosts. */
const HOST_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/**
 * Why a known_hosts line is not one (`[@marker] HOSTS KEYTYPE BASE64 [comment]`, the key's blob naming
 * its own type), or undefined. Blank lines and `#` comments pass.
 */
export function knownHostsLineProblem(line: string): string | undefined {
  if (line.trim() === '' || line.trim().startsWith('#')) return undefined;
  if (/[\0-\x08\x0a-\x1f\x7f]/.test(line)) return 'a control character';
  const parts = line.trim().split(/[ \t]+/);
  if (parts[0] === '@cert-authority' || parts[0] === '@revoked') parts.shift();
  const [hosts, type, key] = parts;
  if (!hosts || !type || !key)
    return 'not a known_hosts line (HOST KEYTYPE BASE64, as ssh-keyscan prints it)';
  if (hosts.startsWith('@')) return `the unknown marker ${hosts.split(/\s/)[0]}`;
  if (!HOST_KEY_TYPES.has(type)) return `the key type '${type.slice(0, 40)}' is not one ssh knows`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) return 'the key is not base64';
  const blob = Buffer.from(key, 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len < 0 || blob.subarray(4, 4 + len).toString('latin1') !== type) return `the key is not a ${type} key`;
  return undefined;
}

export interface SshOptions {
  /** The private key (the `ssh-key` input), already registered as a secret. */
  key?: string;
  /** The environment's known_hosts lines (releng.yml `known-hosts`). */
  knownHosts?: readonly string[];
  processEnv: NodeJS.ProcessEnv;
  log: Logger;
}

export interface SshSession {
  /** For git: GIT_SSH_COMMAND (empty without key and known-hosts: ssh as the runner has it). */
  gitEnv: Record<string, string>;
  /** For commands of releng.yml (s3.credentials-command): the wrapper first on PATH, RELENG_SSH_COMMAND. */
  commandEnv: Record<string, string>;
  /** The private directory, while open. */
  dir?: string;
  /** Removes the directory (key included); safe to call twice. */
  close(): void;
}

/** Single-quoted for sh (GIT_SSH_COMMAND and the wrapper go through a shell). */
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Sets up ssh for the run; with neither key nor known-hosts, nothing (the runner's own ssh setup). */
export function openSsh(o: SshOptions): SshSession {
  if (!o.key && !o.knownHosts?.length) return { gitEnv: {}, commandEnv: {}, close() {} };
  if (o.key) checkSshKey(o.key);
  const ssh = findProgram('ssh', o.processEnv.PATH ?? '');
  if (!ssh)
    throw new RelengError(
      'ssh-key/known-hosts need ssh, which is not on PATH; install openssh-client on the runner',
    );
  const dir = makeWorkDir('releng-ssh', o.processEnv);
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  // A cancelled job (SIGINT, SIGTERM) takes the key with it; a killed one leaves it to the next run.
  const forget = removeOnSignal(remove);
  try {
    fs.chmodSync(dir, 0o700);
    const args = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
    if (o.key) {
      const keyFile = path.join(dir, 'key');
      fs.writeFileSync(keyFile, `${normaliseKey(o.key)}\n`, { mode: 0o600, flag: 'wx' });
      args.unshift('-i', keyFile, '-o', 'IdentitiesOnly=yes');
    }
    if (o.knownHosts?.length) {
      const file = path.join(dir, 'known_hosts');
      fs.writeFileSync(file, `${o.knownHosts.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
      // ssh splits this option's value at spaces (several files) unless it is double-quoted.
      if (file.includes('"'))
        throw new RelengError(`RUNNER_TEMP ${path.dirname(dir)}: a '"' in it; ssh cannot name a file there`);
      args.push('-o', `UserKnownHostsFile="${file}"`, '-o', 'GlobalKnownHostsFile=/dev/null');
    }
    const command = [ssh, ...args].map(shQuote).join(' ');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { mode: 0o700 });
    fs.writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o700, flag: 'wx' });
    o.log.debug(
      `ssh: ${o.key ? 'the ssh-key input' : "the runner's keys"}${o.knownHosts?.length ? ', known-hosts of releng.yml' : ''}`,
    );
    let open = true;
    return {
      dir,
      gitEnv: { GIT_SSH_COMMAND: command, GIT_SSH_VARIANT: 'ssh' },
      commandEnv: {
        GIT_SSH_COMMAND: command,
        RELENG_SSH_COMMAND: command,
        PATH: `${bin}${path.delimiter}${o.processEnv.PATH ?? ''}`,
      },
      close() {
        if (!open) return;
        open = false;
        forget();
        remove();
      },
    };
  } catch (e) {
    forget();
    remove();
    throw e;
  }
}

/** The first executable `name` on PATH. */
function findProgram(name: string, searchPath: string): string | undefined {
  for (const d of searchPath.split(path.delimiter)) {
    if (!d) continue;
    const file = path.join(d, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
