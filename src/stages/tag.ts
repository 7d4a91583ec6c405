import fs from 'node:fs';
import path from 'node:path';
import { FLAKE_OFFICIAL_RE, readVersionInfo, updateVersionJson } from '../config/version.js';
import { RelengError } from '../errors.js';
import { Git, type GitIdentity } from '../git/git.js';
import { mergeBackMessage } from '../git/merge-back.js';
import type { Logger } from '../log.js';

const RELENG_MSG = 'Release produced with releng-actions';

export interface TagOptions {
  dir: string;
  forceTag: boolean;
  noCheckGit: boolean;
  identity: GitIdentity;
  log: Logger;
}

export interface TagResult {
  version: string;
  tag: string;
  /** The tagged release commit. */
  commit: string;
  /** The branch the release was merged back into. */
  branch: string;
}

/**
 * Lix's tag step: on a detached HEAD, flip official_release and commit `release: VERSION "NAME"`, tag it,
 * then merge it back into the branch with `-s ours` (history link, tree unchanged) and detach onto the tag.
 */
export async function tag(o: TagOptions): Promise<TagResult> {
  const git = new Git(o.dir, o.log, o.identity);
  if (!(await git.isRepo()))
    throw new RelengError(`${o.dir}: not a git repository; run tag in the project's checkout`);

  // 1. Preconditions, all before the first change.
  if (!o.noCheckGit) await git.checkClean();
  const info = readVersionInfo(o.dir);
  const { version, releaseName } = info;
  if (info.officialRelease)
    throw new RelengError(
      `${info.officialSource === 'flake.nix' ? 'flake.nix' : 'version.json'}: official_release is already true; was ${version} tagged already? Set it back to false to release again`,
    );
  const branch = await git.currentBranch();
  if (!branch)
    throw new RelengError(
      `${o.dir}: HEAD is detached, so there is no branch to merge the release back into; check out the branch to release from`,
    );
  if ((await git.tagExists(version)) && !o.forceTag)
    throw new RelengError(
      `tag ${version} already exists; delete it, bump the version, or pass force-tag to move it`,
    );

  // 2. The release commit on a detached HEAD.
  const message = `release: ${version} "${releaseName}"\n\n${RELENG_MSG}`;
  await git.run(['checkout', '-q', '--detach']);
  try {
    setOfficial(o.dir, info.officialSource);
    // Only the version file, as the reference: with no-check-git other edits stay uncommitted.
    await git.run(['add', '--', info.officialSource]);
    await git.run(['commit', '-q', '-m', message]);
    await git.run(['tag', '-a', ...(o.forceTag ? ['-f'] : []), version, '-m', message]);
  } catch (err) {
    // Leave the checkout as it was found: the version file restored, back on the branch. Never -f: with
    // no-check-git the tree may hold the user's own edits.
    await git.run(['reset', '-q', '--', info.officialSource], { allowFailure: true });
    await git.run(['checkout', '-q', '--', info.officialSource], { allowFailure: true });
    await git.run(['checkout', '-q', branch], { allowFailure: true });
    throw err;
  }
  const commit = await git.out(['rev-parse', `${version}^{commit}`]);

  // 3. Back to the branch: link the release into its history without changing the tree.
  await git.run(['checkout', '-q', branch]);
  await git.run([
    'merge',
    '-q',
    '-s',
    'ours',
    '--no-edit',
    version,
    '-m',
    mergeBackMessage(version, RELENG_MSG),
  ]);

  // 4. Leave HEAD on the tag, where build and publish expect it.
  await git.run(['checkout', '-q', '--detach', version]);
  o.log.info(`tagged ${version} at ${commit.slice(0, 12)} and merged it back into ${branch}`);
  return { version, tag: version, commit, branch };
}

function setOfficial(dir: string, source: 'version.json' | 'flake.nix'): void {
  if (source === 'version.json') {
    updateVersionJson(path.join(dir, 'version.json'), { official_release: true });
    return;
  }
  const file = path.join(dir, 'flake.nix');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace(FLAKE_OFFICIAL_RE, '$1officialRelease = true;'));
}
