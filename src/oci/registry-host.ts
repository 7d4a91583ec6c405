/**
 * One registry host, shared by its repositories: the scheme (HTTPS, or HTTP for insecure registries) and
 * the auth challenge learned by one ping of /v2/, then authenticated requests — Basic, or Bearer tokens
 * cached per scope and replaced once when a 401 says they went stale (regclient's ping and auth split).
 */
import { RelengError } from '../errors.js';
import type { Logger } from '../log.js';
import { type Challenge, fetchToken, parseChallenges, type Token } from './auth.js';
import type { CredentialSource, CredentialStore } from './credentials.js';
import { errorDetail, type Http, HttpError, type HttpRequest, type HttpResponse } from './http.js';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

export interface RegistryHostOptions {
  /** host[:port] requests go to. */
  host: string;
  /** The registry's name for credential lookups (docker.io for Docker Hub). */
  name: string;
  /** Plain HTTP allowed (after HTTPS fails) and TLS not verified: loopback, or listed insecure. */
  insecure: boolean;
  http: Http;
  credentials: CredentialStore;
  log: Logger;
}

/** A request to the registry: a path on it, or a URL it gave (an upload location). */
export type SendOptions = Omit<HttpRequest, 'url'> & { path: string | URL };

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

export class RegistryHost {
  readonly host: string;
  private base: URL | undefined;
  private pinging: Promise<void> | undefined;
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, Promise<Token>>();

  constructor(readonly o: RegistryHostOptions) {
    this.host = o.host;
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

  url(path: string): URL {
    return new URL(path, this.base);
  }
}

/** The error for an answer we cannot go on from, with the registry's own words and a hint where we have one. */
export async function requestFailed(ref: string, what: string, res: HttpResponse): Promise<HttpError> {
  const detail = await errorDetail(res);
  const hint =
    res.status === 403
      ? '; the credentials lack push access to this repository'
      : res.status === 404 && /NAME_UNKNOWN/.test(detail)
        ? '; does the repository exist (some registries need it created first)?'
        : '';
  return new HttpError(`${ref}: ${what}: HTTP ${res.status} (${detail})${hint}`, res.status);
}
