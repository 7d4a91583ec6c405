// The stage offline (OCI layouts as targets): images and their .sha256 sidecars, the version, the targets
// of an environment, the maintenance rule for latest, and the blob cache's lifecycle.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type CachePersistence,
  type DockerMultiarchOptions,
  dockerMultiarch,
} from '../../../src/stages/docker-multiarch.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { dockerOptions } from '../../helpers/docker-options.js';
import { git, makeRepo } from '../../helpers/git.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

let archive: WrittenArchive;
beforeAll(async () => {
  archive = await writeDockerArchive(path.join(tmpDir('releng-stage-'), 'image-x86_64-linux'), {
    layers: syntheticLayers('stage', 2, 1, 4),
    architecture: 'amd64',
  });
});

/** A checkout with version.json and the archive under images/. */
function checkout(files: Record<string, string> = {}): string {
  const dir = makeRepo({
    'version.json': JSON.stringify({ version: '2.93.0', release_name: 'x', official_release: true }),
    ...files,
  });
  fs.mkdirSync(path.join(dir, 'images'));
  fs.copyFileSync(archive.file, path.join(dir, 'images', path.basename(archive.file)));
  return dir;
}

function options(dir: string, extra: Partial<DockerMultiarchOptions> = {}): DockerMultiarchOptions {
  return dockerOptions(dir, {
    source: { images: ['images/*.tar.gz'] },
    targets: { refs: ['oci-layout:out'] },
    allowBareConfirm: true,
    cache: true,
    processEnv: { HOME: tmpDir('releng-home-'), XDG_CACHE_HOME: tmpDir('releng-cache-') },
    ...extra,
  });
}

function recordingPersistence(): CachePersistence & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    restore: async (dir) => void calls.push(`restore ${path.basename(dir)}`),
    save: async (dir) => void calls.push(`save ${path.basename(dir)}`),
  };
}

describe('dockerMultiarch', () => {
  test('archives by glob, version from version.json, latest by the maintenance rule; the blob cache kept', async () => {
    const dir = checkout();
    const persistence = recordingPersistence();
    const o = options(dir, { persistence });
    const r = await dockerMultiarch(o);
    expect(r.version).toBe('2.93.0');
    expect(r.tags).toEqual({ [`oci-layout:${dir}/out`]: ['2.93.0', '2.93', 'latest'] });
    expect(persistence.calls).toEqual(['restore oci', 'save oci']);
    const cache = path.join(o.processEnv.XDG_CACHE_HOME!, 'releng', 'oci', 'blobs.json');
    expect(Object.keys(JSON.parse(fs.readFileSync(cache, 'utf8')).blobs)).toHaveLength(2);
  });

  test('a newer release tagged in the checkout keeps latest where it is; latest: true overrides', async () => {
    const dir = checkout();
    git(dir, 'tag', '2.94.0');
    const held = await dockerMultiarch(options(dir));
    expect(Object.values(held.tags)[0]).toEqual(['2.93.0', '2.93']);
    const forced = await dockerMultiarch(
      options(dir, { latest: 'true', targets: { refs: ['oci-layout:out2'] } }),
    );
    expect(Object.values(forced.tags)[0]).toContain('latest');
  });

  test('{major} is not moved back by a maintenance release of its major; pointers: false moves none', async () => {
    const dir = checkout();
    git(dir, 'tag', '2.93.1');
    const held = await dockerMultiarch(options(dir));
    expect(Object.values(held.tags)[0]).toEqual(['2.93.0']);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'index.json'), 'utf8'));
    expect(
      index.manifests.map((m: { annotations: Record<string, string> }) => Object.values(m.annotations)),
    ).toEqual([['2.93.0']]);
    git(dir, 'tag', '-d', '2.93.1');
    const later = await dockerMultiarch(
      options(dir, { pointers: false, targets: { refs: ['oci-layout:later'] } }),
    );
    expect(Object.values(later.tags)[0]).toEqual(['2.93.0']);
  });

  test('the .sha256 beside an archive is checked against it', async () => {
    const dir = checkout();
    fs.writeFileSync(
      path.join(dir, 'images', `${path.basename(archive.file)}.sha256`),
      `${'0'.repeat(64)}  x\n`,
    );
    await expect(dockerMultiarch(options(dir))).rejects.toThrow(
      /its sha256 is [0-9a-f]{64} but the bundle recorded 0{64}/,
    );
  });

  test("an environment's registries, with the tags input over theirs; one without registries is refused", async () => {
    const dir = checkout({
      'releng.yml':
        'environments:\n  staging:\n    registries:\n      - ref: oci-layout:staging-oci\n        tags: ["{version}"]\n  empty:\n    registries: []\n',
    });
    const r = await dockerMultiarch(
      options(dir, {
        targets: { environmentName: 'staging' },
        tags: ['{version}', '{major}'],
        latest: 'false',
        confirm: 'I want to release this to staging',
      }),
    );
    expect(r.tags).toEqual({ [`oci-layout:${dir}/staging-oci`]: ['2.93.0', '2.93'] });
    await expect(dockerMultiarch(options(dir, { targets: { environmentName: 'empty' } }))).rejects.toThrow(
      /environment 'empty' has no registries in .*releng\.yml; add environments\.empty\.registries/,
    );
  });

  test('no version to be found, or an archive glob that matches nothing: one line, nothing written', async () => {
    const bare = tmpDir('releng-bare-');
    writeFiles(bare, { 'images/.keep': '' });
    await expect(dockerMultiarch(options(bare, { source: { images: [archive.file] } }))).rejects.toThrow(
      /no version: pass 'version', or run in the project checkout/,
    );
    await expect(dockerMultiarch(options(bare, { version: '2.93.0' }))).rejects.toThrow(
      /images: no file matches images\/\*\.tar\.gz/,
    );
    expect(fs.existsSync(path.join(bare, 'out'))).toBe(false);
  });

  test('a dry run leaves the blob cache alone', async () => {
    const dir = checkout();
    const persistence = recordingPersistence();
    await dockerMultiarch(options(dir, { dryRun: true, persistence }));
    expect(persistence.calls).toEqual([]);
  });
});

describe('dockerMultiarch to an environment: the typed confirmation', () => {
  const production = () =>
    checkout({
      'releng.yml': 'environments:\n  production:\n    registries:\n      - ref: oci-layout:prod-oci\n',
    });
  const toProduction = (dir: string, extra: Partial<DockerMultiarchOptions> = {}) =>
    options(dir, { targets: { environmentName: 'production' }, allowBareConfirm: false, ...extra });

  test.each<[string, Partial<DockerMultiarchOptions>, RegExp]>([
    [
      'no phrase',
      {},
      /publishing to production needs input 'confirm' set to 'I want to release this to production'/,
    ],
    [
      "another environment's phrase",
      { confirm: 'I want to release this to staging' },
      /that phrase confirms staging, not production/,
    ],
    ['the old phrase', { confirm: 'I want to release this' }, /the phrase now names the environment/],
    ['a bare confirm on a runner', { confirm: 'true' }, /a bare confirm is not enough on a runner/],
    [
      'a wrong answer on a terminal',
      { ask: async () => 'yes' },
      /not confirmed \(type exactly 'I want to release this to production'\)/,
    ],
  ])('%s: refused, nothing written', async (_, extra, message) => {
    const dir = production();
    await expect(dockerMultiarch(toProduction(dir, extra))).rejects.toThrow(message);
    expect(fs.existsSync(path.join(dir, 'prod-oci'))).toBe(false);
  });

  test('the right phrase publishes; a dry run and a list of targets need none; a terminal is asked once', async () => {
    const dir = production();
    const r = await dockerMultiarch(toProduction(dir, { confirm: 'I want to release this to production' }));
    expect(r.tags).toEqual({ [`oci-layout:${dir}/prod-oci`]: ['2.93.0', '2.93', 'latest'] });
    const dry = production();
    await dockerMultiarch(toProduction(dry, { dryRun: true }));
    expect(fs.existsSync(path.join(dry, 'prod-oci'))).toBe(false);
    await dockerMultiarch(options(production()));
    const asked: string[] = [];
    const ask = async (q: string) => {
      asked.push(q);
      return 'I want to release this to production';
    };
    await dockerMultiarch(toProduction(production(), { ask }));
    expect(asked).toEqual([
      'Publish the docker images of 2.93.0 to production? Type "I want to release this to production" to go on: ',
    ]);
  });

  test('local needs none; confirm: false in releng.yml turns it off', async () => {
    await dockerMultiarch(options(checkout(), { targets: { environmentName: 'local' } }));
    const off = checkout({
      'releng.yml':
        'environments:\n  staging:\n    confirm: false\n    registries:\n      - ref: oci-layout:s-oci\n',
    });
    await dockerMultiarch(options(off, { targets: { environmentName: 'staging' }, allowBareConfirm: false }));
    expect(fs.existsSync(path.join(off, 's-oci', 'index.json'))).toBe(true);
  });
});
