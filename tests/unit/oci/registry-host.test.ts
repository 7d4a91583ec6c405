// One registry host against small local servers: the ping (scheme, challenge), Basic and Bearer auth,
// tokens cached per scope and replaced once when stale, no credentials for another origin.
import type http from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import type { HttpResponse } from '../../../src/oci/http.js';
import { isLoopback, requestFailed } from '../../../src/oci/registry-host.js';
import { localHttp } from '../../helpers/local-http.js';

const { serve, registryHost: host } = localHttp();

const body = (req: http.IncomingMessage) =>
  new Promise<string>((r) => {
    let s = '';
    req.on('data', (c) => {
      s += c;
    });
    req.on('end', () => r(s));
  });

describe('RegistryHost', () => {
  test('an open registry (plain HTTP on loopback): the ping, then requests without Authorization', async () => {
    const seen: (string | undefined)[] = [];
    const address = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      res.writeHead(200).end();
    });
    const h = host(address);
    const res = await h.send('org/a', ['repository:org/a:pull'], {
      method: 'GET',
      path: '/v2/org/a/tags/list',
    });
    await res.dump();
    expect(res.status).toBe(200);
    expect(seen).toEqual(['GET /v2/ -', 'GET /v2/org/a/tags/list -']);
    expect(h.url('/v2/x').href).toBe(`http://${address}/v2/x`);
  });

  test('something that is not a registry, and a host that cannot be reached, are one line each', async () => {
    const address = await serve((_req, res) => res.writeHead(404).end());
    await expect(host(address).ping()).rejects.toThrow(/answered HTTP 404; is this an OCI registry/);
    await expect(host('127.0.0.1:1').ping()).rejects.toThrow(/127\.0\.0\.1:1: cannot reach the registry/);
  });

  test('Basic: the credentials on every request; without any, a 401 says so', async () => {
    const auth = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    const address = await serve((req, res) => {
      if (req.headers.authorization !== auth)
        return res.writeHead(401, { 'www-authenticate': 'Basic realm="reg"' }).end();
      res.writeHead(200).end();
    });
    const ok = await host(address, { username: 'bob', password: 'pw' }).send('a', [], {
      method: 'GET',
      path: '/v2/a',
    });
    expect(ok.status).toBe(200);
    await expect(host(address).send('a', [], { method: 'GET', path: '/v2/a' })).rejects.toThrow(
      /wants credentials \(HTTP 401\) and none were found/,
    );
  });

  test('Bearer: one token per scope set, shared; a stale one replaced once for every request it failed', async () => {
    let issued = 0;
    let valid = new Set<string>();
    const scopes: string[] = [];
    const address = await serve(async (req, res) => {
      if (req.url?.startsWith('/token')) {
        const form = new URLSearchParams(await body(req));
        scopes.push(form.get('scope') ?? '');
        const token = `tok${++issued}`;
        valid.add(token);
        return res.writeHead(200).end(JSON.stringify({ token, expires_in: 300 }));
      }
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (!token || !valid.has(token))
        return res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="reg"`,
          })
          .end();
      res.writeHead(200).end(token);
    });
    const h = host(address, { username: 'bob', password: 'pw' });
    const get = async () => {
      const r = await h.send('org/a', ['repository:org/a:pull,push'], { method: 'GET', path: '/v2/org/a/x' });
      return r.text();
    };
    expect(await Promise.all([get(), get(), get()])).toEqual(['tok1', 'tok1', 'tok1']);
    expect(issued).toBe(1);
    expect(scopes).toEqual(['repository:org/a:pull,push']);
    valid = new Set(); // every token expired at once
    expect(await Promise.all([get(), get()])).toEqual(['tok2', 'tok2']);
    expect(issued).toBe(2);
    expect(await h.token('org/a', ['repository:org/a:pull,push'])).toBe('tok2');
  });

  test('a URL on another origin (an upload location at a storage front end) gets no credentials', async () => {
    const seen: (string | undefined)[] = [];
    const storage = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(204).end();
    });
    const auth = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    const address = await serve((req, res) => {
      if (req.headers.authorization !== auth)
        return res.writeHead(401, { 'www-authenticate': 'Basic realm="reg"' }).end();
      res.writeHead(200).end();
    });
    const h = host(address, { username: 'bob', password: 'pw' });
    await h.ping();
    const r = await h.send('a', [], { method: 'PATCH', path: new URL(`http://${storage}/upload/1`) });
    expect(r.status).toBe(204);
    expect(seen).toEqual([undefined]);
  });
});

describe('requestFailed', () => {
  const res = (status: number, text: string): HttpResponse => ({
    status,
    headers: {},
    url: new URL('http://reg.test/'),
    header: () => undefined,
    text: async () => text,
    buffer: async () => Buffer.from(text),
    body: Readable.from([]),
    dump: async () => {},
  });

  test("the registry's own words, and what to do about a 403 or an unknown repository", async () => {
    const forbidden = await requestFailed(
      'reg.test/a',
      'PUT blob x',
      res(403, '{"errors":[{"code":"DENIED","message":"no"}]}'),
    );
    expect(forbidden.message).toBe(
      'reg.test/a: PUT blob x: HTTP 403 (DENIED: no); the credentials lack push access to this repository',
    );
    expect(forbidden.status).toBe(403);
    const unknown = await requestFailed(
      'reg.test/a',
      'POST',
      res(404, '{"errors":[{"code":"NAME_UNKNOWN"}]}'),
    );
    expect(unknown.message).toMatch(/does the repository exist/);
  });
});

test('loopback hosts', () => {
  expect(['localhost:5000', '127.0.0.1', '[::1]:5000'].map(isLoopback)).toEqual([true, true, true]);
  expect(['registry.example.org', '10.0.0.1:5000'].map(isLoopback)).toEqual([false, false]);
});
