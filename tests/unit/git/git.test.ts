// src/git/git.ts: a working copy — state queries, the reference's "on the tag, clean" check, identities.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Git, identityFrom } from '../../../src/git/git.js';
import { git, makeRepo } from '../../helpers/git.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('a git working copy', () => {
  test('branch, tags, and "on the tag with a clean tree"', async () => {
    const dir = makeRepo({ a: '1' });
    const g = new Git(dir);
    expect(await g.isRepo()).toBe(true);
    expect(await new Git(tmpDir()).isRepo()).toBe(false);
    expect(await g.currentBranch()).toBe('main');
    await expect(g.checkOnTag('1.0')).rejects.toThrow(
      `${dir}: HEAD is not on tag 1.0 (git describe --tags says nothing); check out the tag, or pass no-check-git`,
    );
    git(dir, 'tag', '-a', '1.0', '-m', 'r');
    expect(await g.tagExists('1.0')).toBe(true);
    expect(await g.describeTags()).toBe('1.0');
    await g.checkOnTag('1.0');
    // Untracked files do not count, as in the reference; a modified tracked file does.
    fs.writeFileSync(path.join(dir, 'untracked'), 'x');
    await g.checkOnTag('1.0');
    fs.writeFileSync(path.join(dir, 'a'), '2');
    await expect(g.checkClean()).rejects.toThrow(/the working tree has uncommitted changes \(M a\)/);
    git(dir, 'checkout', '-q', '--detach');
    expect(await g.currentBranch()).toBeUndefined();
  });

  test('the identity: inputs, else the forge actor, else the tool', () => {
    expect(identityFrom('N', 'e@x', { GITHUB_ACTOR: 'octo' })).toEqual({ name: 'N', email: 'e@x' });
    expect(
      identityFrom(undefined, undefined, {
        GITHUB_ACTOR: 'octo',
        GITHUB_SERVER_URL: 'https://git.lix.systems',
      }),
    ).toEqual({
      name: 'octo',
      email: 'octo@users.noreply.git.lix.systems',
    });
    expect(identityFrom(undefined, undefined, {})).toEqual({ name: 'releng', email: 'releng@localhost' });
  });

  test('commits carry the identity given, without touching any git config', async () => {
    const dir = makeRepo({ a: '1' });
    const g = new Git(dir, undefined, { name: 'Releaser', email: 'rel@example.org' });
    await g.run(['commit', '-q', '--allow-empty', '-m', 'x']);
    expect(await g.out(['log', '-1', '--format=%an <%ae> / %cn'])).toBe(
      'Releaser <rel@example.org> / Releaser',
    );
  });
});
