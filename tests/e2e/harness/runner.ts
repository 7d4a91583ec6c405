/**
 * Executes a workflow file as a forge's runner would, on this machine: jobs in `needs` order (independent
 * jobs and matrix legs in parallel), each leg with only the programs its `runs-on` label's image has
 * (toolsets.ts), each node action a fresh `node <main>` with INPUT_* (action.yml defaults applied) and the
 * GITHUB_OUTPUT/ENV/STATE/STEP_SUMMARY/PATH files, `run:` steps with bash, remote actions and reusable
 * workflows from the repositories the test registers (uses.ts), checkout and artifacts emulated
 * (builtin.ts). Two forges: `github` (a job is skipped when any job up its needs chain was not a success,
 * actions/runner#2205; environments scope secrets) and `forgejo` (direct needs only; no environments).
 * docs/workflow.md ("Testing the workflow") says what it covers.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseCommandFile } from '../../helpers/action.js';
import { BUILTIN_OUTPUTS, checkBuiltinInputs, checkout, download, upload } from './builtin.js';
import {
  type Contexts,
  condition,
  HarnessError,
  interpolate,
  interpolateString,
  open,
  type Status,
} from './expressions.js';
import { type Exit, spawnStep } from './process.js';
import { type Forge, installToolset, type Toolset, toolsetFor } from './toolsets.js';
import { parseStepUses, parseWorkflowUses, Remotes } from './uses.js';
import {
  callTrigger,
  dispatchInputs,
  type InputDef,
  type JobDef,
  needsOf,
  parseWorkflowText,
  type StepDef,
  type WorkflowDef,
} from './workflow.js';

export type { Forge } from './toolsets.js';
export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface WorkflowEvent {
  name: 'push' | 'workflow_dispatch';
  /** refs/tags/X for a tag push; the branch (refs/heads/main) for a dispatch. */
  ref: string;
  inputs?: Record<string, string>;
}

export interface StepInfo {
  job: string;
  matrix: Record<string, unknown>;
  index: number;
  step: StepDef;
}

export interface RunOptions {
  /**
   * The workflow: a path inside `repo` (read at the event's commit, as a forge does), or an absolute
   * path of a file elsewhere.
   */
  workflowFile: string;
  /** Which forge's rules. Default: github for a file under .github/, else forgejo. */
  forge?: Forge;
  event: WorkflowEvent;
  /** The forge's repository (a bare repo): checkout clones it, `origin` in every job. */
  repo: string;
  /** Everything of this run goes below it (workspaces, temp, artifacts, unpacked remotes). */
  workDir: string;
  /** Repository secrets. */
  secrets?: Record<string, string>;
  /** GitHub environments: the secrets a job with `environment: NAME` also gets. */
  environments?: Record<string, { secrets?: Record<string, string> }>;
  vars?: Record<string, string>;
  /** Base environment of every process (HOME, NIX_CONFIG, …). PATH is the job's toolset, never this. */
  env?: NodeJS.ProcessEnv;
  /** `host/owner/repo` → a git repository on this machine, for remote `uses:`. */
  remotes?: Record<string, string>;
  /** The forge's address (github.server_url); a Forgejo reusable workflow's short form is on its host. */
  serverUrl?: string;
  /** github.repository. Default org/project. */
  repository?: string;
  /** The node that runs node actions and is `node` on every toolset's PATH. Default: this process's. */
  node?: string;
  runId?: number;
  /** "Re-run all jobs" is the same run id with the next attempt. */
  runAttempt?: number;
  actor?: string;
  /** True → the step fails (exit 1) instead of running: "a leg made to fail". */
  sabotage?: (s: StepInfo) => boolean;
  /** Echo the log to stderr as it comes (debugging). */
  echo?: boolean;
}

export interface StepRecord {
  job: string;
  leg: string;
  id?: string;
  name: string;
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
  summary: string;
  /** The step's environment as the workflow set it (env: of workflow, job, step; INPUT_* of an action). */
  env: Record<string, string>;
}

export interface JobRecord {
  id: string;
  result: Result;
  outputs: Record<string, string>;
  legs: { matrix: Record<string, unknown>; result: Result; label?: string }[];
  /** The GitHub environment the job ran in. */
  environment?: string;
}

export interface RunResult {
  conclusion: 'success' | 'failure';
  jobs: Record<string, JobRecord>;
  steps: StepRecord[];
  /** Every line the run printed (workflow commands for masks removed), prefixed by job and leg. */
  log: string;
  /** `::error::` annotations. */
  errors: string[];
  /** Secret values or masked values found in logs, outputs or summaries: must be empty. */
  leaks: string[];
}

/** One workflow being run: the top one, or one called by a job (`uses:`), whose job ids get a prefix. */
interface Frame {
  wf: WorkflowDef;
  file: string;
  prefix: string;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Reads a file of the repository this workflow came from (for `./` reusable workflows). */
  read: (rel: string) => string;
  jobs: Map<string, Promise<JobRecord>>;
  finished: Map<string, Result>;
  depth: number;
}

const MAX_CALL_DEPTH = 4;

class Run {
  readonly forge: Forge;
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  readonly steps: StepRecord[] = [];
  readonly records: JobRecord[] = [];
  readonly masks = new Set<string>();
  readonly outputsSeen: string[] = [];
  readonly artifacts: string;
  readonly attemptDir: string;
  readonly github: Record<string, string | Record<string, unknown>> & { event: unknown };
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly remotes: Remotes;
  readonly node: string;
  readonly sha: string;
  readonly top: Frame;

  constructor(readonly opts: RunOptions) {
    this.forge = opts.forge ?? (/(^|\/)\.github\//.test(opts.workflowFile) ? 'github' : 'forgejo');
    const attempt = opts.runAttempt ?? 1;
    this.attemptDir = path.join(opts.workDir, `attempt-${attempt}`);
    fs.rmSync(this.attemptDir, { recursive: true, force: true });
    this.artifacts = path.join(this.attemptDir, 'artifacts');
    fs.mkdirSync(this.artifacts, { recursive: true });
    this.remotes = new Remotes(opts.remotes ?? {}, path.join(this.attemptDir, 'remotes'));
    this.node = opts.node ?? process.execPath;
    for (const v of Object.values(opts.secrets ?? {})) if (v) this.masks.add(v);
    for (const e of Object.values(opts.environments ?? {}))
      for (const v of Object.values(e.secrets ?? {})) if (v) this.masks.add(v);
    this.sha = execFileSync('git', ['rev-parse', `${opts.event.ref}^{commit}`], {
      cwd: opts.repo,
      encoding: 'utf8',
    }).trim();
    const readRepo = (rel: string) => {
      try {
        return execFileSync('git', ['show', `${this.sha}:${rel}`], {
          cwd: opts.repo,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        throw new HarnessError(`${rel}: no such file in the repository at ${opts.event.ref}`);
      }
    };
    const text = path.isAbsolute(opts.workflowFile)
      ? fs.readFileSync(opts.workflowFile, 'utf8')
      : readRepo(opts.workflowFile);
    const wf = parseWorkflowText(text, opts.workflowFile);
    if (!(opts.event.name in wf.on))
      throw new HarnessError(`${opts.workflowFile}: not triggered by ${opts.event.name}`);
    this.checkTrigger(wf);
    const inputs = this.resolveInputs(wf);
    const refName = opts.event.ref.replace(/^refs\/(heads|tags)\//, '');
    const actor = opts.actor ?? 'releng-bot';
    const serverUrl =
      opts.serverUrl ?? (this.forge === 'github' ? 'https://github.com' : 'https://forge.invalid');
    this.github = {
      event_name: opts.event.name,
      event:
        opts.event.name === 'workflow_dispatch'
          ? { inputs, ref: opts.event.ref }
          : { ref: opts.event.ref, after: this.sha },
      ref: opts.event.ref,
      ref_name: refName,
      ref_type: opts.event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      sha: this.sha,
      repository: opts.repository ?? 'org/project',
      repository_owner: (opts.repository ?? 'org/project').split('/')[0]!,
      run_id: String(opts.runId ?? 1),
      run_number: String(opts.runId ?? 1),
      run_attempt: String(attempt),
      actor,
      triggering_actor: actor,
      server_url: serverUrl,
      api_url: this.forge === 'github' ? 'https://api.github.com' : `${serverUrl}/api/v1`,
      token: '',
      workflow: wf.name ?? path.basename(opts.workflowFile),
    };
    const { PATH: _ignored, ...base } = opts.env ?? {
      HOME: process.env.HOME,
      NIX_CONFIG: process.env.NIX_CONFIG,
    };
    this.baseEnv = base;
    this.top = this.frame(wf, opts.workflowFile, '', inputs, { ...(opts.secrets ?? {}) }, readRepo, 0);
  }

  frame(
    wf: WorkflowDef,
    file: string,
    prefix: string,
    inputs: Record<string, unknown>,
    secrets: Record<string, string>,
    read: (rel: string) => string,
    depth: number,
  ): Frame {
    return { wf, file, prefix, inputs, secrets, read, jobs: new Map(), finished: new Map(), depth };
  }

  /** A push only starts the workflow when its ref passes the `on.push` filters, as on a forge. */
  private checkTrigger(wf: WorkflowDef): void {
    const { name, ref } = this.opts.event;
    if (name !== 'push') return;
    const on = (wf.on.push ?? {}) as { tags?: string[]; branches?: string[] };
    const [kind, filters] = ref.startsWith('refs/tags/') ? ['tags', on.tags] : ['branches', on.branches];
    const short = ref.replace(/^refs\/(heads|tags)\//, '');
    if (filters === undefined && (on.tags === undefined) === (on.branches === undefined)) return;
    if (!(filters ?? []).some((f) => filterRegex(f).test(short)))
      throw new HarnessError(`${this.opts.workflowFile}: a push of ${ref} does not match on.push.${kind}`);
  }

  private resolveInputs(wf: WorkflowDef): Record<string, unknown> {
    const declared = dispatchInputs(wf);
    const given = this.opts.event.inputs ?? {};
    const out: Record<string, unknown> = {};
    if (this.opts.event.name !== 'workflow_dispatch') {
      // Declared names exist (null) on other events: `inputs.version || …` is legitimate there.
      for (const k of [...Object.keys(declared), ...Object.keys(callTrigger(wf)?.inputs ?? {})])
        out[k] = null;
      if (Object.keys(given).length) throw new HarnessError('inputs are only for workflow_dispatch');
      return out;
    }
    // A workflow_call input the dispatch does not declare reads as null, as on GitHub.
    for (const k of Object.keys(callTrigger(wf)?.inputs ?? {})) out[k] = null;
    return { ...out, ...typedInputs(declared, given, 'workflow_dispatch', true) };
  }

  log(prefix: string, text: string): void {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\r$/, '');
      const mask = /^::add-mask::(.*)$/.exec(line);
      if (mask) {
        if (mask[1]) this.masks.add(mask[1]);
        continue;
      }
      const err = /^::error(?: [^:]*)?::(.*)$/.exec(line);
      if (err) this.errors.push(err[1]!);
      if (line === '' && raw === '') continue;
      this.lines.push(`${prefix} ${line}`);
      if (this.opts.echo) process.stderr.write(`${prefix} ${line}\n`);
    }
  }

  runFrame(frame: Frame): Promise<JobRecord[]> {
    return Promise.all(Object.keys(frame.wf.jobs).map((id) => this.job(frame, id)));
  }

  job(frame: Frame, id: string): Promise<JobRecord> {
    let p = frame.jobs.get(id);
    if (!p) {
      const def = frame.wf.jobs[id]!;
      p = Promise.all(needsOf(def).map((n) => this.job(frame, n))).then((needs) =>
        this.runJob(frame, id, def, needs).then((record) => {
          frame.finished.set(id, record.result);
          this.records.push(record);
          return record;
        }),
      );
      frame.jobs.set(id, p);
    }
    return p;
  }

  /** The jobs a job's status functions look at: GitHub every job up the needs chain, Forgejo its needs. */
  private upstream(frame: Frame, id: string): string[] {
    const direct = needsOf(frame.wf.jobs[id]!);
    if (this.forge === 'forgejo') return direct;
    const all = new Set<string>();
    const walk = (j: string) => {
      for (const n of needsOf(frame.wf.jobs[j]!))
        if (!all.has(n)) {
          all.add(n);
          walk(n);
        }
    };
    walk(id);
    return [...all];
  }

  private async runJob(frame: Frame, id: string, def: JobDef, needs: JobRecord[]): Promise<JobRecord> {
    const fullId = frame.prefix + id;
    const needsCtx: Record<string, unknown> = {};
    for (const n of needs)
      needsCtx[n.id.slice(frame.prefix.length)] = { result: n.result, outputs: n.outputs };
    // Only called once every need has settled, so the whole chain up is settled too.
    const results = this.upstream(frame, id).map((n) => frame.finished.get(n));
    const status: Status = {
      success: results.every((r) => r === 'success'),
      failure: results.some((r) => r === 'failure'),
      cancelled: false,
    };
    const jobCtx = { github: this.github, needs: needsCtx, vars: this.vars(), inputs: frame.inputs };
    const record: JobRecord = { id: fullId, result: 'skipped', outputs: {}, legs: [] };
    if (!condition(def.if, jobCtx, status)) {
      this.log(`[${fullId}]`, `skipped (if: ${def.if ?? 'success()'})`);
      return record;
    }
    if (def.uses !== undefined) return this.callWorkflow(frame, id, def, jobCtx, record);
    let legs: Record<string, unknown>[];
    try {
      legs = this.matrix(id, def, jobCtx);
    } catch (e) {
      if (!(e instanceof HarnessError)) throw e;
      this.log(`[${fullId}]`, `::error::harness: ${e.message}`);
      record.result = 'failure';
      return record;
    }
    const failFast =
      def.strategy?.['fail-fast'] === undefined ? true : String(def.strategy['fail-fast']) === 'true';
    const abort = new AbortController();
    const done = await Promise.all(
      legs.map(async (matrix, index) => {
        const r = await this.runLeg(frame, id, def, needsCtx, matrix, index, legs.length, abort.signal);
        if (r.result === 'failure' && failFast) abort.abort();
        return { matrix, ...r };
      }),
    );
    record.legs = done.map((r) => ({ matrix: r.matrix, result: r.result, label: r.label }));
    record.environment = done[0]?.environment;
    record.result = done.some((r) => r.result === 'failure')
      ? 'failure'
      : done.some((r) => r.result === 'cancelled')
        ? 'cancelled'
        : 'success';
    for (const r of done) Object.assign(record.outputs, r.outputs);
    this.log(`[${fullId}]`, `job ${record.result}`);
    return record;
  }

  /** A job that calls a reusable workflow: its jobs run here, named `caller/job`. */
  private async callWorkflow(
    frame: Frame,
    id: string,
    def: JobDef,
    ctx: Contexts,
    record: JobRecord,
  ): Promise<JobRecord> {
    const fullId = frame.prefix + id;
    try {
      if (frame.depth >= MAX_CALL_DEPTH) throw new HarnessError(`jobs.${id}: workflow calls nest too deep`);
      const serverHost = new URL(String(this.github.server_url)).host;
      const uses = parseWorkflowUses(def.uses!, this.forge, serverHost);
      let file: string;
      let read: (rel: string) => string;
      if (uses.kind === 'local') {
        file = uses.path;
        read = frame.read;
      } else if (uses.kind === 'remote') {
        const root = this.remotes.root(uses.remote, def.uses!);
        file = `${uses.remote.repository}/${uses.remote.path}@${uses.remote.ref}`;
        read = (rel) => {
          const f = path.join(root, rel);
          if (!fs.existsSync(f))
            throw new HarnessError(`uses: ${def.uses}: no ${rel} in ${uses.remote.repository}`);
          return fs.readFileSync(f, 'utf8');
        };
      } else throw new HarnessError(`uses: ${def.uses}: not a workflow`);
      const text = read(uses.kind === 'local' ? uses.path : uses.remote.path);
      const wf = parseWorkflowText(text, file);
      const call = callTrigger(wf);
      if (!call) throw new HarnessError(`uses: ${def.uses}: ${file} has no on.workflow_call`);
      const given: Record<string, string> = {};
      const typed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(def.with ?? {})) {
        const value = interpolate(v, ctx);
        typed[k] = value;
        given[k] = value === null || value === undefined ? '' : String(value);
      }
      const inputs = typedInputs(call.inputs, given, `uses: ${def.uses}`, false, typed);
      const secrets = this.passSecrets(frame, def, call.secrets, ctx);
      const inner = this.frame(wf, file, `${fullId}/`, inputs, secrets, read, frame.depth + 1);
      if (wf.concurrency)
        interpolate((wf.concurrency as { group?: unknown }).group ?? wf.concurrency, { ...ctx, inputs });
      this.log(`[${fullId}]`, `calls ${file}`);
      const records = await this.runFrame(inner);
      record.result = records.some((r) => r.result === 'failure')
        ? 'failure'
        : records.some((r) => r.result === 'cancelled')
          ? 'cancelled'
          : 'success';
      const jobs = Object.fromEntries(
        records.map((r) => [r.id.slice(inner.prefix.length), { result: r.result, outputs: r.outputs }]),
      );
      for (const [k, o] of Object.entries(call.outputs))
        record.outputs[k] = interpolateString(o.value, { jobs, github: this.github, inputs });
    } catch (e) {
      if (!(e instanceof HarnessError)) throw e;
      this.log(`[${fullId}]`, `::error::harness: ${e.message}`);
      record.result = 'failure';
    }
    this.log(`[${fullId}]`, `job ${record.result}`);
    return record;
  }

  private passSecrets(
    frame: Frame,
    def: JobDef,
    declared: Record<string, { required?: boolean }> | undefined,
    ctx: Contexts,
  ): Record<string, string> {
    if (def.secrets === 'inherit') return { ...frame.secrets };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(def.secrets ?? {})) {
      if (declared && !(k in declared))
        throw new HarnessError(
          `uses: ${def.uses}: secret '${k}' is not declared in on.workflow_call.secrets`,
        );
      out[k] = interpolateString(v, { ...ctx, secrets: this.secretsContext(frame, undefined) });
    }
    for (const [k, d] of Object.entries(declared ?? {})) {
      if (d?.required && !out[k]) throw new HarnessError(`uses: ${def.uses}: secret '${k}' is required`);
      out[k] ??= '';
    }
    return out;
  }

  /**
   * A job's `secrets`: the frame's, and on GitHub its environment's over them. Every name any environment
   * defines exists (empty elsewhere), as on GitHub; an unknown name stays an error (a typo).
   */
  private secretsContext(frame: Frame, environment: string | undefined): Record<string, string> {
    const out: Record<string, string> = { ...frame.secrets };
    for (const e of Object.values(this.opts.environments ?? {}))
      for (const k of Object.keys(e.secrets ?? {})) out[k] ??= '';
    if (environment) Object.assign(out, this.opts.environments?.[environment]?.secrets ?? {});
    return out;
  }

  private vars(): Record<string, unknown> {
    return { ...(this.opts.vars ?? {}) };
  }

  private matrix(id: string, def: JobDef, ctx: Contexts): Record<string, unknown>[] {
    const m = def.strategy?.matrix;
    if (!m) return [{}];
    const entries = interpolate(m, ctx);
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
      throw new HarnessError(`jobs.${id}.strategy.matrix must be a map`);
    let legs: Record<string, unknown>[] = [{}];
    for (const [key, raw] of Object.entries(entries as Record<string, unknown>)) {
      if (key === 'include' || key === 'exclude')
        throw new HarnessError(`jobs.${id}.strategy.matrix.${key} is not supported by the harness`);
      const list = interpolate(raw, ctx);
      if (!Array.isArray(list)) throw new HarnessError(`jobs.${id}.strategy.matrix.${key} must be a list`);
      legs = legs.flatMap((leg) => list.map((v) => ({ ...leg, [key]: v })));
    }
    return legs;
  }

  private async runLeg(
    frame: Frame,
    id: string,
    def: JobDef,
    needs: Record<string, unknown>,
    matrix: Record<string, unknown>,
    index: number,
    total: number,
    cancel: AbortSignal,
  ): Promise<{
    result: Result;
    outputs: Record<string, string>;
    label?: string;
    environment?: string;
  }> {
    const fullId = frame.prefix + id;
    const legName = Object.keys(matrix).length ? `${fullId} (${Object.values(matrix).join(', ')})` : fullId;
    const prefix = `[${legName}]`;
    const dir = path.join(this.attemptDir, fullId.replace(/\//g, '__') + (total > 1 ? `-${index}` : ''));
    const workspace = path.join(dir, 'workspace');
    const temp = path.join(dir, 'temp');
    const tools = path.join(dir, 'tools');
    fs.mkdirSync(workspace, { recursive: true });
    fs.mkdirSync(temp, { recursive: true });
    const eventFile = path.join(dir, 'event.json');
    fs.writeFileSync(eventFile, JSON.stringify(this.github.event));
    const strategy = {
      'fail-fast': def.strategy?.['fail-fast'] ?? true,
      'job-index': index,
      'job-total': total,
      'max-parallel': total,
    };
    const jobLevel = {
      github: this.github,
      needs,
      vars: this.vars(),
      inputs: frame.inputs,
      matrix,
      strategy,
    };
    let toolset: Toolset;
    let environment: string | undefined;
    let timeoutMs: number | undefined;
    try {
      toolset = toolsetFor(interpolate(def['runs-on'], jobLevel), this.forge, `jobs.${fullId}`);
      installToolset(tools, toolset, this.node);
      environment = this.environmentOf(fullId, def, jobLevel);
      timeoutMs = minutes(def['timeout-minutes'], jobLevel, `jobs.${fullId}.timeout-minutes`);
    } catch (e) {
      if (!(e instanceof HarnessError)) throw e;
      this.log(prefix, `::error::harness: ${e.message}`);
      return { result: 'failure', outputs: {} };
    }
    this.log(prefix, `runs on ${toolset.label}${environment ? ` in environment ${environment}` : ''}`);
    // The leg stops on fail-fast cancellation or on its own timeout.
    const abort = new AbortController();
    const onCancel = () => abort.abort();
    cancel.addEventListener('abort', onCancel, { once: true });
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            this.log(prefix, `::error::the job exceeded timeout-minutes (${def['timeout-minutes']})`);
            abort.abort();
          }, timeoutMs);
    const signal = abort.signal;
    const github: Record<string, unknown> = { ...this.github, workspace, job: id };
    const runner = {
      os: toolset.os,
      arch: toolset.arch,
      temp,
      tool_cache: path.join(dir, 'tool-cache'),
      name: 'harness',
    };
    const base = { github, needs, vars: this.vars(), inputs: frame.inputs, matrix, strategy, runner };
    const secrets = this.secretsContext(frame, environment);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(frame.wf.env ?? {}))
      env[k] = interpolateString(v, {
        github,
        vars: base.vars,
        inputs: frame.inputs,
        secrets,
        env: { ...env },
      });
    for (const [k, v] of Object.entries(def.env ?? {}))
      env[k] = interpolateString(v, { ...base, secrets, env: { ...env } });
    const steps: Record<string, unknown> = {};
    let failed = false;
    let cancelled = false;
    const paths: string[] = [];
    const legInfo = {
      fullId,
      prefix,
      matrix,
      workspace,
      temp,
      tools,
      eventFile,
      toolset,
      signal,
      github,
      defaults: def.defaults,
    };
    for (const [i, step] of def.steps.entries()) {
      if (signal.aborted) {
        if (timedOut) failed = true;
        else cancelled = true;
      }
      const stepStatus: Status = { success: !failed && !cancelled, failure: failed, cancelled };
      const ctx: Contexts = {
        ...base,
        secrets,
        env: { ...env },
        steps,
        job: { status: failed ? 'failure' : cancelled ? 'cancelled' : 'success' },
      };
      const name = step.name ?? step.uses ?? String(step.run ?? '').split('\n')[0]!;
      const record: StepRecord = {
        job: fullId,
        leg: legName,
        id: step.id,
        name,
        outcome: 'skipped',
        conclusion: 'skipped',
        outputs: {},
        summary: '',
        env: {},
      };
      if (!condition(step.if, ctx, stepStatus)) {
        this.log(prefix, `step skipped: ${name}`);
        if (step.id) steps[step.id] = { outputs: open({}), outcome: 'skipped', conclusion: 'skipped' };
        this.steps.push(record);
        continue;
      }
      this.log(prefix, `▶ ${name}`);
      // A step that runs after cancellation or timeout (always(), cancelled()) runs to its end.
      if (signal.aborted) legInfo.signal = new AbortController().signal;
      const { exit, outputs, declared, written } = await this.runStep(
        legInfo,
        step,
        i,
        ctx,
        env,
        paths,
        record,
      );
      const ok = exit === 'ok';
      record.outputs = outputs;
      this.outputsSeen.push(...Object.values(written), record.summary);
      const continueOnError = String(interpolate(step['continue-on-error'] ?? false, ctx)) === 'true';
      const aborted = exit === 'aborted' && !timedOut;
      record.outcome = ok ? 'success' : aborted ? 'cancelled' : 'failure';
      record.conclusion = ok || continueOnError ? 'success' : record.outcome;
      if (!ok && !continueOnError) {
        if (aborted) cancelled = true;
        else failed = true;
      }
      if (step.id)
        steps[step.id] = {
          outputs: declared ? outputs : open(outputs),
          outcome: record.outcome,
          conclusion: record.conclusion,
        };
      this.steps.push(record);
      this.log(prefix, `${ok ? '✓' : '✗'} ${name}`);
    }
    if (timer) clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
    const result: Result = failed || timedOut ? 'failure' : cancelled ? 'cancelled' : 'success';
    const outputs: Record<string, string> = {};
    const ctx: Contexts = { ...base, secrets, env: { ...env }, steps, job: { status: result } };
    for (const [k, v] of Object.entries(def.outputs ?? {})) {
      const value = interpolateString(v, ctx);
      // As a runner does: an output holding a secret is not passed on.
      if ([...this.masks].some((m) => value.includes(m))) {
        this.log(prefix, `::warning::skip output '${k}' since it may contain a secret`);
        continue;
      }
      outputs[k] = value;
    }
    return { result, outputs, label: toolset.label, environment };
  }

  /** `environment:` of a job: GitHub scopes secrets by it; Forgejo has no environments. */
  private environmentOf(fullId: string, def: JobDef, ctx: Contexts): string | undefined {
    if (def.environment === undefined) return undefined;
    if (this.forge === 'forgejo')
      throw new HarnessError(
        `jobs.${fullId}.environment: Forgejo has no environments (secrets are not scoped by it); select secrets by expression`,
      );
    const e = def.environment;
    const name = interpolateString(
      typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : e,
      ctx,
    );
    if (!name) throw new HarnessError(`jobs.${fullId}.environment: the name is empty`);
    return name;
  }

  private async runStep(
    leg: {
      fullId: string;
      prefix: string;
      matrix: Record<string, unknown>;
      workspace: string;
      temp: string;
      tools: string;
      eventFile: string;
      toolset: Toolset;
      signal: AbortSignal;
      github: Record<string, unknown>;
      defaults: JobDef['defaults'];
    },
    step: StepDef,
    i: number,
    ctx: Contexts,
    env: Record<string, string>,
    paths: string[],
    record: StepRecord,
  ): Promise<{
    exit: Exit;
    outputs: Record<string, string>;
    declared: boolean;
    written: Record<string, string>;
  }> {
    const { prefix, temp, workspace, github } = leg;
    const files = {
      GITHUB_OUTPUT: path.join(temp, `output-${i}`),
      GITHUB_ENV: path.join(temp, `env-${i}`),
      GITHUB_STATE: path.join(temp, `state-${i}`),
      GITHUB_STEP_SUMMARY: path.join(temp, `summary-${i}`),
      GITHUB_PATH: path.join(temp, `path-${i}`),
    };
    for (const f of Object.values(files)) fs.writeFileSync(f, '');
    let exit: Exit = 'failed';
    let declaredOutputs: string[] | undefined;
    try {
      const stepEnv: Record<string, string> = { ...env };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolateString(v, ctx);
      record.env = { ...stepEnv };
      const processEnv: NodeJS.ProcessEnv = {
        ...this.baseEnv,
        ...stepEnv,
        ...files,
        PATH: [...paths, leg.tools].join(':'),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: workspace,
        GITHUB_EVENT_NAME: String(github.event_name),
        GITHUB_EVENT_PATH: leg.eventFile,
        GITHUB_REF: String(github.ref),
        GITHUB_REF_NAME: String(github.ref_name),
        GITHUB_REF_TYPE: String(github.ref_type),
        GITHUB_SHA: String(github.sha),
        GITHUB_REPOSITORY: String(github.repository),
        GITHUB_RUN_ID: String(github.run_id),
        GITHUB_RUN_ATTEMPT: String(github.run_attempt),
        GITHUB_ACTOR: String(github.actor),
        GITHUB_SERVER_URL: String(github.server_url),
        GITHUB_API_URL: String(github.api_url),
        GITHUB_JOB: String(github.job),
        RUNNER_TEMP: temp,
        RUNNER_OS: leg.toolset.os,
        RUNNER_ARCH: leg.toolset.arch,
      };
      const timeoutMs = minutes(step['timeout-minutes'], ctx, `${leg.fullId}: step timeout-minutes`);
      const spawnIn = (cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) =>
        spawnStep(cmd, args, {
          cwd,
          env: { ...processEnv, ...extra },
          signal: leg.signal,
          timeoutMs,
          log: (t) => this.log(prefix, t),
        });
      const cwd = path.resolve(
        workspace,
        interpolateString(step['working-directory'] ?? leg.defaults?.run?.['working-directory'] ?? '.', ctx),
      );
      if (this.opts.sabotage?.({ job: leg.fullId, matrix: leg.matrix, index: i, step })) {
        this.log(prefix, 'harness: this step is made to fail');
        exit = 'failed';
      } else if (step.run !== undefined) {
        const shell = step.shell ?? leg.defaults?.run?.shell ?? 'bash';
        if (shell !== 'bash') throw new HarnessError(`shell '${shell}' is not supported by the harness`);
        if (!fs.existsSync(path.join(leg.tools, 'bash')))
          throw new HarnessError(`bash is not in the image of runs-on '${leg.toolset.label}'`);
        const script = path.join(temp, `step-${i}.sh`);
        fs.writeFileSync(script, interpolateString(step.run, ctx));
        exit = await spawnIn(
          path.join(leg.tools, 'bash'),
          ['--noprofile', '--norc', '-eo', 'pipefail', script],
          cwd,
        );
      } else {
        const uses = step.uses!;
        const withValues: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) withValues[k] = interpolateString(v, ctx);
        const parsed = parseStepUses(uses, this.forge);
        if (parsed.kind === 'builtin') {
          checkBuiltinInputs(parsed.action, withValues, uses);
          record.env = { ...stepEnv, ...inputEnvOf(withValues) };
          declaredOutputs = BUILTIN_OUTPUTS[parsed.action];
          if (parsed.action === 'checkout') {
            const git = async (dir: string, ...args: string[]) =>
              (await spawnIn('git', args, dir, { GIT_TERMINAL_PROMPT: '0' })) === 'ok';
            exit = (await checkout(git, withValues, workspace, this.opts.repo, String(github.ref)))
              ? 'ok'
              : 'failed';
          } else {
            if (parsed.action === 'upload-artifact')
              upload(withValues, workspace, this.artifacts, files.GITHUB_OUTPUT);
            else download(withValues, workspace, this.artifacts, files.GITHUB_OUTPUT);
            exit = 'ok';
          }
        } else {
          const dir =
            parsed.kind === 'local'
              ? path.resolve(workspace, parsed.path)
              : path.join(this.remotes.root(parsed.remote, uses), parsed.remote.path);
          const r = await this.nodeAction(uses, dir, withValues, ctx, (main, inputEnv) => {
            record.env = { ...stepEnv, ...inputEnv };
            return spawnIn(this.node, [main], workspace, inputEnv);
          });
          exit = r.exit;
          declaredOutputs = r.outputs;
        }
      }
      if (exit === 'timeout')
        this.log(prefix, `::error::the step exceeded timeout-minutes (${step['timeout-minutes']})`);
    } catch (e) {
      if (!(e instanceof HarnessError)) throw e;
      this.log(prefix, `::error::harness: ${e.message}`);
      exit = 'failed';
    }
    const written = parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    const outputs: Record<string, string> = {};
    for (const k of declaredOutputs ?? []) outputs[k] = '';
    Object.assign(outputs, written);
    record.summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    Object.assign(env, parseCommandFile(fs.readFileSync(files.GITHUB_ENV, 'utf8')));
    paths.unshift(...fs.readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean).reverse());
    return { exit, outputs, declared: declaredOutputs !== undefined, written };
  }

  /** A node action: action.yml read, `with:` checked against its inputs, defaults applied as a runner does. */
  private async nodeAction(
    uses: string,
    dir: string,
    withValues: Record<string, string>,
    ctx: Contexts,
    start: (main: string, inputEnv: Record<string, string>) => Promise<Exit>,
  ): Promise<{ exit: Exit; outputs: string[] }> {
    const file = ['action.yml', 'action.yaml'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (!file) throw new HarnessError(`uses: ${uses}: no action.yml in ${dir}`);
    const action = parse(fs.readFileSync(file, 'utf8')) as {
      inputs?: Record<string, { default?: unknown; required?: boolean }>;
      outputs?: Record<string, unknown>;
      runs: { using: string; main: string; pre?: string; post?: string };
    };
    const using = action.runs?.using ?? '';
    // GitHub's runner loads node20 and node24 actions (≥ 2.327 for node24); forgejo-runner any nodeNN,
    // run with the image's node.
    const known = this.forge === 'github' ? ['node20', 'node24'] : undefined;
    if (!/^node\d+$/.test(using) || (known && !known.includes(using)))
      throw new HarnessError(`uses: ${uses}: runs.using '${using}' is not a node action this runner loads`);
    if (action.runs.pre || action.runs.post)
      throw new HarnessError(`uses: ${uses}: pre/post are not supported`);
    const declared = action.inputs ?? {};
    for (const k of Object.keys(withValues))
      if (!(k in declared)) throw new HarnessError(`uses: ${uses}: unexpected input '${k}' (not in ${file})`);
    const values: Record<string, string> = {};
    for (const [k, def] of Object.entries(declared))
      values[k] =
        k in withValues
          ? withValues[k]!
          : def?.default === undefined
            ? ''
            : interpolateString(def.default, ctx);
    const exit = await start(path.resolve(dir, action.runs.main), inputEnvOf(values));
    return { exit, outputs: Object.keys(action.outputs ?? {}) };
  }
}

function inputEnvOf(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
  );
}

/** timeout-minutes as milliseconds (fractions allowed, so tests can time out in a second). */
function minutes(value: unknown, ctx: Contexts, where: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(interpolate(value, ctx));
  if (!(n > 0)) throw new HarnessError(`${where}: '${String(value)}' is not a positive number of minutes`);
  return n * 60_000;
}

/**
 * Typed inputs of a dispatch or a workflow call: unknown names and missing required ones are errors,
 * defaults applied, a choice checked, booleans and numbers typed.
 */
function typedInputs(
  declared: Record<string, InputDef>,
  given: Record<string, string>,
  where: string,
  dispatch: boolean,
  raw: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const k of Object.keys(given))
    if (!(k in declared)) throw new HarnessError(`${where} has no input '${k}'`);
  const out: Record<string, unknown> = {};
  for (const [k, d] of Object.entries(declared)) {
    const v = k in given ? given[k]! : d.default === undefined ? '' : String(d.default);
    if (d.required && !(k in given) && d.default === undefined)
      throw new HarnessError(`${where}: input '${k}' is required`);
    if (dispatch && d.required && v === '') throw new HarnessError(`${where} input '${k}' is required`);
    if (d.type === 'choice' && v !== '' && !(d.options ?? []).includes(v))
      throw new HarnessError(`${where} input '${k}' must be one of ${(d.options ?? []).join(', ')}`);
    if (d.type === 'boolean') out[k] = typeof raw[k] === 'boolean' ? raw[k] : v === 'true';
    else if (d.type === 'number') out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

/** GitHub's filter patterns: `*` within a path segment, `**` across, `+`/`?` on the preceding character. */
export function filterRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      re += pattern.slice(i, end + 1);
      i = end;
    } else if (c === '+' || c === '?') re += c;
    else re += c.replace(/[.^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Runs the whole workflow for one event; never throws for a failing job (see the result). */
export async function runWorkflow(opts: RunOptions): Promise<RunResult> {
  const run = new Run(opts);
  // Evaluated so a bad expression fails the test, then ignored: runs here never overlap.
  const c = run.top.wf.concurrency;
  if (c) {
    const group = interpolate(typeof c === 'object' && c !== null ? (c as { group?: unknown }).group : c, {
      github: run.github,
      inputs: run.top.inputs,
      vars: { ...opts.vars },
    });
    run.log('[workflow]', `concurrency: ${JSON.stringify(group)}`);
  }
  await run.runFrame(run.top);
  const jobs = Object.fromEntries(run.records.map((r) => [r.id, r]));
  const log = run.lines.join('\n');
  const haystack = [log, ...run.outputsSeen, ...run.records.flatMap((r) => Object.values(r.outputs))].join(
    '\n',
  );
  const leaks = [...run.masks].filter((m) => m.length >= 4 && haystack.includes(m));
  fs.writeFileSync(path.join(run.attemptDir, 'log.txt'), `${log}\n`);
  return {
    conclusion: run.records.some((r) => r.result === 'failure' || r.result === 'cancelled')
      ? 'failure'
      : 'success',
    jobs,
    steps: run.steps,
    log,
    errors: run.errors,
    leaks,
  };
}
