/**
 * The last step of a push: the index by digest on every target, then the `{version}` tags on every
 * target, then the pointer tags — so no tag ever names something missing. A `{version}` tag that names a
 * different release is refused before anything is written (unless `force`); one that names an equivalent
 * index (the same images, only the archive hashes differ) keeps it.
 */
import { RelengErrors } from '../errors.js';
import type { Logger } from '../log.js';
import { sha256Digest, shortDigest } from './digest.js';
import { sameRelease } from './image.js';
import type { TargetReport, TargetState } from './target-state.js';

export interface PublishIndexOptions {
  targets: TargetState[];
  /** The index built for this run. */
  index: Buffer;
  /** The index's media type. */
  mediaType: string;
  /** Of the images, for the report. */
  platforms: string[];
  force: boolean;
  dryRun: boolean;
  /** A dry run that did not compress every layer: the index digest is not known. */
  inexact: boolean;
  log: Logger;
}

export async function publishIndex(o: PublishIndexOptions): Promise<TargetReport[]> {
  const platforms = [...o.platforms].sort();
  if (o.inexact) {
    o.log.info('dry run: some layers were not compressed, so the index digest is not known');
    return o.targets.map((t) =>
      t.report(
        '',
        t.tags.map((x) => x.name),
        platforms,
      ),
    );
  }
  const chosen = chooseIndexes(o);
  const tagsToWrite = (t: TargetState, immutable: boolean) =>
    t.tags.filter((x) => x.immutable === immutable && t.named(x.name) !== chosen.get(t)!.digest);
  const written = new Map(o.targets.map((t) => [t, [] as string[]]));
  if (o.dryRun)
    for (const t of o.targets)
      written.get(t)!.push(...[true, false].flatMap((im) => tagsToWrite(t, im).map((x) => x.name)));
  else {
    await Promise.all(
      o.targets.map(async (t) => {
        const c = chosen.get(t)!;
        if (!(await t.sink.hasManifest(c.digest))) await t.sink.putManifest(c.digest, c.bytes, o.mediaType);
      }),
    );
    for (const immutable of [true, false])
      await Promise.all(
        o.targets.map(async (t) => {
          for (const tag of tagsToWrite(t, immutable)) {
            await t.sink.putManifest(tag.name, chosen.get(t)!.bytes, o.mediaType);
            written.get(t)!.push(tag.name);
          }
        }),
      );
  }
  return o.targets.map((t) => t.report(chosen.get(t)!.digest, written.get(t)!, platforms));
}

/**
 * Which index each target gets: ours, or the equivalent one a `{version}` tag already names. Throws,
 * naming every such tag, when one names a different release and `force` is not given.
 */
function chooseIndexes(o: PublishIndexOptions): Map<TargetState, { bytes: Buffer; digest: string }> {
  const digest = sha256Digest(o.index);
  const problems: string[] = [];
  const chosen = new Map(
    o.targets.map((t) => {
      let bytes = o.index;
      for (const tag of t.tags.filter((x) => x.immutable)) {
        const old = t.existing.get(tag.name);
        if (!old || old.digest === digest) continue;
        if (sameRelease(old.bytes, o.index)) bytes = old.bytes;
        else if (!o.force)
          problems.push(
            `${t.ref}:${tag.name} already names ${shortDigest(old.digest)}, a different release than this one (${shortDigest(digest)}); versioned tags are immutable — bump the version, or pass force to move it`,
          );
      }
      return [t, { bytes, digest: sha256Digest(bytes) }];
    }),
  );
  if (problems.length) throw new RelengErrors('refusing to move versioned tags', problems);
  return chosen;
}
