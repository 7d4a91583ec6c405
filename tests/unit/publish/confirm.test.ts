// src/publish/confirm.ts: the typed confirmation — checked at once, asked after the plan.
import { describe, expect, test } from 'vitest';
import {
  CONFIRM_PHRASE,
  type Confirmation,
  checkConfirmInput,
  confirm,
} from '../../../src/publish/confirm.js';

const live = (extra: Partial<Confirmation> = {}): Confirmation => ({
  environmentName: 'live',
  environment: { registries: [] },
  dryRun: false,
  ...extra,
});

describe('confirmation', () => {
  test('live needs the phrase; a wrong one is refused before anything is read', () => {
    expect(() => checkConfirmInput(live())).toThrow(
      "publishing to live needs input 'confirm' set to 'I want to release this' (or --confirm on the CLI); nothing was written",
    );
    expect(() => checkConfirmInput(live({ confirm: 'yes' }))).toThrow(
      "input 'confirm' must be exactly 'I want to release this' to publish to live; nothing was written",
    );
    expect(() => checkConfirmInput(live({ confirm: CONFIRM_PHRASE }))).not.toThrow();
  });

  test('a bare --confirm only where allowed (the CLI off runners)', () => {
    expect(() => checkConfirmInput(live({ confirm: 'true' }))).toThrow(/must be exactly/);
    expect(() => checkConfirmInput(live({ confirm: 'true', allowBareConfirm: true }))).not.toThrow();
  });

  test('other environments need none unless releng.yml says confirm: true; a dry run never', () => {
    expect(() => checkConfirmInput(live({ environmentName: 'staging' }))).not.toThrow();
    expect(() =>
      checkConfirmInput(live({ environmentName: 'staging', environment: { registries: [], confirm: true } })),
    ).toThrow(/publishing to staging needs input 'confirm'/);
    expect(() => checkConfirmInput(live({ environment: { registries: [], confirm: false } }))).not.toThrow();
    expect(() => checkConfirmInput(live({ dryRun: true }))).not.toThrow();
  });

  test('on a terminal: asked once the plan is shown; anything but the phrase stops', async () => {
    const asked: string[] = [];
    const ask = (answer: string) => async (q: string) => {
      asked.push(q);
      return answer;
    };
    checkConfirmInput(live({ ask: ask('') }));
    await expect(confirm(live({ ask: ask('no') }), '1.0.0')).rejects.toThrow(
      'not confirmed; nothing was written',
    );
    await confirm(live({ ask: ask(`${CONFIRM_PHRASE}\n`) }), '1.0.0');
    expect(asked).toEqual([
      `Publish 1.0.0 to live? Type "${CONFIRM_PHRASE}" to go on: `,
      `Publish 1.0.0 to live? Type "${CONFIRM_PHRASE}" to go on: `,
    ]);
    // Given as input already: not asked again.
    await confirm(live({ confirm: CONFIRM_PHRASE, ask: ask('no') }), '1.0.0');
    expect(asked).toHaveLength(2);
  });
});
