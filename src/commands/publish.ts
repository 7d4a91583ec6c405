import { COMMON_INPUTS, type StageCommand } from '../command.js';
import { RelengError } from '../errors.js';

// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
export const publishCommand: StageCommand = {
  name: 'publish',
  description: 'publish',
  inputs: [...COMMON_INPUTS],
  async run() {
    throw new RelengError('stage publish is not implemented yet');
  },
};
