import type { Git } from './git.js';

/**
 * The tag stage's merge-back commit (the reference's `git merge -s ours VERSION`): made by tag, looked for
 * by publish's push-branch to find the branch that carries the release.
 */
export function mergeBackSubject(version: string): string {
  return `release: merge release ${version} back to mainline`;
}

/** The whole message: the subject, the reference's body, and `trailer` (the tool's line). */
export function mergeBackMessage(version: string, trailer: string): string {
  return `${mergeBackSubject(version)}\n\nThis merge commit returns to the previous state prior to the release but leaves the tag in the branch history.\n${trailer}`;
}

/** Whether the history of `oid` holds the merge-back of `version`. */
export async function hasMergeBack(git: Git, version: string, oid: string): Promise<boolean> {
  // git's --grep is a basic regular expression: escape what is special there (not `+?(){}|`, literal in it).
  const subject = mergeBackSubject(version).replace(/[.*[\]^$\\]/g, '\\$&');
  return (await git.out(['log', '--format=%H', '--merges', `--grep=^${subject}$`, '-1', oid])) !== '';
}
