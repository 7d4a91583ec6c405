// src/publish/report.ts: the plan as rows per destination, pointer states, the plan in the log.
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import type { Destinations } from '../../../src/publish/destinations.js';
import { newStep, type PlannedObject, type PublishPlan } from '../../../src/publish/plan.js';
import { destinationRows, logPlan, pointerState } from '../../../src/publish/report.js';
import { DirectorySink } from '../../../src/storage/directory.js';

const o = (dest: PlannedObject['dest'], action: PlannedObject['action'], size = 10): PlannedObject => ({
  dest,
  key: `${dest}/${action}`,
  size,
  sha256: '',
  kind: 'pointer',
  action,
});

const plan: PublishPlan = {
  version: '1.0.0',
  environmentName: 'staging',
  dryRun: true,
  steps: [
    newStep('releases', { objects: [o('releases', 'upload', 100), o('releases', 'skip')], target: '/r' }),
    newStep('pointers', {
      objects: [o('releases', 'replace', 5), o('docs', 'hold'), o('docs', 'delete')],
      notes: ['held: newer'],
    }),
    newStep('tag', { skipped: 'skip: tag' }),
  ],
};

describe('report', () => {
  test('rows per step and destination: written, bytes, skipped, deleted, URL', () => {
    const dests: Destinations = new Map([
      [
        'releases',
        { name: 'releases', location: '/r', sink: new DirectorySink('/r'), publicUrl: 'https://r' },
      ],
    ]);
    expect(destinationRows(plan, dests)).toEqual([
      { step: 'releases', target: '/r', written: 1, bytes: 100, skipped: 1, deleted: 0, url: 'https://r' },
      { step: 'pointers', target: '/r', written: 1, bytes: 5, skipped: 0, deleted: 0, url: 'https://r' },
      { step: 'pointers', target: 'docs', written: 0, bytes: 0, skipped: 0, deleted: 1, url: '' },
    ]);
  });

  test('pointer states as a reader reads them', () => {
    expect(
      ['upload', 'replace', 'hold', 'skip', 'delete'].map((a) => pointerState(a as PlannedObject['action'])),
    ).toEqual(['moved here', 'moved here', 'held', 'here already', 'delete']);
  });

  test('the plan in the log: totals, a line per step, its notes', () => {
    const lines: string[] = [];
    const log = { ...silentLogger, info: (m: string) => void lines.push(m) };
    logPlan(plan, log);
    expect(lines).toEqual([
      'plan for 1.0.0 → staging: 2 object(s) to write (105 B), 1 already there, 1 stale to delete',
      '  releases → /r: 1 to write, 1 there, 0 held, 0 to delete',
      '  pointers: 1 to write, 0 there, 1 held, 1 to delete',
      '    held: newer',
      '  tag: skipped (skip: tag)',
    ]);
  });
});
