/**
 * The registry side: one `Registry` per host (scheme, ping, authentication state shared by its
 * repositories) and one `RegistryRepository` sink per target repository. Blobs go up by digest:
 * POST an upload, PATCH chunks with Content-Range (what ghcr and Forgejo need: ghcr refuses requests over
 * 4 MiB, Forgejo a PATCH without a range after the first), PUT `?digest=` with the rest; a failed chunk
 * resumes from the offset the registry reports. Small blobs are one PUT. Manifests go up by digest too;
 * tags are separate PUTs, so nothing is tagged before everything it names exists.
 */
import type { Readable } from 'node:stream';
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { isTransientError, retryDelay, sleep } from '../retry.js';
import { type Challenge, fetchToken, parseChallenges, type Token, tokenAccess } from './auth.js';
import type { BlobInfo, BlobSource } from './blob-source.js';
import type { CredentialSource, CredentialStore } from './credentials.js';
import { sha256Digest } from './digest.js';
import { errorDetail, type Http, HttpError, type HttpRequest, type HttpResponse } from './http.js';
import { ACCEPT_MANIFESTS } from './media-types.js';
import type { ImageSink, StoredManifest } from './sink.js';

/** ghcr.io refuses chunks over 4 MiB; Forgejo and distribution take any size. */
export const CHUNK_SIZE = 4 << 20;
/** Request bodies in flight per registry: enough to keep a link busy, 16 MiB of buffers at most. */
const MAX_CHUNKS_OUT = 4;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

export interface RegistryOptions {
  /** host[:port] requests go to. */
  host: string;
  /** The registry's name for credential lookups (docker.io for Docker Hub). */
  name: string;
  /** Plain HTTP allowed (after HTTPS fails) and TLS not verified: loopback, or listed insecure. */
  insecure: boolean;
  http: Http;
  credentials: CredentialStore;
  log: Logger;
  chunkSize?: number;
}

type SendOptions = Omit<HttpRequest, 'url'> & { path: string | URL };

/** `repository:NAME:ACTIONS` is covered when one of `scopes` names the same resource with all those actions. */
function covered(scope: string, scopes: string[]): boolean {
  const cut = (s: string) => {
    const i = s.lastIndexOf(':');
    return [s.slice(0, i), s.slice(i + 1).split(',')] as const;
  };
  const [resource, actions] = cut(scope);
  return scopes.some((s) => {
    const [r, a] = cut(s);
    return r === resource && actions.every((x) => a.includes(x) || a.includes('*'));
  });
}

export class Registry {
  readonly host: string;
  readonly chunkSize: number;
  private base: URL | undefined;
  private pinging: Promise<void> | undefined;
  private challenge: Challenge | undefined;
  private tokens = new Map<string, Promise<Token>>();
  private chunks: Buffer[] = [];
  private chunksOut = 0;
  private chunkWaiters: (() => void)[] = [];

  constructor(readonly o: RegistryOptions) {
    this.host = o.host;
    this.chunkSize = o.chunkSize ?? CHUNK_SIZE;
  }

  get log(): Logger {
    return this.o.log;
  }

  /** GET /v2/: learns the scheme (HTTPS, or HTTP for insecure registries) and the auth challenge. */
  ping(): Promise<void> {
    this.pinging ??= this.doPing();
    return this.pinging;
  }

  private async doPing(): Promise<void> {
    const schemes = this.o.insecure ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const base = new URL(`${scheme}://${this.host}/`);
      let res: HttpResponse;
      try {
        res = await this.o.http.send({
          method: 'GET',
          url: new URL('/v2/', base),
          // An HTTPS probe of a plain-HTTP registry fails at once: no retries for it.
          retry: { attempts: scheme === 'https' && this.o.insecure ? 1 : 4 },
        });
      } catch (e) {
        lastError = e;
        continue;
      }
      await res.dump();
      if (res.status === 200) {
        this.base = base;
        return;
      }
      if (res.status === 401) {
        const challenges = parseChallenges(res.headers['www-authenticate']);
        this.challenge =
          challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ??
          challenges.find((c) => c.scheme === 'basic');
        if (!this.challenge)
          throw new RelengError(
            `${this.host}: the registry asks for authentication with a scheme we do not speak (${String(res.headers['www-authenticate'])})`,
          );
        this.base = base;
        return;
      }
      throw new RelengError(
        `${this.host}: GET ${base.origin}/v2/ answered HTTP ${res.status}; is this an OCI registry (host[:port] of its API)?`,
      );
    }
    const detail = lastError instanceof Error ? lastError.message : String(lastError);
    throw new RelengError(
      `${this.host}: cannot reach the registry (${detail})${this.o.insecure ? '' : '; if it serves plain HTTP or a self-signed certificate, list it in insecure-registries'}`,
    );
  }

  credential(repository: string): CredentialSource | undefined {
    return this.o.credentials.lookup(this.o.name, repository);
  }

  /**
   * The Authorization header for these scopes. `stale` is a token a 401 was just answered to: it is
   * replaced — once, however many requests it failed at the same time.
   */
  private async authorization(
    repository: string,
    scopes: string[],
    stale?: Promise<Token>,
  ): Promise<{ header?: string; token?: Promise<Token> }> {
    const ch = this.challenge;
    if (!ch) return {};
    const cred = this.credential(repository)?.credential;
    if (ch.scheme === 'basic') {
      if (!cred || 'identityToken' in cred) return {};
      return { header: `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` };
    }
    const key = [ch.params.realm, ch.params.service ?? '', ...[...scopes].sort()].join('|');
    let pending = this.tokens.get(key);
    if (pending && pending !== stale) {
      const t = await pending.catch(() => undefined);
      if (t && t.expiresAt - 10_000 > Date.now()) return { header: `Bearer ${t.token}`, token: pending };
      if (this.tokens.get(key) !== pending) return this.authorization(repository, scopes, stale);
    }
    pending = fetchToken(this.o.http, this.o.log, {
      realm: ch.params.realm!,
      service: ch.params.service,
      scopes,
      credential: cred,
      insecure: this.o.insecure,
      registry: this.host,
    });
    this.tokens.set(key, pending);
    pending.catch(() => {
      if (this.tokens.get(key) === pending) this.tokens.delete(key);
    });
    return { header: `Bearer ${(await pending).token}`, token: pending };
  }

  /** The token for these scopes, if the registry uses tokens (the push preflight reads its claims). */
  async token(repository: string, scopes: string[]): Promise<string | undefined> {
    await this.ping();
    const a = (await this.authorization(repository, scopes)).header;
    return a?.startsWith('Bearer ') ? a.slice(7) : undefined;
  }

  /** An authenticated request; a 401 (token expired, or more scope wanted) is answered once with a fresh token. */
  async send(repository: string, scopes: string[], r: SendOptions): Promise<HttpResponse> {
    await this.ping();
    const url = typeof r.path === 'string' ? new URL(r.path, this.base) : r.path;
    // Credentials belong to the registry's origin: an upload Location on another host (a storage
    // front end) gets the request without them, as a redirect there would.
    if (url.origin !== this.base!.origin) return this.o.http.send({ ...r, url });
    const go = async (auth: string | undefined) =>
      this.o.http.send({ ...r, url, headers: { ...r.headers, ...(auth ? { authorization: auth } : {}) } });
    const first = await this.authorization(repository, scopes);
    const res = await go(first.header);
    if (res.status !== 401) return res;
    const challenges = parseChallenges(res.headers['www-authenticate']);
    await res.dump();
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const next = bearer ?? challenges.find((c) => c.scheme === 'basic');
    if (
      next &&
      (next.scheme !== this.challenge?.scheme || next.params.realm !== this.challenge?.params.realm)
    )
      this.challenge = next;
    // The scope the registry names joins ours only when ours do not cover it already (it names the action
    // of this request: `pull` for a GET we asked `pull,push` for) — so a refresh replaces the same token.
    const wanted = [
      ...scopes,
      ...(bearer?.params.scope?.split(' ') ?? []).filter((s) => !covered(s, scopes)),
    ];
    const auth = (await this.authorization(repository, wanted, first.token)).header;
    const where = `${this.host}/${repository}`;
    if (!auth)
      throw new RelengError(
        `${where}: the registry wants credentials (HTTP 401) and none were found; pass 'username' and 'password', or log in (docker login / skopeo login)`,
      );
    const again = await go(auth);
    if (again.status === 401) {
      const from = this.credential(repository)?.from;
      throw new RelengError(
        `${where}: authentication failed (HTTP 401: ${await errorDetail(again)})${from ? ` with the credentials from ${from}` : ''}; check username and password`,
      );
    }
    return again;
  }

  /**
   * A chunk-sized buffer for an upload's request, reused by the next one (no garbage per chunk). At most
   * MAX_CHUNKS_OUT are out at once: every layer's last piece goes with its final PUT, and those all start
   * together when the archives are checked — unbounded, 20 layers × 4 MiB per registry at one moment.
   */
  async acquireChunk(): Promise<Buffer> {
    while (this.chunksOut >= MAX_CHUNKS_OUT) await new Promise<void>((r) => this.chunkWaiters.push(r));
    this.chunksOut++;
    return this.chunks.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
  }

  releaseChunk(b: Buffer): void {
    this.chunksOut--;
    if (this.chunks.length < MAX_CHUNKS_OUT) this.chunks.push(b);
    this.chunkWaiters.shift()?.();
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }
}

export class RegistryRepository implements ImageSink {
  readonly ref: string;
  readonly mountKey: string;
  private readonly scopes: string[];

  constructor(
    readonly registry: Registry,
    readonly repository: string,
    ref?: string,
  ) {
    this.ref = ref ?? `${registry.host}/${repository}`;
    this.mountKey = registry.host;
    this.scopes = [`repository:${repository}:pull,push`];
  }

  private send(r: SendOptions, scopes = this.scopes): Promise<HttpResponse> {
    return this.registry.send(this.repository, scopes, r);
  }

  private path(kind: 'manifests' | 'blobs', reference: string): string {
    return `/v2/${this.repository}/${kind}/${reference}`;
  }

  private async fail(what: string, res: HttpResponse): Promise<never> {
    const detail = await errorDetail(res);
    const hint =
      res.status === 403
        ? '; the credentials lack push access to this repository'
        : res.status === 404 && /NAME_UNKNOWN/.test(detail)
          ? '; does the repository exist (some registries need it created first)?'
          : '';
    throw new HttpError(`${this.ref}: ${what}: HTTP ${res.status} (${detail})${hint}`, res.status);
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
    if (res.status === 202 && loc) await this.cancel(new URL(loc, res.url));
    return false;
  }

  private async cancel(location: URL): Promise<void> {
    try {
      const r = await this.send({ method: 'DELETE', path: location, retry: { attempts: 1 } });
      await r.dump();
    } catch {
      // an abandoned upload expires on its own
    }
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
      const res = await this.send({
        method: 'POST',
        path: `/v2/${this.repository}/blobs/uploads/`,
        body: Buffer.alloc(0),
      });
      await res.dump();
      if (res.status === 202) {
        const loc = res.header('location');
        if (loc) await this.cancel(new URL(loc, res.url));
        return undefined;
      }
      if (res.status === 401 || res.status === 403)
        return `${this.ref}: no push access (HTTP ${res.status}); check the credentials' permissions`;
      return `${this.ref}: starting an upload answered HTTP ${res.status}`;
    } catch (e) {
      return e instanceof RelengError ? e.message : `${this.ref}: ${(e as Error).message}`;
    }
  }

  async putBlob(source: BlobSource, onSent?: (bytes: number) => void): Promise<BlobInfo> {
    for (let attempt = 1; ; attempt++) {
      let sent = 0;
      try {
        return await this.upload(source, (n) => {
          sent += n;
          onSent?.(n);
        });
      } catch (e) {
        // Start over (a new upload session) when the registry lost ours; the source can be read again.
        if (attempt >= 3 || !(isTransientError(e) || (e instanceof HttpError && (e.status ?? 0) >= 500)))
          throw e;
        onSent?.(-sent);
        this.registry.log.debug(`${this.ref}: upload failed (${(e as Error).message}); starting it again`);
      }
    }
  }

  private async startUpload(): Promise<URL> {
    const res = await this.send({
      method: 'POST',
      path: `/v2/${this.repository}/blobs/uploads/`,
      body: Buffer.alloc(0),
    });
    await res.dump();
    const loc = res.header('location');
    if (res.status !== 202 || !loc) return this.fail('POST blob upload', res);
    return new URL(loc, res.url);
  }

  /** Bytes [start, end) of the source in a pooled chunk buffer, held only while the request runs. */
  private async withChunk<T>(
    source: BlobSource,
    start: number,
    end: number,
    send: (body: Buffer) => Promise<T>,
  ): Promise<T> {
    const scratch = await this.registry.acquireChunk();
    try {
      return await send(await source.readInto(scratch, start, end));
    } finally {
      this.registry.releaseChunk(scratch);
    }
  }

  private async upload(source: BlobSource, onSent: (n: number) => void): Promise<BlobInfo> {
    const chunk = this.registry.chunkSize;
    let location = await this.startUpload();
    try {
      let offset = 0;
      for (;;) {
        // More than a chunk beyond offset, or the end: the last piece (≤ a chunk) goes with the PUT —
        // unless the blob is held (not to be committed yet): then it is sent now, and the PUT is empty
        // later, so that what is left when the gate opens is a request per blob, not its last megabytes.
        const available = await source.waitFor(offset + chunk + 1);
        const rest = available - offset;
        if (source.complete() && rest <= chunk) {
          if (rest > 0 && source.held?.()) {
            location = await this.patch(location, source, offset, available);
            onSent(rest);
            offset = available;
          }
          break;
        }
        if (rest <= chunk) continue;
        location = await this.patch(location, source, offset, offset + chunk);
        onSent(chunk);
        offset += chunk;
      }
      const info = await source.done;
      const url = new URL(location);
      url.searchParams.set('digest', info.digest);
      const rest = info.size - offset;
      const put = (body: Buffer) =>
        this.send({
          method: 'PUT',
          path: url,
          headers: { 'content-type': 'application/octet-stream' },
          body,
          retry: { transient: false },
        });
      const res =
        rest > 0 ? await this.withChunk(source, offset, info.size, put) : await put(Buffer.alloc(0));
      if (res.status !== 201) return this.fail(`PUT blob ${info.digest}`, res);
      await res.dump();
      onSent(rest);
      return info;
    } catch (e) {
      // The producer failed (a bad archive, checked before any blob is committed) or the registry did:
      // leave no upload session (and its data) behind.
      await this.cancel(location);
      throw e;
    }
  }

  /** One chunk; on a failure asks the registry how much it has and resends from there. */
  private async patch(location: URL, source: BlobSource, start: number, end: number): Promise<URL> {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      let error: unknown;
      try {
        res = await this.withChunk(source, start, end, (body) =>
          this.send({
            method: 'PATCH',
            path: location,
            headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
            body,
            retry: { transient: false, attempts: 1 },
          }),
        );
        if (res.status === 202) {
          await res.dump();
          const next = res.header('location');
          return next ? new URL(next, res.url) : location;
        }
      } catch (e) {
        error = e;
      }
      if (attempt >= 4 || (res && res.status < 500 && res.status !== 416 && res.status !== 429)) {
        if (res) return this.fail(`PATCH blob upload ${start}-${end - 1}`, res);
        throw error;
      }
      if (res) {
        const wait = retryDelay(attempt, res.status === 429 ? res.header('retry-after') : undefined);
        if (wait === undefined) return this.fail(`PATCH blob upload ${start}-${end - 1}`, res);
        await res.dump();
        await sleep(wait);
      }
      // Where does the upload stand? (GET on the upload URL: 204 with Range: 0-LAST.)
      const status = await this.send({ method: 'GET', path: location });
      await status.dump();
      const range = /^(?:bytes=)?0-(\d+)$/.exec(status.header('range') ?? '');
      // distribution answers an empty upload with `0-0` too: at the first chunk that means nothing yet.
      const have = !range
        ? status.status === 204
          ? 0
          : -1
        : start === 0 && range[1] === '0'
          ? 0
          : Number(range[1]) + 1;
      const loc = status.header('location');
      if (loc) location = new URL(loc, status.url);
      if (have === end) return location;
      if (have !== start)
        throw (
          error ??
          new HttpError(`${this.ref}: the upload lost its place (at ${have}, expected ${start})`, 500)
        );
    }
  }
}
