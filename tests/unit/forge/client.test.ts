import { describe, expect, test } from 'vitest';
import { api } from '../../../src/forge/client.js';
import { json, startHttpStub } from '../../helpers/http-stub.js';

const HEADERS = { Authorization: 'Bearer tok-123' };

describe('forge api calls', () => {
  test('2xx and 404 are answers; JSON bodies go as JSON, forms as forms', async () => {
    const stub = await startHttpStub((r, res) =>
      r.url === '/missing' ? json(res, 404, { message: 'Not Found' }) : json(res, 201, { ok: true }),
    );
    expect(await api('POST', `${stub.origin}/x`, HEADERS, { a: 1 })).toEqual({
      status: 201,
      json: { ok: true },
    });
    expect(await api('GET', `${stub.origin}/missing`, HEADERS)).toEqual({
      status: 404,
      json: { message: 'Not Found' },
    });
    const form = new FormData();
    form.set('external_url', 'https://x/y');
    await api('POST', `${stub.origin}/form`, HEADERS, form);
    const [post, , formPost] = stub.received;
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.headers.authorization).toBe('Bearer tok-123');
    expect(JSON.parse(post!.body.toString())).toEqual({ a: 1 });
    expect(formPost!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(formPost!.body.toString()).toContain('https://x/y');
  });

  test("refusals are one line with the forge's message and what to do", async () => {
    const stub = await startHttpStub((r, res) => {
      const status = Number(r.url.slice(1));
      if (status === 422) {
        res.writeHead(422);
        res.end('plain text reason');
      } else json(res, status, { message: `said ${status}` });
    });
    await expect(api('GET', `${stub.origin}/401`, HEADERS)).rejects.toThrow(
      `forge API GET ${stub.origin}/401: HTTP 401: said 401; the forge-token is invalid or expired`,
    );
    await expect(api('PATCH', `${stub.origin}/403`, HEADERS, {})).rejects.toThrow(
      /HTTP 403: said 403; the forge-token lacks permission to write releases$/,
    );
    await expect(api('POST', `${stub.origin}/422`, HEADERS, {})).rejects.toThrow(
      /HTTP 422: plain text reason; see the forge API documentation$/,
    );
  });

  test('a GET that meets a server error is tried three times; a write is not repeated', async () => {
    const stub = await startHttpStub((_, res) => json(res, 502, { message: 'bad gateway' }));
    await expect(api('GET', `${stub.origin}/r`, HEADERS)).rejects.toThrow(/HTTP 502: bad gateway/);
    expect(stub.received.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    stub.received.length = 0;
    await expect(api('POST', `${stub.origin}/r`, HEADERS, {})).rejects.toThrow(/HTTP 502/);
    expect(stub.received.map((r) => r.method)).toEqual(['POST']);
  });

  test('a redirect is not followed (the token would go along), and no credentials are shown', async () => {
    const stub = await startHttpStub((_, res) => {
      res.writeHead(301, { location: 'https://user:pw@elsewhere.example/api' });
      res.end();
    });
    const err = await api('GET', `${stub.origin}/repos/o/r`, HEADERS).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `forge API GET ${stub.origin}/repos/o/r: HTTP 301 redirect to https://***@elsewhere.example/api, not followed (the forge-token is sent to the configured host only); set forge.api-url in releng.yml to the API's own address`,
    );
    expect(stub.received).toHaveLength(1);
  });

  test('an unreachable forge is one line naming the URL and the setting to check', async () => {
    const stub = await startHttpStub(() => {});
    await stub.close();
    await expect(api('GET', `${stub.origin}/repos/o/r`, HEADERS)).rejects.toThrow(
      new RegExp(`^forge API GET ${stub.origin}/repos/o/r: .*; check forge.api-url in releng.yml$`),
    );
  });
});
