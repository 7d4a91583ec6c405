// Bundles every action entry and the CLI with @vercel/ncc into dist/<name>/ (committed; CI compares).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const entries = fs
  .readdirSync(path.join(root, 'src/actions'))
  .filter((f) => f.endsWith('.ts') && f !== 'run-action.ts')
  .map((f) => ({ name: f.replace(/\.ts$/, ''), file: `src/actions/${f}` }))
  .concat([{ name: 'cli', file: 'src/cli.ts' }]);
const args = process.argv.slice(2);
// --out DIR builds elsewhere (the dist check compares a fresh build with the committed one).
const outIdx = args.indexOf('--out');
const distRoot = outIdx >= 0 ? path.resolve(args[outIdx + 1]) : path.join(root, 'dist');
const only = args.filter((_, i) => outIdx < 0 || (i !== outIdx && i !== outIdx + 1));
const selected = only.length ? entries.filter((e) => only.includes(e.name)) : entries;

function bundle({ name, file }) {
  const out = path.join(distRoot, name);
  fs.rmSync(out, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        file,
        '-o',
        out,
        '--no-source-map-register',
        '--quiet',
        // One license file per chunk (main.licenses.txt, 358.licenses.txt …): with one name for all, ncc's
        // license plugin writes every chunk's list to the same file and the last chunk's wins.
        '--license',
        '[name].licenses.txt',
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    p.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`ncc failed for ${file} (exit ${code})`)),
    );
  }).then(() => {
    // The bundle is ESM (the @actions/* v3 packages are ESM-only): node needs "type": "module" beside it.
    fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
    if (name === 'cli') {
      const f = path.join(out, 'index.js');
      let js = fs.readFileSync(f, 'utf8');
      if (!js.startsWith('#!')) js = `#!/usr/bin/env node\n${js}`;
      fs.writeFileSync(f, js);
      fs.chmodSync(f, 0o755);
    }
    console.log(
      `${path.relative(root, out)}/index.js  ${(fs.statSync(path.join(out, 'index.js')).size / 1e6).toFixed(2)} MB`,
    );
  });
}

// Two at a time: ncc is single-threaded and the machines have two cores.
const queue = [...selected];
await Promise.all(
  [0, 1].map(async () => {
    for (let e = queue.shift(); e; e = queue.shift()) await bundle(e);
  }),
);
