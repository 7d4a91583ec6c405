import { RelengError, redactUrl } from '../errors.js';

/** A release page on a forge, as far as publish needs it. */
export interface ForgeRelease {
  id: number;
  htmlUrl: string;
  name: string;
  body: string;
  prerelease: boolean;
  assets: { id: number; name: string; url: string; external: boolean }[];
}

export interface ReleaseFields {
  tag: string;
  name: string;
  body: string;
  prerelease: boolean;
  /** May this release be marked the forge's latest? (the maintenance rule; GitHub's make_latest) */
  latest: boolean;
}

export interface ForgeClient {
  readonly kind: 'github' | 'forgejo';
  /** The repository's page, for messages. */
  readonly repository: string;
  /** Problems with the token: invalid, no access to the repository, no push (write) permission. */
  checkAccess(): Promise<string[]>;
  getByTag(tag: string): Promise<ForgeRelease | undefined>;
  create(fields: ReleaseFields): Promise<ForgeRelease>;
  update(id: number, fields: ReleaseFields): Promise<ForgeRelease>;
  /** Forgejo attaches links as release assets (`external_url`); GitHub has none (links go in the body). */
  readonly linkAssets: boolean;
  addLink(releaseId: number, name: string, url: string): Promise<void>;
  updateLink(releaseId: number, assetId: number, url: string): Promise<void>;
}

export interface ApiResponse {
  status: number;
  json: unknown;
}

/** One JSON API call with the token in a header; 404 is returned, other failures are one-line errors. */
export async function api(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: object | FormData,
): Promise<ApiResponse> {
  const isForm = body instanceof FormData;
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(url, {
        method,
        headers: { ...headers, ...(body && !isForm ? { 'Content-Type': 'application/json' } : {}) },
        body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
        // Not followed: the token stays with the configured host (and a redirect means a wrong api-url).
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
      });
      if (res.status >= 500 && attempt < 3 && method === 'GET') continue;
      break;
    } catch (e) {
      if (attempt < 3 && method === 'GET') continue;
      throw new RelengError(
        `forge API ${method} ${url}: ${(e as Error).message}; check forge.api-url in releng.yml`,
      );
    }
  }
  if (res.status >= 300 && res.status < 400) {
    const to = res.headers.get('location');
    await res.body?.cancel();
    throw new RelengError(
      `forge API ${method} ${redactUrl(url)}: HTTP ${res.status} redirect${to ? ` to ${redactUrl(new URL(to, url).href)}` : ''}, not followed (the forge-token is sent to the configured host only); set forge.api-url in releng.yml to the API's own address`,
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status === 404 || (res.status >= 200 && res.status < 300)) return { status: res.status, json };
  const message = (json as { message?: string } | undefined)?.message ?? text.slice(0, 200);
  const hint =
    res.status === 401
      ? 'the forge-token is invalid or expired'
      : res.status === 403
        ? 'the forge-token lacks permission to write releases'
        : 'see the forge API documentation';
  throw new RelengError(`forge API ${method} ${url}: HTTP ${res.status}: ${message}; ${hint}`);
}
