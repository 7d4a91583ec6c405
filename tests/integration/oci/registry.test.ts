// The registry client against the real Debian docker-registry (distribution 2.8), with htpasswd Basic
// auth and with token auth (our token server, distribution's auth.token with an openssl-made key pair).
// skopeo — not our client — checks what was pushed; a recording proxy checks every upload request.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConsoleLogger, silentLogger } from '../../../src/log.js';
import { BufferSource, gatedSource, SpoolFile } from '../../../src/oci/blob-source.js';
import { CredentialStore } from '../../../src/oci/credentials.js';
import { ARCHIVE_ANNOTATION } from '../../../src/oci/image.js';
import { OCI } from '../../../src/oci/media-types.js';
import {
  checkRegistryAccess,
  type PublishImagesOptions,
  publishImages,
} from '../../../src/oci/publish-images.js';
import { parseTarget } from '../../../src/oci/reference.js';
import { SinkFactory } from '../../../src/oci/sink-factory.js';
import {
  randomFile,
  syntheticLayers,
  type WrittenArchive,
  writeDockerArchive,
} from '../../helpers/docker-archive.js';
import { type RegistryServer, startRegistry } from '../../helpers/registry.js';
import { pullBack, skopeo } from '../../helpers/skopeo.js';
import { tmpDir } from '../../helpers/tmp.js';

const LABELS = { 'org.opencontainers.image.title': 'demo', 'org.opencontainers.image.version': '2.93.0' };
let amd64: WrittenArchive;
let arm64: WrittenArchive;

beforeAll(async () => {
  const dir = tmpDir('releng-oci-images-');
  // Three small layers and one of 6 MB that does not compress: its blob goes up in 4 MiB PATCH chunks.
  const make = (arch: string) =>
    writeDockerArchive(path.join(dir, arch), {
      layers: [...syntheticLayers(arch, 3, 2, 16), [randomFile(arch, 6_000_000)]],
      architecture: arch,
      labels: { ...LABELS, 'org.opencontainers.image.description': `demo for ${arch}` },
    });
  [amd64, arm64] = await Promise.all([make('amd64'), make('arm64')]);
});

async function inspect(reg: RegistryServer, repo: string, tag: string, creds?: string) {
  return JSON.parse(
    await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      ...(creds ? ['--creds', creds] : []),
      `docker://${reg.direct}/${repo}:${tag}`,
    ]),
  );
}

function options(
  reg: RegistryServer,
  repo: string,
  extra: Partial<PublishImagesOptions> = {},
): PublishImagesOptions {
  return {
    images: [
      { file: amd64.file, system: 'x86_64-linux', sha256: amd64.sha256 },
      { file: arm64.file, system: 'aarch64-linux' },
    ],
    targets: [{ ref: `${reg.host}/${repo}`, tags: ['{version}', '{major}'] }],
    version: '2.93.0',
    pointers: { latest: true, major: true },
    movePointers: true,
    log: process.env.DEBUG_OCI ? new ConsoleLogger(undefined, true) : silentLogger,
    processEnv: { HOME: tmpDir('releng-home-') },
    ...extra,
  };
}

const uploads = (reg: RegistryServer) =>
  reg.requests.filter(
    (r) => /\/blobs\/uploads\//.test(r.path) && (r.method === 'PATCH' || r.method === 'PUT'),
  );

describe('htpasswd (Basic auth)', () => {
  let reg: RegistryServer;
  const creds = { username: 'alice', password: 'wonder land' };
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'htpasswd', users: { alice: creds.password } });
  });
  afterAll(() => reg?.stop());

  test('an annotated index of both platforms on every tag, checked and pulled back by skopeo', async () => {
    const r = await publishImages(
      options(reg, 'org/project', {
        credentials: creds,
        annotations: { 'org.opencontainers.image.vendor': 'Lix' },
        descriptorAnnotations: true,
      }),
    );
    expect(r.tags[`${reg.host}/org/project`]).toEqual(['2.93.0', '2.93', 'latest']);
    const c = `alice:${creds.password}`;
    for (const tag of ['2.93.0', '2.93', 'latest']) {
      const idx = await inspect(reg, 'org/project', tag, c);
      expect(idx.mediaType).toBe(OCI.index);
      expect(idx.manifests.map((m: { platform: object }) => m.platform)).toEqual([
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux' },
      ]);
      expect(idx.annotations).toEqual({
        ...LABELS,
        'org.opencontainers.image.description': 'demo for amd64',
        'org.opencontainers.image.vendor': 'Lix',
      });
      expect(idx.manifests[1].annotations).toMatchObject({
        'org.opencontainers.image.description': 'demo for arm64',
        [ARCHIVE_ANNOTATION]: arm64.sha256,
      });
      expect(
        `sha256:${createHash('sha256')
          .update(
            await skopeo([
              'inspect',
              '--raw',
              '--tls-verify=false',
              '--creds',
              c,
              `docker://${reg.direct}/org/project:${tag}`,
            ]),
          )
          .digest('hex')}`,
      ).toBe(r.digest);
    }
    await pullBack(reg, 'org/project', '2.93.0', 'amd64', amd64, c);
    await pullBack(reg, 'org/project', 'latest', 'arm64', arm64, c);
    // No temporary tag: only ours exist.
    expect(
      JSON.parse(
        await skopeo(['list-tags', '--tls-verify=false', '--creds', c, `docker://${reg.direct}/org/project`]),
      ).Tags.sort(),
    ).toEqual(['2.93', '2.93.0', 'latest']);
    // Every PATCH carried a Content-Range continuing its upload (what Forgejo insists on).
    const patches = reg.requests.filter((q) => q.method === 'PATCH');
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches.every((p) => p.contentRange && (p.bodyBytes ?? 0) <= 4 << 20)).toBe(true);
    expect(reg.rangeProblems).toEqual([]);
  });

  test('a re-run from a fresh runner sends no blob byte and moves no tag', async () => {
    reg.reset();
    const r = await publishImages(
      options(reg, 'org/project', {
        credentials: creds,
        annotations: { 'org.opencontainers.image.vendor': 'Lix' },
        descriptorAnnotations: true,
      }),
    );
    expect(uploads(reg).reduce((n, q) => n + q.bodyBytes, 0)).toBe(0);
    expect(r.images.map((i) => i.source)).toEqual(['recognised', 'recognised']);
    expect(r.targets[0]!.tagsWritten).toEqual([]);
    expect(reg.requests.filter((q) => q.method === 'PUT')).toEqual([]);
  });

  test('wrong or missing credentials: one clear line, nothing written', async () => {
    reg.reset();
    const err = await publishImages(
      options(reg, 'org/other', { credentials: { username: 'alice', password: 'nope' } }),
    ).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /org\/other: authentication failed \(HTTP 401.*with the credentials from the 'username'\/'password' inputs; check username and password/,
    );
    expect((err as Error).message).not.toContain('nope');
    await expect(publishImages(options(reg, 'org/other'))).rejects.toThrow(
      /wants credentials \(HTTP 401\) and none were found/,
    );
    expect(reg.requests.filter((q) => ['PUT', 'PATCH', 'POST'].includes(q.method))).toEqual([]);
  });
});

describe('token auth', () => {
  let reg: RegistryServer;
  const bob = { username: 'bob', password: 'b0b-pass' };
  beforeAll(async () => {
    reg = await startRegistry({
      auth: 'token',
      users: { bob: bob.password, reader: 'r-pass' },
      readOnlyUsers: ['reader'],
    });
  });
  afterAll(() => reg?.stop());

  test('POST token requests with push and pull scopes; a token that expires mid-run is renewed', async () => {
    reg.token!.expireNext(1);
    const r = await publishImages(options(reg, 'lix/lix', { credentials: bob }));
    const requests = [...reg.token!.requests];
    const idx = await inspect(reg, 'lix/lix', '2.93.0', `bob:${bob.password}`);
    expect(idx.manifests).toHaveLength(2);
    expect(r.digest).toMatch(/^sha256:/);
    expect(requests.every((q) => q.method === 'POST' && q.user === 'bob' && q.status === 200)).toBe(true);
    expect(requests.some((q) => q.scopes.includes('repository:lix/lix:pull,push'))).toBe(true);
    // The first token was dead on arrival (expired beyond distribution's leeway): a 401, then a new one,
    // for the same scopes; nothing more.
    expect(requests).toHaveLength(2);
    await pullBack(reg, 'lix/lix', '2.93', 'arm64', arm64, `bob:${bob.password}`);
  });

  test('two repositories on one registry: the blobs go up once and are mounted into the other', async () => {
    reg.reset();
    const r = await publishImages(
      options(reg, 'lix/staging', {
        credentials: bob,
        targets: [
          { ref: `${reg.host}/lix/staging`, tags: ['{version}'] },
          { ref: `${reg.host}/lix/mirror`, tags: ['{version}'] },
        ],
        cache: undefined,
      }),
    );
    const [first, second] = r.targets;
    expect(first!.digest).toBe(second!.digest);
    // lix/lix already holds the layers from the previous test? No: it is not one of our targets, so the
    // layers are compressed and sent once, to the first repository, and mounted into the second.
    expect(second!.blobsMounted + second!.blobsSkipped).toBeGreaterThan(0);
    expect(second!.bytesSent).toBeLessThan(first!.bytesSent);
    expect((await inspect(reg, 'lix/mirror', '2.93.0', `bob:${bob.password}`)).manifests).toHaveLength(2);
    expect(reg.rangeProblems).toEqual([]);
  });

  test('the push preflight: no push scope, bad credentials, unreachable — and all well', async () => {
    const targets = [{ ref: `${reg.host}/lix/lix`, tags: [] }];
    expect(await checkRegistryAccess(targets, bob, silentLogger)).toEqual([]);
    expect(
      await checkRegistryAccess(targets, { username: 'reader', password: 'r-pass' }, silentLogger),
    ).toEqual([expect.stringMatching(/lix\/lix: the token grants no push access \(pull\)/)]);
    expect(await checkRegistryAccess(targets, { username: 'bob', password: 'wrong' }, silentLogger)).toEqual([
      expect.stringMatching(/refused the credentials/),
    ]);
    expect(
      await checkRegistryAccess([{ ref: '127.0.0.1:1/x/y', tags: [] }], undefined, silentLogger),
    ).toEqual([expect.stringMatching(/127\.0\.0\.1:1: cannot reach the registry/)]);
  });
});

describe('token servers without the POST form', () => {
  test('fall back to GET with Basic credentials', async () => {
    const reg = await startRegistry({ auth: 'token', users: { carol: 'c-pass' }, tokenPost: false });
    try {
      await publishImages(options(reg, 'org/p', { credentials: { username: 'carol', password: 'c-pass' } }));
      expect((await inspect(reg, 'org/p', 'latest', 'carol:c-pass')).manifests).toHaveLength(2);
      const methods = new Set(reg.token!.requests.map((q) => `${q.method} ${q.status}`));
      expect(methods).toEqual(new Set(['POST 405', 'GET 200']));
    } finally {
      await reg.stop();
    }
  });
});

describe('re-runs and new releases', () => {
  let one: RegistryServer;
  let two: RegistryServer;
  beforeAll(async () => {
    [one, two] = await Promise.all([startRegistry(), startRegistry()]);
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
  });

  test('a registry added later gets the blobs copied from the one that has them: same digests, nothing compressed', async () => {
    const first = await publishImages(
      options(one, 'org/p', { targets: [{ ref: `${one.host}/org/p`, tags: ['{version}'] }] }),
    );
    one.reset();
    const both = await publishImages(
      options(one, 'org/p', {
        targets: [
          { ref: `${one.host}/org/p`, tags: ['{version}'] },
          { ref: `${two.host}/org/p`, tags: ['{version}'] },
        ],
      }),
    );
    expect(both.digests).toEqual({
      [`${one.host}/org/p`]: first.digest,
      [`${two.host}/org/p`]: first.digest,
    });
    expect(both.images.map((i) => [i.source, i.compressed])).toEqual([
      ['recognised', 0],
      ['recognised', 0],
    ]);
    expect(one.uploadedBytes()).toBe(0);
    expect(two.uploadedBytes()).toBeGreaterThan(12_000_000);
    await pullBack(two, 'org/p', '2.93.0', 'arm64', arm64);
  });

  test('the next release compresses only its new layers: the others are found through the {major} tag', async () => {
    const dir = tmpDir('releng-next-');
    // 2.93.1: the same layers but one (a new file in layer 2).
    const layers = syntheticLayers('amd64', 3, 2, 16);
    layers[1]!.push({ path: 'nix/store/new-in-2.93.1', data: Buffer.from('changed\n') });
    const next = await writeDockerArchive(path.join(dir, 'amd64'), {
      layers: [...layers, [randomFile('amd64', 6_000_000)]],
      architecture: 'amd64',
      labels: { ...LABELS, 'org.opencontainers.image.description': 'demo for amd64' },
    });
    one.reset();
    const r = await publishImages(
      options(one, 'org/p', {
        images: [{ file: next.file, system: 'x86_64-linux' }],
        targets: [{ ref: `${one.host}/org/p`, tags: ['{version}', '{major}'] }],
        version: '2.93.1',
      }),
    );
    expect(r.images[0]).toMatchObject({ source: 'archive', layers: 4, compressed: 1 });
    const sent = one.uploadedBytes();
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(1_000_000);
    await pullBack(one, 'org/p', '2.93.1', 'amd64', next);
  });

  test('Docker v2 media types: a manifest list of Docker manifests', async () => {
    const r = await publishImages(
      options(one, 'org/docker', {
        mediaTypes: 'docker',
        targets: [{ ref: `${one.host}/org/docker`, tags: ['{version}'] }],
      }),
    );
    const list = await inspect(one, 'org/docker', '2.93.0');
    expect(list.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(list.manifests.map((m: { mediaType: string }) => m.mediaType)).toEqual([
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ]);
    expect(r.digest).toMatch(/^sha256:/);
    await pullBack(one, 'org/docker', '2.93.0', 'amd64', amd64);
  });
});

describe('the upload protocol', () => {
  let reg: RegistryServer;
  beforeAll(async () => {
    reg = await startRegistry();
  });
  afterAll(() => reg?.stop());

  // A layer is complete long before every archive is read and checked; its commit must wait, its bytes not.
  test('a held blob sends its last piece at once and commits with an empty PUT; a free one closes with it', async () => {
    const sinks = new SinkFactory({
      credentials: new CredentialStore(silentLogger, undefined, { HOME: tmpDir() }),
      insecureRegistries: [],
      log: silentLogger,
    });
    const sink = sinks.sink(parseTarget(`${reg.host}/protocol/held`, ''));
    await sink.open({ create: true });
    const data = randomBytes(5 << 20);
    const spool = SpoolFile.inDir(tmpDir(), 'held');
    await spool.append(data);
    await spool.finish();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    reg.reset();
    const held = sink.putBlob(gatedSource(spool, gate));
    // Both pieces arrive while the gate is shut; nothing is committed.
    for (let i = 0; i < 500 && reg.requests.filter((q) => q.method === 'PATCH').length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(reg.requests.map((q) => [q.method, q.contentRange ?? '', q.bodyBytes])).toEqual([
      ['POST', '', 0],
      ['PATCH', `0-${(4 << 20) - 1}`, 4 << 20],
      ['PATCH', `${4 << 20}-${(5 << 20) - 1}`, 1 << 20],
    ]);
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    expect(await sink.blobSize(digest)).toBeUndefined();
    open();
    expect((await held).digest).toBe(digest);
    // The proxy records an exchange once its answer has gone back: give the record a moment to land.
    const recorded = async (n: number) => {
      for (let i = 0; i < 250 && reg.requests.length < n; i++) await new Promise((r) => setTimeout(r, 20));
    };
    await recorded(5);
    const close = reg.requests.at(-1)!;
    expect([
      close.method,
      close.bodyBytes,
      close.path.includes(`digest=${encodeURIComponent(digest)}`),
    ]).toEqual(['PUT', 0, true]);
    // Not held: the last piece goes with the closing PUT, as before.
    reg.reset();
    await sink.putBlob(new BufferSource(Buffer.concat([data, Buffer.from('x')])));
    await recorded(3);
    expect(reg.requests.map((q) => [q.method, q.bodyBytes])).toEqual([
      ['POST', 0],
      ['PATCH', 4 << 20],
      ['PUT', (1 << 20) + 1],
    ]);
    expect(reg.rangeProblems).toEqual([]);
    await spool.dispose();
    await sinks.close();
  });
});
