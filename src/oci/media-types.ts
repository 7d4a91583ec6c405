/** Media types of the OCI image spec and their Docker v2 equivalents. */
export const OCI = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

export const DOCKER = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export type MediaTypeFamily = 'oci' | 'docker';
export type Compression = 'gzip' | 'zstd';

export interface MediaTypes {
  manifest: string;
  index: string;
  config: string;
  layer: string;
}

export function mediaTypes(family: MediaTypeFamily, compression: Compression): MediaTypes {
  if (family === 'docker') {
    if (compression === 'zstd')
      throw new Error('zstd layers need OCI media types (Docker v2 has no zstd layer type)');
    return { manifest: DOCKER.manifest, index: DOCKER.index, config: DOCKER.config, layer: DOCKER.layerGzip };
  }
  return {
    manifest: OCI.manifest,
    index: OCI.index,
    config: OCI.config,
    layer: compression === 'zstd' ? OCI.layerZstd : OCI.layerGzip,
  };
}

export const INDEX_TYPES: readonly string[] = [OCI.index, DOCKER.index];
export const MANIFEST_TYPES: readonly string[] = [OCI.manifest, DOCKER.manifest];
/** What we accept when reading manifests back (discovery): every type we could have written. */
export const ACCEPT_MANIFESTS = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

/** The compression a layer media type implies (for matching a registry's blobs to ours). */
export function layerCompression(mediaType: string): Compression | undefined {
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip')) return 'gzip';
  return undefined;
}
