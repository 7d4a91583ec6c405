import { isSpace, lstrip, strip } from './pytext.js';

// python-frontmatter's split, which Lix's build-release-notes uses (frontmatter.load): the text is
// stripped, must start with a boundary — `^-{3,}\s*$` in MULTILINE mode, where `\s*` may swallow line
// breaks and `$` is only before '\n' or at the end — and is split at the first two boundaries; the
// content after them is stripped again.

export interface FrontMatter {
  /** The YAML between the boundaries. */
  yaml: string;
  /** The file's line on which `yaml` starts (1-based), for messages. */
  line: number;
  /** The body: stripped, as Lix prints it. */
  content: string;
}

/** The boundary match starting at `at` (a line start), as Python's regex engine finds it: its end, or -1. */
function boundaryAt(text: string, at: number): number {
  let p = at;
  while (text[p] === '-') p++;
  if (p - at < 3) return -1;
  let q = p;
  while (q < text.length && isSpace(text[q]!)) q++;
  // Greedy \s* backs off until `$` holds.
  for (; q >= p; q--) if (q === text.length || text[q] === '\n') return q;
  return -1;
}

/** Up to `max` boundaries, left to right, not overlapping: [start, end) pairs. */
function boundaries(text: string, max: number): [number, number][] {
  const found: [number, number][] = [];
  let from = 0;
  while (found.length < max && from <= text.length) {
    let hit = -1;
    let end = -1;
    for (let s = from; s <= text.length; s++) {
      if (s > 0 && text[s - 1] !== '\n') continue;
      end = boundaryAt(text, s);
      if (end >= 0) {
        hit = s;
        break;
      }
    }
    if (hit < 0) break;
    found.push([hit, end]);
    from = end;
  }
  return found;
}

/** The front matter of a fragment; 'none' when it does not start with a boundary, 'unclosed' without a second. */
export function splitFrontMatter(raw: string): FrontMatter | 'none' | 'unclosed' {
  const text = strip(raw);
  const leadingLines = countLines(raw.slice(0, raw.length - lstrip(raw).length));
  if (boundaryAt(text, 0) < 0) return 'none';
  const b = boundaries(text, 2);
  if (b.length < 2) return 'unclosed';
  const yaml = text.slice(b[0]![1], b[1]![0]);
  return {
    yaml,
    line: 1 + leadingLines + countLines(text.slice(0, b[0]![1])),
    content: strip(text.slice(b[1]![1])),
  };
}

const countLines = (s: string) => s.split('\n').length - 1;
