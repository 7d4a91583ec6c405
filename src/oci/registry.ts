/**
 * A repository in a registry as a sink (regclient's scheme/reg split: blobs, manifests; the host and its
 * authentication in registry-host.ts, the upload protocol in blob-upload.ts). Blobs and manifests go up by
 * digest; tags are separate PUTs, so nothing is tagged before everything it names exists.
 */
import type { Readable } from 'node:stream';
import { RelengError } from '../errors.js';
import { tokenAccess } from './auth.js';
import type { BlobInfo, BlobSource } from './blob-source.js';
import { cancelUpload, type UploadEndpoint, uploadBlob } from './blob-upload.js';
import type { ChunkPool } from './chunk-pool.js';
import { sha256Digest } from './digest.js';
import type { HttpResponse } from './http.js';
import type { ImageSink, StoredManifest } from './image-sink.js';
import { ACCEPT_MANIFESTS } from './media-types.js';
import { checkManifestReference } from './reference.js';
import { type RegistryHost, requestFailed, type SendOptions } from './registry-host.js';

export class RegistryRepository implements ImageSink {
  readonly ref: string;
  readonly mountKey: string;
  private readonly scopes: string[];

  private readonly uploads: UploadEndpoint;

  constructor(
    readonly registry: RegistryHost,
    private readonly chunks: ChunkPool,
    readonly repository: string,
    ref?: string,
  ) {
    this.ref = ref ?? `${registry.host}/${repository}`;
    this.mountKey = registry.host;
    this.scopes = [`repository:${repository}:pull,push`];
    this.uploads = {
      ref: this.ref,
      uploadsPath: `/v2/${repository}/blobs/uploads/`,
      send: (r) => this.send(r),
      log: registry.log,
    };
  }

  private send(r: SendOptions, scopes = this.scopes): Promise<HttpResponse> {
    return this.registry.send(this.repository, scopes, r);
  }

  private path(kind: 'manifests' | 'blobs', reference: string): string {
    if (kind === 'manifests') checkManifestReference(reference, this.ref);
    return `/v2/${this.repository}/${kind}/${reference}`;
  }

  private async fail(what: string, res: HttpResponse): Promise<never> {
    throw await requestFailed(this.ref, what, res);
  }

  async open(): Promise<void> {
    await this.registry.ping();
  }

  async close(): Promise<void> {}

  async getManifest(reference: string): Promise<StoredManifest | undefined> {
    const res = await this.send({
      method: 'GET',
      path: this.path('manifests', reference),
      headers: { accept: ACCEPT_MANIFESTS },
    });
    if (res.status === 404) {
      await res.dump();
      return undefined;
    }
    if (res.status !== 200) return this.fail(`GET manifest ${reference}`, res);
    const bytes = await res.buffer();
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new RelengError(
        `${this.ref}: manifest ${reference} came back with digest ${digest}; the registry is corrupt`,
      );
    let mediaType = (res.header('content-type') ?? '').split(';')[0]!.trim();
    try {
      mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? mediaType;
    } catch {
      // the header's type stands
    }
    return { digest, mediaType, bytes };
  }

  async hasManifest(digest: string): Promise<boolean> {
    const res = await this.send({
      method: 'HEAD',
      path: this.path('manifests', digest),
      headers: { accept: ACCEPT_MANIFESTS },
    });
    await res.dump();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return this.fail(`HEAD manifest ${digest}`, res);
  }

  async blobSize(digest: string): Promise<number | undefined> {
    const res = await this.send({ method: 'HEAD', path: this.path('blobs', digest) });
    await res.dump();
    if (res.status === 200) return Number(res.header('content-length') ?? Number.NaN);
    if (res.status === 404) return undefined;
    return this.fail(`HEAD blob ${digest}`, res);
  }

  async mountBlob(digest: string, from: ImageSink): Promise<boolean> {
    if (from.mountKey !== this.mountKey || !from.repository) return false;
    const path = `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`;
    const res = await this.send({ method: 'POST', path, body: Buffer.alloc(0) }, [
      ...this.scopes,
      `repository:${from.repository}:pull`,
    ]);
    await res.dump();
    if (res.status === 201) return true;
    // 202: the registry opened an upload instead; cancel it.
    const loc = res.header('location');
    if (res.status === 202 && loc) await cancelUpload(this.uploads, new URL(loc, res.url));
    return false;
  }

  async openBlob(digest: string): Promise<Readable> {
    const res = await this.send({ method: 'GET', path: this.path('blobs', digest) });
    if (res.status !== 200) return this.fail(`GET blob ${digest}`, res);
    return res.body;
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.send({
      method: 'PUT',
      path: this.path('manifests', reference),
      headers: { 'content-type': mediaType },
      body: bytes,
      // What it names was pushed moments ago: registries may not see it yet.
      retry: { notFound: true, attempts: 8 },
    });
    if (res.status === 201 || res.status === 200) {
      await res.dump();
      return;
    }
    return this.fail(`PUT manifest ${reference}`, res);
  }

  async checkPush(): Promise<string | undefined> {
    try {
      const token = await this.registry.token(this.repository, this.scopes);
      const access = token ? tokenAccess(token) : undefined;
      if (access) {
        const mine = access.filter((a) => a.type === 'repository' && a.name === this.repository);
        if (!mine.some((a) => a.actions.includes('push') || a.actions.includes('*')))
          return `${this.ref}: the token grants no push access (${mine.flatMap((a) => a.actions).join(',') || 'nothing'}); check the credentials' permissions`;
      }
      const res = await this.send({ method: 'POST', path: this.uploads.uploadsPath, body: Buffer.alloc(0) });
      await res.dump();
      if (res.status === 202) {
        const loc = res.header('location');
        if (loc) await cancelUpload(this.uploads, new URL(loc, res.url));
        return undefined;
      }
      if (res.status === 401 || res.status === 403)
        return `${this.ref}: no push access (HTTP ${res.status}); check the credentials' permissions`;
      return `${this.ref}: starting an upload answered HTTP ${res.status}`;
    } catch (e) {
      return e instanceof RelengError ? e.message : `${this.ref}: ${(e as Error).message}`;
    }
  }

  putBlob(source: BlobSource, onSent?: (bytes: number) => void): Promise<BlobInfo> {
    return uploadBlob(this.uploads, this.chunks, source, onSent);
  }
}
