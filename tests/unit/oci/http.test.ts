// The transport against small local HTTP servers: retries, Retry-After, 404 after a push, redirects that
// drop credentials on the way to another origin.
import type http from 'node:http';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { Http } from '../../../src/oci/http.js';
import { localHttp } from '../../helpers/local-http.js';

const local = localHttp();
const serve = async (handler: http.RequestListener) => `http://${await local.serve(handler)}`;

describe('Http', () => {
  const client = new Http(silentLogger);

  test('5xx and 429 (Retry-After) are retried; other 4xx are not', async () => {
    let n = 0;
    const base = await serve((_req, res) => {
      n++;
      if (n === 1) return res.writeHead(503).end();
      if (n === 2) return res.writeHead(429, { 'retry-after': '0' }).end();
      res.writeHead(200).end('ok');
    });
    const r = await client.send({ method: 'GET', url: new URL(`${base}/x`) });
    expect([r.status, await r.text(), n]).toEqual([200, 'ok', 3]);

    let m = 0;
    const base2 = await serve((_req, res) => {
      m++;
      res.writeHead(403).end();
    });
    expect((await client.send({ method: 'GET', url: new URL(`${base2}/x`) })).status).toBe(403);
    expect(m).toBe(1);
  });

  test('404 is retried only for requests that follow our own pushes', async () => {
    let n = 0;
    const base = await serve((_req, res) => {
      n++;
      if (n < 3) return res.writeHead(404).end();
      if (n === 3) return res.writeHead(400).end('{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN"}]}');
      res.writeHead(201).end();
    });
    expect((await client.send({ method: 'PUT', url: new URL(`${base}/m`), body: '{}' })).status).toBe(404);
    n = 0;
    const r = await client.send({
      method: 'PUT',
      url: new URL(`${base}/m`),
      body: '{}',
      retry: { notFound: true },
    });
    expect([r.status, n]).toEqual([201, 4]);
  });

  test('connection errors are retried, then reported with the URL and no credentials', async () => {
    const base = await serve((_req, res) => res.end());
    const dead = base.replace(/:\d+$/, ':1');
    await expect(
      client.send({ method: 'GET', url: new URL(`${dead}/v2/`), retry: { attempts: 2 } }),
    ).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:1\/v2\/: ECONNREFUSED .*is the registry reachable\?/);
  });

  test('redirects keep the Authorization header only within the origin', async () => {
    const seen: Record<string, string | undefined> = {};
    const storage = await serve((req, res) => {
      seen.storage = req.headers.authorization;
      res.writeHead(200).end('blob');
    });
    const registry = await serve((req, res) => {
      if (req.url === '/v2/a/blobs/x') return res.writeHead(307, { location: '/v2/a/blobs/y' }).end();
      if (req.url === '/v2/a/blobs/y') {
        seen.sameOrigin = req.headers.authorization;
        return res.writeHead(302, { location: `${storage}/bucket/y?sig=1` }).end();
      }
      res.writeHead(404).end();
    });
    const r = await client.send({
      method: 'GET',
      url: new URL(`${registry}/v2/a/blobs/x`),
      headers: { authorization: 'Bearer secret-token' },
    });
    expect(await r.text()).toBe('blob');
    expect(seen).toEqual({ sameOrigin: 'Bearer secret-token', storage: undefined });
  });

  test('a request whose body holds credentials is not sent on to another origin: the 3xx comes back', async () => {
    let reached = false;
    const elsewhere = await serve((req, res) => {
      reached = true;
      req.resume();
      res.writeHead(200).end('{}');
    });
    const realm = await serve((req, res) => {
      req.resume();
      if (req.url === '/token') return res.writeHead(307, { location: '/token2' }).end();
      res.writeHead(307, { location: `${elsewhere}/token` }).end();
    });
    const r = await client.send({
      method: 'POST',
      url: new URL(`${realm}/token`),
      body: 'grant_type=password&password=pa55',
      credentialBody: true,
    });
    expect(r.status).toBe(307);
    expect(r.header('location')).toBe(`${elsewhere}/token`);
    await r.dump();
    expect(reached).toBe(false);
  });
});
