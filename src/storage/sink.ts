import { RelengError } from '../errors.js';
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
  /**
   * Write only if nothing is at key yet: the write itself is the claim on an immutable object, so two
   * runs that both planned "absent" cannot both write it (S3: `If-None-Match: *`; a directory: a hard
   * link, which fails on an existing name). Lost to an object with our bytes: done (a retry, or a
   * concurrent run of the same release). Lost to other bytes: refused (claimLost), nothing replaced.
   */
  ifAbsent?: boolean;
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

/**
 * What an `ifAbsent` write that found an object at key decides: our bytes there → written (nothing to
 * do); other bytes → one line naming the key. The sha256 is the one stored with the object, or of its
 * bytes read back when it carries none (another tool wrote it).
 */
export async function claimLost(sink: Sink, key: string, o: PutOptions): Promise<void> {
  const there = await sink.head(key);
  const theirs =
    there && there.size === o.size ? (there.sha256 ?? (await sink.hash(key))?.sha256) : undefined;
  if (theirs === o.sha256) return;
  const what = there
    ? `${there.size} bytes${theirs ? `, sha256 ${theirs.slice(0, 12)}…` : ''}`
    : 'since removed';
  throw new ClaimLost(
    key,
    `${describeKey(sink, key)} was written by a concurrent publish with different content (${what}; ours ${o.size} bytes, sha256 ${o.sha256.slice(0, 12)}…); this run replaced nothing there — find which run publishes this version, let it finish, then run publish again (force: true replaces that run's bytes with these)`,
  );
}

/** An `ifAbsent` write that found other bytes at its key (claimLost): the one line, and the key. */
export class ClaimLost extends RelengError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}
