import path from 'node:path';
import type { S3Tuning } from '../tuning.js';
import type { S3Credentials } from './credentials.js';
import { DirectorySink } from './directory.js';
import { S3Sink } from './s3.js';
import type { Sink } from './sink.js';

export interface S3Settings {
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  credentials: S3Credentials;
  tuning?: S3Tuning;
}

export const isS3Location = (location: string) => location.startsWith('s3://');

/** A sink for a destination of releng.yml: `s3://bucket[/prefix]`, or a directory (absolute, or relative to `dir`). */
export function openSink(location: string, dir: string, s3?: S3Settings): Sink {
  if (isS3Location(location)) {
    if (!s3) throw new Error(`openSink: ${location} needs S3 settings`);
    return new S3Sink({ url: location, ...s3 });
  }
  return new DirectorySink(path.resolve(dir, location));
}
