// src/storage/credentials.ts: S3 credentials from inputs, the environment or a command (which runs for real).
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { resolveS3Credentials } from '../../../src/storage/credentials.js';
import { secretsOf } from '../../helpers/secret-log.js';

describe('S3 credentials', () => {
  const base = { processEnv: {}, cwd: '/', log: silentLogger };
  test('inputs first, then the environment, then the command; each part masked', async () => {
    const { log, secrets } = secretsOf();
    expect(
      await resolveS3Credentials({
        ...base,
        log,
        accessKeyId: 'AK',
        secretAccessKey: 'SK123',
        processEnv: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
      }),
    ).toEqual({
      accessKeyId: 'AK',
      secretAccessKey: 'SK123',
    });
    expect(secrets).toEqual(['AK', 'SK123']);
    expect(
      await resolveS3Credentials({
        ...base,
        processEnv: { AWS_ACCESS_KEY_ID: 'EA', AWS_SECRET_ACCESS_KEY: 'ES', AWS_SESSION_TOKEN: 'T' },
        command: 'exit 1',
      }),
    ).toEqual({ accessKeyId: 'EA', secretAccessKey: 'ES', sessionToken: 'T' });
  });

  test("the credentials command (the reference's ephemeral Garage key) prints {id, secret_key}", async () => {
    const { log, secrets } = secretsOf();
    const c = await resolveS3Credentials({
      ...base,
      log,
      command: `printf '{"id": "GKtemp", "secret_key": "s3cr3t-temp"}'`,
    });
    expect(c).toEqual({ accessKeyId: 'GKtemp', secretAccessKey: 's3cr3t-temp' });
    expect(secrets).toEqual(['GKtemp', 's3cr3t-temp']);
  });

  test('failures are one line and never echo what the command printed', async () => {
    await expect(resolveS3Credentials({ ...base, command: `echo 'secret-ish output'` })).rejects.toThrow(
      /^s3\.credentials-command did not print JSON; it must print \{"id": "…", "secret_key": "…"\} on stdout$/,
    );
    await expect(resolveS3Credentials({ ...base, command: `echo '{"id": "x"}'` })).rejects.toThrow(
      /without "id" and "secret_key"/,
    );
    // Its stderr may hold the key (a half-printed credential): never copied into the error.
    await expect(resolveS3Credentials({ ...base, command: 'echo nope >&2; exit 3' })).rejects.toThrow(
      /^s3\.credentials-command failed \(exit 3\); its output is not shown \(it may hold the key\): run it by hand to see why$/,
    );
    await expect(resolveS3Credentials({ ...base, accessKeyId: 'only-id' })).rejects.toThrow(/go together/);
    await expect(resolveS3Credentials(base)).rejects.toThrow(/^no S3 credentials: pass inputs/);
  });

  test("the command runs with the run's ssh setup (src/git/ssh.ts): its PATH and RELENG_SSH_COMMAND", async () => {
    const c = await resolveS3Credentials({
      ...base,
      command: `printf '{"id": "%s", "secret_key": "%s"}' "$RELENG_SSH_COMMAND" "\${PATH%%:*}"`,
      commandEnv: { RELENG_SSH_COMMAND: 'ssh-with-key', PATH: `/tmp/releng-ssh-x/bin:${process.env.PATH}` },
    });
    expect(c).toEqual({ accessKeyId: 'ssh-with-key', secretAccessKey: '/tmp/releng-ssh-x/bin' });
  });
});
