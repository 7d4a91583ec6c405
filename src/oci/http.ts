/**
 * HTTP for the registry client, on undici: retries with backoff (connection errors, 5xx, 429 with
 * Retry-After, and — for requests that follow our own pushes — 404 while a registry catches up),
 * redirects followed by hand so that credentials never go to another origin, and TLS verification off
 * only for the registries named insecure.
 */
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';
import { RelengError, redactUrl } from '../errors.js';
import type { Logger } from '../log.js';
import { backoffMs, isTransientError, retryDelay, sleep } from '../retry.js';

/** A body that can be sent again (retries, redirects): bytes, or a factory of streams of known size. */
export type Body = Buffer | string | { size: number; open: () => Readable };

export interface RetryPolicy {
  /** Attempts in all (default 5). */
  attempts?: number;
  /** Also retry 404 (and 400 *_UNKNOWN) — eventual consistency right after a push. */
  notFound?: boolean;
  /** Retry connection errors and 5xx (default true); off for requests that must not be repeated blindly. */
  transient?: boolean;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Body;
  retry?: RetryPolicy;
  /**
   * The body carries credentials (a token request's password or refresh token): a redirect to another
   * origin is not followed — the 3xx is returned as it is — since a 307/308 would resend the body there.
   */
  credentialBody?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The URL that answered (after redirects). */
  url: URL;
  header(name: string): string | undefined;
  text(): Promise<string>;
  buffer(): Promise<Buffer>;
  body: Readable;
  dump(): Promise<void>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class HttpError extends RelengError {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Registry error bodies: {"errors":[{"code","message"}]} → "CODE: message". */
export async function errorDetail(res: HttpResponse): Promise<string> {
  const text = (await res.text().catch(() => '')).trim();
  try {
    const errs = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors;
    if (Array.isArray(errs) && errs.length > 0)
      return errs.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // not JSON
  }
  return text.slice(0, 200).replace(/\s+/g, ' ');
}

export class Http {
  private readonly secure: Agent;
  private readonly insecure: Agent;

  constructor(
    readonly log: Logger,
    /** Hosts (host or host:port) whose TLS certificates are not verified. */
    private readonly insecureHosts: (host: string) => boolean = () => false,
    readonly userAgent = 'releng-actions',
    /** How long a request may wait for the answer's headers, or sit idle in its body, before it is retried. */
    timeoutMs?: number,
  ) {
    const opts = {
      connections: 16,
      headersTimeout: timeoutMs ?? 120_000,
      bodyTimeout: timeoutMs ?? 300_000,
      keepAliveTimeout: 30_000,
    };
    this.secure = new Agent(opts);
    this.insecure = new Agent({ ...opts, connect: { rejectUnauthorized: false } });
  }

  async close(): Promise<void> {
    await Promise.all([this.secure.close(), this.insecure.close()]);
  }

  private dispatcher(url: URL): Dispatcher {
    return url.protocol === 'https:' && this.insecureHosts(url.host) ? this.insecure : this.secure;
  }

  /** One request, redirects followed; no retries. */
  async once(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let method = req.method;
    let headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const payload =
        body === undefined
          ? undefined
          : typeof body === 'string' || Buffer.isBuffer(body)
            ? body
            : body.open();
      if (body !== undefined && !('content-length' in headers))
        headers['content-length'] = String(
          typeof body === 'string'
            ? Buffer.byteLength(body)
            : Buffer.isBuffer(body)
              ? body.length
              : body.size,
        );
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: payload,
        dispatcher: this.dispatcher(url),
      });
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string' && hop < MAX_REDIRECTS) {
        const next = new URL(location, url);
        if (next.origin !== url.origin && req.credentialBody && res.statusCode !== 303) return wrap(res, url);
        await res.body.dump();
        // Credentials stay with the origin they were meant for (blob GETs redirect to storage).
        if (next.origin !== url.origin) {
          const { authorization: _, ...rest } = headers;
          headers = rest;
        }
        if (res.statusCode === 303) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          const { 'content-length': _l, 'content-type': _t, ...rest } = headers;
          headers = rest;
        }
        this.log.debug(`${req.method} ${redactUrl(url.href)} → ${res.statusCode} ${redactUrl(next.href)}`);
        url = next;
        continue;
      }
      return wrap(res, url);
    }
  }

  /** With retries per the policy. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const attempts = req.retry?.attempts ?? 5;
    const transient = req.retry?.transient ?? true;
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.once(req);
      } catch (e) {
        if (transient && isTransientError(e) && attempt < attempts) {
          this.log.debug(`${req.method} ${redactUrl(req.url.href)}: ${(e as Error).message}; retrying`);
          await sleep(backoffMs(attempt));
          continue;
        }
        throw connectionError(req, e);
      }
      const retryable =
        (transient && res.status >= 500) ||
        res.status === 429 ||
        (req.retry?.notFound && (res.status === 404 || (res.status === 400 && (await isUnknownError(res)))));
      const wait = retryDelay(attempt, res.header('retry-after'), req.retry?.notFound ? 500 : undefined);
      if (retryable && attempt < attempts && wait !== undefined) {
        this.log.debug(
          `${req.method} ${redactUrl(req.url.href)}: HTTP ${res.status}; retrying in ${Math.round(wait)} ms`,
        );
        await res.dump();
        await sleep(wait);
        continue;
      }
      return res;
    }
  }
}

/** 400 with a *_UNKNOWN code: what distribution answers for a manifest naming a blob it has not settled. */
async function isUnknownError(res: HttpResponse): Promise<boolean> {
  // Peek without consuming: read the (small) error body and keep it for later readers.
  const text = await res.text();
  (res as { text: () => Promise<string> }).text = async () => text;
  (res as { buffer: () => Promise<Buffer> }).buffer = async () => Buffer.from(text);
  return /"code"\s*:\s*"[A-Z_]*UNKNOWN"/.test(text);
}

function connectionError(req: HttpRequest, e: unknown): RelengError {
  if (e instanceof RelengError) return e;
  const err = e as NodeJS.ErrnoException & { cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? 'error';
  const detail = err.cause?.message ?? err.message;
  return new HttpError(
    `${req.method} ${redactUrl(req.url.origin + req.url.pathname)}: ${code} (${detail}); is the registry reachable?`,
    undefined,
    code,
  );
}

function wrap(res: Dispatcher.ResponseData, url: URL): HttpResponse {
  const headers = res.headers as Record<string, string | string[] | undefined>;
  // A body already dumped reads as empty: undici's readers would never settle on it (an error message
  // built from a HEAD answer's body, which was dumped before its status was judged).
  let dumped = false;
  return {
    status: res.statusCode,
    headers,
    url,
    header(name) {
      const v = headers[name.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
    text: async () => (dumped ? '' : res.body.text()),
    buffer: async () => (dumped ? Buffer.alloc(0) : Buffer.from(await res.body.arrayBuffer())),
    body: res.body,
    dump: () => {
      dumped = true;
      return res.body.dump().then(() => undefined);
    },
  };
}
