import { describe, expect, test } from 'vitest';
import { markdownText, markdownUrl, renderMarkdown, renderText } from '../../src/summary.js';

describe('summary', () => {
  const s = { title: 'T', blocks: [{ heading: 'H', table: { header: ['a', 'b'], rows: [['1|2', 'x']] } }] };
  test('markdown escapes cells; text aligns columns', () => {
    expect(renderMarkdown(s)).toContain('| 1\\|2 | x |');
    expect(renderText(s).split('\n')).toContain('1|2  x');
  });
});

describe('summary blocks', () => {
  const s = {
    title: 'Publish',
    blocks: [
      { text: 'dry run: nothing written' },
      { heading: 'Objects', table: { header: ['key', 'size'], rows: [['ab', '1'], ['longer-key']] } },
      { heading: 'Notes', markdown: '- one\n- two' },
    ],
  };
  test('markdown: title, text, tables with a rule and cells on one line, verbatim markdown, one final newline', () => {
    expect(renderMarkdown(s)).toBe(
      [
        '## Publish',
        '',
        'dry run: nothing written',
        '',
        '### Objects',
        '',
        '| key | size |',
        '| --- | --- |',
        '| ab | 1 |',
        '| longer-key |',
        '',
        '### Notes',
        '',
        '- one',
        '- two',
        '',
      ].join('\n'),
    );
  });
  test('a line break in a markdown cell would end the row: it becomes a space', () => {
    const t = { title: 'T', blocks: [{ table: { header: ['k'], rows: [['a\nb']] } }] };
    expect(renderMarkdown(t)).toContain('| a b |');
  });
  test('text: underlined title and headings, columns padded to the widest cell, no trailing spaces', () => {
    expect(renderText(s).split('\n')).toEqual([
      'Publish',
      '=======',
      'dry run: nothing written',
      '',
      'Objects',
      '-------',
      'key         size',
      '----------  ----',
      'ab          1',
      'longer-key',
      '',
      'Notes',
      '-----',
      '- one',
      '- two',
    ]);
  });
});

describe('text from elsewhere in Markdown', () => {
  test('a file name cannot become a link, an image or HTML', () => {
    expect(markdownText('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert(1)\\>');
    expect(markdownText('[x](javascript:alert(1))')).toBe('\\[x\\](javascript:alert(1))');
    expect(markdownText('a|b\nc')).toBe('a\\|b c');
    expect(markdownUrl('https://x/a b)<c>')).toBe('https://x/a%20b%29%3Cc%3E');
  });
});
