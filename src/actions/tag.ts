import { tagCommand } from '../commands/tag.js';
import { runAction } from './run-action.js';

void runAction(tagCommand);
