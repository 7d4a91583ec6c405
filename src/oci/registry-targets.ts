/**
 * The targets of a run as the OCI library takes them — an environment's registries or a list — checked
 * once for the three entry points (publishImages, checkRegistryAccess, movePointerTags):
 *   - each ref parsed, listed once; its tag templates expanded and sorted into kinds: `{version}` tags are
 *     immutable, `{major}` tags are the major's pointers, literal tags and `latest` are latest-like
 *     pointers (DESIGN "Immutable vs pointer"); pointers follow a `{version}` tag, so one is required;
 *   - the logins: a target's own (`registries[].username/password` naming environment variables, read
 *     here), the `username`/`password` inputs for the registry without one, login files for the rest.
 */
import path from 'node:path';
import type { EnvironmentConfig } from '../config/schema.js';
import { majorOf } from '../config/version.js';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { type Credential, CredentialStore, type Logins, normaliseKey } from './credentials.js';
import { expandTag, isImmutableTemplate, parseTarget, type TargetRef } from './reference.js';
import { SinkFactory } from './sink-factory.js';

/** A secret named by the environment variable that holds it (releng.yml `{env: NAME}`). */
export interface EnvRef {
  env: string;
}

export interface RegistryTarget {
  /** `registry/repository` or `oci-layout:DIR` (DIR relative to `dir`). */
  ref: string;
  /** Tag templates: `{version}`, `{major}`, or literal tags. */
  tags: string[];
  /** This registry's own login. */
  login?: { username: EnvRef; password: EnvRef };
  /** Where `ref`, `tags` and the login were written, for messages (default: the `targets` input). */
  where?: { ref: string; tags: string; login?: string };
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Which pointers may move: the maintenance rule's answer (src/release/maintenance.ts), or the caller's choice. */
export interface PointerPolicy {
  /** `latest` and literal tags: no newer release exists. */
  latest: boolean;
  /** `{major}` tags: no newer release of this major exists. */
  major: boolean;
}

export type TagKind = 'version' | 'major' | 'latest';

export interface TargetTag {
  name: string;
  kind: TagKind;
}

export interface ResolvedTarget {
  ref: TargetRef;
  /** Every tag the target may carry: its templates expanded, then `latest`. */
  tags: TargetTag[];
  login?: RegistryTarget['login'];
  where?: RegistryTarget['where'];
}

export const DEFAULT_TAGS = ['{version}', '{major}'];

/** The registries of an environment (`local`: the OCI layout under .releng/local/oci), paths resolved. */
export function targetsForEnvironment(
  environment: EnvironmentConfig,
  dir: string,
  environmentName?: string,
): RegistryTarget[] {
  return environment.registries.map((r, i) => {
    const key = `releng.yml environments.${environmentName}.registries[${i}]`;
    return {
      ref: r.ref.startsWith('oci-layout:')
        ? `oci-layout:${path.resolve(dir, r.ref.slice('oci-layout:'.length))}`
        : r.ref,
      tags: [...r.tags],
      ...(r.username && r.password ? { login: { username: r.username, password: r.password } } : {}),
      ...(environmentName
        ? { where: { ref: `${key}.ref`, tags: `${key}.tags`, login: `${key}.username/password` } }
        : {}),
    };
  });
}

/** The kind of a tag template: `{version}` makes it immutable, `{major}` the major's, anything else latest-like. */
function kindOf(template: string): TagKind {
  return isImmutableTemplate(template) ? 'version' : template.includes('{major}') ? 'major' : 'latest';
}

/** Parses the targets and expands their tags; every problem of one target is one line naming it. */
export function resolveTargets(targets: RegistryTarget[], version: string, dir: string): ResolvedTarget[] {
  const seen = new Set<string>();
  const major = majorOf(version);
  return targets.map((t) => {
    const ref = parseTarget(t.ref, dir, t.where?.ref);
    if (seen.has(ref.ref))
      throw new RelengError(`${t.where?.ref ?? 'targets'}: '${ref.ref}' is listed twice`);
    seen.add(ref.ref);
    const where = t.where?.tags ?? `tags of ${ref.ref}`;
    const tags: TargetTag[] = [];
    for (const template of t.tags.length ? t.tags : DEFAULT_TAGS) {
      const name = expandTag(template, { version, major }, where);
      if (!tags.some((x) => x.name === name)) tags.push({ name, kind: kindOf(template) });
    }
    if (!tags.some((x) => x.kind === 'version'))
      throw new RelengError(
        `${where}: no {version} tag; every target needs one (its pointers, such as {major} and latest, follow it)`,
      );
    if (!tags.some((x) => x.name === 'latest')) tags.push({ name: 'latest', kind: 'latest' });
    return { ref, tags, login: t.login, where: t.where };
  });
}

/** The tags a policy lets a target carry: `{version}` always, pointers as the policy allows. */
export function allowedTags(t: ResolvedTarget, policy: PointerPolicy): TargetTag[] {
  return t.tags.filter((x) => x.kind === 'version' || policy[x.kind]);
}

/** host or host:port (an IPv6 address in brackets), as `insecure-registries` lists them. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function checkInsecureRegistries(hosts: string[]): void {
  for (const h of hosts)
    if (!REGISTRY_HOST.test(h))
      throw new RelengError(
        `input 'insecure-registries': '${h}' is not a registry host[:port]; write ${suggestHost(h)} (no scheme, no path)`,
      );
}

function suggestHost(h: string): string {
  const bare = h.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  return REGISTRY_HOST.test(bare) ? bare : 'registry.example.org:5000';
}

/** The value of an `{env: NAME}` login; one line naming the key and the variable (never a value). */
function readEnvRef(ref: EnvRef, key: string, processEnv: NodeJS.ProcessEnv): string {
  const value = processEnv[ref.env];
  if (!value)
    throw new RelengError(
      `${key}: $${ref.env} is ${value === undefined ? 'not set' : 'empty'}; give the step that variable (from a secret), or remove the login to use docker login`,
    );
  return value;
}

/**
 * The logins of a run. A target's own login wins; the `username`/`password` inputs serve the registry
 * targets without one — all on one registry, since a password given once must never reach another
 * registry; login files serve the rest. Every secret is registered with the logger (by the store).
 */
export function registryLogins(
  targets: ResolvedTarget[],
  inputs: RegistryCredentials | undefined,
  processEnv: NodeJS.ProcessEnv,
  log: Logger,
): Logins {
  if (inputs && (!inputs.username || !inputs.password))
    throw new RelengError(
      "give both 'username' and 'password', or neither (then docker/skopeo logins are used)",
    );
  const repositories: NonNullable<Logins['repositories']> = [];
  const withoutLogin = new Set<string>();
  for (const t of targets) {
    const key = t.where?.login ?? `the login of ${t.ref.ref}`;
    if (t.login && t.ref.kind === 'layout')
      throw new RelengError(`${key}: an oci-layout target takes no login; remove it`);
    if (t.ref.kind !== 'registry') continue;
    if (!t.login) {
      withoutLogin.add(normaliseKey(t.ref.registry));
      continue;
    }
    const password = readEnvRef(t.login.password, key, processEnv);
    // Registered before anything else can fail and print it.
    log.secret(password);
    const credential: Credential = { username: readEnvRef(t.login.username, key, processEnv), password };
    repositories.push({
      registry: t.ref.registry,
      repository: t.ref.repository,
      credential,
      from: `${key} ($${t.login.username.env}, $${t.login.password.env})`,
    });
  }
  if (!inputs) return { repositories };
  log.secret(inputs.password);
  if (withoutLogin.size > 1)
    throw new RelengError(
      `the 'username'/'password' inputs would go to several registries (${[...withoutLogin].join(', ')}); give each its own login in releng.yml (registries[].username/password: {env: NAME}), or log in with docker login`,
    );
  if (withoutLogin.size === 0)
    log.warning("the 'username'/'password' inputs are not used: no registry target is without its own login");
  return { repositories, inputs: { credential: inputs, registries: [...withoutLogin] } };
}

export interface SinkSetup {
  insecureRegistries?: string[];
  /** Where login files are looked up and `{env: NAME}` logins read; default process.env. */
  processEnv?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The sinks of these targets, their logins resolved (a RelengError for a login that cannot be read). */
export function sinkFactory(
  targets: ResolvedTarget[],
  credentials: RegistryCredentials | undefined,
  log: Logger,
  o: SinkSetup,
): SinkFactory {
  const processEnv = o.processEnv ?? process.env;
  return new SinkFactory({
    credentials: new CredentialStore(log, registryLogins(targets, credentials, processEnv, log), processEnv),
    insecureRegistries: o.insecureRegistries ?? [],
    log,
    timeoutMs: o.timeoutMs,
  });
}
