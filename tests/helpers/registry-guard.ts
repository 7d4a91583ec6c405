/**
 * "No dangling pointer at any moment", checked at an OCI registry: as a fault proxy's `guard`
 * (tests/helpers/proxy.ts), `registryGuard` looks at every manifest PUT the moment it arrives — before the
 * registry sees it — and asks the registry itself (directly, with the test's credentials) whether what it
 * names is there:
 *   image manifest → its config and layer blobs;
 *   index          → every manifest it lists;
 *   a tag          → the manifest pushed by digest first (tags come last), and for a pointer tag
 *                    ({major}, latest) the version tag already naming the same digest;
 * and that nothing is deleted. `registryState` reads what a reader sees: every tag → digest, and every
 * manifest and blob they reach, each read back and hashed.
 */
import { createHash } from 'node:crypto';
import type { Guard } from './proxy.js';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryLogin {
  username: string;
  password: string;
}

/** Plain reads from a registry (host:port, HTTP) with Basic or token auth, as any client would do them. */
export class RegistryReader {
  private tokens = new Map<string, string>();
  constructor(
    readonly host: string,
    private readonly login?: RegistryLogin,
  ) {}

  async fetch(method: string, path: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const url = `http://${this.host}${path}`;
    const scopeKey = path.split('/').slice(2, -2).join('/');
    const go = (auth?: string) =>
      fetch(url, { method, headers: { accept: ACCEPT, ...(auth ? { authorization: auth } : {}) } });
    let res = await go(this.tokens.get(scopeKey));
    if (res.status === 401) {
      await res.arrayBuffer();
      const challenge = res.headers.get('www-authenticate') ?? '';
      const basic = this.login
        ? `Basic ${Buffer.from(`${this.login.username}:${this.login.password}`).toString('base64')}`
        : undefined;
      let auth = basic;
      if (/^Bearer /i.test(challenge)) {
        const p = Object.fromEntries(
          [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
        );
        const t = new URL(p.realm!);
        if (p.service) t.searchParams.set('service', p.service);
        t.searchParams.set('scope', `repository:${scopeKey}:pull`);
        const tr = await fetch(t, { headers: basic ? { authorization: basic } : {} });
        const data = (await tr.json()) as { token?: string; access_token?: string };
        auth = `Bearer ${data.token ?? data.access_token}`;
      }
      if (auth) this.tokens.set(scopeKey, auth);
      res = await go(auth);
    }
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  async exists(repo: string, kind: 'manifests' | 'blobs', ref: string): Promise<boolean> {
    const r = await this.fetch('HEAD', `/v2/${repo}/${kind}/${ref}`);
    if (r.status !== 200 && r.status !== 404)
      throw new Error(`HEAD ${repo} ${kind} ${ref}: HTTP ${r.status}`);
    return r.status === 200;
  }

  /** The digest a tag names, if it names one. */
  async resolve(repo: string, tag: string): Promise<string | undefined> {
    const r = await this.fetch('GET', `/v2/${repo}/manifests/${tag}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${repo}:${tag}: HTTP ${r.status}`);
    return sha256(r.body);
  }
}

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface ManifestJson {
  mediaType?: string;
  manifests?: { digest: string }[];
  config?: { digest: string };
  layers?: { digest: string }[];
}

export interface RegistryModel {
  /** The repositories under test (without host). */
  repositories: string[];
  /** The immutable tag ({version}); other tags are pointers that follow it. */
  versionTag: string;
}

export interface RegistryGuardState {
  guard: Guard;
  /** Manifest writes checked (a guard that checked nothing proves nothing). */
  checked: number;
}

export function registryGuard(reader: RegistryReader, model: () => RegistryModel): RegistryGuardState {
  const state: RegistryGuardState = {
    checked: 0,
    async guard({ method, url, body }) {
      const m = model();
      const path = new URL(url, 'http://x').pathname;
      const hit = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
      if (!hit || !m.repositories.includes(hit[1]!)) return undefined;
      const [, repo, kind, ref] = hit as unknown as [string, string, string, string];
      if (method === 'DELETE') return `deletes ${kind} ${ref}`;
      if (method !== 'PUT' || kind !== 'manifests' || !body) return undefined;
      state.checked++;
      const doc = JSON.parse(body.toString('utf8')) as ManifestJson;
      const missing: string[] = [];
      for (const c of doc.manifests ?? [])
        if (!(await reader.exists(repo, 'manifests', c.digest))) missing.push(`manifest ${c.digest}`);
      for (const b of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])])
        if (!(await reader.exists(repo, 'blobs', b.digest))) missing.push(`blob ${b.digest}`);
      const problems = missing.length ? [`written while ${missing.join(', ')} missing`] : [];
      if (!ref.startsWith('sha256:')) {
        const digest = sha256(body);
        if (!(await reader.exists(repo, 'manifests', digest)))
          problems.push(`tag ${ref} written before its manifest ${digest} was pushed by digest`);
        if (ref !== m.versionTag) {
          const version = await reader.resolve(repo, m.versionTag);
          if (version !== digest)
            problems.push(
              `pointer tag ${ref} moved to ${digest} while ${m.versionTag} names ${version ?? 'nothing'}`,
            );
        }
      }
      return problems.length ? problems.join('; ') : undefined;
    },
  };
  return state;
}

/**
 * What a reader of the repository sees: `tag:T` → digest for every tag, and `sha256:…` → size for every
 * manifest and blob reachable from them — each read back in full and checked against its digest.
 */
export async function registryState(reader: RegistryReader, repo: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const list = await reader.fetch('GET', `/v2/${repo}/tags/list`);
  if (list.status === 404) return out;
  const tags = ((JSON.parse(list.body.toString()) as { tags?: string[] | null }).tags ?? []).sort();
  const read = async (kind: 'manifests' | 'blobs', ref: string) => {
    const r = await reader.fetch('GET', `/v2/${repo}/${kind}/${ref}`);
    if (r.status !== 200) throw new Error(`GET ${repo} ${kind} ${ref}: HTTP ${r.status}`);
    if (ref.startsWith('sha256:') && sha256(r.body) !== ref)
      throw new Error(`${repo} ${kind} ${ref} reads back as ${sha256(r.body)}`);
    return r.body;
  };
  const walk = async (digest: string) => {
    if (out[digest]) return;
    const bytes = await read('manifests', digest);
    out[digest] = `manifest ${bytes.length}`;
    const doc = JSON.parse(bytes.toString('utf8')) as ManifestJson;
    for (const c of doc.manifests ?? []) await walk(c.digest);
    for (const b of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) {
      if (out[b.digest]) continue;
      out[b.digest] = `blob ${(await read('blobs', b.digest)).length}`;
    }
  };
  for (const t of tags) {
    const digest = sha256(await read('manifests', t));
    out[`tag:${t}`] = digest;
    await walk(digest);
  }
  return out;
}
