/**
 * One target of a push (go-containerregistry's per-repository writer): its sink and tags, what those tags
 * name before we write (read once, in discovery), and what was sent to it — for the report.
 */
import type { ImageSink, StoredManifest } from './image-sink.js';

export interface PushTag {
  name: string;
  /** `{version}` tags: never moved to a different release without `force`. */
  immutable: boolean;
}

export interface TargetStats {
  blobsSent: number;
  bytesSent: number;
  blobsSkipped: number;
  bytesSkipped: number;
  blobsMounted: number;
}

export interface TargetReport extends TargetStats {
  ref: string;
  digest: string;
  tags: string[];
  /** Tags whose pointer changed (or would, in a dry run). */
  tagsWritten: string[];
  platforms: string[];
}

export class TargetState {
  readonly stats: TargetStats = {
    blobsSent: 0,
    bytesSent: 0,
    blobsSkipped: 0,
    bytesSkipped: 0,
    blobsMounted: 0,
  };
  /** Each of our tags → the manifest it names now (undefined: the tag does not exist). */
  readonly existing = new Map<string, StoredManifest | undefined>();

  constructor(
    readonly sink: ImageSink,
    readonly tags: PushTag[],
  ) {}

  get ref(): string {
    return this.sink.ref;
  }

  /** The tags discovery reads: ours, and `latest` (earlier runs' images are found under it too). */
  tagsToRead(): string[] {
    return [...new Set([...this.tags.map((t) => t.name), 'latest'])];
  }

  hasTag(name: string): boolean {
    return this.tags.some((t) => t.name === name);
  }

  /** Shares blob storage with `other` (one registry): a blob there can be mounted here. */
  canMountFrom(other: TargetState): boolean {
    return !!this.sink.mountKey && this.sink.mountKey === other.sink.mountKey;
  }

  /** The digest a tag named before this run, if it existed. */
  named(tag: string): string | undefined {
    return this.existing.get(tag)?.digest;
  }

  skipped(bytes: number): void {
    this.stats.blobsSkipped++;
    this.stats.bytesSkipped += bytes;
  }

  report(digest: string, tagsWritten: string[], platforms: string[]): TargetReport {
    return {
      ref: this.ref,
      digest,
      tags: this.tags.map((t) => t.name),
      tagsWritten,
      platforms,
      ...this.stats,
    };
  }
}

/**
 * The targets in groups that share blob storage (one registry; every layout is its own): a layer is
 * uploaded once per group and mounted into the group's other repositories.
 */
export function storageGroups(targets: TargetState[]): TargetState[][] {
  const groups = new Map<string | TargetState, TargetState[]>();
  for (const t of targets) {
    const key = t.sink.mountKey ?? t;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()];
}
