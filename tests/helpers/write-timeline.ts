/**
 * One numbered timeline of the writes a release makes to its object store and its registry, across
 * every process of a workflow: the S3 recorder (tests/helpers/s3-recorder.ts) in front of the S3
 * server and the fault proxy (tests/helpers/proxy.ts) in front of the registry, each feeding the same
 * sequence. An S3 write is numbered when it is answered (a reader can see it from then on), a registry
 * write when it arrives (the client has asked for it) — so "the tag's seq is greater" means the tag was
 * asked for only once the object was there. The registry proxy also injects faults (setFaults).
 */
import type { Exchange, FaultProxy, FaultRule } from './proxy.js';
import { startProxy } from './proxy.js';
import { type Recorder, startRecorder } from './s3-recorder.js';

export interface TimelineWrite {
  seq: number;
  server: 's3' | 'registry';
  method: string;
  /**
   * S3: `bucket/key`. Registry: `repo:tag` or `repo@digest` for a manifest, `repo blob` for a blob upload
   * request, the path otherwise.
   */
  target: string;
  /** A manifest PUT's reference (tag or digest); undefined for other writes. */
  reference?: string;
  /** The answer the client saw; 0 when it had none. */
  status: number;
  /** The name of a fault the proxy applied. */
  fault?: string;
}

export interface WriteTimeline {
  /** host:port our code is given for each server. */
  s3Host: string;
  registryHost: string;
  /** Every write so far, in order. */
  writes(): TimelineWrite[];
  setRegistryFaults(rules: FaultRule[]): void;
  reset(): void;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** `/v2/REPO/manifests/REF` → {repo, reference}; blob uploads → {repo}. */
function registryTarget(url: string): { target: string; reference?: string } {
  const path = url.split('?')[0]!;
  const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  if (manifest) {
    const [, repo, ref] = manifest;
    const reference = decodeURIComponent(ref!);
    return { target: `${repo}${reference.includes(':') ? '@' : ':'}${reference}`, reference };
  }
  const blob = /^\/v2\/(.+)\/blobs\/uploads\//.exec(path);
  return { target: blob ? `${blob[1]} blob` : path };
}

/** Starts both recorders: S3 at `s3` (host:port), the registry at `registryPort` on loopback. */
export async function recordWrites(o: { s3: string; registryPort: number }): Promise<WriteTimeline> {
  let seq = 0;
  const entries: { seq: number; s3?: TimelineWrite; exchange?: Exchange }[] = [];
  const s3: Recorder = await startRecorder(`http://${o.s3}`);
  s3.onEvent = (e) => {
    if (!WRITE_METHODS.has(e.method)) return;
    const n = ++seq;
    entries.push({
      seq: n,
      s3: { seq: n, server: 's3', method: e.method, target: `${e.bucket}/${e.key}`, status: e.status },
    });
  };
  const registry: FaultProxy = await startProxy({
    target: o.registryPort,
    onRequest: (_n, req) => {
      if (!WRITE_METHODS.has(req.method ?? '')) return;
      // The exchange was recorded just before this call; its status is filled in when it is answered.
      entries.push({ seq: ++seq, exchange: registry.exchanges.at(-1) });
    },
  });
  return {
    s3Host: new URL(s3.endpoint).host,
    registryHost: registry.host,
    writes: () =>
      entries.map((e) => {
        if (e.s3) return e.s3;
        const x = e.exchange!;
        return {
          seq: e.seq,
          server: 'registry',
          method: x.method,
          ...registryTarget(x.url),
          status: x.status,
          fault: x.fault,
        };
      }),
    setRegistryFaults: (rules) => registry.setFaults(rules),
    /** Forgets what was recorded and numbers from 1 again. */
    reset() {
      seq = 0;
      entries.length = 0;
      registry.reset();
      s3.reset();
    },
    async close() {
      await registry.close();
      await s3.close();
    },
  };
}
