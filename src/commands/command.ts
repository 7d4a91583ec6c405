import path from 'node:path';
import type { Inputs } from '../inputs.js';
import type { Logger } from '../log.js';
import type { Summary } from '../summary.js';

export interface StageContext {
  log: Logger;
  processEnv: NodeJS.ProcessEnv;
  /** The process's directory; `working-directory` is resolved against it. */
  cwd: string;
  /** For interactive confirmation in the CLI (live publish); undefined on runners. */
  ask?: (question: string) => Promise<string>;
}

export type OutputValue = string | number | boolean | null | object;

export interface StageOutcome {
  outputs: Record<string, OutputValue>;
  summary?: Summary;
}

/**
 * One stage as both the action and the CLI see it: the inputs it reads (kebab-case, as in its
 * action.yml — a test keeps the two in step) and how it maps them onto the stage function.
 */
export interface StageCommand {
  name: string;
  description: string;
  inputs: readonly string[];
  run(inputs: Inputs, ctx: StageContext): Promise<StageOutcome>;
}

/** Inputs every action takes. */
export const COMMON_INPUTS = ['config', 'working-directory'] as const;

export function commonOptions(inputs: Inputs, ctx: StageContext): { dir: string; configPath: string } {
  const dir = path.resolve(ctx.cwd, inputs.string('working-directory', '.'));
  return { dir, configPath: path.resolve(dir, inputs.string('config', 'releng.yml')) };
}

export function outputString(v: OutputValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
