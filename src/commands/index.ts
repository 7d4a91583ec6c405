import type { StageCommand } from '../command.js';
import { dockerMultiarchCommand } from './docker-multiarch.js';
import { prepareCommand } from './prepare.js';
import { tagCommand } from './tag.js';

/** Every stage, in pipeline order. The root action and the CLI dispatch through this. */
export const COMMANDS: readonly StageCommand[] = [
  prepareCommand,
  tagCommand,
  // build-artifacts joins here, before docker-multiarch, when it lands; publish after it.
  dockerMultiarchCommand,
];

export function findCommand(name: string): StageCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
