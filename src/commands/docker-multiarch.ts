import { COMMON_INPUTS, type StageCommand } from '../command.js';
import { RelengError } from '../errors.js';

// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
export const dockerMultiarchCommand: StageCommand = {
  name: 'docker-multiarch',
  description: 'docker-multiarch',
  inputs: [...COMMON_INPUTS],
  async run() {
    throw new RelengError('stage docker-multiarch is not implemented yet');
  },
};
