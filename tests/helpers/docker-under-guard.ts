/**
 * docker-multiarch as the reliability tests drive it: the bundled CLI, two small Nix-style archives (amd64
 * and arm64, each with a few small layers and one of 9 MB that does not compress, so its blob goes up in
 * 4 MiB PATCH chunks), a real registry (Basic or token auth) behind a fault proxy whose guard checks every
 * manifest and tag write against the registry (tests/helpers/registry-guard.ts). Each `lane` pushes to
 * its own repository, as a fresh runner (empty HOME: no blob cache, the registry is the only memory).
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type RunResult, runCli } from './cli-child.js';
import { randomFile, syntheticLayers, type WrittenArchive, writeDockerArchive } from './docker-archive.js';
import { type FaultProxy, type FaultRule, type ProxyOptions, startProxy } from './proxy.js';
import { type RegistryServer, startRegistry } from './registry.js';
import { type RegistryGuardState, RegistryReader, registryGuard, registryState } from './registry-guard.js';
import { tmpDir } from './tmp.js';

export const VERSION = '2.93.0';
export const LOGIN = { username: 'releng', password: 'reliability-registry-pw' };

export interface LaneOptions extends Pick<ProxyOptions, 'onRequest'> {
  /** Also push to a second repository (`<repository>-b`, same registry, same proxy). */
  mirror?: boolean;
  /** Also write an oci-layout directory. */
  layout?: boolean;
}

export interface DockerLane {
  repository: string;
  /** Every repository pushed to (the first is `repository`). */
  repositories: string[];
  /** The oci-layout directory, when the lane writes one. */
  layoutDir?: string;
  proxy: FaultProxy;
  guard: RegistryGuardState;
  run(onSpawn?: (child: ChildProcess) => void): Promise<RunResult>;
  /**
   * Tags → digest, and every manifest and blob they reach (registryState), per repository (`0:`, `1:`);
   * with a layout, `layout:FILE` → sha256 of every file in it (stray temp files included).
   */
  state(): Promise<Record<string, string>>;
  violations(): string[];
  close(): Promise<void>;
}

export interface DockerBench {
  registry: RegistryServer;
  reader: RegistryReader;
  archives: WrittenArchive[];
  lane(name: string, faults?: FaultRule[], o?: LaneOptions): Promise<DockerLane>;
  stop(): Promise<void>;
}

export async function startDockerBench(auth: 'htpasswd' | 'token'): Promise<DockerBench> {
  const dir = tmpDir('releng-docker-images-');
  const make = (arch: string) =>
    writeDockerArchive(path.join(dir, arch), {
      layers: [...syntheticLayers(arch, 2, 2, 16), [randomFile(arch, 9_000_000)]],
      architecture: arch,
      labels: { 'org.opencontainers.image.title': 'demo', 'org.opencontainers.image.version': VERSION },
    });
  const archives = await Promise.all([make('amd64'), make('arm64')]);
  const registry = await startRegistry({ auth, users: { [LOGIN.username]: LOGIN.password }, proxy: false });
  const reader = new RegistryReader(registry.direct, LOGIN);
  return {
    registry,
    reader,
    archives,
    async lane(name, faults = [], o = {}) {
      const repository = `demo/${name}`;
      const repositories = o.mirror ? [repository, `${repository}-b`] : [repository];
      const layoutDir = o.layout ? path.join(tmpDir('releng-layout-'), 'oci') : undefined;
      const guard = registryGuard(reader, () => ({ repositories, versionTag: VERSION }));
      const proxy = await startProxy({
        target: Number(registry.direct.split(':')[1]),
        faults,
        guard: guard.guard,
        // Manifests are small; blob chunks (4 MiB) need not be held for the guard.
        guardBodyLimit: 1 << 20,
        onRequest: o.onRequest,
      });
      const args = [
        'docker-multiarch',
        ...archives.flatMap((a) => ['--images', a.file]),
        '--targets',
        [
          ...repositories.map((r) => `${proxy.host}/${r}`),
          ...(layoutDir ? [`oci-layout:${layoutDir}`] : []),
        ].join(','),
        '--version',
        VERSION,
        '--latest',
        'true',
        '--username',
        LOGIN.username,
        '--password',
        LOGIN.password,
      ];
      return {
        repository,
        repositories,
        layoutDir,
        proxy,
        guard,
        run: (onSpawn) => {
          const home = tmpDir('releng-runner-home-');
          return runCli(
            args,
            dir,
            {
              ...process.env,
              HOME: home,
              XDG_CACHE_HOME: path.join(home, '.cache'),
              RELENG_REGISTRY_TIMEOUT_S: '3',
            },
            onSpawn,
          );
        },
        state: async () => {
          const out: Record<string, string> = {};
          for (const [i, r] of repositories.entries())
            for (const [k, v] of Object.entries(await registryState(reader, r))) out[`${i}:${k}`] = v;
          if (layoutDir) Object.assign(out, layoutState(layoutDir));
          return out;
        },
        violations: () => [...proxy.violations],
        close: () => proxy.close(),
      };
    },
    stop: () => registry.stop(),
  };
}

/** `layout:FILE` → sha256 of every file under an oci-layout directory (dot files too). */
export function layoutState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const file = path.join(f.parentPath, f.name);
    out[`layout:${path.relative(dir, file)}`] = createHash('sha256')
      .update(fs.readFileSync(file))
      .digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort());
}
