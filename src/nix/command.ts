import { type ExecOptions, type ExecResult, run } from '../exec.js';

/**
 * The experimental features our nix calls use, enabled by each call instead of expected in nix.conf: a
 * runner's nix.conf (or a release engineer's) often lacks them, and `nix copy`, `nix eval`, `nix path-info`
 * need nix-command, `.#attr` installables flakes. `extra-` adds to what nix.conf enables, never removes.
 */
export const NIX_FEATURES = ['--extra-experimental-features', 'nix-command flakes'] as const;

/** `nix ARGS…` with the experimental features enabled. */
export function nix(args: string[], opts?: ExecOptions): Promise<ExecResult> {
  return run('nix', [...NIX_FEATURES, ...args], opts);
}
