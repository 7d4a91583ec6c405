import fs from 'node:fs';
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { RelengError } from '../errors.js';
import { checkKey, type PutOptions, type Sink, type StoredObject } from './sink.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3SinkOptions {
  /** `s3://bucket` or `s3://bucket/prefix`. */
  url: string;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  credentials: S3Credentials;
  /** Multipart part size in bytes (lib-storage's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight per upload. */
  queueSize?: number;
}

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url);
  if (!m) throw new RelengError(`'${url}' is not an S3 location; write s3://bucket or s3://bucket/prefix`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' };
}

/** The metadata key the sha256 lives under (`x-amz-meta-sha256` on the wire). */
const SHA_KEY = 'sha256';

export class S3Sink implements Sink {
  readonly bucket: string;
  readonly prefix: string;
  private client: S3Client;

  constructor(private options: S3SinkOptions) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(options.url));
    const config: S3ClientConfig = {
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.pathStyle,
      credentials: options.credentials,
      // Garage and R2 reject the SDK's newer default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 5,
    };
    this.client = new S3Client(config);
  }

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`.replace(/\/$/, '');
  }

  private key(key: string): string {
    return this.prefix + checkKey(key);
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return { key, size: r.ContentLength ?? 0, sha256: r.Metadata?.[SHA_KEY] };
    } catch (e) {
      if (
        e instanceof NotFound ||
        (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      )
        return undefined;
      throw this.wrap(e, key);
    }
  }

  async put(key: string, file: string, o: PutOptions): Promise<void> {
    try {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: this.key(key),
          Body: fs.createReadStream(file, { highWaterMark: 1 << 20 }),
          ContentLength: o.size,
          ContentType: o.contentType,
          Metadata: { [SHA_KEY]: o.sha256 },
        },
        partSize: this.options.partSize ?? 16 * 1024 * 1024,
        queueSize: this.options.queueSize ?? 4,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (e) {
      throw this.wrap(e, key);
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

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client
        .send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((k) => ({ Key: this.key(k) })), Quiet: true },
          }),
        )
        .catch((e: unknown) => {
          throw this.wrap(e, batch[0] ?? '');
        });
    }
  }

  private wrap(e: unknown, key: string): RelengError {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    const hint =
      status === 403 || err.name === 'InvalidAccessKeyId' || err.name === 'SignatureDoesNotMatch'
        ? 'check the S3 credentials'
        : err.name === 'NoSuchBucket'
          ? 'create the bucket or fix the environment in releng.yml'
          : 'check the endpoint and that the server is up';
    return new RelengError(
      `S3 ${this.location}/${key}${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}: ${err.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}; ${hint}`,
      { cause: e },
    );
  }
}
