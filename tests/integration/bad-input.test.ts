// Bad input, table-driven: each case runs a stage through the bundled CLI on a real project and must
// give one line naming the file or field (and what to do), a non-zero exit, and leave every place a
// release writes to — the work tree and its refs, the buckets (s3rver's data dir), the registries
// (docker-registry's storage dir, an OCI layout) and the remotes — exactly as it was. Snapshots compare
// content, not timestamps, so a read that rewrites nothing passes. The release workflow's own inputs
// (release.yml dispatch) have their table in tests/e2e/bad-input-workflow.test.ts.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import type { LegRecord } from '../../src/bundle/leg.js';
import { runCli } from '../helpers/action.js';
import { randomFile, syntheticLayers, writeDockerArchive } from '../helpers/docker-archive.js';
import { git } from '../helpers/git.js';
import { NIX_CONFIG } from '../helpers/nix.js';
import { fixtureRepo } from '../helpers/project.js';
import { type RegistryServer, startRegistry } from '../helpers/registry.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { contentSnapshot, registrySnapshot } from '../helpers/snapshot.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

type Kind =
  | 'fragment'
  | 'version.json'
  | 'releng.yml'
  | 'input'
  | 'build'
  | 'publish'
  | 'archive'
  | 'leg'
  | 'registry-ref'
  | 'credentials'
  | 's3-url';

/** The servers and inputs every case may use; made once in beforeAll. */
interface World {
  s3: S3Server;
  /** docker-registry with htpasswd auth: user `releng`, password REGISTRY_PASSWORD. */
  registry: RegistryServer;
  /** An OCI layout outside the project (a target some cases write to). */
  layout: string;
  archives: Record<ArchiveName, string>;
  /** HOME of the runs: no login files unless a case writes some. */
  home: string;
  /**
   * Files of the runner that no release may read or write (hostile rows link to them): a file, a manual,
   * a complete leg bundle, a nix cache, an empty directory. Snapshotted with the destinations.
   */
  outside: string;
}

type ArchiveName = 'good' | 'truncated' | 'corrupt' | 'diffid' | 'noconfig' | 'arch' | 'notdocker';
type Lazy<T> = T | ((w: World) => T);

interface Case {
  /** What is wrong. */
  name: string;
  kind: Kind;
  stage: string;
  args?: Lazy<string[]>;
  /** Files written into the (committed, tagged) project before the run; committed unless dirty. */
  files?: Record<string, string>;
  /** releng.yml edits, merged at the top level (committed). */
  config?: Lazy<Record<string, unknown>>;
  /** Leave `files` uncommitted. */
  dirty?: boolean;
  /** Extra set-up on the project dir (after commit, before the snapshot). */
  setup?: (dir: string, w: World) => void;
  env?: Lazy<NodeJS.ProcessEnv>;
  /** The one line: must name the file or field. */
  error: RegExp;
}

const REGISTRY_USER = 'releng';
const REGISTRY_PASSWORD = 'registry-pass-5e1f';
const BUCKETS = ['releases', 'cache', 'docs', 'install'];

/**
 * The fixture project declares x86_64-linux and aarch64-linux; publish cases here hold one leg or none, so
 * they allow both missing (the every-system rule has rows of its own).
 */
const ONE_SYSTEM_RUN = ['--allow-missing-systems', 'x86_64-linux,aarch64-linux'];

/** A minimal release tree for publish cases, and the flags that publish only its releases step. */
const PUBLISH_TREE = { 'release/artifacts/demo/demo-2.93.0/demo-2.93.0.tar.gz': 'x\n' };
const PUBLISH_RELEASES_ONLY = [
  '--artifacts-dir',
  'release/artifacts',
  '--no-check-git',
  ...ONE_SYSTEM_RUN,
  '--skip',
  'cache,docker,docs,installers,tag,release-page',
];

/** Publish of the cache step alone to a local cache, signed with the key in $TEST_KEY (rows give it). */
const SIGNING_KEY_RUN = {
  stage: 'publish',
  args: [
    '--artifacts-dir',
    'release/artifacts',
    '--no-check-git',
    ...ONE_SYSTEM_RUN,
    '--skip',
    'docker,releases,docs,installers,tag,release-page',
    '--environment',
    'staging',
  ],
  files: { ...PUBLISH_TREE, 'release/drvs.txt': '/nix/store/00000000000000000000000000000000-x.drv\n' },
  config: { environments: { staging: { cache: 'out/cache', 'signing-key': { env: 'TEST_KEY' } } } },
};

/** publish from leg bundles under bundles/, releases step only, to the staging environment. */
const PUBLISH_LEGS = [
  '--bundles',
  'bundles/*',
  ...ONE_SYSTEM_RUN,
  '--environment',
  'staging',
  '--no-check-git',
  '--skip',
  'cache,docker,docs,installers,tag,release-page',
];

const FRAGMENT = (front: string, body = 'Body.') => `---\n${front}\n---\n\n${body}\n`;

/** The staging environment on this test's s3rver; `extra` merged in. */
const s3Staging = (w: World, extra: Record<string, unknown> = {}, s3: Record<string, unknown> = {}) => ({
  environments: {
    staging: {
      s3: { endpoint: w.s3.endpoint, region: 'us-east-1', 'path-style': true, ...s3 },
      releases: 's3://releases',
      ...extra,
    },
  },
});
const S3_KEYS = (w: World) => ({
  AWS_ACCESS_KEY_ID: w.s3.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: w.s3.credentials.secretAccessKey,
});
/** docker-multiarch of the good archive to the registry, with the right login unless overridden. */
const dockerTo = (w: World, ...extra: string[]) => [
  '--images',
  w.archives.good,
  '--targets',
  `${w.registry.host}/demo/bad`,
  '--username',
  REGISTRY_USER,
  '--password',
  REGISTRY_PASSWORD,
  ...extra,
];
const archiveTo = (name: ArchiveName) => (w: World) => [
  '--images',
  w.archives[name],
  '--targets',
  `${w.registry.host}/demo/bad`,
  '--username',
  REGISTRY_USER,
  '--password',
  REGISTRY_PASSWORD,
];

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A leg bundle as build-artifacts writes it, under `dir/bundles/leg-SYSTEM`: artifacts/ with `files`,
 * leg.json recording them (then `record` merged over it), and the good docker archive when `image`.
 */
function writeLegBundle(
  dir: string,
  w: World,
  o: { system?: string; name?: string; files?: Record<string, string>; image?: boolean; record?: object },
): string {
  const system = o.system ?? 'x86_64-linux';
  const leg = path.join(dir, 'bundles', o.name ?? `leg-${system}`);
  fs.mkdirSync(leg, { recursive: true });
  writeFiles(path.join(leg, 'artifacts'), o.files ?? {});
  let image: LegRecord['image'] = null;
  if (o.image) {
    const file = `demo-2.93.0-docker-image-${system}.tar.gz`;
    fs.copyFileSync(w.archives.good, path.join(leg, file));
    const meta = JSON.parse(fs.readFileSync(`${w.archives.good}.json`, 'utf8'));
    image = { path: file, sha256: sha256(fs.readFileSync(w.archives.good)), os: 'linux', ...meta };
  }
  const record: LegRecord = {
    schema: 1,
    version: '2.93.0',
    system,
    storePaths: [],
    drvPaths: [],
    jobs: [],
    files: Object.entries(o.files ?? {}).map(([p, c]) => ({
      path: p,
      size: Buffer.byteLength(c),
      sha256: sha256(c),
    })),
    image,
    name: 'demo',
    product: 'Demo',
  };
  fs.writeFileSync(path.join(leg, 'leg.json'), `${JSON.stringify({ ...record, ...o.record }, null, 2)}\n`);
  return leg;
}
const LEG_FILE = 'demo/demo-2.93.0/demo-2.93.0-x86_64-linux.tar.xz';

/** publish from leg bundles to every tree destination on S3 (releases, install, docs): no cache, docker or git. */
const PUBLISH_LEGS_TREE = [
  '--bundles',
  'bundles/*',
  '--environment',
  'staging',
  '--no-check-git',
  '--skip',
  'cache,docker,tag,release-page',
];
const s3Tree = (w: World) => s3Staging(w, { install: 's3://install', docs: 's3://docs' });
/** A file of the runner (in World.outside) that hostile rows point links at. */
const OUTSIDE_FILE = 'runner-secret.txt';
const OUTSIDE_TEXT = 'a file of the runner, never to be published\n';
/** A well-formed store path (32 nix-base32 characters, then a name). */
const STORE_PATH = `/nix/store/${'0123456789abcdfghijklmnpqrsvwxyz'}-demo-2.93.0`;
/** Replaces `at` (if there) with a symbolic link to `target`. */
function linkOut(at: string, target: string): void {
  fs.rmSync(at, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at);
}

const CASES: Case[] = [
  // Release note fragments (prepare)
  {
    kind: 'fragment',
    name: 'a fragment without front matter',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/bare.md': 'just text\n' },
    error: /doc\/manual\/rl-next\/bare\.md:1: missing front matter; start the file with a '---' line/,
  },
  {
    kind: 'fragment',
    name: 'a fragment whose front matter is not YAML',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/yaml.md': '---\nsynopsis: [unclosed\n---\nbody\n' },
    error: /doc\/manual\/rl-next\/yaml\.md:\d+: YAML syntax error in front matter/,
  },
  {
    kind: 'fragment',
    name: 'a fragment with an unknown category',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/cat.md': FRAGMENT('synopsis: x\ncategory: Stuff') },
    error: /doc\/manual\/rl-next\/cat\.md:3: unknown category 'Stuff'; use one of Breaking Changes/,
  },
  {
    kind: 'fragment',
    name: 'a fragment crediting an unknown author',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/who.md': FRAGMENT('synopsis: x\ncredits: mallory') },
    error:
      /doc\/manual\/rl-next\/who\.md: unknown author 'mallory' in credits; add them to the change authors file/,
  },
  {
    kind: 'fragment',
    name: 'a fragment with an unrecognised issue reference',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/ref.md': FRAGMENT('synopsis: x\nissues: abc#1') },
    // The wording of the default era (lix-2.95); the 2.91 wording is tested in prepare.test.ts.
    error:
      /doc\/manual\/rl-next\/ref\.md:3: unrecognized reference format: abc#1; use 1234 or lix#1234 for Lix's Forgejo, nix#1234 for CppNix's GitHub/,
  },
  {
    kind: 'fragment',
    name: 'a fragment without a synopsis',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/nosyn.md': FRAGMENT('category: Fixes') },
    error: /doc\/manual\/rl-next\/nosyn\.md:2: missing synopsis/,
  },
  // version.json
  {
    kind: 'version.json',
    name: 'version.json is not JSON',
    stage: 'prepare',
    files: { 'version.json': '{"version": "2.93.0",' },
    error: /version\.json: malformed JSON .*; fix the file/,
  },
  {
    kind: 'version.json',
    name: 'version.json has no version',
    stage: 'tag',
    files: { 'version.json': '{"release_name": "x", "official_release": false}' },
    error: /version\.json: key "version" must be a string such as "2\.91\.0"/,
  },
  {
    kind: 'version.json',
    name: 'version.json has a malformed version',
    stage: 'prepare',
    files: { 'version.json': '{"version": "two", "release_name": "x", "official_release": false}' },
    error: /version\.json: key "version": version 'two' is not of the form X\.Y\.Z/,
  },
  {
    kind: 'version.json',
    name: 'official_release is not a boolean',
    stage: 'tag',
    files: { 'version.json': '{"version": "2.93.0", "release_name": "x", "official_release": "yes"}' },
    error: /version\.json: key "official_release" must be true or false/,
  },
  // releng.yml
  {
    kind: 'releng.yml',
    name: 'releng.yml has an unknown key',
    stage: 'prepare',
    config: { notes: { fragmnts: 'x' } },
    error: /releng\.yml:\d+: key 'notes\.fragmnts': unknown key; remove it or check its spelling/,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml has a wrong type',
    stage: 'build-artifacts',
    config: { build: { systems: 'x86_64-linux' } },
    error: /releng\.yml:\d+: key 'build\.systems': expected array/,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml is not YAML',
    stage: 'prepare',
    files: { 'releng.yml': 'product: Demo\nnotes: [unclosed\n' },
    error: /releng\.yml:\d+: YAML syntax error: .*; fix the YAML/,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml has a link that is not a URL',
    stage: 'prepare',
    config: { notes: { links: { github: 'not a url' } } },
    error: /releng\.yml:\d+: key 'notes\.links\.github': /,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml names a system that is not a nix system',
    stage: 'build-artifacts',
    config: { build: { systems: ['x86_64'] } },
    error: /releng\.yml:\d+: key 'build\.systems\.0': a nix system such as x86_64-linux/,
  },
  // Stage inputs
  {
    kind: 'input',
    name: 'a boolean input that is not true/false',
    stage: 'prepare',
    args: ['--no-commit', 'maybe'],
    error: /input 'no-commit' must be true or false, got 'maybe'/,
  },
  {
    kind: 'input',
    name: 'an option the stage does not have',
    stage: 'tag',
    args: ['--frobnicate', 'x'],
    error: /unknown option --frobnicate for 'releng tag': known options are/,
  },
  {
    kind: 'input',
    name: 'a date that is not YYYY-MM-DD',
    stage: 'prepare',
    args: ['--date', '2024-13-45'],
    error: /input 'date' must be a calendar date YYYY-MM-DD \(e\.g\. 2024-08-12\), got '2024-13-45'/,
  },
  {
    kind: 'input',
    name: 'a version input that is not X.Y.Z',
    stage: 'prepare',
    args: ['--version', 'latest'],
    error: /input 'version': version 'latest' is not of the form X\.Y\.Z/,
  },
  {
    kind: 'input',
    name: 'a build target that does not exist',
    stage: 'build-artifacts',
    args: ['--target', 'everything'],
    error: /input 'target' must be one of all, manual, got 'everything'/,
  },
  // build-artifacts against the real flake
  {
    kind: 'build',
    name: 'a system the flake does not build',
    stage: 'build-artifacts',
    args: ['--systems', 'riscv64-linux'],
    error: /riscv64-linux.*(aarch64-linux|x86_64-linux)/,
  },
  {
    kind: 'build',
    name: 'a jobs attribute the flake does not have',
    stage: 'build-artifacts',
    config: { build: { jobs: '.#no-such-jobs' } },
    error: /\.#no-such-jobs: the flake has no such attribute; set build\.jobs in releng\.yml/,
  },
  {
    kind: 'build',
    name: 'a build from a dirty tree',
    stage: 'build-artifacts',
    files: { 'README.md': 'changed\n' },
    dirty: true,
    setup: (d) => git(d, 'add', 'README.md'),
    error:
      /the working tree has uncommitted changes \(A {2}README\.md\); commit or stash them, or pass no-check-git/,
  },
  {
    kind: 'build',
    name: 'a build that is not on the tag',
    stage: 'build-artifacts',
    setup: (d) => {
      git(d, 'checkout', '-q', '-b', 'work');
      git(d, 'commit', '-q', '--allow-empty', '-m', 'after the tag');
    },
    error:
      /HEAD is not on tag 2\.93\.0 \(git describe --tags says 2\.93\.0-1-g[0-9a-f]+\); check out the tag, or pass no-check-git/,
  },
  // publish: inputs, destinations, credentials, keys (a minimal release tree, steps that need no server)
  {
    kind: 'publish',
    name: 'publish to an environment releng.yml does not define',
    stage: 'publish',
    args: ['--environment', 'staging', '--artifacts-dir', 'release/artifacts'],
    error: /environment 'staging' is not defined in releng\.yml 'environments:'; known: local/,
  },
  {
    kind: 'publish',
    name: 'publish with neither bundles nor an artifacts dir',
    stage: 'publish',
    error: /pass input 'bundles' \(the leg bundles of build-artifacts\) or 'artifacts-dir'/,
  },
  {
    kind: 'publish',
    name: 'publish from bundles that hold no leg',
    stage: 'publish',
    args: ['--bundles', 'nowhere/*'],
    error: /bundles: no leg bundle \(leg\.json\) at or below 'nowhere\/\*'/,
  },
  {
    kind: 'publish',
    name: 'publish skipping a step that does not exist',
    stage: 'publish',
    args: ['--artifacts-dir', 'release/artifacts', '--skip', 'docker,sideways'],
    error: /input 'skip': unknown step\(s\) sideways; known: cache, docker, releases/,
  },
  {
    kind: 'publish',
    name: 'publish to live without the typed confirmation',
    stage: 'publish',
    args: ['--environment', 'live', ...PUBLISH_RELEASES_ONLY],
    files: PUBLISH_TREE,
    config: { environments: { live: { releases: 'out/releases' } } },
    error: /publishing to live needs input 'confirm' set to 'I want to release this to live'/,
  },
  {
    kind: 's3-url',
    name: 'publish to a bucket name S3 refuses',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: { environments: { staging: { releases: 's3://Bad_Bucket' } } },
    env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    error:
      /releases: 's3:\/\/Bad_Bucket' is not an S3 location; write s3:\/\/bucket or s3:\/\/bucket\/prefix/,
  },
  {
    kind: 's3-url',
    name: 'publish to a mistyped S3 URL (not silently a directory)',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: { environments: { staging: { releases: 's3:/releases' } } },
    error:
      /environments\.staging\.releases: 's3:\/releases' is neither s3:\/\/bucket\[\/prefix\] nor a directory/,
  },
  {
    kind: 'credentials',
    name: 'publish with a credentials command that fails',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: {
      environments: {
        staging: { s3: { 'credentials-command': 'echo denied >&2; exit 3' }, releases: 's3://releases' },
      },
    },
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    error:
      /s3\.credentials-command failed \(exit 3\); its output is not shown \(it may hold the key\): run it by hand to see why/,
  },
  {
    kind: 'credentials',
    name: 'publish with a signing key that is not a nix secret key',
    ...SIGNING_KEY_RUN,
    env: { TEST_KEY: 'not-a-key' },
    error: /signing key in \$TEST_KEY is not a nix secret key \(expected NAME:BASE64 of 64 bytes/,
  },
  // Docker archives (docker-multiarch --images)
  {
    name: 'a docker archive cut short',
    kind: 'archive',
    stage: 'docker-multiarch',
    args: archiveTo('truncated'),
    error: /truncated\.tar\.gz: the gzip stream is truncated .*; rebuild or download it again/,
  },
  {
    name: 'a docker archive whose gzip stream is corrupt',
    kind: 'archive',
    stage: 'docker-multiarch',
    args: archiveTo('corrupt'),
    error: /corrupt\.tar\.gz: the gzip stream is corrupt .*; rebuild or download it again/,
  },
  {
    name: "a layer that does not hash to the config's diffID",
    kind: 'archive',
    stage: 'docker-multiarch',
    args: archiveTo('diffid'),
    error:
      /diffid\.tar\.gz: layer 1 \('[0-9a-f]{64}\/layer\.tar'\) hashes to sha256:[0-9a-f]{64} but the config's diffID is sha256:[0-9a-f]{64}; the archive is corrupt \(rebuild it\)/,
  },
  {
    name: 'manifest.json names a config the archive lacks',
    kind: 'archive',
    stage: 'docker-multiarch',
    args: archiveTo('noconfig'),
    error:
      /noconfig\.tar\.gz: manifest\.json names the config '[0-9a-f]{64}\.json', which the archive does not hold; it is truncated or corrupt/,
  },
  {
    name: 'an image architecture no OCI platform maps to',
    kind: 'archive',
    stage: 'docker-multiarch',
    args: archiveTo('arch'),
    error:
      /arch\.tar\.gz: the image config's architecture 'sparc64' is not one OCI knows .*; build the image with a GOARCH name/,
  },
  {
    name: 'a tar that is not a docker archive',
    kind: 'archive',
    stage: 'docker-multiarch',
    args: archiveTo('notdocker'),
    error: /notdocker\.tar: no manifest\.json in the archive: not a docker archive/,
  },
  // Leg bundles (docker-multiarch and publish --bundles)
  {
    name: 'a leg bundle directory without leg.json',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/leg-x86_64-linux', '--targets', `oci-layout:${w.layout}`],
    setup: (d) => writeFiles(path.join(d, 'bundles/leg-x86_64-linux/artifacts'), { [LEG_FILE]: 'x' }),
    error: /bundles: no leg bundle \(leg\.json\) at or below 'bundles\/leg-x86_64-linux'/,
  },
  {
    name: 'a leg.json that is not JSON',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d, w) =>
      fs.writeFileSync(
        path.join(writeLegBundle(d, w, { files: { [LEG_FILE]: 'x' } }), 'leg.json'),
        '{"schema": 1,',
      ),
    error:
      /bundles\/leg-x86_64-linux\/leg\.json: unreadable \(.*JSON.*\); pass the directory written by build-artifacts/,
  },
  {
    name: 'a leg bundle of an unknown schema',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/*', '--targets', `oci-layout:${w.layout}`],
    setup: (d, w) => writeLegBundle(d, w, { image: true, record: { schema: 2 } }),
    error:
      /leg-x86_64-linux\/leg\.json: leg bundle schema 2 is not supported \(this releng reads schema 1\); build and publish with the same releng version/,
  },
  {
    name: 'a file leg.json lists is missing',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'tarball bytes\n' } });
      fs.rmSync(path.join(leg, 'artifacts', LEG_FILE));
    },
    error:
      /leg-x86_64-linux\/artifacts\/demo\/demo-2\.93\.0\/demo-2\.93\.0-x86_64-linux\.tar\.xz: missing; the leg bundle is incomplete or damaged/,
  },
  {
    name: 'a file of a leg damaged after the build (same size, other bytes)',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'tarball bytes\n' } });
      fs.writeFileSync(path.join(leg, 'artifacts', LEG_FILE), 'tarball BYTES\n');
    },
    error: /demo-2\.93\.0-x86_64-linux\.tar\.xz: .*sha256.*leg\.json/,
  },
  {
    name: 'two legs for one system',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d, w) => {
      writeLegBundle(d, w, { name: 'leg-a', files: { [LEG_FILE]: 'a\n' } });
      writeLegBundle(d, w, { name: 'leg-b', files: { [LEG_FILE]: 'a\n' } });
    },
    error:
      /legs .*bundles\/leg-a and .*bundles\/leg-b both claim system x86_64-linux; pass one leg per system/,
  },
  {
    name: 'a leg file path escaping the release tree',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, {
        files: { [LEG_FILE]: 'x' },
        record: { files: [{ path: '../../../etc/passwd', size: 1, sha256: sha256('x') }] },
      }),
    error:
      /leg\.json: files entry '\.\.\/\.\.\/\.\.\/etc\/passwd': a '\.\.' segment; a leg names files inside its release tree/,
  },
  {
    name: 'a leg image path escaping the bundle',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/*', '--targets', `oci-layout:${w.layout}`],
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { image: true });
      const rec = JSON.parse(fs.readFileSync(path.join(leg, 'leg.json'), 'utf8'));
      rec.image.path = '../../escape.tar.gz';
      fs.writeFileSync(path.join(leg, 'leg.json'), JSON.stringify(rec));
    },
    error: /leg\.json: key "image" must have path, sha256, architecture, os, diffIds and config/,
  },
  {
    name: 'a leg image changed after the build',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/*', '--targets', `oci-layout:${w.layout}`],
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { image: true });
      fs.copyFileSync(w.archives.arch, path.join(leg, 'demo-2.93.0-docker-image-x86_64-linux.tar.gz'));
    },
    error:
      /docker-image-x86_64-linux\.tar\.gz: its sha256 is [0-9a-f]{64} but the bundle recorded [0-9a-f]{64}; the file was changed or damaged after the build/,
  },
  {
    name: 'a leg whose image is built for another system',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/*', '--targets', `oci-layout:${w.layout}`],
    setup: (d, w) => writeLegBundle(d, w, { system: 'aarch64-linux', image: true }),
    error:
      /built for aarch64-linux \(linux\/arm64\) but its config says linux\/amd64; check the image's architecture/,
  },
  // Registry references, tag templates, insecure registries (docker-multiarch)
  {
    name: 'a target repository with capitals',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--targets', `${w.registry.host}/Demo/Project`],
    error: /targets: '127\.0\.0\.1:\d+\/Demo\/Project' is not a valid repository name \(component 'Demo'\)/,
  },
  {
    name: 'a target written as a URL',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--targets', `https://${w.registry.host}/demo/bad`],
    error:
      /targets: 'https:\/\/127\.0\.0\.1:\d+\/demo\/bad' is a URL; write the registry and repository as docker does/,
  },
  {
    name: 'a target naming a digest',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => [
      '--images',
      w.archives.good,
      '--targets',
      `${w.registry.host}/demo/bad@sha256:${'0'.repeat(64)}`,
    ],
    error: /targets: '.*@sha256:0+' names a digest; a target is a repository/,
  },
  {
    name: 'a target with a tag',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--targets', `${w.registry.host}/demo/bad:2.93`],
    error: /has a tag \(':2\.93'\); give tags in 'tags'/,
  },
  {
    name: 'an oci-layout target without a directory',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--targets', 'oci-layout:'],
    error: /targets: 'oci-layout:' names no directory; write oci-layout:DIR/,
  },
  {
    name: 'a tag template with an unknown placeholder',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => dockerTo(w, '--tags', '{verison}'),
    error:
      /tags of 127\.0\.0\.1:\d+\/demo\/bad: unknown placeholder \{verison\} in tag '\{verison\}'; use \{version\} or \{major\}/,
  },
  {
    name: 'a tag template that makes an invalid tag',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => dockerTo(w, '--tags', 'v+{version}'),
    error: /tag 'v\+2\.93\.0' \(from 'v\+\{version\}'\) is not a valid tag/,
  },
  {
    name: 'an insecure registry written as a URL',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => dockerTo(w, '--insecure-registries', 'http://registry.example.org:5000'),
    error:
      /input 'insecure-registries': 'http:\/\/registry\.example\.org:5000' is not a registry host\[:port\]; write registry\.example\.org:5000/,
  },
  {
    name: 'a malformed registry ref in releng.yml',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--environment', 'staging'],
    config: { environments: { staging: { registries: [{ ref: 'registry.example.org/Org/Project' }] } } },
    error:
      /environments\.staging\.registries\[0\]\.ref: 'registry\.example\.org\/Org\/Project' is not a valid repository name/,
  },
  {
    name: 'a bad tag template in releng.yml',
    kind: 'registry-ref',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--environment', 'staging'],
    config: (w) => ({
      environments: {
        staging: { registries: [{ ref: `${w.registry.host}/demo/bad`, tags: ['{version}', '{minor}'] }] },
      },
    }),
    error:
      /releng\.yml environments\.staging\.registries\[0\]\.tags: unknown placeholder \{minor\} in tag '\{minor\}'/,
  },
  // Credentials
  {
    name: 'a wrong registry password (htpasswd registry)',
    kind: 'credentials',
    stage: 'docker-multiarch',
    args: (w) => [
      '--images',
      w.archives.good,
      '--targets',
      `${w.registry.host}/demo/bad`,
      '--username',
      REGISTRY_USER,
      '--password',
      'not-the-password',
    ],
    error: /127\.0\.0\.1:\d+.*(refused|denied|unauthorized|401).*check username and password/i,
  },
  {
    name: 'a wrong registry password in ~/.docker/config.json',
    kind: 'credentials',
    stage: 'docker-multiarch',
    args: (w) => ['--images', w.archives.good, '--targets', `${w.registry.host}/demo/bad`],
    env: (w) => {
      const home = tmpDir('releng-bad-home-');
      writeFiles(home, {
        '.docker/config.json': JSON.stringify({
          auths: {
            [w.registry.host]: { auth: Buffer.from(`${REGISTRY_USER}:stale-password`).toString('base64') },
          },
        }),
      });
      return { HOME: home };
    },
    error:
      /demo\/bad: authentication failed \(HTTP 401: .*\) with the credentials from .*\/\.docker\/config\.json; check username and password/,
  },
  {
    name: 'a registry username without a password',
    kind: 'credentials',
    stage: 'docker-multiarch',
    args: (w) => [
      '--images',
      w.archives.good,
      '--targets',
      `${w.registry.host}/demo/bad`,
      '--username',
      REGISTRY_USER,
    ],
    error: /give both 'username' and 'password', or neither/,
  },
  {
    name: 'S3 keys the server does not know',
    kind: 'credentials',
    stage: 'publish',
    args: [
      ...PUBLISH_RELEASES_ONLY,
      '--environment',
      'staging',
      '--s3-access-key-id',
      'WRONGKEY',
      '--s3-secret-access-key',
      'wrong-secret-9f3a',
    ],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    error: /s3:\/\/releases.*(InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|403)/,
  },
  {
    name: 'only an S3 access key id',
    kind: 'credentials',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging', '--s3-access-key-id', 'S3RVER'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    error: /inputs 's3-access-key-id' and 's3-secret-access-key' go together/,
  },
  {
    name: 'a credentials command that prints something other than JSON',
    kind: 'credentials',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, {}, { 'credentials-command': 'echo "key: abc"; echo "secret: s3cr3t-junk"' }),
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    error:
      /s3\.credentials-command did not print JSON; it must print \{"id": "…", "secret_key": "…"\} on stdout/,
  },
  {
    name: 'a credentials command whose JSON lacks the key',
    kind: 'credentials',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, {}, { 'credentials-command': `echo '{"id": "S3RVER"}'` }),
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    error: /s3\.credentials-command printed JSON without "id" and "secret_key" strings/,
  },
  {
    name: 'a signing key whose public half does not match',
    kind: 'credentials',
    ...SIGNING_KEY_RUN,
    env: { TEST_KEY: `demo-1:${Buffer.alloc(64, 7).toString('base64')}` },
    error: /signing key in \$TEST_KEY is damaged: its public half does not match its seed/,
  },
  // S3 URLs and endpoints
  {
    name: 'a bucket that does not exist',
    kind: 's3-url',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, { releases: 's3://no-such-bucket' }),
    env: S3_KEYS,
    error: /s3:\/\/no-such-bucket.*(does not exist|NoSuchBucket)/,
  },
  {
    name: 'an S3 endpoint that is not a URL',
    kind: 's3-url',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, {}, { endpoint: 's3.example.org' }),
    env: S3_KEYS,
    error: /releng\.yml:\d+: key 'environments\.staging\.s3\.endpoint'/,
  },
  {
    name: 'an s3:// URL without a bucket',
    kind: 's3-url',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, { releases: 's3://' }),
    env: S3_KEYS,
    error: /releases: 's3:\/\/' is not an S3 location; write s3:\/\/bucket or s3:\/\/bucket\/prefix/,
  },
  {
    kind: 'build',
    name: 'a template naming a flake path that names nothing',
    stage: 'build-artifacts',
    config: { build: { 'docker-image': '.#release-jobs.dockerImages.{system}' } },
    error:
      /releng\.yml build\.docker-image: '\.#release-jobs\.dockerImages\.\{system\}' names nothing in the flake for any system \(aarch64-linux, x86_64-linux\) \(\.#release-jobs has binaryTarball, build, dockerImage, installer, tarballs\); fix it, or set it to null when the project has none$/,
  },
  {
    kind: 'build',
    name: 'a profile the release jobs do not have',
    stage: 'build-artifacts',
    args: ['--profile', 'everything'],
    error:
      /profile 'everything': \.#release-jobs has no such attribute \(it has binaryTarball, build, dockerImage, installer, tarballs\); pass one of its profiles \(input 'profile' or releng\.yml build\.profile\)$/,
  },
  {
    kind: 'input',
    name: 'a profile that is not an attribute name',
    stage: 'build-artifacts',
    args: ['--profile', 'all.build'],
    error:
      /input 'profile' must be an attribute name of the release jobs such as all or x86_64-linux-only, got 'all\.build'$/,
  },
  // prepare and releng.yml, hostile (issue 16): paths that leave the checkout, types, sizes, versions git
  // cannot tag. Targets outside the tree are checked untouched in tests/integration/prepare.test.ts.
  {
    kind: 'fragment',
    name: 'a fragment whose synopsis is a map',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/map.md': FRAGMENT('synopsis: {a: 1}') },
    error: /doc\/manual\/rl-next\/map\.md:2: synopsis must be text, got a map; quote it/,
  },
  {
    kind: 'fragment',
    name: 'a fragment whose credits are a map',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/credits.md': FRAGMENT('synopsis: x\ncredits: {a: 1}') },
    error: /doc\/manual\/rl-next\/credits\.md:3: 'credits' must hold text or whole numbers, got a map/,
  },
  {
    kind: 'fragment',
    name: 'a fragment whose issues key has no value',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/empty.md': FRAGMENT('synopsis: x\nissues:') },
    error: /doc\/manual\/rl-next\/empty\.md:3: 'issues' has no value; give one or remove the key/,
  },
  {
    kind: 'fragment',
    name: 'a fragment whose front matter is a YAML alias bomb',
    stage: 'prepare',
    files: {
      'doc/manual/rl-next/bomb.md': FRAGMENT(
        `synopsis: x\nz0: &a0 [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `z${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`).join('\n')}`,
      ),
    },
    error: /doc\/manual\/rl-next\/bomb\.md:2: YAML aliases expand too far/,
  },
  {
    kind: 'fragment',
    name: 'a fragment that is not UTF-8',
    stage: 'prepare',
    setup: (d) => {
      fs.writeFileSync(
        path.join(d, 'doc/manual/rl-next/latin1.md'),
        Buffer.from('---\nsynopsis: caf\xe9\n---\n', 'latin1'),
      );
      git(d, 'add', '-A');
      git(d, 'commit', '-q', '-m', 'latin1');
    },
    error: /doc\/manual\/rl-next\/latin1\.md: is not valid UTF-8 text/,
  },
  {
    kind: 'fragment',
    name: 'a fragment that is a symlink to a file outside the repository',
    stage: 'prepare',
    setup: (d) => {
      const outside = path.join(tmpDir('releng-bad-outside-'), 'secret.md');
      fs.writeFileSync(outside, FRAGMENT("synopsis: the runner's secret"));
      fs.symlinkSync(outside, path.join(d, 'doc/manual/rl-next/leak.md'));
      git(d, 'add', '-A');
      git(d, 'commit', '-q', '-m', 'link');
    },
    error: /doc\/manual\/rl-next\/leak\.md: 'doc\/manual\/rl-next\/leak\.md' leads outside the repository/,
  },
  {
    kind: 'fragment',
    name: 'a fragment that is a FIFO',
    stage: 'prepare',
    setup: (d) => execFileSync('mkfifo', [path.join(d, 'doc/manual/rl-next/fifo.md')]),
    error: /doc\/manual\/rl-next\/fifo\.md: is not a regular file/,
  },
  {
    kind: 'fragment',
    name: 'a fragment larger than a fragment may be',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/big.md': FRAGMENT('synopsis: x', 'y'.repeat(300 << 10)) },
    error: /doc\/manual\/rl-next\/big\.md: is \d+ bytes, more than the 262144 allowed/,
  },
  {
    kind: 'fragment',
    name: 'a fragment that is not committed',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/new.md': FRAGMENT('synopsis: x') },
    dirty: true,
    error: /doc\/manual\/rl-next\/new\.md: not committed; commit the fragment first/,
  },
  {
    kind: 'fragment',
    name: 'a bare issue number in the 2.93 era',
    stage: 'prepare',
    config: { notes: { style: 'lix-2.93' } },
    // The fixture's fix-crash.md has a bare number too: this row's is the one.
    files: { 'doc/manual/rl-next/fix-crash.md': FRAGMENT('synopsis: x\nissues: 12') },
    error:
      /fix-crash\.md:3: unprefixed issue number '12' is disallowed until the Lix 2\.95 cycle, when it becomes a Lix Forgejo reference; prefix it with fj# or lix#/,
  },
  {
    kind: 'fragment',
    name: 'the notes file is ignored by git',
    stage: 'prepare',
    files: { '.gitignore': 'doc/manual/src/release-notes/\n' },
    error: /doc\/manual\/src\/release-notes\/rl-2\.93\.md: ignored by git \(\.gitignore\)/,
  },
  {
    kind: 'fragment',
    name: 'the notes file is a symlink that leads nowhere',
    stage: 'prepare',
    setup: (d) => {
      fs.mkdirSync(path.join(d, 'doc/manual/src/release-notes'), { recursive: true });
      fs.symlinkSync('/nonexistent/releng-target', path.join(d, 'doc/manual/src/release-notes/rl-2.93.md'));
    },
    error:
      /key 'notes\.output-dir': 'doc\/manual\/src\/release-notes\/rl-2\.93\.md' is a symbolic link that leads nowhere/,
  },
  {
    kind: 'releng.yml',
    name: 'a notes style that does not exist',
    stage: 'prepare',
    config: { notes: { style: 'lix-2.92' } },
    error:
      /releng\.yml:\d+: key 'notes\.style': 'lix-2\.92' is not a notes style; use one of lix-2\.91, lix-2\.93, lix-2\.94, lix-2\.95/,
  },
  {
    kind: 'releng.yml',
    name: 'notes.output-dir outside the repository',
    stage: 'prepare',
    config: { notes: { 'output-dir': '../outside' } },
    error: /releng\.yml:\d+: key 'notes\.output-dir': a path inside the repository: relative, without \.\./,
  },
  {
    kind: 'releng.yml',
    name: 'notes.summary an absolute path',
    stage: 'prepare',
    config: { notes: { summary: '/tmp/SUMMARY.md' } },
    error: /releng\.yml:\d+: key 'notes\.summary': a path inside the repository/,
  },
  {
    kind: 'releng.yml',
    name: 'notes.output-dir inside .git',
    stage: 'prepare',
    config: { notes: { 'output-dir': './.git/hooks' } },
    error: /releng\.yml:\d+: key 'notes\.output-dir': a path inside the repository: .*not in \.git/,
  },
  {
    kind: 'releng.yml',
    name: 'notes.output-dir a symlink to a directory outside the repository',
    stage: 'prepare',
    setup: (d) => {
      fs.mkdirSync(path.join(d, 'doc/manual/src'), { recursive: true });
      fs.symlinkSync(tmpDir('releng-bad-outside-'), path.join(d, 'doc/manual/src/release-notes'));
    },
    error:
      /releng\.yml key 'notes\.output-dir': 'doc\/manual\/src\/release-notes' leads outside the repository/,
  },
  {
    kind: 'releng.yml',
    name: 'notes.summary a symlink to a file outside the repository',
    stage: 'prepare',
    setup: (d) => {
      const outside = path.join(tmpDir('releng-bad-outside-'), 'SUMMARY.md');
      fs.writeFileSync(outside, '  <!-- RELENG-AUTO-INSERTION-MARKER -->\n');
      fs.rmSync(path.join(d, 'doc/manual/src/SUMMARY.md'));
      fs.symlinkSync(outside, path.join(d, 'doc/manual/src/SUMMARY.md'));
    },
    error: /releng\.yml key 'notes\.summary': 'doc\/manual\/src\/SUMMARY\.md' leads outside the repository/,
  },
  {
    kind: 'releng.yml',
    name: 'notes.fragments a symlink to a directory outside the repository',
    stage: 'prepare',
    setup: (d) => {
      fs.rmSync(path.join(d, 'doc/manual/rl-next'), { recursive: true });
      fs.symlinkSync(tmpDir('releng-bad-outside-'), path.join(d, 'doc/manual/rl-next'));
    },
    error: /releng\.yml key 'notes\.fragments': 'doc\/manual\/rl-next' leads outside the repository/,
  },
  {
    kind: 'releng.yml',
    name: 'notes.authors a symlink that leads nowhere',
    stage: 'prepare',
    setup: (d) => {
      fs.rmSync(path.join(d, 'doc/manual/change-authors.yml'));
      fs.symlinkSync('no-such-authors.yml', path.join(d, 'doc/manual/change-authors.yml'));
    },
    error:
      /releng\.yml key 'notes\.authors': 'doc\/manual\/change-authors\.yml' is a symbolic link that leads nowhere/,
  },
  {
    kind: 'releng.yml',
    name: 'a named config that does not exist',
    stage: 'prepare',
    args: ['--config', 'nope.yml'],
    error: /nope\.yml: not found; create it or pass 'config:' with its path/,
  },
  {
    kind: 'releng.yml',
    name: 'a named config that is a directory',
    stage: 'prepare',
    args: ['--config', 'doc'],
    error: /\/doc: is a directory, not a file/,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml that is a YAML alias bomb',
    stage: 'prepare',
    files: {
      'releng.yml': `z0: &a0 [x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `z${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`).join('\n')}\n`,
    },
    error: /releng\.yml: YAML aliases expand too far/,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml larger than a config may be',
    stage: 'prepare',
    files: { 'releng.yml': `product: Demo\n${'#'.repeat(1100 << 10)}\n` },
    error: /releng\.yml: is \d+ bytes, more than the 1048576 allowed/,
  },
  {
    kind: 'releng.yml',
    name: 'releng.yml a symlink to itself',
    stage: 'prepare',
    setup: (d) => {
      fs.rmSync(path.join(d, 'releng.yml'));
      fs.symlinkSync('releng.yml', path.join(d, 'releng.yml'));
    },
    error: /releng\.yml: is a symbolic link that loops/,
  },
  {
    kind: 'publish',
    name: "publish to an environment named 'constructor'",
    stage: 'publish',
    args: ['--environment', 'constructor', '--artifacts-dir', 'release/artifacts'],
    error: /environment 'constructor' is not defined in releng\.yml 'environments:'; known: local/,
  },
  {
    kind: 'publish',
    name: "publish to an environment named '__proto__'",
    stage: 'publish',
    args: ['--environment', '__proto__', '--artifacts-dir', 'release/artifacts'],
    error: /environment '__proto__' is not defined in releng\.yml 'environments:'; known: local/,
  },
  {
    kind: 'version.json',
    name: 'version.json nested deeper than version.json may be',
    stage: 'prepare',
    args: ['--version', '2.93.1'],
    files: {
      'version.json': `{"version": "2.93.0", "release_name": "x", "official_release": false, "deep": ${'['.repeat(30000)}${']'.repeat(30000)}}`,
    },
    error: /version\.json: nested more than 16 levels deep; version\.json is a few keys/,
  },
  {
    kind: 'version.json',
    name: 'version.json larger than version.json may be',
    stage: 'prepare',
    files: {
      'version.json': `{"version": "2.93.0", "release_name": "x", "official_release": false, "pad": "${'x'.repeat(70 << 10)}"}`,
    },
    error: /version\.json: is \d+ bytes, more than the 65536 allowed/,
  },
  {
    kind: 'version.json',
    name: 'version.json with a two-part version',
    stage: 'prepare',
    files: { 'version.json': '{"version": "2.94", "release_name": "x", "official_release": false}' },
    error: /version\.json: key "version": version '2\.94' is not of the form X\.Y\.Z/,
  },
  {
    kind: 'version.json',
    name: 'version.json a symlink to a file outside the repository',
    stage: 'prepare',
    setup: (d) => {
      const outside = path.join(tmpDir('releng-bad-outside-'), 'version.json');
      fs.writeFileSync(outside, '{"version": "2.93.0", "release_name": "x", "official_release": false}');
      fs.rmSync(path.join(d, 'version.json'));
      fs.symlinkSync(outside, path.join(d, 'version.json'));
    },
    error: /version\.json: 'version\.json' leads outside the repository/,
  },
  {
    kind: 'version.json',
    name: 'a release name with a newline in version.json',
    stage: 'prepare',
    files: {
      'version.json': '{"version": "2.93.0", "release_name": "Bird\\nof Prey", "official_release": false}',
    },
    error: /version\.json: key "release_name": release name 'Bird\\nof Prey' must be one line/,
  },
  ...(
    [
      ['a two-part version', '2.94', /'2\.94'/],
      ['a version with ..', '2.94.0-a..b', /'2\.94\.0-a\.\.b'/],
      ['a version with ~', '2.94.0~rc1', /'2\.94\.0~rc1'/],
      [
        'a version ending in .lock',
        '2.94.0-x.lock',
        /'2\.94\.0-x\.lock' .*git cannot tag a name ending in \.lock/,
      ],
      ['a very long version', `2.94.0-${'a'.repeat(100)}`, /longer than 64 characters/],
      ['a version with a control character', '2.94.0-a\x01b', /'2\.94\.0-a\\u0001b'/],
      ['a version with a newline', '2.94.0\nenvironment=live', /'2\.94\.0\\nenvironment=live'/],
      ['a version with a leading zero', '2.094.0', /'2\.094\.0'/],
      ['a version with a space', '2.94.0 rc1', /'2\.94\.0 rc1'/],
    ] as const
  ).map(
    ([name, version, shown]): Case => ({
      kind: 'input',
      name: `prepare with ${name}`,
      stage: 'prepare',
      args: ['--version', version],
      error: new RegExp(`input 'version': version .*${shown.source}`),
    }),
  ),
  {
    kind: 'input',
    name: 'a release-name input with a newline',
    stage: 'prepare',
    args: ['--version', '2.94.0', '--release-name', 'Bird\n# Injected'],
    error: /input 'release-name': release name 'Bird\\n# Injected' must be one line/,
  },
  // ── Hostile input (issue 16): a leg bundle, a config or an input written by an attacker. Each row is
  // also a line of the table in docs/reliability.md ("Hostile input"), with its verdict.
  // Symbolic links and special files: nothing outside a bundle's (or an artifacts dir's) real directory
  // is ever read, and only regular files are.
  {
    name: 'a leg artifact that is a symbolic link to a file of the runner',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: OUTSIDE_TEXT } });
      linkOut(path.join(leg, 'artifacts', LEG_FILE), path.join(w.outside, OUTSIDE_FILE));
    },
    error:
      /leg-x86_64-linux\/artifacts\/demo\/demo-2\.93\.0\/demo-2\.93\.0-x86_64-linux\.tar\.xz: leads outside the leg bundle .* through a symbolic link/,
  },
  {
    name: 'a manual page of a leg that is a symbolic link to a file of the runner',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { manual: 'manual' } });
      writeFiles(path.join(leg, 'manual'), { 'index.html': '<p>manual</p>\n' });
      linkOut(path.join(leg, 'manual', 'secret.html'), path.join(w.outside, OUTSIDE_FILE));
    },
    error: /leg-x86_64-linux\/manual\/secret\.html: leads outside the leg bundle .* through a symbolic link/,
  },
  {
    name: "a leg's manual directory that is a symbolic link to a directory of the runner",
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { manual: 'manual' } });
      linkOut(path.join(leg, 'manual'), path.join(w.outside, 'manual'));
    },
    error: /leg-x86_64-linux\/manual: leads outside the leg bundle .* through a symbolic link/,
  },
  {
    name: 'a leg.json that is a symbolic link to a leg.json elsewhere',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
      linkOut(path.join(leg, 'leg.json'), path.join(w.outside, 'bundles', 'leg', 'leg.json'));
    },
    error: /leg-x86_64-linux\/leg\.json: leads outside the leg bundle .* through a symbolic link/,
  },
  {
    name: 'a leg bundle directory that is a symbolic link to a leg elsewhere',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      fs.mkdirSync(path.join(d, 'bundles'));
      linkOut(path.join(d, 'bundles', 'leg-evil'), path.join(w.outside, 'bundles', 'leg'));
    },
    error: /bundles: 'bundles\/leg-evil' leads outside .*bundles through a symbolic link/,
  },
  {
    name: 'a leg docker archive that is a symbolic link to an archive elsewhere',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/*', '--targets', `oci-layout:${w.layout}`],
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { image: true });
      linkOut(path.join(leg, 'demo-2.93.0-docker-image-x86_64-linux.tar.gz'), w.archives.good);
    },
    error:
      /demo-2\.93\.0-docker-image-x86_64-linux\.tar\.gz: leads outside the leg bundle .* through a symbolic link/,
  },
  {
    name: "a leg's nix cache directory that is a symbolic link to a cache elsewhere",
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
      linkOut(path.join(leg, 'cache'), path.join(w.outside, 'cache'));
    },
    error: /leg-x86_64-linux\/cache: leads outside the leg bundle .* through a symbolic link/,
  },
  {
    name: 'a leg artifact that is a FIFO',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: '' } });
      fs.rmSync(path.join(leg, 'artifacts', LEG_FILE));
      execFileSync('mkfifo', [path.join(leg, 'artifacts', LEG_FILE)]);
    },
    error: /demo-2\.93\.0-x86_64-linux\.tar\.xz: is not a regular file \(a FIFO\)/,
  },
  {
    name: 'a manual page of a leg that is a FIFO',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { manual: 'manual' } });
      writeFiles(path.join(leg, 'manual'), { 'index.html': '<p>manual</p>\n' });
      execFileSync('mkfifo', [path.join(leg, 'manual', 'pipe.html')]);
    },
    error: /leg-x86_64-linux\/manual\/pipe\.html: is not a regular file \(a FIFO\)/,
  },
  {
    name: 'a file of an artifacts dir that is a symbolic link to a file of the runner',
    kind: 'publish',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d, w) =>
      linkOut(
        path.join(d, 'release/artifacts/demo/demo-2.93.0/extra.txt'),
        path.join(w.outside, OUTSIDE_FILE),
      ),
    error:
      /release\/artifacts\/demo\/demo-2\.93\.0\/extra\.txt: leads outside the artifacts dir .* through a symbolic link/,
  },
  {
    name: 'a file of an artifacts dir that is a FIFO',
    kind: 'publish',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d) => execFileSync('mkfifo', [path.join(d, 'release/artifacts/demo/demo-2.93.0/pipe')]),
    error: /release\/artifacts\/demo\/demo-2\.93\.0\/pipe: is not a regular file \(a FIFO\)/,
  },
  {
    name: 'a directory destination with a symbolic link inside it to a directory of the runner',
    kind: 'publish',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: { environments: { staging: { releases: 'out/releases' } } },
    setup: (d, w) => {
      fs.mkdirSync(path.join(d, 'out/releases'), { recursive: true });
      linkOut(path.join(d, 'out/releases/demo'), path.join(w.outside, 'dest'));
    },
    error:
      /out\/releases: 'demo\/demo-2\.93\.0\/[^']+' leads outside the destination .* through a symbolic link/,
  },
  // Values written into Nix (manifest.nix): validated for what they are, then escaped.
  {
    name: 'a leg package.out that injects Nix code into manifest.nix',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, {
        files: { [LEG_FILE]: 'x\n' },
        record: {
          package: {
            attr: 'build.x86_64-linux',
            out: `${STORE_PATH}"; pwned = builtins.trace "injected" "x`,
          },
        },
      }),
    error: /leg\.json: key "package\.out": '\/nix\/store\/.*' is not a nix store path/,
  },
  {
    name: 'a leg system that injects Nix code into manifest.nix',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, {
        files: { [LEG_FILE]: 'x\n' },
        record: {
          system: 'x86_64-linux = builtins.trace "injected" "x"; y',
          package: { attr: 'build.x86_64-linux', out: STORE_PATH },
        },
      }),
    error: /leg\.json: key "system": 'x86_64-linux = builtins.*' is not a nix system \(ARCH-OS/,
  },
  {
    name: 'a leg product with a newline that ends the manifest.nix comment',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, {
        files: { [LEG_FILE]: 'x\n' },
        record: {
          product: 'Demo\n{ pwned = builtins.trace "injected" 1; }',
          package: { attr: 'build.x86_64-linux', out: STORE_PATH },
        },
      }),
    error: /leg\.json: key "product": 'Demo\\n\{ pwned.*' must be one line/,
  },
  {
    name: 'a leg package.out whose hash is not nix-base32',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, {
        files: { [LEG_FILE]: 'x\n' },
        record: { package: { attr: 'build.x86_64-linux', out: `/nix/store/${'e'.repeat(32)}-demo` } },
      }),
    error: /leg\.json: key "package\.out": '\/nix\/store\/e{32}-demo' is not a nix store path/,
  },
  {
    name: 'a leg storePaths entry that is not a store path',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { storePaths: ['/etc/passwd'] } }),
    error: /leg\.json: key "storePaths": '\/etc\/passwd' is not a nix store path/,
  },
  {
    name: 'a leg version that is not X.Y.Z',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { version: '2.93.0/../../2.92.0' } }),
    error: /leg\.json: key "version": version '2\.93\.0\/\.\.\/\.\.\/2\.92\.0' is not of the form X\.Y\.Z/,
  },
  {
    name: 'a leg project name with a slash',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { name: 'demo/../other' } }),
    error: /leg\.json: key "name": 'demo\/\.\.\/other' is not a project name/,
  },
  // Paths and keys that a server or file system would read as another place.
  ...(
    [
      ['with /./', 'demo/demo-2.93.0/./x.tar.xz', /'demo\/demo-2\.93\.0\/\.\/x\.tar\.xz': a '\.' segment/],
      ['with //', 'demo//demo-2.93.0/x.tar.xz', /'demo\/\/demo-2\.93\.0\/x\.tar\.xz': an empty segment/],
      ['with a backslash', 'demo\\demo-2.93.0\\x.tar.xz', /a backslash/],
      [
        'with a newline',
        'demo/demo-2.93.0/x\nenvironment=live.tar.xz',
        /'demo\/demo-2\.93\.0\/x\\nenvironment=live\.tar\.xz': a control character/,
      ],
      [
        'with a segment longer than a file name may be',
        `demo/demo-2.93.0/${'x'.repeat(300)}.tar.xz`,
        /a segment longer than 255 bytes/,
      ],
      ['with a lone UTF-16 surrogate', 'demo/demo-2.93.0/\ud800.tar.xz', /not well-formed Unicode/],
      [
        'in another version directory',
        'demo/demo-2.92.0/demo-2.92.0.tar.gz',
        /'demo\/demo-2\.92\.0\/demo-2\.92\.0\.tar\.gz' is not inside the version directory demo\/demo-2\.93\.0\//,
      ],
      [
        'naming the release index publish writes',
        'demo/demo-2.93.0/.releng-index.json',
        /'demo\/demo-2\.93\.0\/\.releng-index\.json' is a name publish writes itself/,
      ],
      [
        "naming the release's claim publish writes",
        'demo/demo-2.93.0/.releng-claim.json',
        /'demo\/demo-2\.93\.0\/\.releng-claim\.json' is a name publish writes itself/,
      ],
    ] as const
  ).map(
    ([what, bad, shown]): Case => ({
      name: `a leg file path ${what}`,
      kind: 'leg',
      stage: 'publish',
      args: PUBLISH_LEGS_TREE,
      config: s3Tree,
      env: S3_KEYS,
      // A good file beside it: a run that checked paths late would have written it already.
      setup: (d, w) => {
        const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
        const rec = JSON.parse(fs.readFileSync(path.join(leg, 'leg.json'), 'utf8'));
        rec.files.push({ path: bad, size: 2, sha256: sha256('y\n') });
        fs.writeFileSync(path.join(leg, 'leg.json'), JSON.stringify(rec));
        try {
          writeFiles(path.join(leg, 'artifacts'), { [bad]: 'y\n' });
        } catch {
          // a name the file system refuses: the leg.json entry alone is the attack
        }
      },
      error: new RegExp(`leg\\.json: files entry .*${shown.source}`),
    }),
  ),
  {
    name: "an S3 destination prefix with '..' (s3://releases/../cache)",
    kind: 's3-url',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, { releases: 's3://releases/../cache' }),
    env: S3_KEYS,
    error: /releases: 's3:\/\/releases\/\.\.\/cache' is not an S3 location: its prefix has a '\.\.' segment/,
  },
  {
    name: 'an S3 destination prefix with an empty segment (s3://releases/a//b)',
    kind: 's3-url',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w, { releases: 's3://releases/a//b' }),
    env: S3_KEYS,
    error: /releases: 's3:\/\/releases\/a\/\/b' is not an S3 location: its prefix has an empty segment/,
  },
  {
    name: 'a file of an artifacts dir whose name holds a newline',
    kind: 'publish',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d) => fs.writeFileSync(path.join(d, 'release/artifacts/demo/demo-2.93.0/a\nb.txt'), 'x'),
    error: /release\/artifacts: 'demo\/demo-2\.93\.0\/a\\nb\.txt': a control character/,
  },
  {
    name: 'a file of an artifacts dir whose name is not NFC (decomposed accents)',
    kind: 'publish',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    setup: (d) => fs.writeFileSync(path.join(d, 'release/artifacts/demo/demo-2.93.0/cafe\u0301.txt'), 'x'),
    error: /release\/artifacts: 'demo\/demo-2\.93\.0\/cafe\u0301\.txt': a name not in Unicode normal form C/,
  },
  // Secrets in error lines
  {
    name: 'a credentials command that fails printing the key on stderr',
    kind: 'credentials',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: (w) =>
      s3Staging(
        w,
        {},
        { 'credentials-command': 'echo "partial: AKIALEAKEDBYSTDERR01 sk-leaked-on-stderr" >&2; exit 3' },
      ),
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    error:
      /^(?!.*(AKIALEAKEDBYSTDERR01|sk-leaked-on-stderr)).*s3\.credentials-command failed \(exit 3\); its output is not shown \(it may hold the key\): run it by hand to see why/,
  },
  {
    name: 'a registry password that starts with -- (CLI)',
    kind: 'credentials',
    stage: 'docker-multiarch',
    args: (w) => [
      '--images',
      w.archives.good,
      '--targets',
      `${w.registry.host}/demo/bad`,
      '--username',
      REGISTRY_USER,
      '--password',
      '--Pa55-Dashed-Secret',
    ],
    error:
      /^(?!.*Pa55-Dashed-Secret).*127\.0\.0\.1:\d+.*(refused|denied|unauthorized|401).*check username and password/i,
  },
  {
    name: 'a registry password of 3 characters',
    kind: 'credentials',
    stage: 'docker-multiarch',
    args: (w) => dockerTo(w).slice(0, -1).concat(['abc']),
    error: /^(?!.*abc).*input 'password' is 3 characters long: a secret must have at least 8/,
  },
  {
    name: 'an S3 secret key input of 1 character',
    kind: 'credentials',
    stage: 'publish',
    args: [
      ...PUBLISH_RELEASES_ONLY,
      '--environment',
      'staging',
      '--s3-access-key-id',
      'AKIASHORTSECRET00001',
      '--s3-secret-access-key',
      'q',
    ],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    error: /input 's3-secret-access-key' is 1 character long: a secret must have at least 8/,
  },
  {
    name: 'a forge token of 2 characters',
    kind: 'credentials',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging', '--forge-token', 'zz'],
    files: PUBLISH_TREE,
    config: (w) => s3Staging(w),
    env: S3_KEYS,
    error: /input 'forge-token' is 2 characters long: a secret must have at least 8/,
  },
  // Files that are not what they claim: one line naming the file, never a bare EISDIR/ENOENT/TypeError.
  {
    name: 'a leg.json that is a directory',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d) => fs.mkdirSync(path.join(d, 'bundles/leg-x86_64-linux/leg.json'), { recursive: true }),
    error: /leg-x86_64-linux\/leg\.json: is a directory, not a file/,
  },
  {
    name: 'a leg.json larger than a leg record may be',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
      const rec = JSON.parse(fs.readFileSync(path.join(leg, 'leg.json'), 'utf8'));
      rec.pad = 'x'.repeat(17 << 20);
      fs.writeFileSync(path.join(leg, 'leg.json'), JSON.stringify(rec));
    },
    error: /leg-x86_64-linux\/leg\.json: is \d+ bytes, more than the 16777216 allowed/,
  },
  {
    name: 'a leg.json nested 100000 levels deep',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
      const text = fs.readFileSync(path.join(leg, 'leg.json'), 'utf8').trimEnd();
      fs.writeFileSync(
        path.join(leg, 'leg.json'),
        `${text.slice(0, -1)}, "deep": ${'['.repeat(100000)}${']'.repeat(100000)}}`,
      );
    },
    error: /leg-x86_64-linux\/leg\.json: nested more than 16 levels deep/,
  },
  {
    name: 'a leg.json that is not UTF-8',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
      const text = fs.readFileSync(path.join(leg, 'leg.json'));
      const at = text.indexOf('"Demo"') + 1;
      fs.writeFileSync(
        path.join(leg, 'leg.json'),
        Buffer.concat([text.subarray(0, at), Buffer.from([0xff, 0xfe]), text.subarray(at)]),
      );
    },
    error: /leg-x86_64-linux\/leg\.json: is not valid UTF-8 text/,
  },
  {
    name: 'a leg.json in UTF-16',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' } });
      const text = fs.readFileSync(path.join(leg, 'leg.json'), 'utf8');
      fs.writeFileSync(
        path.join(leg, 'leg.json'),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      );
    },
    error: /leg-x86_64-linux\/leg\.json: is not valid UTF-8 text/,
  },
  {
    name: 'a leg.json whose files list holds null',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) => writeLegBundle(d, w, { files: { [LEG_FILE]: 'x\n' }, record: { files: [null] } }),
    error: /leg\.json: files entry 1 must be an object \{"path", "size", "sha256"\}/,
  },
  {
    name: 'a leg file with a negative size',
    kind: 'leg',
    stage: 'publish',
    args: PUBLISH_LEGS_TREE,
    config: s3Tree,
    env: S3_KEYS,
    setup: (d, w) =>
      writeLegBundle(d, w, {
        files: { [LEG_FILE]: 'x\n' },
        record: { files: [{ path: LEG_FILE, size: -2, sha256: sha256('x\n') }] },
      }),
    error:
      /leg\.json: files entry demo\/demo-2\.93\.0\/demo-2\.93\.0-x86_64-linux\.tar\.xz needs a size \(a whole number of bytes\) and a hex sha256/,
  },
  {
    name: 'a leg image whose layer list is not a list of digests',
    kind: 'leg',
    stage: 'docker-multiarch',
    args: (w) => ['--bundles', 'bundles/*', '--targets', `oci-layout:${w.layout}`],
    setup: (d, w) => {
      const leg = writeLegBundle(d, w, { image: true });
      const rec = JSON.parse(fs.readFileSync(path.join(leg, 'leg.json'), 'utf8'));
      rec.image.diffIds = [{ toString: 'x' }];
      fs.writeFileSync(path.join(leg, 'leg.json'), JSON.stringify(rec));
    },
    error: /leg\.json: key "image" must have path, sha256, architecture, os, diffIds and config/,
  },
  {
    name: 'publish with --config naming a directory',
    kind: 'publish',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--config', 'release'],
    files: PUBLISH_TREE,
    error: /release: is a directory, not a file/,
  },
];

const lazy = <T>(v: Lazy<T> | undefined, w: World): T | undefined =>
  typeof v === 'function' ? (v as (w: World) => T)(w) : v;

function project(c: Case, w: World): string {
  const edits = lazy(c.config, w);
  const dir = fixtureRepo({
    edit: (d) => {
      if (!edits) return;
      const file = path.join(d, 'releng.yml');
      const config = parse(fs.readFileSync(file, 'utf8')) ?? {};
      for (const [k, v] of Object.entries(edits))
        config[k] = typeof v === 'object' && v && !Array.isArray(v) ? deepMerge(config[k] ?? {}, v) : v;
      fs.writeFileSync(file, stringify(config));
    },
  });
  // prepare and tag start from the branch; build-artifacts from the tag fixtureRepo leaves HEAD on.
  if (c.stage === 'prepare' || c.stage === 'tag') git(dir, 'checkout', '-q', 'main');
  if (c.files) {
    writeFiles(dir, c.files);
    if (!c.dirty) {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', 'case');
    }
  }
  c.setup?.(dir, w);
  return dir;
}

function deepMerge(a: object, b: object): object {
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b))
    out[k] = typeof v === 'object' && v && !Array.isArray(v) ? deepMerge((out[k] as object) ?? {}, v) : v;
  return out;
}

/** The tar entries of a plain tar, in order. */
async function readTarEntries(file: string): Promise<{ name: string; data: Buffer }[]> {
  const entries: { name: string; data: Buffer }[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c) => parts.push(c as Buffer));
    stream.on('end', () => {
      if (h.type === 'file') entries.push({ name: h.name, data: Buffer.concat(parts) });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  fs.createReadStream(file).pipe(extract);
  await done;
  return entries;
}

async function writeTar(file: string, entries: { name: string; data: Buffer }[], gzip: boolean) {
  const pack = tar.pack();
  // Read while writing: an entry's callback waits for the pack stream to drain.
  const parts: Buffer[] = [];
  const read = (async () => {
    for await (const c of pack) parts.push(c as Buffer);
  })();
  for (const e of entries)
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: e.name, size: e.data.length, mtime: new Date(1000) }, e.data, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  pack.finalize();
  await read;
  const bytes = Buffer.concat(parts);
  fs.writeFileSync(file, gzip ? zlib.gzipSync(bytes, { level: 1 }) : bytes);
}

/** The Nix-style archives of the table: a good one, and each way one can be broken. */
async function makeArchives(dir: string): Promise<Record<ArchiveName, string>> {
  // Two incompressible layers bigger than an upload chunk (4 MiB), so that a bad archive has had layers
  // uploaded — PATCHed, and complete but for the commit — by the time its fault shows.
  const layers = [
    [randomFile('bad-input-0', 5 << 20)],
    [randomFile('bad-input-1', 5 << 20)],
    ...syntheticLayers('bad-input', 1, 2, 16),
  ];
  const good = await writeDockerArchive(path.join(dir, 'good'), {
    layers,
    architecture: 'amd64',
    keepPlainTar: true,
  });
  // The image record a leg.json carries for it.
  fs.writeFileSync(
    `${good.file}.json`,
    JSON.stringify({ architecture: 'amd64', diffIds: good.diffIds, config: good.config }),
  );
  const entries = await readTarEntries(good.plainTar!);
  const configName = `${good.config.slice(7)}.json`;
  const gz = fs.readFileSync(good.file);
  const out = (name: string) => path.join(dir, name);

  fs.writeFileSync(out('truncated.tar.gz'), gz.subarray(0, Math.floor(gz.length * 0.75)));
  const corrupt = Buffer.from(gz);
  for (let i = Math.floor(corrupt.length * 0.75); i < corrupt.length * 0.75 + 64; i++) corrupt[i]! ^= 0xa5;
  fs.writeFileSync(out('corrupt.tar.gz'), corrupt);

  // A config whose first diffID names other bytes: the layer no longer matches it.
  const config = JSON.parse(good.configJson.toString());
  config.rootfs.diff_ids[0] = `sha256:${sha256('other bytes')}`;
  const configBytes = Buffer.from(JSON.stringify(config));
  const newName = `${sha256(configBytes)}.json`;
  await writeTar(
    out('diffid.tar.gz'),
    entries.map((e) =>
      e.name === configName
        ? { name: newName, data: configBytes }
        : e.name === 'manifest.json'
          ? { name: e.name, data: Buffer.from(e.data.toString().replace(configName, newName)) }
          : e,
    ),
    true,
  );
  await writeTar(
    out('noconfig.tar.gz'),
    entries.filter((e) => e.name !== configName),
    true,
  );
  const arch = await writeDockerArchive(path.join(dir, 'arch'), { layers, architecture: 'sparc64' });
  await writeTar(out('notdocker.tar'), [{ name: 'README', data: Buffer.from('not an image\n') }], false);
  return {
    good: good.file,
    truncated: out('truncated.tar.gz'),
    corrupt: out('corrupt.tar.gz'),
    diffid: out('diffid.tar.gz'),
    noconfig: out('noconfig.tar.gz'),
    arch: arch.file,
    notdocker: out('notdocker.tar'),
  };
}

let world: World;

beforeAll(async () => {
  const [s3, registry] = await Promise.all([
    startS3(BUCKETS),
    startRegistry({ auth: 'htpasswd', users: { [REGISTRY_USER]: REGISTRY_PASSWORD } }),
  ]);
  const layout = path.join(tmpDir('releng-bad-layout-'), 'oci');
  world = {
    s3,
    registry,
    layout,
    archives: await makeArchives(tmpDir('releng-bad-archives-')),
    home: tmpDir('releng-bad-home-'),
    outside: tmpDir('releng-bad-outside-'),
  };
  const o = world.outside;
  writeFiles(o, {
    [OUTSIDE_FILE]: OUTSIDE_TEXT,
    'manual/index.html': '<p>a manual of the runner</p>\n',
    'cache/nix-cache-info': 'StoreDir: /nix/store\n',
  });
  fs.mkdirSync(path.join(o, 'dest'));
  writeLegBundle(o, world, { name: 'leg', files: { [LEG_FILE]: 'x\n' } });
}, 120_000);

afterAll(async () => {
  await Promise.all([world?.s3.stop(), world?.registry.stop()]);
});

/** Everything a release may write, outside the project: buckets, registry storage, the OCI layout. */
function destinations(w: World) {
  return {
    s3: contentSnapshot(w.s3.dir),
    registry: registrySnapshot(w.registry.storage),
    layout: contentSnapshot(w.layout),
    outside: contentSnapshot(w.outside),
  };
}

describe('bad input: one line naming the file or field, a non-zero exit, nothing written', () => {
  test('the table has well over 30 cases, covering every kind of input', () => {
    const kinds = new Set<string>(CASES.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(
      [
        'archive',
        'build',
        'credentials',
        'fragment',
        'input',
        'leg',
        'publish',
        'registry-ref',
        'releng.yml',
        's3-url',
        'version.json',
      ].sort(),
    );
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.name)).size, 'case names are unique').toBe(CASES.length);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const w = world;
    const dir = project(c, w);
    const before = { tree: contentSnapshot(dir), ...destinations(w) };
    const args = lazy(c.args, w) ?? [];
    const r = runCli([c.stage, ...args], {
      cwd: dir,
      env: {
        NIX_CONFIG,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        RUNNER_DEBUG: '',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        // No login files but those a case writes; the blob cache outside the tree.
        ...(c.stage === 'docker-multiarch' || c.stage === 'publish'
          ? { HOME: w.home, XDG_CACHE_HOME: path.join(w.home, '.cache') }
          : {}),
        ...lazy(c.env, w),
      },
    });
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith(`releng ${c.stage}: error:`));
    expect(r.status, r.stderr).not.toBe(0);
    expect(errorLines, r.stderr).toHaveLength(1);
    const line = errorLines[0]!;
    expect(line, r.stderr).toMatch(c.error);
    // The line is the whole error: no continuation lines, no stack.
    const after = r.stderr.slice(r.stderr.indexOf(line) + line.length).trim();
    expect(after, 'nothing after the error line').toBe('');
    expect(r.stdout, 'no outputs on failure').toBe('');
    expect({ tree: contentSnapshot(dir), ...destinations(w) }).toEqual(before);
  });
});
