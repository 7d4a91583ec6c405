import fs from 'node:fs';
import path from 'node:path';
import { readText } from '../config/checkout.js';
import { checkVersion, jsonDepth } from '../config/version.js';
import { printable, RelengError } from '../errors.js';
import { ContainedDir } from '../release/files.js';
import {
  checkProduct,
  checkProjectName,
  checkStorePath,
  checkSystem,
  claimKey,
  indexKey,
  MANIFEST,
  versionPrefix,
} from '../release/tree.js';
import { checkRelativePath, pathProblem } from '../storage/key.js';

/**
 * A leg bundle: what build-artifacts writes for one system on one matrix runner, and what
 * docker-multiarch and publish read after the fan-in. Layout:
 *   <bundle>/leg.json      this record
 *   <bundle>/artifacts/    this system's release-tree files (paths relative to the release tree root)
 *   <bundle>/cache/        a file:// nix binary cache of the closures to publish (unsigned)
 *   <bundle>/manual/       the manual (docs upload), in the manual-from system's leg only (`manual`)
 *   <bundle>/<image>       the docker archive, when the system has one (image.path, relative; build-artifacts
 *                          points it into artifacts/, where the release tree has it anyway)
 *
 * The cache holds, for every job of the leg except the release-tree-only ones (binary tarball, docker
 * image, installer), its .drv closure and the runtime closure of its outputs — what the reference's
 * drvs.txt upload gives users to substitute. NARs are zstd-compressed, as the published cache's; narinfo
 * files are plain and unsigned (publish signs them). `storePaths` lists the top-level paths copied (the
 * outputs and the .drv files), `drvPaths` the jobs' derivations (the release's drvs.txt).
 */
export const LEG_SCHEMA = 1;
export const LEG_FILE = 'leg.json';
/** The directories of a bundle (the manual's is leg.json's `manual`, this name as build-artifacts writes it). */
export const LEG_ARTIFACTS = 'artifacts';
export const LEG_CACHE = 'cache';
export const LEG_MANUAL = 'manual';

export interface LegJob {
  attr: string;
  drvPath: string;
  /** output name → store path */
  outputs: Record<string, string>;
}

export interface LegFile {
  /** Relative to the release tree root (the bundle's artifacts/ dir), with forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

export interface LegImage {
  /** Relative to the bundle directory. */
  path: string;
  /** sha256 of the archive file as written (hex). */
  sha256: string;
  architecture: string;
  os: string;
  /** sha256:… of each uncompressed layer, in order. */
  diffIds: string[];
  /** Digest of the image config blob (sha256:…). */
  config: string;
}

export interface LegRecord {
  schema: typeof LEG_SCHEMA;
  version: string;
  system: string;
  storePaths: string[];
  drvPaths: string[];
  jobs: LegJob[];
  files: LegFile[];
  image: LegImage | null;
  // Written by build-artifacts; optional so that legs made by hand (other stages' tests) stay valid.
  /** The project's name (release-tree paths) and product (manifest.nix header), from releng.yml. */
  name?: string;
  product?: string;
  /** `all` (a release leg) or `manual` (only the manual, for nightly docs: no files, no cache). */
  target?: 'all' | 'manual';
  /** The package job's (build.SYSTEM) `out` path: this system's entry in manifest.nix. */
  package?: { attr: string; out: string } | null;
  /** Directory of the manual, relative to the bundle: set in the manual-from system's leg only. */
  manual?: string | null;
}

export function writeLeg(dir: string, record: LegRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LEG_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** leg.json is a few lists of records; bounds keep a hostile one from exhausting anything before it is refused. */
export const LEG_JSON_LIMITS = { bytes: 16 << 20, depth: 16 };

/** A leg bundle opened for reading: its record, and its directory as every reader of it must go through. */
export interface Leg {
  /** The bundle directory, as found. */
  dir: string;
  /** Every file of the bundle is read through this (src/release/files.ts: nothing outside is read). */
  root: ContainedDir;
  record: LegRecord;
}

export function readLeg(dir: string): LegRecord {
  return openLeg(dir).record;
}

/**
 * A leg bundle is input from outside (an artifact another job uploaded): leg.json is read inside the
 * bundle, bounded, as strict UTF-8, and every value is checked for what it is before anything uses it —
 * paths under the release-path rule (src/storage/key.ts), store paths, systems, versions, names
 * (src/release/tree.ts, src/config/version.ts). One line naming leg.json and the key otherwise.
 */
export function openLeg(dir: string): Leg {
  const file = path.join(dir, LEG_FILE);
  const root = fs.existsSync(dir) ? new ContainedDir(dir, 'the leg bundle') : undefined;
  const found = root?.resolve(file, 'file', { optional: true });
  if (!root || !found)
    throw new RelengError(
      `${file}: not found; pass the directory written by build-artifacts (its bundle-dir output)`,
    );
  // A byte-order mark is allowed before JSON text (RFC 8259); nothing else that is not JSON is.
  const text = readText(found.real, file, LEG_JSON_LIMITS.bytes).replace(/^\uFEFF/, '');
  if (jsonDepth(text) > LEG_JSON_LIMITS.depth)
    throw new RelengError(
      `${file}: nested more than ${LEG_JSON_LIMITS.depth} levels deep; a leg.json is a few lists of records`,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RelengError(
      `${file}: unreadable (${(e as Error).message}); pass the directory written by build-artifacts (its bundle-dir output)`,
    );
  }
  return { dir, root, record: checkLegRecord(data, file) };
}

/** The docker archive of a leg, read through its bundle (undefined when the leg has none). */
export function legImageFile(leg: Leg): string | undefined {
  if (!leg.record.image) return undefined;
  return leg.root.resolve(path.join(leg.dir, ...leg.record.image.path.split('/')), 'file', { optional: true })
    ?.real;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const oneLine = (v: unknown) => typeof v === 'string' && v !== '' && !/[\u0000-\u001f\u007f]/.test(v);

function checkLegRecord(data: unknown, file: string): LegRecord {
  if (!isObject(data)) throw new RelengError(`${file}: expected a JSON object`);
  const rec = data as Partial<LegRecord> & Record<string, unknown>;
  const key = (k: string) => `${file}: key "${k}"`;
  if (rec.schema !== LEG_SCHEMA)
    throw new RelengError(
      `${file}: leg bundle schema ${JSON.stringify(rec.schema)} is not supported (this releng reads schema ${LEG_SCHEMA}); build and publish with the same releng version`,
    );
  for (const k of ['version', 'system'] as const)
    if (typeof rec[k] !== 'string' || rec[k] === '')
      throw new RelengError(`${key(k)} must be a non-empty string`);
  checkVersion(rec.version!, key('version'));
  checkSystem(rec.system!, key('system'));
  for (const k of ['storePaths', 'drvPaths', 'jobs', 'files'] as const)
    if (!Array.isArray(rec[k])) throw new RelengError(`${key(k)} must be a list`);
  for (const k of ['storePaths', 'drvPaths'] as const)
    for (const p of rec[k] as unknown[]) checkStorePath(String(p), key(k));
  (rec.jobs as unknown[]).forEach((j, i) => {
    if (!isObject(j) || !oneLine(j.attr) || !isObject(j.outputs))
      throw new RelengError(`${file}: jobs entry ${i + 1} must be {"attr", "drvPath", "outputs"}`);
    checkStorePath(String(j.drvPath), `${file}: jobs entry ${j.attr}: drvPath`);
    for (const [o, p] of Object.entries(j.outputs))
      checkStorePath(String(p), `${file}: jobs entry ${j.attr}: output ${o}`);
  });
  for (const k of ['name', 'product', 'manual'] as const)
    if (rec[k] !== undefined && rec[k] !== null && (typeof rec[k] !== 'string' || rec[k] === ''))
      throw new RelengError(`${key(k)} must be a non-empty string`);
  if (rec.name) checkProjectName(rec.name, key('name'));
  if (rec.product) checkProduct(rec.product, key('product'));
  // The paths a leg may name: relative, under the one path rule, and — when the leg says its project —
  // inside its own version directory, never publish's own objects there.
  const vprefix = rec.name ? versionPrefix(rec.name, rec.version!) : undefined;
  const reserved = rec.name
    ? new Set([indexKey(rec.name, rec.version!), claimKey(rec.name, rec.version!)])
    : new Set<string>();
  (rec.files as unknown[]).forEach((f, i) => {
    if (!isObject(f))
      throw new RelengError(`${file}: files entry ${i + 1} must be an object {"path", "size", "sha256"}`);
    if (typeof f.path !== 'string')
      throw new RelengError(`${file}: files entry ${i + 1} must have a "path" string`);
    const where = `${file}: files entry`;
    checkRelativePath(f.path, where, 'a leg names files inside its release tree');
    if (vprefix && !f.path.startsWith(vprefix) && f.path !== MANIFEST)
      throw new RelengError(
        `${where} '${printable(f.path)}' is not inside the version directory ${vprefix}; a leg carries files of its own release only`,
      );
    if (reserved.has(f.path))
      throw new RelengError(
        `${where} '${printable(f.path)}' is a name publish writes itself; build the leg with this releng version`,
      );
    if (!Number.isSafeInteger(f.size) || (f.size as number) < 0 || !HEX64.test(String(f.sha256)))
      throw new RelengError(
        `${where} ${printable(f.path)} needs a size (a whole number of bytes) and a hex sha256`,
      );
  });
  if (typeof rec.manual === 'string')
    checkRelativePath(rec.manual, key('manual'), 'it names a directory of the bundle');
  if (rec.target !== undefined && rec.target !== 'all' && rec.target !== 'manual')
    throw new RelengError(`${key('target')} must be "all" or "manual"`);
  if (rec.package !== undefined && rec.package !== null) {
    if (!isObject(rec.package) || !oneLine(rec.package.attr) || typeof rec.package.out !== 'string')
      throw new RelengError(`${key('package')} must be {"attr", "out"} with an absolute store path`);
    checkStorePath(rec.package.out, key('package.out'));
  }
  if (rec.image !== null && rec.image !== undefined) {
    const img = rec.image as unknown as Record<string, unknown>;
    const problem = !isObject(img)
      ? 'not an object'
      : typeof img.path !== 'string'
        ? 'no path'
        : (pathProblem(img.path) ??
          (!HEX64.test(String(img.sha256))
            ? 'sha256 is not hex'
            : !oneLine(img.architecture) || !oneLine(img.os)
              ? 'architecture and os must be one-line strings'
              : !Array.isArray(img.diffIds) ||
                  !img.diffIds.every((d) => typeof d === 'string' && DIGEST.test(d))
                ? 'diffIds must be sha256:… digests'
                : !DIGEST.test(String(img.config))
                  ? 'config must be a sha256:… digest'
                  : undefined));
    if (problem)
      throw new RelengError(
        `${key('image')} must have path, sha256, architecture, os, diffIds and config (${problem})`,
      );
  }
  return { ...(rec as LegRecord), image: rec.image ?? null };
}
