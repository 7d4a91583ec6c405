import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { LayoutSink } from '../../../src/oci/layout.js';
import { OCI } from '../../../src/oci/media-types.js';
import { tmpDir } from '../../helpers/tmp.js';

test('the first write removes the temp files of a writer that died, and leaves a live writer’s alone', async () => {
  const dir = path.join(tmpDir('releng-layout-unit-'), 'oci');
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  // A pid that was alive a moment ago and is not now.
  const dead = spawnSync('true').pid!;
  const orphan = `.${'a'.repeat(64)}.${dead}.k3x9.tmp`;
  const live = `.index.json.${process.pid}.z7q1.tmp`;
  for (const f of [orphan, live, '.keep.me']) fs.writeFileSync(path.join(dir, f), 'x');
  const sink = new LayoutSink(dir);
  await sink.open();
  const bytes = Buffer.from('{"schemaVersion":2}');
  await sink.putManifest(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes, OCI.manifest);
  expect(fs.readdirSync(dir).sort()).toEqual([live, '.keep.me', 'blobs', 'oci-layout'].sort());
});

test('a tag that is not one is never written into index.json', async () => {
  const dir = path.join(tmpDir(), 'oci');
  const sink = new LayoutSink(dir);
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.manifest, layers: [] }));
  for (const bad of ['../escape', 'a/b', 'x\ny', '.hidden', 'x'.repeat(200)])
    await expect(sink.putManifest(bad, bytes, OCI.manifest)).rejects.toThrow(/is neither a tag/);
  expect(fs.existsSync(dir)).toBe(false);
});
