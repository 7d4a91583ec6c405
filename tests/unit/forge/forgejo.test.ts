import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ForgejoClient } from '../../../src/forge/forgejo.js';
import { type ForgeStub, startForgeStub } from '../../helpers/forge-stub.js';

let stub: ForgeStub;
beforeAll(async () => {
  stub = await startForgeStub('forgejo', 'lix-project/lix', 'fj-token');
});
afterAll(async () => {
  await stub?.close();
});

const fields = { tag: '2.93.0', name: 'Lix 2.93.0', body: 'notes', prerelease: false, latest: true };

describe('Forgejo releases', () => {
  test('create and update with the fields Forgejo takes (no make_latest)', async () => {
    const fj = new ForgejoClient(stub.apiUrl, 'lix-project/lix', 'fj-token');
    expect(await fj.checkAccess()).toEqual([]);
    const created = await fj.create(fields);
    expect(stub.releases[0]).toMatchObject({ tag_name: '2.93.0', name: 'Lix 2.93.0', draft: false });
    expect(stub.releases[0]!.make_latest).toBeUndefined();
    expect((await fj.update(created.id, { ...fields, name: 'Lix 2.93.0 "x"' })).name).toBe('Lix 2.93.0 "x"');
    expect(stub.requests.every((r) => r.headers.authorization === 'token fj-token')).toBe(true);
    expect(stub.violations).toEqual([]);
  });

  test('links are external assets: attached, re-pointed, and told apart from uploaded files', async () => {
    const fj = new ForgejoClient(stub.apiUrl, 'lix-project/lix', 'fj-token');
    const release = await fj.create({ ...fields, tag: '2.93.1' });
    expect(fj.linkAssets).toBe(true);
    await fj.addLink(release.id, 'lix-2.93.1.tar.xz (x86_64-linux)', 'https://releases.example/a.tar.xz');
    stub.addUploadedAsset(release.id, 'by-hand.txt');
    let page = (await fj.getByTag('2.93.1'))!;
    expect(page.assets.map(({ name, url, external }) => ({ name, url, external }))).toEqual([
      { name: 'lix-2.93.1.tar.xz (x86_64-linux)', url: 'https://releases.example/a.tar.xz', external: true },
      { name: 'by-hand.txt', url: expect.stringMatching(/\/attachments\/by-hand\.txt$/), external: false },
    ]);
    await fj.updateLink(release.id, page.assets[0]!.id, 'https://mirror.example/a.tar.xz');
    page = (await fj.getByTag('2.93.1'))!;
    expect(page.assets[0]!.url).toBe('https://mirror.example/a.tar.xz');
    expect(stub.violations).toEqual([]);
  });
});
