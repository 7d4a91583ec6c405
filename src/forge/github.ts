import { RelengError } from '../errors.js';
import { api, type ForgeClient, type ForgeRelease, type ReleaseFields } from './client.js';

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
export class GitHubClient implements ForgeClient {
  readonly kind = 'github';
  readonly linkAssets = false;
  private base: string;
  private headers: Record<string, string>;

  constructor(
    apiUrl: string,
    readonly repository: string,
    token: string,
  ) {
    this.base = `${apiUrl.replace(/\/+$/, '')}/repos/${repository}`;
    this.headers = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
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
    return r.status === 404 ? undefined : convert(r.json as GhRelease);
  }

  async create(f: ReleaseFields): Promise<ForgeRelease> {
    const r = await api('POST', `${this.base}/releases`, this.headers, { tag_name: f.tag, ...fields(f) });
    return convert(r.json as GhRelease);
  }

  async update(id: number, f: ReleaseFields): Promise<ForgeRelease> {
    const r = await api('PATCH', `${this.base}/releases/${id}`, this.headers, fields(f));
    if (r.status === 404)
      throw new RelengError(
        `forge: release ${id} of ${this.repository} vanished while updating it; run publish again`,
      );
    return convert(r.json as GhRelease);
  }

  async addLink(): Promise<void> {
    throw new Error('GitHub has no link assets');
  }
  async updateLink(): Promise<void> {
    throw new Error('GitHub has no link assets');
  }
}

function fields(f: ReleaseFields) {
  return {
    name: f.name,
    body: f.body,
    draft: false,
    prerelease: f.prerelease,
    make_latest: f.latest && !f.prerelease ? 'true' : 'false',
  };
}

function convert(r: GhRelease): ForgeRelease {
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
