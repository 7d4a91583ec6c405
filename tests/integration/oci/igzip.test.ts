// The two gzip engines — ISA-L's igzip (Debian's isal, installed by scripts/setup-test-env) and Node's
// zlib — on the same archives to the real docker-registry: skopeo pulls each platform back and every
// layer gunzips to its diffID; igzip's output is deterministic; a failing or foreign igzip is one clear
// line and writes nothing.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { SpoolFile } from '../../../src/oci/blob-source.js';
import { findIgzip, IgzipCompressor, igzipFor } from '../../../src/oci/igzip.js';
import { type PublishImagesOptions, publishImages } from '../../../src/oci/publish-images.js';
import {
  randomFile,
  syntheticLayers,
  type WrittenArchive,
  writeDockerArchive,
} from '../../helpers/docker-archive.js';
import { type RegistryServer, startRegistry } from '../../helpers/registry.js';
import { pullBack, skopeo } from '../../helpers/skopeo.js';
import { tmpDir } from '../../helpers/tmp.js';

const IGZIP = findIgzip();
let amd64: WrittenArchive;
let arm64: WrittenArchive;
let reg: RegistryServer;

beforeAll(async () => {
  expect(IGZIP, 'igzip is not on PATH: run scripts/setup-test-env').toBeDefined();
  const dir = tmpDir('releng-engines-');
  const make = (arch: string) =>
    writeDockerArchive(path.join(dir, arch), {
      layers: [...syntheticLayers(arch, 3, 2, 16), [randomFile(arch, 5_000_000)]],
      architecture: arch,
      labels: { 'org.opencontainers.image.version': '2.93.0' },
    });
  [amd64, arm64] = await Promise.all([make('amd64'), make('arm64')]);
  reg = await startRegistry();
});
afterAll(() => reg?.stop());

function options(targets: string[], extra: Partial<PublishImagesOptions> = {}): PublishImagesOptions {
  return {
    images: [
      { file: amd64.file, system: 'x86_64-linux' },
      { file: arm64.file, system: 'aarch64-linux' },
    ],
    targets: targets.map((ref) => ({ ref, tags: ['{version}'] })),
    version: '2.93.0',
    pointers: { latest: false, major: true },
    movePointers: true,
    log: silentLogger,
    processEnv: { HOME: tmpDir('releng-home-'), PATH: process.env.PATH },
    ...extra,
  };
}

describe('gzip engines', () => {
  test('igzip and zlib: both images pull back whole; same configs, each its own layer bytes', async () => {
    const z = await publishImages(options([`${reg.host}/engines/zlib`], { gzipEngine: 'zlib' }));
    const i = await publishImages(options([`${reg.host}/engines/igzip`], { gzipEngine: 'igzip' }));
    expect(i.digest).not.toBe(z.digest);
    for (const [arch, a] of [
      ['amd64', amd64],
      ['arm64', arm64],
    ] as const) {
      const zl = await pullBack(reg, 'engines/zlib', '2.93.0', arch, a);
      const ig = await pullBack(reg, 'engines/igzip', '2.93.0', arch, a);
      // The gzip header tells the engines apart: OS byte 255 (ours, zlib) or 3 (igzip -n); no time in either.
      for (const b of zl) expect([...b.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
      for (const b of ig) expect([...b.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    }
  });

  test('igzip is deterministic: two fresh runs to two OCI layouts write the same index', async () => {
    const [a, b] = [tmpDir(), tmpDir()];
    const one = await publishImages(options([`oci-layout:${a}`], { gzipEngine: 'igzip' }));
    const two = await publishImages(options([`oci-layout:${b}`], { gzipEngine: 'igzip' }));
    expect(two.digest).toBe(one.digest);
    expect(one.images.every((im) => im.compressed === im.layers)).toBe(true);
  });

  test('the compressor takes chunks from one reused buffer: each is igzip’s once write() resolves', async () => {
    const spool = SpoolFile.inDir(tmpDir(), 'layer');
    const c = new IgzipCompressor(IGZIP!, 1, await spool.writerFd());
    const blob = spool.follow(c.exited);
    const data = Buffer.concat([randomBytes(1 << 20), Buffer.alloc(3 << 20, 'nix store path\n')]);
    const scratch = Buffer.alloc(100_000);
    for (let off = 0; off < data.length; off += scratch.length) {
      const n = data.copy(scratch, 0, off, off + scratch.length);
      await c.write(scratch.subarray(0, n));
      scratch.fill(0xee); // what a reused buffer goes through next
    }
    await c.end();
    const info = await blob;
    const bytes = fs.readFileSync(spool.file);
    expect(info.size).toBe(bytes.length);
    expect(info.digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    expect(zlib.gunzipSync(bytes).equals(data)).toBe(true);
    await spool.dispose();
  });

  test('engine choice: zlib, auto without igzip, igzip missing or not ISA-L’s', () => {
    const fake = tmpDir('releng-fake-igzip-');
    fs.writeFileSync(path.join(fake, 'igzip'), '#!/bin/sh\necho "igzip 0.1, not the one you want"\n', {
      mode: 0o755,
    });
    expect(igzipFor('zlib', process.env)).toBeUndefined();
    expect(igzipFor('auto', process.env)).toBe(IGZIP);
    expect(igzipFor('auto', { PATH: tmpDir() })).toBeUndefined();
    expect(igzipFor('auto', { PATH: fake })).toBeUndefined();
    expect(() => igzipFor('igzip', { PATH: tmpDir() })).toThrow(
      /^gzip-engine igzip: igzip is not on PATH; install ISA-L \(apt-get install isal\)/,
    );
    expect(() => igzipFor('igzip', { PATH: fake })).toThrow(/is not ISA-L's igzip/);
  });

  // ISA-L's igzip for --version and for one of its two jobs; the other one done badly.
  const broken: { does: string; job: 'compress' | 'unpack'; script: string; message: RegExp }[] = [
    {
      does: 'dies after 64 KiB of a layer',
      job: 'compress',
      script: 'head -c 65536 >/dev/null; echo "igzip: out of disk" >&2; exit 1',
      message:
        /^compressing a layer with igzip failed \(out of disk\); check the runner.s temp space \(TMPDIR\), or use gzip-engine zlib$/,
    },
    {
      does: 'exits 0 with its last 8 bytes missing (a failed last flush)',
      job: 'compress',
      script: `${IGZIP} "$@" | head -c -8`,
      message:
        /^compressing a layer with igzip failed \(its output ends early: the trailer says \d+ bytes in, the layer has \d+\)/,
    },
    {
      does: 'cannot write what it unpacks',
      job: 'unpack',
      script: 'echo "igzip: Error encountered while writing to file (null)" >&2; exit 252',
      message:
        /^unpacking .*amd64\.tar\.gz with igzip failed \(error encountered while writing\); check the runner.s/,
    },
    {
      does: 'unpacks only the first 100 KB and exits 0',
      job: 'unpack',
      script: `${IGZIP} "$@" | head -c 100000`,
      message:
        /^unpacking .*amd64\.tar\.gz with igzip failed \(it wrote 100000 bytes, the archive holds \d+ \(mod 2³²\)\)/,
    },
  ];
  test.each(broken)('an igzip that $does: one clear error, nothing written to the target', async (b) => {
    const bin = tmpDir('releng-broken-igzip-');
    // The real igzip for --version and the job that is not broken (unpacking is `-d`).
    const real = b.job === 'compress' ? '*-d*|--version' : '--version|-[0-9]*';
    fs.writeFileSync(
      path.join(bin, 'igzip'),
      `#!/bin/sh\ncase "$*" in ${real}) exec ${IGZIP} "$@";; esac\n${b.script}\n`,
      { mode: 0o755 },
    );
    const layout = path.join(tmpDir(), 'oci');
    const err = await publishImages(
      options([`oci-layout:${layout}`, `${reg.host}/engines/broken`], {
        gzipEngine: 'igzip',
        processEnv: { HOME: tmpDir('releng-home-'), PATH: `${bin}:${process.env.PATH}` },
      }),
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(b.message);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(layout, 'index.json'))).toBe(false);
    const blobs = path.join(layout, 'blobs/sha256');
    expect(fs.existsSync(blobs) ? fs.readdirSync(blobs) : []).toEqual([]);
    // Nor does the registry: no tag (distribution answers 404 for a repository it lacks), no layer link.
    await expect(
      skopeo(['list-tags', '--tls-verify=false', `docker://${reg.direct}/engines/broken`]),
    ).rejects.toThrow();
    const layers = path.join(reg.storage, 'docker/registry/v2/repositories/engines/broken/_layers/sha256');
    expect(fs.existsSync(layers) ? fs.readdirSync(layers) : []).toEqual([]);
  });
});
