import { prepareCommand } from '../commands/prepare.js';
import { runAction } from './run-action.js';

void runAction(prepareCommand);
