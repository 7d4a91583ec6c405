// The S3 sink against a real S3 server (s3rver, in a child process): the contract every sink keeps
// (tests/helpers/sink-contract.ts; the directory runs it too), and its errors.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseS3Url, S3Sink } from '../../../src/storage/s3.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { describeSinkContract } from '../../helpers/sink-contract.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3(['releases']);
});
afterAll(async () => {
  await s3?.stop();
});

const s3Sink = (url = 's3://releases/lix', credentials = s3.credentials) =>
  new S3Sink({
    url,
    endpoint: s3.endpoint,
    region: 'garage',
    pathStyle: true,
    credentials,
    tuning: { partSize: 5 * 1024 * 1024, multipartThreshold: 5 * 1024 * 1024 },
  });

describeSinkContract('s3', () => s3Sink());

describe('s3 sink errors are one line naming the place and what to do', () => {
  test('wrong credentials', async () => {
    const sink = s3Sink('s3://releases', { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret-value' });
    const err = await sink.list('').catch((e: Error) => e);
    expect(String(err)).toMatch(
      /S3 s3:\/\/releases\/ at http:\/\/127\.0\.0\.1:\d+: .*; check the S3 credentials/,
    );
    expect(String(err)).not.toContain('wrong-secret-value');
  });
  test('a bucket that does not exist', async () => {
    const err = await s3Sink('s3://missing-bucket')
      .list('')
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/NoSuchBucket.*create the bucket or fix the environment/);
  });
  test('S3 URLs are parsed strictly', () => {
    expect(parseS3Url('s3://staging-cache/a/b/')).toEqual({ bucket: 'staging-cache', prefix: 'a/b/' });
    expect(() => parseS3Url('https://x')).toThrow(
      "'https://x' is not an S3 location; write s3://bucket or s3://bucket/prefix",
    );
  });
});
