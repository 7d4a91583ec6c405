import { dockerMultiarchCommand } from '../commands/docker-multiarch.js';
import { runAction } from './run-action.js';

void runAction(dockerMultiarchCommand);
