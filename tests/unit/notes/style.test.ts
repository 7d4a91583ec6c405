import { describe, expect, test } from 'vitest';
import { DEFAULT_NOTES_STYLE, NOTES_STYLES } from '../../../src/config/schema.js';
import { ERAS } from '../../../src/notes/style.js';

const ref = (style: keyof typeof ERAS, id: string) => ERAS[style].reference(id, 'issue');

describe('the eras of build-release-notes', () => {
  test('styles, default, and what each era changes in layout and file selection', () => {
    expect(NOTES_STYLES).toEqual(['lix-2.91', 'lix-2.93', 'lix-2.94', 'lix-2.95']);
    expect(DEFAULT_NOTES_STYLE).toBe('lix-2.95');
    expect(NOTES_STYLES.map((s) => [ERAS[s].spaced, ERAS[s].skipDotfiles])).toEqual([
      [false, false],
      [true, false],
      [true, true],
      [true, true],
    ]);
  });
  test('2.91: a bare number is GitHub `#N`; gh# and fj# as written', () => {
    expect(ref('lix-2.91', '12')).toEqual({ forge: 'github', text: '#12', number: '12' });
    expect(ref('lix-2.91', 'gh#007')).toEqual({ forge: 'github', text: 'gh#007', number: '7' });
    expect(ref('lix-2.91', 'fj#5')).toEqual({ forge: 'forgejo', text: 'fj#5', number: '5' });
    expect(ref('lix-2.91', 'lix#5')).toEqual({
      problem: "unrecognised issue reference 'lix#5'; use 1234, gh#1234 or fj#1234",
    });
  });
  test('2.93 and 2.94: bare numbers refused; nix#/lix# beside gh#/fj#, text as written', () => {
    for (const s of ['lix-2.93', 'lix-2.94'] as const) {
      expect(ref(s, '12')).toEqual({
        problem:
          "unprefixed issue number '12' is disallowed until the Lix 2.95 cycle, when it becomes a Lix Forgejo reference; prefix it with fj# or lix# for Lix's Forgejo, gh# or nix# for CppNix's GitHub",
      });
      expect(ref(s, 'nix#3')).toEqual({ forge: 'github', text: 'nix#3', number: '3' });
      expect(ref(s, 'gh#3')).toEqual({ forge: 'github', text: 'gh#3', number: '3' });
      expect(ref(s, 'lix#4')).toEqual({ forge: 'forgejo', text: 'lix#4', number: '4' });
      expect(ref(s, 'fj#4')).toEqual({ forge: 'forgejo', text: 'fj#4', number: '4' });
      expect(ref(s, 'x#1')).toEqual({
        problem: "unrecognised issue reference 'x#1'; use gh#1234, nix#1234, fj#1234 or lix#1234",
      });
    }
  });
  test('2.95: a bare number is lix#N; gh#→nix#, fj#→lix# in the text; the new wording', () => {
    expect(ref('lix-2.95', '12')).toEqual({ forge: 'forgejo', text: 'lix#12', number: '12' });
    expect(ref('lix-2.95', 'gh#3')).toEqual({ forge: 'github', text: 'nix#3', number: '3' });
    expect(ref('lix-2.95', 'fj#4')).toEqual({ forge: 'forgejo', text: 'lix#4', number: '4' });
    expect(ref('lix-2.95', 'abc#1')).toEqual({
      problem:
        "unrecognized reference format: abc#1; use 1234 or lix#1234 for Lix's Forgejo, nix#1234 for CppNix's GitHub",
    });
  });
  test("numbers are exact, as Python's int() prints them", () => {
    expect(ref('lix-2.95', '123456789012345678901234567890')).toMatchObject({
      number: '123456789012345678901234567890',
    });
    expect(ERAS['lix-2.91'].reference('0042', 'PR')).toMatchObject({ text: '#0042', number: '42' });
  });
});
