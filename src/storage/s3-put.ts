import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { CHUNK, giveBuffer, takeBuffer } from './buffers.js';
import type { S3Credentials } from './credentials.js';

/** The SDK's hash interface, on node:crypto. */
class NodeSha256 {
  private h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', Buffer.from(secret as ArrayBuffer)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {}
}

/**
 * The SDK's SigV4 signer as S3 wants it: the path is signed as given (keys are encoded once, by encodeKey;
 * S3 does not encode them twice), no checksum of its own.
 */
export function s3Signer(region: string, credentials: S3Credentials): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

/** An error shaped like the SDK's, so one `wrap`/`retryable` serves both paths. */
export interface S3HttpError extends Error {
  $metadata: { httpStatusCode?: number };
  code?: string;
  /** The response's Retry-After header (429, 503), honoured by the retry loop. */
  retryAfter?: string;
}

/** Key segments percent-encoded as S3 canonicalises them (RFC 3986; `/` kept). */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/**
 * The request that carries the bytes of an ordinary object (PutObject), signed with the SDK's own SigV4
 * signer and sent on a keep-alive agent. Everything else goes through the S3 client; this one request
 * does not, because the client's command stack costs more CPU per request than the upload itself for the
 * many small files of a release (docs/architecture.md, "Uploads"). The body streams from a file with a
 * known length and is signed UNSIGNED-PAYLOAD, as the client signs streams; no checksum headers are
 * added (Garage and R2 reject the newer ones).
 */
export class SignedPut {
  private signer: SignatureV4;
  private base: URL;
  private agent: http.Agent;
  private pathStyle: boolean;
  private timeout: number;

  constructor(o: {
    endpoint?: string;
    region: string;
    pathStyle: boolean;
    credentials: S3Credentials;
    sockets: number;
    /** Milliseconds the request may sit idle before it is abandoned (and retried by the caller). */
    timeout: number;
  }) {
    this.timeout = o.timeout;
    this.pathStyle = o.pathStyle;
    this.base = new URL(o.endpoint ?? `https://s3.${o.region}.amazonaws.com`);
    this.signer = s3Signer(o.region, o.credentials);
    const options = { keepAlive: true, maxSockets: o.sockets };
    this.agent = this.base.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  }

  /** PUTs bytes, or `size` bytes of `file` from offset `start`, to bucket/key; returns the ETag. */
  async put(
    bucket: string,
    key: string,
    body: { file: string; start: number; size: number } | Uint8Array,
    headers: Record<string, string>,
  ): Promise<string> {
    const size = body instanceof Uint8Array ? body.length : body.size;
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const hostname = this.pathStyle ? this.base.hostname : `${bucket}.${this.base.hostname}`;
    const host = this.base.port ? `${hostname}:${this.base.port}` : hostname;
    const path = this.pathStyle ? `${basePath}/${bucket}/${encodeKey(key)}` : `${basePath}/${encodeKey(key)}`;
    const signed = await this.signer.sign({
      method: 'PUT',
      protocol: this.base.protocol,
      hostname,
      port: this.base.port ? Number(this.base.port) : undefined,
      path,
      headers: {
        host,
        'content-length': String(size),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        ...headers,
      },
    });
    const transport = this.base.protocol === 'https:' ? https : http;
    return new Promise<string>((resolve, reject) => {
      const req = transport.request(
        {
          agent: this.agent,
          hostname,
          port: this.base.port || undefined,
          method: 'PUT',
          path,
          headers: signed.headers,
          timeout: this.timeout,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.resume();
            res.on('end', () => resolve(String(res.headers.etag ?? '')));
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            if (text.length < 4096) text += c;
          });
          res.on('end', () => reject(httpError(status, text, res.headers['retry-after'])));
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', reject);
      if (body instanceof Uint8Array) req.end(body);
      else sendFile(req, body.file, body.start, size).catch((e: Error) => req.destroy(e));
    });
  }
}

/**
 * Writes a file range into the request from pooled buffers, each returned when the socket has taken it
 * (the write callback), with the request's backpressure respected — so memory stays at about two chunks
 * per request in flight and nothing is left for the garbage collector.
 */
async function sendFile(req: http.ClientRequest, file: string, start: number, size: number): Promise<void> {
  // Synchronous chunk reads, as in sha256File: page-cached, they cost less than the thread pool.
  const fd = fs.openSync(file, 'r');
  try {
    let pos = start;
    let left = size;
    while (left > 0) {
      if (req.destroyed) return;
      const buf = takeBuffer();
      const bytesRead = fs.readSync(fd, buf, 0, Math.min(CHUNK, left), pos);
      if (bytesRead === 0) {
        giveBuffer(buf);
        throw new Error(`${file}: ended ${left} bytes early; was it changed while publishing?`);
      }
      pos += bytesRead;
      left -= bytesRead;
      const more = req.write(buf.subarray(0, bytesRead), () => giveBuffer(buf));
      if (!more && !req.destroyed) await Promise.race([once(req, 'drain'), once(req, 'close')]);
    }
    req.end();
  } finally {
    fs.closeSync(fd);
  }
}

function httpError(status: number, xml: string, retryAfter?: string): S3HttpError {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? `HTTP${status}`;
  const message =
    /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? (xml.trim().slice(0, 200) || `HTTP ${status}`);
  const e = new Error(message) as S3HttpError;
  e.name = code;
  e.code = code;
  e.$metadata = { httpStatusCode: status };
  if (retryAfter) e.retryAfter = retryAfter;
  return e;
}
