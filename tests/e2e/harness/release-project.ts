/**
 * The set-up every e2e release shares: the fixture project on a bare "forge" repository with staging
 * and live environments pointing at this test's servers, the release workflow with the fixture's
 * systems, bare git remotes, nix signing keys and the repository secrets — and one way to run the
 * workflow against it. The servers are the caller's (startRegistry/startS3, perhaps behind a recording
 * proxy): the project only needs the addresses our code talks to.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from '../../helpers/action.js';
import { git } from '../../helpers/git.js';
import { NIX_CONFIG } from '../../helpers/nix.js';
import { skopeo } from '../../helpers/skopeo.js';
import { tmpDir } from '../../helpers/tmp.js';
import { type RunOptions, type RunResult, runWorkflow } from './runner.js';
import { S3_KEY } from './servers.js';
import { suiteRemotes, suiteRepository } from './suite.js';

export const FIXTURE = path.join(ROOT, 'tests/fixtures/project');
const TEMPLATE = path.join(ROOT, '.forgejo/workflows/release.yml');
export const BUCKETS = ['cache', 'releases', 'docs', 'install'];
/** Every bucket of both environments (live has no prefix). */
export const ALL_BUCKETS = ['', 'staging-'].flatMap((p) => BUCKETS.map((b) => `${p}${b}`));
export const SYSTEMS = ['x86_64-linux', 'aarch64-linux'];
/** The image repositories of each environment. */
export const REPOS = { staging: 'org/project-staging', live: 'org/project' } as const;

export interface ReleaseProject {
  /** Everything of the test below it. */
  work: string;
  /** The template as the project copies it: its matrix lists the project's systems (the fixture has no darwin). */
  workflow: string;
  /** The forge's repository (bare). */
  forge: string;
  remotes: { staging: string; live: string };
  secrets: Record<string, string>;
  /** The fixture's version (version.json). */
  version: string;
}

function nixKey(name: string): string {
  const dir = tmpDir('releng-e2e-key-');
  execFileSync('nix-store', ['--generate-binary-cache-key', name, `${dir}/sk`, `${dir}/pk`], {
    env: { ...process.env, NIX_CONFIG },
  });
  return fs.readFileSync(`${dir}/sk`, 'utf8').trim();
}

/** A releng.yml environment on these servers; registry tags `{version}`, `{major}` (latest: the rule). */
function environment(name: 'staging' | 'live', hosts: { s3: string; registry: string }, remote: string) {
  const prefix = name === 'live' ? '' : 'staging-';
  return {
    s3: { endpoint: `http://${hosts.s3}`, region: 'us-east-1', 'path-style': true },
    ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${prefix}${b}`])),
    'signing-key': { env: `${name.toUpperCase()}_SIGNING_KEY` },
    registries: [{ ref: `${hosts.registry}/${REPOS[name]}`, tags: ['{version}', '{major}'] }],
    'git-remote': remote,
  };
}

/**
 * The fixture as the forge holds it, its environments on `hosts` (host:port of the S3 server and the
 * registry, as our code reaches them), under `work`.
 */
export function makeReleaseProject(work: string, hosts: { s3: string; registry: string }): ReleaseProject {
  if (!fs.existsSync(path.join(FIXTURE, 'flake.nix')))
    throw new Error(`${FIXTURE}/flake.nix (the fixture project) is missing`);
  const template = fs.readFileSync(TEMPLATE, 'utf8');
  const matrix = '        system: [x86_64-linux, aarch64-linux, aarch64-darwin]\n';
  if (!template.includes(matrix)) throw new Error(`${TEMPLATE} no longer lists the matrix ${matrix.trim()}`);
  const workflow = path.join(work, 'release.yml');
  fs.writeFileSync(workflow, template.replace(matrix, `        system: [${SYSTEMS.join(', ')}]\n`));

  const remotes = { staging: path.join(work, 'staging.git'), live: path.join(work, 'live.git') };
  for (const r of Object.values(remotes)) execFileSync('git', ['init', '-q', '--bare', r]);

  const src = path.join(work, 'src');
  fs.cpSync(FIXTURE, src, { recursive: true });
  const configFile = path.join(src, 'releng.yml');
  const config = (fs.existsSync(configFile) ? parse(fs.readFileSync(configFile, 'utf8')) : {}) ?? {};
  config.environments = {
    ...(config.environments ?? {}),
    staging: environment('staging', hosts, remotes.staging),
    live: environment('live', hosts, remotes.live),
  };
  fs.writeFileSync(configFile, stringify(config));
  const version = JSON.parse(fs.readFileSync(path.join(src, 'version.json'), 'utf8')).version;
  git(src, 'init', '-q', '-b', 'main');
  git(src, 'add', '-A');
  git(src, 'commit', '-q', '-m', 'project');
  const forge = path.join(work, 'forge.git');
  execFileSync('git', ['clone', '-q', '--bare', src, forge]);

  const secrets = {
    STAGING_SIGNING_KEY: nixKey('staging-cache-1'),
    LIVE_SIGNING_KEY: nixKey('live-cache-1'),
    STAGING_S3_ACCESS_KEY_ID: S3_KEY.id,
    STAGING_S3_SECRET_ACCESS_KEY: S3_KEY.secret,
    LIVE_S3_ACCESS_KEY_ID: S3_KEY.id,
    LIVE_S3_SECRET_ACCESS_KEY: S3_KEY.secret,
    STAGING_REGISTRY_USERNAME: '',
    STAGING_REGISTRY_PASSWORD: '',
    LIVE_REGISTRY_USERNAME: '',
    LIVE_REGISTRY_PASSWORD: '',
    // The git remotes are local paths: no ssh key.
    STAGING_SSH_KEY: '',
    LIVE_SSH_KEY: '',
    FORGE_TOKEN: '',
  };
  return { work, workflow, forge, remotes, secrets, version };
}

/** Runs the release workflow of the project, with this checkout as the suite (dist/ as built) at v1. */
export function runRelease(
  p: ReleaseProject,
  extra: Partial<RunOptions> & Pick<RunOptions, 'event'>,
): Promise<RunResult> {
  return runWorkflow({
    workflowFile: p.workflow,
    repo: p.forge,
    remotes: suiteRemotes(suiteRepository()),
    workDir: path.join(p.work, `run-${extra.runId ?? 1}`),
    secrets: p.secrets,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NIX_CONFIG },
    ...extra,
  });
}

/** A workflow_dispatch of the release to an environment, with the typed confirmation it needs. */
export function dispatch(environmentName: 'staging' | 'live', version: string) {
  return {
    name: 'workflow_dispatch' as const,
    ref: 'refs/heads/main',
    inputs: {
      environment: environmentName,
      version,
      confirm: `I want to release this to ${environmentName}`,
    },
  };
}

/** What `repo:tag` names at the registry (host:port, reached directly), as skopeo — not our client — reads it. */
export function rawManifest(registry: string, repo: string, tag: string): Promise<string> {
  return skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry}/${repo}:${tag}`]);
}
