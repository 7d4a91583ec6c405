import type { Author } from './authors.js';
import { CATEGORIES, type Fragment } from './fragments.js';
import { compareCodePoints, indent, rstrip, splitlines } from './pytext.js';
import type { NotesEra, Reference } from './style.js';

/** Link bases; defaults are Lix's (maintainers/build-release-notes.py). */
export interface LinkBases {
  github: string;
  githubRoot: string;
  forgejo: string;
  forgejoRoot: string;
  gerrit: string;
}

export const LIX_LINKS: LinkBases = {
  github: 'https://github.com/NixOS/nix',
  githubRoot: 'https://github.com/',
  forgejo: 'https://git.lix.systems/lix-project/lix',
  forgejoRoot: 'https://git.lix.systems/',
  gerrit: 'https://gerrit.lix.systems/c/lix/+',
};

function formatLink(r: Reference, ghPart: string, fjPart: string, links: LinkBases): string {
  const base = r.forge === 'github' ? `${links.github}/${ghPart}` : `${links.forgejo}/${fjPart}`;
  return `[${r.text}](${base}/${r.number})`;
}

export function showAuthor(name: string, authors: Map<string, Author> | undefined, links: LinkBases): string {
  const a = authors?.get(name);
  if (!a) return name;
  const shown = a.display_name || a.name;
  if (a.forgejo) return `[${shown}](${links.forgejoRoot}${a.forgejo})`;
  if (a.github) return `[${shown}](${links.githubRoot}${a.github})`;
  return shown;
}

/** "A", "A and B", "A, B, and C" (Oxford comma from three). */
export function pluralList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  const comma = items.length >= 3 ? ',' : '';
  return `${items.slice(0, -1).join(', ')}${comma} and ${items[items.length - 1]}`;
}

/** The release notes body, byte for byte what Lix's build-release-notes of `era` prints. */
export function renderNotes(
  fragments: Fragment[],
  authors: Map<string, Author> | undefined,
  links: LinkBases,
  era: NotesEra,
): string {
  let out = '';
  const print = (s = '') => {
    out += `${s}\n`;
  };
  for (const category of CATEGORIES) {
    // Significant first, then by path (Python compares str by code point).
    const entries = fragments
      .filter((f) => f.category === category)
      .sort((a, b) =>
        a.significant !== b.significant ? (a.significant ? -1 : 1) : compareCodePoints(a.file, b.file),
      );
    if (entries.length === 0) continue;
    if (era.spaced) {
      print(`## ${category}`);
      print();
    } else print(`\n## ${category}`);
    for (const e of entries) {
      const refs = [
        ...e.issues.map((r) => formatLink(r, 'issues', 'issues', links)),
        ...e.prs.map((r) => formatLink(r, 'pull', 'pulls', links)),
        ...e.cls.map((cl) => `[cl/${cl}](${links.gerrit}/${cl})`),
      ];
      // A fragment always has a synopsis here (an empty one is refused), so the header is never empty.
      print(`- ${refs.length > 0 ? `${e.synopsis} ${refs.join(' ')}` : e.synopsis}`);
      print();
      print(indent(e.body, '  '));
      if (e.credits.length > 0) {
        print();
        print(
          indent(
            `Many thanks to ${pluralList(e.credits.map((c) => showAuthor(c, authors, links)))} for this.`,
            '  ',
          ),
        );
      }
      if (era.spaced) print();
    }
    // With the entry's blank line, two blank lines end a category.
    if (era.spaced) print();
  }
  return out;
}

/**
 * The new rl-MAJOR.md text (Lix's releng/release_notes.py, the same in every era). A new major starts with
 * `# PRODUCT MAJOR "NAME" (DATE)`; a minor keeps the existing first line. Then the version header, the
 * body, and the old text (as Python reads a text file: universal newlines); one final newline.
 */
export function releaseNotesFile(opts: {
  existing: string;
  product: string;
  major: string;
  version: string;
  releaseName: string;
  date: string;
  body: string;
}): string {
  let existing = opts.existing;
  let header = `# ${opts.product} ${opts.major} "${opts.releaseName}"`;
  if (existing.startsWith(header)) {
    const lines = splitlines(existing);
    header = lines[0]!;
    existing = lines.slice(1).join('\n');
  } else {
    header += ` (${opts.date})\n\n`;
  }
  header += `\n# ${opts.product} ${opts.version} (${opts.date})\n`;
  return `${rstrip(`${header}${opts.body}\n\n${existing}`)}\n`;
}

export const SUMMARY_MARKER = '  <!-- RELENG-AUTO-INSERTION-MARKER';

/** The table-of-contents line of a major, as Lix writes it. */
export function summaryLine(product: string, major: string, date: string): string {
  return `- [${product} ${major} (${date})](release-notes/rl-${major}.md)`;
}

/**
 * SUMMARY.md: a line for the new major after the insertion marker, with what stands before the marker as
 * its indentation. Not added again when a line already links rl-MAJOR.md (a re-run must not duplicate it).
 */
export function insertSummaryLine(summary: string, product: string, major: string, date: string): string {
  const lines = splitlines(summary);
  const link = `](release-notes/rl-${major}.md)`;
  if (lines.some((l) => l.trimStart().startsWith('- [') && l.trimEnd().endsWith(link)))
    return `${rstrip(lines.join('\n'))}\n`;
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    const at = line.indexOf(SUMMARY_MARKER);
    if (at >= 0) out.push(`${line.slice(0, at)}${summaryLine(product, major, date)}`);
  }
  return `${rstrip(out.join('\n'))}\n`;
}
