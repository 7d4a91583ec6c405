import { type EnvironmentConfig, gitPushMode } from '../config/schema.js';
import type { ForgeClient } from '../forge/client.js';
import { openForge } from '../forge/open.js';
import { Git } from '../git/git.js';
import { resolveRemote } from '../git/push.js';
import type { SshSession } from '../git/ssh.js';
import type { Logger } from '../log.js';
import { parseSigningKey, type SigningKey } from '../nix/sign.js';
import type { S3Tuning } from '../tuning.js';
import { type Destinations, openDestinations } from './destinations.js';
import type { DockerRequest, DockerStep } from './docker.js';
import { type GitPlan, planGit } from './git-steps.js';
import { type DestinationName, type PlanStep, type Want, writes } from './plan.js';
import { type PointerRule, pointerRule } from './pointer-rule.js';
import type { ReleaseInput } from './release-input.js';

export interface PreflightOptions {
  /** The project checkout. */
  dir: string;
  environmentName: string;
  environment: EnvironmentConfig;
  version: string;
  release: ReleaseInput;
  want: Want;
  noCheckGit: boolean;
  forcePushTag: boolean;
  forgeToken?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  s3Tuning?: S3Tuning;
  /** The docker step, and its request but for what preflight decides (`latest`, `major`). */
  docker: { step: DockerStep; request: Omit<DockerRequest, 'latest' | 'pushImages'> };
  processEnv: NodeJS.ProcessEnv;
  /** The run's ssh setup (ssh-key, known-hosts): for git and the S3 credentials command. */
  ssh?: SshSession;
  log: Logger;
}

/** What preflight learned, and every problem it found (an empty list: publish may go on to plan). */
export interface Preflight {
  destinations: Destinations;
  git: Git;
  /** The environment's git remote, resolved. */
  remote?: string;
  /** Where the tag and branches stand on the remote, and what to push (with `force` decided). */
  gitPlan?: GitPlan;
  key?: SigningKey;
  /** The maintenance rule for this release's pointers. */
  rule: PointerRule;
  forge?: ForgeClient;
  /** Why there is no release page (no forge, no token), for the plan. */
  forgeNotes: string[];
  /** The docker step's request, when the step runs. */
  docker?: DockerRequest;
  problems: string[];
}

/**
 * Everything checked before anything is written, every problem together: the destinations (reachable,
 * credentials valid), on the tag with a clean tree, the git remote and push access, the signing key, the
 * cache's source, the registries, the forge token.
 */
export async function preflight(o: PreflightOptions): Promise<Preflight> {
  const { want, version } = o;
  const problems: string[] = [];
  const needed: DestinationName[] = [];
  if (want.cache) needed.push('cache');
  if (want.releases) needed.push('releases');
  if (want.installers) needed.push('install');
  if (want.docs) needed.push('docs');
  const opened = await openDestinations(
    {
      environmentName: o.environmentName,
      environment: o.environment,
      dir: o.dir,
      processEnv: o.processEnv,
      log: o.log,
      s3AccessKeyId: o.s3AccessKeyId,
      s3SecretAccessKey: o.s3SecretAccessKey,
      s3Tuning: o.s3Tuning,
      commandEnv: o.ssh?.commandEnv,
    },
    needed,
  );
  problems.push(...opened.problems);

  const git = new Git(o.dir, o.log, undefined, o.ssh?.gitEnv);
  const isRepo = await git.isRepo();
  if (!o.noCheckGit) {
    if (!isRepo)
      problems.push(
        `${o.dir}: not a git repository; publish from the release's checkout, or pass no-check-git`,
      );
    else await git.checkOnTag(version).catch((e: Error) => problems.push(e.message));
  }
  let remote: string | undefined;
  try {
    remote = o.environment['git-remote'] ? resolveRemote(o.environment['git-remote'], o.dir) : undefined;
  } catch (e) {
    problems.push((e as Error).message);
  }
  let gitPlan: GitPlan | undefined;
  if (want.tag || want.branch) {
    if (!remote)
      problems.push(
        `environment '${o.environmentName}' has no git-remote in releng.yml; add one or pass skip: tag`,
      );
    else if (!isRepo)
      problems.push(`${o.dir}: not a git repository, so there is no tag to push; pass skip: tag`);
    else {
      gitPlan = await planGit(git, remote, version, {
        tag: want.tag,
        branch: want.branch,
        forcePushTag: o.forcePushTag,
        mode: gitPushMode(o.environment),
      });
      problems.push(...gitPlan.problems);
      // Gerrit refuses a tag naming a commit it does not know: the branch goes for review first (Lix).
      if (gitPlan.mode === 'gerrit' && gitPlan.tag && gitPlan.tag.state !== 'same' && !want.branch)
        problems.push(
          `environment '${o.environmentName}' pushes to Gerrit (git-push: gerrit), which must get the branch for review before the tag; pass push-branch: true, or skip: tag`,
        );
    }
  }

  const signing = want.cache ? readSigningKey(o.environment, o.processEnv, o.log) : {};
  if (signing.problem) problems.push(signing.problem);
  if (want.cache && o.release.cache.kind === 'none')
    problems.push(
      `cache: nothing to publish — ${o.release.cache.why}; pass skip: cache to publish without it`,
    );

  const rule = await pointerRule(git, isRepo, remote, version);
  // The image pointers move in the pointer phase even when an earlier job pushed the images (skip: docker).
  const docker =
    want.docker || (want.dockerPointers && o.environment.registries.length > 0)
      ? { ...o.docker.request, pushImages: want.docker, latest: rule.mayMove, major: rule.mayMoveMajor }
      : undefined;
  if (docker) problems.push(...(await o.docker.step.preflight(docker)));

  const forge = want.page
    ? await openForgeChecked(o.environmentName, o.environment, o.forgeToken)
    : { problems: [], notes: [] };
  problems.push(...forge.problems);

  await Promise.all(
    [...opened.destinations.values()].map(async (d) => problems.push(...(await d.sink.check()))),
  );
  return {
    destinations: opened.destinations,
    git,
    remote,
    gitPlan,
    key: signing.key,
    rule,
    forge: forge.client,
    forgeNotes: forge.notes,
    docker,
    problems,
  };
}

/**
 * The last check before the first write, once the plan is known: write access, probed only on the
 * destinations the plan writes to (a re-run that writes nothing probes nothing); none in a dry run.
 */
export async function probeWrites(
  steps: readonly PlanStep[],
  destinations: Destinations,
  o: { dryRun: boolean; cacheInfo: boolean },
): Promise<string[]> {
  if (o.dryRun) return [];
  const writing = new Set(
    steps
      .flatMap((s) => s.objects)
      .filter((x) => writes(x) || x.action === 'delete')
      .map((x) => x.dest),
  );
  if (o.cacheInfo) writing.add('cache');
  const problems: string[] = [];
  for (const d of writing) problems.push(...((await destinations.get(d)?.sink.checkWrite()) ?? []));
  return problems;
}

/** The environment's cache signing key (`signing-key.env` names the variable); none without one. */
export function readSigningKey(
  environment: EnvironmentConfig,
  processEnv: NodeJS.ProcessEnv,
  log: Logger,
): { key?: SigningKey; problem?: string } {
  const spec = environment['signing-key'];
  if (!spec) return {};
  const text = processEnv[spec.env];
  if (!text)
    return {
      problem: `signing key: $${spec.env} is not set (releng.yml signing-key.env); pass the secret in the step's env`,
    };
  try {
    return { key: parseSigningKey(text, spec.env, log) };
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

/**
 * The forge client for the release page, with the token checked (valid, push access) — or none, with the
 * reason in `notes`, when the environment has no forge or no token was given.
 */
export async function openForgeChecked(
  environmentName: string,
  environment: EnvironmentConfig,
  token: string | undefined,
): Promise<{ client?: ForgeClient; problems: string[]; notes: string[] }> {
  if (!environment.forge) {
    const notes = token
      ? [`forge-token given, but environment '${environmentName}' has no forge in releng.yml`]
      : [];
    return { problems: [], notes };
  }
  if (!token) return { problems: [], notes: ['no forge-token: the release page is left alone'] };
  const client = openForge(environment.forge, token);
  try {
    return { client, problems: await client.checkAccess(), notes: [] };
  } catch (e) {
    return { client, problems: [(e as Error).message], notes: [] };
  }
}
