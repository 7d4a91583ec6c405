/**
 * A stage's report: rendered as Markdown into the job summary and as plain text into the log (Forgejo
 * does not render summaries, so the log carries the same tables).
 */
export interface Table {
  header: string[];
  rows: string[][];
}
export interface SummaryBlock {
  heading?: string;
  text?: string;
  table?: Table;
  /** Markdown shown verbatim in the summary and the log (e.g. rendered release notes). */
  markdown?: string;
}
export interface Summary {
  title: string;
  blocks: SummaryBlock[];
}

/**
 * Text from elsewhere (file names of a leg, keys, tags) as Markdown shows it: every character Markdown or
 * HTML could read as markup is backslash-escaped (GitHub and Forgejo honour escapes of ASCII
 * punctuation), newlines become spaces. A file named `<img src=x onerror=…>` or `[x](javascript:…)` is
 * shown as its name.
 */
export const markdownText = (s: string) => s.replace(/[\\`[\]<>|&]/g, '\\$&').replace(/\r?\n/g, ' ');
/** A URL inside `(…)` of a Markdown link: nothing in it may close the link or start markup. */
export const markdownUrl = (u: string) =>
  u.replace(/[\s()<>[\]`\\|"']/g, (c) =>
    c.charCodeAt(0) < 128
      ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
      : encodeURIComponent(c),
  );
const escapeCell = markdownText;

export function renderMarkdown(summary: Summary): string {
  const out: string[] = [`## ${summary.title}`, ''];
  for (const b of summary.blocks) {
    if (b.heading) out.push(`### ${b.heading}`, '');
    if (b.text) out.push(b.text, '');
    if (b.table) {
      out.push(`| ${b.table.header.map(escapeCell).join(' | ')} |`);
      out.push(`| ${b.table.header.map(() => '---').join(' | ')} |`);
      for (const r of b.table.rows) out.push(`| ${r.map(escapeCell).join(' | ')} |`);
      out.push('');
    }
    if (b.markdown) out.push(b.markdown, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderText(summary: Summary): string {
  const out: string[] = [summary.title, '='.repeat(summary.title.length)];
  for (const b of summary.blocks) {
    if (b.heading) out.push('', b.heading, '-'.repeat(b.heading.length));
    if (b.text) out.push(b.text);
    if (b.table) out.push(...textTable(b.table));
    if (b.markdown) out.push(b.markdown);
  }
  return out.join('\n');
}

export function textTable(t: Table): string[] {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(t.header), line(widths.map((w) => '-'.repeat(w))), ...t.rows.map(line)];
}
