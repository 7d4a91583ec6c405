// The published binary cache is one the real nix accepts: `nix copy --from` it (over HTTP from the S3
// server, and as a file:// directory of the `local` environment) into a fresh store succeeds with the
// environment's public key trusted, and fails with another key. From leg caches publish needs no nix: it
// runs with none on PATH, and leaves no temp files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { publish } from '../../../src/stages/publish.js';
import { S3Sink } from '../../../src/storage/s3.js';
import { NIX_CONFIG, pathWithoutNix } from '../../helpers/nix.js';
import {
  buildRelease,
  cacheOnlyToS3,
  makeProject,
  nixKey,
  ONLY_CACHE,
  publishOptions,
} from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { tmpDir } from '../../helpers/tmp.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3(['cache']);
});
afterAll(async () => {
  await s3?.stop();
});

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
    const r = await publish(cacheOnlyToS3(dir, built.release, key.secret));
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

  test('from leg caches with no nix on PATH: signed in-process, narinfos zstd-encoded as cache-settings asks; no temp files left; a re-run writes nothing', async () => {
    const dir = makeProject('2.93.0', {
      staging: {
        s3: { endpoint: s3.endpoint, region: 'us-east-1', 'path-style': true },
        cache: 's3://cache/no-nix',
        'cache-settings': { 'narinfo-compression': 'zstd' },
        'signing-key': { env: 'CACHE_KEY' },
      },
    }).dir;
    const runnerTemp = tmpDir('releng-runner-temp-');
    // A key file a killed run left (its process is gone): removed when publish starts.
    const stale = path.join(runnerTemp, 'releng-key-999999999-AbC123');
    fs.mkdirSync(stale);
    fs.writeFileSync(path.join(stale, 'secret-key'), key.secret);
    const saved = { PATH: process.env.PATH, RUNNER_TEMP: process.env.RUNNER_TEMP };
    const run = async () => {
      process.env.PATH = pathWithoutNix();
      process.env.RUNNER_TEMP = runnerTemp;
      try {
        // The test would prove nothing if nix could still be found.
        expect(spawnSync('nix', ['--version']).error).toMatchObject({ code: 'ENOENT' });
        return await publish(cacheOnlyToS3(dir, built.release, key.secret));
      } finally {
        process.env.PATH = saved.PATH;
        if (saved.RUNNER_TEMP === undefined) delete process.env.RUNNER_TEMP;
        else process.env.RUNNER_TEMP = saved.RUNNER_TEMP;
      }
    };
    const r = await run();
    expect(r.publicKey).toBe(key.public);
    expect(r.uploadedObjects).toBeGreaterThan(4);
    expect(fs.readdirSync(runnerTemp)).toEqual([]);

    // Written as cache-settings asks, with the Content-Encoding nix's S3 store sets.
    const sink = new S3Sink({
      url: 's3://cache/no-nix',
      endpoint: s3.endpoint,
      region: 'us-east-1',
      pathStyle: true,
      credentials: s3.credentials,
    });
    const narinfo = await sink.get(`${main.slice(11, 43)}.narinfo`);
    expect(narinfo?.contentEncoding).toBe('zstd');
    expect([...narinfo!.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    // The legs' NARs as they are (nix copy's default in a file:// cache: xz), not compressed again.
    const leg = built.release.cachePaths.find((c) => c.storePath === main)!;
    expect((await sink.head(leg.info.url))?.size).toBe(fs.statSync(leg.nar).size);

    // nix, with only our public key trusted, copies the release out of it.
    const url = `${s3.endpoint}/cache/no-nix`;
    const ok = copyInto(url, key.public);
    expect(ok.status, ok.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ok.store, main), 'utf8')).toBe(`${lib}\n`);
    expect(copyInto(url, wrong.public).status).not.toBe(0);

    // The zstd narinfos read back: every path is there, nothing is written.
    const again = await run();
    expect(again.uploadedObjects).toBe(0);
    expect(fs.readdirSync(runnerTemp)).toEqual([]);
  });
});
