// src/git/merge-back.ts: the merge-back commit, made as tag makes it and found as push-branch looks for it.
import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { hasMergeBack, mergeBackMessage, mergeBackSubject } from '../../../src/git/merge-back.js';
import { git, makeRepo } from '../../helpers/git.js';

describe('the merge-back commit', () => {
  test("the reference's subject and body, with the tool's line", () => {
    expect(mergeBackSubject('2.93.0')).toBe('release: merge release 2.93.0 back to mainline');
    expect(mergeBackMessage('2.93.0', 'Release produced with releng-actions')).toBe(
      'release: merge release 2.93.0 back to mainline\n\nThis merge commit returns to the previous state prior to the release but leaves the tag in the branch history.\nRelease produced with releng-actions',
    );
  });

  test('found in the history of the branch that has it, only for its own version', async () => {
    const dir = makeRepo({ a: '1' });
    git(dir, 'checkout', '-q', '-b', 'release');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'release: 2.93.0');
    git(dir, 'tag', '2.93.0');
    git(dir, 'checkout', '-q', 'main');
    const plain = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'merge', '-q', '-s', 'ours', '--no-edit', '2.93.0', '-m', mergeBackMessage('2.93.0', 'x'));
    const merged = git(dir, 'rev-parse', 'HEAD');
    const g = new Git(dir);
    expect(await hasMergeBack(g, '2.93.0', merged)).toBe(true);
    expect(await hasMergeBack(g, '2.93.0', plain)).toBe(false);
    expect(await hasMergeBack(g, '2.93', merged)).toBe(false);
    // A dot in the version is a dot, not any character.
    const other = makeRepo({ a: '1' });
    git(other, 'commit', '-q', '--allow-empty', '-m', 'release: 2.93.0');
    git(other, 'tag', '2.93.0');
    git(other, 'checkout', '-q', '-b', 'side', 'HEAD~1');
    git(other, 'merge', '-q', '-s', 'ours', '--no-edit', '2.93.0', '-m', mergeBackMessage('2x93x0', 'x'));
    const lookalike = git(other, 'rev-parse', 'HEAD');
    expect(await hasMergeBack(new Git(other), '2x93x0', lookalike)).toBe(true);
    expect(await hasMergeBack(new Git(other), '2.93.0', lookalike)).toBe(false);
  });
});
