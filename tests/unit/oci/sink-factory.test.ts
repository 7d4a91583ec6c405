import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { CredentialStore } from '../../../src/oci/credentials.js';
import { LayoutSink } from '../../../src/oci/layout.js';
import { parseTarget } from '../../../src/oci/reference.js';
import { RegistryRepository } from '../../../src/oci/registry.js';
import { SinkFactory } from '../../../src/oci/sink-factory.js';
import { tmpDir } from '../../helpers/tmp.js';

const factories: SinkFactory[] = [];
afterEach(async () => {
  for (const f of factories.splice(0)) await f.close();
});

function factory(insecureRegistries: string[] = []): SinkFactory {
  const f = new SinkFactory({
    credentials: new CredentialStore(silentLogger, undefined, { HOME: tmpDir() }),
    insecureRegistries,
    log: silentLogger,
  });
  factories.push(f);
  return f;
}

describe('SinkFactory', () => {
  test('a layout target is a layout sink; repositories of one host share it (and can mount)', () => {
    const f = factory();
    expect(f.sink(parseTarget('oci-layout:out', '/w'))).toBeInstanceOf(LayoutSink);
    const a = f.sink(parseTarget('ghcr.io/org/a', '/w')) as RegistryRepository;
    const b = f.sink(parseTarget('ghcr.io/org/b', '/w')) as RegistryRepository;
    const c = f.sink(parseTarget('quay.io/org/a', '/w')) as RegistryRepository;
    expect(a).toBeInstanceOf(RegistryRepository);
    expect(a.registry).toBe(b.registry);
    expect(a.registry).not.toBe(c.registry);
    expect([a.mountKey, b.mountKey, c.mountKey]).toEqual(['ghcr.io', 'ghcr.io', 'quay.io']);
    expect(f.sink(parseTarget('lix/lix', '/w')).ref).toBe('docker.io/lix/lix');
  });

  test('insecure: loopback always; a listed host with or without its port', () => {
    const f = factory(['registry.lan', 'other.lan:5000']);
    expect(f.insecure('127.0.0.1:5000')).toBe(true);
    expect(f.insecure('registry.lan:443')).toBe(true);
    expect(f.insecure('other.lan:5000')).toBe(true);
    expect(f.insecure('other.lan:5001')).toBe(false);
    expect(f.insecure('ghcr.io')).toBe(false);
  });
});
