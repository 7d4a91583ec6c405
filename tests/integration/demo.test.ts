// `npm run demo` as far as the landed stages go (prepare, tag, build-artifacts, publish); tests/e2e/demo.test.ts
// checks the whole rehearsal once docker-multiarch lands.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import { tmpDir } from '../helpers/tmp.js';

test('npm run demo rehearses the landed stages on a copy of the fixture project and says what it skipped', () => {
  const dir = tmpDir('releng-demo-');
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/demo')], {
    cwd: ROOT,
    env: { ...process.env, RELENG_DEMO_DIR: dir },
    encoding: 'utf8',
  });
  const all = `${r.stdout}\n${r.stderr}`;
  expect(r.status, all.slice(-4000)).toBe(0);
  const version = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'tests/fixtures/project/version.json'), 'utf8'),
  ).version;
  expect(all).toContain(`Release ${version} rehearsed in ${dir}/project`);
  expect(all).toContain('skipped: docker-multiarch');
  const project = path.join(dir, 'project');
  // build-artifacts: the release tree and one leg per system.
  expect(fs.existsSync(path.join(project, 'release/artifacts/manifest.nix'))).toBe(true);
  expect(fs.readdirSync(path.join(project, 'release/legs')).sort()).toEqual([
    'aarch64-linux',
    'x86_64-linux',
  ]);
  // publish --environment local: the tree, the cache, the manual, the tag on the local remote.
  const local = path.join(project, '.releng/local');
  expect(fs.existsSync(path.join(local, 'releases/manifest.nix'))).toBe(true);
  expect(fs.existsSync(path.join(local, 'releases/demo', `demo-${version}`, '.releng-index.json'))).toBe(
    true,
  );
  expect(fs.existsSync(path.join(local, 'cache/nix-cache-info'))).toBe(true);
  expect(git(path.join(local, 'remote.git'), 'rev-parse', `refs/tags/${version}`)).toBe(
    git(project, 'rev-parse', `refs/tags/${version}`),
  );
  expect(git(project, 'describe', '--tags')).toBe(version);
  expect(git(project, 'show', `${version}:doc/manual/src/release-notes/rl-2.93.md`)).toContain(
    `# Demo ${version} (`,
  );
  expect(git(project, 'ls-tree', '--name-only', version, 'doc/manual/rl-next/')).toBe(
    'doc/manual/rl-next/.gitkeep',
  );
  // The fixture itself is untouched.
  expect(fs.readdirSync(path.join(ROOT, 'tests/fixtures/project/doc/manual/rl-next')).length).toBe(4);
});
