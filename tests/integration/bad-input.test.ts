// Bad input, table-driven: each case runs a stage through the bundled CLI on a real project and must
// give one line naming the file or field (and what to do), a non-zero exit, and leave every place a
// release writes to — the work tree and its refs, the buckets, the registries, the remotes — exactly as
// it was. Snapshots compare content, not timestamps, so a read that rewrites nothing passes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/action.js';
import { git } from '../helpers/git.js';
import '../helpers/nix.js';
import { fixtureRepo } from '../helpers/project.js';
import { writeFiles } from '../helpers/tmp.js';

interface Case {
  /** What is wrong. */
  name: string;
  stage: string;
  args?: string[];
  /** Files written into the (committed, tagged) project before the run; committed unless dirty. */
  files?: Record<string, string>;
  /** releng.yml edits, merged at the top level (committed). */
  config?: Record<string, unknown>;
  /** Leave `files` uncommitted. */
  dirty?: boolean;
  /** Extra set-up on the project dir (after commit). */
  setup?: (dir: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The one line: must name the file or field. */
  error: RegExp;
}

/** A minimal release tree for publish cases, and the flags that publish only its releases step. */
const PUBLISH_TREE = { 'release/artifacts/demo/demo-2.93.0/demo-2.93.0.tar.gz': 'x\n' };
const PUBLISH_RELEASES_ONLY = [
  '--artifacts-dir',
  'release/artifacts',
  '--no-check-git',
  '--skip',
  'cache,docker,docs,installers,tag,release-page',
];

const FRAGMENT = (front: string, body = 'Body.') => `---\n${front}\n---\n\n${body}\n`;

const CASES: Case[] = [
  // Release note fragments (prepare)
  {
    name: 'a fragment without front matter',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/bare.md': 'just text\n' },
    error: /doc\/manual\/rl-next\/bare\.md:1: missing front matter; start the file with a '---' line/,
  },
  {
    name: 'a fragment whose front matter is not YAML',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/yaml.md': '---\nsynopsis: [unclosed\n---\nbody\n' },
    error: /doc\/manual\/rl-next\/yaml\.md:\d+: YAML syntax error in front matter/,
  },
  {
    name: 'a fragment with an unknown category',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/cat.md': FRAGMENT('synopsis: x\ncategory: Stuff') },
    error: /doc\/manual\/rl-next\/cat\.md:3: unknown category 'Stuff'; use one of Breaking Changes/,
  },
  {
    name: 'a fragment crediting an unknown author',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/who.md': FRAGMENT('synopsis: x\ncredits: mallory') },
    error:
      /doc\/manual\/rl-next\/who\.md: unknown author 'mallory' in credits; add them to the change authors file/,
  },
  {
    name: 'a fragment with an unrecognised issue reference',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/ref.md': FRAGMENT('synopsis: x\nissues: abc#1') },
    error:
      /doc\/manual\/rl-next\/ref\.md:3: unrecognised issue reference 'abc#1'; use 1234, gh#1234 or fj#1234/,
  },
  {
    name: 'a fragment without a synopsis',
    stage: 'prepare',
    files: { 'doc/manual/rl-next/nosyn.md': FRAGMENT('category: Fixes') },
    error: /doc\/manual\/rl-next\/nosyn\.md:2: missing synopsis/,
  },
  // version.json
  {
    name: 'version.json is not JSON',
    stage: 'prepare',
    files: { 'version.json': '{"version": "2.93.0",' },
    error: /version\.json: malformed JSON .*; fix the file/,
  },
  {
    name: 'version.json has no version',
    stage: 'tag',
    files: { 'version.json': '{"release_name": "x", "official_release": false}' },
    error: /version\.json: key "version" must be a string such as "2\.91\.0"/,
  },
  {
    name: 'version.json has a malformed version',
    stage: 'prepare',
    files: { 'version.json': '{"version": "two", "release_name": "x", "official_release": false}' },
    error: /version\.json: key "version": version 'two' is not of the form X\.Y\.Z/,
  },
  {
    name: 'official_release is not a boolean',
    stage: 'tag',
    files: { 'version.json': '{"version": "2.93.0", "release_name": "x", "official_release": "yes"}' },
    error: /version\.json: key "official_release" must be true or false/,
  },
  // releng.yml
  {
    name: 'releng.yml has an unknown key',
    stage: 'prepare',
    config: { notes: { fragmnts: 'x' } },
    error: /releng\.yml:\d+: key 'notes\.fragmnts': unknown key; remove it or check its spelling/,
  },
  {
    name: 'releng.yml has a wrong type',
    stage: 'build-artifacts',
    config: { build: { systems: 'x86_64-linux' } },
    error: /releng\.yml:\d+: key 'build\.systems': expected array/,
  },
  {
    name: 'releng.yml is not YAML',
    stage: 'prepare',
    files: { 'releng.yml': 'product: Demo\nnotes: [unclosed\n' },
    error: /releng\.yml:\d+: YAML syntax error: .*; fix the YAML/,
  },
  {
    name: 'releng.yml has a link that is not a URL',
    stage: 'prepare',
    config: { notes: { links: { github: 'not a url' } } },
    error: /releng\.yml:\d+: key 'notes\.links\.github': /,
  },
  {
    name: 'releng.yml names a system that is not a nix system',
    stage: 'build-artifacts',
    config: { build: { systems: ['x86_64'] } },
    error: /releng\.yml:\d+: key 'build\.systems\.0': a nix system such as x86_64-linux/,
  },
  // Stage inputs
  {
    name: 'a boolean input that is not true/false',
    stage: 'prepare',
    args: ['--no-commit', 'maybe'],
    error: /input 'no-commit' must be true or false, got 'maybe'/,
  },
  {
    name: 'an option the stage does not have',
    stage: 'tag',
    args: ['--frobnicate', 'x'],
    error: /unknown option --frobnicate for 'releng tag': known options are/,
  },
  {
    name: 'a date that is not YYYY-MM-DD',
    stage: 'prepare',
    args: ['--date', '2024-13-45'],
    error: /input 'date' must be a calendar date YYYY-MM-DD \(e\.g\. 2024-08-12\), got '2024-13-45'/,
  },
  {
    name: 'a version input that is not X.Y.Z',
    stage: 'prepare',
    args: ['--version', 'latest'],
    error: /input 'version': version 'latest' is not of the form X\.Y\.Z/,
  },
  {
    name: 'a build target that does not exist',
    stage: 'build-artifacts',
    args: ['--target', 'everything'],
    error: /input 'target' must be one of all, manual, got 'everything'/,
  },
  // build-artifacts against the real flake
  {
    name: 'a system the flake does not build',
    stage: 'build-artifacts',
    args: ['--systems', 'riscv64-linux'],
    error: /riscv64-linux.*(aarch64-linux|x86_64-linux)/,
  },
  {
    name: 'a jobs attribute the flake does not have',
    stage: 'build-artifacts',
    config: { build: { jobs: '.#no-such-jobs' } },
    error: /\.#no-such-jobs: the flake has no such attribute; set build\.jobs in releng\.yml/,
  },
  {
    name: 'a build from a dirty tree',
    stage: 'build-artifacts',
    files: { 'README.md': 'changed\n' },
    dirty: true,
    setup: (d) => git(d, 'add', 'README.md'),
    error:
      /the working tree has uncommitted changes \(A {2}README\.md\); commit or stash them, or pass no-check-git/,
  },
  {
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
    name: 'publish to an environment releng.yml does not define',
    stage: 'publish',
    args: ['--environment', 'staging', '--artifacts-dir', 'release/artifacts'],
    error: /environment 'staging' is not defined in releng\.yml 'environments:'; known: local/,
  },
  {
    name: 'publish with neither bundles nor an artifacts dir',
    stage: 'publish',
    error: /pass input 'bundles' \(the leg bundles of build-artifacts\) or 'artifacts-dir'/,
  },
  {
    name: 'publish from bundles that hold no leg',
    stage: 'publish',
    args: ['--bundles', 'nowhere/*'],
    error: /bundles: no leg bundle \(leg\.json\) at or below 'nowhere\/\*'/,
  },
  {
    name: 'publish skipping a step that does not exist',
    stage: 'publish',
    args: ['--artifacts-dir', 'release/artifacts', '--skip', 'docker,sideways'],
    error: /input 'skip': unknown step\(s\) sideways; known: cache, docker, releases/,
  },
  {
    name: 'publish to live without the typed confirmation',
    stage: 'publish',
    args: ['--environment', 'live', '--artifacts-dir', 'release/artifacts'],
    config: { environments: { live: { releases: 'out/releases' } } },
    error: /publishing to live needs input 'confirm' set to 'I want to release this'/,
  },
  {
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
    name: 'publish to a mistyped S3 URL (not silently a directory)',
    stage: 'publish',
    args: [...PUBLISH_RELEASES_ONLY, '--environment', 'staging'],
    files: PUBLISH_TREE,
    config: { environments: { staging: { releases: 's3:/releases' } } },
    error:
      /environments\.staging\.releases: 's3:\/releases' is neither s3:\/\/bucket\[\/prefix\] nor a directory/,
  },
  {
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
    error: /s3\.credentials-command failed \(exit 3\): denied; run it by hand to see why/,
  },
  {
    name: 'publish with a signing key that is not a nix secret key',
    stage: 'publish',
    args: [
      '--artifacts-dir',
      'release/artifacts',
      '--no-check-git',
      '--skip',
      'docker,releases,docs,installers,tag,release-page',
      '--environment',
      'staging',
    ],
    files: { ...PUBLISH_TREE, 'release/drvs.txt': '/nix/store/00000000000000000000000000000000-x.drv\n' },
    config: { environments: { staging: { cache: 'out/cache', 'signing-key': { env: 'TEST_KEY' } } } },
    env: { TEST_KEY: 'not-a-key' },
    error: /signing key in \$TEST_KEY is not a nix secret key \(expected NAME:BASE64 of 64 bytes/,
  },
];

/** Content of every file under dir (hashes), plus the repository's refs and HEAD; git's index excluded. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const f = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, f);
    // The index holds stat caches that a read-only `git status` may refresh.
    if (rel === path.join('.git', 'index')) continue;
    out[rel] = createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  }
  return out;
}

function project(c: Case): string {
  const dir = fixtureRepo({
    edit: (d) => {
      if (!c.config) return;
      const file = path.join(d, 'releng.yml');
      const config = parse(fs.readFileSync(file, 'utf8')) ?? {};
      for (const [k, v] of Object.entries(c.config))
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
  c.setup?.(dir);
  return dir;
}

function deepMerge(a: object, b: object): object {
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b))
    out[k] = typeof v === 'object' && v && !Array.isArray(v) ? deepMerge((out[k] as object) ?? {}, v) : v;
  return out;
}

describe('bad input: one line naming the file or field, a non-zero exit, nothing written', () => {
  test('the table has at least 30 cases across every kind of input', () => {
    // Kinds still to come with docker-multiarch and publish: archives, leg bundles, registry
    // references, credentials, S3 URLs, workflow inputs.
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const dir = project(c);
    const before = snapshot(dir);
    const r = runCli([c.stage, ...(c.args ?? [])], {
      cwd: dir,
      env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', RUNNER_DEBUG: '', ...c.env },
    });
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith(`releng ${c.stage}: error:`));
    expect(r.status, r.stderr).not.toBe(0);
    expect(errorLines, r.stderr).toHaveLength(1);
    const line = errorLines[0]!;
    expect(line).toMatch(c.error);
    // The line is the whole error: no continuation lines, no stack.
    const after = r.stderr.slice(r.stderr.indexOf(line) + line.length).trim();
    expect(after, 'nothing after the error line').toBe('');
    expect(r.stdout, 'no outputs on failure').toBe('');
    expect(snapshot(dir)).toEqual(before);
  });
});
