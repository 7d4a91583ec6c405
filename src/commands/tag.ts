import { COMMON_INPUTS, type StageCommand } from '../command.js';
import { RelengError } from '../errors.js';

// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
export const tagCommand: StageCommand = {
  name: 'tag',
  description: 'tag',
  inputs: [...COMMON_INPUTS],
  async run() {
    throw new RelengError('stage tag is not implemented yet');
  },
};
