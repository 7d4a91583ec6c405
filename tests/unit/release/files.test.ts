// src/release/files.ts: placing bytes (hard links, else copies), listing trees, copying out of the store.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ContainedDir, copyOutOfStore, listFiles, placeFile, placeTree } from '../../../src/release/files.js';
import { tmpDir, writeFiles } from '../../helpers/tmp.js';

describe('release files', () => {
  test('placeFile hard-links, replaces a stale file, and leaves a file that is already the source', () => {
    const dir = tmpDir();
    writeFiles(dir, { 'src/a': 'bytes', 'out/x/a': 'stale' });
    const src = path.join(dir, 'src/a');
    const dest = path.join(dir, 'out/x/a');
    placeFile(src, dest);
    expect(fs.readFileSync(dest, 'utf8')).toBe('bytes');
    expect(fs.statSync(dest).ino).toBe(fs.statSync(src).ino);
    placeFile(src, dest);
    expect(fs.statSync(src).nlink).toBe(2);
    placeFile(src, path.join(dir, 'new/deep/a'));
    expect(fs.readFileSync(path.join(dir, 'new/deep/a'), 'utf8')).toBe('bytes');
  });

  test('listFiles: regular files, sorted, forward slashes; placeTree mirrors them', () => {
    const dir = tmpDir();
    writeFiles(dir, { 'b/c.txt': 'c', 'a.txt': 'a', 'b/a/z': 'z' });
    fs.symlinkSync('a.txt', path.join(dir, 'link'));
    expect(listFiles(dir)).toEqual(['a.txt', 'b/a/z', 'b/c.txt']);
    const copy = path.join(tmpDir(), 'copy');
    placeTree(dir, copy);
    expect(listFiles(copy)).toEqual(['a.txt', 'b/a/z', 'b/c.txt']);
  });

  test('copyOutOfStore: read-only store files become 0644, executables 0755, directories recursed', () => {
    const store = tmpDir();
    writeFiles(store, { 'out/bin/tool': '#!/bin/sh', 'out/share/doc': 'doc' });
    fs.chmodSync(path.join(store, 'out/bin/tool'), 0o555);
    fs.chmodSync(path.join(store, 'out/share/doc'), 0o444);
    const dest = path.join(tmpDir(), 'copy');
    copyOutOfStore(path.join(store, 'out'), dest);
    expect(fs.statSync(path.join(dest, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dest, 'share/doc')).mode & 0o777).toBe(0o644);
    // Again over a read-only copy: replaced.
    fs.chmodSync(path.join(dest, 'share/doc'), 0o444);
    copyOutOfStore(path.join(store, 'out/share/doc'), path.join(dest, 'share/doc'));
    expect(fs.readFileSync(path.join(dest, 'share/doc'), 'utf8')).toBe('doc');
  });
});

describe('a contained directory: nothing outside it is read', () => {
  test('links inside are followed, links out, dangling links and special files are refused by name', () => {
    const outer = tmpDir();
    writeFiles(outer, { 'secret.txt': 'of the runner\n', 'b/a.txt': 'a\n', 'b/sub/c.txt': 'c\n' });
    const b = path.join(outer, 'b');
    fs.symlinkSync('a.txt', path.join(b, 'inside-link'));
    const root = new ContainedDir(b, 'the leg bundle');
    expect(root.files().map((f) => [f.path, fs.readFileSync(f.source, 'utf8')])).toEqual([
      ['a.txt', 'a\n'],
      ['inside-link', 'a\n'],
      ['sub/c.txt', 'c\n'],
    ]);
    fs.symlinkSync(path.join(outer, 'secret.txt'), path.join(b, 'sub', 'out'));
    expect(() => root.files()).toThrow(/sub\/out: leads outside the leg bundle .* through a symbolic link/);
    expect(() => root.resolve(path.join(b, 'sub', 'out'), 'file')).toThrow(/leads outside/);
    fs.rmSync(path.join(b, 'sub', 'out'));
    fs.symlinkSync(path.join(outer, 'nothing'), path.join(b, 'dangling'));
    expect(() => root.resolve(path.join(b, 'dangling'), 'file')).toThrow(
      /dangling: is a symbolic link that leads nowhere/,
    );
    fs.rmSync(path.join(b, 'dangling'));
    execFileSync('mkfifo', [path.join(b, 'pipe')]);
    expect(() => root.files()).toThrow(/pipe: is not a regular file \(a FIFO\)/);
    expect(() => root.resolve(path.join(outer, 'secret.txt'), 'file')).toThrow(
      /is not inside the leg bundle/,
    );
    // The directory itself a link elsewhere: its real place is what is contained.
    fs.rmSync(path.join(b, 'pipe'));
    fs.symlinkSync(b, path.join(outer, 'alias'));
    expect(new ContainedDir(path.join(outer, 'alias'), 'x').files().length).toBe(3);
  });
});
