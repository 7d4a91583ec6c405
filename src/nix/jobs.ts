import { RelengError } from '../errors.js';
import { run } from '../exec.js';
import type { Logger } from '../log.js';

/** One release job, as nix-eval-jobs prints it. */
export interface NixJob {
  attr: string;
  drvPath: string;
  system: string;
  /** output name → store path */
  outputs: Record<string, string>;
}

// Without nix-eval-jobs (Debian's nix 2.8 has none), one `nix eval --json --apply` walks the jobs attrset
// the way `nix-eval-jobs --force-recurse` does: every derivation below it, named by its dotted path.
const FLATTEN = `jobs: let
  isDrv = v: builtins.isAttrs v && v ? type && v.type == "derivation";
  go = prefix: v:
    if isDrv v then [{ name = prefix; value = {
      drvPath = v.drvPath; system = v.system;
      outputs = builtins.listToAttrs (map (o: { name = o; value = v.\${o}.outPath; }) (v.outputs or [ "out" ])); }; }]
    else if builtins.isAttrs v then builtins.concatLists (map (n: go (if prefix == "" then n else "\${prefix}.\${n}") v.\${n}) (builtins.attrNames v))
    else [];
in builtins.listToAttrs (go "" jobs)`;

export async function hasNixEvalJobs(): Promise<boolean> {
  return (
    (await run('nix-eval-jobs', ['--help'], { allowFailure: true }).catch(() => ({ code: 1 }))).code === 0
  );
}

/**
 * Evaluates `installable` (e.g. `.#release-jobs`) in `dir` into its jobs, sorted by attr. With
 * nix-eval-jobs, `gcRootsDir` keeps the evaluated derivations alive until they are built (older
 * nix-eval-jobs require it).
 */
export async function evalJobs(
  dir: string,
  installable: string,
  log?: Logger,
  opts: { gcRootsDir?: string } = {},
): Promise<NixJob[]> {
  if (await hasNixEvalJobs()) {
    const roots = opts.gcRootsDir ? ['--gc-roots-dir', opts.gcRootsDir] : [];
    const r = await run('nix-eval-jobs', ['--force-recurse', ...roots, '--flake', installable], {
      cwd: dir,
      log,
      allowFailure: true,
    });
    if (r.code !== 0) throw evalError(installable, r.stderr);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as NixJob & { error?: string })
      .map((j) => {
        if (j.error)
          throw new RelengError(
            `${installable}: evaluating ${j.attr} failed: ${lastLine(j.error)}; fix the flake`,
          );
        return { attr: j.attr, drvPath: j.drvPath, system: j.system, outputs: j.outputs };
      })
      .sort((a, b) => (a.attr < b.attr ? -1 : 1));
  }
  const r = await run('nix', ['eval', '--json', installable, '--apply', FLATTEN], {
    cwd: dir,
    log,
    allowFailure: true,
  });
  if (r.code !== 0) throw evalError(installable, r.stderr);
  const data = JSON.parse(r.stdout) as Record<string, Omit<NixJob, 'attr'>>;
  return Object.entries(data)
    .map(([attr, j]) => ({ attr, ...j }))
    .sort((a, b) => (a.attr < b.attr ? -1 : 1));
}

function evalError(installable: string, stderr: string): RelengError {
  const feature = /experimental Nix feature '([^']+)' is disabled/.exec(stderr);
  if (feature)
    return new RelengError(
      `${installable}: nix has the experimental feature '${feature[1]}' disabled; add 'experimental-features = nix-command flakes' to nix.conf (or NIX_CONFIG)`,
    );
  if (/does not provide attribute/.test(stderr))
    return new RelengError(
      `${installable}: the flake has no such attribute; set build.jobs in releng.yml to its release jobs`,
    );
  return new RelengError(`${installable}: evaluation failed: ${lastLine(stderr)}; fix the flake`);
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('…') && !/^at /.test(l));
  return lines.filter((l) => /error/.test(l)).pop() ?? lines.pop() ?? 'no output';
}
