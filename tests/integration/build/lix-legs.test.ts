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
import { beforeAll, describe, expect, test } from 'vitest';
import { readLeg } from '../../../src/bundle/leg.js';
import { mergeLegs, writeTree } from '../../../src/bundle/merge.js';
import { buildArtifactsCommand } from '../../../src/commands/build-artifacts.js';
import { Inputs, mapInputs } from '../../../src/inputs.js';
import { type Logger, silentLogger } from '../../../src/log.js';
import { listFiles } from '../../../src/release/files.js';
import { nixBuildOut, nixEnv } from '../../helpers/nix.js';
import { fixtureRepo, LIX_FIXTURE } from '../../helpers/project.js';
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
  tarballs = nixBuildOut(repo, '.#release-jobs.all.tarballs');
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
    const own = nixBuildOut(repo, '.#release-jobs.x86_64-linux-only.tarballs');
    const ours = listFiles(String(r.outputs['artifacts-dir']));
    expect(
      ours.filter((f) => f.startsWith(`${V}/`) && !/manifest\.nix|lix-2\.93\.0\.tar\.gz/.test(f)),
    ).toEqual(listFiles(own).map((f) => `${V}/${f}`));
  });
});
