// Login files: docker config.json, containers auth.json, credential helpers, the inputs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { CredentialStore, normaliseKey } from '../../../src/oci/credentials.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

function recordingLog(): Logger & { secrets: string[] } {
  const secrets: string[] = [];
  return {
    info() {},
    warning() {},
    debug() {},
    group: (_t, fn) => fn(),
    secret: (v) => secrets.push(v),
    secrets,
  };
}

describe('login files', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  test('docker config.json and containers auth.json: longest registry/path prefix wins', () => {
    const home = tmpDir('releng-home-');
    writeFiles(home, {
      '.docker/config.json': JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
          'ghcr.io': { auth: b64('ghuser:ghpass') },
        },
      }),
      '.config/containers/auth.json': JSON.stringify({
        auths: { 'ghcr.io/lix-project': { auth: b64('lixbot:lixpass:with:colons') } },
      }),
    });
    const log = recordingLog();
    const store = new CredentialStore(log, undefined, { HOME: home });
    expect(store.lookup('ghcr.io', 'lix-project/lix')?.credential).toEqual({
      username: 'lixbot',
      password: 'lixpass:with:colons',
    });
    expect(store.lookup('ghcr.io', 'other/repo')?.credential).toEqual({
      username: 'ghuser',
      password: 'ghpass',
    });
    expect(store.lookup('docker.io', 'library/nixos')?.credential).toEqual({
      username: 'hubuser',
      password: 'hubpass',
    });
    expect(store.lookup('quay.io', 'x/y')).toBeUndefined();
    // Every secret and its base64 form were registered for masking.
    for (const s of ['ghpass', 'lixpass:with:colons', b64('ghuser:ghpass')]) expect(log.secrets).toContain(s);
  });

  test('the inputs win for every registry; identity tokens; credential helpers', () => {
    const home = tmpDir('releng-home-');
    const bin = tmpDir('releng-bin-');
    const helper = path.join(bin, 'docker-credential-fake');
    fs.writeFileSync(
      helper,
      '#!/bin/sh\nread server\necho "{\\"Username\\":\\"<token>\\",\\"Secret\\":\\"tok-$server\\"}"\n',
      {
        mode: 0o755,
      },
    );
    writeFiles(home, {
      '.docker/config.json': JSON.stringify({ credHelpers: { 'registry.example.org': 'fake' }, auths: {} }),
    });
    const log = recordingLog();
    const processEnv = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
    const prev = process.env.PATH;
    process.env.PATH = processEnv.PATH;
    try {
      const store = new CredentialStore(log, undefined, processEnv);
      expect(store.lookup('registry.example.org', 'a/b')?.credential).toEqual({
        identityToken: 'tok-registry.example.org',
      });
      expect(log.secrets).toContain('tok-registry.example.org');
    } finally {
      process.env.PATH = prev;
    }
    const explicit = new CredentialStore(
      log,
      { inputs: { credential: { username: 'u', password: 'p@ss' } } },
      processEnv,
    );
    expect(explicit.lookup('anything.io', 'x')?.credential).toEqual({ username: 'u', password: 'p@ss' });
    expect(log.secrets).toContain('p@ss');
  });

  test('keys are normalised as docker writes them', () => {
    expect(normaliseKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normaliseKey('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
    expect(normaliseKey('ghcr.io/org/')).toBe('ghcr.io/org');
  });

  test('a broken login file is a warning, not a failure', () => {
    const home = tmpDir('releng-home-');
    writeFiles(home, { '.docker/config.json': '{ not json' });
    const warnings: string[] = [];
    const log = { ...recordingLog(), warning: (m: string) => warnings.push(m) };
    expect(new CredentialStore(log, undefined, { HOME: home }).lookup('ghcr.io', 'a')).toBeUndefined();
    expect(warnings[0]).toMatch(/config\.json: not valid JSON/);
  });
});

describe('malformed login files: one warning naming the file, never silence or a crash', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  test.each([
    ['null', 'null', /config\.json: not a JSON object; its registry logins are ignored/],
    ['a list', '[1]', /config\.json: not a JSON object/],
    ['auths a list', '{"auths": []}', /config\.json: "auths" must be an object of registry → login/],
    [
      'an entry that is a string',
      '{"auths": {"ghcr.io": "x"}}',
      /config\.json: "auths\.ghcr\.io" must be an object/,
    ],
    [
      'an auth that is not base64 of user:password',
      `{"auths": {"ghcr.io": {"auth": "${b64('no-colon')}"}}}`,
      /config\.json: "auths\.ghcr\.io\.auth" is not base64 of user:password; that login is ignored/,
    ],
    [
      'an auth that is a number',
      '{"auths": {"ghcr.io": {"auth": 5}}}',
      /"auths\.ghcr\.io\.auth" is not base64 of user:password/,
    ],
    [
      'credHelpers a string',
      '{"credHelpers": "x"}',
      /config\.json: "credHelpers" must be an object of registry → helper/,
    ],
    [
      'a credHelper that is not a name',
      '{"credHelpers": {"ghcr.io": "../../bin/sh"}}',
      /"credHelpers\.ghcr\.io" must be a helper name/,
    ],
    ['credsStore a number', '{"credsStore": 5}', /config\.json: "credsStore" must be a helper name/],
  ])('%s', (_, text, message) => {
    const home = tmpDir('releng-home-');
    writeFiles(home, { '.docker/config.json': text });
    const warnings: string[] = [];
    const log = { ...recordingLog(), warning: (m: string) => warnings.push(m) };
    const store = new CredentialStore(log, undefined, { HOME: home });
    expect(store.lookup('ghcr.io', 'org/a')).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(message);
    expect(warnings[0]).toContain(path.join(home, '.docker/config.json'));
    expect(warnings[0]!.split('\n')).toHaveLength(1);
    expect(store.problems).toEqual(warnings);
  });
});
