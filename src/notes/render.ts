import { type Author, CATEGORIES, type Fragment } from './fragments.js';

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

function formatLink(id: string, ghPart: string, fjPart: string, links: LinkBases): string {
  if (/^\d+$/.test(id)) return `[#${id}](${links.github}/${ghPart}/${Number(id)})`;
  if (id.startsWith('gh#')) return `[${id}](${links.github}/${ghPart}/${Number(id.slice(3))})`;
  return `[${id}](${links.forgejo}/${fjPart}/${Number(id.slice(3))})`;
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

/** Python's textwrap.indent: prefix every line that is not whitespace-only; keep line endings. */
export function indent(text: string, prefix: string): string {
  return text
    .split(/(?<=\n)/)
    .map((line) => (line.trim() === '' ? line : prefix + line))
    .join('');
}

/** The release notes body, byte for byte what Lix's build-release-notes prints. */
export function renderNotes(
  fragments: Fragment[],
  authors: Map<string, Author> | undefined,
  links: LinkBases,
): string {
  let out = '';
  const print = (s = '') => {
    out += `${s}\n`;
  };
  for (const category of CATEGORIES) {
    const entries = fragments
      .filter((f) => f.category === category)
      .sort((a, b) =>
        a.significant !== b.significant
          ? a.significant
            ? -1
            : 1
          : a.file < b.file
            ? -1
            : a.file > b.file
              ? 1
              : 0,
      );
    if (entries.length === 0) continue;
    print(`\n## ${category}`);
    for (const e of entries) {
      let header = e.synopsis;
      const refs = [
        ...e.issues.map((i) => formatLink(i, 'issues', 'issues', links)),
        ...e.prs.map((p) => formatLink(p, 'pull', 'pulls', links)),
        ...e.cls.map((cl) => `[cl/${cl}](${links.gerrit}/${cl})`),
      ];
      if (refs.length > 0) header += ` ${refs.join(' ')}`;
      if (header) {
        print(`- ${header}`);
        print();
      }
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
    }
  }
  return out;
}

/**
 * The new rl-MAJOR.md text. A new major starts with `# PRODUCT MAJOR "NAME" (DATE)`; a minor keeps the
 * existing first line. Then the version header, the body, and the old text; one final newline.
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
    const lines = existing.split(/\r?\n/);
    // Python's splitlines drops a final empty element; join(lines[1:]) as the reference does.
    if (lines[lines.length - 1] === '') lines.pop();
    header = lines[0]!;
    existing = lines.slice(1).join('\n');
  } else {
    header += ` (${opts.date})\n\n`;
  }
  header += `\n# ${opts.product} ${opts.version} (${opts.date})\n`;
  return `${`${header}${opts.body}\n\n${existing}`.trimEnd()}\n`;
}

/** SUMMARY.md: a line for the new major after the insertion marker, with the marker's indentation. */
export function insertSummaryLine(summary: string, product: string, major: string, date: string): string {
  const MARKER = '  <!-- RELENG-AUTO-INSERTION-MARKER';
  const lines = summary.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  for (const line of lines) {
    out.push(line);
    const at = line.indexOf(MARKER);
    if (at >= 0)
      out.push(`${line.slice(0, at)}- [${product} ${major} (${date})](release-notes/rl-${major}.md)`);
  }
  return `${out.join('\n').trimEnd()}\n`;
}
