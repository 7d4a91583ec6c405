import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/action.js';
import { tmpDir } from '../helpers/tmp.js';

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

// ncc bundles seven entries, two at a time: minutes on a loaded 2-core machine. Run asynchronously so
// the worker keeps answering vitest while it builds.
test('committed dist/ is what npm run build produces', { timeout: 900_000 }, async () => {
  const out = tmpDir('releng-dist-');
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), '--out', out], {
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  const fresh = listFiles(out);
  expect(listFiles(path.join(ROOT, 'dist'))).toEqual(fresh);
  const differ = fresh.filter(
    (f) => !fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(ROOT, 'dist', f))),
  );
  expect(differ, 'run `npm run build` and commit dist/').toEqual([]);
});
