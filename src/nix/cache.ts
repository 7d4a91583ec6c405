import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { tail } from '../exec.js';
import { type Logger, Progress } from '../log.js';
import { nix } from './command.js';

/**
 * The leg cache's store URL. NARs are zstd-compressed as the published cache's (so publish can upload
 * them as they are: a signature covers the NAR hash, not the compressed file); narinfo files stay plain
 * (a file:// cache reads them back uncompressed; publish may compress them on upload); .ls listings are
 * written for the published cache's `write-nar-listing`. Nix 2.8's libarchive has zstd.
 */
export function legCacheUrl(dir: string): string {
  return `file://${path.resolve(dir)}?compression=zstd&write-nar-listing=true`;
}

/**
 * Copies the closures of `drvPaths` (the derivations themselves, with their inputs' derivations and
 * sources: what the reference's drvs.txt upload carries) and of `outputPaths` to a file:// cache. Nix 2.8
 * has no `drv^*` nor `--stdin`: the derivations go in one `nix copy --derivation` (which would map an
 * output path to its deriver, hence a second call), the outputs as plain store paths in another.
 */
export async function copyToCache(
  dir: string,
  drvPaths: string[],
  outputPaths: string[],
  log: Logger,
): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const progress = new Progress(log, 'copying to the leg cache');
  let done = 0;
  for (const [flags, paths] of [
    [['--derivation'], [...new Set(drvPaths)].sort()],
    [[], [...new Set(outputPaths)].sort()],
  ] as const) {
    if (paths.length === 0) continue;
    const r = await nix(['copy', ...flags, '--to', legCacheUrl(dir), ...paths], {
      allowFailure: true,
      log,
      streamTo: (line) => {
        if (/^copying path /.test(line)) progress.update(++done, undefined);
        log.debug(line);
      },
    });
    if (r.code !== 0)
      throw new RelengError(
        `nix copy to the leg cache ${dir} failed: ${tail(r.stderr, 3)}; check the store and disk space`,
      );
  }
  log.info(`copied ${done} store path${done === 1 ? '' : 's'} to the leg cache`);
}
