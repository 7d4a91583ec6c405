/**
 * publish's upload of a release tree against `aws s3 cp --recursive` (the reference's command) to the same
 * S3 server (s3rver, in its own process, behind a byte-counting proxy), then each run again: ours must find
 * everything published and send 0 bytes; `cp` sends it all again. Each side runs in its own process under
 * /usr/bin/time (wall, CPU, max RSS). Ours is the bundled CLI (dist/cli), as users run it.
 *
 * Size: RELENG_BENCH_PUBLISH_MB (default 400) over RELENG_BENCH_PUBLISH_FILES (default 1000) files — four
 * big tarballs carry 80% of the bytes, the rest is a manual-like spread of small files.
 * RELENG_BENCH_PUBLISH_SWEEP=1 also times ours at several part sizes and concurrencies (first runs only).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const totalMb = Number(process.env.RELENG_BENCH_PUBLISH_MB ?? 400);
const fileCount = Math.max(10, Number(process.env.RELENG_BENCH_PUBLISH_FILES ?? 1000));
const sweep = process.env.RELENG_BENCH_PUBLISH_SWEEP === '1';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-bench-publish-'));
const VERSION = '1.0.0';

interface Measure {
  wall: number;
  cpu: number;
  rssMb: number;
  sent: number;
}

// The S3 server, and a proxy counting the request bytes our tools send (PUT/POST bodies).
let sent = 0;
async function startServer(
  buckets: string[],
): Promise<{ endpoint: string; child: ChildProcess; close: () => void }> {
  const dir = path.join(work, 's3');
  fs.mkdirSync(dir);
  const child = spawn(
    process.execPath,
    [path.join(root, 'tests/helpers/s3rver-child.mjs'), dir, ...buckets],
    {
      env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve((JSON.parse(buf.split('\n')[0]!) as { port: number }).port);
    });
    child.on('exit', (c) => reject(new Error(`s3rver exited (${c})`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const proxy = http.createServer((req, res) => {
    const counted = req.method === 'PUT' || req.method === 'POST';
    const up = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('data', (c: Buffer) => {
      if (counted) sent += c.length;
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
    child,
    close: () => {
      proxy.closeAllConnections();
      proxy.close();
      child.kill('SIGTERM');
    },
  };
}

/** /usr/bin/time in a child, asynchronously: the counting proxy lives in this process. */
function measure(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Measure> {
  sent = 0;
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', '%e %U %S %M', ...argv], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${argv.join(' ')} failed (${code}): ${err.slice(-2000)}`));
      const [wall, user, sys, rss] = err.trim().split('\n').pop()!.split(' ').map(Number);
      resolve({ wall: wall!, cpu: user! + sys!, rssMb: rss! / 1024, sent });
    });
  });
}

// The release tree: artifacts/bench/bench-1.0.0/ with four big tarballs (80% of the bytes) and a manual-like
// spread of small files, plus the root manifest.nix — the reference's release/artifacts.
function makeTree(): string {
  const art = path.join(work, 'release', 'artifacts');
  const vdir = path.join(art, 'bench', `bench-${VERSION}`);
  fs.mkdirSync(vdir, { recursive: true });
  const total = totalMb * 1024 * 1024;
  const big = Math.floor((total * 0.8) / 4);
  const write = (file: string, size: number) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(file, 'w');
    for (let left = size; left > 0; left -= 1 << 20) fs.writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
    fs.closeSync(fd);
  };
  for (const s of ['x86_64-linux', 'aarch64-linux', 'x86_64-darwin', 'aarch64-darwin'])
    write(path.join(vdir, `bench-${VERSION}-${s}.tar.xz`), big);
  const small = fileCount - 6;
  const rest = total - 4 * big;
  for (let i = 0; i < small; i++) {
    // Sizes from 1 KB to a few hundred KB, averaging rest/small.
    const size = Math.max(1024, Math.round((rest / small) * (0.2 + (1.6 * ((i * 7919) % small)) / small)));
    write(path.join(vdir, 'manual', `section-${i % 25}`, `page-${i}.html`), size);
  }
  const manifest = `{\n  x86_64-linux = "/nix/store/00000000000000000000000000000000-bench-${VERSION}";\n}\n`;
  fs.writeFileSync(path.join(vdir, 'manifest.nix'), manifest);
  fs.writeFileSync(path.join(art, 'manifest.nix'), manifest);
  return art;
}

function project(endpoint: string, bucket: string): string {
  const dir = path.join(work, `project-${bucket}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'version.json'),
    JSON.stringify({ version: VERSION, release_name: 'Bench', official_release: true }),
  );
  fs.writeFileSync(
    path.join(dir, 'releng.yml'),
    `name: bench\nbuild: { systems: [x86_64-linux] }\nenvironments:\n  bench:\n    confirm: false\n    s3: { endpoint: '${endpoint}', region: us-east-1, path-style: true }\n    releases: s3://${bucket}\n`,
  );
  return dir;
}

function row(name: string, m: Measure) {
  console.log(
    `  ${name.padEnd(40)} wall ${m.wall.toFixed(2).padStart(6)} s  cpu ${m.cpu.toFixed(2).padStart(6)} s  max RSS ${m.rssMb.toFixed(0).padStart(4)} MB  sent ${(m.sent / 1e6).toFixed(1).padStart(6)} MB`,
  );
}

async function main() {
  const cli = path.join(root, 'dist/cli/index.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli/index.js is missing: node scripts/build.mjs cli');
  const buckets = [
    'bench-ours',
    'bench-aws',
    ...(sweep ? Array.from({ length: 7 }, (_, i) => `bench-sweep-${i}`) : []),
  ];
  const server = await startServer(buckets);
  try {
    const art = makeTree();
    const files = spawnSync('find', [art, '-type', 'f'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n').length;
    console.log(
      `release tree: ${files} files, ${totalMb} MB (4 tarballs of ${((totalMb * 0.8) / 4).toFixed(0)} MB, the rest small)`,
    );
    const base = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    const awsConfig = path.join(work, 'aws-config');
    fs.writeFileSync(awsConfig, '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n');
    const awsEnv = {
      ...base,
      AWS_CONFIG_FILE: awsConfig,
      AWS_DEFAULT_REGION: 'us-east-1',
      // Newer botocore computes CRC checksums by default, which Garage and R2 reject; v1 honours these.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    };
    const aws = [
      'aws',
      's3',
      'cp',
      '--recursive',
      '--quiet',
      '--endpoint-url',
      server.endpoint,
      `${art}/`,
      's3://bench-aws/',
    ];
    const ours = () => [
      process.execPath,
      cli,
      'publish',
      '--environment',
      'bench',
      '--artifacts-dir',
      art,
      '--no-check-git',
      '--skip',
      'cache,docker,docs,installers,tag,release-page',
    ];
    const oursDir = project(server.endpoint, 'bench-ours');
    const version = spawnSync('aws', ['--version'], { encoding: 'utf8' });
    console.log(`peer: ${(version.stdout || version.stderr).trim()}`);
    console.log(
      'ours: releng publish (dist/cli) with its defaults: one streamed PUT up to 128 MiB, 32 MiB parts above, 16 request bodies in flight',
    );

    const peer1 = await measure(aws, awsEnv, work);
    const ours1 = await measure(ours(), base, oursDir);
    const peer2 = await measure(aws, awsEnv, work);
    const ours2 = await measure(ours(), base, oursDir);
    console.log('\nfirst upload');
    row('aws s3 cp --recursive', peer1);
    row('releng publish', ours1);
    console.log('\nre-run (everything already there)');
    row('aws s3 cp --recursive', peer2);
    row('releng publish', ours2);
    const r1 = ours1.wall / peer1.wall;
    const r2 = ours2.wall / peer2.wall;
    console.log('\nratios (releng / aws):');
    console.log(
      `  first upload wall ${r1.toFixed(2)}x (target ≤ 0.80), max RSS ${ours1.rssMb.toFixed(0)} MB (target ≤ 150)`,
    );
    console.log(`  re-run wall ${r2.toFixed(2)}x (target ≤ 0.20), bytes sent ${ours2.sent} (target 0)`);
    const ok = r1 <= 0.8 && ours1.rssMb <= 150 && r2 <= 0.2 && ours2.sent === 0;
    console.log(
      ok
        ? '  all targets met'
        : '  TARGETS MISSED (the machine is shared: run again on a quiet one before concluding)',
    );

    if (sweep) {
      console.log(
        '\nsweep (first upload, each to its own bucket): multipart threshold / part size / request bodies in flight',
      );
      const configs = [
        [16, 16, 16],
        [64, 32, 16],
        [128, 32, 4],
        [128, 32, 8],
        [128, 32, 16],
        [128, 32, 32],
        [256, 64, 16],
      ];
      let i = 0;
      for (const [threshold, part, conc] of configs) {
        const bucket = `bench-sweep-${i++}`;
        const dir = project(server.endpoint, bucket);
        const m = await measure(
          ours(),
          {
            ...base,
            RELENG_S3_MULTIPART_THRESHOLD_MIB: String(threshold),
            RELENG_S3_PART_SIZE_MIB: String(part),
            RELENG_S3_CONCURRENCY: String(conc),
          },
          dir,
        );
        row(`threshold ${threshold} MiB, part ${part} MiB, ${conc} in flight`, m);
      }
    }
    console.log('\n(s3rver, the proxy and both tools share this machine; treat small differences as noise)');
  } finally {
    server.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
