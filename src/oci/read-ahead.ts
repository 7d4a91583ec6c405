/**
 * The chunks of a readable stream, read ahead up to a bound: the producer (file reads, gunzip — both on
 * the libuv pool) keeps working while the consumer handles earlier chunks, instead of producing one chunk
 * each time the consumer asks for it. An async iterator over a Readable reads ~one chunk ahead and
 * concatenates whatever is buffered (a copy); this hands on the chunks as the stream made them.
 */
import type { Readable } from 'node:stream';

export async function* readAhead(stream: Readable, limit: number): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let head = 0;
  let queued = 0;
  let ended = false;
  let failed = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    if (queued >= limit) stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (e: unknown) => {
    failed = true;
    error = e;
    notify();
  };
  // What happened before the first read: the stream already failed or ended.
  if (stream.errored) throw stream.errored;
  if (stream.readableEnded) return;
  stream.on('data', onData);
  stream.once('end', onEnd);
  stream.once('error', onError);
  try {
    for (;;) {
      // A failure wins over what is still queued: the data before a corrupt spot is not worth reading.
      if (failed) throw error;
      if (head < queue.length) {
        const c = queue[head]!;
        queue[head++] = undefined as unknown as Buffer;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        queued -= c.length;
        if (queued < limit / 2 && stream.isPaused() && !ended) stream.resume();
        yield c;
        continue;
      }
      if (ended) return;
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  } finally {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('error', onError);
    if (!ended) stream.destroy();
  }
}
