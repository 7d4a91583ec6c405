import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { prepare } from '../../src/stages/prepare.js';
import { runBundledAction, runCli } from '../helpers/action.js';
import { git, makeRepo } from '../helpers/git.js';
import { tmpDir } from '../helpers/tmp.js';

const IDENTITY = { name: 'Rel Eng', email: 'releng@example.org' };
// The tests below were written against the 2.91 era; every era has its oracle in notes/lix-eras.test.ts.
const config = parseConfig('notes: {style: lix-2.91}');

const VERSION_JSON = (v: string, name = 'Test Name') =>
  `${JSON.stringify({ version: v, official_release: false, release_name: name }, null, 4)}\n`;
const SUMMARY =
  '# Summary\n\n- [Release Notes](release-notes/index.md)\n    <!-- RELENG-AUTO-INSERTION-MARKER: do not remove -->\n  - [Lix 2.90 (2024-07-10)](release-notes/rl-2.90.md)\n';
const AUTHORS = 'alice:\n  forgejo: alice\nbob:\n  github: bobgh\n  display_name: Bob B.\ncarol: {}\n';

const frag = (meta: string, body = 'Body text.\n\nSecond paragraph.') => `---\n${meta}\n---\n\n${body}\n`;

describe('prepare', () => {
  test('new major: header, SUMMARY line, significance ordering, every link form, credits', async () => {
    const repo = makeRepo({
      'version.json': VERSION_JSON('3.1.0', 'Kestrel'),
      'doc/manual/src/SUMMARY.md': SUMMARY,
      'doc/manual/change-authors.yml': AUTHORS,
      'doc/manual/rl-next/a-plain.md': frag(
        'synopsis: Plain fix\ncategory: Fixes\nissues: 12\nprs: [gh#34, fj#56]\ncls: 789\ncredits: alice',
      ),
      'doc/manual/rl-next/b-significant.md': frag(
        'synopsis: Big fix\ncategory: Fixes\nsignificance: significant\nissues: [fj#7, gh#8]\nprs: 9\ncredits: [alice, bob]',
      ),
      'doc/manual/rl-next/c-misc.md': frag(
        'synopsis: Misc thing\ncredits: [alice, bob, carol]',
        'Line one\n\n    indented code',
      ),
      'doc/manual/rl-next/.gitkeep': '',
    });
    const r = await prepare({
      dir: repo,
      config,
      date: '2025-01-02',
      noCommit: false,
      identity: IDENTITY,
      log: silentLogger,
    });
    const text = fs.readFileSync(path.join(repo, r.notesFile), 'utf8');
    expect(text).toBe(
      [
        '# Lix 3.1 "Kestrel" (2025-01-02)',
        '',
        '',
        '# Lix 3.1.0 (2025-01-02)',
        '',
        '## Fixes',
        '- Big fix [fj#7](https://git.lix.systems/lix-project/lix/issues/7) [gh#8](https://github.com/NixOS/nix/issues/8) [#9](https://github.com/NixOS/nix/pull/9)',
        '',
        '  Body text.',
        '',
        '  Second paragraph.',
        '',
        '  Many thanks to [alice](https://git.lix.systems/alice) and [Bob B.](https://github.com/bobgh) for this.',
        '- Plain fix [#12](https://github.com/NixOS/nix/issues/12) [gh#34](https://github.com/NixOS/nix/pull/34) [fj#56](https://git.lix.systems/lix-project/lix/pulls/56) [cl/789](https://gerrit.lix.systems/c/lix/+/789)',
        '',
        '  Body text.',
        '',
        '  Second paragraph.',
        '',
        '  Many thanks to [alice](https://git.lix.systems/alice) for this.',
        '',
        '## Miscellany',
        '- Misc thing',
        '',
        '  Line one',
        '',
        '      indented code',
        '',
        '  Many thanks to [alice](https://git.lix.systems/alice), [Bob B.](https://github.com/bobgh), and carol for this.',
        '',
      ].join('\n'),
    );
    expect(fs.readFileSync(path.join(repo, 'doc/manual/src/SUMMARY.md'), 'utf8')).toContain(
      // The reference keeps what stands before '  <!--' as the new line's indentation.
      '    <!-- RELENG-AUTO-INSERTION-MARKER: do not remove -->\n  - [Lix 3.1 (2025-01-02)](release-notes/rl-3.1.md)\n  - [Lix 2.90',
    );
    // .gitkeep is left alone; the fragments are removed in the same commit.
    expect(fs.readdirSync(path.join(repo, 'doc/manual/rl-next'))).toEqual(['.gitkeep']);
    expect(git(repo, 'show', '--name-status', '--format=', 'HEAD').split('\n').sort()).toEqual([
      'A\tdoc/manual/src/release-notes/rl-3.1.md',
      'D\tdoc/manual/rl-next/a-plain.md',
      'D\tdoc/manual/rl-next/b-significant.md',
      'D\tdoc/manual/rl-next/c-misc.md',
      'M\tdoc/manual/src/SUMMARY.md',
    ]);
  });

  test('minor release keeps the major header, puts the new section first, leaves SUMMARY alone', async () => {
    const old =
      '# Lix 3.1 "Kestrel" (2025-01-02)\n\n\n# Lix 3.1.0 (2025-01-02)\n\n## Fixes\n- Old\n\n  Old body.\n';
    const repo = makeRepo({
      'version.json': VERSION_JSON('3.1.1', 'Kestrel'),
      'doc/manual/src/SUMMARY.md': SUMMARY,
      'doc/manual/src/release-notes/rl-3.1.md': old,
      'doc/manual/rl-next/x.md': frag('synopsis: New fix\ncategory: Fixes', 'New body.'),
    });
    await prepare({
      dir: repo,
      config,
      date: '2025-02-03',
      noCommit: false,
      identity: IDENTITY,
      log: silentLogger,
    });
    expect(fs.readFileSync(path.join(repo, 'doc/manual/src/release-notes/rl-3.1.md'), 'utf8')).toBe(
      '# Lix 3.1 "Kestrel" (2025-01-02)\n# Lix 3.1.1 (2025-02-03)\n\n## Fixes\n- New fix\n\n  New body.\n\n\n\n\n# Lix 3.1.0 (2025-01-02)\n\n## Fixes\n- Old\n\n  Old body.\n',
    );
    expect(fs.readFileSync(path.join(repo, 'doc/manual/src/SUMMARY.md'), 'utf8')).toBe(SUMMARY);
    // A second prepare for the same version is refused.
    await expect(
      prepare({
        dir: repo,
        config,
        version: '3.1.1',
        date: '2025-02-03',
        noCommit: false,
        identity: IDENTITY,
        log: silentLogger,
      }),
    ).rejects.toThrow(/rl-3\.1\.md: already has a section for 3\.1\.1/);
  });

  test('a version input different from version.json updates it in the same commit; no-commit only writes', async () => {
    const repo = makeRepo({ 'version.json': VERSION_JSON('3.2.0'), 'doc/manual/src/SUMMARY.md': SUMMARY });
    const head = git(repo, 'rev-parse', 'HEAD');
    const r = await prepare({
      dir: repo,
      config,
      version: '3.3.0',
      releaseName: 'Osprey',
      date: '2025-03-04',
      noCommit: true,
      identity: IDENTITY,
      log: silentLogger,
    });
    expect(r.commit).toBe('');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'version.json'), 'utf8'))).toMatchObject({
      version: '3.3.0',
      release_name: 'Osprey',
    });
    expect(fs.readFileSync(path.join(repo, 'version.json'), 'utf8')).toMatch(/^\{\n {4}"version"/);
    git(repo, 'checkout', '-q', '--', '.');
    git(repo, 'clean', '-qfd');
    await prepare({
      dir: repo,
      config,
      version: '3.3.0',
      releaseName: 'Osprey',
      date: '2025-03-04',
      noCommit: false,
      identity: IDENTITY,
      log: silentLogger,
    });
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([
      'doc/manual/src/SUMMARY.md',
      'doc/manual/src/release-notes/rl-3.3.md',
      'version.json',
    ]);
    expect(git(repo, 'log', '-1', '--format=%an <%ae>')).toBe('Rel Eng <releng@example.org>');
  });

  test('every bad fragment is reported together, with file, line and reason; nothing is written', async () => {
    const repo = makeRepo({
      'version.json': VERSION_JSON('3.4.0'),
      'doc/manual/src/SUMMARY.md': SUMMARY,
      'doc/manual/change-authors.yml': AUTHORS,
      'doc/manual/rl-next/no-front.md': 'just text\n',
      'doc/manual/rl-next/bad-yaml.md': '---\nsynopsis: [unclosed\n---\nbody\n',
      'doc/manual/rl-next/no-synopsis.md': frag('category: Fixes'),
      'doc/manual/rl-next/unknown-key.md': frag('synopsis: x\nfoo: bar'),
      'doc/manual/rl-next/unknown-cat.md': frag('synopsis: x\ncategory: Stuff'),
      'doc/manual/rl-next/bad-ref.md': frag('synopsis: x\nissues: abc#1'),
      'doc/manual/rl-next/bad-author.md': frag('synopsis: x\ncredits: mallory'),
      'doc/manual/rl-next/good.md': frag('synopsis: fine'),
    });
    const err = await prepare({
      dir: repo,
      config,
      date: '2025-03-04',
      noCommit: false,
      identity: IDENTITY,
      log: silentLogger,
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toBe('release note fragments in doc/manual/rl-next are invalid (7 problems):');
    expect(lines.slice(1)).toEqual([
      "  - doc/manual/rl-next/bad-author.md: unknown author 'mallory' in credits; add them to the change authors file",
      "  - doc/manual/rl-next/bad-ref.md:3: unrecognised issue reference 'abc#1'; use 1234, gh#1234 or fj#1234",
      expect.stringMatching(
        /^ {2}- doc\/manual\/rl-next\/bad-yaml\.md:\d+: YAML syntax error in front matter/,
      ),
      "  - doc/manual/rl-next/no-front.md:1: missing front matter; start the file with a '---' line, the YAML keys, and another '---'",
      "  - doc/manual/rl-next/no-synopsis.md:2: missing synopsis; add 'synopsis: <one line>' to the front matter",
      "  - doc/manual/rl-next/unknown-cat.md:3: unknown category 'Stuff'; use one of Breaking Changes, Features, Improvements, Fixes, Packaging, Development, Miscellany",
      "  - doc/manual/rl-next/unknown-key.md:3: unknown key 'foo'; known keys are synopsis, cls, issues, prs, significance, category, credits",
    ]);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(fs.existsSync(path.join(repo, 'doc/manual/src/release-notes'))).toBe(false);
  });

  test('no fragments directory: a warning and empty notes', async () => {
    const repo = makeRepo({ 'version.json': VERSION_JSON('3.5.0'), 'doc/manual/src/SUMMARY.md': SUMMARY });
    const warnings: string[] = [];
    const r = await prepare({
      dir: repo,
      config,
      date: '2025-05-06',
      noCommit: false,
      identity: IDENTITY,
      log: { ...silentLogger, warning: (m) => warnings.push(m) },
    });
    expect(warnings[0]).toMatch(/doc\/manual\/rl-next: no fragments directory/);
    expect(fs.readFileSync(path.join(repo, r.notesFile), 'utf8')).toBe(
      '# Lix 3.5 "Test Name" (2025-05-06)\n\n\n# Lix 3.5.0 (2025-05-06)\n',
    );
  });

  test('the bundled action runs as a runner runs it: INPUT_*, GITHUB_OUTPUT, job summary', () => {
    const repo = makeRepo({
      'releng.yml': 'product: Fixture\nname: fixture\n',
      'version.json': VERSION_JSON('1.2.0', 'First'),
      'doc/manual/src/SUMMARY.md': SUMMARY,
      'doc/manual/rl-next/one.md': frag('synopsis: One thing\ncategory: Features'),
    });
    const r = runBundledAction(
      'prepare',
      { date: '2025-06-07', 'git-user-name': 'Bot', 'git-user-email': 'bot@example.org' },
      { cwd: repo },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toEqual({
      version: '1.2.0',
      major: '1.2',
      'notes-file': 'doc/manual/src/release-notes/rl-1.2.md',
      commit: git(repo, 'rev-parse', 'HEAD'),
    });
    expect(r.summary).toContain('# Fixture 1.2.0 (2025-06-07)');
    expect(r.summary).toContain('- One thing');
    expect(r.stdout).toContain('Release notes for Fixture 1.2.0');
    expect(git(repo, 'log', '-1', '--format=%an')).toBe('Bot');
  });

  test('the CLI: same stage, bad input gives one line and a non-zero exit', () => {
    const repo = makeRepo({ 'version.json': '{ "version": "1.2", ', 'doc/manual/src/SUMMARY.md': SUMMARY });
    const r = runCli(['prepare', '--date', '2025-06-07'], { cwd: repo });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^releng prepare: error: .*version\.json: malformed JSON/);
    const bad = runCli(['prepare', '--date', '7 June'], {
      cwd: makeRepo({ 'version.json': VERSION_JSON('1.0.0') }),
    });
    expect(bad.stderr).toMatch(/input 'date' must be a calendar date YYYY-MM-DD/);
  });
});

/** Every file below dir (content), symlinks as their target: what a run may have changed. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const f = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, f);
    if (rel.split(path.sep)[0] === '.git') continue;
    if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(f)}`;
    else if (e.isFile()) out[rel] = fs.readFileSync(f, 'utf8');
  }
  return out;
}

describe('prepare on hostile input: nothing written anywhere before every check has passed', () => {
  const run = (repo: string, extra: Partial<Parameters<typeof prepare>[0]> = {}) =>
    prepare({
      dir: repo,
      config: parseConfig(''),
      date: '2025-07-08',
      noCommit: false,
      identity: IDENTITY,
      log: silentLogger,
      ...extra,
    });
  const BASE = {
    'version.json': VERSION_JSON('3.6.0'),
    'doc/manual/src/SUMMARY.md': SUMMARY,
    'doc/manual/rl-next/one.md': frag('synopsis: One'),
  };

  test('an output-dir that is a symlink out of the checkout: nothing outside, SUMMARY and version.json untouched', async () => {
    const outside = tmpDir('releng-outside-');
    const repo = makeRepo(BASE);
    fs.symlinkSync(outside, path.join(repo, 'doc/manual/src/release-notes'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'link');
    const before = tree(repo);
    await expect(run(repo, { version: '3.6.1', releaseName: 'Other' })).rejects.toThrow(
      /^releng\.yml key 'notes\.output-dir': 'doc\/manual\/src\/release-notes' leads outside the repository/,
    );
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(tree(repo)).toEqual(before);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a SUMMARY.md that is a symlink to a file outside: that file is not edited', async () => {
    const outside = path.join(tmpDir('releng-outside-'), 'SUMMARY.md');
    fs.writeFileSync(outside, SUMMARY);
    const repo = makeRepo({ 'version.json': BASE['version.json'] });
    fs.mkdirSync(path.join(repo, 'doc/manual/src'), { recursive: true });
    fs.symlinkSync(outside, path.join(repo, 'doc/manual/src/SUMMARY.md'));
    const before = tree(repo);
    await expect(run(repo)).rejects.toThrow(/key 'notes\.summary': .* leads outside the repository/);
    expect(fs.readFileSync(outside, 'utf8')).toBe(SUMMARY);
    expect(tree(repo)).toEqual(before);
  });

  test('a fragment linked to a file outside is not read into the notes', async () => {
    const outside = path.join(tmpDir('releng-outside-'), 'secret.md');
    fs.writeFileSync(outside, frag('synopsis: SECRET-OF-THE-RUNNER'));
    const repo = makeRepo(BASE);
    fs.symlinkSync(outside, path.join(repo, 'doc/manual/rl-next/leak.md'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'link');
    const before = tree(repo);
    const err = await run(repo).catch((e: Error) => e);
    expect(String(err)).toMatch(/leak\.md: 'doc\/manual\/rl-next\/leak\.md' leads outside the repository/);
    expect(String(err)).not.toContain('SECRET-OF-THE-RUNNER');
    expect(tree(repo)).toEqual(before);
  });

  test('a deeply nested version.json is refused before anything is written', async () => {
    const deep = `{"version": "3.6.0", "release_name": "x", "official_release": false, "d": ${'['.repeat(30000)}${']'.repeat(30000)}}\n`;
    const repo = makeRepo({ ...BASE, 'version.json': deep });
    const before = tree(repo);
    await expect(run(repo, { version: '3.6.1' })).rejects.toThrow(
      /version\.json: nested more than 16 levels deep/,
    );
    expect(tree(repo)).toEqual(before);
  });

  test('a release whose first run failed: the re-run adds the SUMMARY line once', async () => {
    const repo = makeRepo({ ...BASE, 'doc/manual/rl-next/bad.md': frag('synopsis: {a: 1}') });
    const before = tree(repo);
    await expect(run(repo)).rejects.toThrow(/bad\.md:2: synopsis must be text, got a map/);
    expect(tree(repo)).toEqual(before);
    git(repo, 'rm', '-q', 'doc/manual/rl-next/bad.md');
    git(repo, 'commit', '-q', '-m', 'fix');
    await run(repo);
    const summary = fs.readFileSync(path.join(repo, 'doc/manual/src/SUMMARY.md'), 'utf8');
    expect(summary.match(/rl-3\.6\.md/g)).toHaveLength(1);
  });

  test('a SUMMARY that already links the major (an older run left it) does not get it twice', async () => {
    const line = '  - [Lix 3.6 (2025-07-01)](release-notes/rl-3.6.md)';
    const withLine = SUMMARY.replace('-->\n', `-->\n${line}\n`);
    const repo = makeRepo({ ...BASE, 'doc/manual/src/SUMMARY.md': withLine });
    await run(repo);
    expect(fs.readFileSync(path.join(repo, 'doc/manual/src/SUMMARY.md'), 'utf8')).toBe(withLine);
  });

  test('fragments named like options or pathspec magic are removed as the files they are', async () => {
    const repo = makeRepo({
      ...BASE,
      'doc/manual/rl-next/-rf.md': frag('synopsis: Dash'),
      'doc/manual/rl-next/:(glob)x.md': frag('synopsis: Magic'),
      'doc/manual/rl-next/keep.txt': 'not a fragment\n',
    });
    const r = await run(repo);
    expect(r.fragments).toBe(3);
    expect(fs.readdirSync(path.join(repo, 'doc/manual/rl-next'))).toEqual(['keep.txt']);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a fragment with uncommitted edits: the edited text is released and the fragment removed', async () => {
    const repo = makeRepo(BASE);
    fs.writeFileSync(path.join(repo, 'doc/manual/rl-next/one.md'), frag('synopsis: Edited'));
    const r = await run(repo);
    expect(fs.readFileSync(path.join(repo, r.notesFile), 'utf8')).toContain('- Edited');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });
});
