import type { Logger } from '../log.js';
import type { CredentialStore } from './credentials.js';
import { Http } from './http.js';
import { LayoutSink } from './layout.js';
import type { TargetRef } from './reference.js';
import { isLoopback, Registry, RegistryRepository } from './registry.js';
import type { ImageSink } from './sink.js';

export interface SinkOptions {
  credentials: CredentialStore;
  /** host or host:port of registries reached over plain HTTP or with unverified TLS (loopback always is). */
  insecureRegistries: string[];
  log: Logger;
  chunkSize?: number;
  /** Idle time after which a request is abandoned and retried (default: 2 min for headers, 5 for bodies). */
  timeoutMs?: number;
}

/**
 * Makes the sinks of a run: one HTTP client and one `Registry` (ping, tokens) per host, shared by every
 * repository on it, so two targets on one registry authenticate once and can mount each other's blobs.
 */
export class Sinks {
  readonly http: Http;
  private registries = new Map<string, Registry>();

  constructor(private readonly o: SinkOptions) {
    this.http = new Http(o.log, (host) => this.insecure(host), undefined, o.timeoutMs);
  }

  insecure(host: string): boolean {
    const bare = host.replace(/:\d+$/, '');
    return isLoopback(host) || this.o.insecureRegistries.some((r) => r === host || r === bare);
  }

  sink(t: TargetRef): ImageSink {
    if (t.kind === 'layout') return new LayoutSink(t.dir);
    let reg = this.registries.get(t.apiHost);
    if (!reg) {
      reg = new Registry({
        host: t.apiHost,
        name: t.registry,
        insecure: this.insecure(t.apiHost),
        http: this.http,
        credentials: this.o.credentials,
        log: this.o.log,
        chunkSize: this.o.chunkSize,
      });
      this.registries.set(t.apiHost, reg);
    }
    return new RegistryRepository(reg, t.repository, t.ref);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
