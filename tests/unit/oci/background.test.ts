import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BackgroundWork } from '../../../src/oci/background.js';
import { tmpDir } from '../../helpers/tmp.js';

describe('BackgroundWork', () => {
  test('the first failure of tracked work is remembered; settle waits for all and never throws', async () => {
    const work = new BackgroundWork(tmpDir());
    expect(() => work.throwIfFailed()).not.toThrow();
    let late = false;
    const ok = work.track(
      new Promise((r) =>
        setTimeout(() => {
          late = true;
          r(true);
        }, 20),
      ),
    );
    const first = work.track(Promise.reject(new Error('first')));
    const second = work.track(Promise.reject(new Error('second')));
    // The promises are given back as they are: their callers still see their outcome.
    await expect(first).rejects.toThrow('first');
    await expect(second).rejects.toThrow('second');
    expect(() => work.throwIfFailed()).toThrow('first');
    await work.settle();
    expect(late).toBe(true);
    expect(await ok).toBe(true);
  });

  test('spool files are made in the temp directory and removed by settle', async () => {
    const dir = tmpDir();
    const work = new BackgroundWork(dir);
    const done = work.spool('layer');
    await done.append(Buffer.from('bytes'));
    await done.finish();
    const unfinished = work.spool('copy');
    await unfinished.append(Buffer.from('half'));
    expect(
      fs
        .readdirSync(dir)
        .map((f) => f.split('.')[0])
        .sort(),
    ).toEqual(['copy', 'layer']);
    await work.settle();
    expect(fs.readdirSync(dir)).toEqual([]);
    // A spool removed before it was finished fails its readers instead of leaving them waiting.
    await expect(unfinished.done).rejects.toThrow(/spool disposed/);
  });
});
