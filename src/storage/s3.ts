import { createHash } from 'node:crypto';
import fs from 'node:fs';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { printable, RelengError } from '../errors.js';
import { forEachLimit, Semaphore } from '../pool.js';
import { isTransientError, isTransientStatus, withRetry } from '../retry.js';
import type { S3Tuning } from '../tuning.js';
import type { S3Credentials } from './credentials.js';
import { KEY_MAX_BYTES, pathProblem } from './key.js';
import { SignedPut } from './s3-put.js';
import {
  checkKey,
  claimLost,
  type ObjectBytes,
  type PutOptions,
  type Sink,
  type StoredObject,
} from './sink.js';

// Node 20 is the suite's floor (DESIGN.md); the SDK's notice about its own future floor is noise in logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3SinkOptions {
  /** `s3://bucket` or `s3://bucket/prefix`. */
  url: string;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  credentials: S3Credentials;
  /**
   * Multipart threshold and part size, single PUTs in flight across this sink (a multipart upload adds
   * its own two parts), idle timeout: unset → the defaults below.
   */
  tuning?: S3Tuning;
}

// One streamed PUT up to the threshold (AWS's own guidance puts multipart at about 100 MB and above), 16
// request bodies in flight. Above it, lib-storage with modest parts, two in flight, one big object at a
// time: lib-storage holds its parts in memory. Why these values: docs/architecture.md, "Uploads".
export const DEFAULT_MULTIPART_THRESHOLD = 128 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MULTIPART_QUEUE = 2;
export const DEFAULT_CONCURRENCY = 16;
const MIN_PART_SIZE = 5 * 1024 * 1024;
/**
 * A stalled connection (a proxy or server that stops answering) must not hang a release until the job's
 * own limit: two idle minutes abandon the request, which is then retried. Idle, not total: a large body
 * that keeps moving is never cut.
 */
export const DEFAULT_REQUEST_TIMEOUT = 120_000;
/** Attempts for a request that carries bytes; the S3 client retries the others itself (maxAttempts). */
const PUT_ATTEMPTS = 4;
const MAX_PARTS = 10_000;

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url);
  if (!m) throw new RelengError(`'${url}' is not an S3 location; write s3://bucket or s3://bucket/prefix`);
  // One leading and one trailing slash are the URL's; what is between is keys' prefix, under the key rule.
  const prefix = (m[2] ?? '').replace(/^\/|\/$/g, '');
  const problem = prefix ? pathProblem(prefix) : undefined;
  if (problem)
    throw new RelengError(
      `'${printable(url)}' is not an S3 location: its prefix has ${problem}; write s3://bucket or s3://bucket/prefix`,
    );
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' };
}

/** The write probe's key under the sink's prefix (see checkWrite). */
export const WRITE_PROBE = '.releng-preflight-probe';

/** The metadata key the sha256 lives under (`x-amz-meta-sha256` on the wire). */
const SHA_KEY = 'sha256';

function putHeaders(o: PutOptions): Record<string, string> {
  const headers: Record<string, string> = { [`x-amz-meta-${SHA_KEY}`]: o.sha256 };
  if (o.contentType) headers['content-type'] = o.contentType;
  if (o.contentEncoding) headers['content-encoding'] = o.contentEncoding;
  if (o.ifAbsent) headers['if-none-match'] = '*';
  return headers;
}

type SdkError = {
  name?: string;
  Code?: string;
  message?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  retryAfter?: string;
};
const statusOf = (e: unknown) => (e as SdkError).$metadata?.httpStatusCode;

/**
 * One bucket (and prefix) of an S3-compatible server. An object up to `multipartThreshold` is one PUT
 * streamed from the file through SignedPut (src/storage/s3-put.ts), so memory does not grow with the file.
 * A bigger one goes through lib-storage's Upload (part bookkeeping, abort on failure), which holds its
 * parts in memory, so big objects go one at a time (see putMultipart). Everything else goes through the
 * S3 client, with `WHEN_REQUIRED` checksums so Garage and R2 accept it. Requests that carry bytes are
 * retried here with a fresh body (a consumed stream cannot be replayed).
 */
export class S3Sink implements Sink {
  readonly bucket: string;
  readonly prefix: string;
  private client: S3Client;
  private putter: SignedPut;
  private slots: Semaphore;
  private bigUploads = new Semaphore(1);
  readonly partSize: number;
  readonly multipartThreshold: number;

  constructor(private options: S3SinkOptions) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(options.url));
    const tuning = options.tuning ?? {};
    const config: S3ClientConfig = {
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.pathStyle,
      credentials: options.credentials,
      // Garage and R2 reject the SDK's newer default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 5,
      requestHandler: {
        httpAgent: { keepAlive: true, maxSockets: 64 },
        httpsAgent: { keepAlive: true, maxSockets: 64 },
        // Idle time on the socket (requestTimeout would be total time, and only a warning).
        socketTimeout: tuning.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
      },
    };
    this.client = new S3Client(config);
    this.partSize = Math.max(MIN_PART_SIZE, tuning.partSize ?? DEFAULT_PART_SIZE);
    this.multipartThreshold = Math.max(
      this.partSize,
      tuning.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD,
    );
    const concurrency = tuning.concurrency ?? DEFAULT_CONCURRENCY;
    this.slots = new Semaphore(concurrency);
    this.putter = new SignedPut({
      ...options,
      sockets: concurrency + 4,
      timeout: tuning.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
    });
  }

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`.replace(/\/$/, '');
  }

  private key(key: string): string {
    const full = this.prefix + checkKey(key);
    if (Buffer.byteLength(full) > KEY_MAX_BYTES)
      throw new RelengError(`S3 ${this.location}/${key}: the key is longer than S3's ${KEY_MAX_BYTES} bytes`);
    return full;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return { key, size: r.ContentLength ?? 0, sha256: r.Metadata?.[SHA_KEY] };
    } catch (e) {
      if (statusOf(e) === 404 || (e as SdkError).name === 'NotFound') return undefined;
      throw this.wrap(e, key);
    }
  }

  async put(key: string, file: string, o: PutOptions): Promise<void> {
    const headers = putHeaders(o);
    if (o.size <= this.multipartThreshold) {
      await this.claimed(key, o, () =>
        this.withRetry(key, () =>
          this.slots.use(() =>
            this.putter.put(this.bucket, this.key(key), { file, start: 0, size: o.size }, headers),
          ),
        ),
      );
      return;
    }
    await this.claimed(key, o, () => this.putMultipart(key, file, o));
  }

  async putBytes(key: string, bytes: Uint8Array, o: PutOptions): Promise<void> {
    const headers = putHeaders(o);
    await this.claimed(key, o, () =>
      this.withRetry(key, () =>
        this.slots.use(() => this.putter.put(this.bucket, this.key(key), bytes, headers)),
      ),
    );
  }

  /**
   * An `ifAbsent` write the server refused with 412 Precondition Failed: an object is there (another
   * run's, or ours from an attempt whose answer was lost), settled by its sha256 (claimLost). A server
   * that ignores If-None-Match (s3rver) overwrites instead; docs/reliability.md lists which honour it.
   */
  private async claimed(key: string, o: PutOptions, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (e) {
      if (!o.ifAbsent || statusOf(e instanceof RelengError ? e.cause : e) !== 412) throw e;
      await claimLost(this, key, o);
    }
  }

  /**
   * Objects above the threshold go through lib-storage's Upload (part bookkeeping, abort on failure). It
   * holds up to (queueSize + 1) parts in memory, so big objects go one at a time, with modest parts.
   */
  private async putMultipart(key: string, file: string, o: PutOptions): Promise<void> {
    const partSize = Math.max(this.partSize, Math.ceil(o.size / MAX_PARTS));
    await this.bigUploads.use(() =>
      this.withRetry(key, async () => {
        const upload = new Upload({
          client: this.client,
          params: {
            Bucket: this.bucket,
            Key: this.key(key),
            // A fresh stream per attempt: a consumed stream cannot be replayed.
            Body: fs.createReadStream(file, { highWaterMark: 1 << 20 }),
            ContentLength: o.size,
            ContentType: o.contentType,
            ContentEncoding: o.contentEncoding,
            Metadata: { [SHA_KEY]: o.sha256 },
            // Sent with CompleteMultipartUpload (lib-storage passes its params on): the claim is the commit.
            ...(o.ifAbsent ? { IfNoneMatch: '*' } : {}),
          },
          partSize,
          queueSize: MULTIPART_QUEUE,
          leavePartsOnError: false,
        });
        await upload.done();
      }),
    );
  }

  /**
   * Retries a request that carries bytes (src/retry.ts: 5xx, 429, 408, resets and timeouts; Retry-After
   * honoured up to its limit). `fn` opens a fresh body each time.
   */
  private async withRetry<T>(key: string, fn: () => Promise<T>, attempts = PUT_ATTEMPTS): Promise<T> {
    let tried = 0;
    try {
      return await withRetry(
        (attempt) => {
          tried = attempt;
          return fn();
        },
        { attempts, retryable, retryAfter },
      );
    } catch (e) {
      throw this.wrap(e, key, tried);
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const r = await this.client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
          }),
        )
        .catch((e: unknown) => {
          throw this.wrap(e, prefix);
        });
      for (const o of r.Contents ?? [])
        out.push({ key: (o.Key ?? '').slice(this.prefix.length), size: o.Size ?? 0 });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /**
   * One DeleteObject per key, 16 at a time — not DeleteObjects: with WHEN_REQUIRED the SDK sends that
   * request a CRC32 checksum instead of the Content-MD5 that MinIO and other S3 servers demand
   * (aws-sdk-js-v3#6819, #6920). Stale files of a synced manual are few.
   */
  async delete(keys: string[]): Promise<void> {
    await forEachLimit(keys, 16, async (k) => {
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(k) }))
        .catch((e: unknown) => {
          throw this.wrap(e, k);
        });
    });
  }

  async get(key: string): Promise<ObjectBytes | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      const bytes: ObjectBytes = Buffer.from(await r.Body!.transformToByteArray());
      if (r.ContentEncoding) bytes.contentEncoding = r.ContentEncoding;
      return bytes;
    } catch (e) {
      if (statusOf(e) === 404 || (e as SdkError).name === 'NoSuchKey') return undefined;
      throw this.wrap(e, key);
    }
  }

  async hash(key: string): Promise<{ sha256: string; size: number } | undefined> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      const h = createHash('sha256');
      let size = 0;
      for await (const chunk of r.Body as AsyncIterable<Uint8Array>) {
        h.update(chunk);
        size += chunk.length;
      }
      return { sha256: h.digest('hex'), size };
    } catch (e) {
      if (statusOf(e) === 404 || (e as SdkError).name === 'NoSuchKey') return undefined;
      throw this.wrap(e, key);
    }
  }

  /** Reachable and readable: one LIST of at most one key. */
  async check(): Promise<string[]> {
    try {
      await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }),
      );
      return [];
    } catch (e) {
      return [this.wrap(e, '').message];
    }
  }

  /**
   * Writable, without creating anything: an empty PUT whose Content-MD5 cannot match. Servers authorise
   * before they look at the body, so a key without write access gets 403, and one with it gets
   * BadDigest/InvalidDigest — and no object. A server that checks no digests (s3rver) stores the empty
   * probe, which is deleted at once. Its name is fixed, not random: a run killed between the PUT and the
   * DELETE leaves a probe that the re-run's own probe replaces and deletes, instead of a stray object.
   */
  async checkWrite(): Promise<string[]> {
    const probe = `${this.prefix}${WRITE_PROBE}`;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: probe,
          Body: Buffer.alloc(0),
          ContentLength: 0,
          ContentMD5: Buffer.alloc(16).toString('base64'),
        }),
      );
    } catch (e) {
      const err = e as SdkError;
      const code = err.name ?? err.Code;
      if (code === 'BadDigest' || code === 'InvalidDigest') return [];
      return [
        statusOf(e) === 403
          ? `S3 ${this.location}${this.at()}: the credentials may read but not write (AccessDenied on a write probe); use a key with write access to the bucket`
          : this.wrap(e, probe.slice(this.prefix.length)).message,
      ];
    }
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe }))
      .catch(() => undefined);
    return [];
  }

  private at(): string {
    return this.options.endpoint ? ` at ${this.options.endpoint}` : '';
  }

  /** `attempts`: how many times a write was tried before giving up (given only for writes). */
  private wrap(e: unknown, key: string, attempts?: number): RelengError {
    if (e instanceof RelengError) return e;
    const err = e as SdkError;
    const status = statusOf(e);
    const name = err.name ?? err.Code ?? err.code ?? 'error';
    const hint =
      status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch'
        ? 'check the S3 credentials'
        : name === 'NoSuchBucket'
          ? 'create the bucket or fix the environment in releng.yml'
          : attempts !== undefined && retryable(e)
            ? `gave up after ${attempts} attempt${attempts > 1 ? 's' : ''}; check that the server is up, then run publish again (it resumes where this run stopped)`
            : 'check the endpoint and that the server is up';
    return new RelengError(
      `S3 ${this.location}/${key}${this.at()}: ${name}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}; ${hint}`,
      { cause: e },
    );
  }
}

/** The server's Retry-After, as the SDK or SignedPut carries it. */
function retryAfter(e: unknown): string | undefined {
  const err = e as SdkError;
  return err.retryAfter ?? err.$response?.headers?.['retry-after'];
}

function retryable(e: unknown): boolean {
  const status = statusOf(e);
  // AWS: a conditional write raced another write of the key still in flight; it asks to retry.
  if (status === 409 && (e as SdkError).name === 'ConditionalRequestConflict') return true;
  if (status !== undefined) return isTransientStatus(status);
  return !!(e as SdkError).$retryable || isTransientError(e);
}
