import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import { run, tail } from '../exec.js';
import type { Logger } from '../log.js';
import type { NixJob } from './jobs.js';

/**
 * Builds each job with `nix-store --realise`, one at a time so a failure names its attr, with an indirect
 * GC root per output under `rootsDir` (the reference's gcroots-build) so a garbage collection between
 * build and publish cannot delete what is about to be published. Logs stream into one group per job.
 */
export async function realiseJobs(jobs: NixJob[], rootsDir: string, log: Logger): Promise<void> {
  fs.mkdirSync(rootsDir, { recursive: true });
  let done = 0;
  for (const job of jobs) {
    await log.group(`nix build ${job.attr} (${++done}/${jobs.length})`, async () => {
      const root = path.join(rootsDir, rootName(job.attr));
      const r = await run('nix-store', ['--realise', job.drvPath, '--add-root', root, '--indirect'], {
        allowFailure: true,
        log,
        streamTo: (line) => log.info(line),
      });
      if (r.code !== 0)
        throw new RelengError(
          `building ${job.attr} (${job.drvPath}) failed: ${tail(r.stderr, 5)}; see the build log above`,
        );
    });
  }
}

/** A GC root's file name for a job: its attr (a flake path without its `FLAKE#`), file-name safe. */
function rootName(attr: string): string {
  return attr.replace(/^[^#]*#/, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The output paths of a derivation (`nix-store -q --outputs`; nix 2.8 has no `drv^*`). */
export async function derivationOutputs(drvPath: string): Promise<string[]> {
  const r = await run('nix-store', ['-q', '--outputs', drvPath]);
  return r.stdout.split('\n').filter(Boolean);
}
