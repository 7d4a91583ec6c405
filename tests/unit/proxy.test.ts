// The fault proxy of the reliability tests, against a plain upstream: each fault is what a client sees.
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startProxy } from '../helpers/proxy.js';

let upstream: http.Server;
let port: number;
const seen: { method: string; url: string; body: string }[] = [];
beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString() });
      const body = 'x'.repeat(1000);
      res.writeHead(201, { 'content-length': String(body.length), location: '/next' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  port = (upstream.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

const send = (host: string, path: string, body?: string) =>
  fetch(`http://${host}${path}`, { method: body ? 'PUT' : 'GET', body }).then(
    async (r) => ({ status: r.status, headers: r.headers, text: await r.text() }),
    (e: Error) => ({ status: 0, error: String(e.cause ?? e) }),
  );

describe('fault proxy', () => {
  test('forwards and records; each fault fires as often as armed, in order of arrival', async () => {
    const p = await startProxy({
      target: port,
      faults: [
        { name: '503', match: (r) => r.url === '/a', fault: { kind: 'status', status: 503 }, times: 2 },
        {
          name: '429',
          match: (r) => r.url === '/b',
          fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
        },
      ],
    });
    expect((await send(p.host, '/a')).status).toBe(503);
    expect((await send(p.host, '/a')).status).toBe(503);
    expect((await send(p.host, '/a')).status).toBe(201);
    const r429 = await send(p.host, '/b');
    expect(r429.status).toBe(429);
    expect('headers' in r429 && r429.headers.get('retry-after')).toBe('1');
    const put = await send(p.host, '/c', 'hello');
    expect(put.status).toBe(201);
    expect('headers' in put && put.headers.get('location')).toBe('/next');
    expect(seen.at(-1)).toEqual({ method: 'PUT', url: '/c', body: 'hello' });
    expect(p.exchanges.map((e) => [e.url, e.status, e.fault ?? ''])).toEqual([
      ['/a', 503, '503'],
      ['/a', 503, '503'],
      ['/a', 201, ''],
      ['/b', 429, '429'],
      ['/c', 201, ''],
    ]);
    expect(p.bytesIn((e) => e.method === 'PUT')).toBe(5);
    expect(p.remaining()).toEqual({ '503': 0, '429': 0 });
    await p.close();
  });

  test('reset and truncate are connection failures; the upstream never sees a reset request', async () => {
    const p = await startProxy({
      target: port,
      faults: [
        { name: 'reset', match: (r) => r.url === '/r', fault: { kind: 'reset' } },
        { name: 'cut', match: (r) => r.url === '/t', fault: { kind: 'truncate', afterBytes: 10 } },
      ],
    });
    const before = seen.length;
    expect((await send(p.host, '/r', 'body')).status).toBe(0);
    expect(seen.length).toBe(before);
    // Headers promise 1000 bytes, 10 arrive: reading the body fails.
    expect((await send(p.host, '/t')).status).toBe(0);
    expect((await send(p.host, '/t')).status).toBe(201);
    await p.close();
  });

  test('drop: the server applies the request, the client sees a reset; stall: nothing comes back', async () => {
    const p = await startProxy({
      target: port,
      faults: [
        { name: 'drop', match: (r) => r.url === '/d', fault: { kind: 'drop' } },
        { name: 'stall', match: (r) => r.url === '/s', fault: { kind: 'stall' } },
      ],
    });
    expect((await send(p.host, '/d', 'applied')).status).toBe(0);
    expect(seen.at(-1)).toEqual({ method: 'PUT', url: '/d', body: 'applied' });
    const before = seen.length;
    const stalled = await fetch(`http://${p.host}/s`, { signal: AbortSignal.timeout(300) }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(stalled).toBe('TimeoutError');
    expect(seen.length).toBe(before);
    expect(p.exchanges.map((e) => [e.url, e.status, e.fault])).toEqual([
      ['/d', 0, 'drop'],
      ['/s', 0, 'stall'],
    ]);
    expect(p.exchanges[1]!.at).toBeGreaterThanOrEqual(p.exchanges[0]!.at);
    await p.close();
  });

  test('a guard sees each request body before the upstream does and records violations', async () => {
    const order: string[] = [];
    const p = await startProxy({
      target: port,
      guard: async ({ method, url, headers, body }) => {
        order.push(`guard ${method} ${url} ${headers['content-length']}`);
        return body?.toString() === 'dangling' ? 'points at nothing' : undefined;
      },
    });
    await send(p.host, '/ok', 'fine');
    await send(p.host, '/bad', 'dangling');
    expect(p.violations).toEqual(['#2 PUT /bad: points at nothing']);
    expect(seen.at(-1)).toEqual({ method: 'PUT', url: '/bad', body: 'dangling' });
    expect(order).toEqual(['guard PUT /ok 4', 'guard PUT /bad 8']);
    await p.close();
  });
});
