/**
 * A real registry for the tests and the benchmark: Debian's docker-registry (distribution 2.8) on a free
 * loopback port, with no auth, htpasswd Basic auth, or token auth (a small token server whose JWTs carry an
 * x5c certificate made with the openssl CLI). In front of it a recording proxy: every request (method,
 * path, status, Content-Range, body bytes), from which `rangeProblems` checks that each PATCH of an upload
 * carries a Content-Range continuing where the previous one ended — distribution ignores the header,
 * Forgejo rejects uploads without it. Proxy and token server run in a child process
 * (registry-proxy.mjs), so a test blocked in spawnSync (a bundled action, the CLI) does not block them.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
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

export interface TokenRequest {
  method: string;
  user?: string;
  scopes: string[];
  status: number;
  /** The token issued (status 200). */
  issued?: string;
}

export interface TokenServer {
  realm: string;
  service: string;
  /** Each token request so far: method, user, scopes, status. */
  readonly requests: TokenRequest[];
  /** The next N tokens are issued already expired (beyond distribution's 60 s leeway) but claim 300 s. */
  expireNext(n: number): void;
}

export interface RegistryServer {
  /** host:port of the recording proxy: what the code under test talks to. */
  host: string;
  /** host:port of docker-registry itself (for independent checks with skopeo). */
  direct: string;
  storage: string;
  /** Requests through the proxy so far (completed ones). */
  readonly requests: RecordedRequest[];
  /** PATCH requests without a Content-Range, or not continuing their upload: must stay empty. */
  readonly rangeProblems: string[];
  /** Blob bytes uploaded (PATCH and PUT bodies under /blobs/uploads/). */
  uploadedBytes(): number;
  reset(): void;
  /** Bytes docker-registry has written to files so far (/proc/PID/io write_bytes, page-rounded): what it received, measured without a proxy. */
  written(): number;
  token?: TokenServer;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: 'none' | 'htpasswd' | 'token';
  /** user → password (htpasswd and token auth). */
  users?: Record<string, string>;
  /** Token auth: users granted pull only. */
  readOnlyUsers?: string[];
  /** Token server without the POST form (as GCR and Forgejo): clients must fall back to GET. */
  tokenPost?: boolean;
  /** Without the proxy (host = direct): nothing recorded, no proxy in the way of a benchmark. */
  proxy?: boolean;
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

function readLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Each PATCH must start where its upload stands, with a Content-Range matching its length. */
export function rangeProblems(requests: RecordedRequest[]): string[] {
  const problems: string[] = [];
  const next = new Map<string, number>();
  for (const r of requests) {
    const id = /\/blobs\/uploads\/([^/?]+)/.exec(r.path)?.[1];
    if (r.method !== 'PATCH' || !id) continue;
    const expected = next.get(id) ?? 0;
    const m = /^(\d+)-(\d+)$/.exec(r.contentRange ?? '');
    if (!m) {
      problems.push(`PATCH ${r.path}: Content-Range '${r.contentRange ?? ''}' (expected ${expected}-…)`);
      continue;
    }
    const [start, end] = [Number(m[1]), Number(m[2])];
    if (start !== expected) problems.push(`PATCH ${r.path}: starts at ${start}, upload is at ${expected}`);
    if (end - start + 1 !== r.bodyBytes)
      problems.push(`PATCH ${r.path}: range ${start}-${end} but ${r.bodyBytes} bytes`);
    if (r.status === 202) next.set(id, end + 1);
  }
  return problems;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

export async function startRegistry(o: RegistryOptions = {}): Promise<RegistryServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-registry-'));
  const port = await freePort();
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const lines = [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true } }`,
    `http: { addr: "127.0.0.1:${port}", secret: releng-test-secret }`,
  ];
  const users = o.users ?? {};
  const records = path.join(dir, 'requests.jsonl');
  let token: (TokenServer & { options: object }) | undefined;
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
    const tokenPort = await freePort();
    const requestsFile = path.join(dir, 'token-requests.jsonl');
    const expireFile = path.join(dir, 'expire-next');
    const service = 'releng-test-registry';
    const issuer = 'releng-test-issuer';
    token = {
      realm: `http://127.0.0.1:${tokenPort}/token`,
      service,
      get requests() {
        return readLines<TokenRequest>(requestsFile);
      },
      expireNext(n) {
        fs.writeFileSync(expireFile, String(n));
      },
      options: {
        port: tokenPort,
        keyFile,
        certFile,
        users,
        readOnlyUsers: o.readOnlyUsers ?? [],
        post: o.tokenPost ?? true,
        service,
        issuer,
        requestsFile,
        expireFile,
      },
    };
    lines.push(
      `auth: { token: { realm: "${token.realm}", service: ${service}, issuer: ${issuer}, rootcertbundle: ${certFile} } }`,
    );
  }
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, `${lines.join('\n')}\n`);
  let output = '';
  const registry = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  registry.stdout!.on('data', (c) => (output += c));
  registry.stderr!.on('data', (c) => (output += c));
  await waitForPort(port, registry, () => output);

  let proxyChild: ChildProcess | undefined;
  let host = `127.0.0.1:${port}`;
  if (o.proxy !== false || token) {
    const child = spawn(
      process.execPath,
      [
        new URL('registry-proxy.mjs', import.meta.url).pathname,
        JSON.stringify({ target: port, records, token: token?.options }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    proxyChild = child;
    const proxyPort = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve((JSON.parse(buf.split('\n')[0]!) as { port: number }).port);
      });
      child.on('exit', (code) => reject(new Error(`registry proxy exited (${code})`)));
    });
    if (o.proxy !== false) host = `127.0.0.1:${proxyPort}`;
  }
  const requests = () => readLines<RecordedRequest>(records);
  return {
    host,
    direct: `127.0.0.1:${port}`,
    storage,
    get requests() {
      return requests();
    },
    get rangeProblems() {
      return rangeProblems(requests());
    },
    uploadedBytes: () =>
      requests()
        .filter((r) => /\/blobs\/uploads\//.test(r.path) && (r.method === 'PATCH' || r.method === 'PUT'))
        .reduce((n, r) => n + r.bodyBytes, 0),
    reset() {
      fs.rmSync(records, { force: true });
    },
    written() {
      const io = fs.readFileSync(`/proc/${registry.pid}/io`, 'utf8');
      return Number(/^write_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
    },
    token,
    async stop() {
      if (proxyChild) await stop(proxyChild);
      await stop(registry);
      if (!process.env.KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
