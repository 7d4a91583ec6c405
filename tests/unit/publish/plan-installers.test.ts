// src/publish/plan-installers.ts: the installer binaries, versioned, in the install destination.
import { describe, expect, test } from 'vitest';
import { installersOf, planInstallers } from '../../../src/publish/plan-installers.js';
import { directoryDestination, treeFiles } from '../../helpers/release-tree.js';

const V = 'demo/demo-1.0.0';
const files = () =>
  treeFiles({
    [`${V}/demo-installer-x86_64-linux`]: 'x86',
    [`${V}/bin/demo-installer-aarch64-darwin`]: 'darwin',
    [`${V}/demo-installer-x86_64-linux.sha256`]: 'not an installer',
    [`${V}/demo-1.0.0-x86_64-linux.tar.xz`]: 'tarball',
  });
const base = { name: 'demo', version: '1.0.0', index: new Map(), force: false, skipped: 'unused' };

describe('the installers planner', () => {
  test('installers are the NAME-installer-SYSTEM files, wherever they sit in the tree', () => {
    expect(installersOf('demo', files()).map((i) => [i.system, i.file.path])).toEqual([
      ['aarch64-darwin', `${V}/bin/demo-installer-aarch64-darwin`],
      ['x86_64-linux', `${V}/demo-installer-x86_64-linux`],
    ]);
  });

  test('each goes to NAME/NAME-VERSION/NAME-installer-SYSTEM, versioned', async () => {
    const d = directoryDestination('install', { [`${V}/demo-installer-x86_64-linux`]: 'x86' });
    const p = await planInstallers({ ...base, destination: d, files: files() });
    expect(p.step.objects.map((o) => [o.dest, o.key, o.action, o.source?.endsWith('darwin')])).toEqual([
      ['install', `${V}/demo-installer-aarch64-darwin`, 'upload', true],
      ['install', `${V}/demo-installer-x86_64-linux`, 'skip', false],
    ]);
    expect(p.step.target).toBe(d.location);
    expect(p.writes).toEqual([
      { sink: d.sink, objects: p.step.objects, label: 'installers', verifyPrefix: `${V}/` },
    ]);
    expect(p.conflicts).toEqual([]);
  });

  test('an installer there with other bytes is a conflict', async () => {
    const d = directoryDestination('install', { [`${V}/demo-installer-x86_64-linux`]: 'older' });
    const p = await planInstallers({ ...base, destination: d, files: files() });
    expect(p.conflicts).toEqual([
      expect.stringContaining('demo-installer-x86_64-linux exists with other content'),
    ]);
  });

  test('without the destination: skipped, with the reason given', async () => {
    const p = await planInstallers({
      ...base,
      destination: undefined,
      files: files(),
      skipped: 'skip: installers',
    });
    expect(p.step.skipped).toBe('skip: installers');
    expect(p.writes).toEqual([]);
  });
});
