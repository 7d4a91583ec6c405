// Regenerates, in each actions/<stage>/README.md, the block between `<!-- action-docs:start -->` and
// `<!-- action-docs:end -->` (inputs and outputs tables) from its action.yml, then the root action.yml.
// `--check` changes nothing and exits 1 naming every README that drifted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// --root DIR works on another tree (the tests use a temp copy).
const rootArg = process.argv.indexOf('--root');
const root =
  rootArg > 0
    ? path.resolve(process.argv[rootArg + 1])
    : path.dirname(path.dirname(new URL(import.meta.url).pathname));
const START = '<!-- action-docs:start -->';
const END = '<!-- action-docs:end -->';

/** Table cells stay on one line; pipes would end the cell. */
function cell(text) {
  return String(text ?? '')
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

function code(text) {
  return text === '' ? '`""`' : `\`${cell(text)}\``;
}

export function renderBlock(action) {
  const lines = [START, '', '### Inputs', ''];
  const inputs = Object.entries(action.inputs ?? {});
  if (inputs.length === 0) lines.push('None.');
  else {
    lines.push('| name | description | default | required |', '|---|---|---|---|');
    for (const [name, def] of inputs)
      lines.push(
        `| \`${name}\` | ${cell(def?.description)} | ${def?.default === undefined ? '' : code(String(def.default))} | ${def?.required ? 'yes' : 'no'} |`,
      );
  }
  lines.push('', '### Outputs', '');
  const outputs = Object.entries(action.outputs ?? {});
  if (outputs.length === 0) lines.push('None.');
  else {
    lines.push('| name | description |', '|---|---|');
    for (const [name, def] of outputs) lines.push(`| \`${name}\` | ${cell(def?.description)} |`);
  }
  lines.push('', END);
  return lines.join('\n');
}

/** The README with its block replaced; an error when the markers are missing or out of order. */
export function updateReadme(readme, action, file) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(
      `${file}: needs the lines ${START} and ${END} (in that order) around the inputs/outputs tables`,
    );
  return readme.slice(0, start) + renderBlock(action) + readme.slice(end + END.length);
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const check = process.argv.includes('--check');
  const dir = path.join(root, 'actions');
  const problems = [];
  for (const stage of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const actionFile = path.join(dir, stage, 'action.yml');
    if (!fs.existsSync(actionFile)) continue;
    const readmeFile = path.join(dir, stage, 'README.md');
    const rel = path.relative(root, readmeFile);
    if (!fs.existsSync(readmeFile)) {
      problems.push(`${rel}: missing; write the stage's README with the action-docs markers`);
      continue;
    }
    const readme = fs.readFileSync(readmeFile, 'utf8');
    let next;
    try {
      next = updateReadme(readme, parse(fs.readFileSync(actionFile, 'utf8')), rel);
    } catch (e) {
      problems.push(e.message);
      continue;
    }
    if (next === readme) continue;
    if (check) problems.push(`${rel}: inputs/outputs tables differ from action.yml; run \`npm run docs\``);
    else {
      fs.writeFileSync(readmeFile, next);
      console.log(`${rel}: regenerated`);
    }
  }
  const rootArgs = [
    new URL('root-action.mjs', import.meta.url).pathname,
    '--root',
    root,
    ...(check ? ['--check'] : []),
  ];
  try {
    execFileSync(process.execPath, rootArgs, { stdio: 'inherit' });
  } catch {
    problems.push('action.yml: out of date (scripts/root-action.mjs)');
  }
  if (problems.length) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
}
