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
  /** For messages: the inputs, the releng.yml key, or the file it came from — never the secret. */
  readonly from: string;
  credential: Credential;
}

/** The login of one repository (releng.yml `registries[].username/password`, resolved). */
export interface RepositoryLogin {
  /** host[:port] as the target names it (docker.io for Docker Hub). */
  registry: string;
  repository: string;
  credential: Credential;
  from: string;
}

export interface Logins {
  /** Logins of particular repositories, over everything else. */
  repositories?: RepositoryLogin[];
  /** The `username`/`password` inputs: for these registries (host[:port]), or every one when not given. */
  inputs?: { credential: Credential; registries?: string[] };
}

interface AuthFile {
  file: string;
  auths: [key: string, credential: Credential][];
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
  /** What was wrong with the login files (each also a warning): one line each, naming the file. */
  readonly problems: string[] = [];
  private readonly inputRegistries?: Set<string>;

  constructor(
    private readonly log: Logger,
    private readonly logins: Logins = {},
    processEnv: NodeJS.ProcessEnv = process.env,
    files: string[] = authFiles(processEnv),
  ) {
    for (const l of logins.repositories ?? []) registerSecrets(log, l.credential);
    if (logins.inputs) registerSecrets(log, logins.inputs.credential);
    if (logins.inputs?.registries) this.inputRegistries = new Set(logins.inputs.registries.map(normaliseKey));
    for (const file of files) {
      const f = readAuthFile(file, log, (problem) => {
        this.problems.push(problem);
        log.warning(problem);
      });
      if (f) this.files.push(f);
    }
  }

  /** Credentials for `registry/repository`, or undefined for anonymous access. */
  lookup(registry: string, repository: string): CredentialSource | undefined {
    const host = normaliseKey(registry);
    const own = this.logins.repositories?.find(
      (l) => normaliseKey(l.registry) === host && l.repository === repository,
    );
    if (own) return { from: own.from, credential: own.credential };
    const inputs = this.logins.inputs;
    if (inputs && (!this.inputRegistries || this.inputRegistries.has(host)))
      return { from: "the 'username'/'password' inputs", credential: inputs.credential };
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
      for (const cand of candidates) {
        const hit = f.auths.find(([k]) => k === cand);
        if (hit) return { from: f.file, credential: hit[1] };
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

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const keyOf = (k: string) => JSON.stringify(k).slice(1, -1).slice(0, 80);

/**
 * A login file as docker and containers write it. Whatever in it cannot be a login is said, one line
 * naming the file and the key (never a value), and left out; the rest of the file still counts.
 */
function readAuthFile(file: string, log: Logger, problem: (line: string) => void): AuthFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // no such file: nobody logged in that way
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    problem(`${file}: not valid JSON (${(e as Error).message}); its registry logins are ignored`);
    return undefined;
  }
  if (!isObject(data)) {
    problem(`${file}: not a JSON object; its registry logins are ignored`);
    return undefined;
  }
  const f: AuthFile = { file, auths: [], credHelpers: {} };
  if (data.auths !== undefined && !isObject(data.auths))
    problem(`${file}: "auths" must be an object of registry → login; its logins are ignored`);
  for (const [key, entry] of Object.entries(isObject(data.auths) ? data.auths : {})) {
    const c = decodeEntry(entry, log);
    if (typeof c === 'string') problem(`${file}: "auths.${keyOf(key)}${c}; that login is ignored`);
    else if (c) {
      registerSecrets(log, c);
      f.auths.push([normaliseKey(key), c]);
    }
  }
  if (data.credHelpers !== undefined && !isObject(data.credHelpers))
    problem(`${file}: "credHelpers" must be an object of registry → helper name; they are ignored`);
  for (const [key, helper] of Object.entries(isObject(data.credHelpers) ? data.credHelpers : {})) {
    if (typeof helper === 'string' && HELPER_NAME.test(helper)) f.credHelpers[normaliseKey(key)] = helper;
    else
      problem(
        `${file}: "credHelpers.${keyOf(key)}" must be a helper name (docker-credential-NAME); it is ignored`,
      );
  }
  if (data.credsStore !== undefined && data.credsStore !== '') {
    if (typeof data.credsStore === 'string' && HELPER_NAME.test(data.credsStore))
      f.credsStore = data.credsStore;
    else problem(`${file}: "credsStore" must be a helper name (docker-credential-NAME); it is ignored`);
  }
  return f;
}

/**
 * One `auths` entry: a credential, undefined when it holds none (an entry docker keeps for a helper), or
 * what is wrong with it (the rest of a message after the key). Every string that may be a secret is
 * registered before it is looked at.
 */
function decodeEntry(e: unknown, log: Logger): Credential | string | undefined {
  if (!isObject(e)) return '" must be an object ({"auth": base64 of user:password})';
  for (const k of ['auth', 'password', 'identitytoken'] as const)
    if (typeof e[k] === 'string' && e[k]) log.secret(e[k]);
  if (e.identitytoken !== undefined) {
    if (typeof e.identitytoken !== 'string') return '.identitytoken" must be a string';
    if (e.identitytoken) return { identityToken: e.identitytoken };
  }
  if (e.username !== undefined || e.password !== undefined) {
    if (typeof e.username !== 'string' || typeof e.password !== 'string' || !e.username || !e.password)
      return '" needs "username" and "password" as strings';
    return { username: e.username, password: e.password };
  }
  if (e.auth === undefined || e.auth === '') return undefined;
  const decoded =
    typeof e.auth === 'string' && BASE64.test(e.auth) ? Buffer.from(e.auth, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return '.auth" is not base64 of user:password';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
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
