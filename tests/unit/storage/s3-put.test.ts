import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { encodeKey, type S3HttpError, SignedPut, s3Signer } from '../../../src/storage/s3-put.js';
import { startHttpStub } from '../../helpers/http-stub.js';
import { tmpDir } from '../../helpers/tmp.js';

// AWS's documented examples ("Signature Calculations for the Authorization Header: Transferring Payload
// in a Single Chunk": Example: GET Object, Example: PUT Object), with their example credentials.
const AWS = {
  credentials: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
  region: 'us-east-1',
  date: new Date('2013-05-24T00:00:00Z'),
  amzDate: '20130524T000000Z',
  host: 'examplebucket.s3.amazonaws.com',
};
const GET_OBJECT = {
  method: 'GET',
  path: '/test.txt',
  headers: { range: 'bytes=0-9' },
  payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  signedHeaders: 'host;range;x-amz-content-sha256;x-amz-date',
  signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
};
// Signs a `date` header, which the SDK's signer never does (it signs x-amz-date): checked by the test's
// own SigV4 only.
const PUT_OBJECT = {
  method: 'PUT',
  path: '/test%24file.text',
  headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
  payloadHash: '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
  signedHeaders: 'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
  signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
};

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * SigV4 written out from AWS's description, independent of the SDK: the signature of a request as a
 * server recomputes it from what it received.
 */
function signatureOf(r: {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  amzDate: string;
  secret: string;
  region: string;
}): string {
  const canonical = [
    r.method,
    r.path,
    '',
    ...r.signedHeaders.map((h) => `${h}:${String(r.headers[h]).trim()}`),
    '',
    r.signedHeaders.join(';'),
    String(r.headers['x-amz-content-sha256']),
  ].join('\n');
  const day = r.amzDate.slice(0, 8);
  const scope = `${day}/${r.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', r.amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${r.secret}`, day), r.region), 's3'), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

function parseAuthorization(header: string): {
  credential: string;
  signedHeaders: string[];
  signature: string;
} {
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
    header,
  );
  if (!m) throw new Error(`not a SigV4 Authorization header: ${header}`);
  return { credential: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! };
}

describe('SigV4', () => {
  test("the signer SignedPut uses gives AWS's documented signature for its GET Object example", async () => {
    const e = GET_OBJECT;
    const signed = await s3Signer(AWS.region, AWS.credentials).sign(
      {
        method: e.method,
        protocol: 'https:',
        hostname: AWS.host,
        path: e.path,
        query: {},
        headers: { host: AWS.host, 'x-amz-content-sha256': e.payloadHash, ...e.headers },
      },
      { signingDate: AWS.date },
    );
    expect(signed.headers['x-amz-date']).toBe(AWS.amzDate);
    expect(parseAuthorization(String(signed.headers.authorization))).toEqual({
      credential: 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
      signedHeaders: e.signedHeaders.split(';'),
      signature: e.signature,
    });
  });

  test("the test's own SigV4 gives AWS's signatures (so it can check requests on the wire)", () => {
    for (const e of [GET_OBJECT, PUT_OBJECT])
      expect(
        signatureOf({
          method: e.method,
          path: e.path,
          headers: {
            host: AWS.host,
            'x-amz-content-sha256': e.payloadHash,
            'x-amz-date': AWS.amzDate,
            ...e.headers,
          },
          signedHeaders: e.signedHeaders.split(';'),
          amzDate: AWS.amzDate,
          secret: AWS.credentials.secretAccessKey,
          region: AWS.region,
        }),
        e.method,
      ).toBe(e.signature);
    expect(`/${encodeKey('test$file.text')}`).toBe(PUT_OBJECT.path);
  });

  test('keys are encoded once, as S3 canonicalises them: RFC 3986 unreserved kept, slashes kept', () => {
    expect(encodeKey("a b/c+d!'()*~_-.x/ü$?#&=%")).toBe(
      'a%20b/c%2Bd%21%27%28%29%2A~_-.x/%C3%BC%24%3F%23%26%3D%25',
    );
  });
});

const CREDENTIALS = { accessKeyId: 'AKTEST', secretAccessKey: 'secret/key+test' };
const putter = (endpoint: string, timeout = 10_000) =>
  new SignedPut({
    endpoint,
    region: 'garage',
    pathStyle: true,
    credentials: CREDENTIALS,
    sockets: 2,
    timeout,
  });

describe('SignedPut on the wire', () => {
  test('a file range goes up path-style, unsigned payload, with its headers signed', async () => {
    const srv = await startHttpStub((_, res) => {
      res.writeHead(200, { etag: '"e1"' });
      res.end();
    });
    const file = path.join(tmpDir(), 'f');
    fs.writeFileSync(file, '0123456789');
    const etag = await putter(`${srv.origin}/base/`).put(
      'releases',
      'lix/a b$(1)ü.txt',
      { file, start: 3, size: 5 },
      { 'x-amz-meta-sha256': 'abc123', 'content-type': 'text/plain; charset=utf-8' },
    );
    expect(etag).toBe('"e1"');
    const [r] = srv.received;
    expect(r!.method).toBe('PUT');
    expect(r!.url).toBe('/base/releases/lix/a%20b%24%281%29%C3%BC.txt');
    expect(r!.body.toString()).toBe('34567');
    expect(r!.headers).toMatchObject({
      'content-length': '5',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-meta-sha256': 'abc123',
      'content-type': 'text/plain; charset=utf-8',
    });
    const auth = parseAuthorization(String(r!.headers.authorization));
    expect(auth.credential).toMatch(/^AKTEST\/\d{8}\/garage\/s3\/aws4_request$/);
    expect(auth.signedHeaders).toEqual(
      expect.arrayContaining([
        'content-length',
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-meta-sha256',
      ]),
    );
    expect(
      signatureOf({
        method: r!.method,
        path: r!.url,
        headers: r!.headers,
        signedHeaders: auth.signedHeaders,
        amzDate: String(r!.headers['x-amz-date']),
        secret: CREDENTIALS.secretAccessKey,
        region: 'garage',
      }),
    ).toBe(auth.signature);
  });

  test('bytes in memory go up as they are', async () => {
    const srv = await startHttpStub((_, res) => res.end());
    await putter(srv.origin).put('b', 'k', Buffer.from('in memory'), {});
    expect(srv.received[0]!.url).toBe('/b/k');
    expect(srv.received[0]!.body.toString()).toBe('in memory');
    expect(srv.received[0]!.headers['content-length']).toBe('9');
  });

  test("a refusal is an error shaped like the SDK's, with the server's code, message and Retry-After", async () => {
    const srv = await startHttpStub((_, res) => {
      res.writeHead(503, { 'retry-after': '2', 'content-type': 'application/xml' });
      res.end('<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>');
    });
    const err = (await putter(srv.origin)
      .put('b', 'k', Buffer.from('x'), {})
      .catch((e: unknown) => e)) as S3HttpError;
    expect(err).toBeInstanceOf(Error);
    expect({
      name: err.name,
      code: err.code,
      message: err.message,
      status: err.$metadata.httpStatusCode,
      retryAfter: err.retryAfter,
    }).toEqual({
      name: 'SlowDown',
      code: 'SlowDown',
      message: 'Reduce your request rate.',
      status: 503,
      retryAfter: '2',
    });
  });

  test('a file shorter than its planned size fails the request, naming the file', async () => {
    const srv = await startHttpStub((_, res) => res.end());
    const file = path.join(tmpDir(), 'short');
    fs.writeFileSync(file, 'abc');
    await expect(putter(srv.origin).put('b', 'k', { file, start: 0, size: 5 }, {})).rejects.toThrow(
      `${file}: ended 2 bytes early; was it changed while publishing?`,
    );
  });

  test('a server that stops answering times out as a retryable error', async () => {
    const srv = await startHttpStub(() => {});
    const err = (await putter(srv.origin, 300)
      .put('b', 'k', Buffer.from('x'), {})
      .catch((e: unknown) => e)) as NodeJS.ErrnoException;
    expect(err.code).toBe('ETIMEDOUT');
  });
});
