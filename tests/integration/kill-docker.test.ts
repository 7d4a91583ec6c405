// docker-multiarch killed with SIGKILL at seeded random points — when the registry proxy receives request k
// of the run, or when a blob chunk's body has passed b bytes — then run again: the re-run completes, and
// the end state is the clean run's exactly (per repository, two on one registry: every tag → digest, every
// manifest and blob read back and checked against its digest; the oci-layout directory: every file's
// sha256, temp files included). The registry guard watches both runs (no manifest, index or tag written
// while something it names is missing), and the layout the kill left is checked the same way: every tag
// of its index.json names a manifest whose blobs are all there. RELENG_KILL_SEED / RELENG_KILL_POINTS
// override the seed and the number of points.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DockerBench, type DockerLane, startDockerBench } from '../helpers/docker-under-guard.js';
import { expectRerunToClean } from '../helpers/fault-cases.js';
import {
  type KillPoint,
  killPoints,
  killRow,
  killSettings,
  killSwitch,
  killTable,
  longBodies,
} from '../helpers/kill-points.js';

const { seed, count } = killSettings(2611);
let bench: DockerBench;
let clean: { state: Record<string, string>; requests: number };
let points: KillPoint[] = [];
const lanes: DockerLane[] = [];
const rows: string[] = [];

/** A request's identity across runs (repository names and upload ids differ): method, kind, body size. */
function identity(method: string, url: string, length: string | undefined): string {
  const p = new URL(url, 'http://x').pathname;
  const kind = /\/blobs\/uploads\/./.test(p)
    ? 'blob-upload'
    : /\/blobs\/uploads\/$/.test(p)
      ? 'blob-upload-start'
      : /\/manifests\//.test(p)
        ? 'manifest'
        : /\/blobs\//.test(p)
          ? 'blob'
          : p;
  return `${method} ${kind}${length ? `:${length}` : ''}`;
}

/** Every problem a reader of the layout would meet: a tag naming a manifest, or a manifest naming a blob, that is not there. */
function layoutDangling(dir: string): string[] {
  const blob = (d: string) => path.join(dir, 'blobs', 'sha256', d.replace(/^sha256:/, ''));
  const index = path.join(dir, 'index.json');
  if (!fs.existsSync(index)) return [];
  const problems: string[] = [];
  const walk = (d: string, from: string) => {
    if (!fs.existsSync(blob(d))) {
      problems.push(`${from} names ${d}, which is missing`);
      return;
    }
    const doc = JSON.parse(fs.readFileSync(blob(d), 'utf8')) as {
      manifests?: { digest: string }[];
      config?: { digest: string };
      layers?: { digest: string }[];
    };
    for (const m of doc.manifests ?? []) walk(m.digest, d);
    for (const b of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])])
      if (!fs.existsSync(blob(b.digest))) problems.push(`${d} names blob ${b.digest}, which is missing`);
  };
  const idx = JSON.parse(fs.readFileSync(index, 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  for (const m of idx.manifests)
    walk(m.digest, `tag ${m.annotations?.['org.opencontainers.image.ref.name'] ?? '?'}`);
  return problems;
}

beforeAll(async () => {
  console.log(`kill points: RELENG_KILL_SEED=${seed} RELENG_KILL_POINTS=${count}`);
  bench = await startDockerBench('token');
  const lane = await bench.lane('clean', [], { mirror: true, layout: true });
  lanes.push(lane);
  const r = await lane.run();
  if (r.status !== 0) throw new Error(`the clean run failed: ${r.stderr}`);
  clean = { state: await lane.state(), requests: lane.proxy.exchanges.length };
  points = killPoints(seed, count, clean.requests, longBodies(lane.proxy.exchanges, identity));
}, 120_000);

afterAll(async () => {
  for (const l of lanes) await l.close();
  await bench?.stop();
  if (rows.length) console.log(killTable(seed, points.length, clean.requests, rows));
});

describe(`docker-multiarch killed at ${count} seeded points (RELENG_KILL_SEED=${seed})`, () => {
  test('the clean run: two repositories and a layout, each with its three tags', () => {
    for (const prefix of ['0:', '1:'])
      expect(Object.keys(clean.state).filter((k) => k.startsWith(`${prefix}tag:`))).toEqual([
        `${prefix}tag:2.93`,
        `${prefix}tag:2.93.0`,
        `${prefix}tag:latest`,
      ]);
    expect(clean.state['layout:index.json']).toBeDefined();
    expect(layoutDangling(lanes[0]!.layoutDir!)).toEqual([]);
    expect(lanes[0]!.violations()).toEqual([]);
    expect(lanes[0]!.guard.checked).toBe(12);
    expect(points).toHaveLength(count);
  });

  test.each(Array.from({ length: count }, (_, i) => i))(
    'kill point %i, then a re-run to the clean state',
    async (i) => {
      const point = points[i]!;
      const ks = killSwitch(point, (req) =>
        identity(req.method ?? '', req.url ?? '', req.headers['content-length']),
      );
      const lane = await bench.lane(`k${i}`, [], {
        mirror: true,
        layout: true,
        onRequest: ks.onRequest,
      });
      lanes.push(lane);
      const first = await lane.run(ks.attach);
      ks.disarm();
      // A point past the end of this run's sequence (runs differ a little in order) lets it finish.
      if (ks.killedAt) expect(first.signal, first.stderr).toBe('SIGKILL');
      else expect(first.status, first.stderr).toBe(0);
      const killedRequests = lane.proxy.exchanges.length;
      expect(layoutDangling(lane.layoutDir!), 'the layout as the kill left it').toEqual([]);

      await expectRerunToClean(lane, clean.state);
      rows.push(killRow(i, point, ks.killedAt, killedRequests, lane.proxy.exchanges.length - killedRequests));
    },
    120_000,
  );
});
