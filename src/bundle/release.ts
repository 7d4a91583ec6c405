import type { StorePathInfo } from '../nix/narinfo.js';
import type { ReleaseImage, TreeFile } from '../release/tree.js';
import type { LegImage, LegRecord } from './leg.js';

/** A release image with what its leg recorded about it (leg.json `image`: path, layers, platform). */
export type MergedImage = ReleaseImage & LegImage;

/**
 * One release assembled from leg bundles (src/bundle/merge.ts): what the fan-in jobs — publish and
 * docker-multiarch — work from. Every path a consumer opens is absolute; nothing here has been copied:
 * `writeTree` materialises the tree when a directory is wanted. Tree files' sha256 are leg.json's.
 */
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
  images: MergedImage[];
  legs: { dir: string; record: LegRecord }[];
  // Added by merge.ts (optional, so hand-made values in other tests stay valid):
  /** The project's name, from the legs (release-tree paths: NAME/NAME-VERSION/…). */
  name?: string;
  /** system → the package's `out` path: the entries of manifest.nix. */
  manifest?: Record<string, string>;
  /**
   * Every store path the legs' caches hold (their whole closures, not only the top-level storePaths),
   * once each, sorted by store path: where two legs hold the same path, the first leg's copy (by system)
   * is kept — their NarHash agrees, while the NAR bytes may differ between nix versions. Publish walks
   * the closure to sign and upload through their references (legCachePaths makes them).
   */
  cachePaths: CachePath[];
}

/** One store path in a leg's file:// binary cache. */
export interface CachePath extends StorePathInfo {
  /** The leg cache directory holding it (one of `caches[].dir`). */
  cache: string;
  /** Absolute path of its .narinfo (unsigned) and of the NAR file it names. */
  narinfo: string;
  nar: string;
  /** Absolute path of the .ls listing, when the cache wrote one. */
  listing: string | null;
}
