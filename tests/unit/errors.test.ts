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

describe('describeError', () => {
  test('a user error is its line; a bug shows its name, and its stack with RUNNER_DEBUG; credentials never', () => {
    const bug = new TypeError('x is undefined at https://u:p@h');
    expect(describeError(bug, false)).toBe('TypeError: x is undefined at https://***@h');
    const debug = describeError(bug, true);
    expect(debug.split('\n')[0]).toBe('TypeError: x is undefined at https://***@h');
    expect(debug.split('\n').length).toBeGreaterThan(1);
    expect(describeError('plain https://u:p@h', false)).toBe('plain https://***@h');
  });
  test('one problem of many is still one line', () => {
    expect(new RelengErrors('preflight failed', ['bucket\n missing']).message).toBe(
      'preflight failed: bucket missing',
    );
  });
});
