// docker-multiarch run alone, as the stage (the real OCI client, real layouts and docker-registry):
// the typed confirmation of an environment named `production`, each registry's own login from releng.yml
// `{env: NAME}` references with no docker config anywhere, and the pointer tags left to publish.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dockerViaMultiarch } from '../../../src/publish/docker.js';
import { type DockerMultiarchOptions, dockerMultiarch } from '../../../src/stages/docker-multiarch.js';
import { syntheticLayers, type WrittenArchive, writeDockerArchive } from '../../helpers/docker-archive.js';
import { dockerOptions } from '../../helpers/docker-options.js';
import { makeRepo } from '../../helpers/git.js';
import { recordingLogger } from '../../helpers/publish-fixture.js';
import { type RegistryServer, startRegistry } from '../../helpers/registry.js';
import { skopeo } from '../../helpers/skopeo.js';
import { tmpDir } from '../../helpers/tmp.js';

const VERSION = '2.93.0';
let archive: WrittenArchive;

beforeAll(async () => {
  archive = await writeDockerArchive(path.join(tmpDir('releng-stage-'), 'image-x86_64-linux'), {
    layers: syntheticLayers('confirm', 2, 1, 4),
    architecture: 'amd64',
  });
});

/** A checkout with version.json, releng.yml and the archive under images/. */
function checkout(relengYml: string): string {
  const dir = makeRepo({
    'version.json': JSON.stringify({ version: VERSION, release_name: 'x', official_release: true }),
    'releng.yml': relengYml,
  });
  fs.mkdirSync(path.join(dir, 'images'));
  fs.copyFileSync(archive.file, path.join(dir, 'images', path.basename(archive.file)));
  return dir;
}

function options(
  dir: string,
  environmentName: string,
  extra: Partial<DockerMultiarchOptions> = {},
): DockerMultiarchOptions {
  return dockerOptions(dir, {
    source: { images: ['images/*.tar.gz'] },
    targets: { environmentName },
    allowBareConfirm: false,
    cache: false,
    // No docker or containers login file anywhere: HOME and XDG dirs are empty.
    processEnv: { HOME: tmpDir('releng-home-'), XDG_CONFIG_HOME: tmpDir('releng-xdg-') },
    log: recordingLogger(),
    ...extra,
  });
}

const layoutTags = (dir: string) =>
  fs.existsSync(path.join(dir, 'index.json'))
    ? (
        JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
          manifests: { annotations?: Record<string, string> }[];
        }
      ).manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'])
    : [];

describe('docker-multiarch alone to an environment named production (directory destinations)', () => {
  const PRODUCTION =
    'environments:\n  production:\n    registries:\n      - ref: oci-layout:prod-oci\n  staging:\n    registries:\n      - ref: oci-layout:staging-oci\n';

  test.each([
    ['no phrase', undefined, /needs input 'confirm' set to 'I want to release this to production'/],
    ["staging's phrase", 'I want to release this to staging', /that phrase confirms staging, not production/],
    ['the old phrase', 'I want to release this', /the phrase now names the environment/],
    ['a bare true on a runner', 'true', /a bare confirm is not enough on a runner/],
  ])('%s: refused in one line, nothing written', async (_, confirm, message) => {
    const dir = checkout(PRODUCTION);
    const err = await dockerMultiarch(options(dir, 'production', { confirm })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'images', 'releng.yml', 'version.json']);
  });

  test('the right phrase publishes to production only', async () => {
    const dir = checkout(PRODUCTION);
    const r = await dockerMultiarch(
      options(dir, 'production', { confirm: 'I want to release this to production' }),
    );
    expect(Object.keys(r.digests)).toEqual([`oci-layout:${dir}/prod-oci`]);
    expect(layoutTags(path.join(dir, 'prod-oci')).sort()).toEqual(['2.93', '2.93.0', 'latest']);
    expect(fs.existsSync(path.join(dir, 'staging-oci'))).toBe(false);
  });
});

describe('two registries with their own logins from releng.yml, no docker config', () => {
  const users = {
    forgejo: { user: 'forgejo-bot', password: 'forgejo-pass-7c1d93' },
    ghcr: { user: 'ghcr-bot', password: 'ghcr-pass-0b55e2' },
  };
  let forgejo: RegistryServer;
  let ghcr: RegistryServer;

  beforeAll(async () => {
    [forgejo, ghcr] = await Promise.all([
      startRegistry({ auth: 'htpasswd', users: { [users.forgejo.user]: users.forgejo.password } }),
      startRegistry({ auth: 'htpasswd', users: { [users.ghcr.user]: users.ghcr.password } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([forgejo?.stop(), ghcr?.stop()]);
  });

  const relengYml = () =>
    [
      'environments:',
      '  production:',
      '    registries:',
      `      - ref: ${forgejo.host}/lix/lix`,
      '        username: { env: FORGEJO_REGISTRY_USER }',
      '        password: { env: FORGEJO_REGISTRY_PASSWORD }',
      `      - ref: ${ghcr.host}/lix-project/lix`,
      '        username: { env: GHCR_USER }',
      '        password: { env: GHCR_TOKEN }',
      '',
    ].join('\n');
  const loginEnv = () => ({
    HOME: tmpDir('releng-home-'),
    XDG_CONFIG_HOME: tmpDir('releng-xdg-'),
    FORGEJO_REGISTRY_USER: users.forgejo.user,
    FORGEJO_REGISTRY_PASSWORD: users.forgejo.password,
    GHCR_USER: users.ghcr.user,
    GHCR_TOKEN: users.ghcr.password,
  });

  test('both receive the index; skopeo reads each with its own login; no password in any output', async () => {
    const dir = checkout(relengYml());
    const log = recordingLogger();
    const r = await dockerMultiarch(
      options(dir, 'production', {
        confirm: 'I want to release this to production',
        processEnv: loginEnv(),
        pointers: false,
        log,
      }),
    );
    const digests = Object.values(r.digests);
    expect(digests).toHaveLength(2);
    expect(new Set(digests).size).toBe(1);
    for (const [reg, repo, creds, other] of [
      [forgejo, 'lix/lix', users.forgejo, users.ghcr],
      [ghcr, 'lix-project/lix', users.ghcr, users.forgejo],
    ] as const) {
      const raw = await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        '--creds',
        `${creds.user}:${creds.password}`,
        `docker://${reg.direct}/${repo}:${VERSION}`,
      ]);
      expect(JSON.parse(raw).manifests).toHaveLength(1);
      // The other registry's login is refused here: each registry was reached with its own.
      await expect(
        skopeo([
          'inspect',
          '--raw',
          '--tls-verify=false',
          '--creds',
          `${other.user}:${other.password}`,
          `docker://${reg.direct}/${repo}:${VERSION}`,
        ]),
      ).rejects.toThrow();
    }
    const output = [...log.lines, JSON.stringify(r)].join('\n');
    for (const u of Object.values(users)) {
      expect(output).not.toContain(u.password);
      expect(log.secrets).toContain(u.password);
    }
  });

  test('the docker step moves no pointer; the pointer phase does, as the maintenance rule allows', async () => {
    const dir = checkout(relengYml());
    const processEnv = loginEnv();
    await dockerMultiarch(
      options(dir, 'production', {
        confirm: 'I want to release this to production',
        processEnv,
        pointers: false,
      }),
    );
    const tagsOf = async (reg: RegistryServer, repo: string, creds: { user: string; password: string }) =>
      (
        JSON.parse(
          await skopeo([
            'list-tags',
            '--tls-verify=false',
            '--creds',
            `${creds.user}:${creds.password}`,
            `docker://${reg.direct}/${repo}`,
          ]),
        ) as { Tags: string[] }
      ).Tags.sort();
    expect(await tagsOf(forgejo, 'lix/lix', users.forgejo)).toEqual([VERSION]);
    expect(await tagsOf(ghcr, 'lix-project/lix', users.ghcr)).toEqual([VERSION]);

    // Publish's pointer phase (skip: docker: the images came from the job above): a maintenance release
    // of the newest major moves `{major}` but not `latest`.
    const request = {
      images: [],
      environment: {
        registries: [
          {
            ref: `${forgejo.host}/lix/lix`,
            tags: ['{version}', '{major}', 'latest'],
            username: { env: 'FORGEJO_REGISTRY_USER' },
            password: { env: 'FORGEJO_REGISTRY_PASSWORD' },
          },
          {
            ref: `${ghcr.host}/lix-project/lix`,
            tags: ['{version}', '{major}', 'latest'],
            username: { env: 'GHCR_USER' },
            password: { env: 'GHCR_TOKEN' },
          },
        ],
      },
      environmentName: 'production',
      dir,
      version: VERSION,
      pushImages: false,
      latest: false,
      major: true,
      dryRun: false,
      processEnv,
      log: recordingLogger(),
    };
    expect(await dockerViaMultiarch.preflight(request)).toEqual([]);
    const moved = await dockerViaMultiarch.movePointers(request);
    expect(moved.map((m) => [m.moved, m.held])).toEqual([
      [['2.93'], ['latest']],
      [['2.93'], ['latest']],
    ]);
    expect(await tagsOf(forgejo, 'lix/lix', users.forgejo)).toEqual(['2.93', VERSION]);
    expect(await tagsOf(ghcr, 'lix-project/lix', users.ghcr)).toEqual(['2.93', VERSION]);
  });

  test('after skip: docker, a target without its {version} tag keeps its pointers (a warning)', async () => {
    const dir = checkout(relengYml());
    const log = recordingLogger();
    const request = {
      images: [],
      environment: {
        registries: [
          {
            ref: `${forgejo.host}/lix/never-pushed`,
            tags: ['{version}', '{major}'],
            username: { env: 'FORGEJO_REGISTRY_USER' },
            password: { env: 'FORGEJO_REGISTRY_PASSWORD' },
          },
        ],
      },
      environmentName: 'production',
      dir,
      version: VERSION,
      pushImages: false,
      latest: true,
      dryRun: false,
      processEnv: loginEnv(),
      log,
    };
    // Nothing to point at: the pointers stay, with a warning, and nothing is written.
    expect(await dockerViaMultiarch.preflight(request)).toEqual([]);
    const moved = await dockerViaMultiarch.movePointers(request);
    expect(moved.map((m) => [m.moved, m.held])).toEqual([[[], ['2.93', 'latest']]]);
    expect(log.lines.join('\n')).toMatch(/never-pushed:2\.93\.0 does not exist: its pointers stay/);
    const tags = await skopeo([
      'list-tags',
      '--tls-verify=false',
      '--creds',
      `${users.forgejo.user}:${users.forgejo.password}`,
      `docker://${forgejo.direct}/lix/never-pushed`,
    ]).catch((e: Error) => e.message);
    expect(tags).not.toContain('2.93"');
  });
});
