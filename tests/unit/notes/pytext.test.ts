import { describe, expect, test } from 'vitest';
import {
  compareCodePoints,
  indent,
  lstrip,
  rstrip,
  splitlines,
  strip,
  universalNewlines,
} from '../../../src/notes/pytext.js';

describe("Python's text semantics", () => {
  test("strip: Python's whitespace, not JavaScript's", () => {
    expect(strip(' \t\x1c\x85a b\u3000\n')).toBe('a b');
    // U+FEFF is whitespace to JavaScript's trim(), not to Python's strip().
    expect(strip('\ufeffa')).toBe('\ufeffa');
    expect(lstrip('  a  ')).toBe('a  ');
    expect(rstrip('  a \n\n')).toBe('  a');
  });
  test('splitlines: \\r\\n is one break; \\r, \\v, \\f, \\x1c, \\u2028 are breaks; no empty last line', () => {
    expect(splitlines('a\r\nb\rc\vd\x1ce\u2028f\n')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(splitlines('a\r\nb\n', true)).toEqual(['a\r\n', 'b\n']);
    expect(splitlines('')).toEqual([]);
    expect(splitlines('\n\n')).toEqual(['', '']);
  });
  test('universal newlines', () => {
    expect(universalNewlines('a\r\nb\rc\n')).toBe('a\nb\nc\n');
  });
  test('textwrap.indent: whitespace-only lines keep their whitespace, unprefixed', () => {
    expect(indent('a\n\n  \nb\r\nc', '  ')).toBe('  a\n\n  \n  b\r\n  c');
    expect(indent('a\rb', '> ')).toBe('> a\r> b');
  });
  test('string order by code point (UTF-16 units order U+FFFD after U+1F600)', () => {
    expect(compareCodePoints('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('b', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});
