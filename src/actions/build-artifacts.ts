import { buildArtifactsCommand } from '../commands/build-artifacts.js';
import { runAction } from './run-action.js';

void runAction(buildArtifactsCommand);
