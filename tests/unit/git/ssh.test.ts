// src/git/ssh.ts: which keys and known_hosts lines are usable, and the private temp dir a run's ssh uses —
// its modes, what git and the credentials command get (checked with `ssh -G`, which prints the options ssh
// would use without connecting), and that it is gone after close().
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { knownHostsLineProblem, openSsh, sshKeyProblem } from '../../../src/git/ssh.js';
import { ROOT } from '../../helpers/action.js';
import { recordingLogger } from '../../helpers/publish-fixture.js';
import { tmpDir } from '../../helpers/tmp.js';

const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

let keys: { ed25519: string; pub: string; rsaPem: string; encrypted: string };

beforeAll(() => {
  const dir = tmpDir('releng-ssh-unit-');
  const gen = (name: string, ...args: string[]) => {
    execFileSync('ssh-keygen', ['-q', '-N', '', ...args, '-f', path.join(dir, name)]);
    return fs.readFileSync(path.join(dir, name), 'utf8');
  };
  keys = {
    ed25519: gen('ed', '-t', 'ed25519'),
    pub: fs.readFileSync(path.join(dir, 'ed.pub'), 'utf8'),
    rsaPem: gen('rsa', '-t', 'rsa', '-b', '2048', '-m', 'PEM'),
    encrypted: (() => {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', path.join(dir, 'enc')]);
      return fs.readFileSync(path.join(dir, 'enc'), 'utf8');
    })(),
  };
});

describe('ssh keys', () => {
  test('usable: an OpenSSH key, a PEM RSA key, one pasted with CRLF line ends', () => {
    expect(sshKeyProblem(keys.ed25519)).toBeUndefined();
    expect(sshKeyProblem(keys.rsaPem)).toBeUndefined();
    expect(sshKeyProblem(keys.ed25519.replace(/\n/g, '\r\n'))).toBeUndefined();
  });

  test('refused, never quoting the key: not a key, a public key, cut short, encrypted', () => {
    expect(sshKeyProblem('just some text')).toMatch(/^it is not a private key in PEM form/);
    expect(sshKeyProblem(keys.pub)).toMatch(/^it is a public key/);
    const lines = keys.ed25519.trim().split('\n');
    expect(sshKeyProblem([lines[0], lines[1], lines.at(-1)].join('\n'))).toMatch(
      /^it is \d+ bytes long: too short for a private key/,
    );
    expect(sshKeyProblem(keys.encrypted)).toMatch(/^it is encrypted with a passphrase/);
    expect(sshKeyProblem(keys.ed25519.replace(/\n([A-Za-z0-9+/]{10})/, '\n$1!'))).toBe(
      'its body is not base64',
    );
    for (const k of [keys.pub, keys.encrypted, 'just some text'])
      for (const line of k.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')))
        expect(sshKeyProblem(k)).not.toContain(line);
  });
});

describe('known_hosts lines', () => {
  test('as ssh-keyscan prints them, hashed or with a marker; comments and blank lines pass', () => {
    const [type, blob] = keys.pub.split(' ');
    expect(knownHostsLineProblem(`git.lix.systems ${type} ${blob}`)).toBeUndefined();
    expect(
      knownHostsLineProblem(`[gerrit.lix.systems]:2022,1.2.3.4 ${type} ${blob} a comment`),
    ).toBeUndefined();
    expect(knownHostsLineProblem(`|1|abc=|def= ${type} ${blob}`)).toBeUndefined();
    expect(knownHostsLineProblem(`@cert-authority *.example.org ${type} ${blob}`)).toBeUndefined();
    expect(knownHostsLineProblem('# a comment')).toBeUndefined();
    expect(knownHostsLineProblem('')).toBeUndefined();
  });

  test('refused: a host alone, an unknown key type, a key of another type, not base64, a marker ssh lacks', () => {
    const [type, blob] = keys.pub.split(' ');
    expect(knownHostsLineProblem('github.com')).toMatch(/^not a known_hosts line/);
    expect(knownHostsLineProblem(`h ssh-foo ${blob}`)).toBe("the key type 'ssh-foo' is not one ssh knows");
    expect(knownHostsLineProblem(`h ssh-rsa ${blob}`)).toBe('the key is not a ssh-rsa key');
    expect(knownHostsLineProblem(`h ${type} not*base64`)).toBe('the key is not base64');
    expect(knownHostsLineProblem(`@trusted h ${type} ${blob}`)).toMatch(/^the unknown marker @trusted/);
  });
});

/** The options ssh would use for `host` when run as `command` (a wrapper or GIT_SSH_COMMAND), without connecting. */
function sshOptions(command: string, env: NodeJS.ProcessEnv = {}): Map<string, string> {
  const out = execFileSync('sh', ['-c', `${command} -G example.org`], {
    encoding: 'utf8',
    env: { ...process.env, HOME: tmpDir('releng-ssh-home-'), ...env },
  });
  return new Map(out.split('\n').map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]));
}

describe('openSsh', () => {
  test('neither key nor known-hosts: nothing made, ssh as the runner has it', () => {
    const temp = tmpDir('releng-ssh-temp-');
    const s = openSsh({ processEnv: { ...process.env, RUNNER_TEMP: temp }, log: recordingLogger() });
    expect(s).toMatchObject({ gitEnv: {}, commandEnv: {} });
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  test('a 0700 dir under RUNNER_TEMP (even one with a quote in its name), the key 0600, strict host keys; gone after close()', () => {
    const temp = path.join(tmpDir('releng-ssh-temp-'), "it's here");
    fs.mkdirSync(temp);
    const [type, blob] = keys.pub.split(' ');
    const knownHosts = [`[127.0.0.1]:2222 ${type} ${blob}`];
    const s = openSsh({
      key: keys.ed25519,
      knownHosts,
      processEnv: { ...process.env, RUNNER_TEMP: temp },
      log: recordingLogger(),
    });
    const dir = s.dir!;
    expect(path.dirname(dir)).toBe(temp);
    expect(path.basename(dir)).toMatch(new RegExp(`^releng-ssh-${process.pid}-`));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const keyFile = path.join(dir, 'key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keys.ed25519);
    expect(fs.readFileSync(path.join(dir, 'known_hosts'), 'utf8')).toBe(`${knownHosts[0]}\n`);

    for (const command of [s.gitEnv.GIT_SSH_COMMAND!, 'ssh']) {
      const o = sshOptions(command, command === 'ssh' ? { PATH: s.commandEnv.PATH } : {});
      expect(o.get('identityfile')).toBe(keyFile);
      expect(o.get('identitiesonly')).toBe('yes');
      expect(o.get('stricthostkeychecking')).toBe('true');
      expect(o.get('batchmode')).toBe('yes');
      expect(o.get('userknownhostsfile')).toBe(path.join(dir, 'known_hosts'));
    }
    expect(s.commandEnv.RELENG_SSH_COMMAND).toBe(s.gitEnv.GIT_SSH_COMMAND);
    s.close();
    expect(fs.existsSync(dir)).toBe(false);
    s.close();
  });

  test('known-hosts without a key: the runner own keys, host keys from releng.yml only', () => {
    const [type, blob] = keys.pub.split(' ');
    const s = openSsh({
      knownHosts: [`h ${type} ${blob}`],
      processEnv: { ...process.env, RUNNER_TEMP: tmpDir('releng-ssh-temp-') },
      log: recordingLogger(),
    });
    try {
      expect(fs.existsSync(path.join(s.dir!, 'key'))).toBe(false);
      const o = sshOptions(s.gitEnv.GIT_SSH_COMMAND!);
      expect(o.get('identitiesonly')).toBe('no');
      expect(o.get('userknownhostsfile')).toBe(path.join(s.dir!, 'known_hosts'));
      expect(o.get('globalknownhostsfile')).toBe('/dev/null');
    } finally {
      s.close();
    }
  });

  test('an unusable key: one line naming the input, nothing left in RUNNER_TEMP', () => {
    const temp = tmpDir('releng-ssh-temp-');
    expect(() =>
      openSsh({ key: keys.pub, processEnv: { ...process.env, RUNNER_TEMP: temp }, log: recordingLogger() }),
    ).toThrow(/^input 'ssh-key' is not usable: it is a public key/);
    expect(fs.readdirSync(temp)).toEqual([]);
  });

  test('no ssh on PATH: one line saying what to install', () => {
    expect(() =>
      openSsh({
        key: keys.ed25519,
        processEnv: { PATH: tmpDir('releng-empty-path-'), RUNNER_TEMP: tmpDir('releng-ssh-temp-') },
        log: recordingLogger(),
      }),
    ).toThrow(/install openssh-client on the runner$/);
  });

  test.each(['SIGTERM', 'SIGINT'] as const)(
    'a cancelled run (%s) takes the key with it and dies of the signal',
    async (signal) => {
      const temp = tmpDir('releng-ssh-temp-');
      const keyFile = path.join(tmpDir('releng-ssh-keyfile-'), 'k');
      fs.writeFileSync(keyFile, keys.ed25519);
      const script = `
      import fs from 'node:fs';
      import { openSsh } from ${JSON.stringify(path.join(ROOT, 'src/git/ssh.ts'))};
      const s = openSsh({ key: fs.readFileSync(process.argv.at(-1), 'utf8'), processEnv: process.env, log: { debug() {} } });
      console.log(s.dir);
      setInterval(() => {}, 1000);
    `;
      const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script, keyFile], {
        env: { ...process.env, RUNNER_TEMP: temp },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const dir = await new Promise<string>((resolve) =>
        child.stdout!.once('data', (d) => resolve(String(d).trim())),
      );
      expect(fs.existsSync(path.join(dir, 'key'))).toBe(true);
      const exit = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('close', (_, sig) => resolve(sig)),
      );
      child.kill(signal);
      expect(await exit).toBe(signal);
      expect(fs.readdirSync(temp)).toEqual([]);
    },
    30_000,
  );
});
