import { createHash } from 'node:crypto';
import { scanArchive } from '../oci/archive.js';

/** What a leg records about its docker archive (leg.json `image`, less the path). */
export interface ImageMeta {
  /** Hex sha256 of the archive file. */
  sha256: string;
  architecture: string;
  os: string;
  diffIds: string[];
  /** sha256:… of the config JSON's bytes. */
  config: string;
}

/**
 * Reads a docker archive (`docker save` / Nix dockerTools, plain or gzip-wrapped) in the one streaming pass
 * docker-multiarch uses, so a leg records only archives that stage will accept: every layer is hashed and
 * checked against the config's diffIDs here, on the builder, rather than at publish time.
 */
export async function readImageMeta(file: string): Promise<ImageMeta> {
  const scanned = await scanArchive(file, async (_entry, body) => {
    const hash = createHash('sha256');
    for await (const c of body) hash.update(c);
    return { diffId: `sha256:${hash.digest('hex')}` };
  });
  return {
    sha256: scanned.sha256,
    architecture: scanned.config.architecture,
    os: scanned.config.os,
    diffIds: scanned.config.rootfs.diff_ids,
    config: scanned.configDigest,
  };
}
