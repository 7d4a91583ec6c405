/**
 * build-artifacts' own work beside nix: reading a docker archive's image config for leg.json (one
 * streaming pass over a gzip-wrapped Nix archive) against the peer pipeline `gunzip | skopeo inspect
 * --config` (skopeo 1.9 cannot read the gzip wrapper), and the reproducible manual tarball against GNU
 * `tar --sort=name … | gzip -9`. Each side runs in its own process under /usr/bin/time.
 * Size: RELENG_BENCH_IMAGE_MB (default 256) for the image's layer, RELENG_BENCH_MANUAL_FILES (default 2000).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const imageMb = Number(process.env.RELENG_BENCH_IMAGE_MB ?? 256);
const manualFiles = Number(process.env.RELENG_BENCH_MANUAL_FILES ?? 2000);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'releng-bench-build-'));

interface Measure {
  wall: number;
  cpu: number;
  rssMb: number;
}

function measure(cmd: string, args: string[], opts: { shell?: boolean } = {}): Measure {
  const argv = opts.shell ? ['sh', '-c', [cmd, ...args].join(' ')] : [cmd, ...args];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...argv], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys!, rssMb: rss! / 1024 };
}

let startup: Measure;
function report(title: string, peer: [string, Measure], ours: Measure) {
  const [name, p] = peer;
  console.log(`\n${title}`);
  const row = (n: string, m: Measure) =>
    console.log(
      `  ${n.padEnd(34)} wall ${m.wall.toFixed(2)} s  cpu ${m.cpu.toFixed(2)} s  max RSS ${m.rssMb.toFixed(0)} MB`,
    );
  row(name, p);
  row('releng', ours);
  console.log(
    `  ratio peer/releng: wall ${(p.wall / ours.wall).toFixed(2)}x, cpu ${(p.cpu / ours.cpu).toFixed(2)}x, RSS ${(p.rssMb / ours.rssMb).toFixed(2)}x`,
  );
  const net = Math.max(ours.wall - startup.wall, 0.01);
  console.log(
    `  without start-up: releng wall ${net.toFixed(2)} s, ratio peer/releng ${(p.wall / net).toFixed(2)}x`,
  );
}

// A Nix-style docker archive: one big layer (random, so gzip does real work), config and manifest last.
const img = path.join(work, 'img');
fs.mkdirSync(path.join(img, 'layer'), { recursive: true });
const layerFile = path.join(img, 'layer', 'blob');
const fd = fs.openSync(layerFile, 'w');
for (let i = 0; i < imageMb; i++) fs.writeSync(fd, randomBytes(1 << 20));
fs.closeSync(fd);
execFileSync('tar', ['-C', path.join(img, 'layer'), '-cf', path.join(img, 'layer.tar'), 'blob']);
fs.rmSync(path.join(img, 'layer'), { recursive: true });
const diff = execFileSync('sha256sum', [path.join(img, 'layer.tar')], { encoding: 'utf8' }).split(' ')[0];
fs.mkdirSync(path.join(img, diff!));
fs.renameSync(path.join(img, 'layer.tar'), path.join(img, diff!, 'layer.tar'));
fs.writeFileSync(
  path.join(img, 'config.json'),
  JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] },
  }),
);
fs.writeFileSync(
  path.join(img, 'manifest.json'),
  JSON.stringify([{ Config: 'config.json', Layers: [`${diff}/layer.tar`] }]),
);
const archive = path.join(work, 'image.tar.gz');
execFileSync('sh', ['-c', `tar -C ${img} -cf - ${diff} config.json manifest.json | gzip -1 > ${archive}`]);
fs.rmSync(img, { recursive: true });

const tsx = ['--import', 'tsx'];
// Node + tsx start-up, paid once per run of the stage (not per file): reported so it can be subtracted.
startup = measure(process.execPath, [...tsx, '-e', '0']);
console.log(`node + tsx start-up: wall ${startup.wall.toFixed(2)} s, max RSS ${startup.rssMb.toFixed(0)} MB`);
const oursImage = measure(process.execPath, [
  ...tsx,
  '-e',
  `import('${root}/src/release/docker-archive.ts').then(async (m) => { await m.readImageMeta('${archive}'); })`,
]);
const peerImage = measure(
  `gunzip -c ${archive} > ${work}/plain.tar && skopeo inspect --config docker-archive:${work}/plain.tar > /dev/null && rm ${work}/plain.tar`,
  [],
  { shell: true },
);
report(
  `image config of a ${imageMb} MB gzip-wrapped docker archive`,
  ['gunzip + skopeo inspect --config', peerImage],
  oursImage,
);

// A manual: many small HTML files in a few directories.
const manual = path.join(work, 'manual');
for (let i = 0; i < manualFiles; i++) {
  const d = path.join(manual, `section-${i % 20}`);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    path.join(d, `page-${i}.html`),
    `<h1>page ${i}</h1>\n${'<p>lorem ipsum dolor sit amet</p>\n'.repeat(40)}`,
  );
}
const oursTar = measure(process.execPath, [
  ...tsx,
  '-e',
  `import('${root}/src/release/tarball.ts').then((m) => m.writeTarGz('${manual}', 'demo-manual', '${work}/ours.tar.gz'))`,
]);
const peerTar = measure(
  `tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -C ${work} --transform s,^manual,demo-manual, -cf - manual | gzip -9n > ${work}/peer.tar.gz`,
  [],
  { shell: true },
);
report(`manual tarball of ${manualFiles} files`, ['GNU tar --sort=name | gzip -9n', peerTar], oursTar);
console.log(
  `  sizes: releng ${fs.statSync(`${work}/ours.tar.gz`).size} B, peer ${fs.statSync(`${work}/peer.tar.gz`).size} B`,
);
console.log(
  '\n(node startup with tsx is counted on our side; the machine is shared, so treat small differences as noise)',
);
fs.rmSync(work, { recursive: true, force: true });
