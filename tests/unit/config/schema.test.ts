import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';

const notes = (n: Record<string, unknown>) => configSchema.safeParse({ notes: n });

describe('configSchema notes', () => {
  test('defaults: the newest era and Lix paths', () => {
    const c = configSchema.parse({});
    expect(c.notes).toMatchObject({
      style: 'lix-2.95',
      fragments: 'doc/manual/rl-next',
      'output-dir': 'doc/manual/src/release-notes',
    });
  });
  test('every era is a style; nothing else is', () => {
    for (const style of ['lix-2.91', 'lix-2.93', 'lix-2.94', 'lix-2.95'])
      expect(notes({ style }).success).toBe(true);
    const r = notes({ style: 'lix-2.92' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe(
      "'lix-2.92' is not a notes style; use one of lix-2.91, lix-2.93, lix-2.94, lix-2.95",
    );
  });
  test('notes paths stay in the repository: no absolute path, no .., no control character, not .git', () => {
    for (const p of ['doc/x', './doc/x', 'a..b/c', '.github/x', 'doc/.git-notes'])
      expect(notes({ 'output-dir': p }).success, p).toBe(true);
    for (const p of ['/tmp/x', '../x', 'doc/../../x', 'doc\\..\\x', '.git', './.git/hooks', 'a\nb', 'a\0b'])
      expect(notes({ 'output-dir': p }).success, JSON.stringify(p)).toBe(false);
  });
});
