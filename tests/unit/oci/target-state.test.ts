import { describe, expect, test } from 'vitest';
import { storageGroups, TargetState } from '../../../src/oci/target-state.js';
import { MemorySink } from '../../helpers/memory-sink.js';

const TAGS = [
  { name: '2.93.0', immutable: true },
  { name: '2.93', immutable: false },
];

describe('TargetState', () => {
  test('discovery reads our tags and latest, once each', () => {
    expect(new TargetState(new MemorySink('a'), TAGS).tagsToRead()).toEqual(['2.93.0', '2.93', 'latest']);
    const withLatest = new TargetState(new MemorySink('a'), [...TAGS, { name: 'latest', immutable: false }]);
    expect(withLatest.tagsToRead()).toEqual(['2.93.0', '2.93', 'latest']);
    expect(withLatest.hasTag('latest')).toBe(true);
  });

  test('blobs mount between repositories of one registry only', () => {
    const a = new TargetState(new MemorySink('org/a', 'reg.test'), TAGS);
    const b = new TargetState(new MemorySink('org/b', 'reg.test'), TAGS);
    const other = new TargetState(new MemorySink('org/a', 'other.test'), TAGS);
    const layout = new TargetState(new MemorySink('layout'), TAGS);
    expect(a.canMountFrom(b)).toBe(true);
    expect(a.canMountFrom(other)).toBe(false);
    expect(layout.canMountFrom(new TargetState(new MemorySink('layout2'), TAGS))).toBe(false);
    expect(storageGroups([a, other, b, layout])).toEqual([[a, b], [other], [layout]]);
  });

  test('the report: what the tags named, what was written, the counters', () => {
    const t = new TargetState(new MemorySink('org/a', 'reg.test'), TAGS);
    t.existing.set('2.93.0', { digest: 'sha256:old', mediaType: 'x', bytes: Buffer.alloc(0) });
    t.existing.set('2.93', undefined);
    t.skipped(100);
    t.stats.blobsSent = 2;
    expect(t.named('2.93.0')).toBe('sha256:old');
    expect(t.named('2.93')).toBeUndefined();
    expect(t.report('sha256:new', ['2.93'], ['linux/amd64'])).toEqual({
      ref: 'reg.test/org/a',
      digest: 'sha256:new',
      tags: ['2.93.0', '2.93'],
      tagsWritten: ['2.93'],
      platforms: ['linux/amd64'],
      blobsSent: 2,
      bytesSent: 0,
      blobsSkipped: 1,
      bytesSkipped: 100,
      blobsMounted: 0,
    });
  });
});
