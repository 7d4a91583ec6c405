/**
 * The destinations of an e2e release: a real registry (Debian docker-registry), a real S3 server
 * (s3rver, in a child process for its OpenSSL flag) and bare git remotes — each behind a counting proxy
 * so a test can say "no byte was uploaded twice". Loopback, free ports, stopped by the caller.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { ROOT } from '../../helpers/action.js';
import { freePort, waitForPort } from '../../helpers/net.js';

export interface Counter {
  /** Request body bytes that the predicate counted (blob uploads, object PUTs). */
  bytes: number;
  requests: number;
  reset(): void;
}

export interface Server {
  /** host:port our code talks to (the counting proxy). */
  host: string;
  /** host:port of the server itself (for independent checks with skopeo or a client). */
  direct: string;
  /** Where the server keeps its data. */
  dir: string;
  uploads: Counter;
  stop(): Promise<void>;
}

/** Forwards everything to the target, Host header untouched (so Location headers point back here). */
async function countingProxy(
  target: number,
  counts: (req: http.IncomingMessage) => boolean,
): Promise<{ port: number; counter: Counter; close(): Promise<void> }> {
  const counter: Counter = {
    bytes: 0,
    requests: 0,
    reset() {
      this.bytes = 0;
      this.requests = 0;
    },
  };
  const server = http.createServer((req, res) => {
    const counted = counts(req);
    if (counted) counter.requests++;
    const up = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => {
      if (counted) counter.bytes += c.length;
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    counter,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** docker-registry (distribution 2.8) without auth, storage in `dir`. */
export async function startRegistry(dir: string): Promise<Server> {
  const port = await freePort();
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      '',
    ].join('\n'),
  );
  let output = '';
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  await waitForPort(port, 'docker-registry', child, () => output);
  const proxy = await countingProxy(
    port,
    (req) => /\/blobs\/uploads\//.test(req.url ?? '') && req.method !== 'POST',
  );
  return {
    host: `127.0.0.1:${proxy.port}`,
    direct: `127.0.0.1:${port}`,
    dir: storage,
    uploads: proxy.counter,
    async stop() {
      await proxy.close();
      await stopChild(child);
    },
  };
}

/**
 * An access key of the S3 server beside s3rver's own S3RVER/S3RVER, whose 6-character secret is shorter
 * than a secret input may be (8).
 */
export const S3_KEY = { id: 'RELENGTESTKEYID', secret: 'releng-test-secret-key' };

/** s3rver (tests/helpers/s3rver-child.mjs) with the given buckets; credentials S3_KEY or S3RVER / S3RVER. */
export async function startS3(dir: string, buckets: string[]): Promise<Server> {
  let output = '';
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'tests/helpers/s3rver-child.mjs'), dir, ...buckets],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // s3rver's ListObjectsV2 needs the legacy provider on Node ≥ 17 (DESIGN.md).
      env: {
        ...process.env,
        NODE_OPTIONS: '--openssl-legacy-provider',
        S3RVER_KEYS: JSON.stringify([[S3_KEY.id, S3_KEY.secret]]),
      },
    },
  );
  child.stderr!.on('data', (c) => (output += c));
  // It prints {"port": N} once it listens.
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      output += c;
      const line = /^(\{.*\})\n/m.exec(output);
      if (line) resolve((JSON.parse(line[1]!) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening: ${output}`)));
  });
  const proxy = await countingProxy(port, (req) => req.method === 'PUT' || req.method === 'POST');
  return {
    host: `127.0.0.1:${proxy.port}`,
    direct: `127.0.0.1:${port}`,
    dir,
    uploads: proxy.counter,
    async stop() {
      await proxy.close();
      await stopChild(child);
    },
  };
}
