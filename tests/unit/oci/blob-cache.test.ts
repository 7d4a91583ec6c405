import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Logger } from '../../../src/log.js';
import { silentLogger } from '../../../src/log.js';
import { FileBlobCache } from '../../../src/oci/blob-cache.js';
import { OCI } from '../../../src/oci/media-types.js';
import { tmpDir } from '../../helpers/tmp.js';

const blob = { digest: `sha256:${'b'.repeat(64)}`, size: 10, mediaType: OCI.layerGzip };

describe('FileBlobCache', () => {
  test('diffID → blob per compression, kept on disk across runs; saved only when changed', () => {
    const file = path.join(tmpDir(), 'oci', 'blobs.json');
    const cache = new FileBlobCache(file, silentLogger);
    expect(cache.get('sha256:d', 'gzip')).toBeUndefined();
    cache.set('sha256:d', 'gzip', blob);
    expect(cache.changed).toBe(true);
    cache.save();
    expect(cache.changed).toBe(false);
    const next = new FileBlobCache(file, silentLogger);
    expect(next.get('sha256:d', 'gzip')).toEqual(blob);
    expect(next.get('sha256:d', 'zstd')).toBeUndefined();
    // The same blob again, soon after: nothing to save.
    next.set('sha256:d', 'gzip', blob);
    expect(next.changed).toBe(false);
  });

  test('a damaged or foreign file is ignored, never fatal; an unwritable one is a warning', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'blobs.json');
    fs.writeFileSync(file, '{ not json');
    expect(new FileBlobCache(file, silentLogger).size).toBe(0);
    fs.writeFileSync(file, JSON.stringify({ version: 99, blobs: { 'gzip:x': blob } }));
    expect(new FileBlobCache(file, silentLogger).size).toBe(0);
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warning: (m) => warnings.push(m) };
    fs.writeFileSync(path.join(dir, 'file'), '');
    const blocked = new FileBlobCache(path.join(dir, 'file', 'blobs.json'), log);
    blocked.set('sha256:d', 'gzip', blob);
    blocked.save();
    expect(warnings[0]).toMatch(/blob cache .* not saved .*; the next run compresses again/);
  });
});
