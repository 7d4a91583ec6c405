import { formatBytes, type Logger } from '../log.js';

/** One line every few seconds during long pushes: layers done, MiB read and sent, throughput. */
export class PushProgress {
  private readBytes = 0;
  private sentBytes = 0;
  private started = 0;
  private done = 0;
  private readonly t0 = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Logger) {}

  private tick(): void {
    this.timer ??= setInterval(() => this.print(), 5000);
    this.timer.unref();
  }

  read(n: number): void {
    this.readBytes += n;
    this.tick();
  }

  sent(n: number): void {
    this.sentBytes += n;
  }

  layerStarted(): void {
    this.started++;
  }

  layerDone(): void {
    this.done++;
  }

  private print(): void {
    const secs = Math.max((Date.now() - this.t0) / 1000, 0.001);
    this.log.info(
      `docker: layers compressed ${this.done}/${this.started}, read ${formatBytes(this.readBytes)} (${(this.readBytes / 1e6 / secs).toFixed(0)} MB/s), sent ${formatBytes(this.sentBytes)} (${(this.sentBytes / 1e6 / secs).toFixed(0)} MB/s)`,
    );
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.print();
    }
  }
}
