/**
 * publish's cache step from two leg bundles' caches: ours (each narinfo signed in-process, the legs' zstd
 * NARs uploaded as they are) against the way it signed before, which every `nix copy` re-signing peer does
 * (`nix copy --from file://LEG --to 'file://WORK?secret-key=…&compression=zstd'`: every NAR decompressed,
 * recompressed and hashed again, then uploaded). Same legs, same directory destination, same run; each side
 * in its own process under /usr/bin/time (wall, CPU, max RSS — of the largest process of the tree, nix's
 * included on the peer side).
 *
 * Size: RELENG_BENCH_CACHE_MB per leg (default 50; 150 for ~300 MB of NARs). Each leg holds one store path
 * of base64 text (compressible, as real binaries are), built by the real nix and copied into a file://
 * cache with compression=zstd and listings, as build-artifacts leaves it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const self = new URL(import.meta.url).pathname;
const NIX_CONFIG = [
  'experimental-features = nix-command flakes',
  'sandbox = false',
  'build-users-group =',
  'substituters =',
].join('\n');

interface Measure {
  wall: number;
  cpu: number;
  rssMb: number;
  stepSeconds: number;
  written: number;
  bytes: number;
}

/** The side run in its own process: plan and publish the cache step, print what it did as JSON. */
async function side(mode: 'ours' | 'nix', legs: string[], dest: string): Promise<void> {
  const { legCachePaths } = await import('../src/bundle/merge.js');
  const { silentLogger } = await import('../src/log.js');
  const { parseSigningKey } = await import('../src/nix/sign.js');
  const { cacheSettingsOf } = await import('../src/config/schema.js');
  const { planCacheStep } = await import('../src/publish/plan-cache.js');
  const { publishCache } = await import('../src/publish/cache.js');
  const { DirectorySink } = await import('../src/storage/directory.js');
  const caches = legs.map((dir, i) => ({ system: `leg-${i}`, dir }));
  const cachePaths = legCachePaths(caches, silentLogger);
  const key = parseSigningKey(process.env.BENCH_SIGNING_KEY!, 'BENCH_SIGNING_KEY', silentLogger);
  const started = performance.now();
  const planned = await planCacheStep({
    destination: { name: 'cache', location: dest, sink: new DirectorySink(dest) },
    source: { kind: 'caches', caches, cachePaths, storePaths: cachePaths.map((c) => c.storePath) },
    key,
    force: false,
    settings: cacheSettingsOf({ registries: [] }),
    log: silentLogger,
  });
  if (planned.conflicts.length || planned.problems.length)
    throw new Error([...planned.conflicts, ...planned.problems].join('\n'));
  const tally = { bytes: 0, objects: 0, deleted: 0, written: [] };
  const w = planned.work!;
  await publishCache({
    sink: w.sink,
    plan: w.plan,
    closure: w.closure,
    key,
    force: false,
    concurrency: 16,
    log: silentLogger,
    tally,
    viaNix: mode === 'nix',
  });
  const stepSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ stepSeconds, written: tally.objects, bytes: tally.bytes })}\n`);
}

function measure(mode: 'ours' | 'nix', legs: string[], dest: string, secret: string): Measure {
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %U %S %M', process.execPath, '--import', 'tsx', self, '--side', mode, dest, ...legs],
    {
      cwd: root,
      env: { ...process.env, NIX_CONFIG, BENCH_SIGNING_KEY: secret },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`${mode} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const step = JSON.parse(r.stdout.trim().split('\n').pop()!) as Pick<
    Measure,
    'stepSeconds' | 'written' | 'bytes'
  >;
  return { wall: wall!, cpu: user! + sys!, rssMb: rss! / 1024, ...step };
}

function row(name: string, m: Measure) {
  console.log(
    `  ${name.padEnd(44)} step ${m.stepSeconds.toFixed(2).padStart(6)} s  process wall ${m.wall.toFixed(2).padStart(6)} s  cpu ${m.cpu.toFixed(2).padStart(6)} s  max RSS ${m.rssMb.toFixed(0).padStart(4)} MB  wrote ${m.written} objects, ${(m.bytes / 1e6).toFixed(1)} MB`,
  );
}

async function main() {
  const mb = Number(process.env.RELENG_BENCH_CACHE_MB ?? 50);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-bench-cache-'));
  const nixEnv = { ...process.env, NIX_CONFIG };
  try {
    const legs: string[] = [];
    for (const i of [0, 1]) {
      const dir = path.join(work, `expr-${i}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(
        path.join(dir, 'default.nix'),
        `derivation { name = "releng-bench-leg-${i}-${mb}mb"; system = builtins.currentSystem; builder = "/bin/sh";
          args = [ "-c" "/usr/bin/base64 -w 76 /dev/urandom | /usr/bin/head -c ${mb * 1024 * 1024} > $out" ]; }`,
      );
      const out = execFileSync('nix-build', ['--no-out-link', dir], {
        env: nixEnv,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      const leg = path.join(work, `leg-${i}`);
      execFileSync('nix', ['copy', '--to', `file://${leg}?compression=zstd&write-nar-listing=true`, out], {
        env: nixEnv,
        stdio: 'ignore',
      });
      legs.push(leg);
    }
    execFileSync('nix-store', ['--generate-binary-cache-key', 'bench-1', `${work}/sk`, `${work}/pk`], {
      env: nixEnv,
    });
    const secret = fs.readFileSync(`${work}/sk`, 'utf8').trim();
    const nars = legs.map((l) =>
      fs.readdirSync(path.join(l, 'nar')).map((n) => fs.statSync(path.join(l, 'nar', n)).size),
    );
    console.log(
      `two legs, one store path each: NARs of ${mb} MB (base64 text), zstd in the legs: ${nars
        .flat()
        .map((s) => `${(s / 1e6).toFixed(1)} MB`)
        .join(', ')}`,
    );
    console.log(
      `peer: ${execFileSync('nix', ['--version'], { encoding: 'utf8' }).trim()} copy, re-signing and recompressing (zstd) into a work cache, then uploaded`,
    );
    console.log(
      'ours: narinfos signed in-process, the legs NARs uploaded as they are; destination: a directory',
    );
    const peer = measure('nix', legs, path.join(work, 'dest-nix'), secret);
    const ours = measure('ours', legs, path.join(work, 'dest-ours'), secret);
    row('nix copy re-signing (publish before)', peer);
    row('releng publish (in-process signing)', ours);
    console.log('\nratios (ours / nix copy):');
    console.log(
      `  step wall ${(ours.stepSeconds / peer.stepSeconds).toFixed(2)}x, process cpu ${(ours.cpu / peer.cpu).toFixed(2)}x, max RSS ${ours.rssMb.toFixed(0)} MB vs ${peer.rssMb.toFixed(0)} MB`,
    );
    console.log('(the machine is shared: treat small differences as noise)');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--side');
if (at >= 0) {
  const [mode, dest, ...legs] = process.argv.slice(at + 1);
  await side(mode as 'ours' | 'nix', legs, dest!);
} else await main();
