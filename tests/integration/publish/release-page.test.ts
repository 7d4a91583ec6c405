// The forge release page against stub GitHub and Forgejo servers that check every request against the
// documented endpoints: created once with this version's notes and the download links, unchanged on a
// re-run, updated when its text changes; Forgejo links as external assets; the token never shown.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type PublishOptions, publish } from '../../../src/stages/publish.js';
import { type ForgeStub, startForgeStub } from '../../helpers/forge-stub.js';
import { git, makeBareRemote } from '../../helpers/git.js';
import {
  buildRelease,
  makeProject,
  NAME,
  publishOptions,
  recordingLogger,
  runActionAsync,
} from '../../helpers/publish-fixture.js';

const TOKEN = 'forge-token-secret-123';
const built = buildRelease('2.93.0', { bigBytes: 10 });
let stub: ForgeStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function project(kind: 'github' | 'forgejo', apiUrl: string, version = '2.93.0', remote?: string) {
  return makeProject(
    version,
    {
      staging: {
        forge: { type: kind, 'api-url': apiUrl, repository: 'org/demo' },
        'public-urls': {
          releases: 'https://releases.example.org',
          install: 'https://install.example.org',
          cache: 'https://cache.example.org',
          docs: 'https://docs.example.org',
        },
        ...(remote ? { 'git-remote': remote } : {}),
      },
    },
    { remote },
  );
}

const run = (dir: string, extra: Partial<PublishOptions> = {}) =>
  publish(
    publishOptions(dir, {
      source: { release: built.release },
      noCheckGit: true,
      skip: ['cache', 'docker', 'releases', 'docs', 'installers', 'tag'],
      forgeToken: TOKEN,
      ...extra,
    }),
  );

const v = `${NAME}/${NAME}-2.93.0`;

describe('GitHub', () => {
  test('created with the notes and a downloads table; a re-run changes nothing; changed notes update it', async () => {
    stub = await startForgeStub('github', 'org/demo', TOKEN);
    const p = project('github', stub.apiUrl);
    const log = recordingLogger();
    const r = await run(p.dir, { log });
    expect(stub.violations).toEqual([]);
    expect(stub.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'GET /repos/org/demo',
      'GET /repos/org/demo/releases/tags/2.93.0',
      'POST /repos/org/demo/releases',
    ]);
    const rel = stub.releases[0]!;
    expect(r.releaseUrl).toBe(rel.html_url);
    expect(rel).toMatchObject({
      tag_name: '2.93.0',
      name: 'Demo 2.93.0 "Bird of Prey"',
      prerelease: false,
      draft: false,
      make_latest: 'true',
    });
    expect(rel.body).toMatch(/^## Fixes\n\n- Fixed the frobnicator\n/);
    expect(rel.body).toContain(
      `| [${NAME}-2.93.0.tar.gz](https://releases.example.org/${v}/${NAME}-2.93.0.tar.gz) |`,
    );
    expect(rel.body).toContain(
      `| [${NAME}-installer-x86_64-linux](https://releases.example.org/${v}/${NAME}-installer-x86_64-linux) |`,
    );
    expect(rel.body).not.toContain('manual/index.html');
    expect(rel.body).toContain('Binary cache: https://cache.example.org');
    expect(rel.body).toContain(`Manual: https://docs.example.org/manual/${NAME}/2.93/`);
    expect(log.lines.join('\n')).not.toContain(TOKEN);

    stub.requests.length = 0;
    const again = await run(p.dir);
    expect(stub.requests.map((q) => q.method)).toEqual(['GET', 'GET']);
    expect(again.releaseUrl).toBe(rel.html_url);

    const notes = path.join(p.dir, 'doc/manual/src/release-notes/rl-2.93.md');
    fs.writeFileSync(notes, fs.readFileSync(notes, 'utf8').replace('frobnicator', 'frobnicator, twice'));
    stub.requests.length = 0;
    await run(p.dir);
    expect(stub.requests.map((q) => `${q.method} ${q.path}`).at(-1)).toBe(
      `PATCH /repos/org/demo/releases/${rel.id}`,
    );
    expect(stub.releases[0]!.body).toContain('frobnicator, twice');
    expect(stub.violations).toEqual([]);
  });

  test('a maintenance release is not made latest; dry-run only reads', async () => {
    stub = await startForgeStub('github', 'org/demo', TOKEN);
    const remote = makeBareRemote();
    const p = project('github', stub.apiUrl, '2.93.0', remote);
    // A newer release on the remote.
    git(p.dir, 'tag', '2.94.0');
    git(p.dir, 'push', '-q', remote, 'refs/tags/2.94.0');
    git(p.dir, 'tag', '-d', '2.94.0');
    const dry = await run(p.dir, { dryRun: true });
    expect(stub.requests.map((q) => q.method)).toEqual(['GET', 'GET']);
    expect(dry.plan.steps.find((s) => s.step === 'release-page')!.notes).toEqual(['create']);
    await run(p.dir);
    expect(stub.releases[0]!.make_latest).toBe('false');
    expect(stub.violations).toEqual([]);
  });

  test('a bad token stops preflight, with nothing written and the token not shown', async () => {
    stub = await startForgeStub('github', 'org/demo', TOKEN);
    const p = project('github', stub.apiUrl);
    const err = await run(p.dir, { forgeToken: 'wrong-token-xyz' }).catch((e: Error) => e);
    expect(String(err)).toMatch(
      /preflight failed, nothing was written: forge API GET http:\/\/127\.0\.0\.1:\d+\/repos\/org\/demo: HTTP 401: Bad credentials; the forge-token is invalid or expired$/,
    );
    expect(String(err)).not.toContain('wrong-token-xyz');
    expect(stub.requests.map((q) => q.method)).toEqual(['GET']);
  });
});

describe('the bundled action', () => {
  test('creates the page with the notes, the token masked and the URL as output', async () => {
    stub = await startForgeStub('github', 'org/demo', TOKEN);
    const p = project('github', stub.apiUrl);
    const r = await runActionAsync(
      'publish',
      {
        'artifacts-dir': built.artifactsDir,
        environment: 'staging',
        confirm: 'I want to release this to staging',
        'no-check-git': 'true',
        skip: 'cache,docker,releases,docs,installers,tag',
        'forge-token': TOKEN,
      },
      { cwd: p.dir },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(stub.violations).toEqual([]);
    expect(r.outputs['release-url']).toBe(stub.releases[0]!.html_url);
    // The notes come from the checkout (a path the bundle must not rewrite).
    expect(stub.releases[0]!.body).toMatch(/^## Fixes\n\n- Fixed the frobnicator\n/);
    expect(r.stdout).toContain(`::add-mask::${TOKEN}`);
    const shown = r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(shown.join('\n') + r.summary).not.toContain(TOKEN);
    expect(r.summary).toContain(`Release page: ${stub.releases[0]!.html_url}`);
  });
});

describe('Forgejo', () => {
  test('created, then every link attached as an external asset; re-run idempotent; moved URLs re-pointed', async () => {
    stub = await startForgeStub('forgejo', 'org/demo', TOKEN);
    const p = project('forgejo', stub.apiUrl);
    const r = await run(p.dir);
    expect(stub.violations).toEqual([]);
    const rel = stub.releases[0]!;
    expect(r.releaseUrl).toBe(rel.html_url);
    expect(stub.requests[0]!.headers.authorization).toBe(`token ${TOKEN}`);
    expect(rel.body).toMatch(/^## Fixes/);
    expect(rel.body).not.toContain('| file | size | sha256 |');
    const names = rel.assets.map((a) => a.name).sort();
    expect(names).toEqual(
      [
        `${NAME}-2.93.0-x86_64-linux.tar.xz`,
        `${NAME}-2.93.0-x86_64-linux.tar.xz.sha256`,
        `${NAME}-2.93.0.tar.gz`,
        `big-2.93.0.bin`,
        `${NAME}-installer-x86_64-linux`,
        'manifest.nix',
      ].sort(),
    );
    expect(
      rel.assets.every(
        (a) => a.type === 'external' && a.browser_download_url.startsWith('https://releases.example.org/'),
      ),
    ).toBe(true);
    const posts = stub.requests.filter((q) => q.method === 'POST' && q.path.includes('/assets'));
    expect(posts[0]!.path).toMatch(/^\/api\/v1\/repos\/org\/demo\/releases\/\d+\/assets\?name=/);
    expect(posts[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);

    stub.addUploadedAsset(rel.id, 'notes.pdf');
    stub.requests.length = 0;
    await run(p.dir);
    expect(stub.requests.map((q) => q.method)).toEqual(['GET', 'GET']);

    // The releases bucket moves to another host: the links are re-pointed, the uploaded asset kept.
    const cfg = path.join(p.dir, 'releng.yml');
    fs.writeFileSync(
      cfg,
      fs.readFileSync(cfg, 'utf8').replace('https://releases.example.org', 'https://dl.example.org'),
    );
    stub.requests.length = 0;
    await run(p.dir);
    const patches = stub.requests.filter((q) => q.method === 'PATCH');
    expect(patches.filter((q) => q.path.includes('/assets/'))).toHaveLength(6);
    expect(stub.releases[0]!.assets.find((a) => a.name === 'manifest.nix')!.browser_download_url).toBe(
      `https://dl.example.org/${v}/manifest.nix`,
    );
    expect(stub.releases[0]!.assets.find((a) => a.name === 'notes.pdf')!.type).toBe('attachment');
    expect(stub.violations).toEqual([]);
  });
});
