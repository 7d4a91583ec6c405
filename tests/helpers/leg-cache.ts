/**
 * A leg's file:// cache as build-artifacts leaves it (unsigned narinfo, a NAR file named by its hash, a
 * `.ls` listing), written without nix for the unit tests of the cache planner and upload: the NAR bytes
 * are arbitrary (nothing here decompresses them), FileHash and FileSize are theirs.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { legCachePaths } from '../../src/bundle/merge.js';
import type { CachePath } from '../../src/bundle/release.js';
import { silentLogger } from '../../src/log.js';
import { formatNarInfo, nix32 } from '../../src/nix/narinfo.js';
import { tmpDir } from './tmp.js';

export interface FakePath {
  /** `HASH-name` (32 nix32 characters, a dash, a name). */
  base: string;
  references?: string[];
  /** The NAR file's bytes (default: derived from the name). */
  nar?: string;
  /** The NarHash (default: the sha256 of `nar`, standing in for the uncompressed NAR's). */
  narHash?: string;
  compression?: string;
}

export const A = 'psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a';
export const B = 'krcxka86c45a9afy5shxayywq7l2knb9-releng-b';

/** Writes the paths into `dir` (a new temp dir by default) as nix would, and returns the merge's view of them. */
export function fakeLegCache(
  paths: FakePath[],
  dir = tmpDir('releng-leg-cache-'),
): {
  dir: string;
  cachePaths: CachePath[];
} {
  fs.mkdirSync(path.join(dir, 'nar'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'nix-cache-info'), 'StoreDir: /nix/store\n');
  for (const p of paths) {
    const bytes = Buffer.from(p.nar ?? `NAR of ${p.base}\n`);
    const fileHash = createHash('sha256').update(bytes).digest('hex');
    const compression = p.compression ?? 'zstd';
    const url = `nar/${nix32(fileHash)}.nar${compression === 'none' ? '' : `.${compression === 'zstd' ? 'zst' : compression}`}`;
    fs.writeFileSync(path.join(dir, ...url.split('/')), bytes);
    fs.writeFileSync(
      path.join(dir, `${p.base.slice(0, 32)}.narinfo`),
      formatNarInfo({
        storePath: `/nix/store/${p.base}`,
        url,
        compression,
        fileHash: `sha256:${fileHash}`,
        fileSize: bytes.length,
        narHash: p.narHash ?? `sha256:${fileHash}`,
        narSize: bytes.length + 100,
        references: p.references ?? [],
        sigs: [],
      }),
    );
    fs.writeFileSync(
      path.join(dir, `${p.base.slice(0, 32)}.ls`),
      JSON.stringify({ version: 1, root: { type: 'regular', size: bytes.length } }),
    );
  }
  return { dir, cachePaths: legCachePaths([{ system: 'x86_64-linux', dir }], silentLogger) };
}
