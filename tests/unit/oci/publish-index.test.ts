import { describe, expect, test } from 'vitest';
import { RelengErrors } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { sha256Digest } from '../../../src/oci/digest.js';
import { buildIndex } from '../../../src/oci/image.js';
import { mediaTypes, OCI } from '../../../src/oci/media-types.js';
import { type PublishIndexOptions, publishIndex } from '../../../src/oci/publish-index.js';
import { TargetState } from '../../../src/oci/target-state.js';
import { MemorySink } from '../../helpers/memory-sink.js';

const types = mediaTypes('oci', 'gzip');
const TAGS = [
  { name: '2.93.0', immutable: true },
  { name: '2.93', immutable: false },
  { name: 'latest', immutable: false },
];
const manifest = (n: number) => ({ mediaType: OCI.manifest, digest: sha256Digest(`m${n}`), size: 10 });
const index = (m: number, archive = 'a') =>
  buildIndex(
    types,
    [
      {
        manifest: manifest(m),
        platform: { architecture: 'amd64', os: 'linux' },
        labels: {},
        archiveSha256: archive,
      },
    ],
    { annotations: {}, descriptorAnnotations: false },
  );

function options(targets: TargetState[], extra: Partial<PublishIndexOptions> = {}): PublishIndexOptions {
  return {
    targets,
    index: index(1),
    mediaType: types.index,
    platforms: ['linux/amd64'],
    force: false,
    dryRun: false,
    inexact: false,
    log: silentLogger,
    ...extra,
  };
}

async function target(repo: string, tagged: Record<string, Buffer> = {}): Promise<TargetState> {
  const sink = new MemorySink(repo, 'reg.test');
  const t = new TargetState(sink, TAGS);
  for (const [tag, bytes] of Object.entries(tagged)) {
    await sink.putManifest(tag, bytes, types.index);
    t.existing.set(tag, { digest: sha256Digest(bytes), mediaType: types.index, bytes });
  }
  sink.calls.length = 0;
  return t;
}

describe('publishIndex', () => {
  test('the index by digest on every target, then the versioned tags everywhere, then the pointers', async () => {
    const [a, b] = [await target('a'), await target('b', { '2.93': index(1) })];
    const order: string[] = [];
    for (const t of [a, b]) {
      const put = t.sink.putManifest.bind(t.sink);
      t.sink.putManifest = (ref, bytes, type) => {
        order.push(`${t.ref.split('/').pop()} ${ref.startsWith('sha256:') ? 'index' : ref}`);
        return put(ref, bytes, type);
      };
    }
    const reports = await publishIndex(options([a, b]));
    // b holds the index already (its 2.93 names it): neither it nor that tag is written again.
    expect(order[0]).toBe('a index');
    expect(order.slice(1, 3).sort()).toEqual(['a 2.93.0', 'b 2.93.0']);
    expect(order.slice(3).sort()).toEqual(['a 2.93', 'a latest', 'b latest']);
    expect(reports.map((r) => [r.ref, r.digest, r.tagsWritten])).toEqual([
      ['reg.test/a', sha256Digest(index(1)), ['2.93.0', '2.93', 'latest']],
      ['reg.test/b', sha256Digest(index(1)), ['2.93.0', 'latest']],
    ]);
  });

  test('a versioned tag naming another release is refused, every such tag named, nothing written', async () => {
    const a = await target('a', { '2.93.0': index(2) });
    const b = await target('b', { '2.93.0': index(3) });
    const err = await publishIndex(options([a, b])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RelengErrors);
    expect((err as RelengErrors).problems).toHaveLength(2);
    expect((err as RelengErrors).problems[0]).toMatch(
      /reg\.test\/a:2\.93\.0 already names sha256:[0-9a-f]{12}, a different release .*pass force to move it/,
    );
    for (const t of [a, b]) expect((t.sink as MemorySink).calls).toEqual([]);
    // force moves it.
    const forced = await publishIndex(options([a], { force: true }));
    expect((a.sink as MemorySink).tags.get('2.93.0')).toBe(forced[0]!.digest);
  });

  test('an equivalent index (only the archive hashes differ) is kept, tags and all', async () => {
    const before = index(1, 'older-archive');
    const t = await target('a', { '2.93.0': before, '2.93': before, latest: before });
    const [r] = await publishIndex(options([t]));
    expect(r!.digest).toBe(sha256Digest(before));
    expect(r!.tagsWritten).toEqual([]);
  });

  test('a dry run writes nothing and reports the tags a run would write; an inexact one all of them', async () => {
    const t = await target('a', { latest: index(1) });
    const [dry] = await publishIndex(options([t], { dryRun: true }));
    expect(dry!.tagsWritten).toEqual(['2.93.0', '2.93']);
    const [inexact] = await publishIndex(options([t], { dryRun: true, inexact: true }));
    expect([inexact!.digest, inexact!.tagsWritten]).toEqual(['', ['2.93.0', '2.93', 'latest']]);
    expect((t.sink as MemorySink).calls).toEqual([]);
  });
});
