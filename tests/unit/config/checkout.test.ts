import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkoutPath, describeFsError, readText } from '../../../src/config/checkout.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

describe('checkoutPath', () => {
  test('a path inside: its real path, relative name and whether it exists', () => {
    const d = tmpDir();
    writeFiles(d, { 'doc/a.md': 'x' });
    const root = fs.realpathSync(d);
    expect(checkoutPath(d, 'doc/a.md', 'k')).toEqual({
      root,
      real: path.join(root, 'doc/a.md'),
      rel: 'doc/a.md',
      exists: true,
    });
    expect(checkoutPath(d, 'doc/new/b.md', 'k')).toEqual({
      root,
      real: path.join(root, 'doc/new/b.md'),
      rel: 'doc/new/b.md',
      exists: false,
    });
  });
  test('symlinks inside the checkout are followed to their real place', () => {
    const d = tmpDir();
    writeFiles(d, { 'real/a.md': 'x' });
    fs.symlinkSync('real', path.join(d, 'alias'));
    expect(checkoutPath(d, 'alias/a.md', 'k').rel).toBe('real/a.md');
    expect(checkoutPath(d, 'alias/new.md', 'k').rel).toBe('real/new.md');
  });
  test('leaving the checkout, lexically or through a link, is refused naming the key', () => {
    const d = tmpDir();
    const outside = tmpDir();
    fs.symlinkSync(outside, path.join(d, 'out'));
    fs.symlinkSync(path.join(outside, 'nothing-yet'), path.join(d, 'dangling'));
    fs.symlinkSync('loop', path.join(d, 'loop'));
    expect(() => checkoutPath(d, '../x', "key 'k'")).toThrow(
      "key 'k': '../x' is outside the repository; use a path inside it",
    );
    expect(() => checkoutPath(d, '/etc/passwd', 'k')).toThrow(/'\/etc\/passwd' is outside the repository/);
    expect(() => checkoutPath(d, 'out/x.md', 'k')).toThrow(
      /'out\/x\.md' leads outside the repository \(to .*\) through a symbolic link/,
    );
    expect(() => checkoutPath(d, 'dangling', 'k')).toThrow(
      "k: 'dangling' is a symbolic link that leads nowhere",
    );
    expect(() => checkoutPath(d, 'loop/x', 'k')).toThrow("k: 'loop/x' is a symbolic link that loops");
    expect(() => checkoutPath(d, 'a\0b', 'k')).toThrow('k: the path contains a NUL character');
  });
  test('.git and a path below a file are refused', () => {
    const d = tmpDir();
    writeFiles(d, { '.git/HEAD': 'ref\n', 'file.txt': 'x' });
    fs.symlinkSync('.git', path.join(d, 'g'));
    expect(() => checkoutPath(d, '.git/hooks', 'k')).toThrow(
      "k: '.git/hooks' is inside .git; use a path of the work tree",
    );
    expect(() => checkoutPath(d, 'g/hooks', 'k')).toThrow(/inside \.git/);
    expect(() => checkoutPath(d, 'file.txt/x', 'k')).toThrow("k: 'file.txt' is not a directory");
  });
});

describe('readText', () => {
  test('a regular UTF-8 file within its bound', () => {
    const d = tmpDir();
    writeFiles(d, { 'a.txt': 'héllo\n' });
    expect(readText(path.join(d, 'a.txt'), 'a.txt', 100)).toBe('héllo\n');
  });
  test('each failure is one line naming the file', () => {
    const d = tmpDir();
    writeFiles(d, { 'big.txt': 'x'.repeat(101) });
    fs.writeFileSync(path.join(d, 'bad.txt'), Buffer.from([0x66, 0xe9, 0x0a]));
    execFileSync('mkfifo', [path.join(d, 'fifo')]);
    expect(() => readText(path.join(d, 'none'), 'none', 100)).toThrow(/^none: not found$/);
    expect(() => readText(d, 'dir', 100)).toThrow(/^dir: is a directory, not a file$/);
    expect(() => readText(path.join(d, 'fifo'), 'fifo', 100)).toThrow(/^fifo: is not a regular file$/);
    expect(() => readText(path.join(d, 'big.txt'), 'big', 100)).toThrow(
      'big: is 101 bytes, more than the 100 allowed',
    );
    expect(() => readText(path.join(d, 'bad.txt'), 'bad', 100)).toThrow('bad: is not valid UTF-8 text');
  });
  test('a byte-order mark is kept, as Python reads it', () => {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'bom'), '\ufeffx');
    expect(readText(path.join(d, 'bom'), 'bom', 10)).toBe('\ufeffx');
  });
  test('describeFsError words the codes a user can act on', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(describeFsError(err('EACCES'))).toBe('cannot be read (permission denied)');
    expect(describeFsError(err('ELOOP'))).toBe('is a symbolic link that loops');
  });
});
