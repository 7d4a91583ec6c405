/**
 * What a job's runner image has, by `runs-on` label: each leg runs with a PATH of only those programs (a
 * directory of symlinks to this machine's), so a step needing a tool its image lacks fails as it would on
 * a forge. Programs come from the Debian packages an image of that kind carries, read with `dpkg -L`.
 *
 * | label                         | image                                   | programs                        |
 * |-------------------------------|-----------------------------------------|---------------------------------|
 * | `docker` (Forgejo)            | node:20-bookworm, the runner's default  | base, node, git, ssh, apt-get   |
 * | `ubuntu-24.04`, `ubuntu-latest` (GitHub) | GitHub's hosted Ubuntu (no nix) | base, node, git, ssh, apt-get, sudo |
 * | `nix-<system>`                | a self-hosted runner with nix           | base, node, git, ssh, nix       |
 *
 * Anything else is an error. `nix-aarch64-darwin` and `nix-aarch64-linux` run this machine's nix, which
 * builds those systems through `extra-platforms` (the fixtures' builders are shell scripts). `apt-get
 * install PKG` in a job links the programs of PKG as installed here into that job's PATH (what an image
 * whose user is root can do); a package this machine does not have fails as an unknown one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from './expressions.js';

export type Forge = 'forgejo' | 'github';

export interface Toolset {
  label: string;
  /** runner.os / runner.arch (RUNNER_OS, RUNNER_ARCH) of a runner with this label. */
  os: 'Linux' | 'macOS';
  arch: 'X64' | 'ARM64';
  packages: string[];
  /** Programs outside the packages' lists (alternatives such as awk, which). */
  programs: string[];
  node: boolean;
  aptGet: boolean;
  sudo: boolean;
}

/** A Debian image's essentials: what `run:` scripts use without installing anything. */
const BASE_PACKAGES = [
  'bash',
  'dash',
  'coreutils',
  'sed',
  'grep',
  'mawk',
  'findutils',
  'tar',
  'gzip',
  'xz-utils',
  'diffutils',
  'debianutils',
  'procps',
  'hostname',
];
const BASE_PROGRAMS = ['awk', 'which'];
const NIX_SYSTEMS = ['x86_64-linux', 'aarch64-linux', 'aarch64-darwin', 'x86_64-darwin'];

/** The toolset of a job's `runs-on` (a label, or a list of labels of which one is ours), or an error. */
export function toolsetFor(runsOn: unknown, forge: Forge, where: string): Toolset {
  const labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).map(String).filter((l) => l !== 'self-hosted');
  if (labels.length !== 1)
    throw new HarnessError(
      `${where}: runs-on ${JSON.stringify(runsOn)}: give exactly one label of the harness`,
    );
  const label = labels[0]!;
  const common = { label, programs: BASE_PROGRAMS, node: true, aptGet: false, sudo: false };
  // A Debian image: Forgejo's `docker` (node:20-bookworm), GitHub's hosted Ubuntu (with sudo).
  const debian: Toolset = {
    ...common,
    os: 'Linux',
    arch: 'X64',
    packages: [...BASE_PACKAGES, 'git', 'openssh-client'],
    aptGet: true,
  };
  if (label === 'docker' && forge === 'forgejo') return debian;
  if ((label === 'ubuntu-24.04' || label === 'ubuntu-latest') && forge === 'github')
    return { ...debian, sudo: true };
  const nix = /^nix-(.+)$/.exec(label);
  if (nix && NIX_SYSTEMS.includes(nix[1]!))
    return {
      ...common,
      os: nix[1]!.endsWith('-darwin') ? 'macOS' : 'Linux',
      arch: nix[1]!.startsWith('x86_64') ? 'X64' : 'ARM64',
      packages: [...BASE_PACKAGES, 'git', 'openssh-client', 'nix-bin'],
    };
  throw new HarnessError(
    `${where}: runs-on '${label}' is no runner label of the ${forge} harness (${forge === 'forgejo' ? 'docker' : 'ubuntu-24.04, ubuntu-latest'}, nix-<system> for ${NIX_SYSTEMS.join(', ')})`,
  );
}

const packageCache = new Map<string, string[]>();

/** The programs (bin and sbin paths) of an installed Debian package; empty when it is not installed. */
export function packagePrograms(pkg: string): string[] {
  let list = packageCache.get(pkg);
  if (!list) {
    let text = '';
    try {
      text = execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {}
    list = text.split('\n').filter((f) => /^\/(usr\/)?s?bin\/[^/]+$/.test(f));
    packageCache.set(pkg, list);
  }
  return list;
}

function onHostPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const f = path.join(dir, name);
    if (dir && fs.existsSync(f)) return f;
  }
  return undefined;
}

/**
 * Makes `dir` the PATH of a job with this toolset: a symlink per program. `node` is the job image's node
 * (Forgejo runs actions with it) — by default the node running the tests.
 */
export function installToolset(dir: string, toolset: Toolset, node: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const link = (name: string, target: string) => {
    const f = path.join(dir, name);
    if (!fs.existsSync(f)) fs.symlinkSync(target, f);
  };
  for (const pkg of toolset.packages) {
    const programs = packagePrograms(pkg);
    // ssh is in every image, but only git over ssh needs it; a machine without it runs the rest.
    if (programs.length === 0 && pkg !== 'openssh-client')
      throw new HarnessError(
        `runs-on '${toolset.label}': Debian package ${pkg} is not installed on this machine`,
      );
    for (const p of programs) link(path.basename(p), p);
  }
  for (const name of toolset.programs) {
    const f = onHostPath(name);
    if (f) link(name, f);
  }
  if (toolset.node) link('node', node);
  if (toolset.aptGet) {
    fs.writeFileSync(path.join(dir, 'apt-get'), aptGetScript(dir), { mode: 0o755 });
  }
  if (toolset.sudo) fs.writeFileSync(path.join(dir, 'sudo'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
}

/** `apt-get update` does nothing; `apt-get install PKG…` links PKG's programs, as installed here, into `dir`. */
function aptGetScript(dir: string): string {
  return `#!/bin/bash
# harness: apt-get of a job image. Installing links the package's programs as this machine has them.
set -euo pipefail
tools=${JSON.stringify(dir)}
case "\${1:-}" in
  update) exit 0 ;;
  install) shift ;;
  *) echo "harness apt-get: only 'update' and 'install' are supported" >&2; exit 100 ;;
esac
for pkg in "$@"; do
  case "$pkg" in -*) continue ;; esac
  if ! list=$(/usr/bin/dpkg-query -L "$pkg" 2>/dev/null); then echo "E: Unable to locate package $pkg" >&2; exit 100; fi
  while IFS= read -r f; do
    case "$f" in /bin/*|/sbin/*|/usr/bin/*|/usr/sbin/*) ;; *) continue ;; esac
    [ -d "$f" ] && continue
    /bin/ln -sf "$f" "$tools/\${f##*/}"
  done <<< "$list"
done
`;
}
