/**
 * A recording proxy in front of a real S3 server: every request with its method, bucket, key, query, status
 * and body bytes, in the order the server answered them. Object writes become visible when their PUT (or a
 * multipart upload's completing POST) is answered, so `visible()` is the publication order as a reader sees
 * it. An optional journal file gets one line per visible write, so other processes (a git hook) can append
 * to the same timeline.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';

export interface S3Event {
  method: string;
  bucket: string;
  key: string;
  query: string;
  status: number;
  /** Request body bytes. */
  bytes: number;
}

export interface Recorder {
  endpoint: string;
  events: S3Event[];
  /** Object writes and deletes that change what readers see, in order: `PUT bucket/key`, `DELETE bucket/key`. */
  visible(): string[];
  /** Request body bytes of PUTs and POSTs. */
  uploadedBytes(): number;
  /** Requests that may change the store: PUT, POST (except nothing), DELETE. */
  writes(): S3Event[];
  /** Called after each answered request; a test may kill a process from here. */
  onEvent?: (e: S3Event) => void;
  reset(): void;
  close(): Promise<void>;
}

export async function startRecorder(target: string, journal?: string): Promise<Recorder> {
  const url = new URL(target);
  const events: S3Event[] = [];
  const rec: Recorder = {
    endpoint: '',
    events,
    visible: () =>
      events
        .filter((e) => e.status < 300 && isVisibleWrite(e))
        .map(
          (e) =>
            `${e.method === 'DELETE' || e.query.includes('delete') ? 'DELETE' : 'PUT'} ${e.bucket}/${e.key}`,
        ),
    uploadedBytes: () =>
      events.filter((e) => e.method === 'PUT' || e.method === 'POST').reduce((n, e) => n + e.bytes, 0),
    writes: () => events.filter((e) => e.method === 'PUT' || e.method === 'POST' || e.method === 'DELETE'),
    reset: () => {
      events.length = 0;
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const [, bucket = '', ...rest] = decodeURIComponent(u.pathname).split('/');
    const ev: S3Event = {
      method: req.method ?? '',
      bucket,
      key: rest.join('/'),
      query: u.search.replace(/^\?/, ''),
      status: 0,
      bytes: 0,
    };
    req.on('data', (c: Buffer) => {
      ev.bytes += c.length;
    });
    const up = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        ev.status = r.statusCode ?? 0;
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('end', () => {
          events.push(ev);
          if (journal && ev.status < 300 && isVisibleWrite(ev))
            fs.appendFileSync(journal, `s3 ${ev.method} ${ev.bucket}/${ev.key}\n`);
          rec.onEvent?.(ev);
        });
      },
    );
    up.on('error', () => res.destroy());
    // A client killed mid-body must not leave the server waiting for the rest of it.
    req.on('close', () => {
      if (!req.complete) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  rec.endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  rec.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return rec;
}

function isVisibleWrite(e: S3Event): boolean {
  if (e.method === 'PUT') return !/(^|&)(partNumber|uploadId)=/.test(e.query);
  if (e.method === 'POST') return /(^|&)uploadId=/.test(e.query) || /(^|&)delete(=|&|$)/.test(e.query);
  return e.method === 'DELETE' && !/uploadId=/.test(e.query);
}
