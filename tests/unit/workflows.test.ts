// Workflows and actions against the official schemas (@actions/workflow-parser), and the seams between
// them: `with:` keys vs action inputs, the build matrix vs releng.yml, StageCommand inputs vs action.yml,
// the generated root action and README tables vs action.yml.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/commands/index.js';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/action.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

const workflowFiles = ['.forgejo/workflows', '.github/workflows'].flatMap((d) =>
  fs
    .readdirSync(path.join(ROOT, d))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(ROOT, d, f)),
);
const stageDirs = fs
  .readdirSync(path.join(ROOT, 'actions'))
  .filter((d) => fs.existsSync(path.join(ROOT, 'actions', d, 'action.yml')));
const actionFiles = [
  path.join(ROOT, 'action.yml'),
  ...stageDirs.map((d) => path.join(ROOT, 'actions', d, 'action.yml')),
];

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = {
  steps: Step[];
  needs?: string | string[];
  if?: string;
  'timeout-minutes'?: number;
  environment?: string;
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
};
const readYaml = (f: string) => parse(fs.readFileSync(f, 'utf8'));
type Workflow = { jobs: Record<string, Job>; on: Record<string, unknown>; permissions?: unknown };
/** Each forge's release.yml and how it names the suite's stages and the artifact actions. */
const RELEASES = [
  {
    forge: 'forgejo',
    file: '.forgejo/workflows/release.yml',
    suite: 'https://git.lix.systems/lix-project/releng-actions/',
    artifacts: 'https://code.forgejo.org/forgejo/',
    triggers: ['push', 'workflow_dispatch'],
  },
  {
    forge: 'github',
    file: '.github/workflows/release.yml',
    suite: 'lix-project/releng-actions/',
    artifacts: 'actions/',
    triggers: ['push', 'workflow_call', 'workflow_dispatch'],
  },
].map((r) => ({ ...r, wf: readYaml(path.join(ROOT, r.file)) as Workflow }));

function actionInputs(file: string): Record<string, { default?: unknown; required?: boolean }> {
  return (readYaml(file) as { inputs?: Record<string, { default?: unknown }> }).inputs ?? {};
}

describe('schemas', () => {
  test.each(workflowFiles.map((f) => [path.relative(ROOT, f), f]))(
    '%s is a valid workflow',
    async (_, file) => {
      const parsed = parseWorkflow(
        { name: path.basename(file), content: fs.readFileSync(file, 'utf8') },
        new NoOperationTraceWriter(),
      );
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
      const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
      expect(template.errors ?? []).toEqual([]);
    },
  );

  test.each(actionFiles.map((f) => [path.relative(ROOT, f), f]))('%s is a valid action', (rel, file) => {
    const parsed = parseAction(
      { name: rel, content: fs.readFileSync(file, 'utf8') },
      new NoOperationTraceWriter(),
    );
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const action = convertActionTemplate(parsed.context, parsed.value!);
    expect(action.runs.using).toBe('node24');
    const main = (action.runs as { main: string }).main;
    const stage = path.basename(path.dirname(file));
    expect(main).toBe(file === actionFiles[0] ? 'dist/main/index.js' : `../../dist/${stage}/index.js`);
    for (const input of action.inputs ?? []) expect(input.description, `input ${input.id}`).toBeTruthy();
    for (const output of action.outputs ?? []) expect(output.description, `output ${output.id}`).toBeTruthy();
  });
});

describe.each(RELEASES)('$file', ({ forge, wf: release, suite, artifacts, triggers }) => {
  const STAGE = new RegExp(`^${suite.replace(/[.]/g, '\\.')}(actions/[a-z-]+)@v1$`);
  const stageSteps = Object.entries(release.jobs).flatMap(([job, def]) =>
    def.steps.flatMap((s) => {
      const m = STAGE.exec(s.uses ?? '');
      return m ? [[job, m[1]!, s] as const] : [];
    }),
  );

  test('uses every stage by the suite address and major version, nothing local', () => {
    expect(new Set(stageSteps.map(([, dir]) => dir))).toEqual(
      new Set([
        'actions/prepare',
        'actions/tag',
        'actions/build-artifacts',
        'actions/docker-multiarch',
        'actions/publish',
      ]),
    );
    const local = Object.values(release.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith('./')));
    expect(local).toEqual([]);
  });

  test.each(stageSteps.map(([job, dir, step]) => [`${job}: ${dir}`, dir, step]))(
    '%s passes only inputs the action declares, and every required one',
    (_, dir, step) => {
      const file = path.join(ROOT, dir, 'action.yml');
      expect(fs.existsSync(file), `${file} exists`).toBe(true);
      const inputs = actionInputs(file);
      const given = Object.keys(step.with ?? {});
      // confirm on docker-multiarch lands with the typed-confirmation change (another branch).
      expect(
        given.filter((k) => !(k in inputs) && !(dir === 'actions/docker-multiarch' && k === 'confirm')),
      ).toEqual([]);
      const missing = Object.entries(inputs)
        .filter(([k, d]) => d.required && d.default === undefined && !given.includes(k))
        .map(([k]) => k);
      expect(missing).toEqual([]);
    },
  );

  test('a build leg per system Lix builds (releng.yml build.systems), darwin included', () => {
    const config = loadConfig(path.join(ROOT, 'tests/fixtures/lix-flake/releng.yml'), { optional: false });
    const build = release.jobs.build!;
    expect(build.strategy?.matrix?.system).toEqual(config.build.systems);
    expect(config.build.systems).toContain('aarch64-darwin');
    expect(build.strategy?.['fail-fast']).toBe(true);
  });

  test('fan-out/fan-in: plan → release → build → docker → publish (skip: docker)', () => {
    const needs = (j: string) => [release.jobs[j]!.needs ?? []].flat();
    expect(needs('release')).toEqual(['plan']);
    expect(needs('build')).toEqual(['plan', 'release']);
    expect(needs('docker')).toEqual(['plan', 'build']);
    expect(needs('publish')).toEqual(['plan', 'docker']);
    const publish = stageSteps.find(([, dir]) => dir === 'actions/publish')![2];
    expect(publish.with?.skip).toBe('docker');
    expect(Object.keys(release.on).sort()).toEqual(triggers);
  });

  test('every job has a timeout; every job below the skipped release job says !cancelled()', () => {
    for (const [id, job] of Object.entries(release.jobs)) {
      expect(job['timeout-minutes'], id).toBeGreaterThan(0);
      if (['build', 'docker', 'publish'].includes(id))
        expect(job.if, id).toMatch(/^\$\{\{ !cancelled\(\) && /);
    }
  });

  test("artifacts: the forge's own v4 actions, uncompressed, hidden files kept", () => {
    const steps = Object.values(release.jobs).flatMap((j) => j.steps);
    const upload = steps.filter((s) => s.uses === `${artifacts}upload-artifact@v4`);
    expect(upload.length).toBe(1);
    for (const s of upload)
      expect(s.with).toMatchObject({ 'compression-level': 0, 'include-hidden-files': true });
    expect(steps.filter((s) => s.uses === `${artifacts}download-artifact@v4`).length).toBe(2);
  });

  test('publishing jobs: GitHub environments, Forgejo none (secrets selected by expression)', () => {
    for (const id of ['docker', 'publish'])
      expect(release.jobs[id]!.environment, id).toBe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, as written in the file
        forge === 'github' ? '${{ needs.plan.outputs.environment }}' : undefined,
      );
    if (forge === 'github') expect(release.permissions).toEqual({ contents: 'write', packages: 'write' });
  });

  test('secrets reach steps only through with: and env:, never inside a script', () => {
    for (const file of workflowFiles) {
      const wf = readYaml(file) as { jobs: Record<string, Job> };
      for (const job of Object.values(wf.jobs))
        for (const step of job.steps ?? []) expect(step.run ?? '', file).not.toMatch(/secrets\.|\$\{\{/);
    }
  });
});

describe('stages and their action.yml', () => {
  test.each(COMMANDS.map((c) => [c.name, c]))(
    "%s: the command's inputs are its action.yml inputs",
    (name, command) => {
      const file = path.join(ROOT, 'actions', name, 'action.yml');
      expect(fs.existsSync(file), `${file} exists`).toBe(true);
      expect([...command.inputs].sort()).toEqual(Object.keys(actionInputs(file)).sort());
    },
  );

  test('every action directory is a stage the commands know', () => {
    expect(stageDirs.filter((d) => !COMMANDS.some((c) => c.name === d))).toEqual([]);
  });
});

describe('generated docs', () => {
  test('the root action.yml and every README table match action.yml (npm run docs)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/action-docs.mjs'), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('the generators: README block and root action from action.yml; --check catches drift', () => {
    const root = tmpDir('releng-docs-');
    writeFiles(root, {
      'actions/one/action.yml':
        'name: one\ndescription: d\ninputs:\n  config: { description: "Path | file", default: releng.yml }\n  only-one: { description: x, required: true }\noutputs:\n  out: { description: o }\nruns: { using: node24, main: ../../dist/one/index.js }\n',
      'actions/two/action.yml':
        'name: two\ndescription: d\ninputs:\n  config: { description: "Path | file", default: releng.yml }\nruns: { using: node24, main: ../../dist/two/index.js }\n',
      'actions/one/README.md':
        '# one\n\n<!-- action-docs:start -->\nstale\n<!-- action-docs:end -->\n\nafter\n',
      'actions/two/README.md': '# two\n<!-- action-docs:start --><!-- action-docs:end -->\n',
    });
    const script = path.join(ROOT, 'scripts/action-docs.mjs');
    const check = () =>
      spawnSync(process.execPath, [script, '--check', '--root', root], { encoding: 'utf8' });
    expect(check().status).toBe(1);
    expect(check().stderr).toMatch(/actions\/one\/README\.md: inputs\/outputs tables differ/);
    execFileSync(process.execPath, [script, '--root', root]);
    expect(check().status).toBe(0);
    const readme = fs.readFileSync(path.join(root, 'actions/one/README.md'), 'utf8');
    expect(readme).toContain('| `config` | Path \\| file | `releng.yml` | no |');
    expect(readme).toContain('| `only-one` | x |  | yes |');
    expect(readme).toContain('| `out` | o |');
    expect(readme.endsWith('<!-- action-docs:end -->\n\nafter\n')).toBe(true);
    const rootAction = readYaml(path.join(root, 'action.yml')) as {
      inputs: Record<string, { default?: string; description: string }>;
      runs: { main: string };
    };
    expect(Object.keys(rootAction.inputs)).toEqual(['stage', 'config', 'only-one']);
    expect(rootAction.inputs.config!.default).toBe('releng.yml');
    expect(rootAction.inputs['only-one']!.description).toBe('x (one)');
    expect(rootAction.runs.main).toBe('dist/main/index.js');
  });
});
