/**
 * Small HTTP servers on loopback for the registry client's unit tests, and the clients and registry hosts
 * made against them; everything is closed after each test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { CredentialStore } from '../../src/oci/credentials.js';
import { Http } from '../../src/oci/http.js';
import { RegistryHost } from '../../src/oci/registry-host.js';
import { tmpDir } from './tmp.js';

export function localHttp() {
  const servers: http.Server[] = [];
  const clients: Http[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  const client = () => {
    const c = new Http(silentLogger);
    clients.push(c);
    return c;
  };
  return {
    /** A server answering with `handler`; its `127.0.0.1:PORT`. */
    async serve(handler: http.RequestListener): Promise<string> {
      const s = http.createServer(handler);
      servers.push(s);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      return `127.0.0.1:${(s.address() as AddressInfo).port}`;
    },
    client,
    /** The registry at `address` (plain HTTP: loopback), with these credentials or none. */
    registryHost(address: string, credentials?: { username: string; password: string }): RegistryHost {
      return new RegistryHost({
        host: address,
        name: address,
        insecure: true,
        http: client(),
        credentials: new CredentialStore(
          silentLogger,
          credentials && { inputs: { credential: credentials } },
          { HOME: tmpDir() },
        ),
        log: silentLogger,
      });
    },
  };
}
