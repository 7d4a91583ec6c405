import { describe, expect, test } from 'vitest';
import { DOCKER, layerCompression, mediaTypes, OCI } from '../../../src/oci/media-types.js';

describe('media types', () => {
  test('OCI with gzip or zstd layers; Docker v2 with gzip only', () => {
    expect(mediaTypes('oci', 'zstd')).toEqual({
      manifest: OCI.manifest,
      index: OCI.index,
      config: OCI.config,
      layer: OCI.layerZstd,
    });
    expect(mediaTypes('docker', 'gzip').index).toBe(DOCKER.index);
    expect(() => mediaTypes('docker', 'zstd')).toThrow(/zstd layers need OCI media types/);
  });

  test("a layer's compression from its media type; undefined for what is not a layer we write", () => {
    expect(layerCompression(OCI.layerGzip)).toBe('gzip');
    expect(layerCompression(DOCKER.layerGzip)).toBe('gzip');
    expect(layerCompression(OCI.layerZstd)).toBe('zstd');
    expect(layerCompression('application/vnd.oci.image.layer.v1.tar')).toBeUndefined();
  });
});
