// The four eras of Lix's build-release-notes, each against Lix's own "release: release notes for X"
// commit: the parent's fragments, change-authors.yml, SUMMARY.md and version.json in, the commit's
// rl-MAJOR.md and SUMMARY.md out, byte for byte (tests/fixtures/lix-X/, data files from Lix's tree).

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { prepare } from '../../../src/stages/prepare.js';
import { ROOT } from '../../helpers/action.js';
import { git, makeRepo } from '../../helpers/git.js';

const IDENTITY = { name: 'Rel Eng', email: 'releng@example.org' };

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const f = path.join(e.parentPath, e.name);
    out[path.relative(dir, f)] = fs.readFileSync(f, 'utf8');
  }
  return out;
}

const ORACLES = [
  { commit: '7e0fee530', version: '2.91.0', date: '2024-08-12', style: 'lix-2.91', fragments: 25 },
  { commit: 'bb0cdf110', version: '2.93.0', date: '2025-05-09', style: 'lix-2.93', fragments: 47 },
  { commit: '49a5495cb', version: '2.94.0', date: '2025-11-17', style: 'lix-2.94', fragments: 48 },
  { commit: 'dc7d5c45a', version: '2.95.0', date: '2026-03-13', style: 'lix-2.95', fragments: 32 },
] as const;

describe("prepare writes each era's release notes as Lix committed them", () => {
  test.each(ORACLES)('$style: Lix $commit (release notes for $version)', async (o) => {
    const fixture = path.join(ROOT, `tests/fixtures/lix-${o.version}`);
    const major = o.version.split('.').slice(0, 2).join('.');
    const repo = makeRepo(readTree(path.join(fixture, 'input')));
    const r = await prepare({
      dir: repo,
      config: parseConfig(`notes:\n  style: ${o.style}\n`),
      date: o.date,
      noCommit: false,
      identity: IDENTITY,
      log: silentLogger,
    });
    expect(r.fragments).toBe(o.fragments);
    expect(r.notesFile).toBe(`doc/manual/src/release-notes/rl-${major}.md`);
    expect(fs.readFileSync(path.join(repo, r.notesFile), 'utf8')).toBe(
      fs.readFileSync(path.join(fixture, `expected/rl-${major}.md`), 'utf8'),
    );
    expect(fs.readFileSync(path.join(repo, 'doc/manual/src/SUMMARY.md'), 'utf8')).toBe(
      fs.readFileSync(path.join(fixture, 'expected/SUMMARY.md'), 'utf8'),
    );
    expect(fs.readdirSync(path.join(repo, 'doc/manual/rl-next'))).toEqual(['.gitkeep']);
    expect(git(repo, 'log', '-1', '--format=%B')).toBe(
      `release: release notes for ${o.version}\n\nRelease-tool: releng-actions prepare`,
    );
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('the default style is the newest era', () => {
    expect(parseConfig('').notes.style).toBe('lix-2.95');
  });
});

describe('what each era does with no fragments and with dotfiles', () => {
  const STYLES = ['lix-2.91', 'lix-2.93', 'lix-2.94', 'lix-2.95'] as const;
  const VERSION = `${JSON.stringify({ version: '3.0.0', official_release: false, release_name: 'N' })}\n`;
  const SUMMARY = '# Summary\n  <!-- RELENG-AUTO-INSERTION-MARKER -->\n';
  const run = (repo: string, style: string, warnings: string[] = []) =>
    prepare({
      dir: repo,
      config: parseConfig(`notes: {style: ${style}}`),
      date: '2026-01-02',
      noCommit: false,
      identity: IDENTITY,
      log: { ...silentLogger, warning: (m) => warnings.push(m) },
    });
  const HEADER = '# Lix 3.0 "N" (2026-01-02)\n\n\n# Lix 3.0.0 (2026-01-02)\n';

  test.each(STYLES)(
    '%s: an empty fragment directory, or none, writes the headers (as Lix: no error)',
    async (style) => {
      const empty = makeRepo({
        'version.json': VERSION,
        'doc/manual/src/SUMMARY.md': SUMMARY,
        'doc/manual/rl-next/.gitkeep': '',
      });
      const warnings: string[] = [];
      const r = await run(empty, style, warnings);
      expect(r.fragments).toBe(0);
      expect(fs.readFileSync(path.join(empty, r.notesFile), 'utf8')).toBe(HEADER);
      expect(warnings).toEqual([]);
      const none = makeRepo({ 'version.json': VERSION, 'doc/manual/src/SUMMARY.md': SUMMARY });
      const r2 = await run(none, style, warnings);
      expect(fs.readFileSync(path.join(none, r2.notesFile), 'utf8')).toBe(HEADER);
      expect(warnings).toEqual([
        'doc/manual/rl-next: no fragments directory; the release notes for 3.0.0 will be empty',
      ]);
    },
  );

  test.each(STYLES)('%s: a dotfile fragment is a fragment until 2.94', async (style) => {
    const repo = makeRepo({
      'version.json': VERSION,
      'doc/manual/rl-next/.draft.md': '---\nsynopsis: Draft\n---\n\nText.\n',
    });
    // An editor's lock file: a symlink to nowhere, which 2.91/2.93 (like Lix then) trip over.
    fs.symlinkSync('user@host.1234', path.join(repo, 'doc/manual/rl-next/.#draft.md'));
    const old = style === 'lix-2.91' || style === 'lix-2.93';
    if (old) {
      await expect(run(repo, style)).rejects.toThrow(
        "release note fragments in doc/manual/rl-next are invalid: doc/manual/rl-next/.#draft.md: 'doc/manual/rl-next/.#draft.md' is a symbolic link that leads nowhere",
      );
      fs.rmSync(path.join(repo, 'doc/manual/rl-next/.#draft.md'));
    }
    const r = await run(repo, style);
    const text = fs.readFileSync(path.join(repo, r.notesFile), 'utf8');
    expect(text.includes('- Draft')).toBe(old);
    expect(fs.existsSync(path.join(repo, 'doc/manual/rl-next/.draft.md'))).toBe(!old);
  });
});
