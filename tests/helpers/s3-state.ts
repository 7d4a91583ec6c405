import { S3Sink } from '../../src/storage/s3.js';
import type { S3Direct } from './publish-guard.js';

/**
 * What a reader can see under a prefix of each bucket, read from the server directly: `bucket/key` (the
 * prefix taken off) → the sha256 of the bytes, the sha256 stored with the object, and the size. Two runs
 * ended in the same state when these are equal — server timestamps and ETags are left out on purpose.
 */
export async function s3State(
  direct: S3Direct,
  buckets: string[],
  prefix: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const b of buckets) {
    const s = new S3Sink({
      url: `s3://${b}`,
      endpoint: direct.endpoint,
      region: 'us-east-1',
      pathStyle: true,
      credentials: direct.credentials,
    });
    for (const o of await s.list(prefix)) {
      const [bytes, head] = await Promise.all([s.hash(o.key), s.head(o.key)]);
      out[`${b}/${o.key.slice(prefix.length)}`] = `${bytes?.sha256} meta=${head?.sha256 ?? 'none'} ${o.size}`;
    }
  }
  return out;
}
