import type { EnvironmentConfig } from '../config/schema.js';
import { RelengError } from '../errors.js';

export const CONFIRM_PHRASE = 'I want to release this';

export interface Confirmation {
  environmentName: string;
  environment: EnvironmentConfig;
  dryRun: boolean;
  /** The `confirm` input. */
  confirm?: string;
  /** The CLI accepts a bare `--confirm` (value "true"); runners need the phrase. */
  allowBareConfirm?: boolean;
  /** Interactive confirmation (the CLI on a terminal). */
  ask?: (question: string) => Promise<string>;
}

/** Live, or any environment with `confirm: true`, outside a dry run. */
function needed(c: Confirmation): boolean {
  return !c.dryRun && (c.environment.confirm ?? c.environmentName === 'live');
}

/** A wrong confirmation is refused at once, before anything is read or checked. */
export function checkConfirmInput(c: Confirmation): void {
  if (!needed(c)) return;
  if (c.confirm === undefined) {
    if (c.ask) return;
    throw new RelengError(
      `publishing to ${c.environmentName} needs input 'confirm' set to '${CONFIRM_PHRASE}' (or --confirm on the CLI); nothing was written`,
    );
  }
  if (c.confirm === CONFIRM_PHRASE || (c.allowBareConfirm && c.confirm === 'true')) return;
  throw new RelengError(
    `input 'confirm' must be exactly '${CONFIRM_PHRASE}' to publish to ${c.environmentName}; nothing was written`,
  );
}

/** On a terminal without `--confirm`: the sentence typed, after the plan is shown. */
export async function confirm(c: Confirmation, version: string): Promise<void> {
  if (!needed(c) || c.confirm !== undefined || !c.ask) return;
  const answer = await c.ask(
    `Publish ${version} to ${c.environmentName}? Type "${CONFIRM_PHRASE}" to go on: `,
  );
  if (answer.trim() !== CONFIRM_PHRASE) throw new RelengError('not confirmed; nothing was written');
}
