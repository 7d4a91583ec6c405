/**
 * An OCI image layout directory as a sink (the `local` environment): `oci-layout`, `blobs/sha256/<hex>`
 * and `index.json`, whose entries carry `org.opencontainers.image.ref.name` = the tag — what skopeo
 * (`oci:DIR:TAG`) and umoci read. Every file is written to a temp name and renamed, so a reader never
 * sees half a blob or half an index; writing the same content again changes nothing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RelengError } from '../errors.js';
import type { BlobInfo, BlobSource } from './blob-source.js';
import { type Descriptor, hexOf, isDigest, sha256Digest } from './digest.js';
import type { ImageSink, StoredManifest } from './image-sink.js';
import { OCI } from './media-types.js';
import { checkManifestReference } from './reference.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
const LAYOUT = `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`;

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export class LayoutSink implements ImageSink {
  readonly ref: string;
  private indexLock: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {
    this.ref = `oci-layout:${dir}`;
  }

  private blobPath(digest: string): string {
    if (!isDigest(digest)) throw new RelengError(`${this.ref}: '${digest}' is not a sha256 digest`);
    return path.join(this.dir, 'blobs', 'sha256', hexOf(digest));
  }

  private tmp(name: string): string {
    return path.join(this.dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  }

  private async writeAtomic(file: string, data: Buffer | string): Promise<void> {
    const t = this.tmp(path.basename(file));
    await fs.promises.writeFile(t, data);
    await fs.promises.rename(t, file);
  }

  /**
   * Checks the layout (an existing one must be a 1.0.0 layout) and that it can be written. Nothing is
   * created here: the directories and `oci-layout` appear with the first blob, so a run that fails on
   * bad input leaves no trace.
   */
  async open(_options: { create?: boolean } = {}): Promise<void> {
    const layoutFile = path.join(this.dir, 'oci-layout');
    const existing = await fs.promises.readFile(layoutFile, 'utf8').catch(() => undefined);
    if (existing !== undefined) {
      let version: unknown;
      try {
        version = JSON.parse(existing).imageLayoutVersion;
      } catch {
        version = undefined;
      }
      if (version !== '1.0.0') throw new RelengError(`${layoutFile}: not an OCI image layout 1.0.0`);
    }
    const w = await this.checkPush();
    if (w) throw new RelengError(w);
  }

  private created: Promise<void> | undefined;

  /** The layout's directories and `oci-layout`, made before its first file. */
  private ensureLayout(): Promise<void> {
    this.created ??= (async () => {
      try {
        await fs.promises.mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
        const layoutFile = path.join(this.dir, 'oci-layout');
        if (!fs.existsSync(layoutFile)) await this.writeAtomic(layoutFile, LAYOUT);
        await this.removeOrphans();
      } catch (e) {
        throw new RelengError(`${this.ref}: cannot write the layout (${(e as Error).message})`);
      }
    })();
    return this.created;
  }

  /**
   * Temp files of writers that died (a killed run: its renames never came): a re-run leaves the directory
   * as a clean run would. A live writer's temp files (another process, same directory) are left alone.
   */
  private async removeOrphans(): Promise<void> {
    for (const name of await fs.promises.readdir(this.dir)) {
      const pid = /^\..+\.(\d+)\.[a-z0-9]+\.tmp$/.exec(name)?.[1];
      if (pid && !processAlive(Number(pid))) await fs.promises.rm(path.join(this.dir, name), { force: true });
    }
  }

  async close(): Promise<void> {}

  private async readIndex(): Promise<IndexJson> {
    const file = path.join(this.dir, 'index.json');
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch {
      return { schemaVersion: 2, mediaType: OCI.index, manifests: [] };
    }
    try {
      const idx = JSON.parse(text) as IndexJson;
      if (!Array.isArray(idx.manifests)) throw new Error('no manifests list');
      return idx;
    } catch (e) {
      throw new RelengError(`${file}: not a valid OCI index (${(e as Error).message}); fix or remove it`);
    }
  }

  async getManifest(reference: string): Promise<StoredManifest | undefined> {
    checkManifestReference(reference, this.ref);
    let digest = reference;
    let mediaType: string | undefined;
    if (!isDigest(reference)) {
      const d = (await this.readIndex()).manifests.find((m) => m.annotations?.[REF_NAME] === reference);
      if (!d) return undefined;
      digest = d.digest;
      mediaType = d.mediaType;
    }
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(this.blobPath(digest));
    } catch {
      return undefined;
    }
    if (sha256Digest(bytes) !== digest)
      throw new RelengError(
        `${this.blobPath(digest)}: its content does not match its digest; the layout is corrupt`,
      );
    try {
      mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? mediaType;
    } catch {
      // not JSON: keep what index.json says
    }
    return { digest, mediaType: mediaType ?? OCI.manifest, bytes };
  }

  async hasManifest(digest: string): Promise<boolean> {
    return (await this.blobSize(digest)) !== undefined;
  }

  async blobSize(digest: string): Promise<number | undefined> {
    try {
      return (await fs.promises.stat(this.blobPath(digest))).size;
    } catch {
      return undefined;
    }
  }

  async mountBlob(): Promise<boolean> {
    return false;
  }

  async openBlob(digest: string): Promise<Readable> {
    return fs.createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20 });
  }

  async putBlob(source: BlobSource, onSent?: (bytes: number) => void): Promise<BlobInfo> {
    const info = await source.done;
    const file = this.blobPath(info.digest);
    if ((await this.blobSize(info.digest)) === info.size) return info;
    await this.ensureLayout();
    const t = this.tmp(hexOf(info.digest));
    const hash = createHash('sha256');
    try {
      await pipeline(
        source.read(0, info.size),
        async function* (src: AsyncIterable<Buffer>) {
          for await (const c of src) {
            hash.update(c);
            onSent?.(c.length);
            yield c;
          }
        },
        fs.createWriteStream(t),
      );
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== info.digest)
        throw new RelengError(`${this.ref}: blob ${info.digest} was read back as ${got}`);
      await fs.promises.rename(t, file);
    } catch (e) {
      await fs.promises.rm(t, { force: true });
      throw e;
    }
    return info;
  }

  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<void> {
    checkManifestReference(reference, this.ref);
    const digest = sha256Digest(bytes);
    const file = this.blobPath(digest);
    await this.ensureLayout();
    if ((await this.blobSize(digest)) !== bytes.length) await this.writeAtomic(file, bytes);
    if (isDigest(reference)) {
      if (reference !== digest)
        throw new RelengError(`${this.ref}: manifest bytes do not match ${reference}`);
      return;
    }
    // Tags live in index.json; one writer at a time within this process.
    const update = this.indexLock.then(async () => {
      const idx = await this.readIndex();
      const entry: Descriptor = {
        mediaType,
        digest,
        size: bytes.length,
        annotations: { [REF_NAME]: reference },
      };
      const manifests = idx.manifests.filter((m) => m.annotations?.[REF_NAME] !== reference);
      manifests.push(entry);
      manifests.sort((a, b) =>
        (a.annotations?.[REF_NAME] ?? '').localeCompare(b.annotations?.[REF_NAME] ?? ''),
      );
      const next = `${JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests }, null, 2)}\n`;
      const file = path.join(this.dir, 'index.json');
      const current = await fs.promises.readFile(file, 'utf8').catch(() => '');
      if (current !== next) await this.writeAtomic(file, next);
    });
    this.indexLock = update.catch(() => {});
    await update;
  }

  async checkPush(): Promise<string | undefined> {
    let dir = this.dir;
    while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return undefined;
    } catch {
      return `${this.ref}: ${dir} is not writable`;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
