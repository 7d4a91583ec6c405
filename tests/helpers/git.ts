import { execFileSync } from 'node:child_process';
import { tmpDir, writeFiles } from './tmp.js';

const GIT_PROCESS_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_PROCESS_ENV, encoding: 'utf8' }).trim();
}

/** A real repository on branch main with the given files committed. */
export function makeRepo(files: Record<string, string>, message = 'initial'): string {
  const dir = tmpDir('releng-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return dir;
}

export function makeBareRemote(): string {
  const dir = tmpDir('releng-remote-');
  git(dir, 'init', '-q', '--bare');
  return dir;
}
