import type { GitPushMode } from '../config/schema.js';
import { RelengError } from '../errors.js';
import { tail } from '../exec.js';
import type { Git } from '../git/git.js';
import { hasMergeBack } from '../git/merge-back.js';
import { pushRef, type RefPush, refState, remoteRefs } from '../git/push.js';
import type { Logger } from '../log.js';
import { newStep, type PlanStep } from './plan.js';

export interface BranchPush {
  name: string;
  /** Where the branch stands on the remote (`push.ref` = refs/heads/NAME) against the local one. */
  push: RefPush;
  /** Where it is pushed: refs/heads/NAME, or refs/for/NAME for review on Gerrit. */
  to: string;
  /** What execute does, decided here: push it, push it for review (Gerrit), or leave it (`why`). */
  action: 'push' | 'review' | 'none';
  why?: string;
  /** Create the local branch too (the new-major maintenance branch). */
  createLocal?: boolean;
}

export interface TagPush extends RefPush {
  /** Move the remote's tag (`force-push-tag`, decided when planning): `git push -f`. */
  force: boolean;
}

export interface GitPlan {
  remote: string;
  mode: GitPushMode;
  tag?: TagPush;
  branch?: BranchPush;
  /** For a new major (X.Y.0): the maintenance branch release-X.Y. */
  maintenance?: BranchPush;
  notes: string[];
  problems: string[];
}

/** `release-X.Y` for a new major's first release (X.Y.0), the seed's hand step; else undefined. */
export function maintenanceBranch(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.0$/.exec(version);
  return m ? `release-${m[1]}.${m[2]}` : undefined;
}

/** Gerrit's answer to a commit already under review (or merged): the change exists, nothing to do. */
const NO_NEW_CHANGES = /no new changes/i;

/**
 * Where the tag and branches stand on the remote, and whether we may push them — checked with
 * `git push --dry-run`, which authenticates with push scope and sees refusals, writing nothing. Decided
 * here, carried out by executeGit: the branch (fast-forward, or for review on Gerrit), then a new major's
 * release-X.Y, then the tag — the forge must know the commit a tag names before it gets the tag.
 */
export async function planGit(
  git: Git,
  remote: string,
  version: string,
  o: { tag: boolean; branch: boolean; forcePushTag: boolean; mode?: GitPushMode },
): Promise<GitPlan> {
  const mode = o.mode ?? 'direct';
  const plan: GitPlan = { remote, mode, notes: [], problems: [] };
  let refs: Map<string, string>;
  try {
    refs = await remoteRefs(git, remote);
  } catch (e) {
    plan.problems.push((e as Error).message);
    return plan;
  }
  let history: Promise<string | undefined> | undefined;
  const check = async (p: { oid: string; ref: string }, force = false) => {
    // A push needs history the remote may lack; --dry-run cannot see a remote's shallow refusal.
    history ??= fullHistory(git);
    const problem = await history;
    if (problem) {
      if (!plan.problems.includes(problem)) plan.problems.push(problem);
      return;
    }
    try {
      await pushRef(git, remote, p.oid, p.ref, { force, dryRun: true });
    } catch (e) {
      plan.problems.push((e as Error).message);
    }
  };

  if (o.tag) {
    const oid = (
      await git.run(['rev-parse', '--verify', '--quiet', `refs/tags/${version}`], { allowFailure: true })
    ).stdout.trim();
    if (!oid)
      plan.problems.push(
        `tag ${version} is not in the checkout ${git.dir}; run the tag stage (or fetch the tag), or pass skip: tag`,
      );
    else {
      const state = await refState(git, refs, `refs/tags/${version}`, oid);
      plan.tag = { ...state, force: state.state === 'different' && o.forcePushTag };
      if (plan.tag.state === 'same') plan.notes.push(`tag ${version}: on ${remote} already`);
      else if (plan.tag.state === 'absent') {
        plan.notes.push(`tag ${version}: to push to ${remote}`);
        await check(plan.tag);
      } else if (!o.forcePushTag)
        plan.problems.push(
          `tag ${version} on ${remote} is ${plan.tag.remoteOid?.slice(0, 12)}, not ours (${oid.slice(0, 12)}); pass force-push-tag to move it`,
        );
      else {
        plan.notes.push(`tag ${version}: to move on ${remote} (force-push-tag)`);
        await check(plan.tag, true);
      }
    }
  }

  if (o.branch) {
    const branch = await releaseBranch(git, version);
    if (!branch)
      plan.problems.push(
        `push-branch: no local branch carries release ${version} (the tag stage's merge-back); check out the branch it was merged into`,
      );
    else {
      const push = await refState(git, refs, `refs/heads/${branch.name}`, branch.oid);
      const to = mode === 'gerrit' ? `refs/for/${branch.name}` : push.ref;
      plan.branch = { name: branch.name, push, to, action: 'none', why: 'already there' };
      if (push.state === 'same' || push.state === 'ahead')
        plan.notes.push(`branch ${branch.name}: on ${remote} already`);
      else if (mode === 'gerrit') {
        plan.branch.action = 'review';
        // Gerrit merges the review later: a branch that moved on meanwhile is no reason to stop.
        plan.notes.push(`branch ${branch.name}: to push for review to ${to} on ${remote}, before the tag`);
        await check({ oid: branch.oid, ref: to });
      } else if (push.state === 'different')
        plan.problems.push(
          `branch ${branch.name} on ${remote} has diverged from the local one; merge ${remote}'s ${branch.name} into it first`,
        );
      else {
        plan.branch.action = 'push';
        plan.notes.push(`branch ${branch.name}: to push to ${remote}, before the tag`);
        await check(push);
      }
      const name = maintenanceBranch(version);
      if (name) {
        // A new branch even on Gerrit (its Create Reference right): refs/for/ needs an existing branch.
        const mPush = await refState(git, refs, `refs/heads/${name}`, branch.oid);
        const createLocal = !(await git.ok(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`]));
        const pending = mPush.state === 'absent' || mPush.state === 'behind';
        const why = mPush.state === 'different' ? 'left alone (diverged)' : 'already there';
        plan.maintenance = {
          name,
          push: mPush,
          to: mPush.ref,
          createLocal,
          action: pending ? 'push' : 'none',
          why,
        };
        if (pending) {
          plan.notes.push(`branch ${name}: new major — to create at ${branch.oid.slice(0, 12)} and push`);
          await check(mPush);
        } else if (mPush.state === 'different')
          plan.notes.push(`branch ${name}: exists on ${remote} at another commit; left alone`);
        else plan.notes.push(`branch ${name}: on ${remote} already`);
      }
    }
  }
  return plan;
}

/**
 * A shallow clone (actions/checkout's default) cannot push a tag to a remote without its history: the
 * remote refuses ("shallow update not allowed"). Fetch the rest from origin before the first push is
 * checked; if that is impossible, say how to check out instead.
 */
async function fullHistory(git: Git): Promise<string | undefined> {
  if ((await git.out(['rev-parse', '--is-shallow-repository'])) !== 'true') return undefined;
  const r = await git.run(['fetch', '--quiet', '--unshallow', '--no-tags', 'origin'], { allowFailure: true });
  if (r.code === 0) return undefined;
  return `${git.dir} is a shallow clone, and its history could not be fetched from origin (${tail(r.stderr, 1)}); a shallow clone cannot push the tag — check out with full history (actions/checkout: fetch-depth: 0)`;
}

/** The branch the tag stage merged the release into: a local branch containing the release, its merge-back first. */
async function releaseBranch(git: Git, version: string): Promise<{ name: string; oid: string } | undefined> {
  const commit = (
    await git.run(['rev-parse', '--verify', '--quiet', `${version}^{commit}`], { allowFailure: true })
  ).stdout.trim();
  if (!commit) return undefined;
  const out = await git.out([
    'for-each-ref',
    '--contains',
    commit,
    '--format=%(refname:short) %(objectname)',
    'refs/heads/',
  ]);
  const branches = out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, oid] = l.split(' ');
      return { name: name!, oid: oid! };
    })
    // The maintenance branch a new major creates at the same commit is not the release branch.
    .filter((b) => b.name !== maintenanceBranch(version));
  if (branches.length <= 1) return branches[0];
  for (const b of branches) if (await hasMergeBack(git, version, b.oid)) return b;
  throw new RelengError(
    `push-branch: several local branches carry release ${version} (${branches.map((b) => b.name).join(', ')}); keep only the one to push`,
  );
}

export interface GitOutcome {
  rows: string[][];
}

/**
 * The branch, the maintenance branch, then the tag — each only when the plan says the remote lacks it. A
 * re-run finds each already there (on Gerrit, a change already under review is "no new changes").
 */
export async function executeGit(git: Git, plan: GitPlan, log: Logger): Promise<GitOutcome> {
  const rows: string[][] = [];
  for (const b of [plan.branch, plan.maintenance]) {
    if (!b) continue;
    if (b.createLocal) await git.run(['branch', '--no-track', b.name, b.push.oid]);
    if (b.action === 'none') {
      rows.push([b.push.ref, b.why ?? 'already there', plan.remote]);
      continue;
    }
    try {
      await pushRef(git, plan.remote, b.push.oid, b.to);
    } catch (e) {
      // Gerrit's answer to a change it has already: what a re-run meets, not a failure.
      if (b.action !== 'review' || !NO_NEW_CHANGES.test((e as Error).message)) throw e;
      rows.push([b.to, 'already under review', plan.remote]);
      continue;
    }
    log.info(`pushed ${b.to} to ${plan.remote}`);
    rows.push([b.to, b.action === 'review' ? 'pushed for review' : 'pushed', plan.remote]);
  }
  if (plan.tag) {
    const t = plan.tag;
    if (t.state === 'same') rows.push([t.ref, 'already there', plan.remote]);
    else {
      await pushRef(git, plan.remote, t.oid, t.ref, { force: t.force });
      log.info(`pushed ${t.ref} to ${plan.remote}`);
      rows.push([t.ref, t.state === 'absent' ? 'pushed' : 'moved (force-push-tag)', plan.remote]);
    }
  }
  return { rows };
}

/** The tag and branch steps of the plan, with the git plan's notes (and why a step does not run). */
export function gitSteps(
  plan: GitPlan | undefined,
  o: { remote?: string; tagSkipped?: string; branchSkipped?: string },
): [PlanStep, PlanStep] {
  const notes = plan?.notes ?? [];
  return [
    newStep('tag', {
      target: o.remote,
      notes: notes.filter((n) => n.startsWith('tag')),
      skipped: o.tagSkipped,
    }),
    newStep('branch', {
      target: o.remote,
      notes: notes.filter((n) => !n.startsWith('tag')),
      skipped: o.branchSkipped,
    }),
  ];
}
