// src/publish/git-steps.ts: the maintenance branch, the tag and branch steps of the plan, and the tag's
// force decided when planning (execute takes it as planned: tests/unit/publish/execute.test.ts).

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { silentLogger } from '../../../src/log.js';
import { executeGit, gitSteps, maintenanceBranch, planGit } from '../../../src/publish/git-steps.js';
import { git, makeBareRemote, makeRepo } from '../../helpers/git.js';

describe('git steps', () => {
  test('a new major (X.Y.0) gets its maintenance branch', () => {
    expect(maintenanceBranch('2.93.0')).toBe('release-2.93');
    expect(maintenanceBranch('2.93.1')).toBeUndefined();
    expect(maintenanceBranch('2.93.0-rc1')).toBeUndefined();
  });

  test('the plan steps: tag notes on the tag step, branch notes on the branch step, skips as given', () => {
    const plan = {
      remote: 'r',
      mode: 'direct' as const,
      notes: ['tag 1.0.0: to push to r', 'branch main: to push to r', 'branch release-1.0: on r already'],
      problems: [],
    };
    const [tag, branch] = gitSteps(plan, { remote: 'r', branchSkipped: 'push-branch is false' });
    expect(tag).toEqual({
      step: 'tag',
      target: 'r',
      objects: [],
      notes: ['tag 1.0.0: to push to r'],
      skipped: undefined,
    });
    expect(branch).toMatchObject({
      step: 'branch',
      notes: ['branch main: to push to r', 'branch release-1.0: on r already'],
      skipped: 'push-branch is false',
    });
    expect(gitSteps(undefined, { tagSkipped: 'skip: tag' })[0]).toMatchObject({
      notes: [],
      skipped: 'skip: tag',
    });
  });

  test('the tag: absent → pushed without force; elsewhere → force only with force-push-tag', async () => {
    const remote = makeBareRemote();
    const dir = makeRepo({ x: 'ours' });
    git(dir, 'tag', '-a', '1.0.0', '-m', 'ours');
    const g = new Git(dir, silentLogger);
    const absent = await planGit(g, remote, '1.0.0', { tag: true, branch: false, forcePushTag: true });
    expect(absent.tag).toMatchObject({ state: 'absent', force: false });
    const other = makeRepo({ x: 'theirs' });
    git(other, 'tag', '-a', '1.0.0', '-m', 'theirs');
    git(other, 'push', '-q', remote, 'refs/tags/1.0.0');
    const moved = await planGit(g, remote, '1.0.0', { tag: true, branch: false, forcePushTag: true });
    expect(moved.tag).toMatchObject({ state: 'different', force: true });
    expect(moved.notes).toEqual([`tag 1.0.0: to move on ${remote} (force-push-tag)`]);
    expect(moved.problems).toEqual([]);
  });

  /** A repo whose main (the release, tagged 1.0.1) is one commit ahead of the remote's main. */
  function behind(hook?: string) {
    const remote = makeBareRemote();
    const dir = makeRepo({ x: '1' });
    git(dir, 'push', '-q', remote, 'main');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'release');
    git(dir, 'tag', '-a', '1.0.1', '-m', 'release: 1.0.1');
    if (hook) fs.writeFileSync(path.join(remote, 'hooks', 'update'), hook, { mode: 0o755 });
    return { remote, dir, g: new Git(dir, silentLogger) };
  }
  const RECORD = '#!/bin/sh\necho "$1" >> received.log\n';
  const received = (remote: string) =>
    fs.readFileSync(path.join(remote, 'received.log'), 'utf8').trim().split('\n');

  test('gerrit: the branch goes to refs/for/BRANCH, even when the remote branch moved on (the review merges it)', async () => {
    const { remote, g } = behind();
    const plan = await planGit(g, remote, '1.0.1', {
      tag: true,
      branch: true,
      forcePushTag: false,
      mode: 'gerrit',
    });
    expect(plan.branch).toMatchObject({ name: 'main', to: 'refs/for/main', push: { state: 'behind' } });
    expect(plan.notes).toContain(
      `branch main: to push for review to refs/for/main on ${remote}, before the tag`,
    );
    // Someone else's change merged meanwhile: direct refuses, gerrit pushes for review all the same.
    const other = makeRepo({ y: '2' });
    git(other, 'push', '-q', '--force', remote, 'main');
    const direct = await planGit(g, remote, '1.0.1', { tag: true, branch: true, forcePushTag: false });
    expect(direct.problems).toEqual([
      `branch main on ${remote} has diverged from the local one; merge ${remote}'s main into it first`,
    ]);
    const gerrit = await planGit(g, remote, '1.0.1', {
      tag: true,
      branch: true,
      forcePushTag: false,
      mode: 'gerrit',
    });
    expect(gerrit.problems).toEqual([]);
    expect(gerrit.branch).toMatchObject({ to: 'refs/for/main', push: { state: 'different' } });
  });

  test('execute: the branch before the tag (direct: main, release-X.Y, tag)', async () => {
    const { remote, dir, g } = behind(RECORD);
    git(dir, 'tag', '-a', '1.1.0', '-m', 'release: 1.1.0');
    const plan = await planGit(g, remote, '1.1.0', { tag: true, branch: true, forcePushTag: false });
    const done = await executeGit(g, plan, silentLogger);
    expect(received(remote)).toEqual(['refs/heads/main', 'refs/heads/release-1.1', 'refs/tags/1.1.0']);
    expect(done.rows.map((r) => r.slice(0, 2))).toEqual([
      ['refs/heads/main', 'pushed'],
      ['refs/heads/release-1.1', 'pushed'],
      ['refs/tags/1.1.0', 'pushed'],
    ]);
  });

  test("execute, gerrit: 'no new changes' for the branch is a change already under review; another refusal stops the run", async () => {
    const refuse = (why: string) =>
      `#!/bin/sh\necho "$1" >> received.log\ncase "$1" in refs/for/*) echo "${why}" >&2; exit 1;; esac\n`;
    const { remote, g } = behind(refuse('no new changes'));
    const plan = await planGit(g, remote, '1.0.1', {
      tag: true,
      branch: true,
      forcePushTag: false,
      mode: 'gerrit',
    });
    const done = await executeGit(g, plan, silentLogger);
    expect(done.rows.map((r) => r.slice(0, 2))).toEqual([
      ['refs/for/main', 'already under review'],
      ['refs/tags/1.0.1', 'pushed'],
    ]);
    const denied = behind(refuse('prohibited by Gerrit: not permitted: create change'));
    const plan2 = await planGit(denied.g, denied.remote, '1.0.1', {
      tag: true,
      branch: true,
      forcePushTag: false,
      mode: 'gerrit',
    });
    await expect(executeGit(denied.g, plan2, silentLogger)).rejects.toThrow(
      /git push of refs\/for\/main to \S+ was rejected: .*\(remote: prohibited by Gerrit: not permitted: create change\)$/,
    );
    expect(received(denied.remote)).toEqual(['refs/for/main']);
  });
});
