import { publishCommand } from '../commands/publish.js';
import { runAction } from './run-action.js';

void runAction(publishCommand);
