// The typed confirmation: which environments need it, the phrase that names the environment, and what is
// refused (in one line that says what to type).
import { describe, expect, test } from 'vitest';
import {
  bareConfirmAllowed,
  type ConfirmationRequest,
  checkConfirmation,
  confirmPhrase,
  confirmRelease,
  needsConfirmation,
} from '../../../src/config/confirmation.js';

const request = (extra: Partial<ConfirmationRequest> = {}): ConfirmationRequest => ({
  environmentName: 'production',
  environment: {},
  allowBare: false,
  ...extra,
});

describe('confirmation', () => {
  test('every environment but local needs it unless its entry says confirm: false', () => {
    expect(needsConfirmation('production', {})).toBe(true);
    expect(needsConfirmation('staging', {})).toBe(true);
    expect(needsConfirmation('live', {})).toBe(true);
    expect(needsConfirmation('local', {})).toBe(false);
    expect(needsConfirmation('staging', { confirm: false })).toBe(false);
    expect(needsConfirmation('local', { confirm: true })).toBe(true);
    expect(confirmPhrase('production')).toBe('I want to release this to production');
  });

  test('the phrase of this environment confirms; a dry run and confirm: false need none', async () => {
    await confirmRelease(request({ given: 'I want to release this to production' }), 'Publish');
    await confirmRelease(request({ dryRun: true }), 'Publish');
    await confirmRelease(request({ environment: { confirm: false } }), 'Publish');
    await confirmRelease(request({ environmentName: 'local' }), 'Publish');
  });

  test.each([
    [
      'another environment’s phrase',
      'I want to release this to staging',
      /that phrase confirms staging, not production/,
    ],
    [
      'the old phrase without an environment',
      'I want to release this',
      /the phrase now names the environment/,
    ],
    ['anything else', 'yes', /that is not the phrase/],
    [
      'the phrase with a second line',
      'I want to release this to production\nenvironment=live',
      /that is not the phrase/,
    ],
    ['a bare confirm on a runner', 'true', /a bare confirm is not enough on a runner/],
  ])('%s is refused at once, in one line that says what to type', (_, given, why) => {
    const r = request({ given });
    expect(() => checkConfirmation(r)).toThrow(why);
    expect(() => checkConfirmation(r)).toThrow(
      /type exactly 'I want to release this to production' to publish to production \(nothing was written\)$/,
    );
    try {
      checkConfirmation(r);
    } catch (e) {
      expect((e as Error).message.split('\n')).toHaveLength(1);
    }
  });

  test('none given: refused before the first write, or asked on a terminal', async () => {
    await expect(confirmRelease(request(), 'Publish 2.93.0')).rejects.toThrow(
      "publishing to production needs input 'confirm' set to 'I want to release this to production'; nothing was written",
    );
    await expect(confirmRelease(request({ allowBare: true }), 'Publish 2.93.0')).rejects.toThrow(
      /\(or --confirm on the CLI\)/,
    );
    const asked: string[] = [];
    const ask = async (q: string) => {
      asked.push(q);
      return ' I want to release this to production \n';
    };
    await confirmRelease(request({ ask }), 'Publish 2.93.0');
    expect(asked).toEqual([
      'Publish 2.93.0 to production? Type "I want to release this to production" to go on: ',
    ]);
    await expect(
      confirmRelease(request({ ask: async () => 'I want to release this to staging' }), 'Publish'),
    ).rejects.toThrow(/not confirmed \(type exactly 'I want to release this to production'\)/);
  });

  test('a bare --confirm: only off runners', async () => {
    expect(bareConfirmAllowed({})).toBe(true);
    expect(bareConfirmAllowed({ GITHUB_ACTIONS: 'true' })).toBe(false);
    expect(bareConfirmAllowed({ FORGEJO_ACTIONS: 'true' })).toBe(false);
    await confirmRelease(request({ given: 'true', allowBare: true }), 'Publish');
  });
});
