import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { isFragmentName, parseFragment, readFragments } from '../../../src/notes/fragments.js';
import { ERAS } from '../../../src/notes/style.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

const ERA = ERAS['lix-2.95'];
const frag = (meta: string, body = 'Body.') => `---\n${meta}\n---\n\n${body}\n`;

function parse(text: string, era = ERA) {
  const problems: string[] = [];
  const fragment = parseFragment('f.md', text, era, problems);
  return { fragment, problems };
}

describe('parseFragment', () => {
  test('every key, one value or a list, references of the era', () => {
    const { fragment, problems } = parse(
      frag(
        'synopsis: A thing\ncategory: Fixes\nsignificance: significant\nissues: [12, gh#3]\nprs: fj#4\ncls: [100, "0200"]\ncredits: alice',
        '\n  Body text.  \n\n',
      ),
    );
    expect(problems).toEqual([]);
    expect(fragment).toEqual({
      file: 'f.md',
      synopsis: 'A thing',
      category: 'Fixes',
      significant: true,
      issues: [
        { forge: 'forgejo', text: 'lix#12', number: '12' },
        { forge: 'github', text: 'nix#3', number: '3' },
      ],
      prs: [{ forge: 'forgejo', text: 'lix#4', number: '4' }],
      cls: ['100', '200'],
      credits: ['alice'],
      body: 'Body text.',
    });
  });
  test('defaults: Miscellany, not significant, no references', () => {
    expect(parse(frag('synopsis: x\nsignificance:')).fragment).toMatchObject({
      category: 'Miscellany',
      significant: false,
      issues: [],
      cls: [],
      credits: [],
    });
  });
  test('every field is type-checked, with the line of its key', () => {
    const { fragment, problems } = parse(
      frag(
        'synopsis: {a: 1}\ncategory: [Fixes]\nsignificance: 5\nissues: {x: 1}\nprs:\ncls: abc\ncredits: [{a: 1}, 12]',
      ),
    );
    expect(fragment).toBeUndefined();
    expect(problems).toEqual([
      'f.md:2: synopsis must be text, got a map; quote it (\'synopsis: "…"\')',
      'f.md:3: category must be text, got a list; use one of Breaking Changes, Features, Improvements, Fixes, Packaging, Development, Miscellany',
      "f.md:4: significance must be 'significant' or absent, got the number 5",
      "f.md:5: 'issues' must hold text or whole numbers, got a map",
      "f.md:6: 'prs' has no value; give one or remove the key",
      "f.md:7: cl 'abc' is not a number",
      "f.md:8: 'credits' must hold text or whole numbers, got a map",
      "f.md:8: credit the number 12 is not an author's name; quote it",
    ]);
  });
  test('YAML 1.1 as PyYAML reads it: yes is a boolean, a date is a date — not a synopsis', () => {
    expect(parse(frag('synopsis: yes')).problems).toEqual([
      'f.md:2: synopsis must be text, got the boolean true; quote it (\'synopsis: "…"\')',
    ]);
    expect(parse(frag('synopsis: 2024-01-01')).problems[0]).toMatch(/got a date/);
    expect(parse(frag('synopsis: x\nissues: 010')).fragment?.issues[0]?.text).toBe('lix#8');
  });
  test('front matter problems: missing, unclosed, not YAML, not keys, no synopsis, unknown key, alias bomb', () => {
    const levels = Array.from(
      { length: 8 },
      (_, i) => `z${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`,
    );
    const cases: [string, RegExp][] = [
      ['just text', /^f\.md:1: missing front matter/],
      ['---\nsynopsis: x\n', /^f\.md:1: front matter is not closed/],
      ['---\nsynopsis: [x\n---\n', /^f\.md:\d+: YAML syntax error in front matter/],
      ['---\n- a\n---\n', /^f\.md:2: front matter must be YAML keys/],
      [frag('category: Fixes'), /^f\.md:2: missing synopsis/],
      [frag('synopsis: "  "'), /^f\.md:2: missing synopsis/],
      [frag('synopsis: x\n__proto__: {synopsis: y}'), /^f\.md:3: unknown key '__proto__'/],
      [
        frag(`z0: &a0 [x, x, x, x, x, x, x, x, x]\n${levels.join('\n')}`),
        /^f\.md:2: YAML aliases expand too far/,
      ],
    ];
    for (const [text, re] of cases) {
      const { fragment, problems } = parse(text);
      expect(fragment, text).toBeUndefined();
      expect(problems, text).toHaveLength(1);
      expect(problems[0], text).toMatch(re);
    }
  });
  test('an era decides which references pass', () => {
    expect(parse(frag('synopsis: x\nissues: 5'), ERAS['lix-2.94']).problems[0]).toMatch(
      /^f\.md:3: unprefixed issue number '5' is disallowed/,
    );
    expect(parse(frag('synopsis: x\nprs: 5'), ERAS['lix-2.91']).fragment?.prs[0]?.text).toBe('#5');
  });
});

describe('readFragments', () => {
  test('*.md of the directory, in every era; dotfiles skipped from 2.94 on', () => {
    expect(isFragmentName('a.md', ERAS['lix-2.91'])).toBe(true);
    expect(isFragmentName('.gitkeep', ERAS['lix-2.91'])).toBe(false);
    expect(isFragmentName('.draft.md', ERAS['lix-2.93'])).toBe(true);
    expect(isFragmentName('.draft.md', ERAS['lix-2.94'])).toBe(false);
    expect(isFragmentName('a.md.swp', ERAS['lix-2.95'])).toBe(false);
  });
  test('credits checked against the authors; a symlink inside is read, one outside is a problem', () => {
    const root = fs.realpathSync(tmpDir());
    const outside = tmpDir();
    writeFiles(outside, { 'x.md': frag('synopsis: outside') });
    writeFiles(root, {
      'rl/a.md': frag('synopsis: A\ncredits: [alice, mallory]'),
      'rl/b.md.txt': 'not a fragment',
      'other/c.md': frag('synopsis: C'),
    });
    fs.symlinkSync('../other/c.md', path.join(root, 'rl/c.md'));
    fs.symlinkSync(path.join(outside, 'x.md'), path.join(root, 'rl/x.md'));
    fs.mkdirSync(path.join(root, 'rl/dir.md'));
    const problems: string[] = [];
    const fragments = readFragments(
      root,
      path.join(root, 'rl'),
      new Map([['alice', { name: 'alice' }]]),
      ERA,
      problems,
    );
    expect(fragments.map((f) => [f.file, f.synopsis])).toEqual([
      ['rl/a.md', 'A'],
      ['rl/c.md', 'C'],
    ]);
    expect(problems).toEqual([
      "rl/a.md: unknown author 'mallory' in credits; add them to the change authors file",
      'rl/dir.md: is a directory, not a file',
      expect.stringMatching(/^rl\/x\.md: 'rl\/x\.md' leads outside the repository/),
    ]);
  });
});
