// src/nix/work-dir.ts: our temp directories under RUNNER_TEMP, and those a killed run left removed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { makeWorkDir, removeStaleWorkDirs, tempBase } from '../../../src/nix/work-dir.js';
import { tmpDir } from '../../helpers/tmp.js';

/** A pid no process has any more: a child that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);
}

describe('work directories', () => {
  test('made 0700 under RUNNER_TEMP, named by prefix and pid', () => {
    const base = tmpDir('releng-runner-temp-');
    expect(tempBase({ RUNNER_TEMP: base })).toBe(base);
    const dir = makeWorkDir('releng-key', { RUNNER_TEMP: base });
    expect(path.dirname(dir)).toBe(base);
    expect(path.basename(dir)).toMatch(new RegExp(`^releng-key-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  });

  test("a dead process's directories are removed; a live one's, ours, and others' names are kept", () => {
    const base = tmpDir('releng-runner-temp-');
    const dead = deadPid();
    const stale = ['releng-key', 'releng-cache', 'releng-merge'].map((p) =>
      path.join(base, `${p}-${dead}-AbC123`),
    );
    for (const d of stale) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'secret-key'), 'x');
    }
    const kept = [
      `releng-key-${process.pid}-AbC123`,
      // pid 1 runs (init): another live process's directory is in use.
      'releng-key-1-AbC123',
      `releng-other-${dead}-AbC123`,
      'releng-key-notapid-AbC123',
    ];
    for (const k of kept) fs.mkdirSync(path.join(base, k));
    // A file of the same name is not a directory of ours.
    fs.writeFileSync(path.join(base, `releng-cache-${dead}-XyZ789`), '');
    expect(removeStaleWorkDirs({ RUNNER_TEMP: base }).sort()).toEqual(stale.sort());
    expect(fs.readdirSync(base).sort()).toEqual([...kept, `releng-cache-${dead}-XyZ789`].sort());
  });
});
