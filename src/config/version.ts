import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';

export interface VersionInfo {
  version: string;
  releaseName: string;
  /** From version.json's official_release, or the `officialRelease = …;` line of flake.nix in older trees. */
  officialRelease: boolean;
  /** Where official_release lives, for the tag stage to flip it. */
  officialSource: 'version.json' | 'flake.nix';
  major: string;
}

const VERSION_RE = /^\d+\.\d+(\.\d+)?([-+~][0-9A-Za-z.+~-]+)?$/;

/** MAJOR is the first two dot-separated parts of the version ("2.91.0" → "2.91"). */
export function majorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

export function checkVersion(version: string, where: string): string {
  if (!VERSION_RE.test(version))
    throw new RelengError(`${where}: version '${version}' is not of the form X.Y.Z (e.g. 2.91.0)`);
  return version;
}

export function readVersionInfo(dir: string): VersionInfo {
  const file = path.join(dir, 'version.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new RelengError(
      `${file}: not found; the repository root needs version.json ({"version": "X.Y.Z", "release_name": "…"})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RelengError(`${file}: malformed JSON (${(e as Error).message}); fix the file`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new RelengError(`${file}: expected a JSON object with "version" and "release_name"`);
  const obj = data as Record<string, unknown>;
  if (typeof obj.version !== 'string')
    throw new RelengError(`${file}: key "version" must be a string such as "2.91.0"`);
  checkVersion(obj.version, `${file}: key "version"`);
  if (obj.release_name !== undefined && typeof obj.release_name !== 'string')
    throw new RelengError(`${file}: key "release_name" must be a string`);
  let officialRelease: boolean;
  let officialSource: VersionInfo['officialSource'] = 'version.json';
  if (obj.official_release !== undefined) {
    if (typeof obj.official_release !== 'boolean')
      throw new RelengError(`${file}: key "official_release" must be true or false`);
    officialRelease = obj.official_release;
  } else {
    const flake = readFlakeOfficial(dir);
    if (flake === undefined)
      throw new RelengError(
        `${file}: key "official_release" is missing (and flake.nix has no 'officialRelease = …;' line); add "official_release": false`,
      );
    officialRelease = flake;
    officialSource = 'flake.nix';
  }
  return {
    version: obj.version,
    releaseName: typeof obj.release_name === 'string' ? obj.release_name : '',
    officialRelease,
    officialSource,
    major: majorOf(obj.version),
  };
}

export const FLAKE_OFFICIAL_RE = /^(\s*)officialRelease\s*=\s*(true|false)\s*;/m;

function readFlakeOfficial(dir: string): boolean | undefined {
  try {
    const m = FLAKE_OFFICIAL_RE.exec(fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8'));
    return m ? m[2] === 'true' : undefined;
  } catch {
    return undefined;
  }
}
