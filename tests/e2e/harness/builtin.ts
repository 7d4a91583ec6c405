/**
 * The actions the harness performs itself: checkout as a git clone of the test's repository, the artifact
 * pair as copies to and from a per-run directory. Their inputs are checked against the real actions'
 * (an unknown input fails the step, as a runner warns and the action ignores it — a typo must not pass).
 */
import fs from 'node:fs';
import path from 'node:path';
import { HarnessError } from './expressions.js';

const INPUTS: Record<string, string[]> = {
  checkout: [
    'repository',
    'ref',
    'token',
    'path',
    'fetch-depth',
    'fetch-tags',
    'persist-credentials',
    'clean',
    'show-progress',
    'lfs',
    'submodules',
    'set-safe-directory',
    'github-server-url',
  ],
  'upload-artifact': [
    'name',
    'path',
    'if-no-files-found',
    'retention-days',
    'compression-level',
    'overwrite',
    'include-hidden-files',
  ],
  'download-artifact': ['name', 'path', 'pattern', 'merge-multiple', 'github-token', 'repository', 'run-id'],
};

export const BUILTIN_OUTPUTS: Record<string, string[]> = {
  checkout: ['ref', 'commit'],
  'upload-artifact': ['artifact-id', 'artifact-url', 'artifact-digest'],
  'download-artifact': ['download-path'],
};

export function checkBuiltinInputs(action: string, w: Record<string, string>, uses: string): void {
  const known = INPUTS[action]!;
  for (const k of Object.keys(w))
    if (!known.includes(k)) throw new HarnessError(`uses: ${uses}: unexpected input '${k}'`);
  if (action === 'upload-artifact' && w['compression-level'] && !/^[0-9]$/.test(w['compression-level']))
    throw new HarnessError(`uses: ${uses}: compression-level must be 0–9`);
  if (action === 'checkout' && w.repository)
    throw new HarnessError(`uses: ${uses}: checking out another repository is not supported by the harness`);
}

/** `git` with the job's PATH, in `cwd`; false when it fails. */
export type Git = (cwd: string, ...args: string[]) => Promise<boolean>;

export async function checkout(
  git: Git,
  w: Record<string, string>,
  workspace: string,
  repo: string,
  defaultRef: string,
): Promise<boolean> {
  const dest = path.resolve(workspace, w.path || '.');
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  const ref = w.ref || defaultRef;
  const depth = Number(w['fetch-depth'] || '1');
  const depthArgs = depth > 0 ? [`--depth=${depth}`] : [];
  const g = (...args: string[]) => git(dest, ...args);
  if (!(await g('init', '-q'))) return false;
  if (!(await g('remote', 'add', 'origin', `file://${repo}`))) return false;
  if (
    depth === 0 &&
    !(await g('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'))
  )
    return false;
  if (ref.startsWith('refs/heads/')) {
    const b = ref.slice('refs/heads/'.length);
    return (
      (await g('fetch', '-q', ...depthArgs, 'origin', `+${ref}:refs/remotes/origin/${b}`)) &&
      g('checkout', '-q', '-B', b, '--track', `refs/remotes/origin/${b}`)
    );
  }
  if (ref.startsWith('refs/tags/'))
    return (
      (await g('fetch', '-q', ...depthArgs, 'origin', `+${ref}:${ref}`)) &&
      g('checkout', '-q', '--detach', ref)
    );
  return (
    (await g('fetch', '-q', ...depthArgs, 'origin', ref)) && g('checkout', '-q', '--detach', 'FETCH_HEAD')
  );
}

export function upload(
  w: Record<string, string>,
  workspace: string,
  artifacts: string,
  outputFile: string,
): void {
  const name = w.name || 'artifact';
  const dest = path.join(artifacts, name);
  if (fs.existsSync(dest))
    throw new HarnessError(`upload-artifact: an artifact named '${name}' already exists in this run`);
  const sources = (w.path ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  if (sources.some((s) => /[*?[!]/.test(s)))
    throw new HarnessError('upload-artifact: globs in path are not supported by the harness');
  const existing = sources.map((s) => path.resolve(workspace, s)).filter((s) => fs.existsSync(s));
  if (existing.length === 0) {
    if ((w['if-no-files-found'] || 'warn') === 'error')
      throw new HarnessError(`upload-artifact: no files found at '${sources.join(', ')}'`);
    return;
  }
  // v4 leaves out hidden files and directories unless asked (since 4.4.0).
  const hidden = (src: string, root: string) =>
    w['include-hidden-files'] !== 'true' &&
    path
      .relative(root, src)
      .split(path.sep)
      .some((p) => p.startsWith('.'));
  fs.mkdirSync(dest, { recursive: true });
  if (existing.length === 1 && fs.statSync(existing[0]!).isDirectory()) {
    // A single directory: its contents are the artifact's root, as upload-artifact@v4 does.
    const root = existing[0]!;
    fs.cpSync(root, dest, { recursive: true, dereference: true, filter: (src) => !hidden(src, root) });
  } else {
    const root = commonDir(existing);
    for (const s of existing)
      fs.cpSync(s, path.join(dest, path.relative(root, s)), {
        recursive: true,
        dereference: true,
        filter: (src) => !hidden(src, root),
      });
  }
  fs.appendFileSync(outputFile, `artifact-id=${name}\nartifact-url=file://${dest}\n`);
}

export function download(
  w: Record<string, string>,
  workspace: string,
  artifacts: string,
  outputFile: string,
): void {
  const dest = path.resolve(workspace, w.path || '.');
  const all = fs.readdirSync(artifacts);
  let names: string[];
  if (w.name) {
    if (!all.includes(w.name)) throw new HarnessError(`download-artifact: artifact '${w.name}' not found`);
    names = [w.name];
  } else {
    const re = w.pattern ? globRegex(w.pattern) : /.*/;
    names = all.filter((n) => re.test(n));
    if (names.length === 0)
      throw new HarnessError(`download-artifact: no artifact matches '${w.pattern ?? '*'}'`);
  }
  const single = Boolean(w.name) || w['merge-multiple'] === 'true';
  for (const n of names)
    fs.cpSync(path.join(artifacts, n), single ? dest : path.join(dest, n), { recursive: true });
  fs.appendFileSync(outputFile, `download-path=${dest}\n`);
}

function commonDir(paths: string[]): string {
  let root = path.dirname(paths[0]!);
  while (!paths.every((p) => p === root || p.startsWith(root + path.sep))) root = path.dirname(root);
  return root;
}

function globRegex(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}
