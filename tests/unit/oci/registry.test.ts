// A repository of a registry as a sink, against a small local registry: manifests checked against their
// digest, blob lookups, mounts (and the upload a registry opens instead), the push check.
import type http from 'node:http';
import { describe, expect, test } from 'vitest';
import { BufferSource } from '../../../src/oci/blob-source.js';
import { ChunkPool } from '../../../src/oci/chunk-pool.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { OCI } from '../../../src/oci/media-types.js';
import { RegistryRepository } from '../../../src/oci/registry.js';
import { localHttp } from '../../helpers/local-http.js';

const local = localHttp();

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A registry that answers /v2/ with 200 and everything else with `handler`; requests recorded. */
async function registry(
  handler: Handler,
): Promise<{ repo: (name: string) => RegistryRepository; seen: string[] }> {
  const seen: string[] = [];
  const address = await local.serve((req, res) => {
    if (req.url === '/v2/') return res.writeHead(200).end();
    seen.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  const host = local.registryHost(address);
  const chunks = new ChunkPool();
  return { repo: (name) => new RegistryRepository(host, chunks, name), seen };
}

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.manifest, layers: [] }));
const digest = sha256Digest(manifest);

describe('RegistryRepository', () => {
  test('manifests by tag or digest, their media type from the body; a digest that does not match is refused', async () => {
    const { repo } = await registry((req, res) => {
      if (req.url === '/v2/org/a/manifests/1.0')
        return res.writeHead(200, { 'content-type': 'x/y' }).end(manifest);
      if (req.url === `/v2/org/a/manifests/${digest}`)
        return res.writeHead(200).end(Buffer.from('{"other":1}'));
      res.writeHead(404).end();
    });
    const a = repo('org/a');
    expect(await a.getManifest('1.0')).toEqual({ digest, mediaType: OCI.manifest, bytes: manifest });
    expect(await a.getManifest('absent')).toBeUndefined();
    await expect(a.getManifest(digest)).rejects.toThrow(/came back with digest .*; the registry is corrupt/);
  });

  test('blob and manifest lookups: present, absent, or an error naming the repository', async () => {
    const { repo } = await registry((req, res) => {
      if (req.url?.endsWith('/blobs/sha256:present'))
        return res.writeHead(200, { 'content-length': '42' }).end();
      if (req.url?.includes('/denied/')) return res.writeHead(403).end('{"errors":[{"code":"DENIED"}]}');
      if (req.url?.endsWith(`/manifests/${digest}`)) return res.writeHead(200).end();
      res.writeHead(404).end();
    });
    const a = repo('org/a');
    expect(await a.blobSize('sha256:present')).toBe(42);
    expect(await a.blobSize('sha256:absent')).toBeUndefined();
    expect(await a.hasManifest(digest)).toBe(true);
    expect(await a.hasManifest(`sha256:${'0'.repeat(64)}`)).toBe(false);
    // A HEAD answer has no body to give the registry's words: the status and the hint must do.
    await expect(repo('denied/x').blobSize('sha256:y')).rejects.toThrow(
      /denied\/x: HEAD blob sha256:y: HTTP 403 \(\); the credentials lack push access/,
    );
  });

  test('a mount within the registry; an upload opened instead of a mount is cancelled; another registry never mounts', async () => {
    let mountAnswer = 201;
    const { repo, seen } = await registry((req, res) => {
      if (req.method === 'POST' && req.url?.includes('mount='))
        return res
          .writeHead(mountAnswer, mountAnswer === 202 ? { location: '/v2/org/b/blobs/uploads/u1' } : {})
          .end();
      res.writeHead(204).end();
    });
    const [a, b] = [repo('org/a'), repo('org/b')];
    expect(await b.mountBlob('sha256:x', a)).toBe(true);
    expect(seen).toEqual(['POST /v2/org/b/blobs/uploads/?mount=sha256%3Ax&from=org%2Fa']);
    mountAnswer = 202;
    expect(await b.mountBlob('sha256:x', a)).toBe(false);
    expect(seen.at(-1)).toBe('DELETE /v2/org/b/blobs/uploads/u1');
    const elsewhere = (await registry(() => {})).repo('org/c');
    expect(await b.mountBlob('sha256:x', elsewhere)).toBe(false);
  });

  test('the push check opens an upload and cancels it; a refusal is the problem, not an exception', async () => {
    let answer = 202;
    const { repo, seen } = await registry((req, res) => {
      if (req.method === 'POST')
        return res.writeHead(answer, { location: '/v2/org/a/blobs/uploads/u2' }).end();
      res.writeHead(204).end();
    });
    expect(await repo('org/a').checkPush()).toBeUndefined();
    expect(seen).toEqual(['POST /v2/org/a/blobs/uploads/', 'DELETE /v2/org/a/blobs/uploads/u2']);
    answer = 403;
    expect(await repo('org/a').checkPush()).toMatch(/org\/a: no push access \(HTTP 403\)/);
  });

  test('putBlob and putManifest: by digest, then by tag', async () => {
    const stored = new Map<string, Buffer>();
    const { repo } = await registry((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => {
        if (req.method === 'POST')
          return res.writeHead(202, { location: '/v2/org/a/blobs/uploads/u3' }).end();
        const url = new URL(req.url!, 'http://x');
        if (req.method === 'PUT' && url.searchParams.has('digest')) {
          stored.set(url.searchParams.get('digest')!, Buffer.concat(parts));
          return res.writeHead(201).end();
        }
        if (req.method === 'PUT') {
          stored.set(url.pathname, Buffer.concat(parts));
          return res.writeHead(201).end();
        }
        res.writeHead(404).end();
      });
    });
    const a = repo('org/a');
    const info = await a.putBlob(new BufferSource(Buffer.from('blob')));
    expect(stored.get(info.digest)?.toString()).toBe('blob');
    await a.putManifest('1.0', manifest, OCI.manifest);
    expect(stored.get('/v2/org/a/manifests/1.0')).toEqual(manifest);
  });
});

describe('what is written into a registry', () => {
  test('a manifest reference that is neither a tag nor a digest is refused before any request', async () => {
    const { repo, seen } = await registry((_req, res) => res.writeHead(201).end());
    const a = repo('org/a');
    for (const bad of ['../../org/b/manifests/x', 'a/b', '-x', 'x'.repeat(129), 'tag\nx', ''])
      await expect(a.putManifest(bad, manifest, OCI.manifest)).rejects.toThrow(
        /is neither a tag .* nor a sha256 digest/,
      );
    await expect(a.getManifest('../x')).rejects.toThrow(/is neither a tag/);
    expect(seen).toEqual([]);
    await a.putManifest('2.93.0', manifest, OCI.manifest);
    expect(seen).toEqual(['PUT /v2/org/a/manifests/2.93.0']);
  });
});
