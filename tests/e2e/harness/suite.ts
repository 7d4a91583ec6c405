/**
 * This suite as a forge serves it to consumers: a git repository of this checkout's files as they are
 * now (dist/ included, ignored files left out), with the release tags a consumer names (`v1`, `v1.0.0`).
 * Remote `uses:` of `lix-project/releng-actions` resolve to it (RunOptions.remotes), so a workflow that
 * names the suite by URL and version runs the code under test.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/action.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

/** Where the suite lives, as its workflows and the examples name it. */
export const SUITE = {
  github: 'github.com/lix-project/releng-actions',
  forgejo: 'git.lix.systems/lix-project/releng-actions',
  forgejoServer: 'https://git.lix.systems',
};
export const SUITE_TAGS = ['v1', 'v1.0.0'];

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Suite',
  GIT_AUTHOR_EMAIL: 'suite@example.org',
  GIT_COMMITTER_NAME: 'Suite',
  GIT_COMMITTER_EMAIL: 'suite@example.org',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

function commitTree(gitDir: string, workTree: string, message: string): void {
  const env = { ...process.env, ...GIT_IDENTITY, GIT_DIR: gitDir, GIT_WORK_TREE: workTree };
  const git = (...args: string[]) => execFileSync('git', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', message);
  for (const t of SUITE_TAGS) git('tag', '-f', t);
}

let cached: string | undefined;

/** This checkout as the suite's repository (made once per test file). */
export function suiteRepository(): string {
  if (cached && fs.existsSync(cached)) return cached;
  const dir = tmpDir('releng-suite-');
  execFileSync('git', ['init', '-q', '--bare', dir]);
  commitTree(dir, ROOT, 'suite as checked out');
  cached = dir;
  return dir;
}

/**
 * A stand-in suite: this checkout's workflows with other files (stand-in actions) over them, tagged
 * like the real one.
 */
export function standInSuite(files: Record<string, string>): string {
  const work = tmpDir('releng-standin-suite-');
  for (const d of ['.github', '.forgejo'])
    if (fs.existsSync(path.join(ROOT, d)))
      fs.cpSync(path.join(ROOT, d), path.join(work, d), { recursive: true });
  writeFiles(work, files);
  const dir = tmpDir('releng-standin-git-');
  execFileSync('git', ['init', '-q', '--bare', dir]);
  commitTree(dir, work, 'stand-in suite');
  return dir;
}

/** The `remotes` of a run for a suite repository, under every name the workflows give it. */
export function suiteRemotes(repo: string): Record<string, string> {
  return { [SUITE.github]: repo, [SUITE.forgejo]: repo };
}
