/**
 * A streaming tar reader: entries come one after the other, each body handed on as the slices that
 * arrive (no copy, nothing held once the next chunk is asked for, so the source may reuse its buffers).
 * ustar, pax (`x` records: path, linkpath, size) and GNU long names; sizes in octal or base-256. A checksum mismatch or an end before the end-of-archive marker
 * is an error, so a corrupt or truncated archive is never read as a shorter valid one.
 */

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  size: number;
  linkname: string;
}

// pax records and GNU long names are a few hundred bytes; anything near this is not a real header.
const MAX_EXTENDED = 1 << 20;

export class TarError extends Error {
  override name = 'TarError';
}

/** Exact reads over an async sequence of chunks. */
export class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private done = false;
  /** Bytes handed out so far: where the reader stands in the stream. */
  position = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    if (r.value.length > 0) {
      this.chunks.push(r.value);
      this.length += r.value.length;
    }
    return true;
  }

  /**
   * Exactly n bytes, or fewer when the stream ends first. Copied out as they come: nothing of a chunk is
   * held once the next one is asked for (sources may reuse their buffers).
   */
  async read(n: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    for (;;) {
      while (off < n && this.chunks.length > 0) {
        const head = this.chunks[0]!;
        const k = Math.min(head.length, n - off);
        head.copy(out, off, 0, k);
        off += k;
        this.length -= k;
        if (k === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(k);
      }
      if (off === n || !(await this.fill())) break;
    }
    this.position += off;
    return off === n ? out : out.subarray(0, off);
  }

  /** The next n bytes as they arrive; throws TarError when the stream ends first. */
  async *slices(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0 && !(await this.fill()))
        throw new TarError(`${what} ends ${left} bytes early: the archive is truncated`);
      if (this.length === 0) continue;
      const head = this.chunks[0]!;
      if (head.length <= left) {
        this.chunks.shift();
        this.length -= head.length;
        this.position += head.length;
        left -= head.length;
        yield head;
      } else {
        this.chunks[0] = head.subarray(left);
        this.length -= left;
        this.position += left;
        const out = head.subarray(0, left);
        left = 0;
        yield out;
      }
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.slices(n, what)) {
      // discard
    }
  }
}

function parseOctal(field: Buffer): number {
  // base-256 (GNU) for sizes ≥ 8 GiB: high bit of the first byte set.
  if (field[0]! & 0x80) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return Number.NaN;
  return Number.parseInt(s, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function checksumOk(h: Buffer): boolean {
  const stored = parseOctal(h.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum === stored;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(body.subarray(i, sp).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = body.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES: Record<string, TarEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
};

/** `./a` is `a`; an absolute name stays absolute (the caller decides about it). */
export function normaliseName(name: string): string {
  return name.replace(/^(\.\/)+/, '');
}

/**
 * Entries of a tar stream. The caller reads each body (or not) before asking for the next entry; what
 * it leaves unread is skipped.
 */
export async function* readTar(
  chunks: AsyncIterable<Buffer>,
  options: { drain?: boolean } = {},
): AsyncGenerator<{ entry: TarEntry; body: AsyncIterable<Buffer> }> {
  const r = new ByteReader(chunks[Symbol.asyncIterator]());
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let entries = 0;
  for (;;) {
    const at = r.position;
    const h = await r.read(512);
    if (h.length === 0)
      throw new TarError(
        `the archive ends after ${entries} entries without the end-of-archive marker: it is truncated`,
      );
    if (h.length < 512) throw new TarError(`the archive ends inside a header at byte ${at}: it is truncated`);
    if (h.every((b) => b === 0)) {
      // The padding after the end marker (tar blocks are 10 KiB): read it when the caller hashes the file.
      if (options.drain) while ((await r.read(1 << 20)).length > 0);
      return;
    }
    if (!checksumOk(h))
      throw new TarError(`bad header checksum at byte ${at}: the archive is corrupt (or not a tar)`);
    const size = pax.size !== undefined ? Number(pax.size) : parseOctal(h.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0)
      throw new TarError(`bad entry size in the header at byte ${at}: the archive is corrupt`);
    const flag = String.fromCharCode(h[156]!);
    const padding = (512 - (size % 512)) % 512;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_EXTENDED)
        throw new TarError(`an extended header of ${size} bytes at byte ${at}: the archive is corrupt`);
      const body = await r.read(size);
      if (body.length < size)
        throw new TarError(`the archive ends inside an extended header: it is truncated`);
      await r.skip(padding, 'an extended header');
      if (flag === 'x') pax = { ...pax, ...parsePax(body) };
      else if (flag === 'L') longName = cString(body);
      else if (flag === 'K') longLink = cString(body);
      continue;
    }
    const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
    const prefix = ustar ? cString(h.subarray(345, 500)) : '';
    const rawName =
      pax.path ??
      longName ??
      (prefix ? `${prefix}/${cString(h.subarray(0, 100))}` : cString(h.subarray(0, 100)));
    const entry: TarEntry = {
      name: normaliseName(rawName),
      type: TYPES[flag] ?? 'other',
      size,
      linkname: pax.linkpath ?? longLink ?? cString(h.subarray(157, 257)),
    };
    pax = {};
    longName = undefined;
    longLink = undefined;
    entries++;
    const what = `entry '${entry.name}'`;
    let left = size;
    const body = (async function* () {
      for await (const s of r.slices(size, what)) {
        left -= s.length;
        yield s;
      }
    })();
    yield { entry, body };
    // Whatever the caller left unread.
    if (left > 0) await r.skip(left, what);
    await r.skip(padding, what);
  }
}
