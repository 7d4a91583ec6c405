/**
 * A loopback HTTP server for unit tests of clients: records every request (method, url, headers, body)
 * and answers through `respond`. Closed after the test file (or by `close`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface StubRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpStub {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  received: StubRequest[];
  close(): Promise<void>;
}

const open: HttpStub[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

export async function startHttpStub(
  respond: (req: StubRequest, res: http.ServerResponse) => void,
): Promise<HttpStub> {
  const received: StubRequest[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    // A client that gives up mid-body (a short file) is not the stub's failure.
    req.on('error', () => {});
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(parts) };
      received.push(r);
      respond(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let closed = false;
  const stub: HttpStub = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  open.push(stub);
  return stub;
}

/** Answers with a status, JSON body and headers. */
export function json(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
