// Pure pieces of the registry client: target references, tag templates, WWW-Authenticate, login files,
// the index and its annotations.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAnnotations } from '../../src/commands/docker-multiarch.js';
import type { Logger } from '../../src/log.js';
import { parseChallenges, tokenAccess } from '../../src/oci/auth.js';
import { CredentialStore, normaliseKey } from '../../src/oci/credentials.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { ARCHIVE_ANNOTATION, buildIndex, sameRelease } from '../../src/oci/image.js';
import { mediaTypes, OCI } from '../../src/oci/media-types.js';
import { expandTag, isImmutableTemplate, parseTarget } from '../../src/oci/reference.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

describe('targets', () => {
  test.each([
    ['ghcr.io/lix-project/lix', { registry: 'ghcr.io', apiHost: 'ghcr.io', repository: 'lix-project/lix' }],
    ['127.0.0.1:5000/org/project', { registry: '127.0.0.1:5000', repository: 'org/project' }],
    ['localhost/project', { registry: 'localhost', repository: 'project' }],
    [
      'docker://git.lix.systems/lix-project/lix',
      { registry: 'git.lix.systems', repository: 'lix-project/lix' },
    ],
    ['lix/lix', { registry: 'docker.io', apiHost: 'registry-1.docker.io', repository: 'lix/lix' }],
    ['nixos', { registry: 'docker.io', repository: 'library/nixos' }],
  ])('%s', (input, expected) => {
    expect(parseTarget(input, '/w')).toMatchObject({ kind: 'registry', ...expected });
  });

  test('oci-layout:DIR relative to the working directory', () => {
    expect(parseTarget('oci-layout:.releng/local/oci', '/w')).toEqual({
      kind: 'layout',
      ref: 'oci-layout:/w/.releng/local/oci',
      dir: '/w/.releng/local/oci',
    });
  });

  test.each([
    ['ghcr.io/org/project:2.93.0', /has a tag \(':2\.93\.0'\); give tags in 'tags'/],
    ['ghcr.io/org/project@sha256:abc', /names a digest/],
    ['project@sha256:abc', /names a digest/],
    ['bot:pa55@ghcr.io/org/project', /^targets: '\*\*\*@ghcr\.io\/org\/project' carries credentials/],
    ['https://ghcr.io/org/project', /is a URL/],
    ['ghcr.io/Org/Project', /not a valid repository name \(component 'Org'\)/],
    ['oci-layout:', /names no directory/],
  ])('%s is refused', (input, message) => {
    expect(() => parseTarget(input, '/w')).toThrow(message);
  });

  test('tag templates', () => {
    expect(expandTag('{version}', { version: '2.93.0', major: '2.93' })).toBe('2.93.0');
    expect(expandTag('v{major}-nix', { version: '2.93.0', major: '2.93' })).toBe('v2.93-nix');
    expect(() => expandTag('{release}', { version: '2.93.0', major: '2.93' })).toThrow(
      /unknown placeholder \{release\}/,
    );
    expect(() => expandTag('{version}', { version: '2.93.0+build', major: '2.93' })).toThrow(
      /not a valid tag/,
    );
    expect(isImmutableTemplate('{version}')).toBe(true);
    expect(isImmutableTemplate('{major}')).toBe(false);
  });
});

describe('WWW-Authenticate', () => {
  test('a Bearer challenge with quoted values holding commas', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:a/b:pull,push' },
      },
    ]);
  });
  test('several challenges, in one header or several (Forgejo)', () => {
    expect(
      parseChallenges('Basic realm="x", Bearer realm="https://r/t",service=s').map((c) => c.scheme),
    ).toEqual(['basic', 'bearer']);
    expect(
      parseChallenges(['Bearer realm="https://git.lix.systems/v2/token"', 'Basic']).map((c) => c.scheme),
    ).toEqual(['bearer', 'basic']);
  });
  test('token claims, when the token is a JWT', () => {
    const claims = { access: [{ type: 'repository', name: 'a/b', actions: ['pull'] }] };
    const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(tokenAccess(jwt)).toEqual(claims.access);
    expect(tokenAccess('opaque-token')).toBeUndefined();
  });
});

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
    const env = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
    const prev = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      const store = new CredentialStore(log, undefined, env);
      expect(store.lookup('registry.example.org', 'a/b')?.credential).toEqual({
        identityToken: 'tok-registry.example.org',
      });
      expect(log.secrets).toContain('tok-registry.example.org');
    } finally {
      process.env.PATH = prev;
    }
    const explicit = new CredentialStore(log, { username: 'u', password: 'p@ss' }, env);
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

describe('the index', () => {
  const types = mediaTypes('oci', 'gzip');
  const desc = (n: number) => ({ mediaType: OCI.manifest, digest: sha256Digest(String(n)), size: 100 + n });
  const entries = [
    {
      manifest: desc(2),
      platform: { architecture: 'arm64', os: 'linux' },
      labels: { a: '1', title: 'arm' },
      archiveSha256: 'bb',
    },
    {
      manifest: desc(1),
      platform: { architecture: 'amd64', os: 'linux' },
      labels: { a: '1', title: 'amd' },
      archiveSha256: 'aa',
    },
  ];

  test('sorted by platform; Labels and annotations on the index; the archive hash on each entry', () => {
    const idx = JSON.parse(
      buildIndex(types, entries, { annotations: { vendor: 'Lix' }, descriptorAnnotations: false }).toString(),
    );
    expect(idx.mediaType).toBe(OCI.index);
    expect(idx.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(
      ['amd64', 'arm64'],
    );
    expect(idx.annotations).toEqual({ a: '1', title: 'amd', vendor: 'Lix' });
    expect(idx.manifests[0].annotations).toEqual({ [ARCHIVE_ANNOTATION]: 'aa' });
    const withLabels = JSON.parse(
      buildIndex(types, entries, { annotations: {}, descriptorAnnotations: true }).toString(),
    );
    expect(withLabels.manifests[1].annotations).toEqual({ a: '1', title: 'arm', [ARCHIVE_ANNOTATION]: 'bb' });
  });

  test('two images for one platform are refused', () => {
    expect(() =>
      buildIndex(types, [entries[0]!, { ...entries[0]!, manifest: desc(3) }], {
        annotations: {},
        descriptorAnnotations: false,
      }),
    ).toThrow(/two images are for linux\/arm64/);
  });

  test('a rebuilt archive with the same image is the same release; other annotations are not', () => {
    const a = buildIndex(types, entries, { annotations: {}, descriptorAnnotations: false });
    const b = buildIndex(
      types,
      entries.map((e) => ({ ...e, archiveSha256: `${e.archiveSha256}x` })),
      {
        annotations: {},
        descriptorAnnotations: false,
      },
    );
    const c = buildIndex(types, entries, { annotations: { x: 'y' }, descriptorAnnotations: false });
    expect(sameRelease(a, b)).toBe(true);
    expect(sameRelease(a, c)).toBe(false);
  });

  test('annotations input: one per line, commas inside values kept', () => {
    expect(parseAnnotations('org.opencontainers.image.vendor=Lix\ndescription=fast, small')).toEqual({
      'org.opencontainers.image.vendor': 'Lix',
      description: 'fast, small',
    });
    expect(parseAnnotations('a=1,b=2')).toEqual({ a: '1', b: '2' });
    expect(() => parseAnnotations('no equals sign')).toThrow(/'no equals sign' is not key=value/);
  });
});
