/**
 * Gets blobs onto targets, each (target, blob) once however many images name it: already there (the
 * target said so, or a HEAD finds it), mounted from a repository of the same registry, copied from
 * another registry (downloaded once into a spool file for every target lacking it), or uploaded.
 * go-containerregistry's `uploadOne` as small steps: check existing → mount → stream → commit (the last
 * two are the sink's `putBlob`).
 */
import { pipeline } from 'node:stream/promises';
import { RelengError } from '../errors.js';
import { formatBytes, type Logger } from '../log.js';
import type { BackgroundWork } from './background.js';
import type { BlobSource, SpoolFile } from './blob-source.js';
import { type Descriptor, shortDigest } from './digest.js';
import { Memo } from './memo.js';
import type { PushProgress } from './push-progress.js';
import type { TargetState } from './target-state.js';

export interface BlobTransferOptions {
  work: BackgroundWork;
  progress: PushProgress;
  /** Count what would be sent; send nothing. */
  dryRun: boolean;
  log: Logger;
}

export class BlobTransfer {
  private readonly ensured = new Memo<string, void>();
  private readonly downloads = new Memo<string, SpoolFile>();

  constructor(private readonly o: BlobTransferOptions) {}

  /**
   * Makes `blob` present on `target`. `holders` are the targets known to hold it (updated as targets get
   * it); `local` is its bytes when this run has them (else a holder's copy is fetched).
   */
  ensure(
    target: TargetState,
    blob: Descriptor,
    holders: Set<TargetState>,
    local?: BlobSource,
  ): Promise<void> {
    return this.ensured.get(`${target.ref}\n${blob.digest}`, () =>
      this.o.work.track(this.ensureOnce(target, blob, holders, local)),
    );
  }

  private async ensureOnce(
    target: TargetState,
    blob: Descriptor,
    holders: Set<TargetState>,
    local?: BlobSource,
  ): Promise<void> {
    if (holders.has(target) || (await this.exists(target, blob))) {
      holders.add(target);
      return target.skipped(blob.size);
    }
    if (this.o.dryRun) {
      // What a real run would send (0 bytes for a layer not compressed yet: size unknown).
      target.stats.blobsSent++;
      target.stats.bytesSent += blob.size;
      return;
    }
    if (await this.mount(target, blob, holders)) {
      holders.add(target);
      target.stats.blobsMounted++;
      return target.skipped(blob.size);
    }
    await this.upload(target, local ?? (await this.download(blob, holders)));
    holders.add(target);
  }

  private async exists(target: TargetState, blob: Descriptor): Promise<boolean> {
    return (await target.sink.blobSize(blob.digest)) !== undefined;
  }

  /** Mounted from a holder on the same registry; false when there is none or the registry refused. */
  private async mount(target: TargetState, blob: Descriptor, holders: Set<TargetState>): Promise<boolean> {
    for (const from of holders)
      if (target.canMountFrom(from) && (await target.sink.mountBlob(blob.digest, from.sink))) return true;
    return false;
  }

  /** Sends the blob's bytes, counting them as they go. */
  async upload(target: TargetState, source: BlobSource): Promise<void> {
    await target.sink.putBlob(source, (n) => {
      target.stats.bytesSent += n;
      this.o.progress.sent(n);
    });
    target.stats.blobsSent++;
  }

  /** A blob only another registry holds: fetched once into a spool file, for every target lacking it. */
  private download(blob: Descriptor, holders: Set<TargetState>): Promise<SpoolFile> {
    return this.downloads.get(blob.digest, () => this.o.work.track(this.downloadOnce(blob, holders)));
  }

  private async downloadOnce(blob: Descriptor, holders: Set<TargetState>): Promise<SpoolFile> {
    const [from] = holders;
    if (!from) throw new Error(`no target holds ${blob.digest}`);
    const spool = this.o.work.spool('copy');
    this.o.log.info(`copying ${shortDigest(blob.digest)} (${formatBytes(blob.size)}) from ${from.ref}`);
    await pipeline(await from.sink.openBlob(blob.digest), async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) await spool.append(c);
    });
    const info = await spool.finish();
    if (info.digest !== blob.digest)
      throw new RelengError(`${from.ref}: blob ${blob.digest} came back as ${info.digest}`);
    return spool;
  }
}
