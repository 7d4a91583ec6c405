import { describe, expect, test } from 'vitest';
import { describeError, RelengError, RelengErrors, redactUrl } from '../../src/errors.js';

describe('errors', () => {
  test('one line, credentials stripped from URLs', () => {
    const e = new RelengError('bad\n  thing at https://user:secret@host/x');
    expect(e.message).toBe('bad thing at https://user:secret@host/x');
    expect(describeError(e, false)).toBe('bad thing at https://***@host/x');
    expect(redactUrl('s3://AKIA:key@bucket/x and http://a@b')).toBe('s3://***@bucket/x and http://***@b');
    // A token as the user of a git remote is a secret; ssh's user is not.
    expect(redactUrl('https://ghp_tok@github.com/o/r.git ssh://git@host/r')).toBe(
      'https://***@github.com/o/r.git ssh://git@host/r',
    );
  });
  test('many problems are reported together', () => {
    const e = new RelengErrors('2 fragments are invalid', ['a.md:1: x', 'b.md: y']);
    expect(e.message.split('\n')).toEqual([
      '2 fragments are invalid (2 problems):',
      '  - a.md:1: x',
      '  - b.md: y',
    ]);
  });
});
