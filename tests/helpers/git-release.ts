// A release checkout whose publication is only git (the tag and the branches), for the git remote tests:
// the fixture project tagged 2.93.0 (HEAD detached on it, branch main carrying it), a one-file release
// tree, and releng.yml's environments as the test gives them.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { git } from './git.js';
import { fixtureRepo } from './project.js';
import { runCliAsync } from './publish-fixture.js';

export const VERSION = '2.93.0';
/** Every step but tag and branch. */
export const GIT_ONLY = 'cache,docker,releases,docs,installers,release-page';

export function gitReleaseCheckout(environments: Record<string, object>): string {
  const dir = fixtureRepo();
  git(dir, 'checkout', '-q', 'main');
  fs.mkdirSync(path.join(dir, `release/artifacts/demo/demo-${VERSION}`), { recursive: true });
  fs.writeFileSync(path.join(dir, `release/artifacts/demo/demo-${VERSION}/x.tar.gz`), 'x\n');
  setEnvironments(dir, environments);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'environments');
  git(dir, 'tag', '-f', '-a', VERSION, '-m', `release: ${VERSION}`);
  git(dir, 'checkout', '-q', '--detach', VERSION);
  return dir;
}

export function setEnvironments(dir: string, environments: Record<string, object>): void {
  const file = path.join(dir, 'releng.yml');
  const config = parse(fs.readFileSync(file, 'utf8'));
  config.environments = environments;
  fs.writeFileSync(file, stringify(config));
}

/** publish of the tag (and with `push-branch`, the branches) to `environment`, from source, as the CLI. */
export function publishGit(
  dir: string,
  environment: string,
  o: { args?: string[]; env?: NodeJS.ProcessEnv; pushBranch?: boolean } = {},
) {
  return runCliAsync(
    [
      'publish',
      '--environment',
      environment,
      '--confirm',
      `I want to release this to ${environment}`,
      '--artifacts-dir',
      'release/artifacts',
      '--no-check-git',
      '--allow-missing-systems',
      'x86_64-linux,aarch64-linux',
      '--skip',
      GIT_ONLY,
      ...(o.pushBranch === false ? [] : ['--push-branch']),
      ...(o.args ?? []),
    ],
    {
      cwd: dir,
      source: true,
      env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', RUNNER_DEBUG: '', ...o.env },
    },
  );
}

/** The refs of a bare repository, ref → object. */
export function refsOf(bare: string): Record<string, string> {
  const out = git(bare, 'for-each-ref', '--format=%(refname) %(objectname)');
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}
