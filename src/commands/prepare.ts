import { COMMON_INPUTS, type StageCommand } from '../command.js';
import { RelengError } from '../errors.js';

// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
export const prepareCommand: StageCommand = {
  name: 'prepare',
  description: 'prepare',
  inputs: [...COMMON_INPUTS],
  async run() {
    throw new RelengError('stage prepare is not implemented yet');
  },
};
