// src/nix/sign.ts against the real nix: the signature publish computes in-process is byte for byte the one
// `nix copy --to file://…?secret-key=` writes (ed25519 is deterministic), for every path of a closure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { readCacheDir } from '../../../src/nix/narinfo.js';
import { parseSigningKey, signNarInfo } from '../../../src/nix/sign.js';
import { nixEnv } from '../../helpers/nix.js';
import { buildRelease, nixKey } from '../../helpers/publish-fixture.js';
import { tmpDir } from '../../helpers/tmp.js';

test('signNarInfo writes the Sig nix writes', () => {
  const built = buildRelease('3.1.0', { bigBytes: 10, installer: false });
  const k = nixKey('sign-check-1');
  const keyFile = path.join(tmpDir('releng-sign-key-'), 'sk');
  fs.writeFileSync(keyFile, k.secret);
  const signedDir = path.join(tmpDir('releng-signed-'), 'c');
  execFileSync('nix', ['copy', '--to', `file://${signedDir}?secret-key=${keyFile}`, ...built.storePaths], {
    env: nixEnv(),
    stdio: 'ignore',
  });
  const byNix = new Map(readCacheDir(signedDir).map((i) => [i.storePath, i.sigs]));
  const key = parseSigningKey(k.secret, 'KEY', silentLogger);
  const unsigned = built.release.cachePaths;
  expect(unsigned.length).toBe(2);
  for (const c of unsigned) {
    expect(c.info.sigs).toEqual([]);
    expect(signNarInfo(c.info, key).sigs, c.storePath).toEqual(byNix.get(c.storePath));
  }
});
