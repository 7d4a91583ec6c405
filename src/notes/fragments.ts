import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { RelengError, RelengErrors } from '../errors.js';

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
const REFERENCE_RE = /^(\d+|gh#\d+|fj#\d+)$/;

export interface Fragment {
  /** Path as given (relative to the repository), used for ordering and messages. */
  file: string;
  synopsis: string;
  issues: string[];
  prs: string[];
  cls: number[];
  significant: boolean;
  category: Category;
  credits: string[];
  /** The body after the front matter, stripped of surrounding whitespace. */
  body: string;
}

function listify(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

// python-frontmatter's boundary: a line of three or more dashes.
const BOUNDARY = /^-{3,}[ \t]*$/m;

/** Parses one fragment; problems are pushed (file:line: reason) rather than thrown, to report all together. */
export function parseFragment(file: string, text: string, problems: string[]): Fragment | undefined {
  const trimmed = text.trim();
  const first = BOUNDARY.exec(trimmed);
  if (first?.index !== 0) {
    problems.push(
      `${file}:1: missing front matter; start the file with a '---' line, the YAML keys, and another '---'`,
    );
    return undefined;
  }
  const rest = trimmed.slice(first[0].length);
  const second = BOUNDARY.exec(rest);
  if (!second) {
    problems.push(`${file}:1: front matter is not closed; add a '---' line after the YAML keys`);
    return undefined;
  }
  const yamlText = rest.slice(0, second.index);
  const body = rest.slice(second.index + second[0].length).trim();
  const lc = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lc, prettyErrors: false });
  // yamlText starts with the rest of the opening --- line, so its line numbers are the file's.
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    problems.push(
      `${file}:${lineAt(e.pos[0])}: YAML syntax error in front matter: ${e.message.split('\n')[0]}`,
    );
    return undefined;
  }
  const meta = doc.toJS() as unknown;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    problems.push(`${file}:2: front matter must be YAML keys (synopsis: …)`);
    return undefined;
  }
  const m = meta as Record<string, unknown>;
  const keyLine = (key: string) => {
    const contents = doc.contents as { items?: { key?: { value?: unknown; range?: number[] } }[] } | null;
    const item = contents?.items?.find((p) => p.key?.value === key);
    return lineAt(item?.key?.range?.[0]);
  };
  const before = problems.length;
  for (const key of Object.keys(m))
    if (!KNOWN_KEYS.includes(key))
      problems.push(`${file}:${keyLine(key)}: unknown key '${key}'; known keys are ${KNOWN_KEYS.join(', ')}`);
  if (m.synopsis === undefined || m.synopsis === null || String(m.synopsis).trim() === '')
    problems.push(`${file}:2: missing synopsis; add 'synopsis: <one line>' to the front matter`);
  const category = m.category === undefined ? 'Miscellany' : String(m.category);
  if (!(CATEGORIES as readonly string[]).includes(category))
    problems.push(
      `${file}:${keyLine('category')}: unknown category '${category}'; use one of ${CATEGORIES.join(', ')}`,
    );
  if (m.significance !== undefined && m.significance !== null && m.significance !== 'significant')
    problems.push(
      `${file}:${keyLine('significance')}: significance must be 'significant' or absent, got '${String(m.significance)}'`,
    );
  const refs = (key: 'issues' | 'prs') =>
    listify(m[key]).map((v) => {
      const s = String(v);
      if (!REFERENCE_RE.test(s))
        problems.push(
          `${file}:${keyLine(key)}: unrecognised ${key === 'issues' ? 'issue' : 'PR'} reference '${s}'; use 1234, gh#1234 or fj#1234`,
        );
      return s;
    });
  const issues = refs('issues');
  const prs = refs('prs');
  const cls = listify(m.cls).map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      problems.push(`${file}:${keyLine('cls')}: cl '${String(v)}' is not a number`);
    return n;
  });
  const credits = listify(m.credits).map(String);
  if (problems.length > before) return undefined;
  return {
    file,
    synopsis: String(m.synopsis),
    issues,
    prs,
    cls,
    significant: m.significance === 'significant',
    category: category as Category,
    credits,
    body,
  };
}

export interface Author {
  name: string;
  display_name?: string;
  forgejo?: string;
  github?: string;
}

/** change-authors.yml: name → {display_name, forgejo, github}. */
export function readAuthors(file: string): Map<string, Author> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: false });
  if (doc.errors.length > 0)
    throw new RelengError(`${file}: YAML syntax error: ${doc.errors[0]!.message.split('\n')[0]}`);
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof data !== 'object' || Array.isArray(data))
    throw new RelengError(`${file}: expected a map of author name → details`);
  const authors = new Map<string, Author>();
  for (const [name, info] of Object.entries(data)) {
    const i = (info ?? {}) as Record<string, unknown>;
    const pick = (k: string) => (typeof i[k] === 'string' ? (i[k] as string) : undefined);
    authors.set(name, {
      name,
      display_name: pick('display_name'),
      forgejo: pick('forgejo'),
      github: pick('github'),
    });
  }
  return authors;
}

/** Reads every `*.md` fragment of a directory; all problems of the run are reported together. */
export function readFragments(
  dir: string,
  relTo: string,
  authors: Map<string, Author> | undefined,
): Fragment[] {
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => path.join(dir, e.name));
  const problems: string[] = [];
  const fragments: Fragment[] = [];
  for (const f of files) {
    const rel = path.relative(relTo, f);
    const frag = parseFragment(rel, fs.readFileSync(f, 'utf8'), problems);
    if (!frag) continue;
    if (authors)
      for (const c of frag.credits)
        if (!authors.has(c))
          problems.push(`${rel}: unknown author '${c}' in credits; add them to the change authors file`);
    fragments.push(frag);
  }
  if (problems.length > 0) {
    problems.sort();
    throw new RelengErrors(
      `release note fragments in ${path.relative(relTo, dir) || dir} are invalid`,
      problems,
    );
  }
  return fragments;
}
