/**
 * What the targets already hold, by layer: discovery reads the indexes at our tags (and `latest`), their
 * images and configs — config diffIDs → layer blobs, so the registry itself is the cache of earlier runs —
 * and the blob cache names more candidates. A layer is *satisfiable* when some target holds a blob for it
 * that every other target can get without our compressing it again.
 */
import type { Logger } from '../log.js';
import { forEachLimit } from '../pool.js';
import { type ImageConfig, parseConfig } from './archive.js';
import type { BlobCache } from './blob-cache.js';
import type { BlobInfo, SpoolFile } from './blob-source.js';
import { type Descriptor, sha256Digest } from './digest.js';
import { ARCHIVE_ANNOTATION, type ImageManifest, isIndex, parseManifest } from './image.js';
import type { StoredManifest } from './image-sink.js';
import { type Compression, layerCompression, MANIFEST_TYPES, type MediaTypes } from './media-types.js';
import type { TargetState } from './target-state.js';

/** A blob known for a layer, and the targets known to hold it. */
export interface Candidate {
  digest: string;
  size: number;
  holders: Set<TargetState>;
}

/** A layer compressed in this run: its spool, its blob once complete, its upload to each target. */
export interface LocalLayer {
  spool: SpoolFile;
  blob: Promise<BlobInfo>;
  uploads: Map<TargetState, Promise<void>>;
}

/** An image found on a target in discovery. */
export interface KnownImage {
  target: TargetState;
  descriptor: Descriptor;
  manifest: StoredManifest;
  parsed: ImageManifest;
  configBytes: Buffer;
  config: ImageConfig;
}

interface Layer {
  candidates: Map<string, Candidate>;
  local?: LocalLayer;
  satisfiable?: Promise<Candidate | undefined>;
}

const MAX_CONFIG = 16 << 20;
const LOOKUPS_AT_ONCE = 4;

async function readAll(stream: AsyncIterable<Buffer>, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (n > max) throw new Error(`${what} is larger than ${max} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export class LayerInventory {
  /** Images the targets hold under our tags. */
  readonly known: KnownImage[] = [];
  private readonly layers = new Map<string, Layer>();

  constructor(
    private readonly o: {
      targets: TargetState[];
      compression: Compression;
      cache?: BlobCache;
      log: Logger;
    },
  ) {}

  private layer(diffId: string): Layer {
    let l = this.layers.get(diffId);
    if (!l) {
      l = { candidates: new Map() };
      this.layers.set(diffId, l);
    }
    return l;
  }

  /** Reads every target's tags (recording what each names) and learns the images they point at. */
  async discover(): Promise<void> {
    await Promise.all(
      this.o.targets.map(async (t) => {
        const images = new Map<string, Descriptor>();
        await forEachLimit(t.tagsToRead(), LOOKUPS_AT_ONCE, async (tag) => {
          const m = await t.sink.getManifest(tag);
          if (t.hasTag(tag)) t.existing.set(tag, m);
          if (!m) return;
          const parsed = parseManifest(m.bytes);
          if (isIndex(parsed)) {
            for (const d of parsed.manifests)
              if (MANIFEST_TYPES.includes(d.mediaType)) images.set(d.digest, d);
          } else if (parsed)
            images.set(m.digest, { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
        });
        await forEachLimit([...images.values()], LOOKUPS_AT_ONCE, (d) => this.learn(t, d));
      }),
    );
    const found = this.known.length;
    if (found)
      this.o.log.info(
        `targets hold ${found} image${found === 1 ? '' : 's'} under our tags, with ${this.layers.size} known layer${this.layers.size === 1 ? '' : 's'}`,
      );
  }

  /** One image of a target: its layers' blobs become candidates (in our compression only). */
  async learn(target: TargetState, d: Descriptor): Promise<void> {
    const sink = target.sink;
    try {
      const manifest = await sink.getManifest(d.digest);
      const parsed = manifest && parseManifest(manifest.bytes);
      if (!manifest || !parsed || isIndex(parsed)) return;
      const configBytes = await readAll(await sink.openBlob(parsed.config.digest), MAX_CONFIG, 'config');
      if (sha256Digest(configBytes) !== parsed.config.digest) return;
      const config = parseConfig(configBytes, `${sink.ref}@${d.digest}`);
      if (config.rootfs.diff_ids.length !== parsed.layers.length) return;
      for (const [i, l] of parsed.layers.entries())
        if (layerCompression(l.mediaType) === this.o.compression)
          this.candidate(config.rootfs.diff_ids[i]!, l).holders.add(target);
      this.known.push({ target, descriptor: d, manifest, parsed, configBytes, config });
    } catch (e) {
      // Another tool's artefact, or a blob gone: nothing to learn from it.
      this.o.log.debug(`${sink.ref}: skipping ${d.digest} in discovery: ${(e as Error).message}`);
    }
  }

  /** The candidate for this blob of the layer (made, with no holders, if it is new). */
  candidate(diffId: string, blob: BlobInfo): Candidate {
    const candidates = this.layer(diffId).candidates;
    let c = candidates.get(blob.digest);
    if (!c) {
      c = { digest: blob.digest, size: blob.size, holders: new Set() };
      candidates.set(blob.digest, c);
    }
    return c;
  }

  /** A blob for the layer that some target holds (asking the others); undefined if none does. */
  satisfiable(diffId: string): Promise<Candidate | undefined> {
    const info = this.layer(diffId);
    info.satisfiable ??= (async () => {
      const cached = this.o.cache?.get(diffId, this.o.compression);
      if (cached) this.candidate(diffId, cached);
      const ranked = [...info.candidates.values()].sort((a, b) => b.holders.size - a.holders.size);
      for (const c of ranked) {
        // Ask the targets we know nothing about (only the cache named this blob, or it was seen elsewhere).
        await Promise.all(
          this.o.targets.map(async (t) => {
            if (c.holders.has(t)) return;
            const size = await t.sink.blobSize(c.digest).catch(() => undefined);
            if (size === c.size) c.holders.add(t);
          }),
        );
        if (c.holders.size > 0) return c;
      }
      return undefined;
    })();
    return info.satisfiable;
  }

  /** The layer as compressed in this run, if it was (or is being). */
  local(diffId: string): LocalLayer | undefined {
    return this.layers.get(diffId)?.local;
  }

  setLocal(diffId: string, local: LocalLayer | undefined): void {
    this.layer(diffId).local = local;
  }

  /** Some known image records the sha256 of its archive: archives can be recognised without reading. */
  recognisable(): boolean {
    return this.known.some((k) => k.descriptor.annotations?.[ARCHIVE_ANNOTATION]);
  }

  /** The known images made from the archive with this sha256, in these media types. */
  publishedFrom(archiveSha256: string, types: MediaTypes): KnownImage[] {
    return this.known.filter(
      (k) =>
        k.descriptor.annotations?.[ARCHIVE_ANNOTATION] === archiveSha256 &&
        k.manifest.mediaType === types.manifest &&
        k.parsed.config.mediaType === types.config &&
        k.parsed.layers.every((l) => l.mediaType === types.layer),
    );
  }
}
