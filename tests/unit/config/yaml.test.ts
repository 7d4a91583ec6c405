import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { yamlToJs } from '../../../src/config/yaml.js';

describe('yamlToJs', () => {
  test('plain data, aliases within bounds', () => {
    expect(yamlToJs(parseDocument('a: &x [1, 2]\nb: *x\n'), 'f')).toEqual({ a: [1, 2], b: [1, 2] });
  });
  test('an alias bomb is one line naming the file', () => {
    const levels = Array.from(
      { length: 8 },
      (_, i) => `z${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`,
    );
    const doc = parseDocument(`z0: &a0 [x, x, x, x, x, x, x, x, x]\n${levels.join('\n')}\n`);
    expect(() => yamlToJs(doc, 'f.yml')).toThrow(
      /^f\.yml: YAML aliases expand too far \(.*\); write the values out$/,
    );
  });
});
