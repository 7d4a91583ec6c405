import type { Document } from 'yaml';
import { RelengError } from '../errors.js';

/**
 * A parsed YAML document as plain data. The yaml package refuses a document whose aliases expand past
 * its limit (a "billion laughs" bomb) with a bare ReferenceError; here that is one line naming the file.
 */
export function yamlToJs(doc: Document.Parsed, display: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof ReferenceError || e instanceof RangeError)
      throw new RelengError(
        `${display}: YAML aliases expand too far (${e.message.split('\n')[0]}); write the values out`,
      );
    throw e;
  }
}
