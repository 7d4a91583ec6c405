import type { Readable } from 'node:stream';
import type { BlobInfo, BlobSource } from './blob-source.js';

export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * Where images are published: a repository in a registry, or an OCI image layout directory. The push
 * engine sees only this, so `local` rehearses the same code paths as the registries.
 */
export interface ImageSink {
  /** `registry/repository` or `oci-layout:DIR`: for messages and outputs (never with credentials). */
  readonly ref: string;
  /** Sinks with the same key share blob storage (one registry): a blob uploaded to one can be mounted. */
  readonly mountKey?: string;
  readonly repository?: string;
  /**
   * Reach it (ping) and, unless `create` is false (dry runs), make it ready for writing (a layout's
   * directories); a RelengError naming what is wrong otherwise.
   */
  open(options?: { create?: boolean }): Promise<void>;
  /** By tag or digest; undefined when absent. */
  getManifest(reference: string): Promise<StoredManifest | undefined>;
  hasManifest(digest: string): Promise<boolean>;
  /** Size of the blob when the sink holds it. */
  blobSize(digest: string): Promise<number | undefined>;
  /** Stores the blob's bytes; `onSent` counts bytes as they go out. */
  putBlob(source: BlobSource, onSent?: (bytes: number) => void): Promise<BlobInfo>;
  /** Makes a blob that `from` (same mountKey) holds available here without sending it; false if refused. */
  mountBlob(digest: string, from: ImageSink): Promise<boolean>;
  openBlob(digest: string): Promise<Readable>;
  /** By digest (untagged) or by tag. */
  putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void>;
  /** Why a push would fail (no write access), or undefined. Writes nothing that stays. */
  checkPush(): Promise<string | undefined>;
  close(): Promise<void>;
}
