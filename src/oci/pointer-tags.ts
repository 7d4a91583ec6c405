/**
 * The pointer phase of the registries (publish runs it last, after the cache, the release tree and the
 * manual): `{major}` tags, literal tags and `latest` are pointed at the index that each target's
 * `{version}` tag names — never at anything else, and only as the policy (the maintenance rule) allows.
 *   1. the targets, their tags and logins (registry-targets.ts);
 *   2. every target's `{version}` tag read: it must exist, name one index (all `{version}` tags of a
 *      target agree), and, when the caller says which, the index this release published — otherwise
 *      nothing moves anywhere;
 *   3. each allowed pointer that names something else is PUT with the same bytes; the others are held.
 * Idempotent: a re-run moves nothing that already points there.
 */
import { RelengErrors } from '../errors.js';
import type { Logger } from '../log.js';
import type { RegistryTuning } from '../tuning.js';
import { shortDigest } from './digest.js';
import type { ImageSink, StoredManifest } from './image-sink.js';
import {
  allowedTags,
  checkInsecureRegistries,
  type PointerPolicy,
  type RegistryCredentials,
  type RegistryTarget,
  resolveTargets,
  sinkFactory,
  type TargetTag,
} from './registry-targets.js';

export interface MovePointersOptions {
  targets: RegistryTarget[];
  version: string;
  /** Which pointers may move: the maintenance rule's answer. */
  policy: PointerPolicy;
  /** target ref → the index digest the docker step published; each `{version}` tag must name it. */
  digests?: Record<string, string>;
  /** The `username`/`password` inputs: for the registry targets without a login of their own. */
  credentials?: RegistryCredentials;
  insecureRegistries?: string[];
  /** Relative `oci-layout:` targets are resolved here; default: the process's cwd. */
  dir?: string;
  /** Where login files and `{env: NAME}` logins are read; default process.env. */
  processEnv?: NodeJS.ProcessEnv;
  tuning?: RegistryTuning;
  /** Read and report, write nothing. */
  dryRun?: boolean;
  /**
   * The images were pushed before, or not at all (publish's `skip: docker`): a target without its
   * `{version}` tag has nothing to point at and is left alone, with a warning.
   */
  pushedBefore?: boolean;
  log: Logger;
}

export interface PointerReport {
  ref: string;
  /** The index the `{version}` tag names (what the pointers now name). */
  digest: string;
  /** Pointers written (or that would be, in a dry run). */
  moved: string[];
  /** Pointers that already named it. */
  unchanged: string[];
  /** Pointers the policy keeps where they are. */
  held: string[];
}

interface Anchor {
  sink: ImageSink;
  ref: string;
  /** What the `{version}` tag names (absent only in a dry run before the images are pushed). */
  index?: StoredManifest;
  pointers: TargetTag[];
  held: string[];
}

export async function movePointerTags(o: MovePointersOptions): Promise<PointerReport[]> {
  const log = o.log;
  checkInsecureRegistries(o.insecureRegistries ?? []);
  const targets = resolveTargets(o.targets, o.version, o.dir ?? process.cwd());
  const sinks = sinkFactory(targets, o.credentials, log, {
    insecureRegistries: o.insecureRegistries,
    processEnv: o.processEnv,
    timeoutMs: o.tuning?.timeout,
  });
  try {
    // 2. Every target's {version} tag, before any pointer moves.
    const problems: string[] = [];
    const anchors = await Promise.all(
      targets.map(async (t): Promise<Anchor | undefined> => {
        const sink = sinks.sink(t.ref);
        try {
          await sink.open({ create: false });
          const named = await Promise.all(
            t.tags
              .filter((x) => x.kind === 'version')
              .map(async (x) => ({ tag: x.name, m: await sink.getManifest(x.name) })),
          );
          const missing = named.filter((n) => !n.m);
          const allowed = allowedTags(t, o.policy).filter((x) => x.kind !== 'version');
          const held = t.tags.filter((x) => x.kind !== 'version' && !allowed.includes(x)).map((x) => x.name);
          // A dry run before the images are pushed: the pointers would follow the {version} tag it pushes.
          if (missing.length && o.pushedBefore) {
            log.warning(
              `${t.ref.ref}:${missing.map((n) => n.tag).join(', ')} does not exist: its pointers stay (run docker-multiarch first to move them)`,
            );
            const all = t.tags.filter((x) => x.kind !== 'version').map((x) => x.name);
            return { sink, ref: t.ref.ref, pointers: [], held: all };
          }
          if (missing.length && o.dryRun) return { sink, ref: t.ref.ref, pointers: allowed, held };
          if (missing.length) {
            problems.push(
              `${t.ref.ref}:${missing.map((n) => n.tag).join(', ')} does not exist; publish the images of ${o.version} first (pointers only follow a published {version} tag)`,
            );
            return undefined;
          }
          const index = named[0]!.m!;
          const other = named.find((n) => n.m!.digest !== index.digest);
          if (other)
            problems.push(
              `${t.ref.ref}: ${named[0]!.tag} names ${shortDigest(index.digest)} but ${other.tag} names ${shortDigest(other.m!.digest)}; the {version} tags disagree`,
            );
          const expected = o.digests?.[t.ref.ref];
          if (expected && expected !== index.digest)
            problems.push(
              `${t.ref.ref}:${named[0]!.tag} names ${shortDigest(index.digest)}, not the index this release published (${shortDigest(expected)})`,
            );
          return { sink, ref: t.ref.ref, index, pointers: allowed, held };
        } catch (e) {
          problems.push(e instanceof Error ? e.message : String(e));
          return undefined;
        }
      }),
    );
    if (problems.length) throw new RelengErrors('cannot move the pointer tags; none was moved', problems);

    // 3. The pointers, each PUT with the bytes of the index its {version} tag names.
    return await Promise.all(
      (anchors as Anchor[]).map(async (a) => {
        const digest = a.index?.digest ?? '';
        const report: PointerReport = { ref: a.ref, digest, moved: [], unchanged: [], held: a.held };
        for (const p of a.pointers) {
          if (a.index && (await a.sink.getManifest(p.name))?.digest === digest) {
            report.unchanged.push(p.name);
            continue;
          }
          if (!o.dryRun && a.index) await a.sink.putManifest(p.name, a.index.bytes, a.index.mediaType);
          report.moved.push(p.name);
        }
        log.info(
          `${a.ref}: ${o.dryRun ? 'would move' : 'moved'} ${report.moved.join(', ') || 'no pointer'}${digest ? ` to ${shortDigest(digest)}` : ''}${report.held.length ? `; held: ${report.held.join(', ')}` : ''}`,
        );
        return report;
      }),
    );
  } finally {
    await sinks.close();
  }
}
