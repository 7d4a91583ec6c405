// src/release/tarball.ts: the manual tarball, the same bytes on every run and every runner.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { describe, expect, test } from 'vitest';
import { writeTarGz } from '../../../src/release/tarball.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

async function entries(file: string): Promise<{ name: string; mode?: number; mtime?: Date; uid?: number }[]> {
  const out: { name: string; mode?: number; mtime?: Date; uid?: number }[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    out.push({ name: h.name, mode: h.mode, mtime: h.mtime, uid: h.uid });
    stream.resume();
    stream.on('end', next);
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(zlib.gunzipSync(fs.readFileSync(file)));
  });
  return out;
}

describe('the manual tarball', () => {
  test('sorted entries under the root, fixed owner and time, modes by executability; OS byte pinned', async () => {
    const dir = tmpDir();
    writeFiles(dir, { 'z.html': 'z', 'a/index.html': 'a', 'a/run.sh': '#!' });
    fs.chmodSync(path.join(dir, 'a/run.sh'), 0o755);
    const file = path.join(tmpDir(), 'm.tar.gz');
    await writeTarGz(dir, 'demo-1.0-manual', file);
    expect(await entries(file)).toEqual([
      { name: 'demo-1.0-manual/', mode: 0o755, mtime: new Date(1000), uid: 0 },
      { name: 'demo-1.0-manual/a/', mode: 0o755, mtime: new Date(1000), uid: 0 },
      { name: 'demo-1.0-manual/a/index.html', mode: 0o644, mtime: new Date(1000), uid: 0 },
      { name: 'demo-1.0-manual/a/run.sh', mode: 0o755, mtime: new Date(1000), uid: 0 },
      { name: 'demo-1.0-manual/z.html', mode: 0o644, mtime: new Date(1000), uid: 0 },
    ]);
    expect(fs.readFileSync(file)[9]).toBe(3);
  });

  test('the same tree gives the same bytes, whatever the files dates', async () => {
    const dir = tmpDir();
    writeFiles(dir, { 'index.html': 'x' });
    const a = path.join(tmpDir(), 'a.tar.gz');
    const b = path.join(tmpDir(), 'b.tar.gz');
    await writeTarGz(dir, 'm', a);
    fs.utimesSync(path.join(dir, 'index.html'), new Date(0), new Date(0));
    await writeTarGz(dir, 'm', b);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  });
});
