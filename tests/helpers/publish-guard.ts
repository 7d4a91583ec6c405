/**
 * "No dangling pointer at any moment", checked at the S3 server and at the git remote while publish runs.
 *
 * As a fault proxy's `guard` (tests/helpers/proxy.ts), `s3Guard` looks at every write the moment it
 * arrives — before the server sees it — and asks the server itself (directly, not through the proxy)
 * whether everything the write refers to is already there:
 *   cache     HASH.narinfo        → its `URL:` NAR and the narinfo of each of its References
 *   releases  any manifest.nix    → the narinfo of each store path it names (what `nix upgrade-nix` fetches)
 *             root manifest.nix   → every versioned file of the release (tree and installers)
 *             .releng-index.json  → every object it lists, at the listed size and sha256
 *   install   NAME/NAME-installer-SYS → NAME/NAME-VERSION/NAME-installer-SYS
 *   docs      manual/NAME/MAJOR|nightly/… → every versioned file of the release
 *             manual/NAME/stable/PAGE    → manual/NAME/MAJOR/PAGE
 * and that nothing immutable is deleted or rewritten with other bytes (a NAR, a narinfo, a file under
 * the version directory). A narinfo's `.ls` listing is checked after the run (`lateChecks`): whichever
 * listings exist at the end must have existed when their narinfo was written.
 *
 * `refGuard` does the same at the git remote: a pre-receive hook calls back before a tag is accepted,
 * and the release's index must be there (written after every versioned object, before the pointers).
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { MergedRelease } from '../../src/bundle/release.js';
import { parseNarInfo } from '../../src/nix/narinfo.js';
import { S3Sink } from '../../src/storage/s3.js';
import type { Guard } from './proxy.js';

export interface ReleaseModel {
  /** The test's key prefix in every bucket, with its trailing slash (`t3/`). */
  prefix: string;
  name: string;
  version: string;
  /** The docs label of this release: MAJOR for an official release, else `nightly`. */
  docsLabel: string;
  release: MergedRelease;
}

export interface S3Direct {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface S3GuardState {
  guard: Guard;
  /** Checks that need the end state: `.ls` listings present now were present when their narinfo was written. */
  lateChecks(): Promise<string[]>;
  /** How many referencing writes were checked (a guard that checked nothing proves nothing). */
  checked: number;
}

/** Path-style S3 request → bucket, key, query. */
export function parseS3(url: string): { bucket: string; key: string; query: URLSearchParams } {
  const u = new URL(url, 'http://x');
  const [, bucket = '', ...rest] = u.pathname.split('/');
  return { bucket, key: decodeURIComponent(rest.join('/')), query: u.searchParams };
}

const STORE_PATH = /\/nix\/store\/([0-9a-df-np-sv-z]{32})-[^\s"';]+/g;

export function s3Guard(direct: S3Direct, model: () => ReleaseModel): S3GuardState {
  const sinks = new Map<string, S3Sink>();
  const sink = (bucket: string) => {
    let s = sinks.get(bucket);
    if (!s) {
      s = new S3Sink({
        url: `s3://${bucket}`,
        endpoint: direct.endpoint,
        region: 'us-east-1',
        pathStyle: true,
        credentials: direct.credentials,
      });
      sinks.set(bucket, s);
    }
    return s;
  };
  const exists = async (bucket: string, key: string) => (await sink(bucket).head(key)) !== undefined;
  const listings = new Map<string, boolean>();

  /** What is missing of `keys` in `bucket`. */
  const missingOf = async (bucket: string, keys: string[]) => {
    const out: string[] = [];
    for (const k of keys) if (!(await exists(bucket, k))) out.push(`${bucket}/${k}`);
    return out;
  };

  /** Versioned files of the release (tree under the version dir, installers) that are not there yet. */
  const releaseMissing = async (m: ReleaseModel) => {
    const vdir = `${m.name}/${m.name}-${m.version}/`;
    const listed = async (bucket: string) =>
      new Set((await sink(bucket).list(m.prefix + vdir)).map((o) => o.key));
    const tree = await listed('releases');
    const inst = await listed('install');
    const out: string[] = [];
    for (const f of m.release.files) {
      if (!f.path.startsWith(vdir)) continue;
      if (!tree.has(m.prefix + f.path)) out.push(`releases/${m.prefix}${f.path}`);
      const base = f.path.slice(f.path.lastIndexOf('/') + 1);
      if (base.startsWith(`${m.name}-installer-`) && !inst.has(`${m.prefix}${vdir}${base}`))
        out.push(`install/${m.prefix}${vdir}${base}`);
    }
    return out;
  };

  const state: S3GuardState = {
    checked: 0,
    async lateChecks() {
      const out: string[] = [];
      for (const [narinfo, hadListing] of listings) {
        const ls = narinfo.replace(/\.narinfo$/, '.ls');
        if (!hadListing && (await exists('cache', ls)))
          out.push(`cache/${narinfo} was written before its listing cache/${ls}`);
      }
      return out;
    },
    async guard({ method, url, headers, body }) {
      const m = model();
      const { bucket, key, query } = parseS3(url);
      if (!key.startsWith(m.prefix)) return undefined;
      const rel = key.slice(m.prefix.length);
      if (rel.includes('.releng-preflight-')) return undefined;
      const vdir = `${m.name}/${m.name}-${m.version}/`;
      const immutable =
        (bucket === 'cache' && rel !== 'nix-cache-info') ||
        ((bucket === 'releases' || bucket === 'install') &&
          rel.startsWith(vdir) &&
          !rel.endsWith('.releng-index.json'));

      if (method === 'DELETE' && !query.has('uploadId'))
        return immutable ? `deletes the immutable ${bucket}/${key}` : undefined;
      // Parts and the start of a multipart upload show nothing to a reader; its completion does.
      const completes = method === 'POST' && query.has('uploadId');
      if (!(method === 'PUT' && !query.has('partNumber')) && !completes) return undefined;

      const problems: string[] = [];
      if (immutable && method === 'PUT') {
        const there = await sink(bucket).head(key);
        const sha = headers['x-amz-meta-sha256'];
        if (there && there.sha256 !== sha)
          problems.push(`rewrites the immutable ${bucket}/${key} (sha256 ${there.sha256} → ${sha})`);
      }
      const text = body?.toString('utf8') ?? '';
      const refs: Promise<string[]>[] = [];
      if (bucket === 'cache' && rel.endsWith('.narinfo') && !completes) {
        const info = parseNarInfo(text, key);
        const self = rel.slice(0, 32);
        const wanted = [m.prefix + info.url];
        for (const r of info.references)
          if (r.slice(0, 32) !== self) wanted.push(`${m.prefix}${r.slice(0, 32)}.narinfo`);
        refs.push(missingOf('cache', wanted));
        listings.set(key, await exists('cache', key.replace(/\.narinfo$/, '.ls')));
      }
      if (bucket === 'releases' && rel.endsWith('manifest.nix') && !completes) {
        const hashes = [...text.matchAll(STORE_PATH)].map((x) => `${m.prefix}${x[1]}.narinfo`);
        refs.push(missingOf('cache', [...new Set(hashes)]));
        if (rel === 'manifest.nix') refs.push(releaseMissing(m));
      }
      if (bucket === 'releases' && rel.endsWith('.releng-index.json') && !completes) {
        const index = JSON.parse(text) as {
          objects: Record<string, Record<string, { size: number; sha256: string }>>;
        };
        refs.push(
          (async () => {
            const out: string[] = [];
            for (const [dest, objects] of Object.entries(index.objects))
              for (const [k, v] of Object.entries(objects)) {
                const o = await sink(dest).head(m.prefix + k);
                if (!o || o.size !== v.size || o.sha256 !== v.sha256)
                  out.push(`${dest}/${m.prefix}${k} (${o ? `${o.size} bytes, ${o.sha256}` : 'missing'})`);
              }
            return out;
          })(),
        );
      }
      const installerPointer = new RegExp(`^${m.name}/(${m.name}-installer-[^/]+)$`).exec(rel);
      if (bucket === 'install' && installerPointer)
        refs.push(missingOf('install', [`${m.prefix}${vdir}${installerPointer[1]}`]));
      const docs = new RegExp(`^manual/${m.name}/([^/]+)/(.+)$`).exec(rel);
      if (bucket === 'docs' && docs) {
        refs.push(releaseMissing(m));
        if (docs[1] === 'stable')
          refs.push(missingOf('docs', [`${m.prefix}manual/${m.name}/${m.docsLabel}/${docs[2]}`]));
      }
      if (refs.length) state.checked++;
      const missing = (await Promise.all(refs)).flat();
      if (missing.length)
        problems.push(`written while ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
      return problems.length ? problems.join('; ') : undefined;
    },
  };
  return state;
}

export interface RefGuard {
  /** `REPO REF: what was missing`. */
  violations: string[];
  /** Refs pushed, as the hook saw them. */
  pushed: string[];
  /** Installs the pre-receive hook in a bare repository. */
  install(bareRepo: string): void;
  close(): Promise<void>;
}

/**
 * A pre-receive hook that asks this process before the remote accepts a push: a tag may arrive only once
 * `check(ref)` finds what it stands for published. The hook never refuses (the run must go on as it
 * would); it records a violation.
 */
export async function refGuard(
  check: (repo: string, ref: string) => Promise<string | undefined>,
): Promise<RefGuard> {
  const violations: string[] = [];
  const pushed: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const [repo = '', ...lines] = body.split('\n').filter(Boolean);
      for (const line of lines) {
        const ref = line.split(' ')[2]!;
        pushed.push(ref);
        const v = await check(repo, ref);
        if (v) violations.push(`${repo} ${ref}: ${v}`);
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    violations,
    pushed,
    install(bareRepo) {
      const hook = path.join(bareRepo, 'hooks', 'pre-receive');
      fs.writeFileSync(
        hook,
        `#!/bin/sh\n{ pwd; cat; } | curl -sf --max-time 60 --data-binary @- http://127.0.0.1:${port}/ >/dev/null\nexit 0\n`,
        {
          mode: 0o755,
        },
      );
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
