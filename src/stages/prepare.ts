import fs from 'node:fs';
import path from 'node:path';
import { type CheckoutPath, checkoutPath, readText } from '../config/checkout.js';
import type { Config } from '../config/schema.js';
import {
  checkReleaseName,
  checkVersion,
  majorOf,
  printable,
  readVersionInfo,
  VERSION_JSON_LIMITS,
  versionJsonText,
} from '../config/version.js';
import { RelengError, RelengErrors } from '../errors.js';
import { Git, type GitIdentity } from '../git/git.js';
import type { Logger } from '../log.js';
import { type Author, parseAuthors } from '../notes/authors.js';
import { readFragments } from '../notes/fragments.js';
import { universalNewlines } from '../notes/pytext.js';
import { insertSummaryLine, releaseNotesFile, renderNotes, SUMMARY_MARKER } from '../notes/render.js';
import { ERAS } from '../notes/style.js';

export interface PrepareOptions {
  dir: string;
  config: Config;
  version?: string;
  releaseName?: string;
  /** YYYY-MM-DD; default today in UTC. */
  date?: string;
  noCommit: boolean;
  identity: GitIdentity;
  log: Logger;
}

export interface PrepareResult {
  version: string;
  major: string;
  /** Relative to the working directory. */
  notesFile: string;
  commit: string;
  /** The rendered section for this version (for the summary). */
  section: string;
  fragments: number;
}

export const COMMIT_TRAILER = 'Release-tool: releng-actions prepare';

/** Bounds on the files prepare rewrites (Lix's largest rl-MAJOR.md is well under a MiB). */
const MAX_BYTES = { notes: 16 << 20, summary: 4 << 20, authors: 4 << 20 };

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** A file to write: where, and its new text. */
interface Write {
  file: CheckoutPath;
  text: string;
}

/**
 * Lix's release notes step: fragments → rl-MAJOR.md (+ SUMMARY.md for a new major), fragments removed,
 * one commit. Everything is read and checked first — every path resolved inside the checkout, every
 * fragment, version.json — and only then is anything written.
 */
export async function prepare(o: PrepareOptions): Promise<PrepareResult> {
  const { dir, config, log } = o;
  const era = ERAS[config.notes.style];
  const git = new Git(dir, log, o.identity);
  if (!o.noCommit && !(await git.isRepo()))
    throw new RelengError(`${dir}: not a git repository; run prepare in the project's checkout`);

  // 1. Where everything is: inside the checkout, symlinks included, or nothing happens.
  const at = (key: 'fragments' | 'authors' | 'output-dir' | 'summary') =>
    checkoutPath(dir, config.notes[key], `releng.yml key 'notes.${key}'`);
  const fragmentsDir = at('fragments');
  const authorsFile = at('authors');
  const outDir = at('output-dir');
  const summaryFile = at('summary');
  const versionFile = checkoutPath(dir, 'version.json', 'version.json');
  if (outDir.exists && !fs.statSync(outDir.real).isDirectory())
    throw new RelengError(`releng.yml key 'notes.output-dir': '${outDir.rel}' is not a directory`);

  // 2. Version: version.json, or the inputs (then version.json is updated in the same commit).
  const info = readVersionInfo(dir);
  const version = o.version ? checkVersion(o.version, "input 'version'") : info.version;
  const releaseName =
    o.releaseName !== undefined ? checkReleaseName(o.releaseName, "input 'release-name'") : info.releaseName;
  const major = majorOf(version);
  const date = o.date ?? todayUtc();
  if (!isCalendarDate(date))
    throw new RelengError(
      `input 'date' must be a calendar date YYYY-MM-DD (e.g. 2024-08-12), got '${printable(date)}'`,
    );
  if (!releaseName)
    throw new RelengError(`${versionFile.rel}: "release_name" is empty; set it there or pass release-name`);

  // 3. The notes file; a second section for the same version is refused.
  const notesFile = checkoutPath(
    dir,
    path.join(outDir.rel, `rl-${major}.md`),
    `releng.yml key 'notes.output-dir'`,
  );
  const existing = notesFile.exists
    ? universalNewlines(readText(notesFile.real, notesFile.rel, MAX_BYTES.notes))
    : '';
  const sectionHeader = `# ${config.product} ${version} (`;
  if (existing.split('\n').some((l) => l.startsWith(sectionHeader)))
    throw new RelengError(
      `${notesFile.rel}: already has a section for ${version}; prepare ran already — go on with the tag stage, or bump the version`,
    );

  // 4. Fragments and authors, every problem reported together.
  const problems: string[] = [];
  let authors: Map<string, Author> | undefined;
  if (authorsFile.exists)
    authors = parseAuthors(readText(authorsFile.real, authorsFile.rel, MAX_BYTES.authors), authorsFile.rel);
  let body = '';
  let fragmentFiles: string[] = [];
  if (fragmentsDir.exists && fs.statSync(fragmentsDir.real).isDirectory()) {
    const fragments = readFragments(fragmentsDir.root, fragmentsDir.real, authors, era, problems);
    fragmentFiles = fragments.map((f) => f.file);
    if (!o.noCommit) problems.push(...(await untracked(git, fragmentFiles)));
    const links = config.notes.links;
    body = renderNotes(
      fragments,
      authors,
      {
        github: links.github,
        githubRoot: links['github-root'],
        forgejo: links.forgejo,
        forgejoRoot: links['forgejo-root'],
        gerrit: links.gerrit,
      },
      era,
    );
  } else {
    log.warning(
      `${fragmentsDir.rel}: no fragments directory; the release notes for ${version} will be empty`,
    );
  }
  if (problems.length > 0) {
    problems.sort();
    throw new RelengErrors(`release note fragments in ${fragmentsDir.rel} are invalid`, problems);
  }

  // 5. Every new text, computed before the first write.
  const writes: Write[] = [];
  if (!notesFile.exists) {
    if (summaryFile.exists) {
      const old = universalNewlines(readText(summaryFile.real, summaryFile.rel, MAX_BYTES.summary));
      if (!old.includes(SUMMARY_MARKER))
        log.warning(
          `${summaryFile.rel}: no '${SUMMARY_MARKER.trim()}' line; no table-of-contents line added`,
        );
      const text = insertSummaryLine(old, config.product, major, date);
      if (text !== old) writes.push({ file: summaryFile, text });
    } else log.warning(`${summaryFile.rel}: not found; no table-of-contents line added for ${major}`);
  }
  writes.push({
    file: notesFile,
    text: releaseNotesFile({ existing, product: config.product, major, version, releaseName, date, body }),
  });
  if (version !== info.version || releaseName !== info.releaseName) {
    const old = readText(versionFile.real, versionFile.rel, VERSION_JSON_LIMITS.bytes);
    writes.push({
      file: versionFile,
      text: versionJsonText(old, { version, release_name: releaseName }, versionFile.rel),
    });
  }
  if (!o.noCommit) await refuseIgnored(git, writes);

  // 6. Write.
  try {
    fs.mkdirSync(outDir.real, { recursive: true });
  } catch (e) {
    throw new RelengError(`${outDir.rel}: cannot be created (${(e as NodeJS.ErrnoException).code})`);
  }
  for (const w of writes)
    try {
      fs.writeFileSync(w.file.real, w.text);
    } catch (e) {
      throw new RelengError(`${w.file.rel}: cannot be written (${(e as NodeJS.ErrnoException).code})`);
    }
  const changed = writes.map((w) => w.file.rel);
  const section = `# ${config.product} ${version} (${date})\n${body}`;
  const result = { version, major, notesFile: notesFile.rel, section, fragments: fragmentFiles.length };
  if (o.noCommit) {
    log.info(`wrote ${changed.join(', ')} (no commit)`);
    return { ...result, commit: '' };
  }

  // 7. Commit: notes in, fragments out. Literal pathspecs: a file named ':!x' is a file.
  await git.run(['--literal-pathspecs', 'add', '--', ...changed]);
  if (fragmentFiles.length > 0)
    await git.run(['--literal-pathspecs', 'rm', '-q', '-f', '--', ...fragmentFiles]);
  await git.run(['commit', '-q', '-m', `release: release notes for ${version}\n\n${COMMIT_TRAILER}`]);
  const commit = await git.head();
  log.info(
    `committed ${commit.slice(0, 12)}: release notes for ${version} (${fragmentFiles.length} fragments)`,
  );
  return { ...result, commit };
}

/** Fragments git does not track: `git rm` would fail after the notes were written. */
async function untracked(git: Git, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const tracked = new Set(
    (await git.run(['--literal-pathspecs', 'ls-files', '-z', '--', ...files])).stdout.split('\0'),
  );
  return files
    .filter((f) => !tracked.has(f))
    .map((f) => `${f}: not committed; commit the fragment first (prepare removes fragments with git rm)`);
}

/** A file git ignores cannot be added: refused before anything is written. */
async function refuseIgnored(git: Git, writes: Write[]): Promise<void> {
  // check-ignore takes no --literal-pathspecs; './' keeps a leading ':' from reading as pathspec magic.
  const r = await git.run(['check-ignore', '--stdin', '-z'], {
    allowFailure: true,
    input: writes.map((w) => `./${w.file.rel}\0`).join(''),
  });
  // 0: some are ignored, 1: none; anything else is git failing.
  if (r.code !== 0 && r.code !== 1)
    throw new RelengError(`git check-ignore failed (exit ${r.code}): ${r.stderr.trim().split('\n')[0]}`);
  const ignored = r.stdout.split('\0').filter(Boolean);
  if (ignored.length > 0)
    throw new RelengError(
      `${ignored[0]}: ignored by git (.gitignore), so prepare could not commit it; un-ignore it`,
    );
}

/** YYYY-MM-DD naming a day that exists (2024-02-30 does not). */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}
