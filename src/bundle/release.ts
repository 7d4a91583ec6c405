import type { LegImage, LegRecord } from './leg.js';

/**
 * One release assembled from leg bundles (src/bundle/merge.ts): what the fan-in jobs — publish and
 * docker-multiarch — work from. Every path a consumer opens is absolute; nothing here has been copied:
 * `writeTree` materialises the tree when a directory is wanted.
 */
export interface TreeFile {
  /** Relative to the release tree root (the reference's release/artifacts/), forward slashes. */
  path: string;
  size: number;
  /** Hex sha256 of the bytes. */
  sha256: string;
  /** Absolute path of the bytes (inside a leg bundle, or generated beside them, e.g. manifest.nix). */
  source: string;
}

export interface ReleaseImage extends LegImage {
  system: string;
  /** Absolute path of the docker archive. */
  file: string;
}

export interface MergedRelease {
  version: string;
  /** Sorted. */
  systems: string[];
  /** The whole release tree, sorted by path: the version directory's files and the root manifest.nix. */
  files: TreeFile[];
  /** Absolute path of the manual (docs upload), from the manual-from leg; null when no leg has it. */
  manualDir: string | null;
  /** Each leg's unsigned file:// nix binary cache. */
  caches: { system: string; dir: string }[];
  /** Union over legs, deduplicated and sorted: what the published cache must hold. */
  storePaths: string[];
  drvPaths: string[];
  images: ReleaseImage[];
  legs: { dir: string; record: LegRecord }[];
}
