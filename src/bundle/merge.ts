import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { listingKey, readCacheDir, storePathInfo } from '../nix/narinfo.js';
import { makeWorkDir, WORK_DIRS } from '../nix/work-dir.js';
import { placeFile } from '../release/files.js';
import { inVersionDir, MANIFEST, manifestText, type TreeFile } from '../release/tree.js';
import { sha256File } from '../storage/hash.js';
import { LEG_ARTIFACTS, LEG_CACHE, type LegRecord, legImageFile, openLeg } from './leg.js';
import type { CachePath, MergedImage, MergedRelease } from './release.js';

/**
 * Combines leg bundles (one system each) into one release: the union of their release-tree files, one
 * manifest.nix generated from every leg's package, the manual of the leg that carries it, and the union
 * of their caches. A file two legs both carry must have the same bytes; a system two legs both claim, a
 * version or project that differs between legs, are errors naming the legs. Nothing is copied; see
 * writeTree.
 */
export async function mergeLegs(bundleDirs: string[], log: Logger = silentLogger): Promise<MergedRelease> {
  if (bundleDirs.length === 0)
    throw new RelengError('no leg bundles to merge; pass the bundle-dir output(s) of build-artifacts');
  const legs = bundleDirs
    .map((d) => path.resolve(d))
    .filter((d, i, all) => all.indexOf(d) === i)
    .map((dir) => openLeg(dir))
    .sort((a, b) => cmp(a.record.system, b.record.system) || cmp(a.dir, b.dir));

  const first = legs[0]!;
  for (let i = 1; i < legs.length; i++) {
    const leg = legs[i]!;
    const prev = legs[i - 1]!;
    if (leg.record.system === prev.record.system)
      throw new RelengError(
        `legs ${prev.dir} and ${leg.dir} both claim system ${leg.record.system}; pass one leg per system (one build-artifacts run per system)`,
      );
    for (const key of ['version', 'name'] as const) {
      const a = first.record[key];
      const b = leg.record[key];
      if (a !== undefined && b !== undefined && a !== b)
        throw new RelengError(
          `legs disagree on the ${key}: ${first.dir} has ${a}, ${leg.dir} has ${b}; merge legs of one release only`,
        );
    }
  }
  const version = first.record.version;
  const name = legs.map((l) => l.record.name).find((n) => n) ?? nameFromFiles(legs.map((l) => l.record));
  const product = legs.map((l) => l.record.product).find((p) => p) ?? name ?? 'releng';
  const generated = new Set([MANIFEST, ...(name ? [inVersionDir(name, version, MANIFEST)] : [])]);

  // The release tree: every leg's files, once each.
  const files = new Map<string, TreeFile & { leg: string }>();
  for (const { dir, record, root } of legs) {
    for (const f of record.files) {
      const given = path.join(dir, LEG_ARTIFACTS, ...f.path.split('/'));
      // Read through the bundle: a link leading out of it, or a FIFO, is refused (src/release/files.ts).
      const found = root.resolve(given, 'file', { optional: true });
      const source = found?.real ?? given;
      const size = found ? found.stat.size : null;
      if (size !== f.size)
        throw new RelengError(
          `${given}: ${size === null ? 'missing' : `${size} bytes, leg.json says ${f.size}`}; the leg bundle is incomplete or damaged: download or build it again`,
        );
      if (generated.has(f.path))
        throw new RelengError(
          `${dir}: the leg carries ${f.path}, which the merge generates from every leg's package; build the leg with this releng version`,
        );
      const seen = files.get(f.path);
      if (seen && seen.sha256 !== f.sha256)
        throw new RelengError(
          `release-tree file ${f.path} differs between legs: ${seen.leg} has sha256 ${seen.sha256}, ${dir} has ${f.sha256}; two legs must not make the same file differently — check the job templates in releng.yml 'build:'`,
        );
      if (!seen) files.set(f.path, { path: f.path, size: f.size, sha256: f.sha256, source, leg: dir });
    }
  }

  // manifest.nix, from the legs' packages, in the version directory and at the root.
  const manifest: Record<string, string> = {};
  for (const { record } of legs) if (record.package) manifest[record.system] = record.package.out;
  let generatedDir: string | undefined;
  if (Object.keys(manifest).length > 0) {
    generatedDir = makeGeneratedDir();
    const source = path.join(generatedDir, MANIFEST);
    fs.writeFileSync(source, manifestText(product, manifest));
    const { sha256, size } = await sha256File(source);
    for (const p of generated) files.set(p, { path: p, size, sha256, source, leg: '' });
  }

  // The manual: one leg carries it (the manual-from system's).
  const withManual = legs.filter((l) => l.record.manual);
  if (withManual.length > 1)
    throw new RelengError(
      `legs ${withManual.map((l) => l.dir).join(' and ')} all carry the manual; only the manual-from system's leg may (releng.yml build.manual-from)`,
    );
  let manualDir: string | null = null;
  if (withManual[0]) {
    const leg = withManual[0];
    const given = path.join(leg.dir, ...leg.record.manual!.split('/'));
    manualDir = leg.root.resolve(given, 'directory', { optional: true })?.real ?? null;
    if (manualDir) leg.root.files(given);
    else
      throw new RelengError(`${given}: missing, though leg.json names it as the manual; build the leg again`);
  }

  const caches = legs
    .map(({ dir, record, root }) => ({
      system: record.system,
      dir: root.resolve(path.join(dir, LEG_CACHE), 'directory', { optional: true })?.real ?? '',
    }))
    .filter((c) => c.dir && fs.existsSync(path.join(c.dir, 'nix-cache-info')));

  const images: MergedImage[] = [];
  for (const leg of legs) {
    const { record } = leg;
    if (!record.image) continue;
    const file = legImageFile(leg);
    if (!file)
      throw new RelengError(
        `${path.join(leg.dir, record.image.path)}: missing, though leg.json names it as the image; build the leg again`,
      );
    images.push({ ...record.image, system: record.system, file });
  }

  const treeFiles = [...files.values()].map(({ leg: _leg, ...f }) => f).sort((a, b) => cmp(a.path, b.path));
  const merged: MergedRelease = {
    version,
    systems: legs.map((l) => l.record.system),
    files: treeFiles,
    manualDir,
    caches,
    storePaths: union(legs.map((l) => l.record.storePaths)),
    drvPaths: union(legs.map((l) => l.record.drvPaths)),
    images,
    legs,
    name,
    manifest,
    cachePaths: legCachePaths(caches, log),
    generatedDir,
  };
  log.info(
    `merged ${legs.length} leg${legs.length === 1 ? '' : 's'} (${merged.systems.join(', ')}): ${treeFiles.length} release-tree files, ${merged.cachePaths.length} store paths, ${images.length} image${images.length === 1 ? '' : 's'}${manualDir ? ', the manual' : ''}`,
  );
  return merged;
}

const generatedDirs = new Set<string>();

/**
 * The directory of a merge's generated files (manifest.nix), under RUNNER_TEMP when set. It lives as long
 * as the MergedRelease is used: disposeMerged removes it, and whatever is left goes when the process exits
 * (one a killed process left is removed by the next run: src/nix/work-dir.ts).
 */
function makeGeneratedDir(): string {
  if (generatedDirs.size === 0 && !process.listeners('exit').includes(removeGenerated))
    process.on('exit', removeGenerated);
  const dir = makeWorkDir(WORK_DIRS.merge);
  generatedDirs.add(dir);
  return dir;
}

function removeGenerated(): void {
  for (const dir of generatedDirs) fs.rmSync(dir, { recursive: true, force: true });
  generatedDirs.clear();
}

/** Removes the merge's generated files: call once nothing reads the release any more. */
export function disposeMerged(merged: MergedRelease): void {
  if (!merged.generatedDir) return;
  fs.rmSync(merged.generatedDir, { recursive: true, force: true });
  generatedDirs.delete(merged.generatedDir);
}

/**
 * Materialises the release tree of `merged` below `outDir` (hard links where possible, else copies).
 * Files already there that the release does not have are left alone: write into an empty directory.
 */
export async function writeTree(merged: MergedRelease, outDir: string): Promise<void> {
  for (const f of merged.files) placeFile(f.source, path.join(outDir, ...f.path.split('/')));
}

/**
 * A bundle's cache directory, by its real path, when the leg has a cache: it must be a directory inside
 * the bundle (a link out of it would make publish read, and sign, files of the runner).
 */
/**
 * One entry per store path over every leg cache (MergedRelease.cachePaths); the first leg (by system) wins
 * a path two legs hold. Every file an entry names — its narinfo, the NAR its URL names, its listing — is
 * a regular file whose real path is inside the leg's cache directory: a link or a `..` in a URL that leads
 * elsewhere is an error naming it, before anything is read from there.
 */
export function legCachePaths(caches: { system: string; dir: string }[], log: Logger): CachePath[] {
  const byPath = new Map<string, CachePath & { system: string }>();
  for (const { system, dir: given } of caches) {
    const dir = fs.realpathSync(given);
    for (const info of readCacheDir(dir)) {
      const seen = byPath.get(info.storePath);
      if (seen) {
        if (seen.narHash !== info.narHash)
          log.warning(
            `${info.storePath} has different contents in the ${seen.system} and ${system} legs (NarHash ${seen.narHash} vs ${info.narHash}): its build is not reproducible; publishing the ${seen.system} leg's`,
          );
        continue;
      }
      if (!NAR_URL.test(info.url))
        throw new RelengError(
          `${info.file}: URL '${info.url.slice(0, 120)}' is not a NAR of this cache (nar/NAME); build the leg again`,
        );
      const { file, ...narInfo } = info;
      const listing = path.join(dir, listingKey(info.storePath));
      byPath.set(info.storePath, {
        ...storePathInfo(info),
        cache: given,
        narinfo: file,
        nar: fileInside(dir, path.join(dir, ...info.url.split('/')), file)!,
        listing: fileInside(dir, listing, file, { optional: true }),
        info: narInfo,
        system,
      });
    }
  }
  return [...byPath.values()].map(({ system: _s, ...c }) => c).sort((a, b) => cmp(a.storePath, b.storePath));
}

/** What nix names a NAR in a cache: `nar/` and a file name (nix32 hash and extension). */
const NAR_URL = /^nar\/[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** `file` by its real path when that is a regular file inside `dir`; an error naming `from` otherwise. */
function fileInside(dir: string, file: string, from: string, o: { optional?: boolean } = {}): string | null {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    if (o.optional) return null;
    throw new RelengError(`${file}: missing, though ${from} names it; download or build the leg again`);
  }
  if (!isWithin(dir, real) || !fs.statSync(real).isFile())
    throw new RelengError(
      `${file}: ${isWithin(dir, real) ? 'not a regular file' : `leads outside the leg cache (to ${real})`}; a leg cache holds only the files nix wrote: download or build the leg again`,
    );
  return real;
}

function isWithin(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function nameFromFiles(records: LegRecord[]): string | undefined {
  for (const r of records) for (const f of r.files) if (f.path.includes('/')) return f.path.split('/')[0];
  return undefined;
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort(cmp);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
