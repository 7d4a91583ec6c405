import * as core from '@actions/core';
import { COMMANDS, findCommand } from '../commands/index.js';
import { runAction } from './run-action.js';

// The root action: `stage` picks which stage runs; its other inputs pass through unchanged.
const stage = core.getInput('stage').trim();
const command = findCommand(stage);
if (!command) {
  core.setFailed(
    `input 'stage' must be one of ${COMMANDS.map((c) => c.name).join(', ')}, got '${stage}': set 'with: stage:'`,
  );
} else {
  void runAction(command);
}
