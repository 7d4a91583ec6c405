import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { RelengError } from '../errors.js';

/** What a leg records about its docker archive (leg.json `image`, less the path and file hash). */
export interface ImageMeta {
  architecture: string;
  os: string;
  diffIds: string[];
  /** sha256:… of the config JSON's bytes. */
  config: string;
}

/**
 * Reads the image config of a docker archive (`docker save` / Nix dockerTools format, plain or
 * gzip-wrapped) in one streaming pass: Nix writes the config and manifest.json after the layers, so every
 * JSON entry is kept (they are small) and the layers are skipped.
 */
export async function readImageMeta(file: string): Promise<ImageMeta> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const jsons = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (header.type === 'file' && name.endsWith('.json') && (header.size ?? 0) < 16 << 20) {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        jsons.set(name, Buffer.concat(chunks));
        next();
      });
    } else {
      stream.on('end', () => next());
      stream.resume();
    }
  });
  try {
    const source = fs.createReadStream(file);
    await (gzipped ? pipeline(source, zlib.createGunzip(), extract) : pipeline(source, extract));
  } catch (e) {
    throw new RelengError(
      `${file}: not a readable docker archive (${(e as Error).message}); check the image job`,
    );
  }
  const manifest = parseJson(jsons.get('manifest.json'), file, 'manifest.json') as { Config?: string }[];
  const configName = Array.isArray(manifest) ? manifest[0]?.Config : undefined;
  const configBytes = configName ? jsons.get(configName.replace(/^\.\//, '')) : undefined;
  if (!configBytes)
    throw new RelengError(
      `${file}: no image config (manifest.json names ${configName ?? 'none'}); is this a docker archive?`,
    );
  const config = parseJson(configBytes, file, configName!) as {
    architecture?: string;
    os?: string;
    rootfs?: { diff_ids?: string[] };
  };
  if (typeof config.architecture !== 'string' || typeof config.os !== 'string')
    throw new RelengError(`${file}: the image config ${configName} has no architecture or os`);
  return {
    architecture: config.architecture,
    os: config.os,
    diffIds: config.rootfs?.diff_ids ?? [],
    config: `sha256:${createHash('sha256').update(configBytes).digest('hex')}`,
  };
}

function parseJson(bytes: Buffer | undefined, file: string, entry: string): unknown {
  if (!bytes) throw new RelengError(`${file}: no ${entry} inside; is this a docker archive?`);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new RelengError(`${file}: ${entry} is not JSON (${(e as Error).message})`);
  }
}
