import path from 'node:path';
import { RelengError } from '../errors.js';
import { isDigest } from './digest.js';

/** Where an image index goes: a repository in a registry, or an OCI image layout directory. */
export type TargetRef =
  | {
      kind: 'registry';
      /** As the user wrote it, normalised (`ghcr.io/org/repo`); for messages and outputs. */
      ref: string;
      /** host[:port] as written (docker.io for Docker Hub). */
      registry: string;
      /** The host API requests go to (registry-1.docker.io for Docker Hub). */
      apiHost: string;
      repository: string;
    }
  | { kind: 'layout'; ref: string; dir: string };

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * Parses a target: `oci-layout:DIR` (relative to `dir`) or `registry/repository` as docker names them
 * (`ghcr.io/org/project`, `127.0.0.1:5000/project`, `org/project` on Docker Hub). Tags and digests are
 * refused: tags come from the `tags` input or the environment.
 */
export function parseTarget(input: string, dir: string, where = 'targets'): TargetRef {
  const raw = input.trim().replace(/^docker:\/\//, '');
  if (raw.startsWith('oci-layout:')) {
    const p = raw.slice('oci-layout:'.length);
    if (!p) throw new RelengError(`${where}: '${input}' names no directory; write oci-layout:DIR`);
    const abs = path.resolve(dir, p);
    return { kind: 'layout', ref: `oci-layout:${abs}`, dir: abs };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
    throw new RelengError(
      `${where}: '${input}' is a URL; write the registry and repository as docker does (ghcr.io/org/project) or oci-layout:DIR`,
    );
  const at = raw.indexOf('@');
  const slash = raw.indexOf('/');
  // `user:pass@host/repo`: credentials before the host, never repeated in the message.
  if (at >= 0 && slash >= 0 && at < slash)
    throw new RelengError(
      `${where}: '***@${raw.slice(at + 1)}' carries credentials before the host; remove them from the target and pass 'username' and 'password' (or docker login)`,
    );
  if (at >= 0)
    throw new RelengError(
      `${where}: '${input}' names a digest; a target is a repository (registry/org/project)`,
    );
  const first = slash < 0 ? '' : raw.slice(0, slash);
  const isHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = isHost ? first : 'docker.io';
  let repository = isHost ? raw.slice(slash + 1) : raw;
  const lastColon = repository.lastIndexOf(':');
  if (lastColon >= 0)
    throw new RelengError(
      `${where}: '${input}' has a tag (':${repository.slice(lastColon + 1)}'); give tags in 'tags' (or the environment's registries.tags), not in the target`,
    );
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  const bad = repository.split('/').find((c) => !COMPONENT.test(c));
  if (!repository || bad !== undefined)
    throw new RelengError(
      `${where}: '${input}' is not a valid repository name (component '${bad ?? ''}'): lower-case letters, digits and . _ - separators`,
    );
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(registry) && !/^\[[0-9a-f:]+\](:\d+)?$/i.test(registry))
    throw new RelengError(`${where}: '${input}': '${registry}' is not a registry host[:port]`);
  const apiHost =
    registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
  return { kind: 'registry', ref: `${registry}/${repository}`, registry, apiHost, repository };
}

export interface TagTemplateValues {
  version: string;
  major: string;
}

/** `{version}`, `{major}` → values; anything else in braces is an error naming the template. */
export function expandTag(template: string, values: TagTemplateValues, where = 'tags'): string {
  const tag = template.replace(/\{([^}]*)\}/g, (m, name: string) => {
    if (name === 'version') return values.version;
    if (name === 'major') return values.major;
    throw new RelengError(
      `${where}: unknown placeholder ${m} in tag '${template}'; use {version} or {major}`,
    );
  });
  if (!TAG.test(tag))
    throw new RelengError(
      `${where}: tag '${tag}' (from '${template}') is not a valid tag: letters, digits, _ . - (no + or /), at most 128 characters`,
    );
  return tag;
}

/** A `{version}` tag is immutable (DESIGN.md "Immutable vs pointer"); other tags are pointers. */
export function isImmutableTemplate(template: string): boolean {
  return template.includes('{version}');
}

/**
 * What may name a manifest in a registry URL or a layout's index.json: a tag of the distribution grammar,
 * or a sha256 digest. Checked where it is written (and read), whatever made it: nothing else reaches a
 * path or an annotation.
 */
export function checkManifestReference(reference: string, where: string): string {
  if (TAG.test(reference) || isDigest(reference as unknown)) return reference;
  const shown = JSON.stringify(reference.length > 80 ? `${reference.slice(0, 80)}…` : reference);
  throw new RelengError(
    `${where}: ${shown} is neither a tag (letters, digits, _ . -, at most 128, not starting with . or -) nor a sha256 digest`,
  );
}
