// src/release/docker-archive.ts: what a leg records about its docker archive, and archives it refuses.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { readImageMeta } from '../../../src/release/docker-archive.js';
import { syntheticLayers, writeDockerArchive } from '../../helpers/docker-archive.js';
import { tmpDir } from '../../helpers/tmp.js';

describe("a leg's image record", () => {
  test('platform, layers and config from one pass over the archive, and the file sha256', async () => {
    const written = await writeDockerArchive(path.join(tmpDir(), 'image'), {
      layers: syntheticLayers('meta', 2, 2, 4),
      architecture: 'amd64',
    });
    expect(await readImageMeta(written.file)).toEqual({
      sha256: written.sha256,
      architecture: 'amd64',
      os: 'linux',
      diffIds: written.diffIds,
      config: written.config,
    });
  });

  test('not a docker archive: refused', async () => {
    const file = path.join(tmpDir(), 'x.tar.gz');
    fs.writeFileSync(file, 'not an archive');
    await expect(readImageMeta(file)).rejects.toThrow(`${file}: the archive ends inside a header at byte 0`);
  });
});
