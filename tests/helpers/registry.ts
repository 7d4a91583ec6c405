/**
 * A real registry for the tests and the benchmark: Debian's docker-registry (distribution 2.8) on a free
 * loopback port, with no auth, htpasswd Basic auth, or token auth (a small token server below, whose
 * JWTs carry an x5c certificate made with the openssl CLI). In front of it a recording proxy: every
 * request (method, path, status, Content-Range, body bytes), and a check that each PATCH of an upload
 * carries a Content-Range continuing where the previous one ended — distribution ignores the header,
 * Forgejo rejects uploads without it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  contentRange?: string;
  contentLength?: number;
  bodyBytes: number;
  authorization?: string;
}

export interface RegistryServer {
  /** host:port of the recording proxy: what the code under test talks to. */
  host: string;
  /** host:port of docker-registry itself (for independent checks with skopeo). */
  direct: string;
  storage: string;
  requests: RecordedRequest[];
  /** PATCH requests without a Content-Range or not continuing the upload: must stay empty. */
  rangeProblems: string[];
  /** Blob bytes uploaded (PATCH and PUT bodies under /blobs/uploads/). */
  uploadedBytes(): number;
  reset(): void;
  token?: TokenServer;
  stop(): Promise<void>;
}

/** A temp directory removed by the server's stop() (KEEP_TMP=1 keeps it); no vitest hooks, so the bench can use it. */
function scratch(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function removeScratch(dir: string): void {
  if (!process.env.KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${log()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`docker-registry did not listen on ${port}: ${log()}`);
}

export interface RegistryOptions {
  auth?: 'none' | 'htpasswd' | 'token';
  /** user → password (htpasswd and token auth). */
  users?: Record<string, string>;
  /** Token auth: users granted pull only. */
  readOnlyUsers?: string[];
  /** Token server without the POST form (as GCR and Forgejo): clients must fall back to GET. */
  tokenPost?: boolean;
  /** Record each request (default true). */
  record?: boolean;
  /** Without the proxy (host = direct): nothing recorded, no proxy CPU in the measuring process. */
  proxy?: boolean;
}

export async function startRegistry(o: RegistryOptions = {}): Promise<RegistryServer> {
  const dir = scratch('releng-registry-');
  const port = await freePort();
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const lines = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true } }`,
    `http: { addr: "127.0.0.1:${port}", secret: releng-test-secret }`,
  ];
  let token: TokenServer | undefined;
  const users = o.users ?? {};
  if (o.auth === 'htpasswd') {
    const file = path.join(dir, 'htpasswd');
    fs.writeFileSync(
      file,
      Object.entries(users)
        .map(([u, p]) => execFileSync('htpasswd', ['-Bbn', u, p], { encoding: 'utf8' }).trim())
        .join('\n'),
    );
    lines.push(`auth: { htpasswd: { realm: releng-test, path: ${file} } }`);
  } else if (o.auth === 'token') {
    token = await startTokenServer({
      users,
      readOnlyUsers: o.readOnlyUsers ?? [],
      post: o.tokenPost ?? true,
    });
    lines.push(
      `auth: { token: { realm: "${token.realm}", service: ${token.service}, issuer: ${token.issuer}, rootcertbundle: ${token.certFile} } }`,
    );
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `${lines.join('\n')}\n`);
  let output = '';
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  await waitForPort(port, child, () => output);
  const proxy =
    o.proxy === false
      ? { port, requests: [] as RecordedRequest[], rangeProblems: [] as string[], close: async () => {} }
      : await recordingProxy(port, o.record ?? true);
  return {
    host: `127.0.0.1:${proxy.port}`,
    direct: `127.0.0.1:${port}`,
    storage,
    requests: proxy.requests,
    rangeProblems: proxy.rangeProblems,
    uploadedBytes: () =>
      proxy.requests
        .filter((r) => /\/blobs\/uploads\//.test(r.path) && (r.method === 'PATCH' || r.method === 'PUT'))
        .reduce((n, r) => n + r.bodyBytes, 0),
    reset() {
      proxy.requests.length = 0;
      proxy.rangeProblems.length = 0;
    },
    token,
    async stop() {
      await proxy.close();
      await token?.stop();
      if (child.exitCode === null)
        await new Promise<void>((r) => {
          child.once('exit', () => r());
          child.kill('SIGTERM');
        });
      removeScratch(dir);
    },
  };
}

/** Forwards to the registry with the Host header untouched (so its Location headers point back here). */
async function recordingProxy(target: number, record: boolean) {
  const requests: RecordedRequest[] = [];
  const rangeProblems: string[] = [];
  // upload id → next expected offset
  const uploads = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    const uploadId = /\/blobs\/uploads\/([^/?]+)/.exec(url)?.[1];
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: url,
      status: 0,
      contentRange: req.headers['content-range'] as string | undefined,
      contentLength: req.headers['content-length'] ? Number(req.headers['content-length']) : undefined,
      bodyBytes: 0,
      authorization: req.headers.authorization?.split(' ')[0],
    };
    if (req.method === 'PATCH' && uploadId) {
      const expected = uploads.get(uploadId) ?? 0;
      const m = /^(\d+)-(\d+)$/.exec(rec.contentRange ?? '');
      if (!m)
        rangeProblems.push(
          `PATCH ${url}: Content-Range '${rec.contentRange ?? ''}' (expected ${expected}-…)`,
        );
      else {
        const [start, end] = [Number(m[1]), Number(m[2])];
        if (start !== expected)
          rangeProblems.push(`PATCH ${url}: starts at ${start}, upload is at ${expected}`);
        if (rec.contentLength !== undefined && end - start + 1 !== rec.contentLength)
          rangeProblems.push(`PATCH ${url}: range ${start}-${end} but Content-Length ${rec.contentLength}`);
        uploads.set(uploadId, end + 1);
      }
    }
    const up = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: url, headers: req.headers },
      (r) => {
        rec.status = r.statusCode ?? 0;
        if (req.method === 'PATCH' && uploadId && rec.status !== 202) uploads.delete(uploadId);
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => {
      rec.bodyBytes += c.length;
    });
    if (record) requests.push(rec);
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    rangeProblems,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  /** Each token request: method, user, scopes. */
  requests: { method: string; user?: string; scopes: string[]; status: number }[];
  /** The next N tokens are issued already expired (beyond distribution's 60 s leeway) but claim 300 s. */
  expireNext(n: number): void;
  stop(): Promise<void>;
}

interface TokenServerOptions {
  users: Record<string, string>;
  readOnlyUsers: string[];
  post: boolean;
}

export async function startTokenServer(o: TokenServerOptions): Promise<TokenServer> {
  const dir = scratch('releng-token-');
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=releng-test-token',
    ],
    { stdio: 'ignore' },
  );
  const key = fs.readFileSync(keyFile, 'utf8');
  const certDer = Buffer.from(
    fs
      .readFileSync(certFile, 'utf8')
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  ).toString('base64');
  const service = 'releng-test-registry';
  const issuer = 'releng-test-issuer';
  const requests: TokenServer['requests'] = [];
  let expired = 0;

  const sign = (user: string | undefined, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const exp = expired > 0 ? now - 120 : now + 300;
    if (expired > 0) expired--;
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository' || !name || !user || !(user in o.users)) return [];
      const wanted = (actions ?? '').split(',').filter(Boolean);
      const granted = o.readOnlyUsers.includes(user) ? wanted.filter((a) => a === 'pull') : wanted;
      return [{ type, name, actions: granted }];
    });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [certDer] })}.${b64({
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    })}`;
    const sig = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
    return {
      token: `${input}.${sig}`,
      access_token: `${input}.${sig}`,
      expires_in: 300,
      issued_at: new Date().toISOString(),
    };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body: unknown, user?: string, scopes: string[] = []) => {
      requests.push({ method: req.method ?? '', user, scopes, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return reply(404, { error: 'not found' });
    if (req.method === 'GET') {
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
      const auth = req.headers.authorization;
      let user: string | undefined;
      if (auth?.startsWith('Basic ')) {
        const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
        if (!u || o.users[u] !== p) return reply(401, { error: 'bad credentials' }, u, scopes);
        user = u;
      }
      return reply(200, sign(user, scopes), user, scopes);
    }
    if (req.method === 'POST') {
      if (!o.post) return reply(405, { error: 'use GET' });
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const u = form.get('username') ?? undefined;
        if (form.get('grant_type') !== 'password' || !u || o.users[u] !== form.get('password'))
          return reply(401, { error: 'invalid_grant' }, u, scopes);
        return reply(200, sign(u, scopes), u, scopes);
      });
      return;
    }
    reply(405, { error: 'method' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    requests,
    expireNext(n) {
      expired = n;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => {
          removeScratch(dir);
          r();
        });
      }),
  };
}
