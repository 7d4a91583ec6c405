// Two publishes of one version with different bytes (a re-run of the workflow while the first still
// runs, from a build that is not reproducible), at the same time, to the same directory destinations.
// Both plan "absent" before either writes (read, then write): only a write can decide. The release's
// claim (src/publish/claim.ts) is the one write they race for, then each immutable object is claimed by
// its own write (PutOptions.ifAbsent: a hard link here, If-None-Match: * on S3 — s3rver ignores that
// header, so the S3 side is proved on the wire in tests/unit/storage/s3.test.ts).
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { publish } from '../../../src/stages/publish.js';
import {
  type Built,
  buildRelease,
  makeProject,
  NAME,
  nixKey,
  publishOptions,
} from '../../helpers/publish-fixture.js';
import { contentSnapshot } from '../../helpers/snapshot.js';
import { tmpDir } from '../../helpers/tmp.js';

const VERSION = '2.93.0';
const DESTS = ['cache', 'releases', 'docs', 'install'] as const;
const key = nixKey('concurrent-cache-1');
// The same derivations (same store paths, same NARs), different tarballs, installer and files.
const builds = [buildRelease(VERSION), buildRelease(VERSION)];

function run(root: string, built: Built) {
  const environment = {
    ...Object.fromEntries(DESTS.map((d) => [d, path.join(root, d)])),
    'signing-key': { env: 'TEST_SIGNING_KEY' },
  };
  const project = makeProject(VERSION, { staging: environment });
  return publish(
    publishOptions(project.dir, {
      source: { release: built.release },
      skip: ['docker', 'tag', 'release-page'],
      noCheckGit: true,
      processEnv: { TEST_SIGNING_KEY: key.secret },
    }),
  );
}

describe('two publishes of different bytes for one version at once', () => {
  test('exactly one wins; the other fails with one line, having written none of its tree; the destination is the winner’s alone', {
    timeout: 300_000,
  }, async () => {
    const [a, b] = builds as [Built, Built];
    const tarball = (x: Built) => x.release.files.find((f) => f.path.endsWith('.tar.xz'))!.sha256;
    expect(tarball(a)).not.toBe(tarball(b));
    // What each release makes of empty destinations when it publishes alone.
    const alone = await Promise.all(
      [a, b].map(async (x) => {
        const root = tmpDir('releng-alone-');
        await run(root, x);
        return contentSnapshot(root);
      }),
    );
    for (let round = 0; round < 5; round++) {
      const root = tmpDir('releng-concurrent-');
      const results = await Promise.allSettled([run(root, a), run(root, b)]);
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason.message)] : []));
      // Before the claim each overwrote the other's files and both reported success; with per-file claims
      // alone, each could win some files and both fail.
      expect(won, `round ${round}: ${errors.join(' | ')}`).toHaveLength(1);
      expect(errors).toEqual([
        expect.stringMatching(
          new RegExp(
            `^${root}/releases/${NAME}/${NAME}-${VERSION}/\\.releng-claim\\.json was written by a concurrent publish with different content \\(another run publishes ${VERSION.replace(/\./g, '\\.')} with other files, or one that was stopped did\\); nothing of this run's tree was written — [^\\n]*force: true replaces that run's bytes with these\\)$`,
          ),
        ),
      ]);
      // Exactly what the winner makes alone: every object the winner's, nothing of the loser's, no temp file.
      expect(contentSnapshot(root)).toEqual(alone[won[0]!]);
      // The loser run again is refused at planning, naming its conflicts, and writes nothing.
      await expect(run(root, won[0] === 0 ? b : a)).rejects.toThrow(/exists with other content/);
      expect(contentSnapshot(root)).toEqual(alone[won[0]!]);
    }
  });
});
