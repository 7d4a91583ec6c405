import * as core from '@actions/core';
import { outputString, type StageCommand } from '../commands/command.js';
import { describeError } from '../errors.js';
import { envInputs, Inputs } from '../inputs.js';
import { type Logger, SecretMask, secretParts } from '../log.js';
import { renderMarkdown, renderText } from '../summary.js';

/**
 * The Logger on a runner: ::group::, ::add-mask::, ::warning::. Registered secrets are also masked here,
 * before anything reaches the runner: the raw stream carries none of them.
 */
export function actionsLogger(masks = new SecretMask()): Logger {
  return {
    info: (m) => core.info(masks.apply(m)),
    warning: (m) => core.warning(masks.apply(m)),
    debug: (m) => core.debug(masks.apply(m)),
    group: (title, fn) => core.group(masks.apply(title), fn),
    secret: (v) => {
      if (!v) return;
      // The runner masks what it is told, line by line only if told each line.
      for (const part of secretParts(v)) core.setSecret(part);
      masks.add(v);
    },
  };
}

/** Glue shared by every action: inputs from INPUT_*, outputs to GITHUB_OUTPUT, summary to both places. */
export async function runAction(command: StageCommand): Promise<void> {
  const masks = new SecretMask();
  const log = actionsLogger(masks);
  try {
    const outcome = await command.run(new Inputs(envInputs()), {
      log,
      processEnv: process.env,
      cwd: process.cwd(),
    });
    for (const [k, v] of Object.entries(outcome.outputs))
      core.setOutput(k, masks.applyOutput(outputString(v)));
    if (outcome.summary) {
      log.info(renderText(outcome.summary));
      if (process.env.GITHUB_STEP_SUMMARY)
        await core.summary.addRaw(masks.apply(renderMarkdown(outcome.summary))).write();
    }
  } catch (err) {
    core.setFailed(masks.apply(describeError(err)));
  }
}
