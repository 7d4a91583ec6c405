import { describe, expect, test } from 'vitest';
import { ForgejoClient } from '../../../src/forge/forgejo.js';
import { GitHubClient } from '../../../src/forge/github.js';
import { openForge } from '../../../src/forge/open.js';

describe('openForge', () => {
  test("releng.yml's forge.type picks the client", () => {
    const gh = openForge({ type: 'github', 'api-url': 'https://api.github.com', repository: 'o/r' }, 't');
    const fj = openForge(
      { type: 'forgejo', 'api-url': 'https://git.lix.systems/api/v1', repository: 'o/r' },
      't',
    );
    expect(gh).toBeInstanceOf(GitHubClient);
    expect(fj).toBeInstanceOf(ForgejoClient);
    expect([gh.kind, gh.repository, fj.kind, fj.repository]).toEqual(['github', 'o/r', 'forgejo', 'o/r']);
  });
});
