// src/publish/plan-docs.ts: the manual of a major (or nightly), synced, held by a newer release of the major.
import { describe, expect, test } from 'vitest';
import { planDocs } from '../../../src/publish/plan-docs.js';
import { directoryDestination, treeFiles } from '../../helpers/release-tree.js';

const manual = () => treeFiles({ 'index.html': '<h1>new</h1>', 'css/style.css': 'body {}' });
const base = { name: 'demo', major: '1.0', skipped: 'unused' };

describe('the docs planner', () => {
  test('an official release: manual/NAME/MAJOR/ synced — new and changed pages written, stale ones deleted', async () => {
    const d = directoryDestination('docs', {
      'manual/demo/1.0/index.html': '<h1>old</h1>',
      'manual/demo/1.0/css/style.css': 'body {}',
      'manual/demo/1.0/gone.html': 'stale',
      'manual/demo/stable/gone.html': 'another prefix',
    });
    const p = await planDocs({ ...base, destination: d, officialRelease: true, manual: manual() });
    expect(p.step.objects.map((o) => [o.key, o.kind, o.action])).toEqual([
      ['manual/demo/1.0/css/style.css', 'pointer', 'skip'],
      ['manual/demo/1.0/index.html', 'pointer', 'replace'],
      ['manual/demo/1.0/gone.html', 'pointer', 'delete'],
    ]);
    expect(p.step.notes).toEqual(['manual → manual/demo/1.0/']);
    expect(p.writes).toEqual([
      { sink: d.sink, objects: p.step.objects, label: 'manual 1.0', verifyPrefix: 'manual/demo/1.0/' },
    ]);
  });

  test('not official: nightly/, which no newer release holds', async () => {
    const d = directoryDestination('docs');
    const p = await planDocs({
      ...base,
      destination: d,
      officialRelease: false,
      manual: manual(),
      heldMajor: 'a newer 1.0 release (1.0.2) exists',
    });
    expect(p.step.notes).toEqual(['manual → manual/demo/nightly/']);
    expect(p.step.objects.map((o) => o.action)).toEqual(['upload', 'upload']);
    expect(p.writes[0]!.label).toBe('manual nightly');
  });

  test('held when a newer release of the major exists: nothing read, the reason noted', async () => {
    const d = directoryDestination('docs', { 'manual/demo/1.0/index.html': '<h1>1.0.2</h1>' });
    const held = 'a newer 1.0 release (1.0.2) exists';
    const p = await planDocs({
      ...base,
      destination: d,
      officialRelease: true,
      manual: manual(),
      heldMajor: held,
    });
    expect(p.step.objects.map((o) => [o.action, o.reason])).toEqual([
      ['hold', held],
      ['hold', held],
    ]);
    expect(p.step.notes).toEqual([`manual → manual/demo/1.0/ held: ${held}`]);
  });

  test('without the destination: skipped, with the reason given', async () => {
    const p = await planDocs({
      ...base,
      officialRelease: true,
      manual: [],
      skipped: 'no manual in the release',
    });
    expect(p.step.skipped).toBe('no manual in the release');
  });
});
