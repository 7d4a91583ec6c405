// src/publish/destinations.ts: the environment's destinations opened, their problems returned together.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { type DestinationOptions, openDestinations, urlOf } from '../../../src/publish/destinations.js';
import { DirectorySink } from '../../../src/storage/directory.js';

const options = (environment: DestinationOptions['environment']): DestinationOptions => ({
  environmentName: 'staging',
  environment,
  dir: '/project',
  processEnv: {},
  log: silentLogger,
});

describe('destinations', () => {
  test('directories open relative to the checkout, with their public URLs', async () => {
    const { destinations, problems } = await openDestinations(
      options({
        registries: [],
        releases: 'out/releases',
        'public-urls': { releases: 'https://releases.example.org/' },
      }),
      ['releases'],
    );
    expect(problems).toEqual([]);
    const d = destinations.get('releases')!;
    expect(d).toMatchObject({ name: 'releases', location: path.join('/project', 'out/releases') });
    expect(d.sink).toBeInstanceOf(DirectorySink);
    expect(urlOf(d, 'demo/demo-1.0/x')).toBe('https://releases.example.org/demo/demo-1.0/x');
    expect(urlOf({ ...d, publicUrl: undefined }, 'x')).toBe('/project/out/releases/x');
  });

  test('a missing destination, a URL that is neither S3 nor a directory, S3 without credentials: all reported', async () => {
    const { destinations, problems } = await openDestinations(
      options({ registries: [], cache: 'gs://bucket', releases: 's3://releases' }),
      ['cache', 'releases', 'install'],
    );
    expect(problems).toEqual([
      "releng.yml environments.staging.cache: 'gs://bucket' is neither s3://bucket[/prefix] nor a directory; fix the URL",
      "environment 'staging' has no 'install' destination in releng.yml; add one or pass skip: installers",
      expect.stringMatching(/^no S3 credentials: pass inputs/),
    ]);
    expect(destinations.size).toBe(0);
  });
});
