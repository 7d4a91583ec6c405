import fs from 'node:fs';
import path from 'node:path';

/**
 * Expands path patterns as a shell would for inputs like `bundles: bundles/*` or `images: out/*.tar.gz`:
 * `*` and `?` within one segment, `**` for any depth. A pattern without wildcards is returned as is
 * (resolved), whether or not it exists, so the caller can name what is missing. Node 20 has no
 * fs.globSync, and these inputs need no more than this.
 */
export function expandGlob(pattern: string, cwd: string): string[] {
  const abs = path.resolve(cwd, pattern);
  if (!/[*?[]/.test(pattern)) return [abs];
  const root = path.parse(abs).root;
  const segments = abs.slice(root.length).split(path.sep).filter(Boolean);
  let current = [root];
  for (const seg of segments) {
    const next: string[] = [];
    if (seg === '**') {
      for (const dir of current) next.push(dir, ...subdirs(dir));
    } else if (!/[*?[]/.test(seg)) {
      for (const dir of current) {
        const p = path.join(dir, seg);
        if (fs.existsSync(p)) next.push(p);
      }
    } else {
      const re = segmentRegex(seg);
      for (const dir of current)
        for (const name of readdir(dir)) if (re.test(name)) next.push(path.join(dir, name));
    }
    current = [...new Set(next)];
  }
  return current.sort();
}

/** Every pattern expanded; the result keeps pattern order, each pattern's matches sorted, no duplicates. */
export function expandGlobs(patterns: string[], cwd: string): string[] {
  return [...new Set(patterns.flatMap((p) => expandGlob(p, cwd)))];
}

function readdir(dir: string): string[] {
  try {
    // Hidden entries match only patterns that start with a dot, as in a shell.
    return fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

function subdirs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdir(dir)) {
    const p = path.join(dir, name);
    try {
      if (fs.statSync(p).isDirectory()) out.push(p, ...subdirs(p));
    } catch {
      // vanished or unreadable: not a match
    }
  }
  return out;
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${seg
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
