import { RelengError } from '../errors.js';
import { api, type ForgeClient, type ForgeRelease, type ReleaseFields } from './client.js';

type FjRelease = {
  id: number;
  html_url: string;
  name: string;
  body: string;
  prerelease: boolean;
  assets?: { id: number; name: string; browser_download_url: string; type?: string }[];
};

/**
 * Forgejo's REST API (/api/v1, swagger in routers/api/v1/repo/release*.go): GET …/releases/tags/{tag},
 * POST …/releases, PATCH …/releases/{id}; links as external assets: POST …/releases/{id}/assets?name=…
 * with the multipart form field `external_url`, PATCH …/assets/{id} with `browser_download_url`.
 */
export class ForgejoClient implements ForgeClient {
  readonly kind = 'forgejo';
  readonly linkAssets = true;
  private base: string;
  private headers: Record<string, string>;

  constructor(
    apiUrl: string,
    readonly repository: string,
    token: string,
  ) {
    this.base = `${apiUrl.replace(/\/+$/, '')}/repos/${repository}`;
    this.headers = {
      Authorization: `token ${token}`,
      Accept: 'application/json',
      'User-Agent': 'releng-actions',
    };
  }

  async checkAccess(): Promise<string[]> {
    const r = await api('GET', this.base, this.headers);
    if (r.status === 404)
      return [`forge: ${this.base} not found or not visible with the forge-token; check forge.repository`];
    const perms = (r.json as { permissions?: { push?: boolean } }).permissions;
    return perms?.push
      ? []
      : [`forge: the forge-token may not push to ${this.repository} (releases need write access)`];
  }

  async getByTag(tag: string): Promise<ForgeRelease | undefined> {
    const r = await api('GET', `${this.base}/releases/tags/${encodeURIComponent(tag)}`, this.headers);
    return r.status === 404 ? undefined : convert(r.json as FjRelease);
  }

  async create(f: ReleaseFields): Promise<ForgeRelease> {
    const r = await api('POST', `${this.base}/releases`, this.headers, { tag_name: f.tag, ...fields(f) });
    if (r.status === 404)
      throw new RelengError(
        `forge: creating the release of ${f.tag} in ${this.repository}: not found; is the tag pushed?`,
      );
    return convert(r.json as FjRelease);
  }

  async update(id: number, f: ReleaseFields): Promise<ForgeRelease> {
    const r = await api('PATCH', `${this.base}/releases/${id}`, this.headers, fields(f));
    if (r.status === 404)
      throw new RelengError(
        `forge: release ${id} of ${this.repository} vanished while updating it; run publish again`,
      );
    return convert(r.json as FjRelease);
  }

  async addLink(releaseId: number, name: string, url: string): Promise<void> {
    const form = new FormData();
    form.set('external_url', url);
    await api(
      'POST',
      `${this.base}/releases/${releaseId}/assets?name=${encodeURIComponent(name)}`,
      this.headers,
      form,
    );
  }

  async updateLink(releaseId: number, assetId: number, url: string): Promise<void> {
    await api('PATCH', `${this.base}/releases/${releaseId}/assets/${assetId}`, this.headers, {
      browser_download_url: url,
    });
  }
}

function fields(f: ReleaseFields) {
  // Forgejo has no make_latest: its latest is the newest non-prerelease by date.
  return { name: f.name, body: f.body, draft: false, prerelease: f.prerelease, hide_archive_links: false };
}

function convert(r: FjRelease): ForgeRelease {
  return {
    id: r.id,
    htmlUrl: r.html_url,
    name: r.name,
    body: r.body,
    prerelease: r.prerelease,
    assets: (r.assets ?? []).map((a) => ({
      id: a.id,
      name: a.name,
      url: a.browser_download_url,
      external: a.type === 'external',
    })),
  };
}
