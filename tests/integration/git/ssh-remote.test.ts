// An ssh git-remote from a runner: a real sshd on loopback (tests/helpers/sshd.ts, key-only), publish run
// as the action (from source: INPUT_*, RUNNER_TEMP) with the `ssh-key` input and the environment's
// `known-hosts`, and a HOME without any ssh setup — so only the input's key can get in. The tag (and
// branches) arrive over ssh; the key's temp directory is gone afterwards, on success and on failure; the key
// is registered for masking and shown nowhere. The S3 credentials-command gets the same ssh (Lix asks its
// Garage host over ssh for an ephemeral key): a plain `ssh -p PORT user@host cat FILE` in it uses the key.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { dockerMultiarch } from '../../../src/stages/docker-multiarch.js';
import { syntheticLayers, writeDockerArchive } from '../../helpers/docker-archive.js';
import { dockerOptions } from '../../helpers/docker-options.js';
import { git, makeBareRemote, makeRepo } from '../../helpers/git.js';
import { GIT_ONLY, gitReleaseCheckout, refsOf, VERSION } from '../../helpers/git-release.js';
import { recordingLogger, runActionAsync } from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { type Sshd, startSshd } from '../../helpers/sshd.js';
import { tmpDir } from '../../helpers/tmp.js';

let sshd: Sshd;
let s3: S3Server;

beforeAll(async () => {
  [sshd, s3] = await Promise.all([startSshd(), startS3(['releases'])]);
}, 60_000);
afterAll(async () => {
  await Promise.all([sshd?.stop(), s3?.stop()]);
});

/** A runner's environment: its own RUNNER_TEMP, a HOME with no ~/.ssh, no agent. */
function runner() {
  const temp = tmpDir('releng-ssh-runner-');
  const home = tmpDir('releng-ssh-home-');
  return {
    temp,
    env: {
      RUNNER_TEMP: temp,
      HOME: home,
      SSH_AUTH_SOCK: '',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      RUNNER_DEBUG: '1',
    },
  };
}

const publishInputs = (extra: Record<string, string> = {}) => ({
  environment: 'staging',
  confirm: 'I want to release this to staging',
  'artifacts-dir': 'release/artifacts',
  'no-check-git': 'true',
  'allow-missing-systems': 'x86_64-linux,aarch64-linux',
  skip: GIT_ONLY,
  'push-branch': 'true',
  ...extra,
});

/** Lines a reader sees: every line but the ::add-mask:: commands, and the outputs. */
const shown = (r: { stdout: string; stderr: string; outputs: Record<string, string>; summary: string }) =>
  [
    ...`${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !l.startsWith('::add-mask::')),
    ...Object.values(r.outputs),
    r.summary,
  ].join('\n');

function keyLines(key: string): string[] {
  return key.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'));
}

describe('an ssh git-remote with the ssh-key input', () => {
  test('the branch and the tag arrive over ssh with the key; its temp dir is gone; the key shown nowhere', async () => {
    const remote = makeBareRemote();
    const dir = gitReleaseCheckout({
      staging: { 'git-remote': sshd.url(remote), 'known-hosts': sshd.knownHosts },
    });
    const run = runner();
    const r = await runActionAsync('publish', publishInputs({ 'ssh-key': sshd.clientKey }), {
      cwd: dir,
      env: run.env,
      source: true,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(refsOf(remote)).toEqual({
      'refs/heads/main': git(dir, 'rev-parse', 'main'),
      'refs/heads/release-2.93': git(dir, 'rev-parse', 'main'),
      [`refs/tags/${VERSION}`]: git(dir, 'rev-parse', `refs/tags/${VERSION}`),
    });
    expect(sshd.log()).toMatch(new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1`));
    expect(fs.readdirSync(run.temp).filter((n) => n.startsWith('releng-ssh-'))).toEqual([]);
    const text = shown(r);
    for (const line of keyLines(sshd.clientKey)) expect(text).not.toContain(line);
    expect(r.stdout).toContain(`::add-mask::${keyLines(sshd.clientKey)[0]}`);
  }, 120_000);

  test('without the key sshd lets nothing in: one line, nothing pushed', async () => {
    const remote = makeBareRemote();
    const dir = gitReleaseCheckout({
      staging: { 'git-remote': sshd.url(remote), 'known-hosts': sshd.knownHosts },
    });
    const run = runner();
    const r = await runActionAsync('publish', publishInputs(), { cwd: dir, env: run.env, source: true });
    expect(r.status).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors, r.stdout + r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/is not reachable: .*Permission denied \(publickey\)/);
    expect(refsOf(remote)).toEqual({});
    expect(fs.readdirSync(run.temp).filter((n) => n.startsWith('releng-ssh-'))).toEqual([]);
  }, 120_000);

  test('a host key other than known-hosts says: refused (StrictHostKeyChecking), the key file gone all the same', async () => {
    const remote = makeBareRemote();
    const other = tmpDir('releng-ssh-otherkey-');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(other, 'k')]);
    const [type, blob] = fs.readFileSync(path.join(other, 'k.pub'), 'utf8').split(' ');
    const dir = gitReleaseCheckout({
      staging: {
        'git-remote': sshd.url(remote),
        'known-hosts': `[127.0.0.1]:${sshd.port} ${type} ${blob}`,
      },
    });
    const run = runner();
    const r = await runActionAsync('publish', publishInputs({ 'ssh-key': sshd.clientKey }), {
      cwd: dir,
      env: run.env,
      source: true,
    });
    expect(r.status).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors, r.stdout + r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/Host key verification failed/);
    expect(refsOf(remote)).toEqual({});
    expect(fs.readdirSync(run.temp).filter((n) => n.startsWith('releng-ssh-'))).toEqual([]);
    for (const line of keyLines(sshd.clientKey)) expect(shown(r)).not.toContain(line);
  }, 120_000);

  test('the S3 credentials-command runs ssh with the same key and host keys (a key fetched from the ssh host)', async () => {
    const remote = makeBareRemote();
    const creds = path.join(tmpDir('releng-ssh-creds-'), 'key.json');
    fs.writeFileSync(
      creds,
      JSON.stringify({ id: s3.credentials.accessKeyId, secret_key: s3.credentials.secretAccessKey }),
    );
    const dir = gitReleaseCheckout({
      staging: {
        s3: {
          endpoint: s3.endpoint,
          region: 'us-east-1',
          'credentials-command': `ssh -p ${sshd.port} ${sshd.user}@127.0.0.1 cat ${creds}`,
        },
        releases: 's3://releases/ssh',
        'git-remote': sshd.url(remote),
        'known-hosts': sshd.knownHosts,
      },
    });
    const run = runner();
    const r = await runActionAsync(
      'publish',
      publishInputs({ 'ssh-key': sshd.clientKey, skip: 'cache,docker,docs,installers,release-page' }),
      { cwd: dir, env: { ...run.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }, source: true },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const published = fs.readdirSync(path.join(s3.dir, 'releases'), { recursive: true }) as string[];
    expect(published.some((f) => f.includes(`demo-${VERSION}`))).toBe(true);
    expect(refsOf(remote)[`refs/tags/${VERSION}`]).toBe(git(dir, 'rev-parse', `refs/tags/${VERSION}`));
    expect(fs.readdirSync(run.temp).filter((n) => n.startsWith('releng-ssh-'))).toEqual([]);
  }, 120_000);

  test('docker-multiarch alone reads the ssh remote’s tags with the key: a newer release there holds latest back', async () => {
    const remote = makeBareRemote();
    const dir = makeRepo({
      'version.json': JSON.stringify({ version: VERSION, release_name: 'x', official_release: true }),
      'releng.yml': stringify({
        environments: {
          staging: {
            registries: [{ ref: 'oci-layout:oci' }],
            'git-remote': sshd.url(remote),
            'known-hosts': sshd.knownHosts,
          },
        },
      }),
    });
    // 2.94.0 exists on the remote only (a CI checkout of a tag has no other tags).
    git(dir, 'tag', '2.94.0');
    git(dir, 'push', '-q', remote, 'refs/tags/2.94.0');
    git(dir, 'tag', '-d', '2.94.0');
    const archive = await writeDockerArchive(path.join(tmpDir('releng-ssh-img-'), 'image-x86_64-linux'), {
      layers: syntheticLayers('ssh', 1, 1, 4),
      architecture: 'amd64',
    });
    const run = runner();
    const log = recordingLogger();
    const logins = () =>
      sshd
        .log()
        .split('\n')
        .filter((l) => l.includes('Accepted publickey')).length;
    const before = logins();
    await dockerMultiarch(
      dockerOptions(dir, {
        source: { images: [archive.file] },
        targets: { environmentName: 'staging' },
        confirm: 'I want to release this to staging',
        allowBareConfirm: false,
        sshKey: sshd.clientKey,
        cache: false,
        processEnv: { ...process.env, ...run.env },
        log,
      }),
    );

    expect(logins()).toBe(before + 1);
    expect(log.lines.join('\n')).toMatch(/latest: not moved — a newer release than 2\.93\.0 exists/);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'oci', 'index.json'), 'utf8')) as {
      manifests: { annotations?: Record<string, string> }[];
    };
    expect(index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']).sort()).toEqual([
      '2.93',
      '2.93.0',
    ]);
    expect(fs.readdirSync(run.temp).filter((n) => n.startsWith('releng-ssh-'))).toEqual([]);
  }, 120_000);
});
