/**
 * The typed confirmation before anything is published to an environment — one rule for publish and
 * docker-multiarch. It follows the environment, never its name: every environment but `local` needs it
 * unless its releng.yml entry says `confirm: false`. The phrase names the environment, as Lix's own
 * release tool asks — `I want to release this to ENV` — so a phrase typed for staging never publishes to
 * production. The CLI on a terminal may ask; a bare `--confirm` will do only off runners (on a runner the
 * phrase must be typed into the workflow's input). A dry run needs none.
 *
 * Two steps, so that a wrong answer costs nothing: `checkConfirmation` at the start (a phrase that can
 * never do is refused before anything is read), `confirmRelease` just before the first write (the phrase
 * given, or asked on a terminal once the plan is shown, or refused).
 */
import { RelengError } from '../errors.js';
import type { EnvironmentConfig } from './schema.js';

export interface ConfirmationRequest {
  environmentName: string;
  environment: Pick<EnvironmentConfig, 'confirm'>;
  /** The `confirm` input as given (undefined: not given). */
  given?: string;
  /** A bare `--confirm` (the value "true") is enough: the CLI off runners (see `bareConfirmAllowed`). */
  allowBare: boolean;
  /** Asks on a terminal (the CLI); undefined on runners. */
  ask?: (question: string) => Promise<string>;
  dryRun?: boolean;
}

/** The phrase that confirms publishing to this environment. */
export function confirmPhrase(environmentName: string): string {
  return `I want to release this to ${environmentName}`;
}

/** Every environment but `local` needs the confirmation, unless its entry says `confirm: false`. */
export function needsConfirmation(
  environmentName: string,
  environment: Pick<EnvironmentConfig, 'confirm'>,
): boolean {
  return environment.confirm ?? environmentName !== 'local';
}

/** A bare `--confirm` is for laptops: on a runner (GitHub or Forgejo Actions) the phrase must be typed. */
export function bareConfirmAllowed(processEnv: NodeJS.ProcessEnv): boolean {
  return ![processEnv.GITHUB_ACTIONS, processEnv.FORGEJO_ACTIONS, processEnv.GITEA_ACTIONS].includes('true');
}

function required(r: ConfirmationRequest): boolean {
  return !r.dryRun && needsConfirmation(r.environmentName, r.environment);
}

const OTHER_ENVIRONMENT = /^I want to release this to ([a-z][a-z0-9-]*)$/;

/** Why a given phrase does not confirm this environment, or undefined when it does. */
function wrongPhrase(r: ConfirmationRequest, given: string): string | undefined {
  const phrase = confirmPhrase(r.environmentName);
  if (given === phrase || (r.allowBare && given === 'true')) return undefined;
  const other = OTHER_ENVIRONMENT.exec(given)?.[1];
  const what =
    given === 'true'
      ? 'a bare confirm is not enough on a runner'
      : other
        ? `that phrase confirms ${other}, not ${r.environmentName}`
        : given === 'I want to release this'
          ? 'the phrase now names the environment'
          : 'that is not the phrase';
  return `input 'confirm': ${what}; type exactly '${phrase}' to publish to ${r.environmentName} (nothing was written)`;
}

function missing(r: ConfirmationRequest): RelengError {
  return new RelengError(
    `publishing to ${r.environmentName} needs input 'confirm' set to '${confirmPhrase(r.environmentName)}'${r.allowBare ? ' (or --confirm on the CLI)' : ''}; nothing was written`,
  );
}

/**
 * At the start: refuses a phrase that can never confirm this environment, before anything is read. None
 * given is refused by `confirmRelease`, once preflight has reported what else is wrong.
 */
export function checkConfirmation(r: ConfirmationRequest): void {
  if (!required(r) || r.given === undefined) return;
  const wrong = wrongPhrase(r, r.given);
  if (wrong) throw new RelengError(wrong);
}

/**
 * Just before the first write: the phrase given, or typed on a terminal (the question names the release),
 * or a refusal that says what to type.
 */
export async function confirmRelease(r: ConfirmationRequest, what: string): Promise<void> {
  if (!required(r)) return;
  const phrase = confirmPhrase(r.environmentName);
  if (r.given !== undefined) {
    checkConfirmation(r);
    return;
  }
  if (!r.ask) throw missing(r);
  const answer = (await r.ask(`${what} to ${r.environmentName}? Type "${phrase}" to go on: `)).trim();
  if (answer !== phrase)
    throw new RelengError(`not confirmed (type exactly '${phrase}'); nothing was written`);
}
