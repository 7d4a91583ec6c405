// publish ↔ S3 under the faults real object stores produce: resets in the middle of a body, 5xx, 429 with
// Retry-After, an expired key, a read-after-write 404, slow, stalled and truncated responses — each injected
// by the fault proxy at a point where it matters. For each: the bundled CLI completes within a bounded
// number of requests or fails with one clear line; a re-run without the fault completes to the clean
// run's exact state; and the guard saw no write that referred to something missing (docs/reliability.md).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3Sink } from '../../src/storage/s3.js';
import {
  type CaseResult,
  errorLine,
  expectFired,
  expectRerunToClean,
  type FaultCase,
  nth as nthOf,
  resultRows,
  rule,
  waited,
} from '../helpers/fault-cases.js';
import type { Exchange, FaultRule } from '../helpers/proxy.js';
import { NAME } from '../helpers/publish-fixture.js';
import { parseS3 } from '../helpers/publish-guard.js';
import { type Bench, type Lane, startBench, VERSION } from '../helpers/publish-under-guard.js';

let bench: Bench;
let clean: { objects: Record<string, string>; refs: string; requests: number };
let cleanRun: { status: number | null; stderr: string; violations: string[]; checked: number };

// The clean run every case is compared with: through the same guarded proxy, without faults.
beforeAll(async () => {
  bench = await startBench();
  const lane = await startLane('clean');
  const r = await lane.run();
  cleanRun = { ...r, violations: await lane.violations(), checked: lane.guard.checked };
  clean = { ...(await lane.state()), requests: lane.proxy.exchanges.length };
}, 60_000);
afterAll(async () => {
  for (const l of lanes) await l.close();
  await bench?.stop();
});

const V = `${NAME}/${NAME}-${VERSION}/`;

/** A request as the matchers see it: the key without the lane's prefix. */
function s3(r: { method: string; url: string }) {
  const { bucket, key, query } = parseS3(r.url);
  return { method: r.method, bucket, rel: key.slice(key.indexOf('/') + 1), query };
}
type S3Req = ReturnType<typeof s3>;
const on =
  (pred: (r: S3Req) => boolean) =>
  (r: { method: string; url: string }): boolean =>
    pred(s3(r));
const nth = (n: number, pred: (r: S3Req) => boolean) => nthOf(n, on(pred));
const isPut = (r: S3Req) =>
  r.method === 'PUT' && !r.query.has('partNumber') && !r.rel.includes('.releng-preflight-');
const narPut = (r: S3Req) => isPut(r) && r.bucket === 'cache' && r.rel.startsWith('nar/');
const narinfoPut = (r: S3Req) => isPut(r) && r.rel.endsWith('.narinfo');
const partPut = (n: number) => (r: S3Req) => r.method === 'PUT' && r.query.get('partNumber') === String(n);
const listOf = (bucket: string, prefix: string) => (r: S3Req) =>
  r.method === 'GET' &&
  r.bucket === bucket &&
  r.query.has('list-type') &&
  !!r.query.get('prefix')?.endsWith(prefix);
const indexGet = (r: S3Req) => r.method === 'GET' && r.rel === `${V}.releng-index.json`;
const rootManifest = (r: S3Req) => r.bucket === 'releases' && r.rel === 'manifest.nix';
const tarball = `${V}${NAME}-${VERSION}-x86_64-linux.tar.xz`;

interface Case extends FaultCase {
  /** Objects there before the run (an existing cache), copied from the clean run's state. */
  before?: string[];
}

const s3Error = (status: number, code: string, headers: Record<string, string> = {}) =>
  ({
    kind: 'status',
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected ${code}</Message></Error>`,
  }) as const;

const sameKey = (a: Exchange, b: Exchange) => a.url === b.url;

const CASES: Case[] = [
  {
    fault: 'connection reset mid-body',
    where: 'PUT of a 300 KB tree file (streamed from disk), after 64 KiB',
    rules: [
      rule(
        'reset',
        on((r) => isPut(r) && r.rel === tarball),
        { kind: 'reset', afterRequestBytes: 65536 },
      ),
    ],
    outcome: 'completes',
    handling: 'retried with a fresh read of the file',
  },
  {
    fault: 'connection reset mid-body',
    where: 'the 2nd part of the multipart upload, after 1 MiB',
    rules: [rule('reset', on(partPut(2)), { kind: 'reset', afterRequestBytes: 1 << 20 })],
    outcome: 'completes',
    handling: 'the part is retried by the S3 client (lib-storage parts are buffers)',
  },
  {
    fault: 'connection reset mid-body',
    where: 'the first NAR PUT (a small object sent from memory), after 100 bytes',
    rules: [rule('reset', nth(1, narPut), { kind: 'reset', afterRequestBytes: 100 })],
    outcome: 'completes',
    handling: 'retried from the same buffer',
  },
  {
    fault: 'connection reset before the response',
    where: 'the first narinfo PUT (never reaches the server)',
    rules: [rule('reset', nth(1, narinfoPut), { kind: 'reset' })],
    outcome: 'completes',
    handling: 'retried',
  },
  {
    fault: 'response lost after the server applied the request',
    where: 'the first narinfo PUT',
    rules: [rule('drop', nth(1, narinfoPut), { kind: 'drop' })],
    outcome: 'completes',
    handling: 'retried: the same bytes under the same key',
  },
  {
    fault: 'response lost after the server applied the request',
    where: 'CompleteMultipartUpload',
    rules: [
      rule(
        'drop',
        on((r) => r.method === 'POST' && r.query.has('uploadId')),
        { kind: 'drop' },
      ),
    ],
    outcome: 'completes',
    handling:
      'the client retries the completion; a completion the server already did is retried as a new upload',
  },
  {
    fault: 'HTTP 500',
    where: 'the first narinfo PUT',
    rules: [rule('500', nth(1, narinfoPut), s3Error(500, 'InternalError'))],
    outcome: 'completes',
    handling: 'retried with backoff',
  },
  {
    fault: 'HTTP 502',
    where: 'the HEAD verifying the root manifest.nix after its PUT',
    rules: [
      rule(
        '502',
        nth(2, (r) => r.method === 'HEAD' && rootManifest(r)),
        s3Error(502, 'BadGateway'),
      ),
    ],
    outcome: 'completes',
    handling: 'retried by the S3 client',
    check: (xs) =>
      expect(xs.filter((x) => x.method === 'HEAD' && rootManifest(s3(x))).map((x) => x.status)).toEqual([
        404, 502, 200,
      ]),
  },
  {
    fault: 'HTTP 503 ×3',
    where: 'the plan’s LIST of the version directory',
    rules: [rule('503', on(listOf('releases', V)), s3Error(503, 'SlowDown'), 3)],
    outcome: 'completes',
    handling: 'retried by the S3 client (5 attempts)',
  },
  {
    fault: 'HTTP 503',
    where: 'CreateMultipartUpload',
    rules: [
      rule(
        '503',
        on((r) => r.method === 'POST' && r.query.has('uploads')),
        s3Error(503, 'SlowDown'),
      ),
    ],
    outcome: 'completes',
    handling: 'retried by the S3 client',
  },
  {
    fault: 'HTTP 500 ×2',
    where: 'the GET of the release index while planning',
    rules: [rule('500', on(indexGet), s3Error(500, 'InternalError'), 2)],
    outcome: 'completes',
    handling: 'retried by the S3 client',
  },
  {
    fault: 'HTTP 503 on every tree PUT (an outage longer than the retries)',
    where: 'the release tree',
    rules: [
      rule(
        '503',
        on((r) => isPut(r) && r.bucket === 'releases'),
        s3Error(503, 'ServiceUnavailable'),
        1000,
      ),
    ],
    outcome:
      /^releng publish: error: S3 s3:\/\/releases\/[^ ]+ at http:\/\/127\.0\.0\.1:\d+: ServiceUnavailable \(HTTP 503\): injected ServiceUnavailable; .*run publish again/,
    handling: 'four attempts with backoff, then one line; the cache is complete, no pointer was written',
  },
  {
    fault: 'HTTP 429 with Retry-After: 2',
    where: 'the first NAR PUT',
    rules: [rule('429', nth(1, narPut), s3Error(429, 'SlowDown', { 'retry-after': '2' }))],
    outcome: 'completes',
    handling: 'waits as long as Retry-After says, then retries',
    check: waited(2, sameKey),
  },
  {
    fault: 'HTTP 429 with Retry-After: 2',
    where: 'the 1st part of the multipart upload',
    rules: [rule('429', on(partPut(1)), s3Error(429, 'SlowDown', { 'retry-after': '2' }))],
    outcome: 'completes',
    handling: 'the S3 client waits as long as Retry-After says, then retries',
    check: waited(2, sameKey),
  },
  {
    fault: 'HTTP 403 ExpiredToken (the key expired mid-run)',
    where: 'a PUT of the release tree, after the cache was published',
    rules: [
      rule(
        '403',
        nth(2, (r) => isPut(r) && r.bucket === 'releases'),
        s3Error(403, 'ExpiredToken'),
      ),
    ],
    outcome:
      /^releng publish: error: S3 s3:\/\/releases\/[^ ]+ at http:\/\/127\.0\.0\.1:\d+: ExpiredToken \(HTTP 403\): injected ExpiredToken; check the S3 credentials$/,
    handling: 'not retried (a new key is needed): one line naming the object and the server',
  },
  {
    fault: 'HTTP 404 right after a PUT (read-after-write lag)',
    where: 'the HEAD verifying the first narinfo',
    rules: [
      rule(
        '404',
        nth(1, (r) => r.method === 'HEAD' && r.rel.endsWith('.narinfo')),
        s3Error(404, 'NoSuchKey'),
      ),
    ],
    outcome: 'completes',
    handling: 'verification looks again, with backoff, before it calls the object missing',
  },
  {
    fault: 'slow response (3 s)',
    where: 'the first narinfo PUT',
    rules: [rule('slow', nth(1, narinfoPut), { kind: 'slow', delayMs: 3000 })],
    outcome: 'completes',
    handling: 'waited for',
  },
  {
    fault: 'slow response (3 s)',
    where: 'the GET of the release index',
    rules: [rule('slow', on(indexGet), { kind: 'slow', delayMs: 3000 })],
    outcome: 'completes',
    handling: 'waited for',
  },
  {
    fault: 'stalled response (never answered)',
    where: 'the HEAD verifying the root manifest.nix',
    rules: [
      rule(
        'stall',
        nth(2, (r) => r.method === 'HEAD' && rootManifest(r)),
        { kind: 'stall' },
      ),
    ],
    outcome: 'completes',
    handling: 'the request times out (RELENG_S3_TIMEOUT_S) and is retried',
  },
  {
    fault: 'stalled response (never answered)',
    where: 'a PUT of the release tree',
    rules: [
      rule(
        'stall',
        nth(1, (r) => isPut(r) && r.bucket === 'releases'),
        { kind: 'stall' },
      ),
    ],
    outcome: 'completes',
    handling: 'the request times out (RELENG_S3_TIMEOUT_S) and is retried with a fresh read',
  },
  {
    fault: 'truncated response',
    where: 'the GET of an existing cache’s nix-cache-info, after 5 bytes',
    before: ['cache/nix-cache-info'],
    rules: [
      rule(
        'cut',
        on((r) => r.method === 'GET' && r.rel === 'nix-cache-info'),
        { kind: 'truncate', afterBytes: 5 },
      ),
    ],
    outcome: 'completes',
    handling: 'the read is retried',
  },
  {
    fault: 'truncated response',
    where: 'the plan’s LIST of the version directory, after 100 bytes',
    rules: [rule('cut', on(listOf('releases', V)), { kind: 'truncate', afterBytes: 100 })],
    outcome: 'completes',
    handling: 'the LIST is retried',
  },
  {
    fault: 'truncated response',
    where: 'the 404 answer to the GET of the release index, after 20 bytes',
    rules: [rule('cut', on(indexGet), { kind: 'truncate', afterBytes: 20 })],
    outcome: 'completes',
    handling: 'the read is retried',
  },
];

describe('publish ↔ S3', () => {
  test('a clean run through the guarded proxy: every referencing write checked, none dangling', async () => {
    expect(cleanRun.status, cleanRun.stderr).toBe(0);
    expect(cleanRun.violations).toEqual([]);
    // narinfos, manifest.nix ×2, docs pages ×8, the installer pointer, the index.
    expect(cleanRun.checked).toBeGreaterThanOrEqual(15);
    expect(bench.refs.pushed).toContain(`refs/tags/${VERSION}`);
    expect(Object.keys(clean.objects).length).toBeGreaterThan(30);
    expect(clean.refs).toBe(`refs/tags/${VERSION} = checkout`);
  }, 60_000);

  test.each(CASES.map((c, i) => [`${c.fault} — ${c.where}`, c, i] as const))(
    '%s',
    async (_, c, i) => {
      expect(cleanRun.status, 'the clean run completed').toBe(0);
      const lane = await startLane(`f${i}`, c.rules);
      for (const k of c.before ?? []) await seed(lane, k);
      const r = await lane.run();
      expectFired(c.rules, lane.proxy.remaining());
      const requests = lane.proxy.exchanges.length;
      if (c.outcome === 'completes') {
        expect(r.status, r.stderr).toBe(0);
        expect(requests).toBeLessThanOrEqual(clean.requests + (c.extra ?? 12));
      } else {
        expect(r.status).toBe(1);
        const line = errorLine(r.stderr);
        expect(line).toMatch(c.outcome);
        for (const s of [...bench.secrets, bench.s3.credentials.secretAccessKey])
          expect(r.stderr).not.toContain(s);
        expect(requests).toBeLessThanOrEqual(clean.requests);
      }
      c.check?.(lane.proxy.exchanges);

      // A re-run without the fault completes to the clean run's state, byte for byte.
      lane.proxy.setFaults([]);
      await expectRerunToClean(lane, { objects: clean.objects, refs: clean.refs });
      results.push({
        c,
        status: r.status,
        requests,
        clean: clean.requests,
        rerun: lane.proxy.exchanges.length - requests,
        line: r.status ? errorLine(r.stderr) : '',
      });
    },
    90_000,
  );
});

describe('the guard itself', () => {
  test('catches each kind of write that points at something missing, and the tag before the index', async () => {
    const lane = await startLane('guard');
    const via = (bucket: string) =>
      new S3Sink({
        url: `s3://${bucket}/guard`,
        endpoint: `http://${lane.proxy.host}`,
        region: 'us-east-1',
        pathStyle: true,
        credentials: bench.s3.credentials,
      });
    const put = (bucket: string, key: string, text: string, sha256 = 'x') =>
      via(bucket).putBytes(key, Buffer.from(text), { sha256, size: Buffer.byteLength(text) });
    const cleanKey = (bucket: string, re: RegExp) =>
      Object.keys(clean.objects)
        .find((k) => k.startsWith(`${bucket}/`) && re.test(k))!
        .slice(bucket.length + 1);
    const text = async (bucket: string, key: string) =>
      (await bench.direct(bucket).get(`clean/${key}`))!.toString();
    const narinfo = cleanKey('cache', /\.narinfo$/);
    const index = `${V}.releng-index.json`;
    const nar = cleanKey('cache', /^cache\/nar\//);

    await put('cache', narinfo, await text('cache', narinfo));
    await put('releases', 'manifest.nix', await text('releases', 'manifest.nix'));
    await put('install', `${NAME}/${NAME}-installer-x86_64-linux`, 'x');
    await put('docs', `manual/${NAME}/stable/index.html`, 'x');
    await put('releases', index, await text('releases', index));
    await put('cache', nar, 'first', 'aaaa');
    await put('cache', nar, 'other', 'bbbb');
    await via('cache').delete([nar]);
    const v = lane.proxy.violations;

    const has = (what: RegExp) =>
      expect(
        v.some((x) => what.test(x)),
        `${what} in\n${v.join('\n')}`,
      ).toBe(true);
    has(/PUT \/cache\/guard\/\w+\.narinfo: written while cache\/guard\/nar\/\S+.* are missing/);
    has(
      /PUT \/releases\/guard\/manifest\.nix: written while cache\/guard\/\w+\.narinfo.*releases\/guard\/demo\/demo-2\.93\.0\/big-2\.93\.0\.bin/,
    );
    has(
      /PUT \/install\/guard\/demo\/demo-installer-x86_64-linux: written while install\/guard\/demo\/demo-2\.93\.0\/demo-installer-x86_64-linux is missing/,
    );
    has(
      /PUT \/docs\/guard\/manual\/demo\/stable\/index\.html: written while .*docs\/guard\/manual\/demo\/2\.93\/index\.html are missing/,
    );
    has(
      /PUT \/releases\/guard\/demo\/demo-2\.93\.0\/\.releng-index\.json: written while .*releases\/guard\/demo\/demo-2\.93\.0\/\S+ \(missing\)/,
    );
    has(/rewrites the immutable cache\/guard\/nar\/\S+ \(sha256 aaaa → bbbb\)/);
    has(/DELETE \/cache\/guard\/nar\/\S+: deletes the immutable/);
    expect(v).toHaveLength(7);

    // A tag pushed to a guarded remote before the index exists (another lane: this one has an index now).
    const bare = await startLane('guard-tag');
    const before = bench.refs.violations.length;
    // Asynchronously: the hook calls back into this process.
    await promisify(execFile)('git', ['push', '-q', bare.project.remote, `refs/tags/${VERSION}`], {
      cwd: bare.project.dir,
    });
    expect(bench.refs.violations.slice(before)).toEqual([
      expect.stringMatching(
        / refs\/tags\/2\.93\.0: tag pushed while releases\/demo\/demo-2\.93\.0\/\.releng-index\.json under guard-tag\/ is missing$/,
      ),
    ]);
  }, 30_000);
});

const results: CaseResult[] = [];
// The figures docs/reliability.md quotes.
afterAll(() => console.log(resultRows(results)));

const lanes: Lane[] = [];
async function startLane(name: string, rules: FaultRule[] = []) {
  const lane = await bench.lane(name, rules);
  lanes.push(lane);
  return lane;
}

/** Puts the clean run's object at `bucket/key` under the lane's prefix, directly on the server. */
async function seed(lane: Lane, where: string) {
  const [bucket, ...rest] = where.split('/');
  const key = rest.join('/');
  const s = bench.direct(bucket!);
  const bytes = (await s.get(`clean/${key}`))!;
  const head = (await s.head(`clean/${key}`))!;
  await s.putBytes(`${lane.prefix}${key}`, bytes, { sha256: head.sha256!, size: bytes.length });
}
