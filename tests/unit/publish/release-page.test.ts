// src/publish/release-page.ts: the page's text, its content from the release, and its plan step, with a
// stand-in forge client (the real clients run against documented-endpoint stubs in tests/integration).
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import type { ForgeClient, ForgeRelease } from '../../../src/forge/client.js';
import { silentLogger } from '../../../src/log.js';
import type { ReleaseInput } from '../../../src/publish/release-input.js';
import { pageContent, planReleasePage, releaseBody } from '../../../src/publish/release-page.js';
import { sha, treeFiles } from '../../helpers/release-tree.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

function forge(existing?: ForgeRelease): ForgeClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    kind: 'forgejo',
    repository: 'org/demo',
    linkAssets: true,
    checkAccess: async () => [],
    getByTag: async () => existing,
    create: async () => {
      throw new Error('not in a dry run');
    },
    update: async () => {
      throw new Error('not in a dry run');
    },
    addLink: async () => void calls.push('addLink'),
    updateLink: async () => void calls.push('updateLink'),
  };
}

describe('the release page', () => {
  test('the release body: notes, then downloads where the forge has no link assets', () => {
    const c = {
      tag: '2.93.0',
      title: 'Lix 2.93.0',
      notes: '- fixed',
      links: [{ name: 'a.tar.xz', url: 'https://r/a.tar.xz', size: 2048, sha256: 'ab'.repeat(32) }],
      extra: ['Binary cache: https://cache'],
      prerelease: false,
      latest: true,
    };
    expect(releaseBody(c, false)).toBe(
      `- fixed\n\n### Downloads\n\n| file | size | sha256 |\n| --- | --- | --- |\n| [a.tar.xz](https://r/a.tar.xz) | 2.00 KiB | \`${'ab'.repeat(32)}\` |\n\nBinary cache: https://cache\n`,
    );
    expect(releaseBody({ ...c, notes: undefined }, true)).toBe(
      'Release 2.93.0.\n\nBinary cache: https://cache\n',
    );
  });
  test("content: this version's notes, the version directory's files and the installers as links, cache and manual", async () => {
    const dir = tmpDir();
    writeFiles(dir, {
      'notes/rl-1.0.md': '# Demo 1.0 "X" (2026-01-01)\n\n# Demo 1.0.0 (2026-01-01)\n\n- first\n',
    });
    const V = 'demo/demo-1.0.0';
    const files = treeFiles({
      'manifest.nix': '{ }',
      [`${V}/demo-1.0.0.tar.gz`]: 'src',
      [`${V}/manual/index.html`]: 'page',
      [`${V}/demo-installer-x86_64-linux`]: 'inst',
    });
    const release: ReleaseInput = {
      version: '1.0.0',
      files,
      manualDir: '/m',
      cache: { kind: 'none', why: '' },
      images: [],
      origin: '',
      recorded: true,
    };
    const c = await pageContent({
      dir,
      config: { name: 'demo', product: 'Demo', notes: { 'output-dir': 'notes' } } as Config,
      environment: {
        registries: [],
        'public-urls': {
          releases: 'https://r/',
          install: 'https://i',
          cache: 'https://c',
          docs: 'https://d',
        },
      },
      release,
      info: { version: '1.0.0', major: '1.0', releaseName: 'X', officialRelease: true } as never,
      latest: true,
      publicKey: 'c-1:abc',
      log: silentLogger,
    });
    expect(c).toMatchObject({
      tag: '1.0.0',
      title: 'Demo 1.0.0 "X"',
      notes: '- first',
      prerelease: false,
      latest: true,
    });
    expect(c.links.map((l) => [l.name, l.url, l.sha256])).toEqual([
      ['demo-1.0.0.tar.gz', `https://r/${V}/demo-1.0.0.tar.gz`, sha('src')],
      ['demo-installer-x86_64-linux', `https://r/${V}/demo-installer-x86_64-linux`, sha('inst')],
    ]);
    expect(c.extra).toEqual([
      'Binary cache: https://c (public key `c-1:abc`)',
      'Manual: https://d/manual/demo/1.0/',
    ]);
    expect(path.isAbsolute(c.links[0]!.source!)).toBe(true);
  });

  test('planned: without a forge the step is skipped, saying why; in a dry run the sync is read-only', async () => {
    const content = async () => ({
      tag: '1.0.0',
      title: 'Demo 1.0.0',
      notes: '- x',
      links: [{ name: 'a', url: 'u', size: 1, sha256: 's' }],
      extra: [],
      prerelease: false,
      latest: true,
    });
    const none = await planReleasePage({
      notes: ['no forge-token: the release page is left alone'],
      skip: false,
      content,
      dryRun: true,
      log: silentLogger,
    });
    expect(none.step).toMatchObject({
      skipped: 'no forge-token: the release page is left alone',
      notes: ['no forge-token: the release page is left alone'],
    });
    expect(none.content).toBeUndefined();
    expect(
      (await planReleasePage({ notes: [], skip: true, content, dryRun: true, log: silentLogger })).step
        .skipped,
    ).toBe('skip: release-page');
    const f = forge();
    const dry = await planReleasePage({
      forge: f,
      notes: [],
      skip: false,
      content,
      dryRun: true,
      log: silentLogger,
    });
    expect(dry.step).toMatchObject({ target: 'forgejo:org/demo', notes: ['create'], skipped: undefined });
    expect(dry.result?.links).toEqual([{ name: 'a', action: 'add' }]);
    expect(f.calls).toEqual([]);
    const live = await planReleasePage({
      forge: f,
      notes: [],
      skip: false,
      content,
      dryRun: false,
      log: silentLogger,
    });
    expect(live.step.notes).toEqual([]);
    expect(live.result).toBeUndefined();
    expect(live.content?.tag).toBe('1.0.0');
  });
});
