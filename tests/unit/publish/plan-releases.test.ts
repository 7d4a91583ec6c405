// src/publish/plan-releases.ts: the release tree in the releases destination, against a real directory sink.
import { describe, expect, test } from 'vitest';
import type { IndexMap } from '../../../src/publish/index-object.js';
import { planReleases } from '../../../src/publish/plan-releases.js';
import { directoryDestination, sha, treeFiles } from '../../helpers/release-tree.js';

const V = 'demo/demo-1.0.0';
const files = () =>
  treeFiles({
    'manifest.nix': '{ }\n',
    [`${V}/manifest.nix`]: '{ }\n',
    [`${V}/demo-1.0.0.tar.gz`]: 'source',
    [`${V}/demo-1.0.0.tar.gz.sha256`]: sha('source'),
    [`${V}/changed.txt`]: 'ours',
  });
const base = { name: 'demo', version: '1.0.0', index: new Map() as IndexMap, force: false };

describe('the releases planner', () => {
  test('every tree file but the root manifest.nix, versioned: new → upload, same → skip, other bytes → conflict', async () => {
    const d = directoryDestination('releases', {
      [`${V}/demo-1.0.0.tar.gz`]: 'source',
      [`${V}/changed.txt`]: 'theirs',
      'demo/demo-1.0.1/other.txt': 'another version',
    });
    const p = await planReleases({ ...base, destination: d, files: files() });
    expect(p.step).toMatchObject({ step: 'releases', target: d.location, notes: [], skipped: undefined });
    expect(p.step.objects.map((o) => [o.key, o.kind, o.action])).toEqual([
      [`${V}/changed.txt`, 'versioned', 'skip'],
      [`${V}/demo-1.0.0.tar.gz`, 'versioned', 'skip'],
      [`${V}/demo-1.0.0.tar.gz.sha256`, 'versioned', 'upload'],
      [`${V}/manifest.nix`, 'versioned', 'upload'],
    ]);
    expect(p.conflicts).toEqual([
      expect.stringContaining(`${d.location}/${V}/changed.txt exists with other content`),
    ]);
    expect(p.writes).toEqual([
      {
        sink: d.sink,
        objects: p.step.objects,
        label: 'release tree',
        verifyPrefix: `${V}/`,
        // The release's claim, written before the tree (src/publish/claim.ts).
        claim: { key: `${V}/.releng-claim.json`, version: '1.0.0', force: false },
      },
    ]);
    const forced = await planReleases({ ...base, force: true, destination: d, files: files() });
    expect(forced.conflicts).toEqual([]);
    expect(forced.step.objects.find((o) => o.key === `${V}/changed.txt`)?.action).toBe('overwrite');
  });

  test('files outside the version directory are published as versioned, with a note', async () => {
    const d = directoryDestination('releases');
    const p = await planReleases({
      ...base,
      destination: d,
      files: treeFiles({ [`${V}/a`]: 'a', 'stray/b': 'b', 'stray/c': 'c' }),
    });
    expect(p.step.notes).toEqual([`2 file(s) outside ${V}/, published as versioned: stray/b, …`]);
    expect(p.step.objects.every((o) => o.action === 'upload')).toBe(true);
  });

  test('an indexed object listed at its indexed size is skipped without looking at it', async () => {
    const tree = files();
    const d = directoryDestination('releases', { [`${V}/changed.txt`]: 'ours' });
    const index: IndexMap = new Map([
      ['releases', new Map([[`${V}/changed.txt`, { size: 4, sha256: sha('ours') }]])],
    ]);
    let heads = 0;
    const head = d.sink.head.bind(d.sink);
    d.sink.head = async (key) => {
      heads++;
      return head(key);
    };
    const p = await planReleases({ ...base, index, destination: d, files: tree });
    expect(p.step.objects.find((o) => o.key === `${V}/changed.txt`)?.action).toBe('skip');
    expect(heads).toBe(0);
  });

  test('without the destination the step is skipped and nothing is read', async () => {
    const p = await planReleases({ ...base, destination: undefined, files: files() });
    expect(p).toEqual({
      step: { step: 'releases', objects: [], notes: [], target: undefined, skipped: 'skip: releases' },
      writes: [],
      conflicts: [],
    });
  });
});
