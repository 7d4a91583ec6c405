import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { tail } from '../exec.js';
import type { Logger } from '../log.js';
import { nix } from './command.js';
import { type NarInfo, nix32Hash, STORE_DIR, sortedReferences } from './narinfo.js';
import { makeWorkDir, removeOnSignal, WORK_DIRS } from './work-dir.js';

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
  const pub = raw.subarray(32);
  const derived = createPublicKey(privateKeyOf(raw.subarray(0, 32)))
    .export({ format: 'der', type: 'spki' })
    .subarray(-32);
  if (!derived.equals(pub))
    throw new RelengError(
      `signing key in $${envName} is damaged: its public half does not match its seed; set the secret to the key file's exact content`,
    );
  return { name, text: trimmed, publicKey: `${name}:${pub.toString('base64')}` };
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyOf(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The key objects made from each key's text, so that signing thousands of narinfos parses it once. */
const privateKeys = new WeakMap<SigningKey, KeyObject>();

/**
 * The narinfo's `Sig:` value by `key` (`name:base64(ed25519 over the fingerprint)`), as nix's
 * `secret-key=` signs: what `nix copy` would add, computed here so publish needs no nix.
 */
export function signatureOf(info: NarInfo, key: SigningKey): string {
  let k = privateKeys.get(key);
  if (!k) {
    const b64 = key.text.slice(key.text.indexOf(':') + 1);
    k = privateKeyOf(Buffer.from(b64, 'base64').subarray(0, 32));
    privateKeys.set(key, k);
  }
  return `${key.name}:${sign(null, Buffer.from(fingerprint(info)), k).toString('base64')}`;
}

/** The narinfo with our signature: other signatures kept (as nix copy keeps them), an old one by our key name replaced. */
export function signNarInfo(info: NarInfo, key: SigningKey): NarInfo {
  const others = info.sigs.filter((s) => s.slice(0, s.indexOf(':')) !== key.name);
  return { ...info, sigs: [...others, signatureOf(info, key)] };
}

/**
 * Runs `fn` with the key in a file only we can read (0600 in a fresh 0700 directory under RUNNER_TEMP when
 * set), removed afterwards whatever happens; one left by a killed run is removed by the next. nix takes
 * `secret-key=` as a path, so the key never appears on a command line.
 */
export async function withKeyFile<T>(key: SigningKey, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = makeWorkDir(WORK_DIRS.key);
  const file = path.join(dir, 'secret-key');
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  // A cancelled job gets SIGINT or SIGTERM: remove the key, then die of the signal as we would have.
  const forget = removeOnSignal(remove);
  try {
    fs.writeFileSync(file, key.text, { mode: 0o600 });
    return await fn(file);
  } finally {
    forget();
    remove();
  }
}

export interface SignedCopy {
  /** `file://DIR` of an unsigned binary cache, or undefined for the local store. */
  from?: string;
  /** The directory of the signed cache to write (created by nix). */
  to: string;
  keyFile?: string;
  /** nix's `compression` (default zstd) and `write-nar-listing` (default true) of the cache written. */
  compression?: string;
  writeNarListing?: boolean;
  paths: string[];
  log: Logger;
}

/**
 * `nix copy` of `paths` (with their closures: a binary cache refuses a path whose references it lacks)
 * into a file:// cache, compressed as asked, with NAR listings, signed when a key file is given. Nix 2.8
 * has no s3:// store and no --stdin: paths go on the command line in batches, the cache is uploaded by us.
 */
export async function copyToSignedCache(o: SignedCopy): Promise<void> {
  const params = [
    `compression=${o.compression ?? 'zstd'}`,
    `write-nar-listing=${o.writeNarListing === false ? 'false' : 'true'}`,
  ];
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

/**
 * What nix signs: `1;path;narHash;narSize;refs` — the NarHash as `sha256:<nix32>`, references as full store
 * paths in nix's order — whatever form the narinfo wrote them in.
 */
export function fingerprint(info: NarInfo, storeDir = STORE_DIR): string {
  const refs = sortedReferences(info.references).map((r) => `${storeDir}/${r}`);
  return `1;${info.storePath};${nix32Hash(info.narHash)};${info.narSize};${refs.join(',')}`;
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
