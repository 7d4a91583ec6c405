import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { silentLogger } from '../../../src/log.js';
import { pointerRule } from '../../../src/publish/pointer-rule.js';
import { git, makeRepo } from '../../helpers/git.js';

describe('pointerRule', () => {
  test("the maintenance rule in publish's words", async () => {
    const repo = makeRepo({ 'a.txt': 'a' });
    const g = new Git(repo, silentLogger);
    expect(await pointerRule(g, true, undefined, '2.93.0')).toEqual({
      mayMove: true,
      mayMoveMajor: true,
      heldLatest: undefined,
      heldMajor: undefined,
    });
    git(repo, 'tag', '2.93.2');
    git(repo, 'tag', '2.94.0');
    expect(await pointerRule(g, true, undefined, '2.93.1')).toEqual({
      mayMove: false,
      mayMoveMajor: false,
      heldLatest: 'a newer release (2.94.0) exists: the maintenance rule keeps this pointer',
      heldMajor: 'a newer 2.93 release (2.93.2) exists',
    });
    // Not a checkout: no tags read from it.
    expect((await pointerRule(g, false, undefined, '2.93.1')).mayMove).toBe(true);
  });
});
