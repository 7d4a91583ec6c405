// src/publish/git-steps.ts: the maintenance branch, the tag and branch steps of the plan, and the tag's
// force decided when planning (execute takes it as planned: tests/unit/publish/execute.test.ts).
import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { silentLogger } from '../../../src/log.js';
import { gitSteps, maintenanceBranch, planGit } from '../../../src/publish/git-steps.js';
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
});
