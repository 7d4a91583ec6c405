/**
 * Image manifests and the multi-arch index, as bytes (their digest is what gets pushed and tagged). The
 * index has one descriptor per image with its platform, sorted by platform; its annotations are the
 * images' Labels (so forges show the metadata, as the reference does) with the `annotations` input on top;
 * descriptors can carry their image's Labels too. Each descriptor records the sha256 of the archive it came
 * from, so a re-run on a fresh runner recognises an unchanged image from the file's hash alone.
 */
import { RelengError } from '../errors.js';
import type { ImageConfig } from './archive.js';
import { canonicalJson, type Descriptor, isDigest, sha256Digest } from './digest.js';
import { INDEX_TYPES, MANIFEST_TYPES, type MediaTypes } from './media-types.js';
import {
  comparePlatforms,
  isKnownOs,
  normaliseArchitecture,
  type Platform,
  platformOfSystem,
  platformString,
} from './platform.js';

/** Hex sha256 of the docker archive an index entry was made from. */
export const ARCHIVE_ANNOTATION = 'org.releng-actions.archive.sha256';

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export function buildManifest(types: MediaTypes, config: Descriptor, layers: Descriptor[]): Buffer {
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return canonicalJson(m);
}

export interface IndexEntry {
  manifest: Descriptor;
  platform: Platform;
  labels: Record<string, string>;
  archiveSha256: string;
}

export function buildIndex(
  types: MediaTypes,
  entries: IndexEntry[],
  options: { annotations: Record<string, string>; descriptorAnnotations: boolean },
): Buffer {
  const sorted = [...entries].sort((a, b) => comparePlatforms(a.platform, b.platform));
  for (let i = 1; i < sorted.length; i++)
    if (comparePlatforms(sorted[i - 1]!.platform, sorted[i]!.platform) === 0)
      throw new RelengError(
        `two images are for ${platformString(sorted[i]!.platform)}; give one archive per platform`,
      );
  const annotations = { ...mergeLabels(sorted.map((e) => e.labels)), ...options.annotations };
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: types.index,
    manifests: sorted.map((e) => ({
      mediaType: e.manifest.mediaType,
      digest: e.manifest.digest,
      size: e.manifest.size,
      platform: e.platform,
      annotations: {
        ...(options.descriptorAnnotations ? e.labels : {}),
        [ARCHIVE_ANNOTATION]: e.archiveSha256,
      },
    })),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  return canonicalJson(index);
}

/** Labels of all images: the first image (by platform) wins a key the others set differently. */
export function mergeLabels(all: Record<string, string>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const labels of all) for (const [k, v] of Object.entries(labels)) if (!(k in out)) out[k] = v;
  return out;
}

export function labelsOf(config: ImageConfig): Record<string, string> {
  const labels = config.config?.Labels ?? {};
  return Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string'));
}

/**
 * The platform of an image: its config's architecture/os (uname spellings mapped to GOARCH); when the nix
 * system is known, it must agree.
 */
export function platformOf(config: ImageConfig, where: string, system?: string): Platform {
  const arch = normaliseArchitecture(config.architecture);
  if (!arch)
    throw new RelengError(
      `${where}: the image config's architecture '${config.architecture}' is not one OCI knows (amd64, arm64, arm, 386, ppc64le, s390x, riscv64, …); build the image with a GOARCH name`,
    );
  if (!isKnownOs(config.os))
    throw new RelengError(
      `${where}: the image config's os '${config.os}' is not one OCI knows (linux, darwin, …)`,
    );
  const variant = config.variant ?? arch.variant;
  const platform: Platform = {
    architecture: arch.architecture,
    os: config.os,
    ...(variant ? { variant } : {}),
  };
  if (system) {
    const expected = platformOfSystem(system);
    if (!expected)
      throw new RelengError(`${where}: the nix system '${system}' cannot be mapped to an OCI platform`);
    if (expected.architecture !== platform.architecture || expected.os !== platform.os)
      throw new RelengError(
        `${where}: built for ${system} (${platformString(expected)}) but its config says ${platformString(platform)}; check the image's architecture`,
      );
  }
  return platform;
}

/** Parses a manifest or index we read back; undefined when it is neither (another tool's artefact). */
export function parseManifest(bytes: Buffer): ImageManifest | ImageIndex | undefined {
  let m: Partial<ImageManifest & ImageIndex>;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (m?.schemaVersion !== 2) return undefined;
  if (Array.isArray(m.manifests)) {
    const manifests = m.manifests.filter((d) => isDigest(d?.digest) && typeof d.size === 'number');
    return {
      schemaVersion: 2,
      mediaType: m.mediaType ?? INDEX_TYPES[0]!,
      manifests,
      annotations: m.annotations,
    };
  }
  if (
    m.config &&
    Array.isArray(m.layers) &&
    isDigest(m.config.digest) &&
    m.layers.every((l) => isDigest(l?.digest))
  )
    return {
      schemaVersion: 2,
      mediaType: m.mediaType ?? MANIFEST_TYPES[0]!,
      config: m.config,
      layers: m.layers,
    };
  return undefined;
}

export function isIndex(m: ImageManifest | ImageIndex | undefined): m is ImageIndex {
  return !!m && 'manifests' in m;
}

/**
 * Two indexes that differ at most in the archive hashes: the same images, platforms and annotations. A
 * rebuilt archive with the same layers (another gzip wrapper) does not count as a different release.
 */
export function sameRelease(a: Buffer, b: Buffer): boolean {
  const norm = (bytes: Buffer) => {
    const idx = parseManifest(bytes);
    if (!isIndex(idx)) return sha256Digest(bytes);
    return JSON.stringify({
      mediaType: idx.mediaType,
      annotations: idx.annotations ?? {},
      manifests: idx.manifests.map((d) => {
        const { [ARCHIVE_ANNOTATION]: _, ...rest } = d.annotations ?? {};
        return {
          mediaType: d.mediaType,
          digest: d.digest,
          size: d.size,
          platform: d.platform,
          annotations: rest,
        };
      }),
    });
  };
  return norm(a) === norm(b);
}
