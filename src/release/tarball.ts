import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';

const MTIME = new Date(1000); // Nix store files have mtime 1: the manual's files keep the date they have there

/**
 * A reproducible `.tar.gz` of `dir` under the top directory `root` (the reference's manual tarball,
 * `NAME-VERSION-manual/…`): entries sorted, fixed owner, mode and time, so every run — a single build or
 * a matrix leg, a re-run — writes the same bytes, and publish finds them unchanged.
 */
export async function writeTarGz(dir: string, root: string, dest: string): Promise<void> {
  const pack = tar.pack();
  const entries: { rel: string; dir: boolean; exec: boolean }[] = [];
  const walk = (rel: string) => {
    const names = fs.readdirSync(path.join(dir, rel)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.statSync(path.join(dir, r));
      entries.push({ rel: r, dir: st.isDirectory(), exec: (st.mode & 0o111) !== 0 });
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  const common = { mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  const writing = (async () => {
    pack.entry({ ...common, name: `${root}/`, type: 'directory', mode: 0o755 });
    for (const e of entries) {
      const name = `${root}/${e.rel}`;
      if (e.dir) {
        pack.entry({ ...common, name: `${name}/`, type: 'directory', mode: 0o755 });
        continue;
      }
      const data = fs.readFileSync(path.join(dir, e.rel));
      await new Promise<void>((resolve, reject) =>
        pack.entry({ ...common, name, mode: e.exec ? 0o755 : 0o644, size: data.length }, data, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    }
    pack.finalize();
  })();
  const out = fs.createWriteStream(dest);
  await Promise.all([writing, pipeline(pack, zlib.createGzip({ level: 9 }), out)]);
  // The gzip header's OS byte is the zlib build's platform (3 on Linux, 19 on macOS): pin it, so the
  // manual-from leg writes the same bytes whichever runner it lands on.
  const fd = fs.openSync(dest, 'r+');
  try {
    fs.writeSync(fd, Buffer.from([3]), 0, 1, 9);
  } finally {
    fs.closeSync(fd);
  }
}
