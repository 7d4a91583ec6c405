// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are workflow expressions, not templates
// The runner harness of tests/e2e itself: expressions, outputs, defaults, artifacts, failure handling.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { condition, interpolate } from '../e2e/harness/expressions.js';
import { filterRegex, runWorkflow } from '../e2e/harness/runner.js';
import { git, makeRepo } from '../helpers/git.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const OK = { success: true, failure: false, cancelled: false };

describe('expressions', () => {
  const ctx = {
    github: { event_name: 'push', ref_name: '1.2.3' },
    inputs: { version: null },
    needs: { plan: { result: 'success', outputs: { version: '1.2.3' } } },
  };

  test('templates keep a lone value typed and interpolate the rest as text', () => {
    expect(interpolate("${{ github.event_name == 'push' }}", ctx)).toBe(true);
    expect(interpolate('v-${{ inputs.version || github.ref_name }}', ctx)).toBe('v-1.2.3');
    expect(interpolate("${{ fromJSON('[1,2]') }}", ctx)).toEqual([1, 2]);
  });

  test('an unknown key, context or function is an error, not an empty string', () => {
    expect(() => interpolate('${{ needs.plan.outputs.verison }}', ctx)).toThrow(
      /needs\.plan\.outputs\.verison/,
    );
    expect(() => interpolate('${{ runner.os }}', ctx)).toThrow(/runner/);
    expect(() => interpolate("${{ hashFiles('x') }}", ctx)).toThrow(/hashFiles/);
  });

  test('if: without a status function means success() && (…)', () => {
    expect(condition("github.event_name == 'push'", ctx, OK)).toBe(true);
    expect(condition("github.event_name == 'push'", ctx, { ...OK, success: false, failure: true })).toBe(
      false,
    );
    expect(condition('${{ !failure() && !cancelled() }}', ctx, { ...OK, success: false })).toBe(true);
    expect(condition('always()', ctx, { success: false, failure: true, cancelled: true })).toBe(true);
  });
});

/** A tiny node action: echoes its inputs as outputs (the runner applies the default of `greeting`). */
function actionsRoot(): string {
  const root = tmpDir('releng-harness-actions-');
  writeFiles(root, {
    'actions/echo/action.yml': [
      'name: echo',
      'description: test action',
      'inputs:',
      '  greeting: { description: g, default: hello }',
      '  name: { description: n, required: true }',
      'outputs:',
      '  message: { description: m }',
      'runs: { using: node24, main: index.mjs }',
      '',
    ].join('\n'),
    'actions/echo/index.mjs': [
      "import fs from 'node:fs';",
      'const msg = `${process.env.INPUT_GREETING} ${process.env.INPUT_NAME}`;',
      'fs.appendFileSync(process.env.GITHUB_OUTPUT, `message=${msg}\\n`);',
      'fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `said ${msg}\\n`);',
      "if (process.env.INPUT_NAME === 'boom') process.exit(1);",
      '',
    ].join('\n'),
  });
  return root;
}

function workflow(dir: string, text: string): string {
  const f = path.join(dir, 'wf.yml');
  fs.writeFileSync(f, text);
  return f;
}

const PIPELINE = `
name: t
on: { push: { tags: ['*'] } }
jobs:
  plan:
    runs-on: x
    outputs:
      word: \${{ steps.say.outputs.message }}
      raw: \${{ steps.sh.outputs.raw }}
    steps:
      - uses: actions/checkout@v4
      - id: sh
        run: echo "raw=$(cat file.txt)" >> "$GITHUB_OUTPUT"
      - id: say
        uses: ./actions/echo
        with:
          name: \${{ github.ref_name }}
  legs:
    needs: plan
    runs-on: x
    strategy:
      matrix:
        system: [a, b]
    steps:
      - id: say
        uses: ./actions/echo
        with:
          greeting: \${{ needs.plan.outputs.word }}
          name: \${{ matrix.system == 'b' && vars.FAIL_B || matrix.system }}
      - run: mkdir out && echo "\${{ steps.say.outputs.message }}" > out/msg-\${{ matrix.system }}
      - uses: https://code.forgejo.org/forgejo/upload-artifact@v4
        with:
          name: leg-\${{ matrix.system }}
          path: out
  fanin:
    needs: [plan, legs]
    runs-on: x
    outputs:
      all: \${{ steps.cat.outputs.all }}
    steps:
      - uses: https://code.forgejo.org/forgejo/download-artifact@v4
        with:
          pattern: leg-*
          path: bundles
      - id: cat
        run: echo "all=$(cat bundles/leg-a/msg-a bundles/leg-b/msg-b | tr '\\n' ' ')" >> "$GITHUB_OUTPUT"
`;

function setup(): { repo: string; dir: string; actions: string } {
  const src = makeRepo({ 'file.txt': 'from-git\n' });
  git(src, 'tag', '1.2.3');
  const repo = tmpDir('releng-harness-remote-');
  git(repo, 'clone', '-q', '--bare', src, '.');
  return { repo, dir: tmpDir('releng-harness-run-'), actions: actionsRoot() };
}

test('push filters as on a forge: release.yml version tags', () => {
  const tags = ['[0-9]+.[0-9]+.[0-9]+', '[0-9]+.[0-9]+.[0-9]+-*'];
  const matches = (t: string) => tags.some((f) => filterRegex(f).test(t));
  expect(['2.91.0', '2.91.10', '2.91.0-rc1'].filter(matches)).toEqual(['2.91.0', '2.91.10', '2.91.0-rc1']);
  expect(['v2.91.0', '2.91', '2x91.0', 'latest', '2.91.0/x'].filter(matches)).toEqual([]);
});

describe('runner harness', () => {
  test('wires checkout, step and job outputs, defaults, matrix values and artifacts', async () => {
    const { repo, dir, actions } = setup();
    const r = await runWorkflow({
      workflowFile: workflow(dir, PIPELINE),
      event: { name: 'push', ref: 'refs/tags/1.2.3' },
      repo,
      workDir: dir,
      actionsRoot: actions,
      vars: { FAIL_B: '' },
    });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.plan!.outputs).toEqual({ word: 'hello 1.2.3', raw: 'from-git' });
    expect(r.jobs.legs!.legs.map((l) => l.matrix)).toEqual([{ system: 'a' }, { system: 'b' }]);
    expect(r.jobs.fanin!.outputs.all).toBe('hello 1.2.3 a hello 1.2.3 b ');
    expect(r.steps.filter((s) => s.summary.startsWith('said')).length).toBe(3);
    expect(r.leaks).toEqual([]);
  });

  test('a failing leg fails the job, and jobs that need it do not run', async () => {
    const { repo, dir, actions } = setup();
    const r = await runWorkflow({
      workflowFile: workflow(dir, PIPELINE),
      event: { name: 'push', ref: 'refs/tags/1.2.3' },
      repo,
      workDir: dir,
      actionsRoot: actions,
      vars: { FAIL_B: 'boom' },
    });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.legs!.result).toBe('failure');
    expect(r.jobs.fanin!.result).toBe('skipped');
    // The failed leg's later steps did not run.
    expect(r.steps.filter((s) => s.leg === 'legs (b)').map((s) => s.outcome)).toEqual([
      'failure',
      'skipped',
      'skipped',
    ]);
  });

  test('sabotage makes a chosen step fail', async () => {
    const { repo, dir, actions } = setup();
    const r = await runWorkflow({
      workflowFile: workflow(dir, PIPELINE),
      event: { name: 'push', ref: 'refs/tags/1.2.3' },
      repo,
      workDir: dir,
      actionsRoot: actions,
      vars: { FAIL_B: '' },
      sabotage: (s) => s.job === 'legs' && s.matrix.system === 'a' && s.index === 0,
    });
    expect(r.jobs.legs!.result).toBe('failure');
    expect(r.jobs.fanin!.result).toBe('skipped');
  });

  test('an input the action does not declare, or an unknown key, fails the step', async () => {
    const { repo, dir, actions } = setup();
    const bad = `
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: x
    steps:
      - uses: ./actions/echo
        with: { name: x, nmae: y }
  two:
    runs-on: x
    steps:
      - run: echo \${{ github.nope }}
`;
    const r = await runWorkflow({
      workflowFile: workflow(dir, bad),
      event: { name: 'push', ref: 'refs/tags/1.2.3' },
      repo,
      workDir: dir,
      actionsRoot: actions,
    });
    expect(r.jobs.one!.result).toBe('failure');
    expect(r.jobs.two!.result).toBe('failure');
    expect(r.errors.join('\n')).toMatch(/unexpected input 'nmae'/);
    expect(r.errors.join('\n')).toMatch(/unknown key 'github\.nope'/);
  });

  test('secrets: add-mask is consumed, an echoed secret is reported as a leak', async () => {
    const { repo, dir, actions } = setup();
    const wf = `
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: x
    steps:
      - run: v=derived; echo "::add-mask::$v-value"; echo "$v-value"
      - env:
          TOKEN: \${{ secrets.TOKEN }}
        run: echo "token is $TOKEN"
`;
    const r = await runWorkflow({
      workflowFile: workflow(dir, wf),
      event: { name: 'push', ref: 'refs/tags/1.2.3' },
      repo,
      workDir: dir,
      actionsRoot: actions,
      secrets: { TOKEN: 's3cr3t-value' },
    });
    expect(r.conclusion).toBe('success');
    expect(r.log).not.toMatch(/^\[one\] ::add-mask::/m);
    expect(r.leaks.sort()).toEqual(['derived-value', 's3cr3t-value']);
  });
});
