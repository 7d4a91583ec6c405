// src/bundle/assemble.ts: one leg bundle from a leg's built jobs — outputs stood in by plain directories
// (the real nix builds are assembled in tests/integration/build-artifacts.test.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { type AssembleOptions, assembleLeg } from '../../../src/bundle/assemble.js';
import { readLeg } from '../../../src/bundle/leg.js';
import { Git } from '../../../src/git/git.js';
import { silentLogger } from '../../../src/log.js';
import type { NixJob } from '../../../src/nix/jobs.js';
import type { LegPlan } from '../../../src/release/plan.js';
import { writeDockerArchive } from '../../helpers/docker-archive.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

const V = 'demo/demo-1.0.0';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const job = (attr: string, outputs: Record<string, string>): NixJob => ({
  attr,
  drvPath: `/nix/store/${attr}.drv`,
  system: 'aarch64-linux',
  outputs,
});
const plan = (o: Partial<LegPlan>): LegPlan => ({
  system: 'aarch64-linux',
  jobs: [],
  package: null,
  binaryTarball: null,
  dockerImage: null,
  installer: null,
  manual: null,
  cacheJobs: [],
  ...o,
});
const options = (p: LegPlan, o: Partial<AssembleOptions> = {}): AssembleOptions => ({
  plan: p,
  target: 'all',
  name: 'demo',
  product: 'Demo',
  version: '1.0.0',
  bundleDir: path.join(tmpDir(), 'leg'),
  git: new Git(tmpDir()),
  sourceRef: '1.0.0',
  log: silentLogger,
  ...o,
});

describe('assembling a leg', () => {
  test("tarballs, the image renamed, the installer: each in the version directory, with .sha256 but the installer's", async () => {
    const out = tmpDir('releng-out-');
    writeFiles(out, {
      'tarballs/demo-1.0.0-aarch64-linux.tar.xz': 'tarball',
      'tarballs/nix-support/hydra-build-products': 'not a tarball',
      'installer/bin/demo-installer': 'installer',
    });
    fs.chmodSync(path.join(out, 'installer/bin/demo-installer'), 0o555);
    fs.mkdirSync(path.join(out, 'image'));
    const image = await writeDockerArchive(path.join(out, 'image/image'), {
      layers: [[{ path: 'etc/hello', data: Buffer.from('hi') }]],
      architecture: 'arm64',
    });
    writeFiles(out, { 'image/other.tar.gz': 'another archive' });
    const o = options(
      plan({
        package: job('build.aarch64-linux', {
          out: '/nix/store/pppppppppppppppppppppppppppppppp-demo-1.0.0',
        }),
        binaryTarball: job('binaryTarball.aarch64-linux', { out: path.join(out, 'tarballs') }),
        dockerImage: job('dockerImage.aarch64-linux', { out: path.join(out, 'image') }),
        installer: job('installer.aarch64-linux', { out: path.join(out, 'installer') }),
      }),
    );
    const record = await assembleLeg(o);
    const art = (f: string) => path.join(o.bundleDir, 'artifacts', V, f);
    expect(record.files.map((f) => f.path)).toEqual([
      `${V}/demo-1.0.0-aarch64-linux.tar.xz`,
      `${V}/demo-1.0.0-aarch64-linux.tar.xz.sha256`,
      `${V}/demo-1.0.0-docker-image-aarch64-linux.tar.gz`,
      `${V}/demo-1.0.0-docker-image-aarch64-linux.tar.gz.sha256`,
      `${V}/demo-installer-aarch64-linux`,
    ]);
    // The tarballs job's files get Lix's `.sha256`: the hex and a newline.
    expect(fs.readFileSync(art('demo-1.0.0-aarch64-linux.tar.xz.sha256'), 'utf8')).toBe(
      `${sha('tarball')}\n`,
    );
    expect(fs.readFileSync(art('demo-1.0.0-docker-image-aarch64-linux.tar.gz.sha256'), 'utf8')).toBe(
      `${image.sha256}\n`,
    );
    // Copied out of the store with writable modes.
    expect(fs.statSync(art('demo-installer-aarch64-linux')).mode & 0o777).toBe(0o755);
    expect(record.image).toEqual({
      path: `artifacts/${V}/demo-1.0.0-docker-image-aarch64-linux.tar.gz`,
      sha256: image.sha256,
      architecture: 'arm64',
      os: 'linux',
      diffIds: image.diffIds,
      config: image.config,
    });
    expect(record).toMatchObject({
      system: 'aarch64-linux',
      name: 'demo',
      target: 'all',
      package: { attr: 'build.aarch64-linux', out: '/nix/store/pppppppppppppppppppppppppppppppp-demo-1.0.0' },
      manual: null,
      storePaths: [],
    });
    expect(readLeg(o.bundleDir)).toEqual(record);
  });

  test('target manual: only the manual, found under share/doc/NAME/manual', async () => {
    const doc = tmpDir('releng-doc-');
    writeFiles(doc, { 'share/doc/demo/manual/index.html': '<h1>manual</h1>' });
    const o = options(plan({ manual: job('build.aarch64-linux', { out: '/x', doc }) }), { target: 'manual' });
    const record = await assembleLeg(o);
    expect(record).toMatchObject({ target: 'manual', manual: 'manual', files: [], image: null });
    expect(fs.readFileSync(path.join(o.bundleDir, 'manual/index.html'), 'utf8')).toBe('<h1>manual</h1>');
  });

  test('outputs that are not what the role needs: one line naming the job and the releng.yml key', async () => {
    const out = tmpDir('releng-out-');
    writeFiles(out, {
      'notar/readme': 'x',
      'two/a.tar.gz': 'a',
      'two/b.tar.gz': 'b',
      'plain/image.tar.gz': 'not gzip',
      'doc/share/doc/x/manual/a': 'a',
      'doc/share/doc/y/manual/b': 'b',
    });
    const fails = (p: Partial<LegPlan>, target: 'all' | 'manual' = 'all') =>
      assembleLeg(options(plan(p), { target }));
    await expect(fails({ binaryTarball: job('t', { out: path.join(out, 'notar') }) })).rejects.toThrow(
      `job 't': its output ${path.join(out, 'notar')} has no *.tar.xz; check releng.yml build.binary-tarball`,
    );
    await expect(fails({ dockerImage: job('i', { out: path.join(out, 'two') }) })).rejects.toThrow(
      /has several \*\.tar\.gz \(a\.tar\.gz, b\.tar\.gz\) and no image\.tar\.gz; check releng\.yml build\.docker-image/,
    );
    await expect(fails({ dockerImage: job('i', { out: path.join(out, 'plain') }) })).rejects.toThrow(
      /is not gzip-compressed; the release tree names images \.tar\.gz/,
    );
    await expect(fails({ installer: job('n', { out: path.join(out, 'two') }) })).rejects.toThrow(
      /is not one file, nor a directory with exactly one file \(or one in bin\/\); check releng\.yml build\.installer/,
    );
    await expect(
      fails({ manual: job('m', { out: '/x', doc: path.join(out, 'doc') }) }, 'manual'),
    ).rejects.toThrow(/no manual in its doc output .* found several: .*; set releng\.yml build\.manual-path/);
    await expect(fails({ package: job('p', { lib: '/nix/store/lib' }) })).rejects.toThrow(
      "job 'p' has no 'out' output; the package job needs one",
    );
  });
});
