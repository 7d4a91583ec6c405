// `npm run demo` end to end: the full local rehearsal (prepare, tag, build-artifacts, docker-multiarch,
// publish) through the CLI bundle, then an independent look at what it wrote: skopeo on the OCI layout,
// the real nix on the signed cache, git on the local remote, the files of the release tree.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import { NIX_CONFIG } from '../helpers/nix.js';
import { spawnAsync } from '../helpers/spawn.js';
import { tmpDir } from '../helpers/tmp.js';

test('the demo uses the NIX_CONFIG of the tests', () => {
  const demo = fs.readFileSync(path.join(ROOT, 'scripts/demo'), 'utf8');
  expect(/^NIX_CONFIG='([^']*)'$/m.exec(demo)?.[1]).toBe(NIX_CONFIG);
});

test('npm run demo rehearses a whole release locally and says where it went', {
  timeout: 900_000,
}, async () => {
  const dir = tmpDir('releng-demo-');
  const r = await spawnAsync('bash', [path.join(ROOT, 'scripts/demo')], {
    cwd: ROOT,
    env: { ...process.env, RELENG_DEMO_DIR: dir, NIX_CONFIG: '' },
  });
  const all = `${r.stdout}\n${r.stderr}`;
  expect(r.status, all.slice(-4000)).toBe(0);
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/project/version.json'), 'utf8'))
    .version as string;
  const project = path.join(dir, 'project');
  const local = path.join(project, '.releng/local');
  expect(all).toContain(`Release ${version} rehearsed in ${project}`);
  expect(all).not.toMatch(/skipped: /);

  // prepare + tag: the notes committed, the fragments gone, HEAD on the annotated tag.
  expect(git(project, 'describe', '--tags')).toBe(version);
  expect(git(project, 'show', `${version}:doc/manual/src/release-notes/rl-2.93.md`)).toContain(
    `# Demo ${version} (`,
  );
  expect(git(project, 'ls-tree', '--name-only', version, 'doc/manual/rl-next/')).toBe(
    'doc/manual/rl-next/.gitkeep',
  );
  // build-artifacts: the release tree and one leg per system.
  expect(fs.existsSync(path.join(project, 'release/artifacts/manifest.nix'))).toBe(true);
  expect(fs.readdirSync(path.join(project, 'release/legs')).sort()).toEqual([
    'aarch64-linux',
    'x86_64-linux',
  ]);

  // docker-multiarch: an index skopeo reads, both platforms, every tag.
  for (const tag of [version, '2.93', 'latest']) {
    const index = JSON.parse(
      execFileSync('skopeo', ['inspect', '--raw', `oci:${local}/oci:${tag}`], { encoding: 'utf8' }),
    ) as { mediaType: string; manifests: { platform: { architecture: string } }[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
  }

  // publish: the release tree with its index and the root pointer, a signed cache the real nix accepts,
  // the manual, the installers, the tag on the local remote; a re-run wrote nothing.
  const vdir = path.join(local, 'releases/demo', `demo-${version}`);
  for (const f of [
    'manifest.nix',
    `demo-${version}.tar.gz`,
    `demo-${version}-x86_64-linux.tar.xz`,
    '.releng-index.json',
  ])
    expect(fs.existsSync(path.join(vdir, f)), f).toBe(true);
  expect(fs.readFileSync(path.join(local, 'releases/manifest.nix'), 'utf8')).toBe(
    fs.readFileSync(path.join(vdir, 'manifest.nix'), 'utf8'),
  );
  const narinfos = fs.readdirSync(path.join(local, 'cache')).filter((f) => f.endsWith('.narinfo'));
  expect(narinfos.length).toBeGreaterThan(0);
  for (const n of narinfos)
    expect(fs.readFileSync(path.join(local, 'cache', n), 'utf8')).toMatch(/^Sig: demo-local-1:/m);
  expect(all).toMatch(/nix installs \/nix\/store\/\S+-demo-2\.93\.0 from the cache, its signature checked/);
  expect(fs.existsSync(path.join(local, 'docs/manual/demo/2.93/index.html'))).toBe(true);
  expect(fs.existsSync(path.join(local, 'docs/manual/demo/stable/index.html'))).toBe(true);
  expect(fs.readdirSync(path.join(local, 'install/demo')).sort()).toEqual([
    `demo-${version}`,
    'demo-installer-aarch64-linux',
    'demo-installer-x86_64-linux',
  ]);
  expect(git(path.join(local, 'remote.git'), 'rev-parse', `refs/tags/${version}`)).toBe(
    git(project, 'rev-parse', `refs/tags/${version}`),
  );
  expect(all).toContain('uploaded-bytes=0');

  // The fixture itself is untouched.
  expect(fs.readdirSync(path.join(ROOT, 'tests/fixtures/project/doc/manual/rl-next')).length).toBe(4);
});
