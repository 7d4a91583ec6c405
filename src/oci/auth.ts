/**
 * Registry authentication: Basic, and Bearer tokens from the realm a 401 names (distribution's token
 * spec). Tokens are requested with the OAuth2 POST form when we hold credentials, falling back to GET
 * with Basic for servers without it (404/405/400/401 — GCR, Artifactory, ACR and Forgejo do this), and
 * cached per realm, service and scopes until shortly before they expire; a 401 on a cached token drops
 * it and asks again (the reference never refreshed). Every token is registered as a secret.
 */
import { RelengError, redactUrl } from '../errors.js';
import type { Logger } from '../log.js';
import type { Credential } from './credentials.js';
import { errorDetail, type Http } from './http.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses WWW-Authenticate values: one or several challenges, each `Scheme k=v, k="quoted, v"`. Several
 * headers may be given (Forgejo sends a Bearer and a Basic one).
 */
export function parseChallenges(value: string | string[] | undefined): Challenge[] {
  const values = Array.isArray(value) ? value : value ? [value] : [];
  const out: Challenge[] = [];
  for (const v of values) {
    let i = 0;
    let current: Challenge | undefined;
    const skipWs = () => {
      while (i < v.length && /[\s,]/.test(v[i]!)) i++;
    };
    while (i < v.length) {
      skipWs();
      const m = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(v.slice(i));
      if (!m) break;
      const token = m[0];
      i += token.length;
      while (i < v.length && v[i] === ' ') i++;
      if (v[i] === '=') {
        // auth-param of the current challenge
        i++;
        while (i < v.length && v[i] === ' ') i++;
        let val = '';
        if (v[i] === '"') {
          i++;
          while (i < v.length && v[i] !== '"') {
            if (v[i] === '\\' && i + 1 < v.length) i++;
            val += v[i];
            i++;
          }
          i++;
        } else {
          const t = /^[^,\s]*/.exec(v.slice(i))![0];
          val = t;
          i += t.length;
        }
        if (current) current.params[token.toLowerCase()] = val;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}

export interface Token {
  token: string;
  /** ms since epoch */
  expiresAt: number;
}

export interface TokenRequest {
  realm: string;
  service?: string;
  scopes: string[];
  credential?: Credential;
  /** The registry is reached over plain HTTP (loopback or named insecure): a plain-HTTP realm is fine. */
  insecure: boolean;
  /** For messages: the registry host. */
  registry: string;
}

const CLIENT_ID = 'releng-actions';

export async function fetchToken(http: Http, log: Logger, r: TokenRequest): Promise<Token> {
  let realm: URL;
  try {
    realm = new URL(r.realm);
  } catch {
    throw new RelengError(`${r.registry}: the registry's token realm '${r.realm}' is not a URL`);
  }
  if (realm.protocol !== 'https:' && !r.insecure && r.credential)
    throw new RelengError(
      `${r.registry}: the token realm ${realm.origin} is plain HTTP; refusing to send credentials there (list the registry in insecure-registries if this is intended)`,
    );
  const c = r.credential;
  let res: Awaited<ReturnType<Http['send']>> | undefined;
  if (c) {
    const form = new URLSearchParams({ client_id: CLIENT_ID });
    if (r.service) form.set('service', r.service);
    if (r.scopes.length) form.set('scope', r.scopes.join(' '));
    if ('identityToken' in c) {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', c.identityToken);
    } else {
      form.set('grant_type', 'password');
      form.set('username', c.username);
      form.set('password', c.password);
    }
    res = await http.send({
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      credentialBody: true,
    });
    const moved = res.status >= 300 && res.status < 400 ? res.header('location') : undefined;
    if (moved !== undefined) {
      await res.dump();
      throw new RelengError(
        `${r.registry}: the token service ${realm.origin}${realm.pathname} redirects to ${redactUrl(new URL(moved, realm).origin)}, another host; the credentials are not sent there (the registry's token realm must be the service itself)`,
      );
    }
    if ([400, 401, 404, 405].includes(res.status) && !('identityToken' in c)) {
      log.debug(`${r.registry}: token POST answered ${res.status}; asking with GET`);
      await res.dump();
      res = undefined;
    }
  }
  if (!res) {
    const url = new URL(realm);
    url.searchParams.set('client_id', CLIENT_ID);
    if (r.service) url.searchParams.set('service', r.service);
    for (const s of r.scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (c && !('identityToken' in c))
      headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    res = await http.send({ method: 'GET', url, headers });
  }
  if (res.status === 401 || res.status === 403)
    throw new RelengError(
      `${r.registry}: the token service ${realm.origin}${realm.pathname} refused ${c ? 'the credentials' : 'anonymous access'} (HTTP ${res.status}: ${await errorDetail(res)}); check username and password (or docker login)`,
    );
  if (res.status !== 200)
    throw new RelengError(
      `${r.registry}: the token service ${realm.origin}${realm.pathname} answered HTTP ${res.status} (${await errorDetail(res)})`,
    );
  let data: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
  try {
    data = JSON.parse(await res.text());
  } catch {
    throw new RelengError(`${r.registry}: the token service answered something that is not JSON`);
  }
  const token = data.token || data.access_token;
  if (!token) throw new RelengError(`${r.registry}: the token service answered no token`);
  log.secret(token);
  const issued = data.issued_at ? Date.parse(data.issued_at) : Number.NaN;
  const lifetime = (typeof data.expires_in === 'number' && data.expires_in > 0 ? data.expires_in : 60) * 1000;
  return { token, expiresAt: (Number.isNaN(issued) ? Date.now() : issued) + lifetime };
}

/** The `access` claim of a JWT token, when it is one (for the push preflight); undefined otherwise. */
export function tokenAccess(token: string): { type: string; name: string; actions: string[] }[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return Array.isArray(payload.access) ? payload.access : undefined;
  } catch {
    return undefined;
  }
}
