// git-push: gerrit against a Gerrit-like remote: a bare repository whose hooks do what Gerrit does with a
// push — refs/for/BRANCH becomes a change (refs/changes/N; the magic ref itself is never stored), a commit
// already in a change is "no new changes", a branch is never updated directly (only a new release-X.Y
// created, Gerrit's Create Reference right), and a tag is accepted only for a commit Gerrit knows. The
// update hook records every ref received, in order, with its verdict. publish runs as the CLI (from source)
// with push-branch, as Lix's release does: refs/for/main, then release-2.93 (a new major), then the tag.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Git } from '../../../src/git/git.js';
import { pushRef } from '../../../src/git/push.js';
import { silentLogger } from '../../../src/log.js';
import { git, makeBareRemote } from '../../helpers/git.js';
import { gitReleaseCheckout, publishGit, refsOf, VERSION } from '../../helpers/git-release.js';

const UPDATE_HOOK = `#!/bin/sh
ref=$1 old=$2 new=$3
zero=0000000000000000000000000000000000000000
verdict() { echo "$ref $1" >> received.log; }
case "$ref" in
  refs/for/*)
    if [ -n "$(git for-each-ref --contains "$new" refs/changes/)" ]; then
      verdict refused; echo "no new changes" >&2; exit 1
    fi
    verdict accepted; exit 0 ;;
  refs/tags/*)
    commit=$(git rev-parse "$new^{commit}")
    if [ -z "$(git for-each-ref --contains "$commit" refs/heads/ refs/changes/)" ]; then
      verdict refused; echo "prohibited by Gerrit: commit $commit is not known; push it for review first" >&2; exit 1
    fi
    verdict accepted; exit 0 ;;
  refs/heads/release-*)
    if [ "$old" = "$zero" ]; then verdict accepted; exit 0; fi ;;
esac
verdict refused; echo "prohibited by Gerrit: not permitted: update $ref" >&2; exit 1
`;

// A change per push for review; the refs/for/ ref itself disappears, as on Gerrit.
const POST_RECEIVE_HOOK = `#!/bin/sh
while read old new ref; do
  case "$ref" in
    refs/for/*)
      n=$(($(git for-each-ref refs/changes/ | wc -l) + 1))
      git update-ref "refs/changes/$n" "$new"
      git update-ref -d "$ref" ;;
  esac
done
`;

/**
 * A release checkout and its remote, whose main is the checkout's main before the release commit, with
 * the given hooks.
 */
function checkoutAndRemote(environment: object, hooks: Record<string, string>) {
  const remote = makeBareRemote();
  const dir = gitReleaseCheckout({ staging: { 'git-remote': remote, ...environment } });
  git(dir, 'push', '-q', remote, 'main~1:refs/heads/main');
  for (const [name, text] of Object.entries(hooks))
    fs.writeFileSync(path.join(remote, 'hooks', name), text, { mode: 0o755 });
  return { dir, remote };
}
const GERRIT = { update: UPDATE_HOOK, 'post-receive': POST_RECEIVE_HOOK };

const received = (remote: string) =>
  fs.existsSync(path.join(remote, 'received.log'))
    ? fs.readFileSync(path.join(remote, 'received.log'), 'utf8').trim().split('\n')
    : [];

describe('git-push: gerrit', () => {
  test('the branch goes for review (refs/for/main) before the tag; a re-run finds everything done', async () => {
    const { dir, remote } = checkoutAndRemote({ 'git-push': 'gerrit' }, GERRIT);
    const before = refsOf(remote)['refs/heads/main'];
    const r = await publishGit(dir, 'staging');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(received(remote)).toEqual([
      'refs/for/main accepted',
      'refs/heads/release-2.93 accepted',
      `refs/tags/${VERSION} accepted`,
    ]);
    const release = git(dir, 'rev-parse', 'main');
    const refs = refsOf(remote);
    expect(refs['refs/heads/main']).toBe(before);
    expect(refs['refs/changes/1']).toBe(release);
    expect(refs['refs/heads/release-2.93']).toBe(release);
    expect(refs[`refs/tags/${VERSION}`]).toBe(git(dir, 'rev-parse', `refs/tags/${VERSION}`));
    expect(r.stderr).toMatch(/branch main: to push for review to refs\/for\/main on \S+, before the tag/);
    expect(r.stderr).toMatch(/refs\/for\/main\s+pushed for review/);

    // Again: Gerrit answers "no new changes" for the branch, the rest is there already.
    const again = await publishGit(dir, 'staging');
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(received(remote).slice(3)).toEqual(['refs/for/main refused']);
    expect(again.stderr).toMatch(/refs\/for\/main\s+already under review/);
    expect(again.stderr).toMatch(new RegExp(`refs/tags/${VERSION}\\s+already there`));
    expect(refsOf(remote)).toEqual(refs);
  }, 120_000);

  test('the tag alone to Gerrit is refused before anything is pushed (Gerrit must know the commit first)', async () => {
    const { dir, remote } = checkoutAndRemote({ 'git-push': 'gerrit' }, GERRIT);
    const refs = refsOf(remote);
    const r = await publishGit(dir, 'staging', { pushBranch: false });
    expect(r.status).toBe(1);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('releng publish: error:')),
    ).toEqual([
      expect.stringMatching(
        /pushes to Gerrit \(git-push: gerrit\), which must get the branch for review before the tag; pass push-branch: true, or skip: tag/,
      ),
    ]);
    expect(received(remote)).toEqual([]);
    expect(refsOf(remote)).toEqual(refs);
  }, 120_000);

  test('the remote itself refuses a tag before its commit (why the order matters), in its own words', async () => {
    const { dir, remote } = checkoutAndRemote({ 'git-push': 'gerrit' }, GERRIT);
    const g = new Git(dir, silentLogger);
    const tag = git(dir, 'rev-parse', `refs/tags/${VERSION}`);
    await expect(pushRef(g, remote, tag, `refs/tags/${VERSION}`)).rejects.toThrow(
      /^git push of refs\/tags\/2\.93\.0 to \S+ was rejected: \[remote rejected\] \(hook declined\) \(remote: prohibited by Gerrit: commit [0-9a-f]{40} is not known; push it for review first\)$/,
    );
    expect(received(remote)).toEqual([`refs/tags/${VERSION} refused`]);
  }, 60_000);
});

describe('git-push: direct', () => {
  test('the branch (fast-forward), release-X.Y, then the tag, in that order', async () => {
    const { dir, remote } = checkoutAndRemote({}, { update: '#!/bin/sh\necho "$1" >> received.log\n' });
    const r = await publishGit(dir, 'staging');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(received(remote)).toEqual(['refs/heads/main', 'refs/heads/release-2.93', `refs/tags/${VERSION}`]);
    expect(refsOf(remote)['refs/heads/main']).toBe(git(dir, 'rev-parse', 'main'));
  }, 120_000);
});
