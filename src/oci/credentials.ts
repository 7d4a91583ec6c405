/**
 * Registry credentials: the `username`/`password` inputs (for every registry target), else what
 * `docker login`, `podman login` and `skopeo login` wrote — containers' auth.json
 * ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json) and
 * ~/.docker/config.json ($DOCKER_CONFIG): `auths` entries (the longest matching `registry/path` prefix
 * wins, as in containers), `credHelpers` and `credsStore` helpers. Every secret is registered with the
 * logger the moment it is read.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';

export type Credential = { username: string; password: string } | { identityToken: string };

export interface CredentialSource {
  /** For messages: `input`, or the file it came from. */
  readonly from: string;
  credential: Credential;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  file: string;
  auths: Record<string, AuthEntry>;
  credHelpers: Record<string, string>;
  credsStore?: string;
}

export function authFiles(processEnv: NodeJS.ProcessEnv): string[] {
  const home = processEnv.HOME || os.homedir();
  const files: string[] = [];
  if (processEnv.REGISTRY_AUTH_FILE) files.push(processEnv.REGISTRY_AUTH_FILE);
  if (processEnv.XDG_RUNTIME_DIR) files.push(path.join(processEnv.XDG_RUNTIME_DIR, 'containers/auth.json'));
  files.push(path.join(processEnv.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers/auth.json'));
  files.push(path.join(processEnv.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json'));
  return files;
}

/** `https://index.docker.io/v1/` → `docker.io`; scheme and trailing API paths dropped. */
export function normaliseKey(key: string): string {
  let k = key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '');
  k = k.replace(/\/v[12]$/, '');
  const [host, ...rest] = k.split('/');
  const h = host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
  return [h, ...rest].join('/');
}

export class CredentialStore {
  private files: AuthFile[] = [];

  constructor(
    private readonly log: Logger,
    private readonly explicit?: Credential,
    processEnv: NodeJS.ProcessEnv = process.env,
    files: string[] = authFiles(processEnv),
  ) {
    if (explicit) registerSecrets(log, explicit);
    for (const file of files) {
      const f = readAuthFile(file, log);
      if (f) this.files.push(f);
    }
  }

  /** Credentials for `registry/repository`, or undefined for anonymous access. */
  lookup(registry: string, repository: string): CredentialSource | undefined {
    if (this.explicit) return { from: "the 'username'/'password' inputs", credential: this.explicit };
    const host = normaliseKey(registry);
    const parts = repository.split('/');
    const candidates = parts
      .map((_, i) => `${host}/${parts.slice(0, parts.length - i).join('/')}`)
      .concat(host);
    for (const f of this.files) {
      const helper = f.credHelpers[host] ?? f.credHelpers[registry];
      if (helper) {
        const c = runHelper(helper, registry, this.log);
        if (c) return { from: `docker-credential-${helper}`, credential: c };
      }
      const entries = Object.entries(f.auths).map(([k, v]) => [normaliseKey(k), v] as const);
      for (const cand of candidates) {
        const hit = entries.find(([k]) => k === cand);
        if (!hit) continue;
        const c = decodeEntry(hit[1], this.log);
        if (c) return { from: f.file, credential: c };
      }
      if (f.credsStore) {
        const c = runHelper(f.credsStore, registry, this.log);
        if (c) return { from: `docker-credential-${f.credsStore}`, credential: c };
      }
    }
    return undefined;
  }
}

function registerSecrets(log: Logger, c: Credential): void {
  if ('identityToken' in c) log.secret(c.identityToken);
  else {
    log.secret(c.password);
    log.secret(Buffer.from(`${c.username}:${c.password}`).toString('base64'));
  }
}

function readAuthFile(file: string, log: Logger): AuthFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let data: { auths?: unknown; credHelpers?: unknown; credsStore?: unknown };
  try {
    data = JSON.parse(text);
  } catch (e) {
    log.warning(`${file}: not valid JSON (${(e as Error).message}); its registry logins are ignored`);
    return undefined;
  }
  const obj = (v: unknown) => (typeof v === 'object' && v !== null ? v : {}) as Record<string, never>;
  const f: AuthFile = {
    file,
    auths: obj(data.auths),
    credHelpers: obj(data.credHelpers),
    credsStore: typeof data.credsStore === 'string' && data.credsStore ? data.credsStore : undefined,
  };
  for (const e of Object.values(f.auths)) {
    if (typeof e?.auth === 'string' && e.auth) log.secret(e.auth);
    if (typeof e?.password === 'string') log.secret(e.password);
    if (typeof e?.identitytoken === 'string') log.secret(e.identitytoken);
  }
  for (const e of Object.values(f.auths)) {
    const c = decodeEntry(e, log);
    if (c) registerSecrets(log, c);
  }
  return f;
}

function decodeEntry(e: AuthEntry, log: Logger): Credential | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  if (e.identitytoken) return { identityToken: e.identitytoken };
  if (e.username && e.password) return { username: e.username, password: e.password };
  if (e.auth) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      const c = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      log.secret(c.password);
      return c;
    }
  }
  return undefined;
}

/** `docker-credential-NAME get`, server on stdin; `<token>` as user means an identity token. */
function runHelper(name: string, registry: string, log: Logger): Credential | undefined {
  try {
    const out = execFileSync(`docker-credential-${name}`, ['get'], {
      input: registry,
      encoding: 'utf8',
      timeout: 15_000,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const r = JSON.parse(out) as { Username?: string; Secret?: string };
    if (!r.Secret) return undefined;
    log.secret(r.Secret);
    if (r.Username === '<token>') return { identityToken: r.Secret };
    return { username: r.Username ?? '', password: r.Secret };
  } catch (e) {
    log.debug(`docker-credential-${name} get ${registry}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}
