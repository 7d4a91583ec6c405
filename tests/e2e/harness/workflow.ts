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
  name?: string;
  needs?: string | string[];
  if?: string | boolean;
  'runs-on'?: unknown;
  container?: unknown;
  environment?: unknown;
  outputs?: Record<string, string>;
  env?: Record<string, unknown>;
  strategy?: { 'fail-fast'?: boolean | string; 'max-parallel'?: number; matrix?: Record<string, unknown> };
  /** Absent on a job that calls a reusable workflow (`uses:`). */
  steps: StepDef[];
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: 'inherit' | Record<string, unknown>;
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
  'uses',
  'with',
  'secrets',
]);
/** The keys a job calling a reusable workflow may have (GitHub's schema; Forgejo ≥ 15 expands the same). */
const CALLER_KEYS = new Set([
  'name',
  'needs',
  'if',
  'uses',
  'with',
  'secrets',
  'permissions',
  'concurrency',
  'strategy',
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
  return parseWorkflowText(fs.readFileSync(file, 'utf8'), file);
}

/** A workflow's text, checked for what the harness runs; `file` names it in errors. */
export function parseWorkflowText(text: string, file: string): WorkflowDef {
  const wf = parse(text) as WorkflowDef;
  // `on: push` and `on: [push, workflow_dispatch]` are `on: { push: null, … }`.
  const on = wf.on as unknown;
  if (typeof on === 'string' || Array.isArray(on))
    wf.on = Object.fromEntries([on].flat().map((e) => [String(e), null]));
  for (const k of Object.keys(wf))
    if (!WORKFLOW_KEYS.has(k)) throw new HarnessError(`${file}: key '${k}' is not supported by the harness`);
  for (const [id, job] of Object.entries(wf.jobs)) {
    for (const k of Object.keys(job))
      if (!JOB_KEYS.has(k))
        throw new HarnessError(`${file}: jobs.${id}.${k} is not supported by the harness`);
    for (const n of needsOf(job))
      if (!wf.jobs[n]) throw new HarnessError(`${file}: jobs.${id}.needs names unknown job '${n}'`);
    if (job.uses !== undefined) {
      for (const k of Object.keys(job))
        if (!CALLER_KEYS.has(k))
          throw new HarnessError(
            `${file}: jobs.${id}.${k}: a job that calls a workflow (uses:) cannot have it`,
          );
      if (job.strategy)
        throw new HarnessError(`${file}: jobs.${id}: a matrix of workflow calls is not supported`);
      continue;
    }
    if (!Array.isArray(job.steps)) throw new HarnessError(`${file}: jobs.${id} needs steps or uses`);
    job.steps.forEach((s, i) => {
      for (const k of Object.keys(s))
        if (!STEP_KEYS.has(k))
          throw new HarnessError(`${file}: jobs.${id}.steps[${i}].${k} is not supported by the harness`);
      if ((s.uses === undefined) === (s.run === undefined))
        throw new HarnessError(`${file}: jobs.${id}.steps[${i}] needs exactly one of uses and run`);
    });
  }
  return wf;
}

export function needsOf(job: JobDef): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

export interface InputDef {
  default?: unknown;
  required?: boolean;
  type?: string;
  options?: string[];
  description?: string;
}

/** Declared workflow_dispatch inputs with their defaults. */
export function dispatchInputs(wf: WorkflowDef): Record<string, InputDef> {
  const d = wf.on.workflow_dispatch as { inputs?: Record<string, InputDef> } | null | undefined;
  return d?.inputs ?? {};
}

export interface CallDef {
  inputs: Record<string, InputDef>;
  outputs: Record<string, { value: string; description?: string }>;
  secrets?: Record<string, { required?: boolean; description?: string }>;
}

/** `on.workflow_call`, or undefined when the workflow cannot be called. */
export function callTrigger(wf: WorkflowDef): CallDef | undefined {
  if (!('workflow_call' in wf.on)) return undefined;
  const c = (wf.on.workflow_call ?? {}) as Partial<CallDef>;
  return { inputs: c.inputs ?? {}, outputs: c.outputs ?? {}, secrets: c.secrets };
}
