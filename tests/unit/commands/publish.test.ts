// src/commands/publish.ts: the job summary of a publication (the command's inputs are checked end to end in
// tests/integration/bad-input.test.ts).
import { describe, expect, test } from 'vitest';
import { publishSummary } from '../../../src/commands/publish.js';
import { newStep, type PlannedObject } from '../../../src/publish/plan.js';
import type { PublishResult } from '../../../src/stages/publish.js';

const object = (action: PlannedObject['action'], key: string): PlannedObject => ({
  dest: 'releases',
  key,
  size: 2048,
  sha256: '',
  kind: 'versioned',
  action,
});

const result = (o: Partial<PublishResult> = {}): PublishResult => ({
  version: '1.0.0',
  environmentName: 'staging',
  dryRun: false,
  plan: {
    version: '1.0.0',
    environmentName: 'staging',
    dryRun: false,
    steps: [
      newStep('releases', { objects: [object('upload', 'a'), object('skip', 'b')], notes: ['a note'] }),
      newStep('tag', { skipped: 'skip: tag' }),
    ],
  },
  uploadedBytes: 2048,
  uploadedObjects: 1,
  skippedObjects: 1,
  deletedObjects: 0,
  releaseUrl: '',
  destinations: [
    { step: 'releases', target: '/r', written: 1, bytes: 2048, skipped: 1, deleted: 0, url: 'https://r' },
  ],
  pointers: [],
  git: [],
  images: [],
  written: [{ url: 'https://r/a', size: 2048 }],
  ...o,
});

describe('the publish summary', () => {
  test('a publication: what each destination got, what did not run, the notes, what was written', () => {
    const s = publishSummary(result());
    expect(s.title).toBe('Published 1.0.0 to staging: 2.00 KiB in 1 object(s), 1 already there');
    expect(s.blocks).toEqual([
      {
        table: {
          header: ['step', 'destination', 'written', 'bytes', 'already there', 'deleted', 'URL'],
          rows: [['releases', '/r', '1', '2.00 KiB', '1', '0', 'https://r']],
        },
      },
      { text: 'Not run: tag (skip: tag).' },
      { heading: 'Notes', table: { header: ['step', 'note'], rows: [['releases', 'a note']] } },
      { heading: 'Written (1)', table: { header: ['URL', 'size'], rows: [['https://r/a', '2.00 KiB']] } },
    ]);
  });

  test('a dry run lists what would be written; pointers, images, git, page and key when there are some', () => {
    const s = publishSummary(
      result({
        dryRun: true,
        pointers: [{ pointer: 'manifest.nix', action: 'held', why: 'newer' }],
        images: [['registry/demo', 'sha256:abc']],
        git: [['refs/tags/1.0.0', 'pushed', 'origin']],
        releaseUrl: 'https://forge/r',
        publicKey: 'cache-1:abc',
      }),
    );
    expect(s.title).toBe('Publish plan for 1.0.0 → staging (dry run: nothing written)');
    expect(s.blocks.map((b) => b.heading ?? b.text)).toEqual([
      undefined,
      'Not run: tag (skip: tag).',
      'Pointers',
      'Images',
      'Notes',
      'Git',
      'Release page: https://forge/r',
      'Cache public key (trusted-public-keys): `cache-1:abc`',
      'Would write (1)',
    ]);
    expect(s.blocks.at(-1)?.table?.rows).toEqual([['releases', 'upload', 'a', '2.00 KiB']]);
  });
});
