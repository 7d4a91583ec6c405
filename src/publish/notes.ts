import fs from 'node:fs';
import path from 'node:path';

/**
 * This version's section of the release notes (`OUTPUT-DIR/rl-MAJOR.md`, written by prepare): from its
 * `# PRODUCT VERSION (DATE)` heading to the next top-level heading. Undefined when there is none.
 */
export function versionNotes(
  dir: string,
  outputDir: string,
  product: string,
  version: string,
  major: string,
): string | undefined {
  // (The file name is built apart from the path call: ncc would take `path.resolve(dir, …, 'x.md')` for an
  // asset of the build machine's working directory and rewrite it into the bundle.)
  const file = path.join(path.resolve(dir, outputDir), notesFileName(major));
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const start = lines.findIndex(
    (l) => l.startsWith(`# ${product} ${version} (`) || l.trim() === `# ${product} ${version}`,
  );
  if (start < 0) return undefined;
  let end = lines.findIndex((l, i) => i > start && /^# /.test(l));
  if (end < 0) end = lines.length;
  return lines
    .slice(start + 1, end)
    .join('\n')
    .trim();
}

export function notesFileName(major: string): string {
  return `rl-${major}.md`;
}
