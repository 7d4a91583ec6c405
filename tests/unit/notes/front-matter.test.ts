import { describe, expect, test } from 'vitest';
import { splitFrontMatter } from '../../../src/notes/front-matter.js';

describe("splitFrontMatter (python-frontmatter's split)", () => {
  test('the YAML between the first two boundaries; the content stripped', () => {
    expect(splitFrontMatter('---\nsynopsis: x\n---\n\n  Body.\n\n')).toEqual({
      yaml: '\nsynopsis: x\n',
      line: 1,
      content: 'Body.',
    });
  });
  test('leading blank lines are stripped first, and counted for line numbers', () => {
    expect(splitFrontMatter('\n\n---\na: 1\n---\nb')).toMatchObject({ yaml: '\na: 1\n', line: 3 });
  });
  test("a boundary's \\s* swallows blank lines up to the last line break before text", () => {
    // Python: ^-{3,}\s*$ (MULTILINE) on '---\n\n\na: 1' matches '---\n\n'.
    expect(splitFrontMatter('---\n\n\na: 1\n---   \nbody')).toMatchObject({ yaml: '\na: 1\n', line: 3 });
  });
  test('four or more dashes and trailing spaces are boundaries; a dash line with text is not', () => {
    expect(splitFrontMatter('-----  \na: 1\n---- x\n------\nbody')).toMatchObject({
      yaml: '\na: 1\n---- x\n',
      content: 'body',
    });
  });
  test('a third boundary stays in the content', () => {
    expect(splitFrontMatter('---\na: 1\n---\nx\n---\ny')).toMatchObject({ content: 'x\n---\ny' });
  });
  test('no opening boundary, or no closing one', () => {
    expect(splitFrontMatter('text\n---\na: 1\n---\n')).toBe('none');
    expect(splitFrontMatter('--\na: 1\n--\n')).toBe('none');
    expect(splitFrontMatter('---\na: 1\n')).toBe('unclosed');
    // \r alone ends no line for Python's `$`.
    expect(splitFrontMatter('---\ra: 1\r---\r')).toBe('none');
  });
});
