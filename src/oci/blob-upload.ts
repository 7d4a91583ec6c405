/**
 * The blob upload protocol (distribution spec), as a chain of small steps like go-containerregistry's
 * `uploadOne` and regclient's chunked put: POST opens a session → PATCH chunks with Content-Range (what
 * ghcr and Forgejo need: ghcr refuses requests over 4 MiB, Forgejo a PATCH without a range after the
 * first) → PUT `?digest=` with the rest commits it. A failed chunk resumes from the offset the registry
 * reports; a session the registry lost starts over; a failed upload cancels its session. Small blobs are
 * one PUT.
 */
import type { Logger } from '../log.js';
import { isTransientError, retryDelay, sleep, withRetry } from '../retry.js';
import type { BlobInfo, BlobSource } from './blob-source.js';
import type { ChunkPool } from './chunk-pool.js';
import { HttpError, type HttpResponse } from './http.js';
import { requestFailed, type SendOptions } from './registry-host.js';

/** The repository an upload goes to. */
export interface UploadEndpoint {
  /** For messages. */
  readonly ref: string;
  /** `/v2/<repository>/blobs/uploads/` */
  readonly uploadsPath: string;
  /** An authenticated request to the repository's registry. */
  send(r: SendOptions): Promise<HttpResponse>;
  readonly log: Logger;
}

/** Uploads of one blob in all: a session the registry lost (5xx, a dropped connection) starts over. */
const UPLOAD_ATTEMPTS = 3;
/** Attempts at one chunk, each resuming where the registry says the upload stands. */
const CHUNK_ATTEMPTS = 4;

/** Uploads the blob (a source that may still be growing), counting bytes sent — and unsent on a restart. */
export async function uploadBlob(
  to: UploadEndpoint,
  chunks: ChunkPool,
  source: BlobSource,
  onSent: (bytes: number) => void = () => {},
): Promise<BlobInfo> {
  let sent = 0;
  return withRetry(
    () => {
      sent = 0;
      return uploadOnce(to, chunks, source, (n) => {
        sent += n;
        onSent(n);
      });
    },
    {
      attempts: UPLOAD_ATTEMPTS,
      // The source can be read again; the registry's half of the upload cannot.
      retryable: (e) => isTransientError(e) || (e instanceof HttpError && (e.status ?? 0) >= 500),
      onRetry: (e) => {
        onSent(-sent);
        to.log.debug(`${to.ref}: upload failed (${(e as Error).message}); starting it again`);
      },
    },
  );
}

async function uploadOnce(
  to: UploadEndpoint,
  chunks: ChunkPool,
  source: BlobSource,
  onSent: (n: number) => void,
): Promise<BlobInfo> {
  const session = await UploadSession.start(to, chunks);
  try {
    const offset = await session.sendChunks(source, onSent);
    const info = await source.done;
    await session.commit(source, offset, info);
    onSent(info.size - offset);
    return info;
  } catch (e) {
    // The producer failed (a bad archive, checked before any blob is committed) or the registry did:
    // leave no upload session (and its data) behind.
    await session.cancel();
    throw e;
  }
}

/** Cancels an upload session (a mount the registry answered with one, a push check); failures ignored. */
export async function cancelUpload(to: UploadEndpoint, location: URL): Promise<void> {
  try {
    const r = await to.send({ method: 'DELETE', path: location, retry: { attempts: 1 } });
    await r.dump();
  } catch {
    // an abandoned upload expires on its own
  }
}

/** One upload session: where it is (the registry may move it with each answer) and its steps. */
export class UploadSession {
  private constructor(
    private readonly to: UploadEndpoint,
    private readonly chunks: ChunkPool,
    private location: URL,
  ) {}

  /** POST: opens the session. */
  static async start(to: UploadEndpoint, chunks: ChunkPool): Promise<UploadSession> {
    const res = await to.send({ method: 'POST', path: to.uploadsPath, body: Buffer.alloc(0) });
    await res.dump();
    const loc = res.header('location');
    if (res.status !== 202 || !loc) throw await requestFailed(to.ref, 'POST blob upload', res);
    return new UploadSession(to, chunks, new URL(loc, res.url));
  }

  /**
   * Sends whole chunks as the source grows; gives the offset reached. The last piece (a chunk or less)
   * is left for the commit — unless the blob is held (not to be committed yet): then it is sent now, and
   * the commit is empty later, so that what is left when the hold ends is a request per blob, not its
   * last megabytes.
   */
  async sendChunks(source: BlobSource, onSent: (n: number) => void): Promise<number> {
    const chunk = this.chunks.chunkSize;
    let offset = 0;
    for (;;) {
      const available = await source.waitFor(offset + chunk + 1);
      const rest = available - offset;
      if (source.complete() && rest <= chunk) {
        if (rest > 0 && source.held?.()) {
          await this.patch(source, offset, available);
          onSent(rest);
          offset = available;
        }
        return offset;
      }
      if (rest <= chunk) continue;
      await this.patch(source, offset, offset + chunk);
      onSent(chunk);
      offset += chunk;
    }
  }

  /** PUT `?digest=`: the bytes from `offset` to the end, and the blob is committed. */
  async commit(source: BlobSource, offset: number, info: BlobInfo): Promise<void> {
    const url = new URL(this.location);
    url.searchParams.set('digest', info.digest);
    const put = (body: Buffer) =>
      this.to.send({
        method: 'PUT',
        path: url,
        headers: { 'content-type': 'application/octet-stream' },
        body,
        retry: { transient: false },
      });
    const res =
      info.size > offset
        ? await this.chunks.with(async (b) => put(await source.readInto(b, offset, info.size)))
        : await put(Buffer.alloc(0));
    if (res.status !== 201) throw await requestFailed(this.to.ref, `PUT blob ${info.digest}`, res);
    await res.dump();
  }

  /** DELETE: the session and what it holds are dropped. */
  cancel(): Promise<void> {
    return cancelUpload(this.to, this.location);
  }

  /** One chunk, bytes [start, end); on a failure asks the registry how much it has and resends from there. */
  private async patch(source: BlobSource, start: number, end: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse | undefined;
      let error: unknown;
      try {
        res = await this.chunks.with(async (b) =>
          this.to.send({
            method: 'PATCH',
            path: this.location,
            headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
            body: await source.readInto(b, start, end),
            retry: { transient: false, attempts: 1 },
          }),
        );
        if (res.status === 202) {
          await res.dump();
          this.moveTo(res);
          return;
        }
      } catch (e) {
        error = e;
      }
      const what = `PATCH blob upload ${start}-${end - 1}`;
      if (
        attempt >= CHUNK_ATTEMPTS ||
        (res && res.status < 500 && res.status !== 416 && res.status !== 429)
      ) {
        if (res) throw await requestFailed(this.to.ref, what, res);
        throw error;
      }
      if (res) {
        const wait = retryDelay(attempt, res.status === 429 ? res.header('retry-after') : undefined);
        if (wait === undefined) throw await requestFailed(this.to.ref, what, res);
        await res.dump();
        await sleep(wait);
      }
      const have = await this.received(start);
      if (have === end) return;
      if (have !== start)
        throw (
          error ??
          new HttpError(`${this.to.ref}: the upload lost its place (at ${have}, expected ${start})`, 500)
        );
    }
  }

  /**
   * GET on the session: how many bytes the registry has (204 with `Range: 0-LAST`); -1 when it cannot
   * say. `start` is where the chunk in question began.
   */
  private async received(start: number): Promise<number> {
    const status = await this.to.send({ method: 'GET', path: this.location });
    await status.dump();
    this.moveTo(status);
    const range = /^(?:bytes=)?0-(\d+)$/.exec(status.header('range') ?? '');
    if (!range) return status.status === 204 ? 0 : -1;
    // distribution answers an empty upload with `0-0` too: at the first chunk that means nothing yet.
    return start === 0 && range[1] === '0' ? 0 : Number(range[1]) + 1;
  }

  private moveTo(res: HttpResponse): void {
    const next = res.header('location');
    if (next) this.location = new URL(next, res.url);
  }
}
