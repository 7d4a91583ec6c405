/**
 * Executes a workflow file as a runner would, on this machine: jobs in `needs` order (independent jobs
 * and matrix legs in parallel), each step of ours a fresh `node <action main>` with INPUT_* (action.yml
 * defaults applied) and the GITHUB_OUTPUT/ENV/STATE/STEP_SUMMARY files, `run:` steps with bash,
 * checkout as a git clone of the test's repository, artifact actions as copies to/from a per-run
 * directory. docs/workflow.md ("Testing the workflow") says what it covers.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseCommandFile, ROOT } from '../../helpers/action.js';
import {
  type Contexts,
  condition,
  HarnessError,
  interpolate,
  interpolateString,
  open,
  type Status,
} from './expressions.js';
import {
  dispatchInputs,
  type JobDef,
  loadWorkflow,
  needsOf,
  type StepDef,
  type WorkflowDef,
} from './workflow.js';

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
  workflowFile: string;
  event: WorkflowEvent;
  /** The forge's repository (a bare repo): checkout clones it, `origin` in every job. */
  repo: string;
  /** Everything of this run goes below it (workspaces, temp, artifacts). */
  workDir: string;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Base environment of every process (PATH, HOME, NIX_CONFIG, …). Default: PATH, HOME, NIX_CONFIG. */
  env?: NodeJS.ProcessEnv;
  /** Where `uses: ./…` resolves. Default: this repository (the workflow and its actions are ours). */
  actionsRoot?: string;
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
}

export interface JobRecord {
  id: string;
  result: Result;
  outputs: Record<string, string>;
  legs: { matrix: Record<string, unknown>; result: Result }[];
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

const CHECKOUT = /^(?:https:\/\/[^/]+\/)?actions\/checkout@v\d+$/;
const UPLOAD = /^(?:https:\/\/code\.forgejo\.org\/forgejo|actions)\/upload-artifact@v4$/;
const DOWNLOAD = /^(?:https:\/\/code\.forgejo\.org\/forgejo|actions)\/download-artifact@v4$/;

class Run {
  readonly wf: WorkflowDef;
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  readonly steps: StepRecord[] = [];
  readonly masks = new Set<string>();
  readonly outputsSeen: string[] = [];
  readonly jobs = new Map<string, Promise<JobRecord>>();
  readonly artifacts: string;
  readonly attemptDir: string;
  readonly github: Record<string, string | Record<string, unknown>> & { event: unknown };
  readonly inputs: Record<string, unknown>;
  readonly baseEnv: NodeJS.ProcessEnv;

  constructor(readonly opts: RunOptions) {
    this.wf = loadWorkflow(opts.workflowFile);
    const attempt = opts.runAttempt ?? 1;
    this.attemptDir = path.join(opts.workDir, `attempt-${attempt}`);
    fs.rmSync(this.attemptDir, { recursive: true, force: true });
    this.artifacts = path.join(this.attemptDir, 'artifacts');
    fs.mkdirSync(this.artifacts, { recursive: true });
    for (const v of Object.values(opts.secrets ?? {})) if (v) this.masks.add(v);
    if (!(opts.event.name in this.wf.on))
      throw new HarnessError(`${opts.workflowFile}: not triggered by ${opts.event.name}`);
    this.checkTrigger();
    this.inputs = this.resolveInputs();
    const sha = execFileSync('git', ['rev-parse', `${opts.event.ref}^{commit}`], {
      cwd: opts.repo,
      encoding: 'utf8',
    }).trim();
    const refName = opts.event.ref.replace(/^refs\/(heads|tags)\//, '');
    const actor = opts.actor ?? 'releng-bot';
    this.github = {
      event_name: opts.event.name,
      event:
        opts.event.name === 'workflow_dispatch'
          ? { inputs: this.inputs, ref: opts.event.ref }
          : { ref: opts.event.ref, after: sha },
      ref: opts.event.ref,
      ref_name: refName,
      ref_type: opts.event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      sha,
      repository: 'org/project',
      repository_owner: 'org',
      run_id: String(opts.runId ?? 1),
      run_number: String(opts.runId ?? 1),
      run_attempt: String(attempt),
      actor,
      triggering_actor: actor,
      server_url: 'https://forge.invalid',
      api_url: 'https://forge.invalid/api/v1',
      token: '',
      workflow: this.wf.name ?? path.basename(opts.workflowFile),
    };
    this.baseEnv = opts.env ?? {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NIX_CONFIG: process.env.NIX_CONFIG,
    };
  }

  /** A push only starts the workflow when its ref passes the `on.push` filters, as on a forge. */
  private checkTrigger(): void {
    const { name, ref } = this.opts.event;
    if (name !== 'push') return;
    const on = (this.wf.on.push ?? {}) as { tags?: string[]; branches?: string[] };
    const [kind, filters] = ref.startsWith('refs/tags/') ? ['tags', on.tags] : ['branches', on.branches];
    const short = ref.replace(/^refs\/(heads|tags)\//, '');
    if (filters === undefined && (on.tags === undefined) === (on.branches === undefined)) return;
    if (!(filters ?? []).some((f) => filterRegex(f).test(short)))
      throw new HarnessError(`${this.opts.workflowFile}: a push of ${ref} does not match on.push.${kind}`);
  }

  private resolveInputs(): Record<string, unknown> {
    const declared = dispatchInputs(this.wf);
    const given = this.opts.event.inputs ?? {};
    const out: Record<string, unknown> = {};
    if (this.opts.event.name !== 'workflow_dispatch') {
      // Declared names exist (null) on other events: `inputs.version || …` is legitimate there.
      for (const k of Object.keys(declared)) out[k] = null;
      if (Object.keys(given).length) throw new HarnessError('inputs are only for workflow_dispatch');
      return out;
    }
    for (const k of Object.keys(given))
      if (!(k in declared)) throw new HarnessError(`workflow_dispatch has no input '${k}'`);
    for (const [k, d] of Object.entries(declared)) {
      const v = given[k] ?? (d.default === undefined ? '' : String(d.default));
      if (d.required && v === '') throw new HarnessError(`workflow_dispatch input '${k}' is required`);
      if (d.type === 'choice' && v !== '' && !(d.options ?? []).includes(v))
        throw new HarnessError(
          `workflow_dispatch input '${k}' must be one of ${(d.options ?? []).join(', ')}`,
        );
      out[k] = d.type === 'boolean' ? v === 'true' : v;
    }
    return out;
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

  job(id: string): Promise<JobRecord> {
    let p = this.jobs.get(id);
    if (!p) {
      const def = this.wf.jobs[id]!;
      p = Promise.all(needsOf(def).map((n) => this.job(n))).then((needs) => this.runJob(id, def, needs));
      this.jobs.set(id, p);
    }
    return p;
  }

  private ancestorsFailed(id: string): boolean {
    // Synchronous view of finished jobs: only called once every need has settled.
    return needsOf(this.wf.jobs[id]!).some(
      (n) => this.finished.get(n) === 'failure' || this.ancestorsFailed(n),
    );
  }

  readonly finished = new Map<string, Result>();

  private async runJob(id: string, def: JobDef, needs: JobRecord[]): Promise<JobRecord> {
    const needsCtx: Record<string, unknown> = {};
    for (const n of needs) needsCtx[n.id] = { result: n.result, outputs: n.outputs };
    const status: Status = {
      success: needs.every((n) => n.result === 'success'),
      failure: this.ancestorsFailed(id),
      cancelled: false,
    };
    const jobCtx = { github: this.github, needs: needsCtx, vars: this.vars(), inputs: this.inputs };
    const record: JobRecord = { id, result: 'skipped', outputs: {}, legs: [] };
    if (!condition(def.if, jobCtx, status)) {
      this.log(`[${id}]`, `skipped (if: ${def.if ?? 'success()'})`);
      this.finished.set(id, 'skipped');
      return record;
    }
    const legs = this.matrix(id, def, jobCtx);
    const failFast =
      def.strategy?.['fail-fast'] === undefined ? true : String(def.strategy['fail-fast']) === 'true';
    const abort = new AbortController();
    const results = await Promise.all(
      legs.map(async (matrix, index) => {
        const r = await this.runLeg(id, def, needsCtx, matrix, index, legs.length, abort.signal);
        if (r.result === 'failure' && failFast) abort.abort();
        return { matrix, ...r };
      }),
    );
    record.legs = results.map((r) => ({ matrix: r.matrix, result: r.result }));
    record.result = results.some((r) => r.result === 'failure')
      ? 'failure'
      : results.some((r) => r.result === 'cancelled')
        ? 'cancelled'
        : 'success';
    for (const r of results) Object.assign(record.outputs, r.outputs);
    this.finished.set(id, record.result);
    this.log(`[${id}]`, `job ${record.result}`);
    return record;
  }

  private vars(): Record<string, unknown> {
    return { ...(this.opts.vars ?? {}) };
  }

  private matrix(id: string, def: JobDef, ctx: Contexts): Record<string, unknown>[] {
    const m = def.strategy?.matrix;
    if (!m) return [{}];
    let legs: Record<string, unknown>[] = [{}];
    for (const [key, raw] of Object.entries(m)) {
      if (key === 'include' || key === 'exclude')
        throw new HarnessError(`jobs.${id}.strategy.matrix.${key} is not supported by the harness`);
      const values = interpolate(raw, ctx);
      if (!Array.isArray(values)) throw new HarnessError(`jobs.${id}.strategy.matrix.${key} must be a list`);
      legs = legs.flatMap((leg) => values.map((v) => ({ ...leg, [key]: v })));
    }
    return legs;
  }

  private async runLeg(
    id: string,
    def: JobDef,
    needs: Record<string, unknown>,
    matrix: Record<string, unknown>,
    index: number,
    total: number,
    signal: AbortSignal,
  ): Promise<{ result: Result; outputs: Record<string, string> }> {
    const legName = Object.keys(matrix).length ? `${id} (${Object.values(matrix).join(', ')})` : id;
    const prefix = `[${legName}]`;
    const dir = path.join(this.attemptDir, total > 1 ? `${id}-${index}` : id);
    const workspace = path.join(dir, 'workspace');
    const temp = path.join(dir, 'temp');
    fs.mkdirSync(workspace, { recursive: true });
    fs.mkdirSync(temp, { recursive: true });
    const eventFile = path.join(dir, 'event.json');
    fs.writeFileSync(eventFile, JSON.stringify(this.github.event));
    const github: Record<string, unknown> = { ...this.github, workspace, job: id };
    const runner = {
      os: 'Linux',
      arch: 'X64',
      temp,
      tool_cache: path.join(dir, 'tool-cache'),
      name: 'harness',
    };
    const strategy = {
      'fail-fast': def.strategy?.['fail-fast'] ?? true,
      'job-index': index,
      'job-total': total,
      'max-parallel': total,
    };
    const base = { github, needs, vars: this.vars(), inputs: this.inputs, matrix, strategy, runner };
    const secrets = { ...(this.opts.secrets ?? {}) };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.wf.env ?? {}))
      env[k] = interpolateString(v, {
        github,
        vars: base.vars,
        inputs: this.inputs,
        secrets,
        env: { ...env },
      });
    for (const [k, v] of Object.entries(def.env ?? {}))
      env[k] = interpolateString(v, { ...base, secrets, env: { ...env } });
    const steps: Record<string, unknown> = {};
    let failed = false;
    let cancelled = false;
    const paths: string[] = [];
    for (const [i, step] of def.steps.entries()) {
      if (signal.aborted) cancelled = true;
      const stepStatus: Status = { success: !failed && !cancelled, failure: failed, cancelled };
      const ctx: Contexts = {
        ...base,
        secrets,
        env: { ...env },
        steps,
        job: { status: failed ? 'failure' : cancelled ? 'cancelled' : 'success' },
      };
      const name = step.name ?? step.uses ?? (step.run ?? '').split('\n')[0]!;
      const record: StepRecord = {
        job: id,
        leg: legName,
        id: step.id,
        name,
        outcome: 'skipped',
        conclusion: 'skipped',
        outputs: {},
        summary: '',
      };
      if (!condition(step.if, ctx, stepStatus)) {
        this.log(prefix, `step skipped: ${name}`);
        if (step.id) steps[step.id] = { outputs: open({}), outcome: 'skipped', conclusion: 'skipped' };
        this.steps.push(record);
        continue;
      }
      this.log(prefix, `▶ ${name}`);
      const stepEnv: Record<string, string> = { ...env };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolateString(v, ctx);
      const files = {
        GITHUB_OUTPUT: path.join(temp, `output-${i}`),
        GITHUB_ENV: path.join(temp, `env-${i}`),
        GITHUB_STATE: path.join(temp, `state-${i}`),
        GITHUB_STEP_SUMMARY: path.join(temp, `summary-${i}`),
        GITHUB_PATH: path.join(temp, `path-${i}`),
      };
      for (const f of Object.values(files)) fs.writeFileSync(f, '');
      const processEnv: NodeJS.ProcessEnv = {
        ...this.baseEnv,
        ...stepEnv,
        ...files,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: workspace,
        GITHUB_EVENT_NAME: String(github.event_name),
        GITHUB_EVENT_PATH: eventFile,
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
        GITHUB_JOB: id,
        RUNNER_TEMP: temp,
        RUNNER_OS: 'Linux',
        RUNNER_ARCH: 'X64',
      };
      if (paths.length) processEnv.PATH = [...paths, processEnv.PATH].join(':');
      let ok: boolean;
      let declaredOutputs: string[] | undefined;
      try {
        const cwd = path.resolve(
          workspace,
          interpolateString(
            step['working-directory'] ?? def.defaults?.run?.['working-directory'] ?? '.',
            ctx,
          ),
        );
        if (this.opts.sabotage?.({ job: id, matrix, index: i, step })) {
          this.log(prefix, 'harness: this step is made to fail');
          ok = false;
        } else if (step.run !== undefined) {
          const shell = step.shell ?? def.defaults?.run?.shell ?? 'bash';
          if (shell !== 'bash') throw new HarnessError(`shell '${shell}' is not supported by the harness`);
          const script = path.join(temp, `step-${i}.sh`);
          fs.writeFileSync(script, interpolateString(step.run, ctx));
          ok = await this.spawn(
            prefix,
            'bash',
            ['--noprofile', '--norc', '-eo', 'pipefail', script],
            cwd,
            processEnv,
            signal,
          );
        } else {
          const uses = step.uses!;
          const withValues: Record<string, string> = {};
          for (const [k, v] of Object.entries(step.with ?? {})) withValues[k] = interpolateString(v, ctx);
          if (uses.startsWith('./')) {
            const r = await this.nodeAction(prefix, uses, withValues, ctx, workspace, processEnv, signal);
            ok = r.ok;
            declaredOutputs = r.outputs;
          } else if (CHECKOUT.test(uses)) {
            ok = await this.checkout(prefix, withValues, workspace, String(github.ref), signal);
            declaredOutputs = ['ref', 'commit'];
          } else if (UPLOAD.test(uses)) {
            this.upload(withValues, workspace, files.GITHUB_OUTPUT);
            ok = true;
            declaredOutputs = ['artifact-id', 'artifact-url', 'artifact-digest'];
          } else if (DOWNLOAD.test(uses)) {
            this.download(withValues, workspace, files.GITHUB_OUTPUT);
            ok = true;
            declaredOutputs = ['download-path'];
          } else throw new HarnessError(`uses: ${uses} is not supported by the harness`);
        }
      } catch (e) {
        if (!(e instanceof HarnessError)) throw e;
        this.log(prefix, `::error::harness: ${e.message}`);
        ok = false;
      }
      const written = parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'));
      const outputs: Record<string, string> = {};
      for (const k of declaredOutputs ?? []) outputs[k] = '';
      Object.assign(outputs, written);
      record.outputs = outputs;
      record.summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
      this.outputsSeen.push(...Object.values(written), record.summary);
      Object.assign(env, parseCommandFile(fs.readFileSync(files.GITHUB_ENV, 'utf8')));
      paths.unshift(...fs.readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean).reverse());
      const continueOnError = String(interpolate(step['continue-on-error'] ?? false, ctx)) === 'true';
      record.outcome = ok ? 'success' : signal.aborted ? 'cancelled' : 'failure';
      record.conclusion = ok || continueOnError ? 'success' : record.outcome;
      if (!ok && !continueOnError) {
        if (signal.aborted) cancelled = true;
        else failed = true;
      }
      if (step.id)
        steps[step.id] = {
          outputs: declaredOutputs ? outputs : open(outputs),
          outcome: record.outcome,
          conclusion: record.conclusion,
        };
      this.steps.push(record);
      this.log(prefix, `${ok ? '✓' : '✗'} ${name}`);
    }
    const result: Result = failed ? 'failure' : cancelled ? 'cancelled' : 'success';
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
    return { result, outputs };
  }

  /** Our action: action.yml read, `with:` checked against its inputs, defaults applied as a runner does. */
  private async nodeAction(
    prefix: string,
    uses: string,
    withValues: Record<string, string>,
    ctx: Contexts,
    workspace: string,
    env: NodeJS.ProcessEnv,
    signal: AbortSignal,
  ): Promise<{ ok: boolean; outputs: string[] }> {
    const dir = path.resolve(this.opts.actionsRoot ?? ROOT, uses);
    const file = ['action.yml', 'action.yaml'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (!file) throw new HarnessError(`uses: ${uses}: no action.yml in ${dir}`);
    const action = parse(fs.readFileSync(file, 'utf8')) as {
      inputs?: Record<string, { default?: unknown; required?: boolean }>;
      outputs?: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    if (!/^node\d+$/.test(action.runs?.using ?? ''))
      throw new HarnessError(`uses: ${uses}: runs.using '${action.runs?.using}' is not a node action`);
    const declared = action.inputs ?? {};
    for (const k of Object.keys(withValues))
      if (!(k in declared)) throw new HarnessError(`uses: ${uses}: unexpected input '${k}' (not in ${file})`);
    const inputEnv: NodeJS.ProcessEnv = {};
    for (const [k, def] of Object.entries(declared)) {
      const v =
        k in withValues
          ? withValues[k]!
          : def?.default === undefined
            ? ''
            : interpolateString(def.default, ctx);
      inputEnv[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
    }
    const main = path.resolve(dir, action.runs.main);
    const ok = await this.spawn(prefix, process.execPath, [main], workspace, { ...env, ...inputEnv }, signal);
    return { ok, outputs: Object.keys(action.outputs ?? {}) };
  }

  private async checkout(
    prefix: string,
    w: Record<string, string>,
    workspace: string,
    defaultRef: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    const dest = path.resolve(workspace, w.path || '.');
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    const ref = w.ref || defaultRef;
    const depth = Number(w['fetch-depth'] || '1');
    const env = { ...this.baseEnv, GIT_TERMINAL_PROMPT: '0' };
    const git = (...args: string[]) => this.spawn(prefix, 'git', args, dest, env, signal);
    const depthArgs = depth > 0 ? [`--depth=${depth}`] : [];
    if (!(await git('init', '-q'))) return false;
    if (!(await git('remote', 'add', 'origin', `file://${this.opts.repo}`))) return false;
    if (
      depth === 0 &&
      !(await git('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'))
    )
      return false;
    if (ref.startsWith('refs/heads/')) {
      const b = ref.slice('refs/heads/'.length);
      return (
        (await git('fetch', '-q', ...depthArgs, 'origin', `+${ref}:refs/remotes/origin/${b}`)) &&
        git('checkout', '-q', '-B', b, '--track', `refs/remotes/origin/${b}`)
      );
    }
    if (ref.startsWith('refs/tags/'))
      return (
        (await git('fetch', '-q', ...depthArgs, 'origin', `+${ref}:${ref}`)) &&
        git('checkout', '-q', '--detach', ref)
      );
    return (
      (await git('fetch', '-q', ...depthArgs, 'origin', ref)) &&
      git('checkout', '-q', '--detach', 'FETCH_HEAD')
    );
  }

  private upload(w: Record<string, string>, workspace: string, outputFile: string): void {
    const name = w.name || 'artifact';
    const dest = path.join(this.artifacts, name);
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
    fs.mkdirSync(dest, { recursive: true });
    if (existing.length === 1 && fs.statSync(existing[0]!).isDirectory()) {
      // A single directory: its contents are the artifact's root, as upload-artifact@v4 does.
      fs.cpSync(existing[0]!, dest, {
        recursive: true,
        dereference: true,
        filter: (src) => !this.hidden(src, existing[0]!, w),
      });
    } else {
      const root = commonDir(existing);
      for (const s of existing)
        fs.cpSync(s, path.join(dest, path.relative(root, s)), { recursive: true, dereference: true });
    }
    fs.appendFileSync(outputFile, `artifact-id=${name}\nartifact-url=file://${dest}\n`);
  }

  private hidden(src: string, root: string, w: Record<string, string>): boolean {
    if (w['include-hidden-files'] === 'true') return false;
    return path
      .relative(root, src)
      .split(path.sep)
      .some((p) => p.startsWith('.'));
  }

  private download(w: Record<string, string>, workspace: string, outputFile: string): void {
    const dest = path.resolve(workspace, w.path || '.');
    const all = fs.readdirSync(this.artifacts);
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
      fs.cpSync(path.join(this.artifacts, n), single ? dest : path.join(dest, n), { recursive: true });
    fs.appendFileSync(outputFile, `download-path=${dest}\n`);
  }

  private children = new Set<ChildProcess>();

  spawn(
    prefix: string,
    cmd: string,
    args: string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      // Own process group, so cancelling a leg also stops what the step started (nix builds).
      const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      this.children.add(child);
      const onAbort = () => {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {}
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let pending = { out: '', err: '' };
      const feed = (which: 'out' | 'err', chunk: Buffer) => {
        const text = pending[which] + chunk.toString('utf8');
        const cut = text.lastIndexOf('\n');
        if (cut >= 0) {
          this.log(prefix, text.slice(0, cut));
          pending = { ...pending, [which]: text.slice(cut + 1) };
        } else pending = { ...pending, [which]: text };
      };
      child.stdout!.on('data', (c: Buffer) => feed('out', c));
      child.stderr!.on('data', (c: Buffer) => feed('err', c));
      child.on('error', (e) => {
        this.log(prefix, `::error::harness: cannot start ${cmd}: ${e.message}`);
      });
      child.on('close', (code) => {
        signal.removeEventListener('abort', onAbort);
        this.children.delete(child);
        for (const rest of [pending.out, pending.err]) if (rest) this.log(prefix, rest);
        resolve(code === 0);
      });
    });
  }
}

function commonDir(paths: string[]): string {
  let root = path.dirname(paths[0]!);
  while (!paths.every((p) => p === root || p.startsWith(root + path.sep))) root = path.dirname(root);
  return root;
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

function globRegex(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/** Runs the whole workflow for one event; never throws for a failing job (see the result). */
export async function runWorkflow(opts: RunOptions): Promise<RunResult> {
  const run = new Run(opts);
  // Evaluated so a bad expression fails the test, then ignored: runs here never overlap.
  if (run.wf.concurrency) {
    const c = run.wf.concurrency;
    const group = interpolate(typeof c === 'object' && c !== null ? (c as { group?: unknown }).group : c, {
      github: run.github,
      inputs: run.inputs,
      vars: { ...opts.vars },
    });
    run.log('[workflow]', `concurrency: ${JSON.stringify(group)}`);
  }
  const records = await Promise.all(Object.keys(run.wf.jobs).map((id) => run.job(id)));
  const jobs = Object.fromEntries(records.map((r) => [r.id, r]));
  const log = run.lines.join('\n');
  const haystack = [log, ...run.outputsSeen, ...records.flatMap((r) => Object.values(r.outputs))].join('\n');
  const leaks = [...run.masks].filter((m) => m.length >= 4 && haystack.includes(m));
  fs.writeFileSync(path.join(run.attemptDir, 'log.txt'), `${log}\n`);
  return {
    conclusion: records.some((r) => r.result === 'failure' || r.result === 'cancelled')
      ? 'failure'
      : 'success',
    jobs,
    steps: run.steps,
    log,
    errors: run.errors,
    leaks,
  };
}
