import { api, type ForgeRelease, type ReleaseFields } from './client.js';
import { RestForgeClient } from './rest.js';

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
export class ForgejoClient extends RestForgeClient {
  readonly kind = 'forgejo';
  readonly linkAssets = true;

  constructor(apiUrl: string, repository: string, token: string) {
    super(apiUrl, repository, {
      Authorization: `token ${token}`,
      Accept: 'application/json',
      'User-Agent': 'releng-actions',
    });
  }

  protected fields(f: ReleaseFields) {
    // Forgejo has no make_latest: its latest is the newest non-prerelease by date.
    return { name: f.name, body: f.body, draft: false, prerelease: f.prerelease, hide_archive_links: false };
  }

  protected convert(json: unknown): ForgeRelease {
    const r = json as FjRelease;
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
