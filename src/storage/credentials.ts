import { RelengError } from '../errors.js';
import { run } from '../exec.js';
import type { Logger } from '../log.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CredentialSources {
  /** From the action's inputs or the CLI's options. */
  accessKeyId?: string;
  secretAccessKey?: string;
  processEnv: NodeJS.ProcessEnv;
  /** releng.yml `s3.credentials-command`: prints `{"id": …, "secret_key": …}`. */
  command?: string;
  /** Where the command runs (the working directory). */
  cwd: string;
  /** Added to the command's environment: the run's ssh setup (src/git/ssh.ts), so `ssh host …` in it works. */
  commandEnv?: Record<string, string>;
  log: Logger;
}

/**
 * S3 credentials, first found wins: inputs, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and
 * AWS_SESSION_TOKEN) in the environment, then the configured credentials command (the reference asks its
 * Garage host for an ephemeral key). Every part is registered as a secret the moment it is known.
 */
export async function resolveS3Credentials(s: CredentialSources): Promise<S3Credentials> {
  if (s.accessKeyId || s.secretAccessKey) {
    if (!s.accessKeyId || !s.secretAccessKey)
      throw new RelengError(
        "inputs 's3-access-key-id' and 's3-secret-access-key' go together: give both, or neither (then the environment or s3.credentials-command is used)",
      );
    return masked(s.log, { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey });
  }
  const id = s.processEnv.AWS_ACCESS_KEY_ID;
  const secret = s.processEnv.AWS_SECRET_ACCESS_KEY;
  if (id && secret)
    return masked(s.log, {
      accessKeyId: id,
      secretAccessKey: secret,
      sessionToken: s.processEnv.AWS_SESSION_TOKEN || undefined,
    });
  if (s.command) return fromCommand(s.command, s.cwd, s.log, s.commandEnv);
  throw new RelengError(
    "no S3 credentials: pass inputs 's3-access-key-id' and 's3-secret-access-key', set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure s3.credentials-command in releng.yml",
  );
}

function masked(log: Logger, c: S3Credentials): S3Credentials {
  log.secret(c.accessKeyId);
  log.secret(c.secretAccessKey);
  if (c.sessionToken) log.secret(c.sessionToken);
  return c;
}

async function fromCommand(
  command: string,
  cwd: string,
  log: Logger,
  commandEnv: Record<string, string> = {},
): Promise<S3Credentials> {
  // The command's output is a secret: never echoed, not even in an error.
  const env = Object.keys(commandEnv).length ? { ...process.env, ...commandEnv } : undefined;
  const r = await run('sh', ['-c', command], { cwd, env, allowFailure: true });
  if (r.code !== 0)
    throw new RelengError(
      `s3.credentials-command failed (exit ${r.code}); its output is not shown (it may hold the key): run it by hand to see why`,
    );
  let data: unknown;
  try {
    data = JSON.parse(r.stdout);
  } catch {
    throw new RelengError(
      's3.credentials-command did not print JSON; it must print {"id": "…", "secret_key": "…"} on stdout',
    );
  }
  const o = (data ?? {}) as Record<string, unknown>;
  const id = o.id ?? o.access_key_id ?? o.AccessKeyId;
  const secret = o.secret_key ?? o.secret_access_key ?? o.SecretAccessKey;
  const token = o.session_token ?? o.SessionToken;
  if (typeof id !== 'string' || typeof secret !== 'string' || !id || !secret)
    throw new RelengError(
      's3.credentials-command printed JSON without "id" and "secret_key" strings; it must print {"id": "…", "secret_key": "…"}',
    );
  return masked(log, {
    accessKeyId: id,
    secretAccessKey: secret,
    sessionToken: typeof token === 'string' && token ? token : undefined,
  });
}
