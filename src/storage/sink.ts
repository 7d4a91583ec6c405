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
}

export interface Sink {
  /** Where it is, for messages: `s3://bucket/prefix` or the directory; never with credentials. */
  readonly location: string;
  head(key: string): Promise<StoredObject | undefined>;
  /** Writes the file's bytes under key; readers never see a partial object. */
  put(key: string, file: string, options: PutOptions): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: string[]): Promise<void>;
}

/** Keys are relative, forward-slashed, with no `..` or empty segments. */
export function checkKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw new Error(`invalid object key '${key}'`);
  return key;
}
