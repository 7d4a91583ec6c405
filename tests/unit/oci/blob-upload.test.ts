// The upload protocol against a registry in memory (the endpoint's send answers as distribution does):
// chunk ranges, the held last piece, resuming a chunk from the registry's offset, starting over when the
// session is lost, and cancelling on failure. The real registry runs it in tests/integration/oci/.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { BufferSource, gatedSource, SpoolFile } from '../../../src/oci/blob-source.js';
import { type UploadEndpoint, uploadBlob } from '../../../src/oci/blob-upload.js';
import { ChunkPool } from '../../../src/oci/chunk-pool.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { HttpError, type HttpResponse } from '../../../src/oci/http.js';
import type { SendOptions } from '../../../src/oci/registry-host.js';
import { tmpDir } from '../../helpers/tmp.js';

function response(
  status: number,
  headers: Record<string, string> = {},
  url = 'http://reg.test/',
): HttpResponse {
  return {
    status,
    headers,
    url: new URL(url),
    header: (n) => headers[n.toLowerCase()],
    text: async () => '',
    buffer: async () => Buffer.alloc(0),
    body: Readable.from([]),
    dump: async () => {},
  };
}

interface Fault {
  /** Which request: `PATCH#2` is the second PATCH. */
  at: string;
  /** Answer with this status (the chunk is kept when `kept`), or throw a connection error. */
  status?: number;
  kept?: boolean;
}

/** A registry's upload sessions in memory; every request recorded as `METHOD range/bytes`. */
class FakeUploads implements UploadEndpoint {
  readonly ref = 'reg.test/org/a';
  readonly uploadsPath = '/v2/org/a/blobs/uploads/';
  readonly log = silentLogger;
  readonly requests: string[] = [];
  readonly sessions = new Map<string, Buffer>();
  readonly committed = new Map<string, Buffer>();
  private next = 0;
  private counts = new Map<string, number>();

  constructor(private readonly faults: Fault[] = []) {}

  private fault(method: string): Fault | undefined {
    const n = (this.counts.get(method) ?? 0) + 1;
    this.counts.set(method, n);
    return this.faults.find((f) => f.at === `${method}#${n}`);
  }

  async send(r: SendOptions): Promise<HttpResponse> {
    const url = typeof r.path === 'string' ? new URL(r.path, 'http://reg.test') : r.path;
    const id = url.pathname.split('/').pop()!;
    const body = Buffer.isBuffer(r.body) ? r.body : Buffer.alloc(0);
    this.requests.push(`${r.method} ${r.headers?.['content-range'] ?? ''}/${body.length}`);
    const f = this.fault(r.method);
    if (f && f.status === undefined) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const loc = (s: string) => ({ location: `/v2/org/a/blobs/uploads/${s}` });
    switch (r.method) {
      case 'POST': {
        const s = `s${++this.next}`;
        this.sessions.set(s, Buffer.alloc(0));
        return response(202, loc(s));
      }
      case 'PATCH': {
        const have = this.sessions.get(id);
        if (!have) return response(404);
        const [start] = (r.headers?.['content-range'] ?? '').split('-').map(Number);
        if (start !== have.length) return response(416);
        if (!f || f.kept) this.sessions.set(id, Buffer.concat([have, body]));
        return f ? response(f.status!) : response(202, loc(id));
      }
      case 'GET': {
        const have = this.sessions.get(id);
        if (!have) return response(404);
        return response(204, { ...loc(id), ...(have.length ? { range: `0-${have.length - 1}` } : {}) });
      }
      case 'PUT': {
        const have = this.sessions.get(id);
        if (f) return response(f.status!);
        if (!have) return response(404);
        const all = Buffer.concat([have, body]);
        if (sha256Digest(all) !== url.searchParams.get('digest')) return response(400);
        this.sessions.delete(id);
        this.committed.set(sha256Digest(all), all);
        return response(201);
      }
      case 'DELETE':
        this.sessions.delete(id);
        return response(204);
    }
    return response(405);
  }
}

const CHUNK = 1024;
const pool = () => new ChunkPool(CHUNK);

describe('uploadBlob', () => {
  test('whole chunks with their ranges, the rest with the committing PUT; a small blob is one PUT', async () => {
    const reg = new FakeUploads();
    const data = randomBytes(2 * CHUNK + 100);
    let sent = 0;
    const info = await uploadBlob(reg, pool(), new BufferSource(data), (n) => {
      sent += n;
    });
    expect(info.digest).toBe(sha256Digest(data));
    expect(reg.committed.get(info.digest)).toEqual(data);
    expect(reg.requests).toEqual([`POST /0`, `PATCH 0-1023/1024`, `PATCH 1024-2047/1024`, `PUT /100`]);
    expect(sent).toBe(data.length);
    const small = new FakeUploads();
    await uploadBlob(small, pool(), new BufferSource(Buffer.from('tiny')));
    expect(small.requests).toEqual(['POST /0', 'PUT /4']);
  });

  test('a held blob sends its last piece at once; the commit waits for the hold and is empty', async () => {
    const reg = new FakeUploads();
    const spool = SpoolFile.inDir(tmpDir(), 'held');
    const data = randomBytes(CHUNK + 10);
    await spool.append(data);
    await spool.finish();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const upload = uploadBlob(reg, pool(), gatedSource(spool, gate));
    for (let i = 0; i < 100 && reg.requests.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(reg.requests).toEqual(['POST /0', 'PATCH 0-1023/1024', 'PATCH 1024-1033/10']);
    expect(reg.committed.size).toBe(0);
    open();
    await upload;
    expect(reg.requests.at(-1)).toBe('PUT /0');
    expect(reg.committed.get(sha256Digest(data))).toEqual(data);
    await spool.dispose();
  });

  test('a chunk that failed after the registry kept it is not sent again: the offset says so', async () => {
    const reg = new FakeUploads([{ at: 'PATCH#1', status: 500, kept: true }]);
    const data = randomBytes(2 * CHUNK + 1);
    await uploadBlob(reg, pool(), new BufferSource(data));
    expect(reg.requests).toEqual([
      'POST /0',
      'PATCH 0-1023/1024',
      'GET /0',
      'PATCH 1024-2047/1024',
      'PUT /1',
    ]);
    expect(reg.committed.get(sha256Digest(data))).toEqual(data);
  });

  test('a chunk the registry did not keep is sent again from where it stands', async () => {
    const reg = new FakeUploads([{ at: 'PATCH#2', status: 503 }]);
    const data = randomBytes(2 * CHUNK + 1);
    await uploadBlob(reg, pool(), new BufferSource(data));
    expect(reg.requests).toEqual([
      'POST /0',
      'PATCH 0-1023/1024',
      'PATCH 1024-2047/1024',
      'GET /0',
      'PATCH 1024-2047/1024',
      'PUT /1',
    ]);
  });

  test('a session lost at the commit starts over with a new one, the bytes counted once', async () => {
    const reg = new FakeUploads([{ at: 'PUT#1', status: 500 }]);
    const data = randomBytes(CHUNK + 1);
    let sent = 0;
    await uploadBlob(reg, pool(), new BufferSource(data), (n) => {
      sent += n;
    });
    expect(reg.requests.filter((l) => l.startsWith('POST'))).toHaveLength(2);
    expect(reg.requests).toContain('DELETE /0');
    expect(sent).toBe(data.length);
    expect(reg.committed.get(sha256Digest(data))).toEqual(data);
  });

  test('a refusal is one error with the registry’s status; the session is cancelled', async () => {
    const reg = new FakeUploads([{ at: 'PUT#1', status: 403 }]);
    const err = await uploadBlob(reg, pool(), new BufferSource(Buffer.from('x'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toMatch(
      /reg\.test\/org\/a: PUT blob sha256:.*HTTP 403.*lack push access/,
    );
    expect(reg.requests.at(-1)).toBe('DELETE /0');
    expect(reg.sessions.size).toBe(0);
  });

  test('a producer that fails (a bad archive) cancels the session and commits nothing', async () => {
    const reg = new FakeUploads();
    const spool = SpoolFile.inDir(tmpDir(), 'bad');
    await spool.append(randomBytes(CHUNK + 5));
    const upload = uploadBlob(reg, pool(), spool);
    for (let i = 0; i < 100 && reg.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    spool.fail(new Error('archive truncated'));
    await expect(upload).rejects.toThrow('archive truncated');
    expect(reg.requests.at(-1)).toBe('DELETE /0');
    expect(reg.committed.size).toBe(0);
    await spool.dispose();
  });
});
