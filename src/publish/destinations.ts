import { resolveSink } from '../config/load.js';
import type { EnvironmentConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { resolveS3Credentials } from '../storage/credentials.js';
import { isS3Location, openSink, type S3Settings } from '../storage/open.js';
import type { Sink } from '../storage/sink.js';
import type { S3Tuning } from '../tuning.js';
import type { DestinationName } from './plan.js';

/** A destination of the environment, opened. */
export interface OpenDestination {
  name: DestinationName;
  location: string;
  sink: Sink;
  /** releng.yml `public-urls`: where readers fetch it. */
  publicUrl?: string;
}

export type Destinations = Map<DestinationName, OpenDestination>;

export interface DestinationOptions {
  environmentName: string;
  environment: EnvironmentConfig;
  /** The working directory: directory sinks and the credentials command are relative to it. */
  dir: string;
  processEnv: NodeJS.ProcessEnv;
  log: Logger;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  s3Tuning?: S3Tuning;
  /** The ssh setup for the credentials command (src/git/ssh.ts). */
  commandEnv?: Record<string, string>;
}

/** The skip name that leaves each destination out, for messages. */
const SKIP_NAME: Record<DestinationName, string> = {
  cache: 'cache',
  releases: 'releases',
  install: 'installers',
  docs: 'docs',
};

/**
 * The destinations the steps need, opened. A missing one, or S3 credentials that cannot be found, is a
 * problem for preflight, not an exception: preflight reports everything together.
 */
export async function openDestinations(
  o: DestinationOptions,
  needed: DestinationName[],
): Promise<{ destinations: Destinations; problems: string[] }> {
  const problems: string[] = [];
  const locations = new Map<DestinationName, string>();
  for (const dest of needed) {
    const loc = o.environment[dest];
    if (!loc)
      problems.push(
        `environment '${o.environmentName}' has no '${dest}' destination in releng.yml; add one or pass skip: ${SKIP_NAME[dest]}`,
      );
    // `s3:/bucket` or `gs://…` would otherwise become a directory of that name.
    else if (/^[a-z][a-z0-9+.-]*:/i.test(loc) && !isS3Location(loc))
      problems.push(
        `releng.yml environments.${o.environmentName}.${dest}: '${loc}' is neither s3://bucket[/prefix] nor a directory; fix the URL`,
      );
    else locations.set(dest, resolveSink(loc, o.dir));
  }
  let s3: S3Settings | undefined;
  if ([...locations.values()].some(isS3Location)) {
    try {
      s3 = {
        endpoint: o.environment.s3?.endpoint,
        region: o.environment.s3?.region ?? 'us-east-1',
        pathStyle: o.environment.s3?.['path-style'] ?? true,
        credentials: await resolveS3Credentials({
          accessKeyId: o.s3AccessKeyId,
          secretAccessKey: o.s3SecretAccessKey,
          processEnv: o.processEnv,
          command: o.environment.s3?.['credentials-command'],
          cwd: o.dir,
          commandEnv: o.commandEnv,
          log: o.log,
        }),
        tuning: o.s3Tuning,
      };
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const destinations: Destinations = new Map();
  for (const [dest, location] of locations) {
    if (isS3Location(location) && !s3) continue;
    try {
      destinations.set(dest, {
        name: dest,
        location,
        sink: openSink(location, o.dir, s3),
        publicUrl: o.environment['public-urls']?.[dest],
      });
    } catch (e) {
      problems.push(`${dest}: ${(e as Error).message}`);
    }
  }
  return { destinations, problems };
}

/** Where a reader finds `key`: the public URL when configured, else the sink location. */
export function urlOf(d: OpenDestination, key: string): string {
  return `${(d.publicUrl ?? d.location).replace(/\/+$/, '')}/${key}`;
}
