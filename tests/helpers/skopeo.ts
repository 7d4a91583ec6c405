/**
 * skopeo — not our client — as the tests' independent reader of what was pushed. Asynchronous: a token
 * server running in the test process must answer it meanwhile.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { expect } from 'vitest';
import type { WrittenArchive } from './docker-archive.js';
import type { RegistryServer } from './registry.js';
import { tmpDir } from './tmp.js';

export async function skopeo(args: string[]): Promise<string> {
  return (await promisify(execFile)('skopeo', args, { encoding: 'utf8', maxBuffer: 16 << 20 })).stdout;
}

/**
 * skopeo copies one platform of `repo:ref` out of the registry; every layer must gunzip to the archive's
 * layer (its diffID) and the config must be the archive's. Gives the layer blobs.
 */
export async function pullBack(
  reg: RegistryServer,
  repo: string,
  ref: string,
  arch: string,
  expected: WrittenArchive,
  creds?: string,
): Promise<Buffer[]> {
  const out = path.join(tmpDir('releng-pull-'), 'img');
  await skopeo([
    '--override-arch',
    arch,
    'copy',
    '--src-tls-verify=false',
    ...(creds ? ['--src-creds', creds] : []),
    `docker://${reg.direct}/${repo}:${ref}`,
    `dir:${out}`,
  ]);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  const blobs: Buffer[] = manifest.layers.map((l: { digest: string }) =>
    fs.readFileSync(path.join(out, l.digest.slice(7))),
  );
  expect(blobs.map((b) => `sha256:${createHash('sha256').update(zlib.gunzipSync(b)).digest('hex')}`)).toEqual(
    expected.diffIds,
  );
  expect(manifest.config.digest).toBe(expected.config);
  return blobs;
}
