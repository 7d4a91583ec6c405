import { describe, expect, test } from 'vitest';
import { Memo } from '../../../src/oci/memo.js';

describe('Memo', () => {
  test('the work of a key runs once; callers at the same time and later share it', async () => {
    const memo = new Memo<string, number>();
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    };
    const [a, b] = await Promise.all([memo.get('k', work), memo.get('k', work)]);
    expect([a, b, await memo.get('k', work)]).toEqual([42, 42, 42]);
    expect(runs).toBe(1);
    expect(await memo.get('other', async () => 7)).toBe(7);
  });

  test('a failure is shared too: the work is not started again', async () => {
    const memo = new Memo<string, number>();
    let runs = 0;
    const fail = async () => {
      runs++;
      throw new Error('no');
    };
    await expect(memo.get('k', fail)).rejects.toThrow('no');
    await expect(memo.get('k', fail)).rejects.toThrow('no');
    expect(runs).toBe(1);
  });

  test('a result found another way is kept: no work for it later', async () => {
    const memo = new Memo<string, string>();
    memo.set('file', Promise.resolve('known'));
    expect(await memo.get('file', async () => 'computed')).toBe('known');
  });
});
