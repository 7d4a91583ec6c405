// publish from real leg bundles: build-artifacts builds the rehearsal fixture one system per leg (as the
// matrix runners do), the bundled publish action reads them through `bundles: legs/*` (mergeLegs), pushes
// the images itself (docker-multiarch, logged in through a docker config.json) and publishes the rest;
// the result is checked against the merged release — by skopeo on the registry, and by the real nix,
// which installs the published package from the S3 cache over HTTP with the key trusted.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { mergeLegs } from '../../../src/bundle/merge.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { buildArtifacts } from '../../../src/stages/build-artifacts.js';
import { S3Sink } from '../../../src/storage/s3.js';
import { git } from '../../helpers/git.js';
import { NIX_CONFIG } from '../../helpers/nix.js';
import { fixtureRepo } from '../../helpers/project.js';
import { nixKey, runActionAsync, snapshot } from '../../helpers/publish-fixture.js';
import { type RegistryServer, startRegistry } from '../../helpers/registry.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { tmpDir } from '../../helpers/tmp.js';

const BUCKETS = ['cache', 'releases', 'docs', 'install'];
const SYSTEMS = ['x86_64-linux', 'aarch64-linux'];
let s3: S3Server;
let registry: RegistryServer;
const key = nixKey('legs-cache-1');
const LOGIN = { user: 'releng', password: 'legs-registry-pw' };

beforeAll(async () => {
  // A key of its own for the inputs: s3rver's S3RVER secret is shorter than a secret input may be (8).
  s3 = await startS3(BUCKETS, { keys: [['RELENGTESTKEYID', 'releng-test-secret-key']] });
  registry = await startRegistry({ auth: 'htpasswd', users: { [LOGIN.user]: LOGIN.password } });
});
afterAll(async () => {
  await s3?.stop();
  await registry?.stop();
});

test('two legs built apart, merged by publish, published with their images; nix installs from the cache; a re-run writes nothing', {
  timeout: 600_000,
}, async () => {
  const remote = path.join(tmpDir('releng-remote-'), 'r.git');
  git(path.dirname(remote), 'init', '-q', '--bare', remote);
  const repo = fixtureRepo({
    edit: (dir) => {
      const file = path.join(dir, 'releng.yml');
      const config = parse(fs.readFileSync(file, 'utf8'));
      config.environments = {
        staging: {
          s3: { endpoint: s3.endpoint, region: 'us-east-1', 'path-style': true },
          ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${b}`])),
          'signing-key': { env: 'STAGING_SIGNING_KEY' },
          registries: [{ ref: `${registry.host}/org/demo`, tags: ['{version}', '{major}'] }],
          'git-remote': remote,
        },
      };
      fs.writeFileSync(file, stringify(config));
    },
  });
  // One leg per system, each in its own out dir, as each matrix runner has its own checkout.
  const legs = tmpDir('releng-legs-');
  for (const system of SYSTEMS) {
    const r = await buildArtifacts({
      dir: repo,
      config: loadConfig(path.join(repo, 'releng.yml')),
      systems: [system],
      target: 'all',
      outDir: path.join(tmpDir('releng-out-'), 'release'),
      noCheckGit: false,
      log: silentLogger,
    });
    fs.cpSync(r.bundleDir, path.join(legs, `leg-${system}`), { recursive: true });
  }
  const merged = await mergeLegs(SYSTEMS.map((s) => path.join(legs, `leg-${s}`)));

  // Registry logins as docker/login-action leaves them: publish has no registry password input.
  const dockerConfig = tmpDir('releng-docker-config-');
  const auth = Buffer.from(`${LOGIN.user}:${LOGIN.password}`).toString('base64');
  fs.writeFileSync(
    path.join(dockerConfig, 'config.json'),
    JSON.stringify({ auths: { [registry.host]: { auth } } }),
  );
  const env = { STAGING_SIGNING_KEY: key.secret, DOCKER_CONFIG: dockerConfig };
  const inputs = {
    environment: 'staging',
    confirm: 'I want to release this to staging',
    bundles: `${legs}/*`,
    's3-access-key-id': 'RELENGTESTKEYID',
    's3-secret-access-key': 'releng-test-secret-key',
  };
  const r = await runActionAsync('publish', inputs, { cwd: repo, env });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  // Registered for masking (the runner consumes ::add-mask:: lines); shown nowhere else.
  const shown =
    (r.stdout + r.stderr)
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n') + r.summary;
  for (const secret of [LOGIN.password, auth]) expect(shown).not.toContain(secret);

  // The images, pushed by publish's docker step: one index, both platforms, every tag (skopeo's view).
  for (const tag of ['2.93.0', '2.93', 'latest']) {
    const raw = execFileSync(
      'skopeo',
      [
        'inspect',
        '--raw',
        '--tls-verify=false',
        '--creds',
        `${LOGIN.user}:${LOGIN.password}`,
        `docker://${registry.direct}/org/demo:${tag}`,
      ],
      { encoding: 'utf8' },
    );
    const index = JSON.parse(raw) as {
      mediaType: string;
      manifests: { platform: { architecture: string } }[];
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
  }

  const sink = (b: string) =>
    new S3Sink({
      url: `s3://${b}`,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      pathStyle: true,
      credentials: s3.credentials,
    });
  // The merged tree, byte for byte (by the sha256 stored and the size listed).
  const releases = sink('releases');
  for (const f of merged.files) expect((await releases.head(f.path))?.sha256, f.path).toBe(f.sha256);
  // Both installers, versioned and as pointers; both manuals.
  const install = (await sink('install').list('')).map((o) => o.key).sort();
  expect(install).toEqual(
    SYSTEMS.flatMap((s) => [`demo/demo-2.93.0/demo-installer-${s}`, `demo/demo-installer-${s}`]).sort(),
  );
  // The fixture's version.json is not official (no tag stage ran): the manual is the nightly one, no stable.
  const docs = (await sink('docs').list('')).map((o) => o.key);
  expect(docs.length).toBeGreaterThan(0);
  expect(docs.every((k) => k.startsWith('manual/demo/nightly/'))).toBe(true);
  expect(docs).toContain('manual/demo/nightly/index.html');
  // Every path the legs' caches hold has a narinfo in the published cache.
  const cache = sink('cache');
  for (const c of merged.cachePaths ?? [])
    expect(await cache.head(`${c.storePath.slice(11, 43)}.narinfo`), c.storePath).toBeDefined();
  expect(git(remote, 'rev-parse', 'refs/tags/2.93.0')).toBe(git(repo, 'rev-parse', 'refs/tags/2.93.0'));

  // The real nix installs the x86_64 package (manifest.nix's entry) from the published cache.
  const pkg = merged.manifest!['x86_64-linux']!;
  const store = tmpDir('releng-fresh-store-');
  const copy = spawnSync('nix', ['copy', '--from', `${s3.endpoint}/cache`, '--to', store, pkg], {
    env: { ...process.env, NIX_CONFIG: `${NIX_CONFIG}\ntrusted-public-keys = ${key.public}` },
    encoding: 'utf8',
  });
  expect(copy.status, copy.stderr).toBe(0);
  expect(fs.existsSync(path.join(store, pkg))).toBe(true);

  const before = snapshot(s3.dir);
  registry.reset();
  const again = await runActionAsync('publish', inputs, { cwd: repo, env });
  expect(again.status, again.stdout + again.stderr).toBe(0);
  expect(again.outputs['uploaded-bytes']).toBe('0');
  expect(registry.uploadedBytes(), 'blob bytes sent to the registry on the re-run').toBe(0);
  expect(snapshot(s3.dir)).toEqual(before);
});
