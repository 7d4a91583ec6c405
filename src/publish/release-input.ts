import fs from 'node:fs';
import path from 'node:path';
import { findBundles } from '../bundle/find.js';
import { disposeMerged } from '../bundle/merge.js';
import type { CachePath, MergedRelease } from '../bundle/release.js';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { ContainedDir } from '../release/files.js';
import {
  MANIFEST,
  names,
  parseDockerImage,
  type ReleaseImage,
  type TreeFile,
  versionDir,
  versionPrefix,
} from '../release/tree.js';
import { sha256File } from '../storage/hash.js';
import { checkRelativePath } from '../storage/key.js';

const NIX_STORE = '/nix/store';

/** Where the store paths for the binary cache come from. */
export type CacheSource =
  /** Each leg's unsigned file:// cache (leg bundles): the merge's list of their paths, and the top-level ones. */
  | {
      kind: 'caches';
      caches: { system: string; dir: string }[];
      cachePaths: CachePath[];
      storePaths: string[];
    }
  /** The local nix store: drvs.txt's derivations and their outputs (artifacts-dir, as the reference). */
  | { kind: 'store'; paths: string[] }
  /** Nothing to put in a cache, with the reason (a preflight problem unless `skip: cache`). */
  | { kind: 'none'; why: string };

/** One release, however it arrived: what publish works from. */
export interface ReleaseInput {
  version: string;
  /** The release tree (root manifest.nix included), sorted by path; sources are absolute. */
  files: TreeFile[];
  manualDir: string | null;
  cache: CacheSource;
  images: ReleaseImage[];
  /** For messages: the bundles or the artifacts dir. */
  origin: string;
  /** The files' sha256 were recorded at build time (leg.json), not computed from the bytes here. */
  recorded: boolean;
  /** The systems the release has: its legs', or the root manifest.nix's entries (artifacts-dir). */
  systems: string[];
  /** `manual`: only the manual (legs of build-artifacts' target manual): nightly docs, nothing else. */
  target: 'all' | 'manual';
  /** Removes what reading the release made (the merge's generated files); called once publish is done. */
  dispose(): void;
}

export function fromMerged(m: MergedRelease, origin: string): ReleaseInput {
  const manualOnly = m.legs.length > 0 && m.legs.every((l) => l.record.target === 'manual');
  return {
    version: m.version,
    files: m.files,
    manualDir: m.manualDir,
    cache:
      m.caches.length > 0
        ? {
            kind: 'caches',
            caches: m.caches,
            cachePaths: m.cachePaths,
            storePaths: [...m.storePaths, ...m.drvPaths],
          }
        : { kind: 'none', why: `the leg bundles (${origin}) carry no nix cache` },
    images: m.images,
    origin,
    recorded: true,
    systems: m.systems,
    target: manualOnly ? 'manual' : 'all',
    dispose: () => disposeMerged(m),
  };
}

/**
 * The reference's `release/` directory: `artifacts/` (the tree), `manual/` and `drvs.txt` beside it. The
 * manual falls back to the version directory's `manual/` (Lix's tarballs job puts one there); docker
 * archives are the version directory's `NAME-VERSION-docker-image-SYSTEM.tar.gz`.
 */
export async function fromArtifactsDir(
  dir: string,
  name: string,
  version: string,
  log: Logger,
): Promise<ReleaseInput> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new RelengError(
      `artifacts-dir ${dir}: not a directory; pass build-artifacts' artifacts-dir output (the reference's release/artifacts)`,
    );
  const vdir = path.join(dir, ...versionDir(name, version).split('/'));
  if (!fs.existsSync(vdir))
    throw new RelengError(
      `artifacts-dir ${dir}: has no ${versionPrefix(name, version)} (the release tree of ${name} ${version}); is it the tree of another version or project?`,
    );
  // Links into the nix store are allowed (nix results in the tree); out of the dir otherwise, refused.
  const found = new ContainedDir(dir, 'the artifacts dir', [NIX_STORE]).files();
  for (const f of found) checkRelativePath(f.path, `${dir}:`, 'rename the file');
  log.info(`${found.length} files in ${dir}`);
  // Hashed when first needed (src/storage/hash.ts ensureSha256): as the upload reaches each file.
  const files = found.map((f) => ({ path: f.path, source: f.source, size: f.size, sha256: '' }));
  const parent = path.dirname(dir);
  const manualDir =
    [path.join(parent, names.manual), path.join(vdir, names.manual)].find((d) => fs.existsSync(d)) ?? null;
  const drvsTxt = path.join(parent, 'drvs.txt');
  const cache: CacheSource = fs.existsSync(drvsTxt)
    ? {
        kind: 'store',
        paths: fs
          .readFileSync(drvsTxt, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      }
    : { kind: 'none', why: `${drvsTxt} not found (the derivations to put in the cache)` };
  const images: ReleaseImage[] = fs.readdirSync(vdir).flatMap((f) => {
    const system = parseDockerImage(name, version, f);
    return system ? [{ file: path.join(vdir, f), system }] : [];
  });
  const manifest = files.find((f) => f.path === MANIFEST);
  const systems = manifest ? manifestSystems(fs.readFileSync(manifest.source, 'utf8')) : [];
  return {
    version,
    files,
    manualDir,
    cache,
    images,
    origin: dir,
    recorded: false,
    systems,
    target: 'all',
    dispose: () => {},
  };
}

/** The systems a manifest.nix has an entry for (`  x86_64-linux = "/nix/store/…";`). */
export function manifestSystems(text: string): string[] {
  return [...text.matchAll(/^\s*"?([a-z0-9_]+-[a-z0-9_]+)"?\s*=\s*"/gm)].map((m) => m[1]!).sort();
}

/**
 * Every system of `build.systems` or nothing: a release without one (a root manifest.nix without darwin
 * breaks `nix upgrade-nix` on macOS) is refused, naming what is missing, unless `allowed` names those
 * systems. `allowed` may name only systems of build.systems (a typo must not hide a missing system).
 */
export function systemProblems(
  release: ReleaseInput,
  expected: readonly string[],
  allowed: readonly string[],
): string[] {
  if (release.target === 'manual') return [];
  const problems: string[] = [];
  const unknown = allowed.filter((s) => !expected.includes(s));
  if (unknown.length)
    problems.push(
      `input 'allow-missing-systems': ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in releng.yml build.systems (${expected.join(', ')}); name only systems the release could lack`,
    );
  const missing = expected.filter((s) => !release.systems.includes(s) && !allowed.includes(s));
  if (missing.length)
    problems.push(
      `${release.origin}: the release lacks ${missing.join(', ')} of releng.yml build.systems (it has ${release.systems.join(', ') || 'none'}); publish every system's leg, or pass allow-missing-systems: ${missing.join(',')} to publish without ${missing.length === 1 ? 'it' : 'them'}`,
    );
  return problems;
}

export type ReleaseSource =
  | { bundles: string[] }
  | { artifactsDir: string }
  /** A release already merged (tests; and what bundles become through mergeLegs). */
  | { release: MergedRelease; origin?: string };

/** The release to publish, from leg bundles (merged), a merged release, or an artifacts dir. */
export async function loadRelease(
  source: ReleaseSource,
  o: {
    dir: string;
    name: string;
    version: string;
    mergeLegs?: (bundleDirs: string[], log: Logger) => Promise<MergedRelease>;
    log: Logger;
  },
): Promise<ReleaseInput> {
  if ('artifactsDir' in source)
    return fromArtifactsDir(path.resolve(o.dir, source.artifactsDir), o.name, o.version, o.log);
  let merged: MergedRelease;
  let origin: string;
  if ('release' in source) {
    merged = source.release;
    origin = source.origin ?? 'the merged release';
  } else {
    const dirs = findBundles(source.bundles, o.dir);
    if (!o.mergeLegs) throw new Error('publish: no mergeLegs given for bundles');
    merged = await o.mergeLegs(dirs, o.log);
    origin = dirs.join(', ');
  }
  if (merged.name && merged.name !== o.name)
    throw new RelengError(
      `${origin}: the legs are a build of '${merged.name}', but releng.yml says name: ${o.name}; publish from the project's own checkout`,
    );
  const release = fromMerged(merged, origin);
  if (release.version !== o.version)
    throw new RelengError(
      `${origin} is a build of ${release.version}, but version.json in ${o.dir} says ${o.version}; publish from the checkout of the release's tag`,
    );
  return release;
}

/**
 * Files of the release whose bytes no longer hash to the sha256 leg.json recorded (changed or damaged since
 * the build, at the same size), among `sources` — the files about to be written, so that a re-run that
 * writes nothing reads nothing. Checked before the first write: a damaged file must not be published
 * under its recorded sha256, nor stop a publication half way.
 */
export async function damagedFiles(release: ReleaseInput, sources: Iterable<string>): Promise<string[]> {
  if (!release.recorded) return [];
  const recorded = new Map(release.files.map((f) => [f.source, f.sha256]));
  const problems: string[] = [];
  for (const source of new Set(sources)) {
    const want = recorded.get(source);
    if (!want) continue;
    const got = (await sha256File(source)).sha256;
    if (got !== want)
      problems.push(
        `${source}: its sha256 is ${got} but leg.json records ${want}; the leg bundle was changed or damaged after the build: download or build it again`,
      );
  }
  return problems;
}

/** The manual's files, hashed (a few megabytes: the docs sync compares every page). */
export async function manualTree(dir: string): Promise<TreeFile[]> {
  const out: TreeFile[] = [];
  for (const f of new ContainedDir(dir, 'the manual').files()) {
    checkRelativePath(f.path, `${dir}:`, 'rename the file');
    out.push({ path: f.path, source: f.source, ...(await sha256File(f.source)) });
  }
  return out;
}
