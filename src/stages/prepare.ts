import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { checkVersion, majorOf, readVersionInfo } from '../config/version.js';
import { RelengError } from '../errors.js';
import { Git, type GitIdentity } from '../git/git.js';
import type { Logger } from '../log.js';
import { readAuthors, readFragments } from '../notes/fragments.js';
import { insertSummaryLine, releaseNotesFile, renderNotes } from '../notes/render.js';

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

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Lix's release notes step: fragments → rl-MAJOR.md (+ SUMMARY.md for a new major), fragments removed, one commit. */
export async function prepare(o: PrepareOptions): Promise<PrepareResult> {
  const { dir, config, log } = o;
  const rel = (p: string) => path.relative(dir, p);
  const git = new Git(dir, log, o.identity);
  if (!o.noCommit && !(await git.isRepo()))
    throw new RelengError(`${dir}: not a git repository; run prepare in the project's checkout`);

  // 1. Version: version.json, or the input (then version.json is updated in the same commit).
  const info = readVersionInfo(dir);
  const version = o.version ? checkVersion(o.version, "input 'version'") : info.version;
  const releaseName = o.releaseName ?? info.releaseName;
  const major = majorOf(version);
  const date = o.date ?? todayUtc();
  if (!isCalendarDate(date))
    throw new RelengError(`input 'date' must be a calendar date YYYY-MM-DD (e.g. 2024-08-12), got '${date}'`);
  if (!releaseName)
    throw new RelengError(
      `${rel(path.join(dir, 'version.json'))}: "release_name" is empty; set it there or pass release-name`,
    );

  // 2. Refuse a second section for the same version.
  const outDir = path.join(dir, config.notes['output-dir']);
  const notesFile = path.join(outDir, `rl-${major}.md`);
  const existing = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, 'utf8') : '';
  const sectionHeader = `# ${config.product} ${version} (`;
  if (existing.split('\n').some((l) => l.startsWith(sectionHeader)))
    throw new RelengError(
      `${rel(notesFile)}: already has a section for ${version}; prepare ran already — go on with the tag stage, or bump the version`,
    );

  // 3. Fragments, validated all together before anything is written.
  const fragmentsDir = path.join(dir, config.notes.fragments);
  const authors = readAuthors(path.join(dir, config.notes.authors));
  let body = '';
  let fragmentFiles: string[] = [];
  if (fs.existsSync(fragmentsDir) && fs.statSync(fragmentsDir).isDirectory()) {
    const fragments = readFragments(fragmentsDir, dir, authors);
    fragmentFiles = fragments.map((f) => f.file);
    const links = config.notes.links;
    body = renderNotes(fragments, authors, {
      github: links.github,
      githubRoot: links['github-root'],
      forgejo: links.forgejo,
      forgejoRoot: links['forgejo-root'],
      gerrit: links.gerrit,
    });
  } else {
    log.warning(
      `${rel(fragmentsDir)}: no fragments directory; the release notes for ${version} will be empty`,
    );
  }

  // 4. Write: SUMMARY.md for a new major, the notes file, version.json when the inputs changed it.
  const changed: string[] = [];
  const summaryFile = path.join(dir, config.notes.summary);
  if (!existing) {
    if (fs.existsSync(summaryFile)) {
      fs.writeFileSync(
        summaryFile,
        insertSummaryLine(fs.readFileSync(summaryFile, 'utf8'), config.product, major, date),
      );
      changed.push(summaryFile);
    } else log.warning(`${rel(summaryFile)}: not found; no table-of-contents line added for ${major}`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    notesFile,
    releaseNotesFile({ existing, product: config.product, major, version, releaseName, date, body }),
  );
  changed.push(notesFile);
  if (version !== info.version || releaseName !== info.releaseName) {
    updateVersionJson(path.join(dir, 'version.json'), { version, release_name: releaseName });
    changed.push(path.join(dir, 'version.json'));
  }
  const section = `# ${config.product} ${version} (${date})\n${body}`;

  if (o.noCommit) {
    log.info(`wrote ${changed.map(rel).join(', ')} (no commit)`);
    return {
      version,
      major,
      notesFile: rel(notesFile),
      commit: '',
      section,
      fragments: fragmentFiles.length,
    };
  }

  // 5. Commit: notes in, fragments out.
  await git.run(['add', '--', ...changed.map(rel)]);
  if (fragmentFiles.length > 0) await git.run(['rm', '-q', '--', ...fragmentFiles]);
  await git.run(['commit', '-q', '-m', `release: release notes for ${version}\n\n${COMMIT_TRAILER}`]);
  const commit = await git.head();
  log.info(
    `committed ${commit.slice(0, 12)}: release notes for ${version} (${fragmentFiles.length} fragments)`,
  );
  return { version, major, notesFile: rel(notesFile), commit, section, fragments: fragmentFiles.length };
}

/** Updates keys of version.json keeping its indentation and key order. */
export function updateVersionJson(file: string, values: Record<string, unknown>): void {
  const text = fs.readFileSync(file, 'utf8');
  const indentMatch = /\n([ \t]+)"/.exec(text);
  const data = JSON.parse(text) as Record<string, unknown>;
  Object.assign(data, values);
  fs.writeFileSync(
    file,
    `${JSON.stringify(data, null, indentMatch?.[1] ?? 2)}${text.endsWith('\n') ? '\n' : ''}`,
  );
}

/** YYYY-MM-DD naming a day that exists (2024-02-30 does not). */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}
