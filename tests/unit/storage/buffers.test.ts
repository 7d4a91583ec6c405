import { describe, expect, test } from 'vitest';
import { CHUNK, giveBuffer, takeBuffer } from '../../../src/storage/buffers.js';

describe('read buffers', () => {
  test('a buffer given back is taken again instead of a new one', () => {
    const a = takeBuffer();
    expect(a.length).toBe(CHUNK);
    giveBuffer(a);
    expect(takeBuffer()).toBe(a);
  });

  test('buffers of another size are not pooled', () => {
    const odd = Buffer.alloc(10);
    giveBuffer(odd);
    expect(takeBuffer()).not.toBe(odd);
  });

  test('the pool keeps a bounded number', () => {
    const many = Array.from({ length: 100 }, () => takeBuffer());
    for (const b of many) giveBuffer(b);
    const again = Array.from({ length: 100 }, () => takeBuffer());
    const reused = again.filter((b) => many.includes(b)).length;
    expect(reused).toBeGreaterThan(0);
    expect(reused).toBeLessThan(100);
  });
});
