// Runs s3rver in its own process (it needs --openssl-legacy-provider on Node >= 17 for ListObjectsV2)
// and prints its address as one JSON line. Usage: node s3rver-child.mjs DIR BUCKET...
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';

const [dir, ...buckets] = process.argv.slice(2);
// More access keys than s3rver's one (S3RVER/S3RVER), for tests that need known, distinct secrets.
// s3rver checks that the key id exists (InvalidAccessKeyId otherwise), not v4 signatures.
for (const [id, secret] of JSON.parse(process.env.S3RVER_KEYS ?? '[]'))
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory: dir,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
