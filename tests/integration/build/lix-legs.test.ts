// Lix's release jobs as they are (tests/fixtures/lix-flake: Lix's release-jobs.nix unchanged, hydraJobs of
// Lix's shape) built through the leg matrix — one build-artifacts run per system, as the release
// workflow's matrix runs them, then the fan-in's merge — against the real nix of the tests. The merged
// tree must be what the fixture's own `tarballs` job makes, plus manifest.nix and the source tarball.
// One set of builds, shared by every assertion (nix builds are slow on two cores).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { readLeg } from '../../../src/bundle/leg.js';
import { mergeLegs, writeTree } from '../../../src/bundle/merge.js';
import { buildArtifactsCommand } from '../../../src/commands/build-artifacts.js';
import { publishCommand } from '../../../src/commands/publish.js';
import { Inputs, mapInputs } from '../../../src/inputs.js';
import { type Logger, silentLogger } from '../../../src/log.js';
import { listFiles } from '../../../src/release/files.js';
import { nixBuildOut, nixEnv } from '../../helpers/nix.js';
import { fixtureRepo, LIX_FIXTURE } from '../../helpers/project.js';
import { nixKey } from '../../helpers/publish-fixture.js';
import { type S3Server, startS3 } from '../../helpers/s3.js';
import { tmpDir } from '../../helpers/tmp.js';

const VERSION = '2.93.0';
const V = `lix/lix-${VERSION}`;
const SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'aarch64-darwin'];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MANUAL_TARBALL = `lix-${VERSION}-manual.tar.gz`;

/** Every file below dir → its bytes' sha256. */
function treeOf(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, sha(fs.readFileSync(path.join(dir, f)))]));
}

/** A .tar.gz's entries — names and file bytes, no metadata — as an extracted tree. */
function tarEntries(file: string): Record<string, string> {
  const dir = tmpDir('releng-lix-untar-');
  execFileSync('tar', ['-xzf', file, '-C', dir]);
  return treeOf(dir);
}

/** One matrix leg: the build-artifacts command with the leg's inputs, in-process. */
async function leg(dir: string, inputs: Record<string, string>, log: Logger = silentLogger) {
  return buildArtifactsCommand.run(new Inputs(mapInputs(inputs)), { log, processEnv: process.env, cwd: dir });
}

let repo: string;
/** system → its leg bundle, downloaded into one directory as the fan-in job gets them. */
let downloads: string;
let tree: string;
/** The fixture's own `tarballs` job output. */
let tarballs: string;
const outputs: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  repo = fixtureRepo({ from: LIX_FIXTURE });
  downloads = tmpDir('releng-lix-download-');
  for (const system of SYSTEMS) {
    const r = await leg(repo, { systems: system, 'out-dir': `out-${system}` });
    outputs[system] = r.outputs;
    fs.cpSync(String(r.outputs['bundle-dir']), path.join(downloads, `leg-${system}`), { recursive: true });
  }
  const merged = await mergeLegs(
    fs.readdirSync(downloads).map((n) => path.join(downloads, n)),
    silentLogger,
  );
  tree = tmpDir('releng-lix-tree-');
  await writeTree(merged, tree);
  tarballs = await nixBuildOut(repo, '.#release-jobs.all.tarballs');
}, 600_000);

describe('Lix release-jobs.nix unchanged, profile all, three legs merged', () => {
  test("the tree is the tarballs job's output, plus manifest.nix and the source tarball", async () => {
    const own = treeOf(tarballs);
    const ours = treeOf(tree);
    // The same names: the tarballs job's files in the version directory, and what create_release.xsh adds.
    expect(Object.keys(ours).sort()).toEqual(
      [
        ...Object.keys(own).map((f) => `${V}/${f}`),
        `${V}/lix-${VERSION}.tar.gz`,
        `${V}/lix-${VERSION}.tar.gz.sha256`,
        `${V}/manifest.nix`,
        'manifest.nix',
      ].sort(),
    );
    expect(Object.keys(own)).toEqual(
      expect.arrayContaining([
        ...SYSTEMS.map((s) => `lix-${VERSION}-${s}.tar.xz`),
        `lix-${VERSION}-docker-image-x86_64-linux.tar.gz`,
        `lix-${VERSION}-docker-image-aarch64-linux.tar.gz`,
        'manual/index.html',
        'manual/command-ref/nix-build.html',
      ]),
    );
    expect(Object.keys(own)).not.toContain(`lix-${VERSION}-docker-image-aarch64-darwin.tar.gz`);
    // The same bytes: binary tarballs, images, their .sha256 (hex and a newline, as doTarball writes
    // them) and the manual. The manual tarball is the one difference: Lix's `tar -cvzf` of a `cp -r`
    // records build-time mtimes (no two builds agree); ours is reproducible, with the same entries.
    for (const [f, hash] of Object.entries(own)) {
      if (f === MANUAL_TARBALL || f === `${MANUAL_TARBALL}.sha256`) continue;
      expect(ours[`${V}/${f}`], f).toBe(hash);
    }
    expect(tarEntries(path.join(tree, V, MANUAL_TARBALL))).toEqual(
      tarEntries(path.join(tarballs, MANUAL_TARBALL)),
    );
    expect(fs.readFileSync(path.join(tree, V, `${MANUAL_TARBALL}.sha256`), 'utf8')).toBe(
      `${ours[`${V}/${MANUAL_TARBALL}`]}\n`,
    );
    // The source tarball's .sha256 as create_release.xsh writes it: no newline.
    expect(fs.readFileSync(path.join(tree, V, `lix-${VERSION}.tar.gz.sha256`), 'utf8')).toBe(
      ours[`${V}/lix-${VERSION}.tar.gz`],
    );
    // manifest.nix: the package of each of the three systems.
    const outs = SYSTEMS.map(
      (s) =>
        [
          s,
          JSON.parse(
            execFileSync('nix', ['eval', '--json', `.#hydraJobs.build.${s}.outPath`], {
              cwd: repo,
              env: nixEnv(),
              encoding: 'utf8',
            }),
          ) as string,
        ] as const,
    ).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(fs.readFileSync(path.join(tree, 'manifest.nix'), 'utf8')).toBe(
      `# This file was generated by releng-actions in Lix\n{\n${outs.map(([s, p]) => `  ${s} = "${p}";\n`).join('')}}\n`,
    );
  });

  test('each leg builds its system: the darwin leg has no image, linux legs have real docker archives', () => {
    for (const system of SYSTEMS) {
      const record = readLeg(path.join(downloads, `leg-${system}`));
      const linux = system !== 'aarch64-darwin';
      expect(record.jobs.map((j) => j.attr)).toEqual(
        [
          `.#hydraJobs.binaryTarball.${system}`,
          ...(linux ? [`.#hydraJobs.dockerImage.${system}.tarball`] : []),
          `build.${system}`,
        ].sort(),
      );
      expect(record.package?.attr).toBe(`build.${system}`);
      expect(record.manual).toBe(system === 'x86_64-linux' ? 'manual' : null);
      // The cache holds the package, not the release-tree-only jobs.
      const build = record.jobs.find((j) => j.attr === `build.${system}`)!;
      expect(record.drvPaths).toEqual([build.drvPath]);
      expect(outputs[system]).toMatchObject({ systems: [system] });
      if (!linux) {
        expect(record.image).toBeNull();
        expect(outputs[system]!.images).toEqual([]);
        continue;
      }
      // The record was read from the archive in docker-multiarch's one pass (layers against diffIDs);
      // skopeo reads the same archive to the same config.
      const image = record.image!;
      expect(image).toMatchObject({
        architecture: system === 'x86_64-linux' ? 'amd64' : 'arm64',
        os: 'linux',
      });
      const plain = path.join(tmpDir('releng-lix-img-'), 'image.tar');
      fs.writeFileSync(
        plain,
        zlib.gunzipSync(fs.readFileSync(path.join(downloads, `leg-${system}`, image.path))),
      );
      const config = execFileSync('skopeo', ['inspect', '--config', '--raw', `docker-archive:${plain}`]);
      expect(image.config).toBe(`sha256:${sha(config)}`);
      expect(image.diffIds).toHaveLength(2);
    }
  });

  test('profile x86_64-linux-only (input over releng.yml): its system alone, its own tarballs job', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warning: (m: string) => warnings.push(m) };
    const r = await leg(repo, { profile: 'x86_64-linux-only', 'out-dir': 'out-x86-only' }, log);
    expect(r.outputs.systems).toEqual(['x86_64-linux']);
    expect(r.summary?.title).toBe(`Built Lix ${VERSION} for x86_64-linux (profile x86_64-linux-only)`);
    expect(warnings).toEqual([
      'profile x86_64-linux-only builds x86_64-linux; releng.yml build.systems also has aarch64-linux, aarch64-darwin, which a release of this build lacks',
    ]);
    const own = await nixBuildOut(repo, '.#release-jobs.x86_64-linux-only.tarballs');
    const ours = listFiles(String(r.outputs['artifacts-dir']));
    expect(
      ours.filter((f) => f.startsWith(`${V}/`) && !/manifest\.nix|lix-2\.93\.0\.tar\.gz/.test(f)),
    ).toEqual(listFiles(own).map((f) => `${V}/${f}`));
  });
});

describe("publish over Lix's three legs: to a directory and to s3rver", () => {
  const S3_KEY = ['RELENGTESTKEYID', 'releng-test-secret-key'] as const;
  let s3: S3Server;
  let out: string;
  let config: string;
  const key = nixKey('lix-legs-1');

  beforeAll(async () => {
    s3 = await startS3(['releases', 'cache', 'docs', 'install'], { keys: [[...S3_KEY]] });
    out = tmpDir('releng-lix-publish-');
    // The fixture's releng.yml with two environments: directories (images to an OCI layout), and s3rver.
    config = path.join(out, 'releng.yml');
    const build = fs.readFileSync(path.join(repo, 'releng.yml'), 'utf8');
    const dirs = (p: string) =>
      Object.fromEntries(['cache', 'releases', 'docs', 'install'].map((b) => [b, `${out}/${p}/${b}`]));
    const environments = {
      rehearsal: {
        ...dirs('dir'),
        'signing-key': { env: 'LIX_SIGNING_KEY' },
        registries: [{ ref: `oci-layout:${out}/dir/oci`, tags: ['{version}', '{major}'] }],
        confirm: false,
      },
      staging: {
        s3: { endpoint: s3.endpoint, region: 'garage', 'path-style': true },
        ...Object.fromEntries(['cache', 'releases', 'docs', 'install'].map((b) => [b, `s3://${b}`])),
        'signing-key': { env: 'LIX_SIGNING_KEY' },
      },
    };
    fs.writeFileSync(config, `${build}\n${stringify({ environments })}`);
  });
  afterAll(() => s3?.stop());

  const publish = (inputs: Record<string, string>) =>
    publishCommand.run(
      new Inputs(
        mapInputs({
          bundles: `${downloads}/*`,
          config,
          'no-check-git': 'true',
          skip: 'tag,branch,release-page',
          ...inputs,
        }),
      ),
      { log: silentLogger, processEnv: { ...process.env, LIX_SIGNING_KEY: key.secret }, cwd: repo },
    );

  /** What a destination holds, key → sha256: a directory, or an s3rver bucket (KEY._S3rver_object). */
  function held(dir: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(treeOf(dir))
        .filter(([k]) => !/\._S3rver_(metadata|object\.md5)/.test(k))
        .map(([k, v]) => [k.replace(/\._S3rver_object$/, ''), v]),
    );
  }

  test.each([
    ['rehearsal', () => `${out}/dir`],
    ['staging', () => s3.dir],
  ])(
    '%s: the release tree is the merged tree byte for byte, the packages signed in the cache (nix copies them on the directory), a re-run writes nothing',
    async (environment, root) => {
      // s3rver: no registry (no images, no pointer tags), and staging's phrase.
      const inputs = {
        environment,
        ...(environment === 'staging'
          ? {
              confirm: 'I want to release this to staging',
              skip: 'docker,docker-pointers,tag,branch,release-page',
              's3-access-key-id': S3_KEY[0],
              's3-secret-access-key': S3_KEY[1],
            }
          : {}),
      };
      const r = await publish(inputs);
      expect(Number(r.outputs['uploaded-bytes'])).toBeGreaterThan(0);
      const releases = held(path.join(root(), 'releases'));
      const merged = treeOf(tree);
      // Every file of the merged tree, same bytes; besides it only the release's claim and index.
      for (const [f, hash] of Object.entries(merged)) expect(releases[f], f).toBe(hash);
      expect(Object.keys(releases).filter((f) => !(f in merged))).toEqual([
        `${V}/.releng-claim.json`,
        `${V}/.releng-index.json`,
      ]);
      // The cache: the package of each system, signed; nix (not our code) copies them with only the key trusted.
      const narinfos = Object.keys(held(path.join(root(), 'cache'))).filter((k) => k.endsWith('.narinfo'));
      expect(narinfos.length).toBeGreaterThanOrEqual(SYSTEMS.length);
      if (environment === 'rehearsal') {
        const store = tmpDir('releng-lix-store-');
        const pkg = JSON.parse(
          execFileSync('nix', ['eval', '--json', '.#hydraJobs.build.x86_64-linux.outPath'], {
            cwd: repo,
            env: nixEnv(),
            encoding: 'utf8',
          }),
        ) as string;
        execFileSync(
          'nix',
          [
            'copy',
            '--from',
            `file://${out}/dir/cache`,
            '--to',
            `${store}`,
            '--option',
            'trusted-public-keys',
            key.public,
            pkg,
          ],
          { env: nixEnv(), stdio: 'pipe' },
        );
        expect(fs.existsSync(path.join(store, pkg.slice(1)))).toBe(true);
        // The images of both linux legs in one index, as skopeo reads the layout.
        const index = JSON.parse(
          execFileSync('skopeo', ['inspect', '--raw', `oci:${out}/dir/oci:${VERSION}`], { encoding: 'utf8' }),
        ) as { manifests: { platform: { architecture: string } }[] };
        expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
      }
      // Again: nothing to write.
      const again = await publish(inputs);
      expect(Number(again.outputs['uploaded-bytes'])).toBe(0);
    },
  );
});
