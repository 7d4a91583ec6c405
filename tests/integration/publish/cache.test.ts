// The published binary cache is one the real nix accepts: `nix copy --from` it (over HTTP from the S3
// server, and as a file:// directory of the `local` environment) into a fresh store succeeds with the
// environment's public key trusted, and fails with another key.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publish } from '../../../src/stages/publish.js';
import { NIX_CONFIG } from '../../helpers/nix.js';
import { buildRelease, makeProject, nixKey, publishOptions } from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { tmpDir } from '../../helpers/tmp.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3(['cache']);
});
afterAll(async () => {
  await s3?.stop();
});

const ONLY_CACHE = ['docker', 'releases', 'docs', 'installers', 'tag', 'release-page'] as const;
const key = nixKey('releng-test-cache-1');
const wrong = nixKey('releng-test-cache-1');
const built = buildRelease('2.93.0', { bigBytes: 10, installer: false });
const main = built.storePaths.find((p) => !p.includes('-lib-'))!;
const lib = built.storePaths.find((p) => p.includes('-lib-'))!;

/** nix copy of `main` (and so its closure) from `from` into a fresh store, trusting `publicKey` only. */
function copyInto(from: string, publicKey: string) {
  const store = tmpDir('releng-fresh-store-');
  const r = spawnSync('nix', ['copy', '--from', from, '--to', store, main], {
    env: {
      ...process.env,
      NIX_CONFIG: `${NIX_CONFIG}\ntrusted-public-keys = ${publicKey}\nrequire-sigs = true`,
    },
    encoding: 'utf8',
  });
  return { ...r, store };
}

describe('a signed cache the real nix accepts', () => {
  test('from S3 over HTTP: accepted with the key trusted, refused with another', async () => {
    const dir = makeProject('2.93.0', {
      staging: {
        s3: { endpoint: s3.endpoint, region: 'us-east-1', 'path-style': true },
        cache: 's3://cache/signed',
        'signing-key': { env: 'CACHE_KEY' },
      },
    }).dir;
    const r = await publish(
      publishOptions(dir, {
        source: { release: built.release },
        skip: ONLY_CACHE,
        s3AccessKeyId: 'S3RVER',
        s3SecretAccessKey: 'S3RVER',
        processEnv: { CACHE_KEY: key.secret },
      }),
    );
    expect(r.publicKey).toBe(key.public);
    const url = `${s3.endpoint}/cache/signed`;
    const ok = copyInto(url, key.public);
    expect(ok.status, ok.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ok.store, main), 'utf8')).toBe(`${lib}\n`);
    expect(fs.readFileSync(path.join(ok.store, lib), 'utf8')).toBe('lib 2.93.0\n');
    const bad = copyInto(url, wrong.public);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/lacks a valid signature/);
    expect(fs.existsSync(path.join(bad.store, main))).toBe(false);
  });

  test('the local environment: a directory cache, file://', async () => {
    const project = makeProject('2.93.0', {
      local: { cache: 'out/cache', 'signing-key': { env: 'CACHE_KEY' } },
    });
    const r = await publish(
      publishOptions(project.dir, {
        environmentName: 'local',
        source: { release: built.release },
        noCheckGit: true,
        skip: ONLY_CACHE,
        processEnv: { CACHE_KEY: key.secret },
      }),
    );
    expect(r.uploadedObjects).toBeGreaterThan(4);
    const cache = path.join(project.dir, 'out/cache');
    expect(fs.readdirSync(cache).sort()).toEqual(
      expect.arrayContaining([
        'nar',
        'nix-cache-info',
        `${main.slice(11, 43)}.narinfo`,
        `${lib.slice(11, 43)}.narinfo`,
      ]),
    );
    // No temp files of ours left in the cache directory.
    expect(fs.readdirSync(path.join(cache, 'nar')).filter((f) => f.includes('.releng-tmp-'))).toEqual([]);
    expect(copyInto(`file://${cache}`, key.public).status).toBe(0);
    expect(copyInto(`file://${cache}`, wrong.public).status).not.toBe(0);
  });
});
