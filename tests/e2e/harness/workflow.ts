/**
 * The parts of a workflow file the harness executes, read with `yaml` (schema validation is
 * tests/unit/workflows.test.ts's job, with @actions/workflow-parser). Anything the harness does not
 * implement is refused with an error, never ignored — except `concurrency`, which only orders runs.
 */
import fs from 'node:fs';
import { parse } from 'yaml';
import { HarnessError } from './expressions.js';

export interface StepDef {
  id?: string;
  name?: string;
  if?: string | boolean;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'working-directory'?: string;
  'continue-on-error'?: boolean | string;
  'timeout-minutes'?: number | string;
}

export interface JobDef {
  needs?: string | string[];
  if?: string | boolean;
  'runs-on'?: unknown;
  container?: unknown;
  environment?: unknown;
  outputs?: Record<string, string>;
  env?: Record<string, unknown>;
  strategy?: { 'fail-fast'?: boolean | string; 'max-parallel'?: number; matrix?: Record<string, unknown> };
  steps: StepDef[];
  'timeout-minutes'?: number | string;
  permissions?: unknown;
  concurrency?: unknown;
  defaults?: { run?: { shell?: string; 'working-directory'?: string } };
}

export interface WorkflowDef {
  name?: string;
  on: Record<string, unknown>;
  env?: Record<string, unknown>;
  concurrency?: unknown;
  permissions?: unknown;
  jobs: Record<string, JobDef>;
}

const JOB_KEYS = new Set([
  'needs',
  'if',
  'runs-on',
  'container',
  'environment',
  'outputs',
  'env',
  'strategy',
  'steps',
  'timeout-minutes',
  'permissions',
  'concurrency',
  'defaults',
  'name',
]);
const STEP_KEYS = new Set([
  'id',
  'name',
  'if',
  'uses',
  'run',
  'shell',
  'with',
  'env',
  'working-directory',
  'continue-on-error',
  'timeout-minutes',
]);
const WORKFLOW_KEYS = new Set(['name', 'on', 'env', 'concurrency', 'permissions', 'jobs', 'run-name']);

export function loadWorkflow(file: string): WorkflowDef {
  const wf = parse(fs.readFileSync(file, 'utf8')) as WorkflowDef;
  for (const k of Object.keys(wf))
    if (!WORKFLOW_KEYS.has(k)) throw new HarnessError(`${file}: key '${k}' is not supported by the harness`);
  for (const [id, job] of Object.entries(wf.jobs)) {
    for (const k of Object.keys(job))
      if (!JOB_KEYS.has(k))
        throw new HarnessError(`${file}: jobs.${id}.${k} is not supported by the harness`);
    job.steps.forEach((s, i) => {
      for (const k of Object.keys(s))
        if (!STEP_KEYS.has(k))
          throw new HarnessError(`${file}: jobs.${id}.steps[${i}].${k} is not supported by the harness`);
      if ((s.uses === undefined) === (s.run === undefined))
        throw new HarnessError(`${file}: jobs.${id}.steps[${i}] needs exactly one of uses and run`);
    });
    for (const n of needsOf(job))
      if (!wf.jobs[n]) throw new HarnessError(`${file}: jobs.${id}.needs names unknown job '${n}'`);
  }
  return wf;
}

export function needsOf(job: JobDef): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** Declared workflow_dispatch inputs with their defaults. */
export function dispatchInputs(
  wf: WorkflowDef,
): Record<string, { default?: unknown; required?: boolean; type?: string; options?: string[] }> {
  const d = wf.on.workflow_dispatch as { inputs?: Record<string, never> } | null | undefined;
  return d?.inputs ?? {};
}
