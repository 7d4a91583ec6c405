/**
 * `npm run bench [name…]`: runs each bench/<name>.bench.ts in its own process (so one's memory does not
 * count against another), peers and ours in the same run, and prints their ratios.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = path.dirname(new URL(import.meta.url).pathname);
const wanted = process.argv.slice(2);
const benches = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n=== bench/${b} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
