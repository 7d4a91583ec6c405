// The maintenance rule on real repositories: tags of the checkout and of the remote.
import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { silentLogger } from '../../../src/log.js';
import {
  compareVersions,
  maintenanceRule,
  mayMoveLatest,
  readMaintenanceRule,
  releaseTags,
} from '../../../src/release/maintenance.js';
import { git, makeBareRemote, makeRepo } from '../../helpers/git.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('maintenanceRule', () => {
  test('the newest newer release, and the newest newer one of the same major', () => {
    expect(maintenanceRule('2.92.1', ['2.92.0', '2.92.3', '2.92.2', '2.93.0', '2.94.0-rc1', 'junk'])).toEqual(
      {
        mayMoveLatest: false,
        mayMoveMajor: false,
        newerRelease: '2.93.0',
        newerInMajor: '2.92.3',
      },
    );
    expect(maintenanceRule('2.93.0', ['2.92.3', 'v2.93.0', '2.94.0-rc1'])).toEqual({
      mayMoveLatest: true,
      mayMoveMajor: true,
      newerRelease: undefined,
      newerInMajor: undefined,
    });
  });

  test('{major} moves unless a newer release of that major exists; latest unless any newer one does', () => {
    // 2.93.1 after 2.93.2: neither its major's pointer nor latest goes back.
    expect(maintenanceRule('2.93.1', ['2.93.0', '2.93.2'])).toMatchObject({
      mayMoveLatest: false,
      mayMoveMajor: false,
      newerInMajor: '2.93.2',
    });
    expect(maintenanceRule('2.93.1', ['v2.93.2']).mayMoveMajor).toBe(false);
    // 2.93.3 while 2.94.0 exists: 2.93 follows it, latest stays on 2.94.0.
    expect(maintenanceRule('2.93.3', ['2.93.2', '2.94.0'])).toMatchObject({
      mayMoveLatest: false,
      mayMoveMajor: true,
      newerRelease: '2.94.0',
      newerInMajor: undefined,
    });
  });
});

describe('releaseTags', () => {
  test('the checkout’s tags and the remote’s; an unreachable remote adds none', async () => {
    const remote = makeBareRemote();
    const repo = makeRepo({ 'a.txt': 'a' });
    git(repo, 'tag', '2.92.0');
    git(repo, 'tag', '-a', '-m', 'annotated', '2.93.0');
    git(repo, 'push', '-q', remote, '--tags');
    git(repo, 'tag', '-d', '2.93.0');
    git(repo, 'tag', 'local-only');
    const g = new Git(repo, silentLogger);
    expect((await releaseTags(g, { isRepo: true })).sort()).toEqual(['2.92.0', 'local-only']);
    // Annotated tags appear once (the peeled ^{} line is not a tag).
    expect((await releaseTags(g, { isRepo: true, remote })).sort()).toEqual([
      '2.92.0',
      '2.93.0',
      'local-only',
    ]);
    expect((await releaseTags(g, { isRepo: true, remote: `${tmpDir()}/nowhere` })).sort()).toEqual([
      '2.92.0',
      'local-only',
    ]);
    // Outside a checkout only the remote counts.
    const outside = new Git(tmpDir(), silentLogger);
    expect((await releaseTags(outside, { isRepo: false, remote })).sort()).toEqual(['2.92.0', '2.93.0']);
  });

  test('readMaintenanceRule: a newer release on the remote holds latest back', async () => {
    const remote = makeBareRemote();
    const repo = makeRepo({ 'a.txt': 'a' });
    git(repo, 'tag', '2.94.0');
    git(repo, 'push', '-q', remote, '--tags');
    git(repo, 'tag', '-d', '2.94.0');
    const g = new Git(repo, silentLogger);
    expect((await readMaintenanceRule(g, '2.93.1', { isRepo: true })).mayMoveLatest).toBe(true);
    expect(await readMaintenanceRule(g, '2.93.1', { isRepo: true, remote })).toMatchObject({
      mayMoveLatest: false,
      newerRelease: '2.94.0',
    });
  });
});

describe('maintenance rule', () => {
  test('versions compare numerically, pre-releases first', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBe(1);
    expect(compareVersions('2.91.0-rc1', '2.91.0')).toBe(-1);
    expect(compareVersions('2.91', '2.91.0')).toBe(0);
  });
  test('a release older than a released version may not move latest', () => {
    expect(mayMoveLatest('2.90.2', ['2.90.1', '2.91.0', 'junk'])).toBe(false);
    expect(mayMoveLatest('2.91.1', ['2.90.1', '2.91.0'])).toBe(true);
    expect(mayMoveLatest('2.92.0', [])).toBe(true);
  });
});
