import fs from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { checkoutPath, describeFsError, readText } from '../config/checkout.js';
import { yamlToJs } from '../config/yaml.js';
import { RelengError } from '../errors.js';
import type { Author } from './authors.js';
import { splitFrontMatter } from './front-matter.js';
import type { NotesEra, Reference } from './style.js';

/** Categories in output order; a fragment without one is Miscellany (as Lix's build-release-notes). */
export const CATEGORIES = [
  'Breaking Changes',
  'Features',
  'Improvements',
  'Fixes',
  'Packaging',
  'Development',
  'Miscellany',
] as const;
export type Category = (typeof CATEGORIES)[number];

const KNOWN_KEYS = ['synopsis', 'cls', 'issues', 'prs', 'significance', 'category', 'credits'];

/** Bounds on what a fragment directory may hold (Lix's largest fragment is a few KiB). */
export const FRAGMENT_LIMITS = { fileBytes: 256 << 10, files: 4096, totalBytes: 32 << 20 };

export interface Fragment {
  /** Path relative to the checkout, used for ordering, messages and `git rm`. */
  file: string;
  synopsis: string;
  issues: Reference[];
  prs: Reference[];
  /** Gerrit change numbers, as Python's int() prints them. */
  cls: string[];
  significant: boolean;
  category: Category;
  credits: string[];
  /** The body after the front matter, stripped as Lix strips it. */
  body: string;
}

/** How a YAML value reads in a message. */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'bigint' || typeof v === 'number') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  return `'${String(v)}'`;
}

/**
 * Parses one fragment in the given era; problems (`file:line: reason; what to do`) are pushed, not
 * thrown, so that a run reports them all. Every front-matter field is type-checked: Python would print
 * a map as `{'a': 1}` where JavaScript prints `[object Object]`, and neither is a release note.
 */
export function parseFragment(
  file: string,
  text: string,
  era: NotesEra,
  problems: string[],
): Fragment | undefined {
  const split = splitFrontMatter(text);
  if (split === 'none') {
    problems.push(
      `${file}:1: missing front matter; start the file with a '---' line, the YAML keys, and another '---'`,
    );
    return undefined;
  }
  if (split === 'unclosed') {
    problems.push(`${file}:1: front matter is not closed; add a '---' line after the YAML keys`);
    return undefined;
  }
  const lc = new LineCounter();
  // PyYAML reads YAML 1.1 (yes/no booleans, 0-prefixed octal, timestamps); integers exact, as Python's.
  const doc = parseDocument(split.yaml, {
    lineCounter: lc,
    prettyErrors: false,
    version: '1.1',
    intAsBigInt: true,
  });
  const lineAt = (offset: number | undefined) =>
    split.line + (offset === undefined ? 0 : lc.linePos(offset).line - 1);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    problems.push(
      `${file}:${lineAt(e.pos[0])}: YAML syntax error in front matter: ${e.message.split('\n')[0]}`,
    );
    return undefined;
  }
  // Where the keys start: for problems about the front matter as a whole.
  const top = lineAt((doc.contents as { range?: number[] } | null)?.range?.[0]);
  let meta: unknown;
  try {
    meta = yamlToJs(doc, `${file}:${top}`);
  } catch (e) {
    problems.push((e as Error).message);
    return undefined;
  }
  if (!isMap(doc.contents) || typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    problems.push(`${file}:${top}: front matter must be YAML keys (synopsis: …)`);
    return undefined;
  }
  const m = meta as Record<string, unknown>;
  const has = (key: string) => Object.hasOwn(m, key);
  const keyLine = (key: string) => {
    const item = (doc.contents as { items: { key?: { value?: unknown; range?: number[] } }[] }).items.find(
      (p) => String(p.key?.value) === key,
    );
    return lineAt(item?.key?.range?.[0]);
  };
  const before = problems.length;
  const bad = (key: string, what: string) => problems.push(`${file}:${keyLine(key)}: ${what}`);

  for (const key of Object.keys(m))
    if (!KNOWN_KEYS.includes(key)) bad(key, `unknown key '${key}'; known keys are ${KNOWN_KEYS.join(', ')}`);

  let synopsis = '';
  if (!has('synopsis') || m.synopsis === null || (typeof m.synopsis === 'string' && m.synopsis.trim() === ''))
    problems.push(`${file}:${top}: missing synopsis; add 'synopsis: <one line>' to the front matter`);
  else if (typeof m.synopsis !== 'string')
    bad('synopsis', `synopsis must be text, got ${kindOf(m.synopsis)}; quote it ('synopsis: "…"')`);
  else synopsis = m.synopsis;

  let category: Category = 'Miscellany';
  if (has('category')) {
    const c = m.category;
    if (typeof c === 'string' && (CATEGORIES as readonly string[]).includes(c)) category = c as Category;
    else if (typeof c === 'string')
      bad('category', `unknown category '${c}'; use one of ${CATEGORIES.join(', ')}`);
    else bad('category', `category must be text, got ${kindOf(c)}; use one of ${CATEGORIES.join(', ')}`);
  }

  if (has('significance') && m.significance !== null && m.significance !== 'significant')
    bad('significance', `significance must be 'significant' or absent, got ${kindOf(m.significance)}`);

  // Lix's listify: one value or a list of them; a key with no value is [None], which Lix refuses too.
  const list = (key: string): unknown[] => {
    if (!has(key)) return [];
    const v = m[key];
    if (v === null) {
      bad(key, `'${key}' has no value; give one or remove the key`);
      return [];
    }
    const items = Array.isArray(v) ? v : [v];
    return items.filter((item) => {
      const scalar = typeof item === 'string' || typeof item === 'bigint';
      if (!scalar) bad(key, `'${key}' must hold text or whole numbers, got ${kindOf(item)}`);
      return scalar;
    });
  };
  const refs = (key: 'issues' | 'prs'): Reference[] =>
    list(key).flatMap((v) => {
      const r = era.reference(String(v), key === 'issues' ? 'issue' : 'PR');
      if ('problem' in r) {
        bad(key, r.problem);
        return [];
      }
      return [r];
    });
  const issues = refs('issues');
  const prs = refs('prs');
  const cls = list('cls').flatMap((v) => {
    const s = String(v);
    if (/^\d+$/.test(s)) return [BigInt(s).toString()];
    bad('cls', `cl '${s}' is not a number`);
    return [];
  });
  const credits = list('credits').flatMap((v) => {
    if (typeof v === 'string') return [v];
    bad('credits', `credit ${kindOf(v)} is not an author's name; quote it`);
    return [];
  });
  if (problems.length > before) return undefined;
  return {
    file,
    synopsis,
    issues,
    prs,
    cls,
    significant: m.significance === 'significant',
    category,
    credits,
    body: split.content,
  };
}

/** Whether a directory entry is a fragment in this era (`*.md`; from 2.94 on, not a dotfile). */
export function isFragmentName(name: string, era: NotesEra): boolean {
  return name.endsWith('.md') && !(era.skipDotfiles && name.startsWith('.'));
}

/**
 * Reads every fragment of the checkout's fragment directory `dir` (a real path inside `root`). A symlink
 * is followed only to a regular file inside the checkout. Problems are pushed for the caller to report
 * with its own; credits are checked against `authors` when there is an authors file.
 */
export function readFragments(
  root: string,
  dir: string,
  authors: Map<string, Author> | undefined,
  era: NotesEra,
  problems: string[],
): Fragment[] {
  let listing: fs.Dirent[];
  try {
    listing = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new RelengError(`${path.relative(root, dir)}: ${describeFsError(e)}`);
  }
  const entries = listing
    .filter((e) => isFragmentName(e.name, era))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (entries.length > FRAGMENT_LIMITS.files)
    throw new RelengError(
      `${path.relative(root, dir)}: ${entries.length} fragments, more than the ${FRAGMENT_LIMITS.files} allowed`,
    );
  const fragments: Fragment[] = [];
  let total = 0;
  for (const e of entries) {
    const rel = path.relative(root, path.join(dir, e.name));
    let text: string;
    try {
      const target = checkoutPath(root, rel, rel);
      text = readText(target.real, rel, FRAGMENT_LIMITS.fileBytes);
    } catch (err) {
      if (!(err instanceof RelengError)) throw err;
      problems.push(err.message);
      continue;
    }
    total += text.length;
    if (total > FRAGMENT_LIMITS.totalBytes)
      throw new RelengError(
        `${path.relative(root, dir)}: the fragments hold more than ${FRAGMENT_LIMITS.totalBytes} bytes together`,
      );
    const frag = parseFragment(rel, text, era, problems);
    if (!frag) continue;
    if (authors)
      for (const c of frag.credits)
        if (!authors.has(c))
          problems.push(`${rel}: unknown author '${c}' in credits; add them to the change authors file`);
    fragments.push(frag);
  }
  return fragments;
}
