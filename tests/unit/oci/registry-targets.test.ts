// The targets of a run: an environment's registries, tags sorted into kinds, and the logins — each
// registry's own from releng.yml's environment variables, the inputs for the one without, files for the rest.
import { describe, expect, test } from 'vitest';
import type { EnvironmentConfig } from '../../../src/config/schema.js';
import type { Logger } from '../../../src/log.js';
import { silentLogger } from '../../../src/log.js';
import { CredentialStore } from '../../../src/oci/credentials.js';
import {
  allowedTags,
  registryLogins,
  resolveTargets,
  targetsForEnvironment,
} from '../../../src/oci/registry-targets.js';
import { tmpDir } from '../../helpers/tmp.js';

function recordingLog(): Logger & { secrets: string[]; warnings: string[] } {
  const secrets: string[] = [];
  const warnings: string[] = [];
  return {
    ...silentLogger,
    secret: (v) => secrets.push(v),
    warning: (m) => warnings.push(m),
    secrets,
    warnings,
  };
}

const environment = {
  registries: [
    { ref: 'oci-layout:.releng/local/oci', tags: ['{version}'] },
    {
      ref: 'git.lix.systems/lix-project/lix',
      tags: [],
      username: { env: 'FORGEJO_USER' },
      password: { env: 'FORGEJO_TOKEN' },
    },
    { ref: 'ghcr.io/lix-project/lix', tags: [], username: { env: 'GH_USER' }, password: { env: 'GH_TOKEN' } },
  ],
} as unknown as EnvironmentConfig;

describe('targetsForEnvironment', () => {
  test("an environment's registries, oci-layout paths resolved, logins, and where each was written", () => {
    const key = (i: number) => `releng.yml environments.production.registries[${i}]`;
    const where = (i: number) => ({
      ref: `${key(i)}.ref`,
      tags: `${key(i)}.tags`,
      login: `${key(i)}.username/password`,
    });
    expect(targetsForEnvironment(environment, '/w', 'production')).toEqual([
      { ref: 'oci-layout:/w/.releng/local/oci', tags: ['{version}'], where: where(0) },
      {
        ref: 'git.lix.systems/lix-project/lix',
        tags: [],
        login: { username: { env: 'FORGEJO_USER' }, password: { env: 'FORGEJO_TOKEN' } },
        where: where(1),
      },
      {
        ref: 'ghcr.io/lix-project/lix',
        tags: [],
        login: { username: { env: 'GH_USER' }, password: { env: 'GH_TOKEN' } },
        where: where(2),
      },
    ]);
    expect(targetsForEnvironment(environment, '/w')[0]).toEqual({
      ref: 'oci-layout:/w/.releng/local/oci',
      tags: ['{version}'],
    });
  });
});

describe('resolveTargets', () => {
  test('{version} tags are immutable, {major} the major’s pointers, literal tags and latest latest-like', () => {
    const [t] = resolveTargets(
      [{ ref: 'ghcr.io/o/p', tags: ['{version}', 'v{major}', 'stable'] }],
      '2.93.1',
      '/w',
    );
    expect(t!.tags).toEqual([
      { name: '2.93.1', kind: 'version' },
      { name: 'v2.93', kind: 'major' },
      { name: 'stable', kind: 'latest' },
      { name: 'latest', kind: 'latest' },
    ]);
    expect(allowedTags(t!, { latest: false, major: true }).map((x) => x.name)).toEqual(['2.93.1', 'v2.93']);
    expect(allowedTags(t!, { latest: false, major: false }).map((x) => x.name)).toEqual(['2.93.1']);
    expect(allowedTags(t!, { latest: true, major: false }).map((x) => x.name)).toEqual([
      '2.93.1',
      'stable',
      'latest',
    ]);
  });
});

describe('registryLogins', () => {
  const targets = resolveTargets(targetsForEnvironment(environment, '/w', 'production'), '2.93.0', '/w');
  const processEnv = {
    FORGEJO_USER: 'lix-bot',
    FORGEJO_TOKEN: 'forgejo-secret-1',
    GH_USER: 'gh-bot',
    GH_TOKEN: 'ghp-secret-2',
  };

  test('each registry its own login, read from the variables releng.yml names; every secret registered', () => {
    const log = recordingLog();
    const logins = registryLogins(targets, undefined, processEnv, log);
    const store = new CredentialStore(log, logins, { HOME: tmpDir() });
    expect(store.lookup('git.lix.systems', 'lix-project/lix')).toEqual({
      credential: { username: 'lix-bot', password: 'forgejo-secret-1' },
      from: 'releng.yml environments.production.registries[1].username/password ($FORGEJO_USER, $FORGEJO_TOKEN)',
    });
    expect(store.lookup('ghcr.io', 'lix-project/lix')?.credential).toEqual({
      username: 'gh-bot',
      password: 'ghp-secret-2',
    });
    // Another repository of the same registry does not get a login meant for one repository.
    expect(store.lookup('ghcr.io', 'someone/else')).toBeUndefined();
    for (const s of [
      'forgejo-secret-1',
      'ghp-secret-2',
      Buffer.from('lix-bot:forgejo-secret-1').toString('base64'),
      Buffer.from('gh-bot:ghp-secret-2').toString('base64'),
    ])
      expect(log.secrets).toContain(s);
  });

  test.each([
    [
      'a variable that is not set',
      { ...processEnv, GH_TOKEN: undefined },
      /registries\[2\]\.username\/password: \$GH_TOKEN is not set; give the step that variable/,
    ],
    [
      'a variable that is empty',
      { ...processEnv, FORGEJO_USER: '' },
      /registries\[1\]\.username\/password: \$FORGEJO_USER is empty/,
    ],
  ])('%s is one line naming the key and the variable', (_, env, message) => {
    expect(() => registryLogins(targets, undefined, env, recordingLog())).toThrow(message);
  });

  test('the inputs serve the registry without its own login, never another registry', () => {
    const mixed = resolveTargets(
      [
        { ref: 'registry.example.org/o/p', tags: [] },
        {
          ref: 'ghcr.io/o/p',
          tags: [],
          login: { username: { env: 'GH_USER' }, password: { env: 'GH_TOKEN' } },
        },
      ],
      '2.93.0',
      '/w',
    );
    const log = recordingLog();
    const store = new CredentialStore(
      log,
      registryLogins(mixed, { username: 'u', password: 'input-pass' }, processEnv, log),
      { HOME: tmpDir() },
    );
    expect(store.lookup('registry.example.org', 'o/p')?.credential).toEqual({
      username: 'u',
      password: 'input-pass',
    });
    expect(store.lookup('ghcr.io', 'o/p')?.credential).toEqual({
      username: 'gh-bot',
      password: 'ghp-secret-2',
    });
    expect(store.lookup('quay.io', 'o/p')).toBeUndefined();
    // Two registries without a login: the inputs would reach both.
    const two = resolveTargets(
      [
        { ref: 'registry.example.org/o/p', tags: [] },
        { ref: 'quay.io/o/p', tags: [] },
      ],
      '2.93.0',
      '/w',
    );
    expect(() => registryLogins(two, { username: 'u', password: 'p' }, {}, recordingLog())).toThrow(
      /the 'username'\/'password' inputs would go to several registries \(registry\.example\.org, quay\.io\)/,
    );
    // Every registry has its own: the inputs are said to be unused.
    const own = recordingLog();
    registryLogins(targets, { username: 'u', password: 'p' }, processEnv, own);
    expect(own.warnings).toEqual([expect.stringMatching(/inputs are not used/)]);
  });

  test('an oci-layout target takes no login', () => {
    const layout = resolveTargets(
      [{ ref: 'oci-layout:x', tags: [], login: { username: { env: 'A' }, password: { env: 'B' } } }],
      '2.93.0',
      '/w',
    );
    expect(() => registryLogins(layout, undefined, { A: 'a', B: 'b' }, recordingLog())).toThrow(
      /an oci-layout target takes no login/,
    );
  });
});
