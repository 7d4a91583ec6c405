import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';

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

export function readLeg(dir: string): LegRecord {
  const file = path.join(dir, LEG_FILE);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `unreadable (${(e as Error).message})`;
    throw new RelengError(
      `${file}: ${why}; pass the directory written by build-artifacts (its bundle-dir output)`,
    );
  }
  const rec = data as Partial<LegRecord>;
  if (typeof rec !== 'object' || rec === null) throw new RelengError(`${file}: expected a JSON object`);
  if (rec.schema !== LEG_SCHEMA)
    throw new RelengError(
      `${file}: leg bundle schema ${JSON.stringify(rec.schema)} is not supported (this releng reads schema ${LEG_SCHEMA}); build and publish with the same releng version`,
    );
  for (const key of ['version', 'system'] as const)
    if (typeof rec[key] !== 'string' || rec[key] === '')
      throw new RelengError(`${file}: key "${key}" must be a non-empty string`);
  for (const key of ['storePaths', 'drvPaths', 'jobs', 'files'] as const)
    if (!Array.isArray(rec[key])) throw new RelengError(`${file}: key "${key}" must be a list`);
  for (const f of rec.files as LegFile[]) {
    if (typeof f?.path !== 'string' || !isInside(f.path))
      throw new RelengError(
        `${file}: files entry ${JSON.stringify(f?.path)} must be a relative path inside the release tree`,
      );
    if (typeof f.size !== 'number' || !/^[0-9a-f]{64}$/.test(String(f.sha256)))
      throw new RelengError(`${file}: files entry ${f.path} needs a size and a hex sha256`);
  }
  for (const key of ['name', 'product', 'manual'] as const)
    if (rec[key] !== undefined && rec[key] !== null && (typeof rec[key] !== 'string' || rec[key] === ''))
      throw new RelengError(`${file}: key "${key}" must be a non-empty string`);
  if (typeof rec.manual === 'string' && !isInside(rec.manual))
    throw new RelengError(`${file}: key "manual" must be a relative path inside the bundle`);
  if (rec.target !== undefined && rec.target !== 'all' && rec.target !== 'manual')
    throw new RelengError(`${file}: key "target" must be "all" or "manual"`);
  if (
    rec.package !== undefined &&
    rec.package !== null &&
    (typeof rec.package?.attr !== 'string' || !String(rec.package?.out).startsWith('/'))
  )
    throw new RelengError(`${file}: key "package" must be {"attr", "out"} with an absolute store path`);
  if (rec.image !== null && rec.image !== undefined) {
    const img = rec.image;
    if (
      typeof img.path !== 'string' ||
      !isInside(img.path) ||
      !Array.isArray(img.diffIds) ||
      typeof img.architecture !== 'string'
    )
      throw new RelengError(
        `${file}: key "image" must have path, sha256, architecture, os, diffIds and config`,
      );
  }
  return { ...(rec as LegRecord), image: rec.image ?? null };
}

/** A relative path with forward slashes that stays inside its root. */
function isInside(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\\');
}
