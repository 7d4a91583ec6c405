import * as core from '@actions/core';
import { outputString, type StageCommand } from '../command.js';
import { describeError } from '../errors.js';
import { envInputs, Inputs } from '../inputs.js';
import type { Logger } from '../log.js';
import { renderMarkdown, renderText } from '../summary.js';

/** The Logger on a runner: ::group::, ::add-mask::, ::warning::. */
export function actionsLogger(): Logger {
  return {
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    debug: (m) => core.debug(m),
    group: (title, fn) => core.group(title, fn),
    secret: (v) => {
      if (v) core.setSecret(v);
    },
  };
}

/** Glue shared by every action: inputs from INPUT_*, outputs to GITHUB_OUTPUT, summary to both places. */
export async function runAction(command: StageCommand): Promise<void> {
  const log = actionsLogger();
  try {
    const outcome = await command.run(new Inputs(envInputs()), { log, env: process.env, cwd: process.cwd() });
    for (const [k, v] of Object.entries(outcome.outputs)) core.setOutput(k, outputString(v));
    if (outcome.summary) {
      log.info(renderText(outcome.summary));
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderMarkdown(outcome.summary)).write();
    }
  } catch (err) {
    core.setFailed(describeError(err));
  }
}
