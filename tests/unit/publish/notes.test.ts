import { describe, expect, test } from 'vitest';
import { notesFileName, versionNotes } from '../../../src/publish/notes.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

describe('release notes for the page', () => {
  test("this version's notes: from its heading to the next", () => {
    const dir = tmpDir();
    writeFiles(dir, {
      'notes/rl-2.93.md':
        '# Lix 2.93 "X" (2026-01-01)\n\n# Lix 2.93.1 (2026-02-01)\n\n- one\n- two\n\n# Lix 2.93.0 (2026-01-01)\n\n- zero\n',
    });
    expect(versionNotes(dir, 'notes', 'Lix', '2.93.1', '2.93')).toBe('- one\n- two');
    expect(versionNotes(dir, 'notes', 'Lix', '2.93.0', '2.93')).toBe('- zero');
    expect(versionNotes(dir, 'notes', 'Lix', '2.93.2', '2.93')).toBeUndefined();
    expect(versionNotes(dir, 'missing', 'Lix', '2.93.0', '2.93')).toBeUndefined();
  });

  test('the notes file of a major', () => {
    expect(notesFileName('2.93')).toBe('rl-2.93.md');
  });
});
