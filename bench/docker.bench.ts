/**
 * docker-multiarch against skopeo, in one run: two Nix-style archives (gzip-wrapped, layers first) with
 * disjoint layers made of real files, two empty registries (docker-registry behind counting proxies).
 *   (a) skopeo copy docker-archive: of each archive to each registry — given the plain tar (skopeo 1.9 cannot
 *       read the gzip wrapper: its best case), blob-info cache deleted first;
 *   (b) docker-multiarch: both archives to both registries with an index, no cache;
 *   (c) both again as a fresh runner would: no local caches (skopeo's blob-info cache deleted, our cache
 *       dir empty), registries already full;
 *   (d) docker-multiarch again with the blob cache (b) left;
 *   (e) docker-multiarch on archives a quarter the size: max RSS must not grow with the archives;
 *   (f) (b) again with gzip-engine zlib, for runners without igzip (a reference, no target).
 * Prints wall time, CPU (with children: skopeo's threads, our igzip processes), max RSS (the largest process,
 * as /usr/bin/time reports it) and the peak of the whole process tree (ours: node and every igzip alive at
 * once: node's RSS plus each child's private memory, every 20 ms), each run after a `sync` so that none pays for another's writeback, bytes uploaded (what the registries received and wrote, read from
 * /proc/PID/io: no proxy in the way to take CPU from the tools), blob sizes and ratios. The re-runs (c)/(d)
 * go through the registries' recording proxies, which count the blob bytes our client sent.
 * RELENG_BENCH_MB (default 400): uncompressed size of each archive; RELENG_BENCH_LAYERS (default 10).
 * Run: npm run bench docker   (the CLI bundle must be current: node scripts/build.mjs cli)
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findIgzip } from '../src/oci/igzip.js';
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

interface Timed {
  wall: number;
  cpu: number;
  /** Max RSS of the largest process (what /usr/bin/time reports). */
  rssMB: number;
  /** Peak memory of the command's process tree (its RSS + its children's private memory, sampled). */
  treeMB: number;
}

interface Measure extends Timed {
  /** What the registries wrote (their /proc/PID/io). */
  bytes: number;
  /** Blob bytes our client sent, counted by the registries' recording proxies (re-runs only). */
  blobBytes?: number;
}

function load(): string {
  return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * Memory of a command's process tree now (kB): the RSS of the command (below /usr/bin/time, `pid`) plus the
 * private memory of each of its descendants — a child between fork and exec shares all of node's pages,
 * which must not count twice, while what an igzip process holds of its own does count.
 */
function treeRss(pid: number): number {
  let kb = 0;
  const rollup = (p: number) => fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
  const field = (text: string, name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const children = (p: number) =>
    fs
      .readdirSync(`/proc/${p}/task`)
      .flatMap((t) => fs.readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean))
      .map(Number);
  const visit = (p: number, depth: number) => {
    try {
      if (depth === 1) kb += field(rollup(p), 'Rss');
      else if (depth > 1) {
        const r = rollup(p);
        kb += field(r, 'Private_Clean') + field(r, 'Private_Dirty');
      }
      for (const c of children(p)) visit(c, depth + 1);
    } catch {
      // gone meanwhile
    }
  };
  visit(pid, 0);
  return kb;
}

/** One command under /usr/bin/time: wall, user+sys, max RSS; and the peak RSS of its process tree. */
async function timed(
  cmd: string,
  args: string[],
  processEnv: NodeJS.ProcessEnv = process.env,
): Promise<Timed> {
  // What earlier runs left dirty is written out first, not by the kernel in the middle of this one.
  execFileSync('sync');
  const fmt = path.join(WORK, 'time.txt');
  const child = spawn('/usr/bin/time', ['-o', fmt, '-f', '%e %U %S %M', cmd, ...args], {
    env: processEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => {
    stderr = (stderr + c).slice(-4000);
  });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(child.pid!));
  }, 20);
  const status = await new Promise<number | null>((r) => child.on('close', r));
  clearInterval(sampler);
  if (status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${stderr.slice(-2000)}`);
  const [wall, user, sys, rss] = fs
    .readFileSync(fmt, 'utf8')
    .trim()
    .split('\n')
    .pop()!
    .split(' ')
    .map(Number);
  return { wall: wall!, cpu: user! + sys!, rssMB: rss! / 1024, treeMB: peak / 1024 };
}

async function sum(runs: (() => Promise<Timed>)[]): Promise<Timed> {
  const ms: Timed[] = [];
  for (const r of runs) ms.push(await r());
  return {
    wall: ms.reduce((n, m) => n + m.wall, 0),
    cpu: ms.reduce((n, m) => n + m.cpu, 0),
    rssMB: Math.max(...ms.map((m) => m.rssMB)),
    treeMB: Math.max(...ms.map((m) => m.treeMB)),
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
  return () =>
    timed('skopeo', [
      '--insecure-policy',
      'copy',
      '-q',
      '--dest-tls-verify=false',
      '--format',
      'oci',
      `docker-archive:${a.plainTar}`,
      `docker://${reg.direct}/${repo}:1.0.0`,
    ]);
}

/** docker-multiarch through the CLI bundle; `via: 'proxy'` sends through the recording proxies. */
function ours(
  as: WrittenArchive[],
  regs: RegistryServer[],
  repo: string,
  cacheHome: string,
  o: { via?: 'direct' | 'proxy'; engine?: 'auto' | 'zlib' } = {},
) {
  return timed(
    process.execPath,
    [
      CLI,
      'docker-multiarch',
      ...as.flatMap((a) => ['--images', a.file]),
      ...regs.flatMap((r) => ['--targets', `${o.via === 'proxy' ? r.host : r.direct}/${repo}`]),
      '--version',
      '1.0.0',
      '--latest',
      'false',
      '--gzip-engine',
      o.engine ?? 'auto',
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
  const blobs = m.blobBytes === undefined ? '' : `${m.blobBytes} B`.padStart(12);
  return `${label.padEnd(46)} ${m.wall.toFixed(2).padStart(7)} s  ${m.cpu.toFixed(2).padStart(7)} s  ${m.rssMB.toFixed(0).padStart(6)} MB  ${m.treeMB.toFixed(0).padStart(6)} MB  ${(m.bytes / 1e6).toFixed(1).padStart(9)} MB ${blobs}`;
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
  const igzip = findIgzip();
  console.log(
    `gzip engine (auto): ${igzip ? `igzip (${igzip})` : 'zlib — igzip is not on PATH (apt-get install isal)'}`,
  );
  const [a, b] = await archives(MB);
  const small = MB >= 200 ? await archives(Math.round(MB / 4)) : undefined;
  // Heavy runs go to the registries directly; the re-runs through the recording proxies, which count blob bytes.
  const regs = [await startRegistry(), await startRegistry()];
  let mark = 0;
  const total = () => regs.reduce((n, r) => n + r.written(), 0);
  const bytes = () => total() - mark;
  const reset = () => {
    mark = total();
    for (const r of regs) r.reset();
  };
  const blobBytes = () => regs.reduce((n, r) => n + r.uploadedBytes(), 0);
  const results: Record<string, Measure> = {};
  const run = async (label: string, t: () => Promise<Timed>, proxied = false) => {
    reset();
    const m = await t();
    results[label] = { ...m, bytes: bytes(), ...(proxied ? { blobBytes: blobBytes() } : {}) };
  };
  const skopeoAll = () =>
    sum(regs.flatMap((r) => [skopeoCopy(a, r, 'skopeo/a'), skopeoCopy(b, r, 'skopeo/b')]));
  const A = '(a) skopeo, 2 archives × 2 registries';
  const B = '(b) docker-multiarch, cold';
  const CS = '(c) skopeo, fresh runner, registries full';
  const CO = '(c) docker-multiarch, fresh runner';
  try {
    // Page cache warm for everyone.
    for (const f of [a.file, b.file, a.plainTar!, b.plainTar!])
      execFileSync('cat', [f], { stdio: ['ignore', 'ignore', 'ignore'] });

    fs.rmSync(SKOPEO_CACHE, { force: true });
    await run(A, skopeoAll);
    const cache = fs.mkdtempSync(path.join(WORK, 'cache-'));
    await run(B, () => ours([a, b], regs, 'ours/img', cache));

    fs.rmSync(SKOPEO_CACHE, { force: true });
    await run(CS, skopeoAll);
    await run(
      CO,
      () => ours([a, b], regs, 'ours/img', fs.mkdtempSync(path.join(WORK, 'fresh-')), { via: 'proxy' }),
      true,
    );
    await run(
      '(d) docker-multiarch, warm cache',
      () => ours([a, b], regs, 'ours/img', cache, { via: 'proxy' }),
      true,
    );
    if (small)
      await run(`(e) docker-multiarch, cold, ${Math.round(MB / 4)} MB archives`, () =>
        ours(small, regs, 'ours/small', fs.mkdtempSync(path.join(WORK, 'small-'))),
      );
    if (igzip)
      await run('(f) docker-multiarch, cold, gzip-engine zlib', () =>
        ours([a, b], regs, 'ours/zlib', fs.mkdtempSync(path.join(WORK, 'small-')), { engine: 'zlib' }),
      );

    console.log(
      `\n${'run'.padEnd(46)} ${'wall'.padStart(9)}  ${'cpu'.padStart(9)}  ${'max RSS'.padStart(9)}  ${'tree RSS'.padStart(9)}  ${'uploaded'.padStart(12)} ${'blob bytes'.padStart(12)}`,
    );
    for (const [k, m] of Object.entries(results)) console.log(row(k, m));

    const sk = layerBytes(regs[0]!, 'skopeo/a:1.0.0') + layerBytes(regs[0]!, 'skopeo/b:1.0.0');
    const ou = layerBytes(regs[0]!, 'ours/img:1.0.0');
    const r = (x: string) => results[x]!;
    const larger = (x: number) => `${(((x - sk) / sk) * 100).toFixed(1)}% larger`;
    const zl = igzip ? layerBytes(regs[0]!, 'ours/zlib:1.0.0') : undefined;
    console.log(
      `\nlayer blobs per registry: skopeo ${(sk / 1e6).toFixed(1)} MB, ours ${(ou / 1e6).toFixed(1)} MB (${larger(ou)}; target ≤ 12%)${zl ? `, ours with zlib ${(zl / 1e6).toFixed(1)} MB (${larger(zl)})` : ''}`,
    );
    console.log(
      `(b)/(a) wall ${(r(B).wall / r(A).wall).toFixed(3)} (target ≤ 0.45), cpu ${(r(B).cpu / r(A).cpu).toFixed(3)}`,
    );
    if (igzip) {
      const f = r('(f) docker-multiarch, cold, gzip-engine zlib');
      console.log(`(f)/(a) wall ${(f.wall / r(A).wall).toFixed(3)} (zlib engine, no target)`);
    }
    console.log(
      `(c) ours/skopeo wall ${(r(CO).wall / r(CS).wall).toFixed(3)} (target ≤ 0.1); blob bytes sent: ${r(CO).blobBytes} (fresh runner), ${r('(d) docker-multiarch, warm cache').blobBytes} (warm cache)`,
    );
    const ourRuns = Object.entries(results).filter(([k]) => k.includes('docker-multiarch'));
    const peak = (rows: typeof ourRuns) => Math.max(...rows.map(([, m]) => m.treeMB)).toFixed(0);
    const zlibRun = ourRuns.filter(([k]) => k.includes('zlib'));
    console.log(
      `ours: max RSS of the process tree ${peak(ourRuns.filter(([k]) => !k.includes('zlib')))} MB (target ≤ 150; flat in archive size: compare (b) and (e))${zlibRun.length ? `, ${peak(zlibRun)} MB with zlib` : ''}`,
    );
    console.log(`load after: ${load()}`);
  } finally {
    for (const reg of regs) await reg.stop();
    for (const d of fs.readdirSync(WORK))
      if (/^(cache|fresh|small)-/.test(d)) fs.rmSync(path.join(WORK, d), { recursive: true, force: true });
  }
}

await main();
