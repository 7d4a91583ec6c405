import { isMap, LineCounter, parseDocument } from 'yaml';
import { yamlToJs } from '../config/yaml.js';
import { RelengErrors } from '../errors.js';

export interface Author {
  name: string;
  display_name?: string;
  forgejo?: string;
  github?: string;
}

const AUTHOR_KEYS = ['display_name', 'forgejo', 'github'] as const;

/**
 * change-authors.yml: name → {display_name, forgejo, github}, every entry checked (Lix's AuthorInfo(**d)
 * takes no other key). `display` names the file in problems; all of them are reported together.
 */
export function parseAuthors(text: string, display: string): Map<string, Author> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, version: '1.1' });
  const at = (offset: number | undefined) =>
    `${display}:${offset === undefined ? 1 : lc.linePos(offset).line}`;
  if (doc.errors.length > 0)
    throw new RelengErrors(`${display} is invalid`, [
      `${at(doc.errors[0]!.pos[0])}: YAML syntax error: ${doc.errors[0]!.message.split('\n')[0]}`,
    ]);
  const data = yamlToJs(doc, display);
  const authors = new Map<string, Author>();
  if (data === null || data === undefined) return authors;
  if (!isMap(doc.contents) || typeof data !== 'object' || Array.isArray(data))
    throw new RelengErrors(`${display} is invalid`, [
      `${at(undefined)}: expected a map of author name → {display_name, forgejo, github}`,
    ]);
  const problems: string[] = [];
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as { value?: unknown; range?: number[] } | null;
    const name = String(keyNode?.value);
    const where = at(keyNode?.range?.[0]);
    const info = (data as Record<string, unknown>)[name];
    if (info === null || typeof info !== 'object' || Array.isArray(info) || info instanceof Date) {
      problems.push(
        `${where}: author '${name}' must be a map of ${AUTHOR_KEYS.join(', ')} (use {} for none)`,
      );
      continue;
    }
    const author: Author = { name };
    for (const [k, v] of Object.entries(info)) {
      if (!(AUTHOR_KEYS as readonly string[]).includes(k))
        problems.push(
          `${where}: author '${name}': unknown key '${k}'; known keys are ${AUTHOR_KEYS.join(', ')}`,
        );
      else if (v !== null && typeof v !== 'string')
        problems.push(`${where}: author '${name}': '${k}' must be text`);
      else if (typeof v === 'string') author[k as (typeof AUTHOR_KEYS)[number]] = v;
    }
    authors.set(name, author);
  }
  if (problems.length > 0) throw new RelengErrors(`${display} is invalid`, problems);
  return authors;
}
