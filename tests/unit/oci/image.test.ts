// Manifests, the annotated index, and the platform of an image config.
import { describe, expect, test } from 'vitest';
import { sha256Digest } from '../../../src/oci/digest.js';
import { ARCHIVE_ANNOTATION, buildIndex, platformOf, sameRelease } from '../../../src/oci/image.js';
import { mediaTypes, OCI } from '../../../src/oci/media-types.js';

describe('the index', () => {
  const types = mediaTypes('oci', 'gzip');
  const desc = (n: number) => ({ mediaType: OCI.manifest, digest: sha256Digest(String(n)), size: 100 + n });
  const entries = [
    {
      manifest: desc(2),
      platform: { architecture: 'arm64', os: 'linux' },
      labels: { a: '1', title: 'arm' },
      archiveSha256: 'bb',
    },
    {
      manifest: desc(1),
      platform: { architecture: 'amd64', os: 'linux' },
      labels: { a: '1', title: 'amd' },
      archiveSha256: 'aa',
    },
  ];

  test('sorted by platform; Labels and annotations on the index; the archive hash on each entry', () => {
    const idx = JSON.parse(
      buildIndex(types, entries, { annotations: { vendor: 'Lix' }, descriptorAnnotations: false }).toString(),
    );
    expect(idx.mediaType).toBe(OCI.index);
    expect(idx.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(
      ['amd64', 'arm64'],
    );
    expect(idx.annotations).toEqual({ a: '1', title: 'amd', vendor: 'Lix' });
    expect(idx.manifests[0].annotations).toEqual({ [ARCHIVE_ANNOTATION]: 'aa' });
    const withLabels = JSON.parse(
      buildIndex(types, entries, { annotations: {}, descriptorAnnotations: true }).toString(),
    );
    expect(withLabels.manifests[1].annotations).toEqual({ a: '1', title: 'arm', [ARCHIVE_ANNOTATION]: 'bb' });
  });

  test('two images for one platform are refused', () => {
    expect(() =>
      buildIndex(types, [entries[0]!, { ...entries[0]!, manifest: desc(3) }], {
        annotations: {},
        descriptorAnnotations: false,
      }),
    ).toThrow(/two images are for linux\/arm64/);
  });

  test('a rebuilt archive with the same image is the same release; other annotations are not', () => {
    const a = buildIndex(types, entries, { annotations: {}, descriptorAnnotations: false });
    const b = buildIndex(
      types,
      entries.map((e) => ({ ...e, archiveSha256: `${e.archiveSha256}x` })),
      {
        annotations: {},
        descriptorAnnotations: false,
      },
    );
    const c = buildIndex(types, entries, { annotations: { x: 'y' }, descriptorAnnotations: false });
    expect(sameRelease(a, b)).toBe(true);
    expect(sameRelease(a, c)).toBe(false);
  });
});

describe('platformOf', () => {
  const config = (architecture: string, os = 'linux') => ({
    architecture,
    os,
    rootfs: { type: 'layers', diff_ids: [] },
  });
  test('GOARCH names, uname spellings, and the nix system cross-check', () => {
    expect(platformOf(config('amd64'), 'f', 'x86_64-linux')).toEqual({ architecture: 'amd64', os: 'linux' });
    expect(platformOf(config('aarch64'), 'f', 'aarch64-linux')).toEqual({
      architecture: 'arm64',
      os: 'linux',
    });
    expect(platformOf(config('armv7l'), 'f')).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
  });
  test('an architecture that cannot be mapped, or that contradicts the system', () => {
    expect(() => platformOf(config('vax'), 'img.tar')).toThrow(
      /img\.tar: the image config's architecture 'vax' is not one OCI knows/,
    );
    expect(() => platformOf(config('arm64'), 'img.tar', 'x86_64-linux')).toThrow(
      /built for x86_64-linux \(linux\/amd64\) but its config says linux\/arm64/,
    );
    expect(() => platformOf(config('amd64'), 'img.tar', 'x86_64-plan9')).toThrow(
      /cannot be mapped to an OCI platform/,
    );
    expect(() => platformOf(config('amd64', 'beos'), 'img.tar')).toThrow(/os 'beos'/);
  });
});
