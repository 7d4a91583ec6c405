import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from './action.js';
import { git } from './git.js';
import { tmpDir } from './tmp.js';

export const FIXTURE = path.join(ROOT, 'tests/fixtures/project');
/** The Lix-shaped flake: Lix's release-jobs.nix unchanged over hydraJobs of Lix's shape (its README). */
export const LIX_FIXTURE = path.join(ROOT, 'tests/fixtures/lix-flake');

/**
 * A copy of the rehearsal fixture (or `from`, e.g. LIX_FIXTURE) as a git repository, committed and tagged with its version (an
 * annotated tag, as the tag stage makes), HEAD on the tag. `edit` may change files before the commit;
 * `build` merges keys into releng.yml's build section.
 */
export function fixtureRepo(
  opts: { edit?: (dir: string) => void; build?: Record<string, unknown>; tag?: boolean; from?: string } = {},
): string {
  const dir = tmpDir('releng-project-');
  fs.cpSync(opts.from ?? FIXTURE, dir, { recursive: true });
  if (opts.build) {
    const file = path.join(dir, 'releng.yml');
    const config = parse(fs.readFileSync(file, 'utf8'));
    config.build = { ...config.build, ...opts.build };
    fs.writeFileSync(file, stringify(config));
  }
  opts.edit?.(dir);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  // Fixed dates: the same files give the same commit, as every matrix leg checks out the same one.
  const dated = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.org',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.org',
        GIT_AUTHOR_DATE: '2024-08-12T12:00:00Z',
        GIT_COMMITTER_DATE: '2024-08-12T12:00:00Z',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    });
  dated('commit', '-q', '-m', 'project');
  if (opts.tag !== false) {
    const version = JSON.parse(fs.readFileSync(path.join(dir, 'version.json'), 'utf8')).version;
    dated('tag', '-a', version, '-m', `release: ${version}`);
    git(dir, 'checkout', '-q', '--detach', version);
  }
  return dir;
}
