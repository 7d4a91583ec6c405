import { describe, expect, test } from 'vitest';
import { parseAuthors } from '../../../src/notes/authors.js';

describe('parseAuthors (change-authors.yml)', () => {
  test('name → display_name, forgejo, github; {} and null values for none', () => {
    const a = parseAuthors(
      'alice:\n  forgejo: alice\nbob:\n  github: bobgh\n  display_name: Bob B.\ncarol: {}\ndave:\n  github: null\n',
      'a.yml',
    );
    expect([...a.values()]).toEqual([
      { name: 'alice', forgejo: 'alice' },
      { name: 'bob', github: 'bobgh', display_name: 'Bob B.' },
      { name: 'carol' },
      { name: 'dave' },
    ]);
    expect(parseAuthors('', 'a.yml').size).toBe(0);
  });
  test('every bad entry is reported with its line', () => {
    expect(() => parseAuthors('alice:\n  gitlab: a\nbob: x\ncarol:\n  github: [a]\ndan:\n', 'a.yml')).toThrow(
      [
        'a.yml is invalid (4 problems):',
        "  - a.yml:1: author 'alice': unknown key 'gitlab'; known keys are display_name, forgejo, github",
        "  - a.yml:3: author 'bob' must be a map of display_name, forgejo, github (use {} for none)",
        "  - a.yml:4: author 'carol': 'github' must be text",
        "  - a.yml:6: author 'dan' must be a map of display_name, forgejo, github (use {} for none)",
      ].join('\n'),
    );
  });
  test('not a map, not YAML', () => {
    expect(() => parseAuthors('- a\n', 'a.yml')).toThrow(
      'a.yml is invalid: a.yml:1: expected a map of author name',
    );
    expect(() => parseAuthors('a: [\n', 'a.yml')).toThrow(
      /^a\.yml is invalid: a\.yml:\d+: YAML syntax error/,
    );
  });
});
