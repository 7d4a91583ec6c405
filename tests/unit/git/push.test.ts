// src/git/push.ts: remotes resolved, their refs read, where a ref stands, and pushes (dry runs included).
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { gitComplaint, pushRef, refState, remoteRefs, resolveRemote } from '../../../src/git/push.js';
import { git, makeBareRemote, makeRepo } from '../../helpers/git.js';

describe('pushing refs', () => {
  test('remotes: URLs and scp-like stay, paths are relative to the checkout', () => {
    expect(resolveRemote('ssh://git@host/x', '/co')).toBe('ssh://git@host/x');
    expect(resolveRemote('git@github.com:o/r', '/co')).toBe('git@github.com:o/r');
    expect(resolveRemote('../remote.git', '/co/project')).toBe(path.resolve('/co/remote.git'));
  });

  test('where a ref stands: absent, same, behind (a fast-forward), ahead, different', async () => {
    const remote = makeBareRemote();
    const dir = makeRepo({ a: '1' });
    const g = new Git(dir);
    const first = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'push', '-q', remote, 'HEAD:refs/heads/main');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'second');
    const second = git(dir, 'rev-parse', 'HEAD');
    const refs = await remoteRefs(g, remote);
    expect(refs.get('refs/heads/main')).toBe(first);
    expect((await refState(g, refs, 'refs/heads/other', second)).state).toBe('absent');
    expect((await refState(g, refs, 'refs/heads/main', first)).state).toBe('same');
    expect(await refState(g, refs, 'refs/heads/main', second)).toEqual({
      oid: second,
      ref: 'refs/heads/main',
      state: 'behind',
      remoteOid: first,
    });
    git(dir, 'push', '-q', remote, 'HEAD:refs/heads/main');
    const ahead = await remoteRefs(g, remote);
    expect((await refState(g, ahead, 'refs/heads/main', first)).state).toBe('ahead');
    git(dir, 'checkout', '-q', '--orphan', 'lonely');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'unrelated');
    expect((await refState(g, ahead, 'refs/heads/main', git(dir, 'rev-parse', 'HEAD'))).state).toBe(
      'different',
    );
  });

  test('a push: a dry run writes nothing; a refusal is one line with the reason; force moves it', async () => {
    const remote = makeBareRemote();
    const dir = makeRepo({ a: '1' });
    const g = new Git(dir);
    const head = git(dir, 'rev-parse', 'HEAD');
    await pushRef(g, remote, head, 'refs/tags/t', { dryRun: true });
    expect((await remoteRefs(g, remote)).size).toBe(0);
    await pushRef(g, remote, head, 'refs/tags/t');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'next');
    const next = git(dir, 'rev-parse', 'HEAD');
    await expect(pushRef(g, remote, next, 'refs/tags/t')).rejects.toThrow(
      new RegExp(`^git push of refs/tags/t to ${remote} was rejected: `),
    );
    await pushRef(g, remote, next, 'refs/tags/t', { force: true });
    expect((await remoteRefs(g, remote)).get('refs/tags/t')).toBe(next);
  });

  test('an unreachable remote: one line naming it, what to check', async () => {
    await expect(remoteRefs(new Git(makeRepo({ a: '1' })), '/nonexistent/remote.git')).rejects.toThrow(
      /^git remote \/nonexistent\/remote\.git is not reachable: .*; check git-remote in releng\.yml and the credentials$/,
    );
  });

  test('a remote that git could read as an option is refused before git runs; git gets `--` before the remote', async () => {
    expect(() => resolveRemote('--upload-pack=touch PWNED;x@y:z', '/co')).toThrow(/is not a git remote/);
    const calls: string[][] = [];
    const recording = {
      dir: '/co',
      run: async (args: string[]) => {
        calls.push(args);
        return { code: 0, stdout: '', stderr: '' };
      },
    } as unknown as Git;
    await expect(remoteRefs(recording, 'ext::sh -c x')).rejects.toThrow(/transport helper/);
    await remoteRefs(recording, '/srv/r.git', ['refs/tags/*']);
    await pushRef(recording, '/srv/r.git', 'a'.repeat(40), 'refs/tags/1.0.0', { dryRun: true });
    expect(calls).toEqual([
      ['ls-remote', '--', '/srv/r.git', 'refs/tags/*'],
      ['push', '--porcelain', '--dry-run', '--', '/srv/r.git', `${'a'.repeat(40)}:refs/tags/1.0.0`],
    ]);
    await expect(pushRef(recording, '/srv/r.git', '--force', 'refs/tags/1.0.0')).rejects.toThrow(
      /is not a git object id/,
    );
    await expect(pushRef(recording, '/srv/r.git', 'a'.repeat(40), 'refs/tags/-x')).rejects.toThrow(/refused/);
  });

  test("a server's answer that is not an object id never reaches git's command line", async () => {
    const hostile = {
      dir: '/co',
      run: async () => ({ code: 0, stdout: '--upload-pack=touch PWNED\trefs/heads/main\n', stderr: '' }),
    } as unknown as Git;
    await expect(remoteRefs(hostile, '/srv/r.git')).rejects.toThrow(
      /^git remote \/srv\/r\.git, ref refs\/heads\/main: '--upload-pack=touch PWNED' is not a git object id$/,
    );
  });

  test("git's boilerplate is dropped so ssh's reason shows", () => {
    expect(
      gitComplaint(
        'root@h: Permission denied (publickey).\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n',
      ),
    ).toBe('root@h: Permission denied (publickey).');
  });
});
