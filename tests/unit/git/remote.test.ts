// src/git/remote.ts: what may reach git as a remote, a ref or an object id.
import { describe, expect, test } from 'vitest';
import { checkOid, checkRef, checkRemote, refProblem, remoteProblem } from '../../../src/git/remote.js';

describe('remotes', () => {
  test.each([
    'ssh://git@git.lix.systems/lix-project/lix-releng-staging',
    'ssh://releng@gerrit.lix.systems:2022/lix',
    'git@github.com:lix-project/lix.git',
    'https://user:token@github.com/o/r.git',
    'git+ssh://host/r',
    'file:///srv/git/r.git',
    '/srv/git/r.git',
    '../releng-target',
    '.releng/local/remote.git',
  ])('accepted: %s', (remote) => {
    expect(remoteProblem(remote)).toBeUndefined();
  });

  test.each([
    ['--upload-pack=touch PWNED;x@y:z', /starts with "-", so git would read it as an option/],
    ['-q', /starts with "-"/],
    ['ext::sh -c touch% PWNED', /transport helper address \(ext::\)/],
    ['fd::3', /transport helper address \(fd::\)/],
    ['foo::https://host/r', /transport helper address \(foo::\)/],
    ['ssh://-oProxyCommand=x/r', /its host starts with "-"/],
    ['ssh://[-oProxyCommand=x]/r', /its host starts with "-"/],
    ['ssh://-x@host/r', /its user starts with "-"/],
    ['git@-oProxyCommand=x:r', /its host starts with "-"/],
    ['-oProxyCommand=x:r', /starts with "-"/],
    ['gopher://host/r', /the transport gopher:\/\//],
    ['/srv/r.git\n--upload-pack=x', /a control character/],
    ['', /an empty remote/],
  ])('refused: %j', (remote, why) => {
    expect(remoteProblem(remote)).toMatch(why);
    expect(() => checkRemote(remote)).toThrow(/^git-remote: '.*' is not a git remote: /s);
  });
});

describe('refs and object ids', () => {
  test('refs as we push them pass; what git would not take, or could read as an option, is refused', () => {
    for (const ref of ['refs/heads/main', 'refs/for/main', 'refs/heads/release-2.93', 'refs/tags/2.93.0-rc1'])
      expect(refProblem(ref)).toBeUndefined();
    expect(refProblem('main')).toMatch(/not a full ref name/);
    expect(refProblem('--force')).toMatch(/not a full ref name/);
    expect(refProblem('refs/heads/-f')).toMatch(/starts with "." or "-"/);
    expect(refProblem('refs/heads/a..b')).toMatch(/a character git does not allow/);
    expect(refProblem('refs/heads/a b')).toMatch(/a character git does not allow/);
    expect(refProblem('refs/tags/x.lock')).toMatch(/an ending git does not allow/);
    expect(() => checkRef('refs/heads/-x')).toThrow(/^git ref 'refs\/heads\/-x' refused: /);
  });

  test('object ids: 40 or 64 lower-case hex digits, nothing else (a server answer is not trusted)', () => {
    expect(() => checkOid('a'.repeat(40), 'x')).not.toThrow();
    expect(() => checkOid('b'.repeat(64), 'x')).not.toThrow();
    expect(() => checkOid('--upload-pack=x', 'git remote r, ref refs/heads/main')).toThrow(
      /^git remote r, ref refs\/heads\/main: '--upload-pack=x' is not a git object id$/,
    );
  });
});
