/**
 * A stub forge that answers the release endpoints as documented, and checks every request against them:
 * method and path, auth and content headers, body shape (required and allowed keys, types). A request that
 * strays is answered 400/404/422 as the forge would and recorded in `violations`, so a test can say "every
 * request was one the real API accepts".
 *
 * GitHub (https://docs.github.com/en/rest/releases/releases, API version 2022-11-28):
 *   GET /repos/{o}/{r}; GET /repos/{o}/{r}/releases/tags/{tag}; POST /repos/{o}/{r}/releases;
 *   PATCH /repos/{o}/{r}/releases/{id}. Bearer token, Accept application/vnd.github+json.
 * Forgejo (/api/v1, swagger of routers/api/v1/repo/release*.go):
 *   GET /repos/{o}/{r}; GET …/releases/tags/{tag}; POST …/releases (name required); PATCH …/releases/{id};
 *   POST …/releases/{id}/assets?name= (multipart: `attachment` xor `external_url`);
 *   PATCH …/releases/{id}/assets/{aid} ({name, browser_download_url}, external assets only).
 */
import http from 'node:http';
import type net from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

interface Asset {
  id: number;
  name: string;
  browser_download_url: string;
  type: 'external' | 'attachment';
}

interface Release {
  id: number;
  tag_name: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  make_latest?: string;
  html_url: string;
  assets: Asset[];
}

export interface ForgeStub {
  kind: 'github' | 'forgejo';
  /** The api-url for releng.yml. */
  apiUrl: string;
  requests: StubRequest[];
  violations: string[];
  releases: Release[];
  /** Seed an uploaded (non-external) asset, as a maintainer might have attached by hand. */
  addUploadedAsset(releaseId: number, name: string): void;
  close(): Promise<void>;
}

const TYPES: Record<string, 'string' | 'boolean'> = {
  tag_name: 'string',
  target_commitish: 'string',
  name: 'string',
  body: 'string',
  draft: 'boolean',
  prerelease: 'boolean',
  make_latest: 'string',
  generate_release_notes: 'boolean',
  hide_archive_links: 'boolean',
  discussion_category_name: 'string',
  browser_download_url: 'string',
};
const GITHUB_KEYS = [
  'tag_name',
  'target_commitish',
  'name',
  'body',
  'draft',
  'prerelease',
  'make_latest',
  'generate_release_notes',
  'discussion_category_name',
];
const FORGEJO_KEYS = [
  'tag_name',
  'target_commitish',
  'name',
  'body',
  'draft',
  'prerelease',
  'hide_archive_links',
];

export async function startForgeStub(
  kind: 'github' | 'forgejo',
  repository: string,
  token: string,
): Promise<ForgeStub> {
  const base = kind === 'github' ? `/repos/${repository}` : `/api/v1/repos/${repository}`;
  const releases: Release[] = [];
  const requests: StubRequest[] = [];
  const violations: string[] = [];
  let nextId = 1;
  let origin = '';

  const handle = async (req: http.IncomingMessage, raw: Buffer): Promise<[number, unknown]> => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const ctype = String(req.headers['content-type'] ?? '');
    let body: unknown;
    if (raw.length && ctype.startsWith('application/json')) body = JSON.parse(raw.toString('utf8'));
    else if (raw.length && ctype.startsWith('multipart/form-data'))
      body = Object.fromEntries(
        (
          await new Response(new Uint8Array(raw), { headers: { 'content-type': ctype } }).formData()
        ).entries(),
      );
    requests.push({ method: req.method ?? '', path: p + url.search, headers: req.headers, body });
    const bad = (status: number, message: string): [number, unknown] => {
      violations.push(`${req.method} ${p}: ${message}`);
      return [status, { message }];
    };
    // Headers, as each API documents them.
    const auth = req.headers.authorization;
    if (kind === 'github') {
      if (auth !== `Bearer ${token}` && auth !== `token ${token}`)
        return [401, { message: 'Bad credentials' }];
      if (req.headers.accept !== 'application/vnd.github+json')
        return bad(415, 'Accept must be application/vnd.github+json');
      if (req.headers['x-github-api-version'] !== '2022-11-28')
        return bad(400, 'X-GitHub-Api-Version must be 2022-11-28');
      if (!req.headers['user-agent']) return bad(403, 'User-Agent is required');
    } else if (auth !== `token ${token}` && auth !== `Bearer ${token}`)
      return [401, { message: 'token is required' }];
    if (
      (req.method === 'POST' || req.method === 'PATCH') &&
      !p.endsWith('/assets') &&
      !ctype.startsWith('application/json')
    )
      return bad(415, 'Content-Type must be application/json');

    const shape = (o: unknown, allowed: string[], required: string[]): string | undefined => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'body must be a JSON object';
      for (const [k, v] of Object.entries(o)) {
        if (!allowed.includes(k)) return `unknown key ${k}`;
        if (typeof v !== TYPES[k]) return `${k} must be a ${TYPES[k]}`;
      }
      for (const k of required) if (!(k in o)) return `${k} is required`;
      return undefined;
    };
    const find = (id: string) => releases.find((r) => String(r.id) === id);

    if (req.method === 'GET' && p === base)
      return [200, { full_name: repository, permissions: { admin: false, push: true, pull: true } }];
    let m = /^\/releases\/tags\/([^/]+)$/.exec(p.slice(base.length));
    if (p.startsWith(base) && m && req.method === 'GET') {
      const r = releases.find((x) => x.tag_name === decodeURIComponent(m![1]!));
      return r ? [200, r] : [404, { message: 'Not Found' }];
    }
    if (p === `${base}/releases` && req.method === 'POST') {
      const err = shape(body, kind === 'github' ? GITHUB_KEYS : FORGEJO_KEYS, ['tag_name']);
      if (err) return bad(422, err);
      const b = body as Partial<Release>;
      if (kind === 'forgejo' && !b.name) return bad(422, 'title is empty');
      if (kind === 'github' && b.make_latest && !['true', 'false', 'legacy'].includes(b.make_latest))
        return bad(422, 'make_latest must be true, false or legacy');
      if (releases.some((r) => r.tag_name === b.tag_name))
        return bad(kind === 'github' ? 422 : 409, 'release already exists');
      const id = nextId++;
      const r: Release = {
        id,
        tag_name: b.tag_name!,
        name: b.name ?? '',
        body: b.body ?? '',
        draft: b.draft ?? false,
        prerelease: b.prerelease ?? false,
        make_latest: b.make_latest,
        html_url: `${origin}/${repository}/releases/tag/${b.tag_name}`,
        assets: [],
      };
      releases.push(r);
      return [201, r];
    }
    m = /^\/releases\/(\d+)$/.exec(p.slice(base.length));
    if (p.startsWith(base) && m && req.method === 'PATCH') {
      const err = shape(body, kind === 'github' ? GITHUB_KEYS : FORGEJO_KEYS, []);
      if (err) return bad(422, err);
      const r = find(m[1]!);
      if (!r) return [404, { message: 'Not Found' }];
      Object.assign(r, body);
      return [200, r];
    }
    m = /^\/releases\/(\d+)\/assets$/.exec(p.slice(base.length));
    if (kind === 'forgejo' && p.startsWith(base) && m && req.method === 'POST') {
      if (!ctype.startsWith('multipart/form-data')) return bad(400, 'assets take multipart/form-data');
      const r = find(m[1]!);
      if (!r) return [404, { message: 'Not Found' }];
      const form = (body ?? {}) as Record<string, unknown>;
      if ('attachment' in form && 'external_url' in form)
        return bad(400, "'attachment' and 'external_url' are mutually exclusive");
      if (typeof form.external_url !== 'string' || !/^https?:\/\//.test(form.external_url))
        return bad(400, 'external_url must be an http(s) URL');
      const name = url.searchParams.get('name') ?? form.external_url.split('/').pop()!;
      const a: Asset = { id: nextId++, name, browser_download_url: form.external_url, type: 'external' };
      r.assets.push(a);
      return [201, a];
    }
    m = /^\/releases\/(\d+)\/assets\/(\d+)$/.exec(p.slice(base.length));
    if (kind === 'forgejo' && p.startsWith(base) && m && req.method === 'PATCH') {
      const err = shape(body, ['name', 'browser_download_url'], []);
      if (err) return bad(422, err);
      const a = find(m[1]!)?.assets.find((x) => String(x.id) === m![2]);
      if (!a) return [404, { message: 'Not Found' }];
      const b = body as { name?: string; browser_download_url?: string };
      if (b.browser_download_url && a.type !== 'external')
        return bad(400, 'existing attachment is not external');
      if (b.name) a.name = b.name;
      if (b.browser_download_url) a.browser_download_url = b.browser_download_url;
      return [201, a];
    }
    return bad(404, `no such endpoint: ${req.method} ${p}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks)).then(
        ([status, body]) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (e: Error) => {
          violations.push(`${req.method} ${req.url}: ${e.message}`);
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: e.message }));
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    kind,
    apiUrl: kind === 'github' ? origin : `${origin}/api/v1`,
    requests,
    violations,
    releases,
    addUploadedAsset(releaseId, name) {
      releases
        .find((r) => r.id === releaseId)!
        .assets.push({
          id: nextId++,
          name,
          browser_download_url: `${origin}/attachments/${name}`,
          type: 'attachment',
        });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
