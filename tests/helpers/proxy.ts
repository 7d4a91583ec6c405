/**
 * A loopback HTTP proxy in front of a real server (registry, S3) that records every exchange and can
 * inject the faults real registries and object stores produce: connection resets (before the
 * response, or in the middle of the request or response body), error statuses (500/502/503, 429 with
 * Retry-After, 401 with a challenge, 404 BLOB_UNKNOWN), slow and truncated responses. A `guard` sees
 * each request before it is forwarded (body included, for small bodies) and may record a violation —
 * the reliability tests use it to check that nothing points at something missing at the moment it is
 * written. The Host header is passed unchanged, so Location headers point back through the proxy.
 *
 * Faults are answered by the proxy itself (`status`, `reset`, `stall`: the server never sees the request)
 * or applied to a forwarded exchange (`drop`, `truncate`, `slow`: the server did the work, the client
 * does not hear of it in full or in time) — the second kind is what makes retries of non-idempotent
 * requests interesting.
 */
import http from 'node:http';
import type net from 'node:net';

export interface Exchange {
  seq: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Request body bytes received from the client. */
  bytesIn: number;
  /** The status the client saw; 0 when the connection was reset. */
  status: number;
  /** Name of the fault applied, if any. */
  fault?: string;
  /** When the request arrived, in ms since the proxy started (to check that a Retry-After was honoured). */
  at: number;
}

export type Fault =
  /** Answer with this status (and headers/body) without forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Close the connection without answering, after the request body arrived (or part of it). */
  | { kind: 'reset'; afterRequestBytes?: number }
  /** Forward, then cut the response after this many body bytes (headers already promised more). */
  | { kind: 'truncate'; afterBytes: number }
  /** Forward after a delay. */
  | { kind: 'slow'; delayMs: number }
  /** Forward (the server applies the request), then close the connection instead of answering. */
  | { kind: 'drop' }
  /** Read the request and never answer: the client's own timeout must end it. */
  | { kind: 'stall' };

export interface FaultRule {
  name: string;
  match: (req: { method: string; url: string; headers: http.IncomingHttpHeaders; seq: number }) => boolean;
  fault: Fault;
  /** How many matching requests get the fault (default 1). */
  times?: number;
}

/** Looks at a request before it is forwarded: a description of a violation, or undefined. */
export type Guard = (req: {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer | undefined;
}) => Promise<string | undefined>;

export interface ProxyOptions {
  /** Upstream port on 127.0.0.1. */
  target: number;
  faults?: FaultRule[];
  /**
   * Called with each request (body buffered when it is at most `guardBodyLimit` bytes) before it is
   * forwarded; return a description of a violation, or undefined. Async: it may query the upstream.
   */
  guard?: Guard;
  guardBodyLimit?: number;
  /** Called once per request as it arrives (e.g. to SIGKILL a client at the k-th request). */
  onRequest?: (seq: number, req: http.IncomingMessage) => void;
}

export interface FaultProxy {
  port: number;
  host: string;
  exchanges: Exchange[];
  violations: string[];
  /** Faults still armed, by name, with the number of times they may still fire. */
  remaining(): Record<string, number>;
  setFaults(rules: FaultRule[]): void;
  /** Request body bytes of requests matching the predicate. */
  bytesIn(pred?: (e: Exchange) => boolean): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startProxy(opts: ProxyOptions): Promise<FaultProxy> {
  let armed: { rule: FaultRule; left: number }[] = [];
  const setFaults = (rules: FaultRule[]) => {
    armed = rules.map((rule) => ({ rule, left: rule.times ?? 1 }));
  };
  setFaults(opts.faults ?? []);
  const exchanges: Exchange[] = [];
  const violations: string[] = [];
  let seq = 0;
  const limit = opts.guardBodyLimit ?? 1 << 20;
  const t0 = performance.now();

  const server = http.createServer((req, res) => {
    const ex: Exchange = {
      seq: ++seq,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      bytesIn: 0,
      status: 0,
      at: performance.now() - t0,
    };
    exchanges.push(ex);
    opts.onRequest?.(ex.seq, req);
    // Every rule sees every request (so a rule may count: "the 2nd part"); the first armed match fires.
    const matched = armed.filter((a) => a.rule.match({ ...ex, headers: req.headers }));
    const hit = matched.find((a) => a.left > 0);
    if (hit) {
      hit.left--;
      ex.fault = hit.rule.name;
    }
    const fault = hit?.rule.fault;
    req.on('error', () => {});
    req.on('data', (c: Buffer) => {
      ex.bytesIn += c.length;
      if (fault?.kind === 'reset' && ex.bytesIn >= (fault.afterRequestBytes ?? Infinity))
        req.socket.destroy();
    });

    if (fault?.kind === 'stall') {
      req.resume();
      return;
    }
    if (fault?.kind === 'reset' || fault?.kind === 'status') {
      req.resume();
      req.on('end', () => {
        if (fault.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        ex.status = fault.status;
        const body = fault.body ?? '';
        res.writeHead(fault.status, { 'content-length': String(Buffer.byteLength(body)), ...fault.headers });
        res.end(body);
      });
      return;
    }
    const up = () =>
      http.request(
        { host: '127.0.0.1', port: opts.target, method: req.method, path: req.url, headers: req.headers },
        (r) => respond(ex, r, res, fault),
      );
    if (!opts.guard) {
      // Streamed: large uploads pass through without being held here.
      const delay = fault?.kind === 'slow' ? fault.delayMs : 0;
      req.pause();
      setTimeout(() => {
        const u = up();
        u.on('error', () => res.destroy());
        // A client killed mid-body must not leave the server waiting for the rest of it.
        req.on('close', () => {
          if (!req.complete) u.destroy();
        });
        req.pipe(u);
        req.resume();
      }, delay);
      return;
    }
    // Guarded: the whole request is held until the guard has looked at the server's state.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const v = await opts.guard!({
        method: ex.method,
        url: ex.url,
        headers: req.headers,
        body: body.length <= limit ? body : undefined,
      });
      if (v) violations.push(`#${ex.seq} ${ex.method} ${ex.url}: ${v}`);
      if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
      const u = up();
      u.on('error', () => res.destroy());
      u.end(body);
    });
  });

  function respond(
    ex: Exchange,
    r: http.IncomingMessage,
    res: http.ServerResponse,
    fault: Fault | undefined,
  ) {
    if (fault?.kind === 'drop') {
      // The server has answered (so it applied the request); the client hears nothing.
      r.resume();
      r.on('end', () => res.socket?.destroy());
      return;
    }
    ex.status = r.statusCode ?? 502;
    res.writeHead(ex.status, r.headers);
    if (fault?.kind !== 'truncate') {
      r.pipe(res);
      return;
    }
    let sent = 0;
    r.on('data', (c: Buffer) => {
      if (sent >= fault.afterBytes) return;
      const part = c.subarray(0, fault.afterBytes - sent);
      sent += part.length;
      res.write(part);
      if (sent >= fault.afterBytes) res.socket?.destroy();
    });
    r.on('end', () => res.socket?.destroy());
  }

  // Keep-alive sockets are tracked so close() does not wait for idle clients.
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    exchanges,
    violations,
    remaining: () => Object.fromEntries(armed.map((a) => [a.rule.name, a.left])),
    setFaults,
    bytesIn: (pred = () => true) => exchanges.filter(pred).reduce((n, e) => n + e.bytesIn, 0),
    reset() {
      exchanges.length = 0;
      violations.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
