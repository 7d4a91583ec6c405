/**
 * An ImageSink in memory, for unit tests of the push engine: a repository whose blobs, manifests and tags
 * are maps, every call recorded in order. Sinks made with the same `registry` name share a mount key and
 * can mount each other's blobs, as repositories of one registry do.
 */
import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import type { BlobInfo, BlobSource } from '../../src/oci/blob-source.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { buildIndex, buildManifest } from '../../src/oci/image.js';
import type { ImageSink, StoredManifest } from '../../src/oci/image-sink.js';
import { mediaTypes } from '../../src/oci/media-types.js';

export class MemorySink implements ImageSink {
  readonly ref: string;
  readonly mountKey?: string;
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  readonly tags = new Map<string, string>();
  /** Every call, in order: `putBlob sha256:…`, `putManifest 2.93.0`, `mount sha256:…` … */
  readonly calls: string[] = [];
  /** open() fails with this, when set. */
  openError?: Error;
  closed = false;

  constructor(
    readonly repository: string,
    registry?: string,
  ) {
    this.ref = registry ? `${registry}/${repository}` : `memory:${repository}`;
    this.mountKey = registry;
  }

  async open(): Promise<void> {
    this.calls.push('open');
    if (this.openError) throw this.openError;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async getManifest(reference: string): Promise<StoredManifest | undefined> {
    const digest = reference.startsWith('sha256:') ? reference : this.tags.get(reference);
    const m = digest && this.manifests.get(digest);
    return m ? { digest: digest!, mediaType: m.mediaType, bytes: m.bytes } : undefined;
  }

  async hasManifest(digest: string): Promise<boolean> {
    return this.manifests.has(digest);
  }

  async blobSize(digest: string): Promise<number | undefined> {
    this.calls.push(`head ${digest}`);
    return this.blobs.get(digest)?.length;
  }

  async putBlob(source: BlobSource, onSent?: (bytes: number) => void): Promise<BlobInfo> {
    const info = await source.done;
    const bytes = Buffer.from(await source.readInto(Buffer.alloc(info.size), 0, info.size));
    if (sha256Digest(bytes) !== info.digest) throw new Error(`blob read back as ${sha256Digest(bytes)}`);
    this.blobs.set(info.digest, bytes);
    this.calls.push(`putBlob ${info.digest}`);
    onSent?.(info.size);
    return info;
  }

  async mountBlob(digest: string, from: ImageSink): Promise<boolean> {
    const bytes =
      from instanceof MemorySink && from.mountKey === this.mountKey ? from.blobs.get(digest) : undefined;
    this.calls.push(`mount ${digest}${bytes ? '' : ' refused'}`);
    if (bytes) this.blobs.set(digest, bytes);
    return !!bytes;
  }

  async openBlob(digest: string): Promise<Readable> {
    const bytes = this.blobs.get(digest);
    if (!bytes) throw new Error(`${this.ref}: no blob ${digest}`);
    return ReadableStream.from([bytes]);
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const digest = sha256Digest(bytes);
    this.manifests.set(digest, { bytes, mediaType });
    if (!reference.startsWith('sha256:')) this.tags.set(reference, digest);
    this.calls.push(`putManifest ${reference}`);
  }

  async checkPush(): Promise<string | undefined> {
    return undefined;
  }

  /** The calls of one kind (`putBlob`, `putManifest`, `mount`, `head`). */
  callsOf(kind: string): string[] {
    return this.calls.filter((c) => c.startsWith(`${kind} `));
  }
}

export interface StoredImage {
  manifest: string;
  config: string;
  /** diffID → layer blob digest. */
  layers: Record<string, string>;
  index: string;
}

/**
 * An image as an earlier push left it on `sink`: layer blobs (stand-in bytes), a config naming their
 * diffIDs, a manifest, and an index tagged `tag` whose entry records `archiveSha256`.
 */
export async function storeImage(
  sink: MemorySink,
  o: {
    tag: string;
    diffIds: string[];
    archiveSha256?: string;
    architecture?: string;
    layerType?: string;
  },
): Promise<StoredImage> {
  const types = mediaTypes('oci', 'gzip');
  const layers: Record<string, string> = {};
  const descriptors = o.diffIds.map((diffId) => {
    const bytes = Buffer.from(`blob of ${diffId}`);
    const digest = sha256Digest(bytes);
    sink.blobs.set(digest, bytes);
    layers[diffId] = digest;
    return { mediaType: o.layerType ?? types.layer, digest, size: bytes.length };
  });
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: o.architecture ?? 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: o.diffIds },
    }),
  );
  const config = { mediaType: types.config, digest: sha256Digest(configBytes), size: configBytes.length };
  sink.blobs.set(config.digest, configBytes);
  const manifestBytes = buildManifest(types, config, descriptors);
  const manifest = {
    mediaType: types.manifest,
    digest: sha256Digest(manifestBytes),
    size: manifestBytes.length,
  };
  await sink.putManifest(manifest.digest, manifestBytes, types.manifest);
  const index = buildIndex(
    types,
    [
      {
        manifest,
        platform: { architecture: o.architecture ?? 'amd64', os: 'linux' },
        labels: {},
        archiveSha256: o.archiveSha256 ?? 'a'.repeat(64),
      },
    ],
    { annotations: {}, descriptorAnnotations: false },
  );
  await sink.putManifest(o.tag, index, types.index);
  sink.calls.length = 0;
  return { manifest: manifest.digest, config: config.digest, layers, index: sha256Digest(index) };
}
