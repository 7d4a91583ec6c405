/**
 * igzip — ISA-L's gzip (Debian and Ubuntu package `isal`) — as an optional engine for gzip: on x86-64 it
 * deflates and inflates several times faster than zlib per core (docs/architecture.md has the figures),
 * and on a small runner that is most of a push's CPU. Used when it is on PATH (`auto`); otherwise Node's
 * zlib. Like zlib, one igzip build
 * and level always gives the same bytes for the same input, and with `-n` its header carries no name or
 * time, so nothing in a layer depends on when or where it was compressed.
 */
import { type ChildProcess, type StdioOptions, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import type { BlobSource } from './blob-source.js';
import type { LayerCompressor } from './compress.js';

export const GZIP_ENGINES = ['auto', 'igzip', 'zlib'] as const;
export type GzipEngine = (typeof GZIP_ENGINES)[number];

/** igzip on PATH, if any. */
export function findIgzip(processEnv: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (processEnv.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'igzip');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {}
  }
  return undefined;
}

/** Whether `bin` is ISA-L's igzip (another program of that name would not understand our options). */
function isIsal(bin: string): boolean {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 && /^igzip command line interface/m.test(r.stdout);
}

/**
 * The igzip binary an engine choice means (undefined: zlib). `auto` takes igzip when it is on PATH and
 * is ISA-L's; `igzip` insists on it.
 */
export function igzipFor(
  engine: GzipEngine,
  processEnv: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (engine === 'zlib') return undefined;
  const found = findIgzip(processEnv);
  if (found && isIsal(found)) return found;
  if (engine === 'igzip')
    throw new RelengError(
      found
        ? `gzip-engine igzip: ${found} is not ISA-L's igzip (igzip --version says otherwise); install isal or use gzip-engine auto`
        : 'gzip-engine igzip: igzip is not on PATH; install ISA-L (apt-get install isal) or use gzip-engine auto',
    );
  return undefined;
}

/**
 * zlib's levels 1–9 onto igzip's 0–3 by what they are for: 1 (fastest, slightly larger blobs) → 1,
 * 2–5 → 2, 6–9 → 3 (igzip's best, still faster than zlib's 1).
 */
export function igzipLevel(level: number): number {
  return level <= 1 ? 1 : level <= 5 ? 2 : 3;
}

interface Run {
  child: ChildProcess;
  /** Resolves when the process has exited 0; rejects with its message otherwise. */
  exited: Promise<void>;
}

/** igzip could not do its work for want of something on the runner (space, most likely). */
export function igzipFailed(what: string, why: string): RelengError {
  return new RelengError(
    `${what} with igzip failed (${why}); check the runner's temp space (TMPDIR), or use gzip-engine zlib`,
  );
}

/**
 * igzip as a child. A decompression (`input` given) that meets a bad stream fails as zlib does — code
 * Z_BUF_ERROR when truncated, Z_DATA_ERROR otherwise — so callers map both engines alike; a compression,
 * or output that could not be written, fails as a RelengError about the runner, not the archive. Either
 * in igzip's own words, minus the input's name (the caller names it) and the "(null)" it calls stdin.
 */
function run(bin: string, args: string[], stdio: StdioOptions, what: string, input?: string): Run {
  const child = spawn(bin, args, { stdio });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  // A child that died early makes writes fail with EPIPE; its exit status says why.
  child.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new RelengError(`${what}: cannot run ${bin} (${e.message})`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      let said = stderr;
      if (input) said = said.split(input).join('');
      said = said
        .replace(/igzip: /g, '')
        .replace(/ (for |to )?(file )?\(null\)/g, '')
        .replace(/ (file )?$/gm, '')
        .replace(/ {2,}/g, ' ')
        .replace(/^ +/gm, '')
        .replace(/^Error (?=does not)/gm, '')
        .trim()
        .split('\n')
        .join('; ');
      said = said.charAt(0).toLowerCase() + said.slice(1);
      const status = signal ? `was killed (${signal})` : `exited ${code}`;
      if (!input || /while writing/.test(stderr)) return reject(igzipFailed(what, said || status));
      const e = new Error(said ? `igzip: ${said}` : `igzip ${status}`) as NodeJS.ErrnoException;
      e.code = /complete gzip file/.test(stderr) ? 'Z_BUF_ERROR' : 'Z_DATA_ERROR';
      reject(e);
    });
  });
  exited.catch(() => {}); // awaited by the owner; not unhandled meanwhile
  return { child, exited };
}

/**
 * One layer through `igzip -L -n -c` into `out` (the fd of a spool file, which its owner follows as it
 * grows). `-n` leaves the name and time out of the header, so its ten bytes are the same on every machine.
 * One process per layer (one core); the next layer's and the archive's own decompression keep the other
 * cores busy.
 */
export class IgzipCompressor implements LayerCompressor {
  private readonly r: Run;
  private failed: unknown;
  private bytesIn = 0;

  constructor(bin: string, level: number, out: number) {
    this.r = run(bin, [`-${igzipLevel(level)}`, '-n', '-c'], ['pipe', out, 'pipe'], 'compressing a layer');
    this.r.exited.catch((e: unknown) => {
      this.failed = e;
    });
  }

  /** Settles once igzip has exited (0: the layer is complete in the file). */
  get exited(): Promise<void> {
    return this.r.exited;
  }

  /** Resolves once igzip has the chunk (so its buffer may be used again). */
  write(chunk: Buffer): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    this.bytesIn += chunk.length;
    return new Promise<void>((resolve, reject) => {
      this.r.child.stdin!.write(chunk, (e) => {
        if (!e) resolve();
        else this.r.exited.then(() => reject(e), reject);
      });
    });
  }

  async end(): Promise<void> {
    this.r.child.stdin!.end();
    await this.r.exited;
  }

  /**
   * Whether the output (`size` bytes of `blob`) is a whole gzip stream of everything written: igzip exits
   * 0 even when the last flush of its output failed (a full disk), so its trailer's ISIZE — the input's
   * length mod 2³² — is checked against what it was given.
   */
  async verify(blob: BlobSource, size: number): Promise<void> {
    const fail = (why: string) => {
      throw igzipFailed('compressing a layer', why);
    };
    if (size < 18) fail(`it wrote ${size} bytes, not a gzip stream`);
    const head = await blob.readInto(Buffer.alloc(3), 0, 3);
    const trailer = await blob.readInto(Buffer.alloc(8), size - 8, size);
    if (head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8) fail('its output is not gzip');
    const isize = trailer.readUInt32LE(4);
    if (isize !== this.bytesIn % 2 ** 32)
      fail(`its output ends early: the trailer says ${isize} bytes in, the layer has ${this.bytesIn}`);
  }

  abort(): void {
    this.r.child.kill('SIGKILL');
  }
}

export interface Decompression {
  /** Resolves once igzip has exited cleanly (after the whole stream checked out, CRC and size). */
  done: Promise<void>;
  kill(): void;
}

/** `igzip -dc FILE` into `out` (an fd): a gzip file decompressed in a child process. */
export function igzipDecompress(bin: string, file: string, out: number): Decompression {
  const input = path.resolve(file);
  const r = run(bin, ['-d', '-c', '--', input], ['ignore', out, 'pipe'], `unpacking ${file}`, input);
  return { done: r.exited, kill: () => r.child.kill('SIGKILL') };
}
