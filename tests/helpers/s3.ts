import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './action.js';
import { tmpDir } from './tmp.js';

export interface S3Server {
  endpoint: string;
  dir: string;
  /** s3rver's one built-in account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

/**
 * A real S3 server (npm s3rver) in a child process on a free loopback port, with the given buckets. `keys`
 * adds access keys ([id, secret]) beside s3rver's own S3RVER/S3RVER.
 */
export async function startS3(buckets: string[], o: { keys?: [string, string][] } = {}): Promise<S3Server> {
  const dir = tmpDir('releng-s3-');
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, 'tests/helpers/s3rver-child.mjs'), dir, ...buckets],
    {
      env: {
        ...process.env,
        NODE_OPTIONS: '--openssl-legacy-provider',
        S3RVER_KEYS: JSON.stringify(o.keys ?? []),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dir,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
