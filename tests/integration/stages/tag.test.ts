import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { tag } from '../../../src/stages/tag.js';
import { runBundledAction, runCli } from '../../helpers/action.js';
import { git, makeRepo } from '../../helpers/git.js';

const IDENTITY = { name: 'Rel Eng', email: 'releng@example.org' };
const VERSION_JSON = `${JSON.stringify({ version: '2.93.0', official_release: false, release_name: 'Bird of Prey' }, null, 4)}\n`;
const opts = (dir: string, extra: Partial<Parameters<typeof tag>[0]> = {}) => ({
  dir,
  forceTag: false,
  noCheckGit: false,
  identity: IDENTITY,
  log: silentLogger,
  ...extra,
});

/** HEAD, every ref and the status: what a refused tag must leave exactly as it was. */
function state(dir: string) {
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    branch: git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    status: git(dir, 'status', '--porcelain'),
  };
}

describe('tag', () => {
  test('release commit, annotated tag, merge back with the tree unchanged, HEAD on the tag', async () => {
    const repo = makeRepo({ 'version.json': VERSION_JSON, 'src.txt': 'code\n' });
    const before = git(repo, 'rev-parse', 'main');
    const treeBefore = git(repo, 'rev-parse', 'main^{tree}');
    const r = await tag(opts(repo));
    expect(r).toMatchObject({ version: '2.93.0', tag: '2.93.0', branch: 'main' });
    expect(git(repo, 'cat-file', '-t', 'refs/tags/2.93.0')).toBe('tag');
    expect(git(repo, 'rev-parse', '2.93.0^{commit}')).toBe(r.commit);
    expect(git(repo, 'log', '-1', '--format=%B', r.commit)).toBe(
      'release: 2.93.0 "Bird of Prey"\n\nRelease produced with releng-actions',
    );
    expect(git(repo, 'tag', '-l', '--format=%(contents)', '2.93.0')).toBe(
      'release: 2.93.0 "Bird of Prey"\n\nRelease produced with releng-actions',
    );
    expect(JSON.parse(git(repo, 'show', '2.93.0:version.json')).official_release).toBe(true);
    expect(git(repo, 'show', '2.93.0:version.json')).toMatch(/^\{\n {4}"version"/);
    // main: a merge of the old tip and the tag, with the old tree (official_release still false).
    expect(git(repo, 'rev-parse', 'main^1', 'main^2').split('\n')).toEqual([before, r.commit]);
    expect(git(repo, 'rev-parse', 'main^{tree}')).toBe(treeBefore);
    expect(git(repo, 'log', '-1', '--format=%s', 'main')).toBe(
      'release: merge release 2.93.0 back to mainline',
    );
    expect(git(repo, 'merge-base', '--is-ancestor', '2.93.0', 'main')).toBe('');
    // Detached on the tag, so `git describe --tags` is the version (what build checks).
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    expect(git(repo, 'describe', '--tags')).toBe('2.93.0');
    expect(git(repo, 'log', '-1', '--format=%an <%ae>', r.commit)).toBe('Rel Eng <releng@example.org>');
  });

  test('older trees: the officialRelease line of flake.nix', async () => {
    const repo = makeRepo({
      'version.json': '{\n  "version": "2.90.0",\n  "release_name": "Vanilla Ice Cream"\n}\n',
      'flake.nix': '{\n  outputs = { self }: let\n    officialRelease = false;\n  in { };\n}\n',
    });
    const r = await tag(opts(repo));
    expect(git(repo, 'show', `${r.commit}:flake.nix`)).toContain('    officialRelease = true;');
    expect(git(repo, 'show', 'main:flake.nix')).toContain('officialRelease = false;');
  });

  test('force-tag moves an existing tag', async () => {
    const repo = makeRepo({ 'version.json': VERSION_JSON });
    git(repo, 'tag', '2.93.0');
    const old = git(repo, 'rev-parse', '2.93.0');
    const r = await tag(opts(repo, { forceTag: true }));
    expect(git(repo, 'rev-parse', '2.93.0^{commit}')).toBe(r.commit);
    expect(r.commit).not.toBe(old);
  });

  const refusals: [string, Record<string, string>, (repo: string) => void, RegExp][] = [
    [
      'the tag exists',
      { 'version.json': VERSION_JSON },
      (r) => git(r, 'tag', '2.93.0'),
      /tag 2\.93\.0 already exists; .*force-tag/,
    ],
    [
      'HEAD is detached',
      { 'version.json': VERSION_JSON },
      (r) => git(r, 'checkout', '-q', '--detach'),
      /HEAD is detached, so there is no branch/,
    ],
    [
      'the tree is dirty',
      { 'version.json': VERSION_JSON, 'a.txt': 'a' },
      (r) => fs.writeFileSync(path.join(r, 'a.txt'), 'changed'),
      /uncommitted changes \(M a\.txt\); commit or stash/,
    ],
    [
      'something is staged',
      { 'version.json': VERSION_JSON },
      (r) => {
        fs.writeFileSync(path.join(r, 'new.txt'), 'x');
        git(r, 'add', 'new.txt');
      },
      /uncommitted changes \(A {2}new\.txt\)/,
    ],
    [
      'version.json is malformed',
      { 'version.json': '{"version": "2.93.0",' },
      () => {},
      /version\.json: malformed JSON/,
    ],
    [
      'official_release is already true',
      { 'version.json': '{"version": "2.93.0", "official_release": true, "release_name": "x"}' },
      () => {},
      /official_release is already true/,
    ],
  ];
  test.each(refusals)('refused, changing nothing, when %s', async (_, files, setup, message) => {
    const repo = makeRepo(files);
    setup(repo);
    const before = state(repo);
    await expect(tag(opts(repo))).rejects.toThrow(message);
    expect(state(repo)).toEqual(before);
  });

  test('no-check-git releases from a dirty tree, committing only the version file', async () => {
    const repo = makeRepo({ 'version.json': VERSION_JSON, 'a.txt': 'a' });
    fs.writeFileSync(path.join(repo, 'a.txt'), 'dirty');
    const r = await tag(opts(repo, { noCheckGit: true }));
    expect(git(repo, 'show', '--name-only', '--format=', r.commit)).toBe('version.json');
    expect(git(repo, 'status', '--porcelain')).toBe('M a.txt');
    expect(fs.readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('dirty');
  });

  test('the bundled action and the CLI run it as a runner and a laptop do', () => {
    const repo = makeRepo({ 'version.json': VERSION_JSON });
    const r = runBundledAction(
      'tag',
      { 'git-user-name': 'Bot', 'git-user-email': 'bot@example.org' },
      { cwd: repo },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toEqual({
      version: '2.93.0',
      tag: '2.93.0',
      commit: git(repo, 'rev-parse', '2.93.0^{commit}'),
    });
    expect(r.summary).toContain('Tagged 2.93.0');
    const again = runCli(['tag'], { cwd: repo });
    expect(again.status).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/^releng tag: error: .*official_release is already true|HEAD is detached/);
  });
});
