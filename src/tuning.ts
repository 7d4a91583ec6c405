/**
 * The `RELENG_*` tuning variables, for benchmarks and unusual servers: read here, once, and passed down
 * as one value. Nothing else reads them. Unset means the client's own default.
 *
 *   RELENG_S3_CONCURRENCY              request bodies in flight per S3 destination
 *   RELENG_S3_PART_SIZE_MIB            multipart part size
 *   RELENG_S3_MULTIPART_THRESHOLD_MIB  objects above this size go multipart
 *   RELENG_S3_TIMEOUT_S                seconds an S3 request may sit idle before it is abandoned and retried
 *   RELENG_REGISTRY_TIMEOUT_S          seconds a registry request may sit unanswered or idle before it is retried
 */
import { RelengError } from './errors.js';

export interface S3Tuning {
  /** Request bodies in flight. */
  concurrency?: number;
  /** Bytes. */
  partSize?: number;
  /** Bytes. */
  multipartThreshold?: number;
  /** Milliseconds a request may sit idle. */
  requestTimeout?: number;
}

export interface RegistryTuning {
  /** Milliseconds a request may sit unanswered or idle. */
  timeout?: number;
}

export interface Tuning {
  s3: S3Tuning;
  registry: RegistryTuning;
}

const MIB = 1024 * 1024;

export function readTuning(processEnv: NodeJS.ProcessEnv): Tuning {
  const whole = (name: string, min: number, unit = 1): number | undefined => {
    const v = processEnv[name];
    if (v === undefined || v === '') return undefined;
    const x = Number(v);
    if (!Number.isInteger(x) || x < min)
      throw new RelengError(`${name} must be a whole number ≥ ${min}, got '${v}'; unset it for the default`);
    return x * unit;
  };
  return {
    s3: {
      concurrency: whole('RELENG_S3_CONCURRENCY', 1),
      partSize: whole('RELENG_S3_PART_SIZE_MIB', 5, MIB),
      multipartThreshold: whole('RELENG_S3_MULTIPART_THRESHOLD_MIB', 5, MIB),
      requestTimeout: whole('RELENG_S3_TIMEOUT_S', 1, 1000),
    },
    registry: { timeout: whole('RELENG_REGISTRY_TIMEOUT_S', 1, 1000) },
  };
}
