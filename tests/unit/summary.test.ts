import { describe, expect, test } from 'vitest';
import { renderMarkdown, renderText } from '../../src/summary.js';

describe('summary', () => {
  const s = { title: 'T', blocks: [{ heading: 'H', table: { header: ['a', 'b'], rows: [['1|2', 'x']] } }] };
  test('markdown escapes cells; text aligns columns', () => {
    expect(renderMarkdown(s)).toContain('| 1\\|2 | x |');
    expect(renderText(s).split('\n')).toContain('1|2  x');
  });
});
