/**
 * docker-multiarch against skopeo, in one run: two Nix-style archives (gzip-wrapped, layers first) with
 * disjoint layers made of real files, two empty registries (docker-registry behind counting proxies).
 *   (a) skopeo copy docker-archive: of each archive to each registry — given the plain tar (skopeo 1.9 cannot
 *       read the gzip wrapper: its best case), blob-info cache deleted first;
 *   (b) docker-multiarch: both archives to both registries with an index, no cache;
 *   (c) both again as a fresh runner would: no local caches (skopeo's blob-info cache deleted, our cache
 *       dir empty), registries already full;
 *   (d) docker-multiarch again with the blob cache (b) left;
 *   (e) docker-multiarch on archives a quarter the size: max RSS must not grow with the archives.
 * Prints wall time, CPU, max RSS, bytes uploaded (what the registries received and wrote, read from
 * /proc/PID/io: no proxy in the way to take CPU from the tools), blob sizes and ratios.
 * RELENG_BENCH_MB (default 400): uncompressed size of each archive; RELENG_BENCH_LAYERS (default 10).
 * Run: npm run bench docker   (the CLI bundle must be current: node scripts/build.mjs cli)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { realFileLayers, type WrittenArchive, writeDockerArchive } from '../tests/helpers/docker-archive.js';
import { type RegistryServer, startRegistry } from '../tests/helpers/registry.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MB = Number(process.env.RELENG_BENCH_MB ?? 400);
const LAYERS = Number(process.env.RELENG_BENCH_LAYERS ?? 10);
// Outside the tree (the linter reads bench/); the generated archives are kept there for the next run.
const WORK = path.join(os.tmpdir(), 'releng-bench-docker');
const CLI = path.join(ROOT, 'dist/cli/index.js');
const SKOPEO_CACHE = '/var/lib/containers/cache/blob-info-cache-v1.boltdb';
const ROOTS = ['/usr/lib', '/usr/share', '/usr/bin', '/usr/libexec'];

interface Measure {
  wall: number;
  cpu: number;
  rssMB: number;
  bytes: number;
}

function load(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** One command under /usr/bin/time: wall, user+sys, max RSS. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Omit<Measure, 'bytes'> {
  const fmt = path.join(WORK, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', fmt, '-f', '%e %U %S %M', cmd, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${r.stderr.slice(-2000)}`);
  const [wall, user, sys, rss] = fs
    .readFileSync(fmt, 'utf8')
    .trim()
    .split('\n')
    .pop()!
    .split(' ')
    .map(Number);
  return { wall: wall!, cpu: user! + sys!, rssMB: rss! / 1024 };
}

function sum(ms: Omit<Measure, 'bytes'>[]): Omit<Measure, 'bytes'> {
  return {
    wall: ms.reduce((n, m) => n + m.wall, 0),
    cpu: ms.reduce((n, m) => n + m.cpu, 0),
    rssMB: Math.max(...ms.map((m) => m.rssMB)),
  };
}

async function archives(mb: number): Promise<[WrittenArchive, WrittenArchive]> {
  const dir = path.join(WORK, `archives-v2-${mb}MB-${LAYERS}`);
  const meta = path.join(dir, 'meta.json');
  if (fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const bytes = mb * 1e6;
  const made: WrittenArchive[] = [];
  for (const [i, arch] of (['amd64', 'arm64'] as const).entries()) {
    // Consecutive ranges of the same sorted walk: the two archives share no file, so no layer.
    const layers = realFileLayers(ROOTS, { skipBytes: i * bytes * 1.02, totalBytes: bytes, layers: LAYERS });
    process.stdout.write(`generating ${arch}: ${layers.length} layers of real files, ${mb} MB … `);
    const a = await writeDockerArchive(path.join(dir, arch), {
      layers,
      architecture: arch,
      labels: { 'org.opencontainers.image.title': 'bench', 'org.opencontainers.image.version': '1.0.0' },
      gzipLevel: 6,
      keepPlainTar: true,
    });
    console.log(`${(fs.statSync(a.file).size / 1e6).toFixed(0)} MB gzipped`);
    made.push({ ...a, configJson: Buffer.alloc(0) });
  }
  fs.writeFileSync(meta, JSON.stringify(made));
  return made as [WrittenArchive, WrittenArchive];
}

function skopeoCopy(a: WrittenArchive, reg: RegistryServer, repo: string) {
  return timed('skopeo', [
    '--insecure-policy',
    'copy',
    '-q',
    '--dest-tls-verify=false',
    '--format',
    'oci',
    `docker-archive:${a.plainTar}`,
    `docker://${reg.host}/${repo}:1.0.0`,
  ]);
}

function ours(as: WrittenArchive[], regs: RegistryServer[], repo: string, cacheHome: string) {
  return timed(
    process.execPath,
    [
      CLI,
      'docker-multiarch',
      ...as.flatMap((a) => ['--images', a.file]),
      ...regs.flatMap((r) => ['--targets', `${r.host}/${repo}`]),
      '--version',
      '1.0.0',
      '--latest',
      'false',
    ],
    { ...process.env, XDG_CACHE_HOME: cacheHome, HOME: cacheHome },
  );
}

function layerBytes(reg: RegistryServer, ref: string): number {
  const raw = JSON.parse(
    execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.direct}/${ref}`], {
      encoding: 'utf8',
    }),
  );
  if (!raw.manifests) return raw.layers.reduce((n: number, l: { size: number }) => n + l.size, 0);
  return raw.manifests.reduce(
    (n: number, m: { digest: string }) => n + layerBytes(reg, `${ref.split(':')[0]}@${m.digest}`),
    0,
  );
}

function row(label: string, m: Measure): string {
  return `${label.padEnd(44)} ${m.wall.toFixed(2).padStart(7)} s  ${m.cpu.toFixed(2).padStart(7)} s  ${m.rssMB.toFixed(0).padStart(6)} MB  ${(m.bytes / 1e6).toFixed(1).padStart(9)} MB`;
}

async function main() {
  fs.mkdirSync(WORK, { recursive: true });
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: node scripts/build.mjs cli`);
  const newest = execFileSync('find', [path.join(ROOT, 'src'), '-newer', CLI, '-name', '*.ts'], {
    encoding: 'utf8',
  }).trim();
  if (newest)
    console.log(
      `warning: src is newer than dist/cli (${newest.split('\n')[0]}…): rebuild with node scripts/build.mjs cli`,
    );
  console.log(
    `docker bench: 2 archives × ${MB} MB, ${LAYERS} layers; ${os.cpus().length} cores; load ${load()}`,
  );
  const [a, b] = await archives(MB);
  const small = MB >= 200 ? await archives(Math.round(MB / 4)) : undefined;
  const regs = [await startRegistry({ proxy: false }), await startRegistry({ proxy: false })];
  let mark = 0;
  const total = () => regs.reduce((n, r) => n + r.written(), 0);
  const bytes = () => total() - mark;
  const reset = () => {
    mark = total();
  };
  const results: Record<string, Measure> = {};
  try {
    // Page cache warm for everyone.
    for (const f of [a.file, b.file, a.plainTar!, b.plainTar!])
      execFileSync('cat', [f], { stdio: ['ignore', 'ignore', 'ignore'] });

    fs.rmSync(SKOPEO_CACHE, { force: true });
    reset();
    const skopeoA = sum(regs.flatMap((r) => [skopeoCopy(a, r, 'skopeo/a'), skopeoCopy(b, r, 'skopeo/b')]));
    results['(a) skopeo, 2 archives × 2 registries'] = { ...skopeoA, bytes: bytes() };

    const cache = fs.mkdtempSync(path.join(WORK, 'cache-'));
    reset();
    results['(b) docker-multiarch, cold'] = { ...ours([a, b], regs, 'ours/img', cache), bytes: bytes() };

    fs.rmSync(SKOPEO_CACHE, { force: true });
    reset();
    const skopeoC = sum(regs.flatMap((r) => [skopeoCopy(a, r, 'skopeo/a'), skopeoCopy(b, r, 'skopeo/b')]));
    results['(c) skopeo, fresh runner, registries full'] = { ...skopeoC, bytes: bytes() };
    reset();
    const fresh = fs.mkdtempSync(path.join(WORK, 'fresh-'));
    results['(c) docker-multiarch, fresh runner'] = {
      ...ours([a, b], regs, 'ours/img', fresh),
      bytes: bytes(),
    };

    reset();
    results['(d) docker-multiarch, warm cache'] = {
      ...ours([a, b], regs, 'ours/img', cache),
      bytes: bytes(),
    };

    if (small) {
      reset();
      results[`(e) docker-multiarch, cold, ${Math.round(MB / 4)} MB archives`] = {
        ...ours(small, regs, 'ours/small', fs.mkdtempSync(path.join(WORK, 'small-'))),
        bytes: bytes(),
      };
    }

    console.log(
      `\n${'run'.padEnd(44)} ${'wall'.padStart(9)}  ${'cpu'.padStart(9)}  ${'max RSS'.padStart(9)}  ${'uploaded'.padStart(12)}`,
    );
    for (const [k, m] of Object.entries(results)) console.log(row(k, m));

    const sk = layerBytes(regs[0]!, 'skopeo/a:1.0.0') + layerBytes(regs[0]!, 'skopeo/b:1.0.0');
    const ou = layerBytes(regs[0]!, 'ours/img:1.0.0');
    const r = (x: string) => results[x]!;
    console.log(
      `\nlayer blobs per registry: skopeo ${(sk / 1e6).toFixed(1)} MB, ours ${(ou / 1e6).toFixed(1)} MB (${(((ou - sk) / sk) * 100).toFixed(1)}% larger)`,
    );
    console.log(
      `(b)/(a) wall ${(r('(b) docker-multiarch, cold').wall / r('(a) skopeo, 2 archives × 2 registries').wall).toFixed(3)} (target ≤ 0.45), cpu ${(r('(b) docker-multiarch, cold').cpu / r('(a) skopeo, 2 archives × 2 registries').cpu).toFixed(3)}`,
    );
    console.log(
      `(c) ours/skopeo wall ${(r('(c) docker-multiarch, fresh runner').wall / r('(c) skopeo, fresh runner, registries full').wall).toFixed(3)} (target ≤ 0.1), ours uploaded ${r('(c) docker-multiarch, fresh runner').bytes} bytes`,
    );
    console.log(`load after: ${load()}`);
  } finally {
    for (const reg of regs) await reg.stop();
    for (const d of fs.readdirSync(WORK))
      if (/^(cache|fresh|small)-/.test(d)) fs.rmSync(path.join(WORK, d), { recursive: true, force: true });
  }
}

await main();
