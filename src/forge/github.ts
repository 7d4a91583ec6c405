import type { ForgeRelease, ReleaseFields } from './client.js';
import { RestForgeClient } from './rest.js';

type GhRelease = {
  id: number;
  html_url: string;
  name: string | null;
  body: string | null;
  prerelease: boolean;
  assets?: { id: number; name: string; browser_download_url: string }[];
};

/**
 * GitHub's REST API (https://docs.github.com/en/rest/releases/releases): GET …/releases/tags/{tag},
 * POST …/releases, PATCH …/releases/{id}. GitHub has no link assets, so the links live in the body.
 */
export class GitHubClient extends RestForgeClient {
  readonly kind = 'github';
  readonly linkAssets = false;

  constructor(apiUrl: string, repository: string, token: string) {
    super(apiUrl, repository, {
      Authorization: `Bearer ${token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'releng-actions',
    });
  }

  protected fields(f: ReleaseFields) {
    return {
      name: f.name,
      body: f.body,
      draft: false,
      prerelease: f.prerelease,
      make_latest: f.latest && !f.prerelease ? 'true' : 'false',
    };
  }

  protected convert(json: unknown): ForgeRelease {
    const r = json as GhRelease;
    return {
      id: r.id,
      htmlUrl: r.html_url,
      name: r.name ?? '',
      body: r.body ?? '',
      prerelease: r.prerelease,
      assets: (r.assets ?? []).map((a) => ({
        id: a.id,
        name: a.name,
        url: a.browser_download_url,
        external: false,
      })),
    };
  }

  async addLink(): Promise<void> {
    throw new Error('GitHub has no link assets');
  }
  async updateLink(): Promise<void> {
    throw new Error('GitHub has no link assets');
  }
}
