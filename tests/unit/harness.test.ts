// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are workflow expressions, not templates
// The runner harness of tests/e2e itself: expressions, outputs, defaults, artifacts, failure handling, label
// toolsets, the two forges' needs rules, remote actions and reusable workflows, timeouts, environments.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { condition, interpolate } from '../e2e/harness/expressions.js';
import { filterRegex, type RunOptions, runWorkflow } from '../e2e/harness/runner.js';
import { git, makeRepo } from '../helpers/git.js';
import { tmpDir } from '../helpers/tmp.js';

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
const ECHO = {
  'actions/echo/action.yml': [
    'name: echo',
    'description: test action',
    'inputs:',
    '  greeting: { description: g, default: hello }',
    '  name: { description: n, required: true }',
    'outputs:',
    '  message: { description: m }',
    'runs: { using: node20, main: index.mjs }',
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
};

/** The repository a run checks out (with the echo action, as `./actions/echo` of the workspace). */
function setup(files: Record<string, string> = {}): { repo: string; dir: string } {
  const src = makeRepo({ 'file.txt': 'from-git\n', ...ECHO, ...files });
  git(src, 'tag', '1.2.3');
  const repo = tmpDir('releng-harness-remote-');
  git(repo, 'clone', '-q', '--bare', src, '.');
  return { repo, dir: tmpDir('releng-harness-run-') };
}

function workflow(dir: string, text: string): string {
  const f = path.join(dir, 'wf.yml');
  fs.writeFileSync(f, text);
  return f;
}

type Extra = Partial<RunOptions>;
/** A push of tag 1.2.3 running `text` (Forgejo's rules unless said otherwise). */
async function push(text: string, extra: Extra & { files?: Record<string, string> } = {}) {
  const { files, ...rest } = extra;
  const { repo, dir } = setup(files);
  return runWorkflow({
    workflowFile: workflow(dir, text),
    forge: 'forgejo',
    event: { name: 'push', ref: 'refs/tags/1.2.3' },
    repo,
    workDir: dir,
    ...rest,
  });
}

const PIPELINE = `
name: t
on: { push: { tags: ['*'] } }
jobs:
  plan:
    runs-on: docker
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
    runs-on: nix-\${{ matrix.system }}
    strategy:
      matrix:
        system: [a, b]
    steps:
      - uses: actions/checkout@v4
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
    runs-on: docker
    outputs:
      all: \${{ steps.cat.outputs.all }}
    steps:
      - uses: https://code.forgejo.org/forgejo/download-artifact@v4
        with:
          pattern: leg-*
          path: bundles
      - id: cat
        run: echo "all=$(cat bundles/leg-a/msg-a bundles/leg-b/msg-b | tr '\\n' ' ')" >> "$GITHUB_OUTPUT"
`.replace(
  /nix-\$\{\{ matrix.system \}\}/,
  "nix-${{ matrix.system == 'a' && 'x86_64-linux' || 'aarch64-darwin' }}",
);

test('push filters as on a forge: release.yml version tags', () => {
  const tags = ['[0-9]+.[0-9]+.[0-9]+', '[0-9]+.[0-9]+.[0-9]+-*'];
  const matches = (t: string) => tags.some((f) => filterRegex(f).test(t));
  expect(['2.91.0', '2.91.10', '2.91.0-rc1'].filter(matches)).toEqual(['2.91.0', '2.91.10', '2.91.0-rc1']);
  expect(['v2.91.0', '2.91', '2x91.0', 'latest', '2.91.0/x'].filter(matches)).toEqual([]);
});

describe('runner harness', () => {
  test('wires checkout, step and job outputs, defaults, matrix values and artifacts', async () => {
    const r = await push(PIPELINE, { vars: { FAIL_B: '' } });
    expect(r.conclusion, r.log).toBe('success');
    expect(r.jobs.plan!.outputs).toEqual({ word: 'hello 1.2.3', raw: 'from-git' });
    expect(r.jobs.legs!.legs.map((l) => [l.matrix, l.label])).toEqual([
      [{ system: 'a' }, 'nix-x86_64-linux'],
      [{ system: 'b' }, 'nix-aarch64-darwin'],
    ]);
    expect(r.jobs.fanin!.outputs.all).toBe('hello 1.2.3 a hello 1.2.3 b ');
    expect(r.steps.filter((s) => s.summary.startsWith('said')).length).toBe(3);
    expect(r.leaks).toEqual([]);
  });

  test('a failing leg fails the job, and jobs that need it do not run', async () => {
    const r = await push(PIPELINE, { vars: { FAIL_B: 'boom' } });
    expect(r.conclusion).toBe('failure');
    expect(r.jobs.legs!.result).toBe('failure');
    expect(r.jobs.fanin!.result).toBe('skipped');
    // The failed leg's later steps did not run.
    expect(r.steps.filter((s) => s.leg === 'legs (b)').map((s) => s.outcome)).toEqual([
      'success',
      'failure',
      'skipped',
      'skipped',
    ]);
  });

  test('sabotage makes a chosen step fail', async () => {
    const r = await push(PIPELINE, {
      vars: { FAIL_B: '' },
      sabotage: (s) => s.job === 'legs' && s.matrix.system === 'a' && s.index === 1,
    });
    expect(r.jobs.legs!.result).toBe('failure');
    expect(r.jobs.fanin!.result).toBe('skipped');
  });

  test('an input the action does not declare, or an unknown key, fails the step', async () => {
    const r = await push(`
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: docker
    steps:
      - uses: actions/checkout@v4
      - uses: ./actions/echo
        with: { name: x, nmae: y }
  two:
    runs-on: docker
    steps:
      - run: echo \${{ github.nope }}
`);
    expect(r.jobs.one!.result).toBe('failure');
    expect(r.jobs.two!.result).toBe('failure');
    expect(r.errors.join('\n')).toMatch(/unexpected input 'nmae'/);
    expect(r.errors.join('\n')).toMatch(/unknown key 'github\.nope'/);
  });

  test('secrets: add-mask is consumed, an echoed secret is reported as a leak', async () => {
    const r = await push(
      `
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: docker
    steps:
      - run: v=derived; echo "::add-mask::$v-value"; echo "$v-value"
      - env:
          TOKEN: \${{ secrets.TOKEN }}
        run: echo "token is $TOKEN"
`,
      { secrets: { TOKEN: 's3cr3t-value' } },
    );
    expect(r.conclusion).toBe('success');
    expect(r.log).not.toMatch(/^\[one\] ::add-mask::/m);
    expect(r.leaks.sort()).toEqual(['derived-value', 's3cr3t-value']);
  });
});

describe('label toolsets: a job has only what its image has', () => {
  const NIX = `
on: { push: { tags: ['*'] } }
jobs:
  docker:
    runs-on: docker
    steps:
      - run: nix --version
  nix:
    runs-on: nix-x86_64-linux
    steps:
      - run: nix --version && git --version && node --version
  installs:
    runs-on: docker
    steps:
      - run: command -v igzip && exit 1 || true
      - run: apt-get update -qq && apt-get install -y isal
      - run: igzip --version
  action-needs-nix:
    runs-on: docker
    steps:
      - uses: actions/checkout@v4
      - uses: ./actions/nix
`;
  const NIX_ACTION = {
    'actions/nix/action.yml': 'name: nix\ndescription: d\nruns: { using: node20, main: index.mjs }\n',
    'actions/nix/index.mjs':
      "import { execFileSync } from 'node:child_process';\nexecFileSync('nix', ['--version'], { stdio: 'inherit' });\n",
  };

  test('nix on docker fails as on a runner (in a script and inside an action); nix-<system> has it; apt-get installs', async () => {
    const r = await push(NIX, { files: NIX_ACTION });
    expect(r.jobs.docker!.result, r.log).toBe('failure');
    expect(r.log).toMatch(/\[docker\] .*nix: command not found/);
    expect(r.jobs.nix!.result, r.log).toBe('success');
    expect(r.jobs.installs!.result, r.log).toBe('success');
    expect(r.jobs['action-needs-nix']!.result).toBe('failure');
    expect(r.log).toMatch(/\[action-needs-nix\] .*ENOENT/);
  });

  test('a label no runner has is an error; GitHub has no docker label, Forgejo no ubuntu one', async () => {
    const wf = (label: string) => `
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: ${label}
    steps:
      - run: 'true'
`;
    const forgejo = await push(wf('ubuntu-24.04'));
    expect(forgejo.errors.join('\n')).toMatch(
      /runs-on 'ubuntu-24.04' is no runner label of the forgejo harness/,
    );
    const github = await push(wf('docker'), { forge: 'github' });
    expect(github.errors.join('\n')).toMatch(/runs-on 'docker' is no runner label of the github harness/);
    expect((await push(wf('ubuntu-24.04'), { forge: 'github' })).conclusion).toBe('success');
    expect((await push(wf('nix-riscv64-linux'))).jobs.one!.result).toBe('failure');
  });
});

describe('needs: Forgejo looks at direct needs, GitHub at the whole chain (actions/runner#2205)', () => {
  // `skipped` is skipped on a push; `middle` runs anyway (!failure()); `last` needs only `middle`.
  const CHAIN = (lastIf: string) => `
on: { push: { tags: ['*'] } }
jobs:
  skipped:
    if: github.event_name == 'workflow_dispatch'
    runs-on: RUNNER
    steps: [{ run: 'true' }]
  middle:
    needs: skipped
    if: \${{ !failure() && !cancelled() }}
    runs-on: RUNNER
    steps: [{ run: 'true' }]
  last:
    needs: middle
${lastIf}    runs-on: RUNNER
    steps: [{ run: 'true' }]
`;
  const forge = (text: string, f: 'forgejo' | 'github') =>
    push(text.replace(/RUNNER/g, f === 'github' ? 'ubuntu-24.04' : 'docker'), { forge: f });

  test('a skipped job up the chain skips a plain dependent on GitHub only', async () => {
    const f = await forge(CHAIN(''), 'forgejo');
    expect([f.jobs.skipped!.result, f.jobs.middle!.result, f.jobs.last!.result]).toEqual([
      'skipped',
      'success',
      'success',
    ]);
    const g = await forge(CHAIN(''), 'github');
    expect([g.jobs.skipped!.result, g.jobs.middle!.result, g.jobs.last!.result]).toEqual([
      'skipped',
      'success',
      'skipped',
    ]);
  });

  test("a status function in if: runs it on GitHub: !cancelled() && needs.X.result == 'success'", async () => {
    const g = await forge(
      CHAIN("    if: ${{ !cancelled() && needs.middle.result == 'success' }}\n"),
      'github',
    );
    expect(g.jobs.last!.result).toBe('success');
  });
});

describe('remote actions and reusable workflows resolve to registered repositories at their ref', () => {
  function suite(): string {
    const src = makeRepo({
      ...ECHO,
      '.github/workflows/called.yml': `
on:
  workflow_call:
    inputs:
      who: { type: string, required: true }
      loud: { type: boolean, default: false }
    outputs:
      said: { value: '\${{ jobs.say.outputs.said }}' }
    secrets:
      TOKEN: { required: true }
jobs:
  say:
    runs-on: ubuntu-24.04
    outputs:
      said: \${{ steps.echo.outputs.message }}
    steps:
      - id: echo
        uses: suite-org/suite/actions/echo@v1
        with:
          name: \${{ inputs.who }}\${{ inputs.loud && '!' || '' }}
      - env:
          TOKEN: \${{ secrets.TOKEN }}
        run: test "$TOKEN" = tok-value
`,
    });
    git(src, 'tag', 'v1');
    // After v1: what the tag names, not the branch, is what runs.
    fs.writeFileSync(path.join(src, 'actions/echo/index.mjs'), 'process.exit(3);\n');
    git(src, 'commit', '-qam', 'broken after v1');
    return src;
  }

  test('owner/repo/path@ref on GitHub; https://host/owner/repo/path@ref on Forgejo; the ref, not the branch', async () => {
    const s = suite();
    const step = (uses: string) => `
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: RUNNER
    outputs: { m: '\${{ steps.e.outputs.message }}' }
    steps:
      - id: e
        uses: ${uses}
        with: { name: remote }
`;
    const g = await push(step('suite-org/suite/actions/echo@v1').replace('RUNNER', 'ubuntu-24.04'), {
      forge: 'github',
      remotes: { 'github.com/suite-org/suite': s },
    });
    expect(g.jobs.one!.outputs.m, g.log).toBe('hello remote');
    const f = await push(
      step('https://git.example.org/suite-org/suite/actions/echo@v1').replace('RUNNER', 'docker'),
      {
        remotes: { 'git.example.org/suite-org/suite': s },
      },
    );
    expect(f.jobs.one!.outputs.m, f.log).toBe('hello remote');
    // Forgejo's short form is its DEFAULT_ACTIONS_URL, not the instance; GitHub takes no URL; no such ref.
    const short = await push(step('suite-org/suite/actions/echo@v1').replace('RUNNER', 'docker'), {
      remotes: { 'git.example.org/suite-org/suite': s },
    });
    expect(short.errors.join('\n')).toMatch(/data\.forgejo\.org\/suite-org\/suite is not a repository/);
    const url = await push(
      step('https://github.com/suite-org/suite/actions/echo@v1').replace('RUNNER', 'ubuntu-24.04'),
      {
        forge: 'github',
      },
    );
    expect(url.errors.join('\n')).toMatch(/GitHub does not accept a URL/);
    const noRef = await push(step('suite-org/suite/actions/echo@v9').replace('RUNNER', 'ubuntu-24.04'), {
      forge: 'github',
      remotes: { 'github.com/suite-org/suite': s },
    });
    expect(noRef.errors.join('\n')).toMatch(/has no ref 'v9'/);
  });

  test('artifact actions: each forge its own (GitHub v4 refuses Forgejo)', async () => {
    const wf = (uses: string, runner: string) => `
on: { push: { tags: ['*'] } }
jobs:
  one:
    runs-on: ${runner}
    steps:
      - run: mkdir out && touch out/.hidden out/seen
      - uses: ${uses}
        with: { name: a, path: out, compression-level: 0, include-hidden-files: true }
`;
    expect((await push(wf('actions/upload-artifact@v4', 'docker'))).errors.join('\n')).toMatch(
      /GHESNotSupportedError/,
    );
    const g = await push(wf('actions/upload-artifact@v4', 'ubuntu-24.04'), { forge: 'github' });
    expect(g.conclusion, g.log).toBe('success');
    const f = await push(wf('https://code.forgejo.org/forgejo/upload-artifact@v4', 'docker'));
    expect(f.conclusion, f.log).toBe('success');
  });

  test('a reusable workflow: inputs typed and checked, secrets passed, outputs from its jobs', async () => {
    const s = suite();
    const caller = (w: string, secrets = 'inherit') => `
on: { push: { tags: ['*'] } }
jobs:
  call:
    uses: suite-org/suite/.github/workflows/called.yml@v1
    with: ${w}
    secrets: ${secrets}
  after:
    needs: call
    runs-on: ubuntu-24.04
    steps:
      - run: test "\${{ needs.call.outputs.said }}" = "hello world!"
`;
    const opts = {
      forge: 'github' as const,
      remotes: { 'github.com/suite-org/suite': s },
      secrets: { TOKEN: 'tok-value' },
    };
    const ok = await push(caller('{ who: world, loud: true }'), opts);
    expect(ok.conclusion, ok.log).toBe('success');
    expect(ok.jobs['call/say']!.result).toBe('success');
    expect(ok.jobs.call!.outputs).toEqual({ said: 'hello world!' });
    const typo = await push(caller('{ whom: world }'), opts);
    expect(typo.errors.join('\n')).toMatch(/has no input 'whom'/);
    expect(typo.jobs.after!.result).toBe('skipped');
    const noSecret = await push(caller('{ who: world }', '{}'), opts);
    expect(noSecret.errors.join('\n')).toMatch(/secret 'TOKEN' is required/);
  });
});

describe('timeout-minutes and environments', () => {
  test('a step or a job past its timeout is killed with everything it started, and fails', async () => {
    const r = await push(`
on: { push: { tags: ['*'] } }
jobs:
  step:
    runs-on: docker
    steps:
      - timeout-minutes: 0.02
        run: (sleep 30; touch "$RUNNER_TEMP/../../step-survived") & sleep 30
  job:
    runs-on: docker
    timeout-minutes: 0.02
    steps:
      - run: sleep 30
      - if: always()
        run: echo cleanup
`);
    expect(r.jobs.step!.result).toBe('failure');
    expect(r.jobs.job!.result).toBe('failure');
    expect(r.errors).toContain('the step exceeded timeout-minutes (0.02)');
    expect(r.errors).toContain('the job exceeded timeout-minutes (0.02)');
    expect(r.steps.find((s) => s.job === 'job' && s.name === 'echo cleanup')!.outcome, r.log).toBe('success');
  }, 20_000);

  test('GitHub: a job gets its environment secrets and no other; Forgejo refuses environment:', async () => {
    const wf = `
on: { push: { tags: ['*'] } }
jobs:
  staging:
    runs-on: RUNNER
    environment: staging
    steps:
      - env: { KEY: '\${{ secrets.SIGNING_KEY }}' }
        run: test "$KEY" = staging-key
  plain:
    runs-on: RUNNER
    steps:
      - env: { KEY: '\${{ secrets.SIGNING_KEY }}' }
        run: test -z "$KEY"
`;
    const environments = {
      staging: { secrets: { SIGNING_KEY: 'staging-key' } },
      production: { secrets: { SIGNING_KEY: 'production-key' } },
    };
    const g = await push(wf.replace(/RUNNER/g, 'ubuntu-24.04'), { forge: 'github', environments });
    expect(g.conclusion, g.log).toBe('success');
    expect(g.jobs.staging!.environment).toBe('staging');
    const keys = Object.fromEntries(g.steps.map((s) => [s.job, s.env.KEY]));
    expect(keys).toEqual({ staging: 'staging-key', plain: '' });
    const f = await push(wf.replace(/RUNNER/g, 'docker'));
    expect(f.errors.join('\n')).toMatch(/Forgejo has no environments/);
  });
});
