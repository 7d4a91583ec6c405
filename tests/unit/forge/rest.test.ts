import { describe, expect, test } from 'vitest';
import { ForgejoClient } from '../../../src/forge/forgejo.js';
import { GitHubClient } from '../../../src/forge/github.js';
import { json, startHttpStub } from '../../helpers/http-stub.js';

const fields = { tag: '2.93.0', name: 'Lix 2.93.0', body: '', prerelease: false, latest: true };

describe('what both forges share', () => {
  test('the token must be able to push; a repository the token cannot see is named', async () => {
    const stub = await startHttpStub((r, res) =>
      r.url === '/repos/o/readonly'
        ? json(res, 200, { permissions: { push: false, pull: true } })
        : json(res, 404, { message: 'Not Found' }),
    );
    expect(await new GitHubClient(stub.origin, 'o/readonly', 't').checkAccess()).toEqual([
      'forge: the forge-token may not push to o/readonly (releases need write access)',
    ]);
    expect(await new ForgejoClient(stub.origin, 'o/hidden', 't').checkAccess()).toEqual([
      `forge: ${stub.origin}/repos/o/hidden not found or not visible with the forge-token; check forge.repository`,
    ]);
  });

  test('a release that cannot be created or has vanished is one line saying what to do', async () => {
    const stub = await startHttpStub((_, res) => json(res, 404, { message: 'Not Found' }));
    const gh = new GitHubClient(stub.origin, 'o/r', 't');
    await expect(gh.create(fields)).rejects.toThrow(
      'forge: creating the release of 2.93.0 in o/r: not found; is the tag pushed?',
    );
    await expect(gh.update(7, fields)).rejects.toThrow(
      'forge: release 7 of o/r vanished while updating it; run publish again',
    );
  });

  test('tags are path-escaped in the lookup', async () => {
    const stub = await startHttpStub((_, res) => json(res, 404, { message: 'Not Found' }));
    expect(await new GitHubClient(stub.origin, 'o/r', 't').getByTag('v1/odd tag')).toBeUndefined();
    expect(stub.received[0]!.url).toBe('/repos/o/r/releases/tags/v1%2Fodd%20tag');
  });
});
