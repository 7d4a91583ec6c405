import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { tail } from '../exec.js';
import type { Logger } from '../log.js';
import { nix } from './command.js';
import { type NarInfo, STORE_DIR } from './narinfo.js';

/** A nix binary-cache signing key (`name:base64(64 bytes)`, as `nix-store --generate-binary-cache-key` writes). */
export interface SigningKey {
  name: string;
  /** The key text itself: a secret. */
  text: string;
  /** `name:base64(32 bytes)`, what readers put in trusted-public-keys. */
  publicKey: string;
}

/**
 * Parses the secret key text from the environment variable `envName`. The text and its base64 part are
 * registered as secrets before anything else happens. Checked: the form, the length, and that the public
 * half matches the seed (a truncated or mangled key would sign with garbage).
 */
export function parseSigningKey(text: string, envName: string, log: Logger): SigningKey {
  const trimmed = text.trim();
  log.secret(trimmed);
  const colon = trimmed.indexOf(':');
  const b64 = colon > 0 ? trimmed.slice(colon + 1) : '';
  if (b64) log.secret(b64);
  const name = colon > 0 ? trimmed.slice(0, colon) : '';
  const raw = Buffer.from(b64, 'base64');
  if (!name || !/^[A-Za-z0-9+/=]+$/.test(b64) || raw.length !== 64)
    throw new RelengError(
      `signing key in $${envName} is not a nix secret key (expected NAME:BASE64 of 64 bytes, as nix-store --generate-binary-cache-key writes); set the secret to the key file's content`,
    );
  const seed = raw.subarray(0, 32);
  const pub = raw.subarray(32);
  const derived = createPublicKey(
    createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
  )
    .export({ format: 'der', type: 'spki' })
    .subarray(-32);
  if (!derived.equals(pub))
    throw new RelengError(
      `signing key in $${envName} is damaged: its public half does not match its seed; set the secret to the key file's exact content`,
    );
  return { name, text: trimmed, publicKey: `${name}:${pub.toString('base64')}` };
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Runs `fn` with the key in a file only we can read (0600 in a fresh 0700 directory), removed afterwards
 * whatever happens. nix takes `secret-key=` as a path, so the key never appears on a command line.
 */
export async function withKeyFile<T>(key: SigningKey, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-key-'));
  const file = path.join(dir, 'secret-key');
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  // A cancelled job gets SIGINT or SIGTERM: remove the key, then die of the signal as we would have.
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    fs.writeFileSync(file, key.text, { mode: 0o600 });
    return await fn(file);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    remove();
  }
}

export interface SignedCopy {
  /** `file://DIR` of an unsigned binary cache, or undefined for the local store. */
  from?: string;
  /** The directory of the signed cache to write (created by nix). */
  to: string;
  keyFile?: string;
  paths: string[];
  log: Logger;
}

/**
 * `nix copy` of `paths` (with their closures: a binary cache refuses a path whose references it lacks)
 * into a file:// cache, zstd-compressed, with NAR listings, signed when a key file is given. Nix 2.8 has no
 * s3:// store and no --stdin: paths go on the command line in batches, the cache is uploaded by us.
 */
export async function copyToSignedCache(o: SignedCopy): Promise<void> {
  const params = ['compression=zstd', 'write-nar-listing=true'];
  if (o.keyFile) params.unshift(`secret-key=${o.keyFile}`);
  const to = `file://${o.to}?${params.join('&')}`;
  // A .drv installable means its outputs to nix 2.8; --derivation makes it mean the file itself.
  const drvs = o.paths.filter((p) => p.endsWith('.drv'));
  const others = o.paths.filter((p) => !p.endsWith('.drv'));
  for (const [group, flags] of [
    [others, []],
    [drvs, ['--derivation']],
  ] as const) {
    for (let i = 0; i < group.length; i += 500) {
      const batch = group.slice(i, i + 500);
      const args = ['copy', ...flags, ...(o.from ? ['--from', o.from] : []), '--to', to, ...batch];
      const r = await nix(args, { allowFailure: true, log: o.log });
      if (r.code !== 0)
        throw new RelengError(
          `nix copy ${batch.length} path(s) ${o.from ? `from ${o.from} ` : ''}into the signed cache failed: ${tail(r.stderr, 3)}`,
        );
    }
  }
}

/** What nix signs: `1;path;narHash;narSize;refs` with references as full store paths. */
export function fingerprint(info: NarInfo, storeDir = STORE_DIR): string {
  return `1;${info.storePath};${info.narHash};${info.narSize};${info.references.map((r) => `${storeDir}/${r}`).join(',')}`;
}

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** True when some `Sig:` line is a valid signature by `publicKey` (`name:base64`). */
export function signedBy(info: NarInfo, publicKey: string): boolean {
  const colon = publicKey.indexOf(':');
  const name = publicKey.slice(0, colon);
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519, Buffer.from(publicKey.slice(colon + 1), 'base64')]),
    format: 'der',
    type: 'spki',
  });
  const data = Buffer.from(fingerprint(info));
  return info.sigs.some((sig) => {
    const i = sig.indexOf(':');
    return sig.slice(0, i) === name && verify(null, data, key, Buffer.from(sig.slice(i + 1), 'base64'));
  });
}
