import { RelengError } from '../errors.js';
import { run } from '../exec.js';
import type { Logger } from '../log.js';
import { NIX_FEATURES, nix } from './command.js';

/** One release job, as nix-eval-jobs prints it. */
export interface NixJob {
  attr: string;
  drvPath: string;
  system: string;
  /** output name → store path */
  outputs: Record<string, string>;
}

// The parts of a derivation a job needs, as a Nix function (shared by both evaluations below).
const JOB_INFO = `v: {
  drvPath = v.drvPath; system = v.system;
  outputs = builtins.listToAttrs (map (o: { name = o; value = v.\${o}.outPath; }) (v.outputs or [ "out" ])); }`;
const IS_DRV = `v: builtins.isAttrs v && v ? type && v.type == "derivation"`;

// Without nix-eval-jobs (Debian's nix 2.8 has none), one `nix eval --json --apply` walks the jobs attrset
// the way `nix-eval-jobs --force-recurse` does: every derivation below it, named by its dotted path.
const FLATTEN = `jobs: let
  isDrv = ${IS_DRV};
  info = ${JOB_INFO};
  go = prefix: v:
    if isDrv v then [{ name = prefix; value = info v; }]
    else if builtins.isAttrs v then builtins.concatLists (map (n: go (if prefix == "" then n else "\${prefix}.\${n}") v.\${n}) (builtins.attrNames v))
    else [];
in builtins.listToAttrs (go "" jobs)`;

export async function hasNixEvalJobs(): Promise<boolean> {
  return (
    (await run('nix-eval-jobs', ['--help'], { allowFailure: true }).catch(() => ({ code: 1 }))).code === 0
  );
}

export interface EvalJobsOptions {
  /** With nix-eval-jobs: keeps the evaluated derivations alive until they are built (older ones require it). */
  gcRootsDir?: string;
  /**
   * A profile of the jobs (Lix's `release-jobs.nix`: `all`, `x86_64-linux-only`): the jobs evaluated are
   * `INSTALLABLE.PROFILE`, as Lix's releng passes `--flake .#release-jobs.PROFILE` to nix-eval-jobs.
   */
  profile?: string;
}

/** The installable evaluated for `installable` and a profile: `.#release-jobs` + `all` → `.#release-jobs.all`. */
export function jobsInstallable(installable: string, profile?: string): string {
  return profile ? `${installable}.${profile}` : installable;
}

/** Evaluates `installable` (e.g. `.#release-jobs`) in `dir` into its jobs, sorted by attr. */
export async function evalJobs(
  dir: string,
  installable: string,
  log?: Logger,
  opts: EvalJobsOptions = {},
): Promise<NixJob[]> {
  const target = jobsInstallable(installable, opts.profile);
  const failed = async (stderr: string) =>
    opts.profile && missingAttribute(stderr)
      ? await noSuchProfile(dir, installable, opts.profile, log)
      : evalError(target, stderr);
  if (await hasNixEvalJobs()) {
    const roots = opts.gcRootsDir ? ['--gc-roots-dir', opts.gcRootsDir] : [];
    const r = await run('nix-eval-jobs', [...NIX_FEATURES, '--force-recurse', ...roots, '--flake', target], {
      cwd: dir,
      log,
      allowFailure: true,
    });
    if (r.code !== 0) throw await failed(r.stderr);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as NixJob & { error?: string })
      .map((j) => {
        if (j.error)
          throw new RelengError(
            `${target}: evaluating ${j.attr} failed: ${lastLine(j.error)}; fix the flake`,
          );
        return { attr: j.attr, drvPath: j.drvPath, system: j.system, outputs: j.outputs };
      })
      .sort(byAttr);
  }
  const r = await nix(['eval', '--json', target, '--apply', FLATTEN], { cwd: dir, log, allowFailure: true });
  if (r.code !== 0) throw await failed(r.stderr);
  const data = JSON.parse(r.stdout) as Record<string, Omit<NixJob, 'attr'>>;
  return Object.entries(data)
    .map(([attr, j]) => ({ attr, ...j }))
    .sort(byAttr);
}

/** The profile is not an attribute of the jobs: name the ones there are. */
async function noSuchProfile(
  dir: string,
  installable: string,
  profile: string,
  log?: Logger,
): Promise<RelengError> {
  const r = await nix(['eval', '--json', installable, '--apply', 'builtins.attrNames'], {
    cwd: dir,
    log,
    allowFailure: true,
  });
  if (r.code !== 0) return evalError(installable, r.stderr);
  const names = JSON.parse(r.stdout) as string[];
  return new RelengError(
    `profile '${profile}': ${installable} has no such attribute (it has ${names.join(', ') || 'none'}); pass one of its profiles (input 'profile' or releng.yml build.profile)`,
  );
}

/**
 * What a flake attribute path with `{system}` names for each system: the job, `present` (a derivation,
 * not instantiated), `not-a-derivation`, or null (no such attribute: the system has none).
 */
export type SystemJob = NixJob | 'present' | 'not-a-derivation' | null;

export interface SystemJobs {
  /** system → what the path names there. */
  bySystem: Record<string, SystemJob>;
  /** Where the walk stopped for the first system without the attribute: its parent and the names it has. */
  missing?: { at: string; has: string[] };
}

/**
 * Evaluates a flake attribute path outside the release jobs, e.g. `.#hydraJobs.dockerImage.{system}.tarball`,
 * for every system of `probe` in one `nix eval`: the systems of `instantiate` get their job (drvPath and
 * outputs, which writes the derivation to the store), the others are only checked to exist, so a leg
 * does not instantiate another system's closure. The path's first component is the installable nix
 * resolves (`.#hydraJobs`); the rest is walked in Nix, so a system without the attribute is an answer,
 * not an error. Template components reach the Nix code as JSON data, never as code.
 */
export async function evalSystemJobs(
  dir: string,
  template: string,
  probe: string[],
  instantiate: string[],
  log?: Logger,
): Promise<SystemJobs> {
  const { flake, first, rest } = splitInstallable(template);
  const query = {
    probe,
    instantiate,
    paths: Object.fromEntries(probe.map((s) => [s, rest.map((c) => c.split('{system}').join(s))])),
  };
  const apply = `root: let
  q = builtins.fromJSON ${nixString(JSON.stringify(query))};
  isDrv = ${IS_DRV};
  info = ${JOB_INFO};
  walk = at: v: path:
    if path == [] then { found = true; value = v; }
    else if builtins.isAttrs v && builtins.hasAttr (builtins.head path) v
    then walk (at ++ [ (builtins.head path) ]) (builtins.getAttr (builtins.head path) v) (builtins.tail path)
    else { found = false; inherit at; has = if builtins.isAttrs v then builtins.attrNames v else []; };
  one = s: let r = walk [] root q.paths.\${s}; in
    if !r.found then { missing = { inherit (r) at has; }; }
    else if !(isDrv r.value) then { job = "not-a-derivation"; }
    else if builtins.elem s q.instantiate then { job = info r.value; }
    else { job = "present"; };
in builtins.listToAttrs (map (s: { name = s; value = one s; }) q.probe)`;
  const installable = `${flake}#${first}`;
  const r = await nix(['eval', '--json', installable, '--apply', apply], {
    cwd: dir,
    log,
    allowFailure: true,
  });
  if (r.code !== 0) {
    if (missingAttribute(r.stderr))
      return { bySystem: Object.fromEntries(probe.map((s) => [s, null])), missing: { at: flake, has: [] } };
    throw evalError(installable, r.stderr);
  }
  const data = JSON.parse(r.stdout) as Record<
    string,
    { job?: Omit<NixJob, 'attr'> | 'present' | 'not-a-derivation'; missing?: { at: string[]; has: string[] } }
  >;
  const out: SystemJobs = { bySystem: {} };
  for (const s of probe) {
    const d = data[s]!;
    if (d.missing) {
      out.bySystem[s] = null;
      out.missing ??= { at: [`${flake}#${first}`, ...d.missing.at].join('.'), has: d.missing.has };
    } else if (typeof d.job === 'object')
      out.bySystem[s] = { attr: `${flake}#${[first, ...query.paths[s]!].join('.')}`, ...d.job };
    else out.bySystem[s] = d.job ?? null;
  }
  return out;
}

/** `FLAKE#a.b.{system}.c` → the flake reference, the first attr (resolved by nix) and the rest. */
export function splitInstallable(template: string): { flake: string; first: string; rest: string[] } {
  const hash = template.indexOf('#');
  const [first = '', ...rest] = template.slice(hash + 1).split('.');
  return { flake: template.slice(0, hash), first, rest };
}

/** A Nix string literal holding `s` exactly (`\`, `"` and `$` escaped; Nix strings may span lines). */
export function nixString(s: string): string {
  return `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

function missingAttribute(stderr: string): boolean {
  return /does not provide attribute/.test(stderr);
}

function evalError(installable: string, stderr: string): RelengError {
  const feature = /experimental Nix feature '([^']+)' is disabled/.exec(stderr);
  if (feature)
    return new RelengError(
      `${installable}: nix has the experimental feature '${feature[1]}' disabled; add 'experimental-features = nix-command flakes' to nix.conf (or NIX_CONFIG)`,
    );
  if (missingAttribute(stderr))
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

function byAttr(a: NixJob, b: NixJob): number {
  return a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : 0;
}
