/**
 * What a push runs beside its main line — uploads following a layer as it is compressed, the tail of a
 * compression, copies between registries — and the spool files they use. Their outcomes are awaited where
 * they matter; here they are kept from rejecting unobserved, the first failure is remembered (it stops
 * the reading of archives at once instead of after them), and everything is waited for and removed at
 * the end.
 */
import { SpoolFile } from './blob-source.js';

export class BackgroundWork {
  private readonly running: Promise<unknown>[] = [];
  private readonly spools: SpoolFile[] = [];
  private firstFailure: { error: unknown } | undefined;

  constructor(private readonly tmpDir: string) {}

  /** Watches `p` (its first failure is remembered) and gives it back. */
  track<T>(p: Promise<T>): Promise<T> {
    this.running.push(
      p.catch((error: unknown) => {
        this.firstFailure ??= { error };
      }),
    );
    return p;
  }

  /** Throws the first failure of any tracked work, if there was one. */
  throwIfFailed(): void {
    if (this.firstFailure) throw this.firstFailure.error;
  }

  /** A spool file in the temp directory, removed by `settle`. */
  spool(name: string): SpoolFile {
    const s = SpoolFile.inDir(this.tmpDir, name);
    this.spools.push(s);
    return s;
  }

  /** Waits for all tracked work, then removes the spool files. Never throws. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running);
    await Promise.allSettled(this.spools.map((s) => s.dispose()));
  }
}
