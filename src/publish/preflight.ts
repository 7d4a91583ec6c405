import type { EnvironmentConfig } from '../config/schema.js';
import type { ForgeClient } from '../forge/client.js';
import { openForge } from '../forge/open.js';
import type { Logger } from '../log.js';
import { parseSigningKey, type SigningKey } from '../nix/sign.js';

// Preflight helpers that report a problem instead of throwing, so every problem is listed together.

/** The environment's cache signing key (`signing-key.env` names the variable), or undefined for none. */
export function readSigningKey(
  env: EnvironmentConfig,
  processEnv: NodeJS.ProcessEnv,
  log: Logger,
  problems: string[],
): SigningKey | undefined {
  const spec = env['signing-key'];
  if (!spec) return undefined;
  const text = processEnv[spec.env];
  if (!text) {
    problems.push(
      `signing key: $${spec.env} is not set (releng.yml signing-key.env); pass the secret in the step's env`,
    );
    return undefined;
  }
  try {
    return parseSigningKey(text, spec.env, log);
  } catch (e) {
    problems.push((e as Error).message);
    return undefined;
  }
}

/**
 * The forge client for the release page, with the token checked (valid, push access) — or undefined,
 * with the reason in `note`, when the environment has no forge or no token was given.
 */
export async function openForgeChecked(
  environment: string,
  env: EnvironmentConfig,
  token: string | undefined,
  problems: string[],
  note: (line: string) => void,
): Promise<ForgeClient | undefined> {
  if (!env.forge) {
    if (token) note(`forge-token given, but environment '${environment}' has no forge in releng.yml`);
    return undefined;
  }
  if (!token) {
    note('no forge-token: the release page is left alone');
    return undefined;
  }
  const client = openForge(env.forge, token);
  try {
    problems.push(...(await client.checkAccess()));
  } catch (e) {
    problems.push((e as Error).message);
  }
  return client;
}
