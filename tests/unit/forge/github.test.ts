import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ForgeClient } from '../../../src/forge/client.js';
import { GitHubClient } from '../../../src/forge/github.js';
import { type ForgeStub, startForgeStub } from '../../helpers/forge-stub.js';

let stub: ForgeStub;
beforeAll(async () => {
  stub = await startForgeStub('github', 'lix/lix', 'gh-token');
});
afterAll(async () => {
  await stub?.close();
});

const fields = { tag: '2.93.0', name: 'Lix 2.93.0', body: 'notes', prerelease: false, latest: true };

describe('GitHub releases', () => {
  test('access, create, read back and update, every request as the API documents it', async () => {
    const gh = new GitHubClient(`${stub.apiUrl}/`, 'lix/lix', 'gh-token');
    expect(gh.linkAssets).toBe(false);
    expect(await gh.checkAccess()).toEqual([]);
    expect(await gh.getByTag('2.93.0')).toBeUndefined();
    const created = await gh.create(fields);
    expect(created).toMatchObject({ name: 'Lix 2.93.0', body: 'notes', prerelease: false, assets: [] });
    expect(created.htmlUrl).toMatch(/\/lix\/lix\/releases\/tag\/2\.93\.0$/);
    expect(stub.releases[0]).toMatchObject({ tag_name: '2.93.0', draft: false, make_latest: 'true' });
    const updated = await gh.update(created.id, { ...fields, body: 'new notes' });
    expect(updated.body).toBe('new notes');
    expect(await gh.getByTag('2.93.0')).toEqual(updated);
    expect(stub.requests.every((r) => r.headers.authorization === 'Bearer gh-token')).toBe(true);
    expect(stub.violations).toEqual([]);
  });

  test('make_latest follows the maintenance rule, and a pre-release is never latest', async () => {
    const gh = new GitHubClient(stub.apiUrl, 'lix/lix', 'gh-token');
    await gh.create({ ...fields, tag: '2.92.1', latest: false });
    await gh.create({ ...fields, tag: '2.94.0-rc1', prerelease: true, latest: true });
    expect(stub.releases.find((r) => r.tag_name === '2.92.1')?.make_latest).toBe('false');
    expect(stub.releases.find((r) => r.tag_name === '2.94.0-rc1')?.make_latest).toBe('false');
    expect(stub.violations).toEqual([]);
  });

  test('links live in the body: GitHub has no link assets', async () => {
    const gh: ForgeClient = new GitHubClient(stub.apiUrl, 'lix/lix', 'gh-token');
    await expect(gh.addLink(1, 'x', 'https://x')).rejects.toThrow('GitHub has no link assets');
    await expect(gh.updateLink(1, 2, 'https://x')).rejects.toThrow('GitHub has no link assets');
  });

  test('a wrong token is the one line that says so', async () => {
    const gh = new GitHubClient(stub.apiUrl, 'lix/lix', 'wrong');
    await expect(gh.checkAccess()).rejects.toThrow(
      /HTTP 401: Bad credentials; the forge-token is invalid or expired/,
    );
  });
});
