// src/publish/plan-pointers.ts: root manifest.nix, docs stable/, installer pointers — as the rule allows.
import { describe, expect, test } from 'vitest';
import type { Destinations } from '../../../src/publish/destinations.js';
import { planPointers } from '../../../src/publish/plan-pointers.js';
import { directoryDestination, treeFiles } from '../../helpers/release-tree.js';

const V = 'demo/demo-1.0.0';
const files = () =>
  treeFiles({
    'manifest.nix': '{ new }',
    [`${V}/manifest.nix`]: '{ new }',
    [`${V}/demo-installer-x86_64-linux`]: 'x86',
  });
const manual = () => treeFiles({ 'index.html': 'page' });

function destinations(existing: { releases?: Record<string, string>; docs?: Record<string, string> } = {}) {
  const releases = directoryDestination('releases', existing.releases);
  const docs = directoryDestination('docs', existing.docs);
  const install = directoryDestination('install');
  const all: Destinations = new Map([
    ['releases', releases],
    ['docs', docs],
    ['install', install],
  ]);
  return { all, releases, docs, install };
}

describe('the pointers planner', () => {
  test('each pointer moves to this release: root manifest.nix, docs stable/ (stale pages deleted), installers', async () => {
    const d = destinations({
      releases: { 'manifest.nix': '{ old }' },
      docs: { 'manual/demo/stable/old.html': 'x' },
    });
    const p = await planPointers({
      destinations: d.all,
      name: 'demo',
      officialRelease: true,
      files: files(),
      manual: manual(),
    });
    expect(p.step.objects.map((o) => [o.dest, o.key, o.kind, o.action])).toEqual([
      ['releases', 'manifest.nix', 'pointer', 'replace'],
      ['docs', 'manual/demo/stable/index.html', 'pointer', 'upload'],
      ['docs', 'manual/demo/stable/old.html', 'pointer', 'delete'],
      ['install', 'demo/demo-installer-x86_64-linux', 'pointer', 'upload'],
    ]);
    expect(p.step.notes).toEqual([]);
    // Written per destination, releases → docs → install, each verified against the stable/ listing.
    expect(p.writes.map((w) => [w.sink, w.objects.map((o) => o.key), w.label, w.verifyPrefix])).toEqual([
      [d.releases.sink, ['manifest.nix'], 'pointers', 'manual/demo/stable/'],
      [
        d.docs.sink,
        ['manual/demo/stable/index.html', 'manual/demo/stable/old.html'],
        'pointers',
        'manual/demo/stable/',
      ],
      [d.install.sink, ['demo/demo-installer-x86_64-linux'], 'pointers', 'manual/demo/stable/'],
    ]);
  });

  test('held by the maintenance rule: every pointer held, with the reason in a note', async () => {
    const d = destinations();
    const held = 'a newer release (1.1.0) exists: the maintenance rule keeps this pointer';
    const p = await planPointers({
      destinations: d.all,
      name: 'demo',
      officialRelease: true,
      files: files(),
      manual: manual(),
      heldLatest: held,
    });
    expect(new Set(p.step.objects.map((o) => `${o.action}: ${o.reason}`))).toEqual(
      new Set([`hold: ${held}`]),
    );
    expect(p.step.notes).toEqual([held]);
  });

  test('not official: docs stable/ is left alone, and says so', async () => {
    const d = destinations();
    const p = await planPointers({
      destinations: d.all,
      name: 'demo',
      officialRelease: false,
      files: files(),
      manual: manual(),
    });
    expect(p.step.objects.some((o) => o.dest === 'docs')).toBe(false);
    expect(p.step.notes).toEqual(['docs stable/: not an official release, left alone']);
  });

  test('only the destinations that run: no destinations, no pointers', async () => {
    const p = await planPointers({
      destinations: new Map(),
      name: 'demo',
      officialRelease: true,
      files: files(),
      manual: [],
    });
    expect(p.step.objects).toEqual([]);
    expect(p.writes).toEqual([]);
  });
});
