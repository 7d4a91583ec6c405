import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LayoutSink } from '../../src/oci/layout.js';
import { tmpDir } from '../helpers/tmp.js';

test('open() removes the temp files of a writer that died, and leaves a live writer’s alone', async () => {
  const dir = path.join(tmpDir('releng-layout-unit-'), 'oci');
  await new LayoutSink(dir).open();
  // A pid that was alive a moment ago and is not now.
  const dead = spawnSync('true').pid!;
  const orphan = `.${'a'.repeat(64)}.${dead}.k3x9.tmp`;
  const live = `.index.json.${process.pid}.z7q1.tmp`;
  for (const f of [orphan, live, '.keep.me']) fs.writeFileSync(path.join(dir, f), 'x');
  await new LayoutSink(dir).open();
  expect(fs.readdirSync(dir).sort()).toEqual([live, '.keep.me', 'blobs', 'oci-layout'].sort());
});
