// publish killed with SIGKILL at seeded random points — when the S3 proxy receives request k of the run,
// or when an upload's body has passed b bytes — then run again: the re-run completes, and the end state is
// byte for byte the clean run's (every object's bytes and stored sha256, the remote's tag). The ordering
// guard watches both runs: at no moment did a reader see a narinfo, pointer, index or tag pointing at
// something missing. RELENG_KILL_SEED / RELENG_KILL_POINTS override the seed and the number of points.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
import { type Bench, type Lane, startBench } from '../helpers/publish-under-guard.js';

const { seed, count } = killSettings(2608);
let bench: Bench;
let clean: { objects: Record<string, string>; refs: string; requests: number };
let points: KillPoint[] = [];
const lanes: Lane[] = [];
const rows: string[] = [];

/** A request's identity across runs: method, path, and the part number of a multipart part. */
function identity(method: string, url: string): string {
  const u = new URL(url, 'http://x');
  const part = u.searchParams.get('partNumber');
  return `${method} ${u.pathname.replace(/^\/([^/]+)\/[^/]+\//, '/$1/')}${part ? `?partNumber=${part}` : ''}`;
}

beforeAll(async () => {
  console.log(`kill points: RELENG_KILL_SEED=${seed} RELENG_KILL_POINTS=${count}`);
  bench = await startBench();
  const lane = await bench.lane('clean');
  lanes.push(lane);
  const r = await lane.run();
  if (r.status !== 0) throw new Error(`the clean run failed: ${r.stderr}`);
  clean = { ...(await lane.state()), requests: lane.proxy.exchanges.length };
  points = killPoints(seed, count, clean.requests, longBodies(lane.proxy.exchanges, identity));
}, 60_000);

afterAll(async () => {
  for (const l of lanes) await l.close();
  await bench?.stop();
  if (rows.length) console.log(killTable(seed, points.length, clean.requests, rows));
});

describe(`publish killed at ${count} seeded points (RELENG_KILL_SEED=${seed})`, () => {
  test('the clean run', () => {
    expect(clean.refs).toMatch(/^refs\/tags\/\S+ = checkout$/);
    expect(points).toHaveLength(count);
  });

  test.each(Array.from({ length: count }, (_, i) => i))(
    'kill point %i, then a re-run to the clean state',
    async (i) => {
      const point = points[i]!;
      const ks = killSwitch(point, (req) => identity(req.method ?? '', req.url ?? ''));
      const lane = await bench.lane(`k${i}`, [], {
        onRequest: ks.onRequest,
      });
      lanes.push(lane);
      const first = await lane.run(ks.attach);
      ks.disarm();
      // A point past the end of this run's sequence (runs differ a little in order) lets it finish.
      if (ks.killedAt) expect(first.signal, first.stderr).toBe('SIGKILL');
      else expect(first.status, first.stderr).toBe(0);
      const killedRequests = lane.proxy.exchanges.length;

      await expectRerunToClean(lane, { objects: clean.objects, refs: clean.refs });
      rows.push(killRow(i, point, ks.killedAt, killedRequests, lane.proxy.exchanges.length - killedRequests));
    },
    120_000,
  );
});
