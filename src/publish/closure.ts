import { RelengError, RelengErrors } from '../errors.js';
import { run, tail } from '../exec.js';
import type { Logger } from '../log.js';
import { nix } from '../nix/command.js';
import type { StorePathInfo } from '../nix/narinfo.js';
import type { CacheSource } from './release-input.js';

/** One store path of the release's closure. */
export interface ClosurePath extends StorePathInfo {
  /** The leg cache holding it (a `file://` source for nix copy); undefined for the local store. */
  cache?: string;
}

/** The closure to publish: every path the release needs, with what its source says about it. */
export async function releaseClosure(source: CacheSource, log: Logger): Promise<Map<string, ClosurePath>> {
  if (source.kind === 'none') throw new RelengError(`nothing to put in the binary cache: ${source.why}`);
  return source.kind === 'caches' ? closureFromCaches(source, log) : closureFromStore(source.paths, log);
}

/** The legs' top-level paths and everything they reference, from the merge's list of the leg caches' paths. */
function closureFromCaches(
  source: Extract<CacheSource, { kind: 'caches' }>,
  log: Logger,
): Map<string, ClosurePath> {
  const known = new Map<string, ClosurePath>(source.cachePaths.map((c) => [c.storePath, c]));
  const closure = new Map<string, ClosurePath>();
  const missing: string[] = [];
  const queue = source.storePaths.filter((p) => {
    // Derivations are published when the legs carry them (the reference uploads drvs too); outputs must be there.
    if (known.has(p) || !p.endsWith('.drv')) return true;
    log.debug(`${p} is in no leg cache; not published`);
    return false;
  });
  while (queue.length) {
    const p = queue.pop()!;
    if (closure.has(p)) continue;
    const c = known.get(p);
    if (!c) {
      missing.push(p);
      continue;
    }
    closure.set(p, c);
    queue.push(...c.references.filter((r) => !closure.has(r)));
  }
  if (missing.length)
    throw new RelengErrors(
      `the leg caches (${source.caches.map((c) => c.dir).join(', ')}) lack store paths the release needs; rebuild the legs`,
      missing.sort().map((p) => `${p} is in no leg cache`),
    );
  return closure;
}

async function closureFromStore(drvsAndPaths: string[], log: Logger): Promise<Map<string, ClosurePath>> {
  if (drvsAndPaths.length === 0)
    throw new RelengError('drvs.txt lists no derivations; nothing to put in the cache');
  // Nix 2.8 has no `drv^*`: the outputs of each derivation, then the closure of everything.
  const drvs = drvsAndPaths.filter((p) => p.endsWith('.drv'));
  const outputs = drvs.length
    ? (await run('nix-store', ['-q', '--outputs', ...drvs], { log })).stdout.split('\n').filter(Boolean)
    : [];
  const plain = [...new Set([...drvsAndPaths.filter((p) => !p.endsWith('.drv')), ...outputs])];
  // A .drv argument means its outputs to nix 2.8; --derivation makes it mean the file (and its closure).
  const infos = [
    ...(plain.length ? await pathInfo(plain, [], log) : []),
    ...(drvs.length ? await pathInfo(drvs, ['--derivation'], log) : []),
  ];
  const invalid = infos.filter((i) => i.valid === false).map((i) => `${i.path} is not in the local store`);
  if (invalid.length) throw new RelengErrors('the release is not built in the local store', invalid);
  return new Map(
    infos.map((i): [string, ClosurePath] => [
      i.path,
      { storePath: i.path, narHash: i.narHash, narSize: i.narSize, references: i.references ?? [] },
    ]),
  );
}

interface PathInfo {
  path: string;
  narHash: string;
  narSize: number;
  references?: string[];
  valid?: boolean;
}

async function pathInfo(paths: string[], flags: string[], log: Logger): Promise<PathInfo[]> {
  const r = await nix(['path-info', '--json', '--recursive', ...flags, ...paths], {
    allowFailure: true,
    log,
  });
  if (r.code !== 0)
    throw new RelengError(
      `nix path-info of the release's derivations and outputs failed: ${tail(r.stderr, 2)}; build the release first (build-artifacts)`,
    );
  return JSON.parse(r.stdout) as PathInfo[];
}
