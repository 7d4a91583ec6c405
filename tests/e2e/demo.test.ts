// `npm run demo` end to end: the full local rehearsal through the CLI bundle, then an independent look
// at what it wrote (skopeo on the OCI layout, the release tree, the cache's narinfo, the remote's tag).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/action.js';
import { NIX_CONFIG } from '../helpers/nix.js';
import { tmpDir } from '../helpers/tmp.js';

test('the demo uses the NIX_CONFIG of the tests', () => {
  const demo = fs.readFileSync(path.join(ROOT, 'scripts/demo'), 'utf8');
  const m = /^NIX_CONFIG='([^']*)'$/m.exec(demo);
  expect(m?.[1]).toBe(NIX_CONFIG);
});

test('npm run demo rehearses a whole release locally and says where it went', { timeout: 900_000 }, () => {
  const dir = tmpDir('releng-demo-');
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/demo')], {
    cwd: ROOT,
    env: { ...process.env, RELENG_DEMO_DIR: dir, NIX_CONFIG: '' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(r.status, `${r.stdout}\n${r.stderr}`.slice(-4000)).toBe(0);
  const version = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'tests/fixtures/project/version.json'), 'utf8'),
  ).version;
  expect(r.stdout).toContain(`Release ${version} rehearsed`);
  const local = path.join(dir, 'project/.releng/local');

  const index = JSON.parse(
    execFileSync('skopeo', ['inspect', '--raw', `oci:${local}/oci:${version}`], { encoding: 'utf8' }),
  ) as { manifests: { platform: { architecture: string } }[] };
  expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);

  const releases = fs.readdirSync(path.join(local, 'releases'), { recursive: true }).map(String);
  expect(releases.some((f) => f.includes(version))).toBe(true);
  const narinfos = fs.readdirSync(path.join(local, 'cache')).filter((f) => f.endsWith('.narinfo'));
  expect(narinfos.length).toBeGreaterThan(0);
  expect(fs.readFileSync(path.join(local, 'cache', narinfos[0]!), 'utf8')).toMatch(/^Sig: /m);

  const tags = execFileSync('git', ['--git-dir', path.join(local, 'remote.git'), 'tag', '--list'], {
    encoding: 'utf8',
  });
  expect(tags.split('\n')).toContain(version);
});
