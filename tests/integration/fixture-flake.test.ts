// The rehearsal fixture's flake builds with the real nix of the tests (Debian's 2.8, single-user, both
// systems here) and produces what build-artifacts will consume: Lix's `tarballs` job shape and docker
// archives in Nix's format, checked independently with skopeo.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import { nixBuildOut, nixEnv } from '../helpers/nix.js';
import { tmpDir } from '../helpers/tmp.js';

test('release-jobs build for x86_64-linux and aarch64-linux into the tarballs layout', async () => {
  const repo = tmpDir('releng-flake-');
  fs.cpSync(path.join(ROOT, 'tests/fixtures/project'), repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  const out = await nixBuildOut(repo, '.#release-jobs.tarballs');
  const version = '2.93.0';
  expect(fs.readdirSync(out).sort()).toEqual(
    [
      `demo-${version}-aarch64-linux.tar.xz`,
      `demo-${version}-docker-image-aarch64-linux.tar.gz`,
      `demo-${version}-docker-image-x86_64-linux.tar.gz`,
      `demo-${version}-manual.tar.gz`,
      `demo-${version}-x86_64-linux.tar.xz`,
    ]
      .flatMap((f) => [f, `${f}.sha256`])
      .concat(['manual'])
      .sort(),
  );
  for (const f of fs.readdirSync(out).filter((n) => n.endsWith('.sha256'))) {
    const data = fs.readFileSync(path.join(out, f.slice(0, -'.sha256'.length)));
    expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(createHash('sha256').update(data).digest('hex'));
  }
  for (const [system, arch] of [
    ['x86_64-linux', 'amd64'],
    ['aarch64-linux', 'arm64'],
  ] as const) {
    // skopeo 1.9 cannot read the gzip wrapper Nix writes: give it the plain tar.
    const tar = path.join(repo, `${system}.tar`);
    fs.writeFileSync(
      tar,
      execFileSync('gunzip', ['-c', path.join(out, `demo-${version}-docker-image-${system}.tar.gz`)]),
    );
    const info = JSON.parse(
      execFileSync('skopeo', ['inspect', `docker-archive:${tar}`], { encoding: 'utf8' }),
    );
    expect(info).toMatchObject({
      Architecture: arch,
      Os: 'linux',
      Labels: { 'org.opencontainers.image.version': version },
    });
    expect(info.Layers).toHaveLength(2);
  }
  // The build is deterministic: building again gives the same output path and bytes.
  const again = execFileSync(
    'nix',
    ['build', '--json', '--no-link', '--rebuild', '.#release-jobs.dockerImage.aarch64-linux'],
    {
      cwd: repo,
      env: nixEnv(),
      encoding: 'utf8',
    },
  );
  expect(again).toContain('"out"');
});
