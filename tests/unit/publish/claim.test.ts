// src/publish/claim.ts: the release's claim, the one write two concurrent publishes of a version race for.
import { describe, expect, test } from 'vitest';
import { claimRelease } from '../../../src/publish/claim.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { contentsOf, directoryDestination, plannedTree, sha } from '../../helpers/release-tree.js';

const V = 'demo/demo-1.0.0';
const CLAIM = { key: `${V}/.releng-claim.json`, version: '1.0.0', force: false };

const tree = plannedTree;

describe("the release's claim", () => {
  test('one small object with the digest of the whole tree, claimed ifAbsent; the same tree claims it again', async () => {
    const d = directoryDestination('releases');
    // An artifacts dir's files are hashed for it (and keep the sha256 for their upload).
    const objects = [
      ...tree({ [`${V}/a`]: 'a', [`${V}/b`]: 'bb' }, 'upload', true),
      ...tree({ [`${V}/c`]: 'c' }, 'skip'),
    ];
    await claimRelease(d.sink, CLAIM, objects);
    expect(objects.map((o) => o.sha256)).toEqual([sha('a'), sha('bb'), sha('c')]);
    const digest = sha(`${sha('a')} 1 ${V}/a\n${sha('bb')} 2 ${V}/b\n${sha('c')} 1 ${V}/c\n`);
    const claimText = `${JSON.stringify({ schema: 1, version: '1.0.0', tree: digest })}\n`;
    expect(contentsOf(d)).toEqual({ [CLAIM.key]: claimText });
    // A resume, or the same release published twice at once: ours.
    await claimRelease(d.sink, CLAIM, tree({ [`${V}/a`]: 'a', [`${V}/b`]: 'bb', [`${V}/c`]: 'c' }, 'upload'));
    expect(contentsOf(d)).toEqual({ [CLAIM.key]: claimText });
  });

  test('another tree is refused in one line, naming the claim and what to do; force takes it over', async () => {
    const d = directoryDestination('releases');
    await claimRelease(d.sink, CLAIM, tree({ [`${V}/a`]: 'theirs' }));
    const theirs = contentsOf(d);
    const ours = tree({ [`${V}/a`]: 'ours!!' });
    await expect(claimRelease(d.sink, CLAIM, ours)).rejects.toThrow(
      new RegExp(
        `^${d.location}/${V}/\\.releng-claim\\.json was written by a concurrent publish with different content \\(another run publishes 1\\.0\\.0 with other files, or one that was stopped did\\); nothing of this run's tree was written — .*force: true replaces that run's bytes with these\\)$`,
      ),
    );
    expect(contentsOf(d)).toEqual(theirs);
    await claimRelease(d.sink, { ...CLAIM, force: true }, ours);
    expect(contentsOf(d)).not.toEqual(theirs);
  });

  test('nothing to write (a re-run after success): no request at all', async () => {
    const store = new MemoryStore();
    await claimRelease(store, CLAIM, tree({ [`${V}/a`]: 'a' }, 'skip'));
    expect(store.calls).toEqual([]);
  });

  test('the claim is a claim (ifAbsent) unless force', async () => {
    const store = new MemoryStore();
    await claimRelease(store, CLAIM, tree({ [`${V}/a`]: 'a' }));
    expect(store.putOptions.get(CLAIM.key)?.ifAbsent).toBe(true);
    await claimRelease(store, { ...CLAIM, force: true }, tree({ [`${V}/a`]: 'a' }));
    expect(store.putOptions.get(CLAIM.key)?.ifAbsent).toBeUndefined();
  });

  test('a server that ignores If-None-Match (Garage, s3rver) lets the last claim win: the other run finds it replaced', async () => {
    // MemoryStore, like those servers, writes whatever it is sent.
    const store = new MemoryStore();
    const a = await claimRelease(store, CLAIM, tree({ [`${V}/a`]: 'build A' }));
    const b = await claimRelease(store, CLAIM, tree({ [`${V}/a`]: 'build B' }));
    await b!.confirm();
    await expect(a!.confirm()).rejects.toThrow(
      new RegExp(
        `^mem://bucket/${V}/\\.releng-claim\\.json was replaced by a concurrent publish of 1\\.0\\.0 with different content \\(this server does not honour If-None-Match\\); no pointer was moved and no index written by this run — .*\\)$`,
      ),
    );
  }, 20_000);
});
