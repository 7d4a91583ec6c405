import { describe, expect, test } from 'vitest';
import { envInputs, Inputs, mapInputs, splitList } from '../../src/inputs.js';

describe('inputs', () => {
  test('reads INPUT_ variables as the runner sets them, hyphens kept', () => {
    const src = envInputs({ 'INPUT_WORKING-DIRECTORY': ' sub ', INPUT_EMPTY: '  ' });
    expect(src.get('working-directory')).toBe('sub');
    expect(src.get('empty')).toBeUndefined();
  });
  test('typed readers name the input on bad values', () => {
    const i = new Inputs(mapInputs({ flag: 'maybe', n: '1.5', c: 'x', list: 'a, b\nc,,' }));
    expect(() => i.bool('flag')).toThrow(/input 'flag' must be true or false, got 'maybe'/);
    expect(() => i.int('n', 0, 0, 9)).toThrow(/input 'n' must be a whole number/);
    expect(() => i.choice('c', ['y', 'z'], 'y')).toThrow(/input 'c' must be one of y, z/);
    expect(() => i.required('missing')).toThrow(/input 'missing' is required/);
    expect(i.list('list')).toEqual(['a', 'b', 'c']);
    expect(i.bool('absent', true)).toBe(true);
    expect(splitList('x\n\ny')).toEqual(['x', 'y']);
  });
});
