import { checkRelativePath } from './key.js';

/**
 * A place objects are published to: an S3 bucket (prefix) or a directory, behind one interface. Content is
 * compared by a sha256 we store with each object, never by ETag (multipart ETags are not MD5s on real S3,
 * Garage or R2).
 */
export interface StoredObject {
  key: string;
  size: number;
  /** Hex sha256 of the content, as stored with the object; undefined when the object carries none. */
  sha256?: string;
}

export interface PutOptions {
  sha256: string;
  size: number;
  contentType?: string;
  /** Stored with the object (S3's Content-Encoding: a narinfo written zstd, as nix's narinfo-compression). */
  contentEncoding?: string;
}

/** A small object's bytes, with the Content-Encoding the server stored with it, when it keeps one. */
export type ObjectBytes = Buffer & { contentEncoding?: string };

export interface Sink {
  /** Where it is, for messages: `s3://bucket/prefix` or the directory; never with credentials. */
  readonly location: string;
  head(key: string): Promise<StoredObject | undefined>;
  /** Writes the file's bytes under key; readers never see a partial object. */
  put(key: string, file: string, options: PutOptions): Promise<void>;
  /** The same for bytes in memory (small files read once, the index). */
  putBytes(key: string, bytes: Uint8Array, options: PutOptions): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: string[]): Promise<void>;
  /** A small object's bytes (an index, a narinfo), or undefined when there is none. */
  get(key: string): Promise<ObjectBytes | undefined>;
  /** sha256 of the stored bytes, read back in full: for objects that carry no sha256 of ours. */
  hash(key: string): Promise<{ sha256: string; size: number } | undefined>;
  /** Problems reading here: unreachable, wrong credentials, no such bucket. */
  check(): Promise<string[]>;
  /** Problems writing here (read-only credentials), found without creating anything visible. */
  checkWrite(): Promise<string[]>;
}

/** A key as every sink takes it (src/storage/key.ts: one rule for keys and release paths). */
export function checkKey(key: string): string {
  return checkRelativePath(key, 'invalid object key', 'this is a bug of the planner that made it');
}

/** `location/key` for messages and summaries. */
export function describeKey(sink: Sink, key: string): string {
  return `${sink.location.replace(/\/$/, '')}/${key}`;
}
