/**
 * Makes the sinks of a run from their targets: an OCI layout directory, or a registry repository. One HTTP
 * client for all, and per registry host one `RegistryHost` (scheme, ping, tokens) and one chunk pool
 * shared by its repositories — so two targets on one registry authenticate once, bound their request
 * bodies together, and can mount each other's blobs.
 */
import type { Logger } from '../log.js';
import { ChunkPool } from './chunk-pool.js';
import type { CredentialStore } from './credentials.js';
import { Http } from './http.js';
import type { ImageSink } from './image-sink.js';
import { LayoutSink } from './layout.js';
import type { TargetRef } from './reference.js';
import { RegistryRepository } from './registry.js';
import { isLoopback, RegistryHost } from './registry-host.js';

export interface SinkOptions {
  credentials: CredentialStore;
  /** host or host:port of registries reached over plain HTTP or with unverified TLS (loopback always is). */
  insecureRegistries: string[];
  log: Logger;
  chunkSize?: number;
  /** Idle time after which a request is abandoned and retried (default: 2 min for headers, 5 for bodies). */
  timeoutMs?: number;
}

export class SinkFactory {
  readonly http: Http;
  private readonly hosts = new Map<string, { host: RegistryHost; chunks: ChunkPool }>();

  constructor(private readonly o: SinkOptions) {
    this.http = new Http(o.log, (host) => this.insecure(host), undefined, o.timeoutMs);
  }

  insecure(host: string): boolean {
    const bare = host.replace(/:\d+$/, '');
    return isLoopback(host) || this.o.insecureRegistries.some((r) => r === host || r === bare);
  }

  sink(t: TargetRef): ImageSink {
    if (t.kind === 'layout') return new LayoutSink(t.dir);
    let h = this.hosts.get(t.apiHost);
    if (!h) {
      h = {
        host: new RegistryHost({
          host: t.apiHost,
          name: t.registry,
          insecure: this.insecure(t.apiHost),
          http: this.http,
          credentials: this.o.credentials,
          log: this.o.log,
        }),
        chunks: new ChunkPool(this.o.chunkSize),
      };
      this.hosts.set(t.apiHost, h);
    }
    return new RegistryRepository(h.host, h.chunks, t.repository, t.ref);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
