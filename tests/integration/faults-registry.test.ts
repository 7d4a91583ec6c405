// docker-multiarch ↔ a real registry (distribution 2.8, with htpasswd Basic auth and with token auth) under
// the faults registries produce: resets in the middle of a blob chunk, 5xx, 429 with Retry-After, a token
// that expires in the middle of a blob upload, 404 BLOB_UNKNOWN right after the blobs were pushed, slow,
// stalled and truncated responses. For each: the bundled CLI completes within a bounded number of requests
// or fails with one clear line; a re-run without the fault completes to the clean run's exact state (every
// tag → digest, every manifest and blob read back); and the guard saw no manifest, index or tag written
// while something it names was missing (docs/reliability.md).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type DockerBench,
  type DockerLane,
  LOGIN,
  startDockerBench,
  VERSION,
} from '../helpers/docker-under-guard.js';
import {
  type CaseResult,
  errorLine,
  expectFired,
  expectRerunToClean,
  type FaultCase,
  nth as nthOf,
  type Req,
  resultRows,
  rule,
  waited,
} from '../helpers/fault-cases.js';
import type { Exchange } from '../helpers/proxy.js';
import { registryGuard } from '../helpers/registry-guard.js';

/** A registry request as the matchers see it. */
function reg(r: Req) {
  const u = new URL(r.url, 'http://x');
  const m = /^\/v2\/[^/]+\/[^/]+\/(manifests|blobs)\/(.*)$/.exec(u.pathname);
  const kind = !m
    ? 'other'
    : m[1] === 'manifests'
      ? 'manifest'
      : m[2] === 'uploads/'
        ? 'start'
        : m[2]!.startsWith('uploads/')
          ? 'upload'
          : 'blob';
  return {
    method: r.method,
    kind,
    ref: m?.[2] ?? u.pathname,
    query: u.searchParams,
    type: String(r.headers['content-type'] ?? ''),
    size: Number(r.headers['content-length'] ?? 0),
  };
}
type RegReq = ReturnType<typeof reg>;
const on = (pred: (r: RegReq) => boolean) => (r: Req) => pred(reg(r));
const nth = (n: number, pred: (r: RegReq) => boolean) => nthOf(n, on(pred));
const patch = (r: RegReq) => r.method === 'PATCH' && r.kind === 'upload';
const blobPut = (r: RegReq) => r.method === 'PUT' && r.kind === 'upload' && r.query.has('digest');
const start = (r: RegReq) => r.method === 'POST' && r.kind === 'start';
const manifestPut = (r: RegReq) => r.method === 'PUT' && r.kind === 'manifest';
const imagePut = (r: RegReq) => manifestPut(r) && r.ref.startsWith('sha256:') && !r.type.includes('index');
const indexPut = (r: RegReq) => manifestPut(r) && r.ref.startsWith('sha256:') && r.type.includes('index');
const tagPut = (tag: string) => (r: RegReq) => manifestPut(r) && r.ref === tag;
const tagGet = (tag: string) => (r: RegReq) => r.method === 'GET' && r.kind === 'manifest' && r.ref === tag;
const sameRequest = (a: Exchange, b: Exchange) =>
  a.method === b.method &&
  reg(a).kind === reg(b).kind &&
  reg(a).ref.split('?')[0] === reg(b).ref.split('?')[0];

const regError = (status: number, code: string, headers: Record<string, string> = {}) =>
  ({
    kind: 'status',
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ errors: [{ code, message: `injected ${code}` }] }),
  }) as const;

interface Case extends FaultCase {
  /** The lane is published once before the faulted run (the fault hits a re-run's discovery). */
  published?: boolean;
  /** Only under this auth. */
  auth?: 'htpasswd' | 'token';
  /**
   * Also under Basic auth (the whole matrix runs under token auth, the registries' usual kind; Basic repeats
   * the cases where auth or the error line could differ, to keep the file's time down).
   */
  both?: boolean;
}

/** The challenge a registry sends when a token (or a Basic login) is no longer good. */
function expired(bench: () => DockerBench, auth: 'htpasswd' | 'token', repo: () => string) {
  return {
    kind: 'status' as const,
    status: 401,
    get headers(): Record<string, string> {
      const t = bench().registry.token;
      return {
        'content-type': 'application/json',
        'www-authenticate':
          auth === 'token' && t
            ? `Bearer realm="${t.realm}",service="${t.service}",scope="repository:${repo()}:pull,push",error="invalid_token"`
            : 'Basic realm="releng-test"',
      };
    },
    body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'injected: token expired' }] }),
  };
}

function cases(bench: () => DockerBench, auth: 'htpasswd' | 'token', repo: () => string): Case[] {
  return [
    {
      fault: 'connection reset mid-body',
      both: true,
      where: 'the 2nd blob PATCH (4 MiB chunk), after 1 MiB',
      rules: [rule('reset', nth(2, patch), { kind: 'reset', afterRequestBytes: 1 << 20 })],
      outcome: 'completes',
      handling: 'asks the upload where it stands (GET the upload URL) and resends from there',
    },
    {
      fault: 'connection reset mid-body',
      where: 'the closing blob PUT (?digest=, the last 600 KB), after 100 KB',
      rules: [
        rule(
          'reset',
          nth(1, (r) => blobPut(r) && r.size > 500_000),
          { kind: 'reset', afterRequestBytes: 100_000 },
        ),
      ],
      outcome: 'completes',
      handling: 'the upload starts again in a new session',
    },
    {
      fault: 'connection reset before the response',
      where: 'the first image manifest PUT (by digest)',
      rules: [rule('reset', nth(1, imagePut), { kind: 'reset' })],
      outcome: 'completes',
      handling: 'retried',
    },
    {
      fault: 'response lost after the registry applied the request',
      where: 'a closing blob PUT',
      rules: [rule('drop', nth(1, blobPut), { kind: 'drop' })],
      outcome: 'completes',
      handling: 'the upload starts again; the registry already has the blob',
    },
    {
      fault: 'response lost after the registry applied the request',
      where: 'the index PUT (by digest)',
      rules: [rule('drop', on(indexPut), { kind: 'drop' })],
      outcome: 'completes',
      handling: 'retried: the same bytes under the same digest',
    },
    {
      fault: 'response lost after the registry applied the request',
      where: 'the version tag PUT',
      rules: [rule('drop', on(tagPut(VERSION)), { kind: 'drop' })],
      outcome: 'completes',
      handling: 'retried',
    },
    {
      fault: 'HTTP 500',
      where: 'the 2nd blob PATCH',
      rules: [rule('500', nth(2, patch), regError(500, 'UNKNOWN'))],
      outcome: 'completes',
      handling: 'asks the upload where it stands and resends the chunk',
    },
    {
      fault: 'HTTP 502',
      where: 'the first image manifest PUT',
      rules: [rule('502', nth(1, imagePut), regError(502, 'UNAVAILABLE'))],
      outcome: 'completes',
      handling: 'retried with backoff',
    },
    {
      fault: 'HTTP 503 ×3',
      where: 'the GET of the version tag while discovering what the registry holds',
      rules: [rule('503', on(tagGet(VERSION)), regError(503, 'UNAVAILABLE'), 3)],
      outcome: 'completes',
      handling: 'retried with backoff (5 attempts)',
    },
    {
      fault: 'HTTP 503',
      where: 'the POST that starts a blob upload',
      rules: [rule('503', nth(1, start), regError(503, 'UNAVAILABLE'))],
      outcome: 'completes',
      handling: 'retried with backoff',
    },
    {
      fault: 'HTTP 503 on every PATCH (an outage longer than the retries)',
      both: true,
      where: 'blob uploads',
      rules: [rule('503', on(patch), regError(503, 'UNAVAILABLE'), 1000)],
      outcome:
        /^releng docker-multiarch: error: 127\.0\.0\.1:\d+\/demo\/\S+: PATCH blob upload 0-4194303: HTTP 503 \(UNAVAILABLE: injected UNAVAILABLE\)/,
      handling:
        'each chunk tried 4 times, each upload 3 times, then one line; no manifest or tag was written',
    },
    {
      fault: 'HTTP 429 with Retry-After: 2',
      where: 'the first blob PATCH',
      rules: [rule('429', nth(1, patch), regError(429, 'TOOMANYREQUESTS', { 'retry-after': '2' }))],
      outcome: 'completes',
      handling: 'waits as long as Retry-After says, then resends the chunk',
      check: waited(2, sameRequest),
    },
    {
      fault: 'HTTP 429 with Retry-After: 2',
      where: 'the index PUT',
      rules: [rule('429', on(indexPut), regError(429, 'TOOMANYREQUESTS', { 'retry-after': '2' }))],
      outcome: 'completes',
      handling: 'waits as long as Retry-After says, then retries',
      check: waited(2, sameRequest),
    },
    {
      fault: `HTTP 401, ${auth === 'token' ? 'the token expired' : 'the login no longer accepted'}`,
      both: true,
      where: 'the 2nd blob PATCH (in the middle of an upload)',
      rules: [rule('401', nth(2, patch), expired(bench, auth, repo))],
      outcome: 'completes',
      handling:
        auth === 'token'
          ? 'a new token from the realm, the chunk sent again'
          : 'the Basic login sent again with the chunk',
    },
    {
      fault: `HTTP 401, ${auth === 'token' ? 'the token expired' : 'the login no longer accepted'}`,
      both: true,
      where: 'the {major} tag PUT',
      rules: [rule('401', on(tagPut('2.93')), expired(bench, auth, repo))],
      outcome: 'completes',
      handling: auth === 'token' ? 'a new token, the tag sent again' : 'sent again with the login',
    },
    {
      fault: 'HTTP 404 BLOB_UNKNOWN right after the blobs were pushed',
      where: 'the first image manifest PUT',
      rules: [rule('404', nth(1, imagePut), regError(404, 'BLOB_UNKNOWN'))],
      outcome: 'completes',
      handling: 'a manifest PUT retries 404 and *_UNKNOWN (the registry catching up)',
    },
    {
      fault: 'HTTP 400 MANIFEST_BLOB_UNKNOWN ×2',
      where: 'the index PUT',
      rules: [rule('400', on(indexPut), regError(400, 'MANIFEST_BLOB_UNKNOWN'), 2)],
      outcome: 'completes',
      handling: 'retried with backoff',
    },
    {
      fault: 'HTTP 403 DENIED (push access revoked)',
      both: true,
      where: 'the index PUT',
      rules: [rule('403', on(indexPut), regError(403, 'DENIED'), 1000)],
      outcome:
        /^releng docker-multiarch: error: 127\.0\.0\.1:\d+\/demo\/\S+: PUT manifest sha256:[0-9a-f]{64}: HTTP 403 \(DENIED: injected DENIED\); the credentials lack push access to this repository$/,
      handling: 'not retried: one line naming the repository and what to check; no tag written',
    },
    {
      fault: 'slow response (3 s)',
      where: 'the first blob PATCH',
      rules: [rule('slow', nth(1, patch), { kind: 'slow', delayMs: 3000 })],
      outcome: 'completes',
      handling: 'waited for',
    },
    {
      fault: 'slow response (3 s)',
      where: 'the version tag PUT',
      rules: [rule('slow', on(tagPut(VERSION)), { kind: 'slow', delayMs: 3000 })],
      outcome: 'completes',
      handling: 'waited for',
    },
    {
      fault: 'stalled response (never answered)',
      where: 'the index PUT',
      rules: [rule('stall', on(indexPut), { kind: 'stall' })],
      outcome: 'completes',
      handling: 'times out (RELENG_REGISTRY_TIMEOUT_S) and is retried',
    },
    {
      fault: 'stalled response (never answered)',
      where: 'the 2nd blob PATCH',
      rules: [rule('stall', nth(2, patch), { kind: 'stall' })],
      outcome: 'completes',
      handling: 'times out, asks the upload where it stands and resends',
    },
    {
      fault: 'truncated response',
      where: 'the 401 answer to the first GET /v2/, after 10 bytes',
      rules: [
        rule(
          'cut',
          on((r) => r.kind === 'other' && r.ref === '/v2/'),
          { kind: 'truncate', afterBytes: 10 },
        ),
      ],
      outcome: 'completes',
      handling: 'retried',
    },
    {
      fault: 'truncated response',
      where: 'a re-run’s GET of the published index by tag, after 100 bytes',
      published: true,
      rules: [rule('cut', on(tagGet(VERSION)), { kind: 'truncate', afterBytes: 100 })],
      outcome: 'completes',
      handling: 'the read is retried',
    },
    {
      fault: 'token issued already expired (a clock ahead of ours)',
      where: 'the first token of the run',
      auth: 'token',
      rules: [],
      outcome: 'completes',
      handling: 'the 401 drops the token and a new one is asked for',
    },
  ];
}

describe.each(['htpasswd', 'token'] as const)('docker-multiarch ↔ registry (%s)', (auth) => {
  let bench: DockerBench;
  let clean: { state: Record<string, string>; requests: number; rerun: number };
  const lanes: DockerLane[] = [];
  const results: CaseResult[] = [];
  let current = '';

  beforeAll(async () => {
    bench = await startDockerBench(auth);
    const lane = await bench.lane('clean');
    lanes.push(lane);
    const r = await lane.run();
    if (r.status !== 0) throw new Error(`the clean run failed: ${r.stderr}`);
    const requests = lane.proxy.exchanges.length;
    const again = await lane.run();
    if (again.status !== 0) throw new Error(`the clean re-run failed: ${again.stderr}`);
    clean = { state: await lane.state(), requests, rerun: lane.proxy.exchanges.length - requests };
  }, 120_000);
  afterAll(async () => {
    for (const l of lanes) await l.close();
    await bench?.stop();
    console.log(`${auth}\n${resultRows(results)}`);
  });

  test('the clean run: tags, manifests and blobs; every manifest write checked, none dangling', () => {
    expect(Object.keys(clean.state).filter((k) => k.startsWith('0:tag:'))).toEqual([
      '0:tag:2.93',
      '0:tag:2.93.0',
      '0:tag:latest',
    ]);
    // index + 2 image manifests + 2 configs + 6 layers
    expect(Object.keys(clean.state)).toHaveLength(3 + 11);
    expect(lanes[0]!.violations()).toEqual([]);
    expect(lanes[0]!.guard.checked).toBe(6);
  });

  const table = cases(
    () => bench,
    auth,
    () => current,
  ).filter((c) => (c.auth ?? auth) === auth && (auth === 'token' || c.both));
  test.each(table.map((c, i) => [`${c.fault} — ${c.where}`, c, i] as const))(
    '%s',
    async (_, c, i) => {
      const lane = await bench.lane(`f${i}`);
      lanes.push(lane);
      current = lane.repository;
      if (c.published) {
        const r = await lane.run();
        expect(r.status, r.stderr).toBe(0);
        lane.proxy.reset();
      }
      lane.proxy.setFaults(c.rules);
      if (c.auth === 'token' && c.rules.length === 0) bench.registry.token!.expireNext(1);
      const r = await lane.run();
      expectFired(c.rules, lane.proxy.remaining());
      if (c.auth === 'token' && c.rules.length === 0)
        expect(lane.proxy.exchanges.filter((x) => x.status === 401).length).toBeGreaterThanOrEqual(2);
      const requests = lane.proxy.exchanges.length;
      const baseline = c.published ? clean.rerun : clean.requests;
      if (c.outcome === 'completes') {
        expect(r.status, r.stderr).toBe(0);
        expect(requests).toBeLessThanOrEqual(baseline + (c.extra ?? 12));
      } else {
        expect(r.status).toBe(1);
        expect(errorLine(r.stderr)).toMatch(c.outcome);
        expect(r.stderr).not.toContain(LOGIN.password);
        expect(r.stderr).not.toContain(Buffer.from(`${LOGIN.username}:${LOGIN.password}`).toString('base64'));
        expect(requests).toBeLessThanOrEqual(baseline + 60);
      }
      c.check?.(lane.proxy.exchanges);

      lane.proxy.setFaults([]);
      await expectRerunToClean(lane, clean.state);
      results.push({
        c,
        status: r.status,
        requests,
        clean: baseline,
        rerun: lane.proxy.exchanges.length - requests,
        line: r.status ? errorLine(r.stderr) : '',
      });
    },
    120_000,
  );
});

describe('the registry guard itself', () => {
  test('catches a manifest naming a missing blob, an index naming a missing manifest, a tag before its manifest, a pointer before the version tag, a delete', async () => {
    const bench = await startDockerBench('htpasswd');
    try {
      const lane = await bench.lane('guard');
      const r = await lane.run();
      expect(r.status, r.stderr).toBe(0);
      const repo = lane.repository;
      const guard = registryGuard(bench.reader, () => ({ repositories: [repo], versionTag: VERSION }));
      const missing = `sha256:${'0'.repeat(64)}`;
      const put = (ref: string, doc: object) =>
        guard.guard({
          method: 'PUT',
          url: `/v2/${repo}/manifests/${ref}`,
          headers: {},
          body: Buffer.from(JSON.stringify(doc)),
        });
      const image = (blob: string) => ({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { digest: blob, size: 1 },
        layers: [],
      });
      expect(await put(missing, image(missing))).toMatch(/missing/);
      expect(await put(missing, { schemaVersion: 2, manifests: [{ digest: missing, size: 1 }] })).toMatch(
        /manifest sha256:0+ missing/,
      );
      const index = (await lane.state())['0:tag:2.93.0']!;
      const config = Object.entries(await lane.state())
        .find(([, v]) => v.startsWith('blob '))![0]
        .slice(2);
      // A new manifest whose blobs exist, tagged before it was pushed by digest.
      expect(await put('2.94.0', image(config))).toMatch(/written before its manifest/);
      // A pointer tag moved to bytes the version tag does not name.
      expect(await put('latest', image(config))).toMatch(/pointer tag latest moved/);
      expect(
        await guard.guard({
          method: 'DELETE',
          url: `/v2/${repo}/manifests/${index}`,
          headers: {},
          body: undefined,
        }),
      ).toMatch(/deletes/);
      // And the real writes of a clean run pass.
      expect(lane.violations()).toEqual([]);
      await lane.close();
    } finally {
      await bench.stop();
    }
  }, 60_000);
});
