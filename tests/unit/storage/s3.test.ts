// src/storage/s3.ts against a loopback stub: the claim of an immutable object (If-None-Match: * on the
// PUT) and what a 412 decides. s3rver ignores If-None-Match, so the refusal is proved here, on the wire.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { S3Sink } from '../../../src/storage/s3.js';
import { type StubRequest, startHttpStub } from '../../helpers/http-stub.js';
import { tmpDir } from '../../helpers/tmp.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * A bucket as a server that honours If-None-Match would keep it: a conditional PUT of a key that is
 * there gets 412 PreconditionFailed; HEAD answers with the sha256 metadata stored with the object.
 */
async function bucket(objects: Map<string, { bytes: Buffer; sha256: string }>) {
  return startHttpStub((req: StubRequest, res) => {
    const key = decodeURIComponent(req.url.replace(/^\/releases\//, '').split('?')[0]!);
    const there = objects.get(key);
    if (req.method === 'PUT') {
      if (req.headers['if-none-match'] === '*' && there) {
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end(
          '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
        );
        return;
      }
      objects.set(key, { bytes: req.body, sha256: String(req.headers['x-amz-meta-sha256']) });
      res.writeHead(200, { etag: '"e"' });
      res.end();
      return;
    }
    if (req.method === 'HEAD') {
      if (!there) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': there.bytes.length, 'x-amz-meta-sha256': there.sha256 });
      res.end();
      return;
    }
    res.writeHead(400);
    res.end();
  });
}

const sinkAt = (origin: string) =>
  new S3Sink({
    url: 's3://releases',
    endpoint: origin,
    region: 'garage',
    pathStyle: true,
    credentials: { accessKeyId: 'AKTEST', secretAccessKey: 'test-secret-key' },
  });

const KEY = 'lix/lix-2.93.0/lix.tar.xz';

describe('S3 sink: an immutable object is claimed by its write', () => {
  test('ifAbsent sends If-None-Match: * (signed); without it, no condition', async () => {
    const objects = new Map();
    const srv = await bucket(objects);
    const sink = sinkAt(srv.origin);
    const bytes = Buffer.from('ours');
    await sink.putBytes(KEY, bytes, { sha256: sha(bytes), size: 4, ifAbsent: true });
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, 'pointer');
    await sink.put('manifest.nix', file, { sha256: sha('pointer'), size: 7 });
    const [claim, pointer] = srv.received;
    expect(claim!.headers['if-none-match']).toBe('*');
    expect(String(claim!.headers.authorization)).toMatch(/SignedHeaders=[^,]*if-none-match/);
    expect(pointer!.headers['if-none-match']).toBeUndefined();
  });

  test('412 over our own bytes (a concurrent run of the same release, or a retry) is success', async () => {
    const bytes = Buffer.from('same bytes');
    const objects = new Map([[KEY, { bytes, sha256: sha(bytes) }]]);
    const srv = await bucket(objects);
    await sinkAt(srv.origin).putBytes(KEY, bytes, { sha256: sha(bytes), size: bytes.length, ifAbsent: true });
    expect(srv.received.map((r) => r.method)).toEqual(['PUT', 'HEAD']);
    expect(objects.get(KEY)!.bytes.toString()).toBe('same bytes');
  });

  test('412 over other bytes is one line naming the key and what to do; theirs stays', async () => {
    const theirs = Buffer.from('their build');
    const objects = new Map([[KEY, { bytes: theirs, sha256: sha(theirs) }]]);
    const srv = await bucket(objects);
    const ours = Buffer.from('our build!!');
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, ours);
    const err = (await sinkAt(srv.origin)
      .put(KEY, file, { sha256: sha(ours), size: ours.length, ifAbsent: true })
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(
      `s3://releases/${KEY} was written by a concurrent publish with different content (11 bytes, sha256 ${sha(theirs).slice(0, 12)}…; ours 11 bytes, sha256 ${sha(ours).slice(0, 12)}…); this run replaced nothing there — find which run publishes this version, let it finish, then run publish again (force: true replaces that run's bytes with these)`,
    );
    expect(err.message).not.toContain('\n');
    expect(objects.get(KEY)!.bytes.toString()).toBe('their build');
    // Refused, not retried: one PUT, one HEAD.
    expect(srv.received.map((r) => r.method)).toEqual(['PUT', 'HEAD']);
  });

  test('412 on a write that did not ask for a condition stays an error of the server', async () => {
    const srv = await startHttpStub((_, res) => {
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end('<Error><Code>PreconditionFailed</Code><Message>no</Message></Error>');
    });
    await expect(
      sinkAt(srv.origin).putBytes(KEY, Buffer.from('x'), { sha256: sha('x'), size: 1 }),
    ).rejects.toThrow(/PreconditionFailed \(HTTP 412\)/);
  });

  test("AWS's 409 ConditionalRequestConflict (a write of the key in flight) is retried", async () => {
    let n = 0;
    const srv = await startHttpStub((_, res) => {
      if (n++ === 0) {
        res.writeHead(409, { 'content-type': 'application/xml' });
        res.end('<Error><Code>ConditionalRequestConflict</Code><Message>retry</Message></Error>');
        return;
      }
      res.end();
    });
    await sinkAt(srv.origin).putBytes(KEY, Buffer.from('x'), { sha256: sha('x'), size: 1, ifAbsent: true });
    expect(srv.received.map((r) => [r.method, r.headers['if-none-match']])).toEqual([
      ['PUT', '*'],
      ['PUT', '*'],
    ]);
  });

  test('a multipart object is claimed on CompleteMultipartUpload; a 412 there is settled the same way', async () => {
    const theirs = Buffer.alloc(6 * 1024 * 1024, 1);
    const ours = Buffer.alloc(6 * 1024 * 1024, 2);
    const objects = new Map([[KEY, { bytes: theirs, sha256: sha(theirs) }]]);
    const srv = await startHttpStub((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (req.method === 'POST' && url.searchParams.has('uploads')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(
          `<InitiateMultipartUploadResult><Bucket>releases</Bucket><Key>${KEY}</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`,
        );
      } else if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
        res.writeHead(200, { etag: `"p${url.searchParams.get('partNumber')}"` });
        res.end();
      } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end('<Error><Code>PreconditionFailed</Code><Message>exists</Message></Error>');
      } else if (req.method === 'HEAD') {
        const o = objects.get(KEY)!;
        res.writeHead(200, { 'content-length': o.bytes.length, 'x-amz-meta-sha256': o.sha256 });
        res.end();
      } else {
        // AbortMultipartUpload after the refused completion.
        res.writeHead(204);
        res.end();
      }
    });
    const sink = new S3Sink({
      url: 's3://releases',
      endpoint: srv.origin,
      region: 'garage',
      pathStyle: true,
      credentials: { accessKeyId: 'AKTEST', secretAccessKey: 'test-secret-key' },
      tuning: { partSize: 5 * 1024 * 1024, multipartThreshold: 5 * 1024 * 1024 },
    });
    const file = path.join(tmpDir(), 'big');
    fs.writeFileSync(file, ours);
    await expect(
      sink.put(KEY, file, { sha256: sha(ours), size: ours.length, ifAbsent: true }),
    ).rejects.toThrow(`s3://releases/${KEY} was written by a concurrent publish with different content`);
    const complete = srv.received.find((r) => r.method === 'POST' && r.url.includes('uploadId='));
    expect(complete!.headers['if-none-match']).toBe('*');
    // The parts and their start carry no condition (S3 refuses one there).
    for (const r of srv.received.filter((r) => r !== complete && r.method !== 'HEAD'))
      expect(r.headers['if-none-match'], `${r.method} ${r.url}`).toBeUndefined();
    // Same bytes there: the completion's 412 is success.
    objects.set(KEY, { bytes: ours, sha256: sha(ours) });
    await sink.put(KEY, file, { sha256: sha(ours), size: ours.length, ifAbsent: true });
  }, 30_000);
});
