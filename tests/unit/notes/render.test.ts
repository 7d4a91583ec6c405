import { describe, expect, test } from 'vitest';
import type { Fragment } from '../../../src/notes/fragments.js';
import {
  insertSummaryLine,
  LIX_LINKS,
  pluralList,
  releaseNotesFile,
  renderNotes,
  showAuthor,
  summaryLine,
} from '../../../src/notes/render.js';
import { ERAS } from '../../../src/notes/style.js';

const fragment = (f: Partial<Fragment> & { file: string; synopsis: string }): Fragment => ({
  issues: [],
  prs: [],
  cls: [],
  significant: false,
  category: 'Miscellany',
  credits: [],
  body: 'Body.',
  ...f,
});
const AUTHORS = new Map([
  ['alice', { name: 'alice', forgejo: 'alice' }],
  ['bob', { name: 'bob', github: 'bobgh', display_name: 'Bob B.' }],
  ['carol', { name: 'carol', display_name: '' }],
]);
const FRAGMENTS = [
  fragment({ file: 'rl/b.md', synopsis: 'Plain', category: 'Fixes', credits: ['alice'] }),
  fragment({
    file: 'rl/z.md',
    synopsis: 'Big',
    category: 'Fixes',
    significant: true,
    issues: [{ forge: 'github', text: 'nix#8', number: '8' }],
    prs: [{ forge: 'forgejo', text: 'lix#9', number: '9' }],
    cls: ['77'],
  }),
  fragment({ file: 'rl/m.md', synopsis: 'Misc', body: 'One\n\n    code' }),
];

const BIG =
  '- Big [nix#8](https://github.com/NixOS/nix/issues/8) [lix#9](https://git.lix.systems/lix-project/lix/pulls/9) [cl/77](https://gerrit.lix.systems/c/lix/+/77)';
const THANKS = '  Many thanks to [alice](https://git.lix.systems/alice) for this.';

describe('renderNotes', () => {
  test('2.91: a blank line before each heading, entries back to back', () => {
    expect(renderNotes(FRAGMENTS, AUTHORS, LIX_LINKS, ERAS['lix-2.91'])).toBe(
      [
        '',
        '## Fixes',
        BIG,
        '',
        '  Body.',
        '- Plain',
        '',
        '  Body.',
        '',
        THANKS,
        '',
        '## Miscellany',
        '- Misc',
        '',
        '  One',
        '',
        '      code',
        '',
      ].join('\n'),
    );
  });
  test('2.93 on: a blank line after each heading and entry, two after a category', () => {
    const text = renderNotes(FRAGMENTS, AUTHORS, LIX_LINKS, ERAS['lix-2.95']);
    expect(text).toBe(
      [
        '## Fixes',
        '',
        BIG,
        '',
        '  Body.',
        '',
        '- Plain',
        '',
        '  Body.',
        '',
        THANKS,
        '',
        '',
        '## Miscellany',
        '',
        '- Misc',
        '',
        '  One',
        '',
        '      code',
        '',
        '',
        '',
      ].join('\n'),
    );
    expect(renderNotes(FRAGMENTS, AUTHORS, LIX_LINKS, ERAS['lix-2.93'])).toBe(text);
  });
  test('no fragments: nothing', () => {
    for (const era of Object.values(ERAS)) expect(renderNotes([], undefined, LIX_LINKS, era)).toBe('');
  });
  test('paths compare by code point, as Python compares them', () => {
    const order = renderNotes(
      [
        fragment({ file: 'rl/\uFFFD.md', synopsis: 'B' }),
        fragment({ file: 'rl/\u{1F600}.md', synopsis: 'A' }),
      ],
      undefined,
      LIX_LINKS,
      ERAS['lix-2.95'],
    );
    expect(order.indexOf('- B')).toBeLessThan(order.indexOf('- A'));
  });
});

describe('authors and lists', () => {
  test('forgejo before github, display_name or name, bare name when unknown', () => {
    expect(showAuthor('alice', AUTHORS, LIX_LINKS)).toBe('[alice](https://git.lix.systems/alice)');
    expect(showAuthor('bob', AUTHORS, LIX_LINKS)).toBe('[Bob B.](https://github.com/bobgh)');
    expect(showAuthor('carol', AUTHORS, LIX_LINKS)).toBe('carol');
    expect(showAuthor('zed', undefined, LIX_LINKS)).toBe('zed');
  });
  test('pluralList: the Oxford comma from three', () => {
    expect(pluralList([])).toBe('');
    expect(pluralList(['a'])).toBe('a');
    expect(pluralList(['a', 'b'])).toBe('a and b');
    expect(pluralList(['a', 'b', 'c'])).toBe('a, b, and c');
  });
});

describe('releaseNotesFile', () => {
  const base = { product: 'Lix', major: '2.95', version: '2.95.0', releaseName: 'K', date: '2026-03-13' };
  test('a new major: the major header, the version header, the body', () => {
    expect(releaseNotesFile({ ...base, existing: '', body: '## Fixes\n\n- x\n\n' })).toBe(
      '# Lix 2.95 "K" (2026-03-13)\n\n\n# Lix 2.95.0 (2026-03-13)\n## Fixes\n\n- x\n',
    );
  });
  test('no fragments: the headers alone, in every era', () => {
    expect(releaseNotesFile({ ...base, existing: '', body: '' })).toBe(
      '# Lix 2.95 "K" (2026-03-13)\n\n\n# Lix 2.95.0 (2026-03-13)\n',
    );
  });
  test('a minor: the first line kept, the new section above the old', () => {
    const existing = '# Lix 2.95 "K" (2026-03-13)\n\n\n# Lix 2.95.0 (2026-03-13)\n- old\n';
    expect(
      releaseNotesFile({ ...base, version: '2.95.1', date: '2026-04-01', existing, body: '- new\n' }),
    ).toBe(
      '# Lix 2.95 "K" (2026-03-13)\n# Lix 2.95.1 (2026-04-01)\n- new\n\n\n\n\n# Lix 2.95.0 (2026-03-13)\n- old\n',
    );
  });
});

describe('insertSummaryLine', () => {
  const SUMMARY =
    '# Summary\n    <!-- RELENG-AUTO-INSERTION-MARKER -->\n  - [Lix 2.94 (2025-11-17)](release-notes/rl-2.94.md)\n';
  test('after the marker, with what stands before the marker as indentation', () => {
    expect(insertSummaryLine(SUMMARY, 'Lix', '2.95', '2026-03-13')).toBe(
      '# Summary\n    <!-- RELENG-AUTO-INSERTION-MARKER -->\n  - [Lix 2.95 (2026-03-13)](release-notes/rl-2.95.md)\n  - [Lix 2.94 (2025-11-17)](release-notes/rl-2.94.md)\n',
    );
    expect(summaryLine('Lix', '2.95', 'D')).toBe('- [Lix 2.95 (D)](release-notes/rl-2.95.md)');
  });
  test('never twice: a summary that links the major already is left as it is', () => {
    const once = insertSummaryLine(SUMMARY, 'Lix', '2.95', '2026-03-13');
    expect(insertSummaryLine(once, 'Lix', '2.95', '2026-03-14')).toBe(once);
  });
  test('no marker: unchanged but for the one final newline', () => {
    expect(insertSummaryLine('# Summary\n\n\n', 'Lix', '2.95', 'D')).toBe('# Summary\n');
  });
});
