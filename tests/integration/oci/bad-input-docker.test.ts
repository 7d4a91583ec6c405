// Bad input for the keys and inputs of safe publication (issue 14), in the style of
// tests/integration/bad-input.test.ts: each case runs the bundled CLI on a real project and must give one
// line naming the key or input (and what to do), a non-zero exit, and leave the work tree, the registry's
// storage and the OCI layouts exactly as they were.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../../helpers/action.js';
import { syntheticLayers, writeDockerArchive } from '../../helpers/docker-archive.js';
import { makeRepo } from '../../helpers/git.js';
import { NIX_CONFIG } from '../../helpers/nix.js';
import { type RegistryServer, startRegistry } from '../../helpers/registry.js';
import { contentSnapshot, registrySnapshot } from '../../helpers/snapshot.js';
import { tmpDir } from '../../helpers/tmp.js';

const USER = 'releng';
const PASSWORD = 'bad-input-pass-4d2a';
let registry: RegistryServer;
let archive: string;
let home: string;

interface Case {
  name: string;
  stage: 'docker-multiarch' | 'publish';
  /** releng.yml (the registry's host:port replaces HOST). */
  config: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  error: RegExp;
}

const TO_PRODUCTION = ['--images', 'ARCHIVE', '--environment', 'production'];
const production = (registryLines: string, extra = '') =>
  `environments:\n  production:\n${extra}    registries:\n${registryLines}`;
const REGISTRY = '      - ref: HOST/demo/bad\n';
const LOGIN = `${REGISTRY}        username: { env: BAD_USER }\n        password: { env: BAD_PASSWORD }\n`;

const CASES: Case[] = [
  {
    name: 'registries[].username without a password',
    stage: 'docker-multiarch',
    config: production(`${REGISTRY}        username: { env: BAD_USER }\n`),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to production'],
    error: /environments\.production\.registries\.0\.password.*username and password go together/,
  },
  {
    name: 'registries[].password written in the file, not named as a variable',
    stage: 'docker-multiarch',
    config: production(`${REGISTRY}        username: { env: BAD_USER }\n        password: ${PASSWORD}\n`),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to production'],
    error:
      /registries\.0\.password.*\{env: NAME\}, the environment variable that holds it \(never the value itself\)/,
  },
  {
    name: 'registries[].password names a variable that is not set',
    stage: 'docker-multiarch',
    config: production(LOGIN),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to production'],
    env: { BAD_USER: USER },
    error: /\$BAD_PASSWORD is not set; give the step that variable \(from a secret\), or remove the login/,
  },
  {
    name: 'a login on an oci-layout registry',
    stage: 'docker-multiarch',
    config: production(
      '      - ref: oci-layout:out\n        username: { env: BAD_USER }\n        password: { env: BAD_PASSWORD }\n',
    ),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to production'],
    env: { BAD_USER: USER, BAD_PASSWORD: PASSWORD },
    error: /an oci-layout target takes no login; remove it/,
  },
  {
    name: 'confirm in releng.yml that is not a boolean',
    stage: 'docker-multiarch',
    config: production(REGISTRY, '    confirm: "yes"\n'),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to production'],
    error: /environments\.production\.confirm/,
  },
  {
    name: "docker-multiarch to production with staging's phrase",
    stage: 'docker-multiarch',
    config: production(LOGIN),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to staging'],
    env: { BAD_USER: USER, BAD_PASSWORD: PASSWORD },
    error:
      /^releng docker-multiarch: error: input 'confirm': that phrase confirms staging, not production; type exactly 'I want to release this to production' to publish to production \(nothing was written\)$/,
  },
  {
    name: 'docker-multiarch to production with the old phrase',
    stage: 'docker-multiarch',
    config: production(LOGIN),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this'],
    env: { BAD_USER: USER, BAD_PASSWORD: PASSWORD },
    error: /the phrase now names the environment; type exactly 'I want to release this to production'/,
  },
  {
    name: 'docker-multiarch to production without a phrase',
    stage: 'docker-multiarch',
    config: production(LOGIN),
    args: TO_PRODUCTION,
    env: { BAD_USER: USER, BAD_PASSWORD: PASSWORD },
    error: /publishing to production needs input 'confirm' set to 'I want to release this to production'/,
  },
  {
    name: 'a bare confirm on a runner',
    stage: 'docker-multiarch',
    config: production(LOGIN),
    args: [...TO_PRODUCTION, '--confirm'],
    env: { BAD_USER: USER, BAD_PASSWORD: PASSWORD, GITHUB_ACTIONS: 'true' },
    error: /a bare confirm is not enough on a runner; type exactly 'I want to release this to production'/,
  },
  {
    name: 'pointers that is not a boolean',
    stage: 'docker-multiarch',
    config: production(LOGIN),
    args: [...TO_PRODUCTION, '--confirm', 'I want to release this to production', '--pointers', 'later'],
    env: { BAD_USER: USER, BAD_PASSWORD: PASSWORD },
    error: /input 'pointers'/,
  },
  {
    name: "publish to production with staging's phrase",
    stage: 'publish',
    config: 'environments:\n  production:\n    releases: out/releases\n',
    args: [
      '--environment',
      'production',
      '--artifacts-dir',
      'release/artifacts',
      '--confirm',
      'I want to release this to staging',
    ],
    error:
      /that phrase confirms staging, not production; type exactly 'I want to release this to production'/,
  },
];

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd', users: { [USER]: PASSWORD } });
  archive = (
    await writeDockerArchive(path.join(tmpDir('releng-bad-docker-'), 'image-x86_64-linux'), {
      layers: syntheticLayers('bad-docker', 1, 1, 4),
      architecture: 'amd64',
    })
  ).file;
  home = tmpDir('releng-home-');
});
afterAll(async () => {
  await registry?.stop();
});

describe('bad input of confirmation, registry logins and pointers: one line, nothing written', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const dir = makeRepo({
      'version.json': JSON.stringify({ version: '2.93.0', release_name: 'x', official_release: true }),
      'releng.yml': c.config.replaceAll('HOST', registry.host),
      'release/artifacts/demo/demo-2.93.0/demo-2.93.0.tar.xz': 'x',
    });
    const before = { tree: contentSnapshot(dir), registry: registrySnapshot(registry.storage) };
    const r = runCli([c.stage, ...c.args.map((a) => (a === 'ARCHIVE' ? archive : a))], {
      cwd: dir,
      env: {
        NIX_CONFIG,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        GITHUB_ACTIONS: '',
        FORGEJO_ACTIONS: '',
        GITEA_ACTIONS: '',
        HOME: home,
        XDG_CACHE_HOME: path.join(home, '.cache'),
        XDG_CONFIG_HOME: path.join(home, '.config'),
        ...c.env,
      },
    });
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith(`releng ${c.stage}: error:`));
    expect(r.status, r.stderr).not.toBe(0);
    expect(errorLines, r.stderr).toHaveLength(1);
    expect(errorLines[0]).toMatch(c.error);
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect({ tree: contentSnapshot(dir), registry: registrySnapshot(registry.storage) }).toEqual(before);
  });
});
