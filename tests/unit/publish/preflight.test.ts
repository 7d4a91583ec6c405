// src/publish/preflight.ts: what preflight learns and every problem it finds, on a real checkout and remote,
// directory destinations and a stand-in docker step.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { EnvironmentConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/log.js';
import type { DockerRequest, DockerStep } from '../../../src/publish/docker.js';
import { stepsToRun } from '../../../src/publish/plan.js';
import { type PreflightOptions, preflight, probeWrites } from '../../../src/publish/preflight.js';
import type { ReleaseInput } from '../../../src/publish/release-input.js';
import { git, makeBareRemote, makeRepo } from '../../helpers/git.js';
import { nixStyleKey } from '../../helpers/nix-sample.js';
import { directoryDestination } from '../../helpers/release-tree.js';
import { tmpDir } from '../../helpers/tmp.js';

const release: ReleaseInput = {
  version: '1.0.0',
  files: [],
  manualDir: null,
  cache: { kind: 'store', paths: ['/nix/store/x.drv'] },
  images: [{ file: '/images/x.tar.gz', system: 'x86_64-linux' }],
  origin: 'test',
  recorded: false,
  systems: ['x86_64-linux'],
  target: 'all',
  dispose: () => {},
};

function stubDocker(problems: string[] = []) {
  const seen: DockerRequest[] = [];
  const step: DockerStep = {
    preflight: async (r) => {
      seen.push(r);
      return problems;
    },
    publish: async () => ({ digests: {}, tags: [] }),
    movePointers: async () => [],
  };
  return { step, seen };
}

function checkout(): { dir: string; remote: string } {
  const dir = makeRepo({ 'version.json': '{}\n' });
  git(dir, 'tag', '-a', '1.0.0', '-m', 'release: 1.0.0');
  return { dir, remote: makeBareRemote() };
}

function options(
  dir: string,
  environment: EnvironmentConfig,
  extra: Partial<PreflightOptions> = {},
): PreflightOptions {
  return {
    dir,
    environmentName: 'staging',
    environment,
    version: '1.0.0',
    release,
    want: stepsToRun(new Set(['release-page']), { installers: true, manual: true, pushBranch: false }),
    noCheckGit: false,
    forcePushTag: false,
    docker: {
      step: stubDocker().step,
      request: {
        images: [],
        environment,
        dir,
        version: '1.0.0',
        dryRun: false,
        processEnv: {},
        log: silentLogger,
      },
    },
    processEnv: {},
    log: silentLogger,
    ...extra,
  };
}

const environmentFor = (remote: string): EnvironmentConfig => ({
  cache: 'out/cache',
  releases: 'out/releases',
  docs: 'out/docs',
  install: 'out/install',
  registries: [],
  'git-remote': remote,
  'signing-key': { env: 'KEY' },
});

describe('preflight', () => {
  test('all well: the destinations opened, the git plan, the key, the rule, the docker request', async () => {
    const { dir, remote } = checkout();
    const docker = stubDocker();
    const key = nixStyleKey('cache-1');
    const pre = await preflight(
      options(dir, environmentFor(remote), {
        processEnv: { KEY: key.text },
        docker: { ...options(dir, {} as EnvironmentConfig).docker, step: docker.step },
      }),
    );
    expect(pre.problems).toEqual([]);
    expect([...pre.destinations.keys()]).toEqual(['cache', 'releases', 'install', 'docs']);
    expect(pre.destinations.get('docs')?.location).toBe(path.join(dir, 'out/docs'));
    expect(pre.remote).toBe(remote);
    expect(pre.gitPlan?.tag).toMatchObject({ ref: 'refs/tags/1.0.0', state: 'absent', force: false });
    expect(pre.gitPlan?.notes).toEqual([`tag 1.0.0: to push to ${remote}`]);
    expect(pre.key?.publicKey).toBe(key.pub);
    expect(pre.rule.mayMove).toBe(true);
    expect(pre.forge).toBeUndefined();
    // The docker step was asked with what preflight decided: latest per the maintenance rule.
    expect(docker.seen.map((r) => r.latest)).toEqual([true]);
    expect(pre.docker?.latest).toBe(true);
  });

  test('every problem together, none thrown', async () => {
    const { dir } = checkout();
    fs.writeFileSync(path.join(dir, 'version.json'), '{"dirty": true}\n');
    const environment = { ...environmentFor('/nonexistent/remote.git'), docs: undefined };
    const pre = await preflight(
      options(dir, environment, {
        release: { ...release, cache: { kind: 'none', why: 'no drvs.txt' } },
        docker: { ...options(dir, environment).docker, step: stubDocker(['registry: no push access']).step },
        want: stepsToRun(new Set(), { installers: true, manual: true, pushBranch: false }),
        forgeToken: 'token',
      }),
    );
    expect(pre.problems).toEqual([
      "environment 'staging' has no 'docs' destination in releng.yml; add one or pass skip: docs",
      expect.stringContaining('the working tree has uncommitted changes'),
      expect.stringContaining('git remote /nonexistent/remote.git is not reachable'),
      "signing key: $KEY is not set (releng.yml signing-key.env); pass the secret in the step's env",
      'cache: nothing to publish — no drvs.txt; pass skip: cache to publish without it',
      'registry: no push access',
    ]);
    expect(pre.forgeNotes).toEqual([
      "forge-token given, but environment 'staging' has no forge in releng.yml",
    ]);
  });

  test('a tag elsewhere on the remote: refused, or moved with force-push-tag — decided here, with `force`', async () => {
    const { dir, remote } = checkout();
    const other = makeRepo({ x: 'other history' });
    git(other, 'tag', '-a', '1.0.0', '-m', 'not ours');
    git(other, 'push', '-q', remote, 'refs/tags/1.0.0');
    const environment = { ...environmentFor(remote), 'signing-key': undefined };
    const only = {
      want: stepsToRun(new Set(['cache', 'docker', 'releases', 'docs', 'installers', 'release-page']), {
        installers: false,
        manual: false,
        pushBranch: false,
      }),
    };
    const refused = await preflight(options(dir, environment, only));
    expect(refused.problems).toEqual([
      expect.stringMatching(
        /^tag 1\.0\.0 on .* is [0-9a-f]{12}, not ours .*; pass force-push-tag to move it$/,
      ),
    ]);
    expect(refused.gitPlan?.tag?.force).toBe(false);
    const forced = await preflight(options(dir, environment, { ...only, forcePushTag: true }));
    expect(forced.problems).toEqual([]);
    expect(forced.gitPlan?.tag).toMatchObject({ state: 'different', force: true });
  });

  test('nothing to run: no destination opened, no docker step asked', async () => {
    const docker = stubDocker(['unused']);
    const dir = tmpDir();
    const pre = await preflight(
      options(dir, environmentFor('/nonexistent/remote.git'), {
        noCheckGit: true,
        want: stepsToRun(
          new Set(['cache', 'docker', 'releases', 'docs', 'installers', 'tag', 'branch', 'release-page']),
          {
            installers: true,
            manual: true,
            pushBranch: true,
          },
        ),
        docker: { ...options(dir, {} as EnvironmentConfig).docker, step: docker.step },
      }),
    );
    expect(pre.problems).toEqual([]);
    expect(pre.destinations.size).toBe(0);
    expect(docker.seen).toEqual([]);
    expect(pre.docker).toBeUndefined();
  });
});

describe('the write probe', () => {
  test('only destinations the plan writes or deletes in, and the cache when its nix-cache-info is new; none in a dry run', async () => {
    const probed: string[] = [];
    const dest = (name: 'cache' | 'releases' | 'docs') => {
      const d = directoryDestination(name);
      d.sink.checkWrite = async () => {
        probed.push(name);
        return [`${name}: read-only`];
      };
      return [name, d] as const;
    };
    const destinations = new Map([dest('cache'), dest('releases'), dest('docs')]);
    const obj = (dest: 'releases' | 'docs', action: 'skip' | 'delete' | 'upload') => ({
      dest,
      key: 'k',
      size: 1,
      sha256: '',
      kind: 'versioned' as const,
      action,
    });
    const steps = [
      { step: 'releases' as const, objects: [obj('releases', 'skip')], notes: [] },
      { step: 'docs' as const, objects: [obj('docs', 'delete')], notes: [] },
    ];
    expect(await probeWrites(steps, destinations, { dryRun: false, cacheInfo: true })).toEqual([
      'docs: read-only',
      'cache: read-only',
    ]);
    expect(probed).toEqual(['docs', 'cache']);
    expect(await probeWrites(steps, destinations, { dryRun: true, cacheInfo: true })).toEqual([]);
    expect(probed).toHaveLength(2);
  });
});
