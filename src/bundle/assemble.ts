import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';
import type { Git } from '../git/git.js';
import type { Logger } from '../log.js';
import { copyToCache } from '../nix/cache.js';
import type { NixJob } from '../nix/jobs.js';
import { readImageMeta } from '../release/docker-archive.js';
import { copyOutOfStore, listFiles } from '../release/files.js';
import type { LegPlan } from '../release/plan.js';
import { writeTarGz } from '../release/tarball.js';
import { inVersionDir, isBinaryTarball, names, sha256Line, sha256Text } from '../release/tree.js';
import { sha256File } from '../storage/hash.js';
import {
  LEG_ARTIFACTS,
  LEG_CACHE,
  LEG_MANUAL,
  type LegFile,
  type LegImage,
  type LegRecord,
  writeLeg,
} from './leg.js';

export interface AssembleOptions {
  plan: LegPlan;
  target: 'all' | 'manual';
  name: string;
  product: string;
  version: string;
  /** The leg bundle directory (emptied first). */
  bundleDir: string;
  /** releng.yml build.manual-path, when set. */
  manualPath?: string;
  /** The project checkout and the ref of the source tarball (manual-from leg, target all). */
  git: Git;
  sourceRef: string;
  log: Logger;
}

/**
 * Writes one system's leg bundle from its built jobs: the release-tree files of this system under
 * artifacts/ (Lix's `tarballs` layout, made per system), the manual, the source and manual tarballs when
 * this is the manual-from system's leg, the leg cache, and leg.json.
 */
export async function assembleLeg(o: AssembleOptions): Promise<LegRecord> {
  const { plan, name, version } = o;
  fs.rmSync(o.bundleDir, { recursive: true, force: true });
  const artifacts = path.join(o.bundleDir, LEG_ARTIFACTS);
  const out = (file: string) => path.join(artifacts, ...inVersionDir(name, version, file).split('/'));
  const withSha = async (file: string, text = sha256Line) =>
    fs.writeFileSync(names.sha256(file), text((await sha256File(file)).sha256));
  fs.mkdirSync(artifacts, { recursive: true });

  if (o.target === 'all') {
    if (plan.binaryTarball)
      for (const t of tarballsIn(plan.binaryTarball)) {
        copyOutOfStore(t, out(path.basename(t)));
        await withSha(out(path.basename(t)));
      }
    if (plan.dockerImage) {
      const dest = out(names.dockerImage(name, version, plan.system));
      copyOutOfStore(imageIn(plan.dockerImage), dest);
      await withSha(dest);
    }
    if (plan.installer) copyOutOfStore(installerIn(plan.installer), out(names.installer(name, plan.system)));
  }

  let manual: string | null = null;
  if (plan.manual) {
    const src = manualIn(plan.manual, name, o.manualPath);
    manual = LEG_MANUAL;
    copyOutOfStore(src, path.join(o.bundleDir, manual));
    if (o.target === 'all') {
      copyOutOfStore(src, out(names.manual));
      const tarball = out(names.manualTarball(name, version));
      await writeTarGz(src, names.manualTarballRoot(name, version), tarball);
      await withSha(tarball);
      const source = out(names.sourceTarball(name, version));
      await o.git.run([
        'archive',
        `--prefix=${names.sourceTarballRoot(name, version)}/`,
        '--format=tar.gz',
        '-o',
        source,
        o.sourceRef,
      ]);
      await withSha(source, sha256Text);
    }
  }

  const cacheDrvs = plan.cacheJobs.map((j) => j.drvPath).sort();
  const cacheOutputs = plan.cacheJobs.flatMap((j) => Object.values(j.outputs)).sort();
  if (o.target === 'all')
    await o.log.group(`nix copy ${plan.system} closures to the leg cache`, () =>
      copyToCache(path.join(o.bundleDir, LEG_CACHE), cacheDrvs, cacheOutputs, o.log),
    );

  let image: LegImage | null = null;
  if (o.target === 'all' && plan.dockerImage) {
    const rel = `${LEG_ARTIFACTS}/${inVersionDir(name, version, names.dockerImage(name, version, plan.system))}`;
    const file = path.join(o.bundleDir, ...rel.split('/'));
    image = { path: rel, ...(await readImageMeta(file)) };
  }

  // The image archive is among the files; its scan above already hashed it (hundreds of MB: read once).
  const files: LegFile[] = [];
  for (const rel of listFiles(artifacts)) {
    const file = path.join(artifacts, rel);
    const hashed =
      image && `${LEG_ARTIFACTS}/${rel}` === image.path
        ? { sha256: image.sha256, size: fs.statSync(file).size }
        : await sha256File(file);
    files.push({ path: rel, ...hashed });
  }

  const record: LegRecord = {
    schema: 1,
    version,
    system: plan.system,
    storePaths: [...new Set([...cacheDrvs, ...cacheOutputs])].sort(),
    drvPaths: cacheDrvs,
    jobs: plan.jobs.map((j) => ({ attr: j.attr, drvPath: j.drvPath, outputs: j.outputs })),
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    image,
    name,
    product: o.product,
    target: o.target,
    package: plan.package ? { attr: plan.package.attr, out: outOf(plan.package) } : null,
    manual,
  };
  writeLeg(o.bundleDir, record);
  return record;
}

function outOf(job: NixJob): string {
  const p = job.outputs.out;
  if (!p) throw new RelengError(`job '${job.attr}' has no 'out' output; the package job needs one`);
  return p;
}

/** The binary tarballs: every *.tar.xz in the job's output (or the output itself, when it is one). */
function tarballsIn(job: NixJob): string[] {
  const out = outOf(job);
  if (fs.statSync(out).isFile()) return [out];
  const found = fs
    .readdirSync(out)
    .filter(isBinaryTarball)
    .sort()
    .map((n) => path.join(out, n));
  if (found.length === 0)
    throw new RelengError(
      `job '${job.attr}': its output ${out} has no *.tar.xz; check releng.yml build.binary-tarball`,
    );
  return found;
}

/** The docker archive: the output itself (dockerTools), else image.tar.gz in it (Lix's .tarball), else its only *.tar.gz. */
function imageIn(job: NixJob): string {
  const out = outOf(job);
  let file = out;
  if (fs.statSync(out).isDirectory()) {
    const gz = fs.readdirSync(out).filter((n) => n.endsWith('.tar.gz'));
    const pick = gz.includes('image.tar.gz') ? 'image.tar.gz' : gz.length === 1 ? gz[0] : undefined;
    if (!pick)
      throw new RelengError(
        `job '${job.attr}': its output ${out} has ${gz.length === 0 ? 'no *.tar.gz' : `several *.tar.gz (${gz.join(', ')})`} and no image.tar.gz; check releng.yml build.docker-image`,
      );
    file = path.join(out, pick);
  }
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  if (head[0] !== 0x1f || head[1] !== 0x8b)
    throw new RelengError(
      `job '${job.attr}': ${file} is not gzip-compressed; the release tree names images .tar.gz — build a gzipped docker archive`,
    );
  return file;
}

/** The installer binary: the output itself, else the only file in it or in its bin/. */
function installerIn(job: NixJob): string {
  const out = outOf(job);
  if (fs.statSync(out).isFile()) return out;
  for (const dir of [out, path.join(out, 'bin')]) {
    const files = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isFile())
      : [];
    if (files.length === 1) return path.join(dir, files[0]!);
  }
  throw new RelengError(
    `job '${job.attr}': its output ${out} is not one file, nor a directory with exactly one file (or one in bin/); check releng.yml build.installer`,
  );
}

/** The manual in the job's doc output: build.manual-path, else share/doc/NAME/manual, else the only share/doc/* /manual. */
function manualIn(job: NixJob, name: string, configured?: string): string {
  const doc = job.outputs.doc!;
  const isDir = (p: string) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  if (configured) {
    const p = path.join(doc, configured);
    if (!isDir(p))
      throw new RelengError(
        `releng.yml build.manual-path: ${p} is not a directory in ${job.attr}'s doc output`,
      );
    return p;
  }
  const own = path.join(doc, 'share/doc', name, 'manual');
  if (isDir(own)) return own;
  const share = path.join(doc, 'share/doc');
  const found = isDir(share)
    ? fs
        .readdirSync(share)
        .map((n) => path.join(share, n, 'manual'))
        .filter(isDir)
    : [];
  if (found.length === 1) return found[0]!;
  throw new RelengError(
    `${job.attr}: no manual in its doc output ${doc} (looked for share/doc/${name}/manual${found.length > 1 ? `; found several: ${found.join(', ')}` : ''}); set releng.yml build.manual-path`,
  );
}
