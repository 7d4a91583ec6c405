/**
 * The publish stage as the reliability tests drive it: the bundled CLI, an artifacts dir with a signed
 * cache, a multipart-sized file and an installer, a real S3 server behind a fault proxy whose guard checks
 * every write against the server (tests/helpers/publish-guard.ts), and a bare git remote whose pre-receive
 * hook checks the tag the same way. Each `lane` has its own key prefix and remote, so cases never see each
 * other's objects, and compares its end state with a clean run's.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { S3Sink } from '../../src/storage/s3.js';
import { type RunResult, runCli } from './cli-child.js';
import { git } from './git.js';
import { type FaultProxy, type FaultRule, type ProxyOptions, startProxy } from './proxy.js';
import { buildRelease, makeProject, NAME, nixKey, type Project, refs } from './publish-fixture.js';
import { type RefGuard, refGuard, type S3GuardState, s3Guard } from './publish-guard.js';
import { type S3Server, startS3 } from './s3.js';
import { s3State } from './s3-state.js';
import { tmpDir } from './tmp.js';

export const BUCKETS = ['cache', 'releases', 'docs', 'install'];
export const VERSION = '2.93.0';
const MAJOR = '2.93';

export interface Lane {
  prefix: string;
  proxy: FaultProxy;
  guard: S3GuardState;
  project: Project;
  /** Runs the bundled CLI once; `onSpawn` may keep the child (to kill it). */
  run(onSpawn?: (child: ChildProcess) => void): Promise<RunResult>;
  /** Objects under this lane's prefix (see s3State) and the remote's refs (see remoteRefs). */
  state(): Promise<{ objects: Record<string, string>; refs: string }>;
  /** Every violation the guards saw, the late checks included. */
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface Bench {
  s3: S3Server;
  refs: RefGuard;
  secrets: string[];
  /** A sink on the server itself (not through any proxy), for the whole bucket. */
  direct(bucket: string): S3Sink;
  lane(prefix: string, faults?: FaultRule[], o?: Pick<ProxyOptions, 'onRequest'>): Promise<Lane>;
  stop(): Promise<void>;
}

export async function startBench(): Promise<Bench> {
  const key = nixKey('reliability-cache-1');
  const built = buildRelease(VERSION);
  const s3 = await startS3(BUCKETS);
  const repoPrefix = new Map<string, string>();
  // A tag may reach the remote only after the release's index (written after every versioned object).
  const rg = await refGuard(async (repo, ref) => {
    const prefix = repoPrefix.get(fs.realpathSync(repo));
    if (!prefix) return `push to an unknown remote ${repo}`;
    if (ref !== `refs/tags/${VERSION}`) return undefined;
    const index = `releases/${NAME}/${NAME}-${VERSION}/.releng-index.json`;
    const objects = await s3State(s3, ['releases'], prefix);
    return objects[index] ? undefined : `tag pushed while ${index} under ${prefix} is missing`;
  });
  const processEnv = {
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    TEST_SIGNING_KEY: key.secret,
    RELENG_S3_PART_SIZE_MIB: '5',
    RELENG_S3_MULTIPART_THRESHOLD_MIB: '5',
    RELENG_S3_CONCURRENCY: '4',
    // Bounded waits for the stalled-response cases; the default is minutes.
    RELENG_S3_TIMEOUT_S: '3',
  };
  const args = [
    'publish',
    '--environment',
    'staging',
    '--confirm',
    'I want to release this to staging',
    '--artifacts-dir',
    built.artifactsDir,
    '--skip',
    'docker',
  ];

  return {
    s3,
    refs: rg,
    secrets: [key.secret.split(':')[1]!],
    direct: (bucket) =>
      new S3Sink({
        url: `s3://${bucket}`,
        endpoint: s3.endpoint,
        region: 'us-east-1',
        pathStyle: true,
        credentials: s3.credentials,
      }),
    async lane(name, faults = [], o = {}) {
      const prefix = `${name}/`;
      const guard = s3Guard(s3, () => ({
        prefix,
        name: NAME,
        version: VERSION,
        docsLabel: MAJOR,
        release: built.release,
      }));
      const proxy = await startProxy({
        target: Number(new URL(s3.endpoint).port),
        faults,
        guard: guard.guard,
        onRequest: o.onRequest,
      });
      const remote = path.join(tmpDir('releng-remote-'), 'r.git');
      git(path.dirname(remote), 'init', '-q', '--bare', remote);
      rg.install(remote);
      repoPrefix.set(fs.realpathSync(remote), prefix);
      const project = makeProject(
        VERSION,
        {
          staging: {
            s3: { endpoint: `http://${proxy.host}`, region: 'us-east-1', 'path-style': true },
            ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${b}/${name}`])),
            'signing-key': { env: 'TEST_SIGNING_KEY' },
            'git-remote': remote,
          },
        },
        { remote },
      );
      return {
        prefix,
        proxy,
        guard,
        project,
        run: (onSpawn) => runCli(args, project.dir, { ...process.env, ...processEnv }, onSpawn),
        state: async () => ({
          objects: await s3State(s3, BUCKETS, prefix),
          refs: remoteRefs(remote, project.dir),
        }),
        violations: async () => [
          ...proxy.violations,
          ...(await guard.lateChecks()),
          ...rg.violations.filter((v) => v.startsWith(`${fs.realpathSync(remote)} `)),
        ],
        close: () => proxy.close(),
      };
    },
    async stop() {
      await rg.close();
      await s3.stop();
    },
  };
}

/** The remote's refs, each as `REF = checkout` when it names the checkout's object of the same ref. */
function remoteRefs(remote: string, checkout: string): string {
  return refs(remote)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, oid] = line.split(' ');
      let local = '';
      try {
        local = git(checkout, 'rev-parse', ref!);
      } catch {}
      return `${ref} = ${local === oid ? 'checkout' : oid}`;
    })
    .join('\n');
}
