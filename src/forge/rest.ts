import { RelengError } from '../errors.js';
import { api, type ForgeClient, type ForgeRelease, type ReleaseFields } from './client.js';

/**
 * What GitHub's and Forgejo's release APIs share: the repository (with the token's permissions), a release
 * by tag, create and update. The subclasses say how fields are sent and releases read back.
 */
export abstract class RestForgeClient implements ForgeClient {
  abstract readonly kind: 'github' | 'forgejo';
  abstract readonly linkAssets: boolean;
  protected base: string;

  constructor(
    apiUrl: string,
    readonly repository: string,
    protected headers: Record<string, string>,
  ) {
    this.base = `${apiUrl.replace(/\/+$/, '')}/repos/${repository}`;
  }

  protected abstract fields(f: ReleaseFields): object;
  protected abstract convert(json: unknown): ForgeRelease;

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
    return r.status === 404 ? undefined : this.convert(r.json);
  }

  async create(f: ReleaseFields): Promise<ForgeRelease> {
    const r = await api('POST', `${this.base}/releases`, this.headers, {
      tag_name: f.tag,
      ...this.fields(f),
    });
    if (r.status === 404)
      throw new RelengError(
        `forge: creating the release of ${f.tag} in ${this.repository}: not found; is the tag pushed?`,
      );
    return this.convert(r.json);
  }

  async update(id: number, f: ReleaseFields): Promise<ForgeRelease> {
    const r = await api('PATCH', `${this.base}/releases/${id}`, this.headers, this.fields(f));
    if (r.status === 404)
      throw new RelengError(
        `forge: release ${id} of ${this.repository} vanished while updating it; run publish again`,
      );
    return this.convert(r.json);
  }

  abstract addLink(releaseId: number, name: string, url: string): Promise<void>;
  abstract updateLink(releaseId: number, assetId: number, url: string): Promise<void>;
}
