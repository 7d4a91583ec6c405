import fs from 'node:fs';
import path from 'node:path';
import { spawnAsync } from './spawn.js';
import { tmpDir } from './tmp.js';

/**
 * The real nix of the tests: Debian's nix-bin 2.8, single-user as the current user (root in CI), with
 * the settings of DESIGN.md so fixture flakes build offline and the other systems (aarch64-linux,
 * aarch64-darwin: their builders are /bin/sh scripts) build here.
 */
export const NIX_CONFIG = [
  'experimental-features = nix-command flakes',
  'sandbox = false',
  'build-users-group =',
  'substituters =',
  'extra-platforms = aarch64-linux aarch64-darwin',
  'warn-dirty = false',
].join('\n');

/**
 * `nix build --json --no-link INSTALLABLE` in `dir`: the `out` path of the first result. Asynchronous:
 * a build can outlast the 60 s a vitest worker may stay blocked.
 */
export async function nixBuildOut(dir: string, installable: string): Promise<string> {
  const r = await spawnAsync('nix', ['build', '--json', '--no-link', installable], {
    cwd: dir,
    env: nixEnv(),
  });
  if (r.status !== 0) throw new Error(`nix build ${installable} failed:\n${r.stderr.slice(-4000)}`);
  const built = JSON.parse(r.stdout) as { outputs: { out: string } }[];
  return built[0]!.outputs.out;
}

export function nixEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NIX_CONFIG, ...extra };
}

// Tests run in-process stages too: make the setting visible to everything they spawn.
process.env.NIX_CONFIG = NIX_CONFIG;

/**
 * A PATH as on a runner without nix (Forgejo's `docker` image): one directory of links to every program
 * of the current PATH but nix's (nix, nix-store, nix-instantiate, …), which live in /usr/bin here.
 */
export function pathWithoutNix(): string {
  const bin = tmpDir('releng-no-nix-bin-');
  for (const dir of (process.env.PATH ?? '').split(':')) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const link = path.join(bin, name);
      if (name.startsWith('nix') || fs.existsSync(link)) continue;
      fs.symlinkSync(path.join(dir, name), link);
    }
  }
  return bin;
}
