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
  const file = path.resolve(dir, outputDir, `rl-${major}.md`);
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
