// src/publish/execute.ts: the plan carried out in order, deciding nothing again — directory sinks, a real
// git remote, a stand-in docker step and forge.
import { describe, expect, test } from 'vitest';
import type { ForgeClient, ForgeRelease } from '../../../src/forge/client.js';
import { Git } from '../../../src/git/git.js';
import { silentLogger } from '../../../src/log.js';
import type { DockerStep } from '../../../src/publish/docker.js';
import { type Execution, execute } from '../../../src/publish/execute.js';
import type { GitPlan } from '../../../src/publish/git-steps.js';
import { newStep, type PlannedObject } from '../../../src/publish/plan.js';
import type { Sink } from '../../../src/storage/sink.js';
import { git, makeBareRemote, makeRepo } from '../../helpers/git.js';
import { contentsOf, directoryDestination, sha, treeFiles } from '../../helpers/release-tree.js';

/** Records every write and delete of a sink, in order, into `log`. */
function recorded<S extends Sink>(sink: S, log: string[]): S {
  const { put, putBytes, delete: del } = sink;
  sink.put = (key, file, o) => {
    log.push(`put ${key}`);
    return put.call(sink, key, file, o);
  };
  sink.putBytes = (key, bytes, o) => {
    log.push(`put ${key}`);
    return putBytes.call(sink, key, bytes, o);
  };
  sink.delete = (keys) => {
    log.push(...keys.map((k) => `delete ${k}`));
    return del.call(sink, keys);
  };
  return sink;
}

function objects(dest: 'releases' | 'docs', files: Record<string, string>, action: PlannedObject['action']) {
  return treeFiles(files).map(
    (f): PlannedObject => ({
      dest,
      key: f.path,
      size: f.size,
      sha256: f.sha256,
      source: f.source,
      kind: 'versioned',
      action,
    }),
  );
}

const base = (): Omit<Execution, 'writes'> => ({ force: false, concurrency: 4, log: silentLogger });

describe('execute', () => {
  test('docker, then each group written and its stale objects deleted, the index, the pointers, the image pointers — in that order', async () => {
    const order: string[] = [];
    const releases = directoryDestination('releases');
    const docs = directoryDestination('docs', { 'manual/demo/1.0/stale.html': 'old' });
    recorded(releases.sink, order);
    recorded(docs.sink, order);
    const tree = objects('releases', { 'demo/demo-1.0/a.tar.gz': 'aaaa', 'demo/demo-1.0/b': 'b' }, 'upload');
    const there = objects('releases', { 'demo/demo-1.0/c': 'c' }, 'skip');
    const pages = [
      ...objects('docs', { 'manual/demo/1.0/index.html': 'page' }, 'replace'),
      {
        dest: 'docs' as const,
        key: 'manual/demo/1.0/stale.html',
        size: 3,
        sha256: '',
        kind: 'pointer' as const,
        action: 'delete' as const,
      },
    ];
    const docker: DockerStep = {
      preflight: async () => [],
      publish: async () => {
        order.push('docker');
        return { digests: { 'registry/demo': 'sha256:abc' }, tags: ['1.0'] };
      },
      movePointers: async (_r, published) => {
        order.push(`pointers after ${Object.values(published?.digests ?? {}).join()}`);
        return [];
      },
    };
    const request = {
      images: [],
      environment: { registries: [] },
      dir: '/',
      version: '1.0',
      latest: true,
      dryRun: false,
      processEnv: {},
      log: silentLogger,
    };
    const done = await execute({
      ...base(),
      docker: { step: docker, request },
      writes: [
        {
          sink: releases.sink,
          objects: [...tree, ...there],
          label: 'release tree',
          verifyPrefix: 'demo/demo-1.0/',
          claim: { key: 'demo/demo-1.0/.releng-claim.json', version: '1.0', force: false },
        },
        { sink: docs.sink, objects: pages, label: 'manual 1.0', verifyPrefix: 'manual/demo/1.0/' },
      ],
      pointers: [
        {
          sink: releases.sink,
          objects: objects('releases', { 'manifest.nix': 'root' }, 'replace'),
          label: 'pointers',
        },
      ],
      index: {
        sink: releases.sink,
        name: 'demo',
        version: '1.0',
        known: new Map(),
        verified: { releases: [...tree, ...there], install: [] },
      },
    });
    // The release's claim before its tree (bookkeeping, not tallied); largest first within a group; the
    // stale page goes after the new ones; the index with the release's objects; the pointers last, the
    // image tags after the root manifest.nix.
    expect(order).toEqual([
      'docker',
      'put demo/demo-1.0/.releng-claim.json',
      'put demo/demo-1.0/a.tar.gz',
      'put demo/demo-1.0/b',
      'put manual/demo/1.0/index.html',
      'delete manual/demo/1.0/stale.html',
      'put demo/demo-1.0/.releng-index.json',
      'put manifest.nix',
      'pointers after sha256:abc',
    ]);
    expect(done.images).toEqual([['registry/demo', 'sha256:abc']]);
    expect(done.tally).toMatchObject({ objects: 5, deleted: 1 });
    // Tallied as each write completes: the two tree files of one group in either order.
    const written = done.tally.written.map((w) => [w.dest, w.key]);
    expect(written.slice(0, 2).sort()).toEqual([
      [releases.location, 'demo/demo-1.0/a.tar.gz'],
      [releases.location, 'demo/demo-1.0/b'],
    ]);
    expect(written.slice(2)).toEqual([
      [docs.location, 'manual/demo/1.0/index.html'],
      [releases.location, 'demo/demo-1.0/.releng-index.json'],
      [releases.location, 'manifest.nix'],
    ]);
    expect(contentsOf(docs)).toEqual({ 'manual/demo/1.0/index.html': 'page' });
    const index = JSON.parse(contentsOf(releases)['demo/demo-1.0/.releng-index.json']!);
    expect(index.objects.releases['demo/demo-1.0/c']).toEqual({ size: 1, sha256: sha('c') });
  });

  test('a claim replaced while the tree was written (a server that ignores If-None-Match): no pointer moves, no index', async () => {
    const releases = directoryDestination('releases');
    const claimKey = 'demo/demo-1.0/.releng-claim.json';
    const tree = objects('releases', { 'demo/demo-1.0/a.tar.gz': 'aaaa' }, 'upload');
    const pointer = objects('releases', { 'manifest.nix': 'pointer' }, 'replace').map((o) => ({
      ...o,
      kind: 'pointer' as const,
    }));
    // Another run's claim lands while this one writes its tree (small files go up as bytes).
    const { putBytes } = releases.sink;
    releases.sink.putBytes = async (key, bytes, o) => {
      await putBytes.call(releases.sink, key, bytes, o);
      if (key !== claimKey)
        await putBytes.call(releases.sink, claimKey, Buffer.from('another run'), {
          sha256: sha('another run'),
          size: 11,
        });
    };
    await expect(
      execute({
        ...base(),
        writes: [
          {
            sink: releases.sink,
            objects: tree,
            label: 'release tree',
            claim: { key: claimKey, version: '1.0', force: false },
          },
        ],
        pointers: [{ sink: releases.sink, objects: pointer, label: 'pointers' }],
        index: {
          sink: releases.sink,
          name: 'demo',
          version: '1.0',
          known: new Map(),
          verified: { releases: tree, install: [] },
        },
      }),
    ).rejects.toThrow(
      /releng-claim\.json was replaced by a concurrent publish of 1\.0 with different content/,
    );
    expect(Object.keys(contentsOf(releases)).sort()).toEqual([claimKey, 'demo/demo-1.0/a.tar.gz']);
  }, 20_000);

  test('the tag is pushed as the plan says: with `force` decided in preflight, never decided here', async () => {
    const remote = makeBareRemote();
    const other = makeRepo({ x: 'elsewhere' });
    git(other, 'tag', '-a', '1.0', '-m', 'not ours');
    git(other, 'push', '-q', remote, 'refs/tags/1.0');
    const dir = makeRepo({ x: 'ours' });
    git(dir, 'tag', '-a', '1.0', '-m', 'ours');
    const oid = git(dir, 'rev-parse', 'refs/tags/1.0');
    const plan = (force: boolean): GitPlan => ({
      remote,
      mode: 'direct',
      tag: { oid, ref: 'refs/tags/1.0', state: 'different', remoteOid: 'x', force },
      notes: [],
      problems: [],
    });
    const g = new Git(dir, silentLogger);
    await expect(execute({ ...base(), writes: [], git: { git: g, plan: plan(false) } })).rejects.toThrow(
      /git push of refs\/tags\/1\.0 to .* was rejected/,
    );
    const done = await execute({ ...base(), writes: [], git: { git: g, plan: plan(true) } });
    expect(done.git).toEqual([['refs/tags/1.0', 'moved (force-push-tag)', remote]]);
    expect(git(remote, 'rev-parse', 'refs/tags/1.0')).toBe(oid);
  });

  test('the release page last, its step noted with what was done', async () => {
    const created: string[] = [];
    const page: ForgeRelease = {
      id: 1,
      htmlUrl: 'https://forge/r/1',
      name: '',
      body: '',
      prerelease: false,
      assets: [],
    };
    const forge: ForgeClient = {
      kind: 'github',
      repository: 'org/demo',
      linkAssets: false,
      checkAccess: async () => [],
      getByTag: async () => undefined,
      create: async (f) => {
        created.push(f.tag);
        return page;
      },
      update: async () => page,
      addLink: async () => {},
      updateLink: async () => {},
    };
    const step = newStep('release-page', { target: 'github:org/demo' });
    const content = {
      tag: '1.0',
      title: 'Demo 1.0',
      notes: undefined,
      links: [],
      extra: [],
      prerelease: false,
      latest: true,
    };
    const done = await execute({ ...base(), writes: [], page: { forge, content, step } });
    expect(created).toEqual(['1.0']);
    expect(done.page?.url).toBe('https://forge/r/1');
    expect(step.notes).toEqual(['create https://forge/r/1']);
  });
});
