import { COMMON_INPUTS, type StageCommand } from '../command.js';
import { RelengError } from '../errors.js';

// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
export const buildArtifactsCommand: StageCommand = {
  name: 'build-artifacts',
  description: 'build-artifacts',
  inputs: [...COMMON_INPUTS],
  async run() {
    throw new RelengError('stage build-artifacts is not implemented yet');
  },
};
