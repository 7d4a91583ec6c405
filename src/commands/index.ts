import { buildArtifactsCommand } from './build-artifacts.js';
import type { StageCommand } from './command.js';
import { dockerMultiarchCommand } from './docker-multiarch.js';
import { prepareCommand } from './prepare.js';
import { publishCommand } from './publish.js';
import { tagCommand } from './tag.js';

/** Every stage, in pipeline order. The root action and the CLI dispatch through this. */
export const COMMANDS: readonly StageCommand[] = [
  prepareCommand,
  tagCommand,
  buildArtifactsCommand,
  dockerMultiarchCommand,
  publishCommand,
];

export function findCommand(name: string): StageCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}
