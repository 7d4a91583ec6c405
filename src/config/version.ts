import fs from 'node:fs';
import path from 'node:path';
import { printable, RelengError } from '../errors.js';
import { checkoutPath, readText } from './checkout.js';

export interface VersionInfo {
  version: string;
  releaseName: string;
  /** From version.json's official_release, or the `officialRelease = …;` line of flake.nix in older trees. */
  officialRelease: boolean;
  /** Where official_release lives, for the tag stage to flip it. */
  officialSource: 'version.json' | 'flake.nix';
  major: string;
}

/**
 * X.Y.Z (no leading zeros), then Lix's suffixes (version.json and flake.nix history): `-dev`, `-rc1`,
 * `-pre20240612_abcdef` (older flakes' versionSuffix), `-<shortRev>`. Each suffix part is letters and
 * digits with single inner dots or underscores — so the whole is a git ref component (no `..`, `~`,
 * `^`, `:`, `@{`, control characters), a docker tag and a store path name alike.
 */
const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z]+([._][0-9A-Za-z]+)*)*$/;
export const VERSION_MAX_LENGTH = 64;

// Where a value is shown in a message (here and everywhere): src/errors.ts.
export { printable };

/**
 * The one check of a version wherever it enters (inputs, version.json, leg.json): returns it, or throws
 * one line naming `where`. MAJOR (`X.Y`) must differ from the version, or `{version}` and `{major}` tags
 * would be one tag that a later release moves.
 */
export function checkVersion(value: string, where: string): string {
  const bad = (why: string) =>
    new RelengError(`${where}: version '${printable(value)}' is not of the form X.Y.Z (e.g. 2.91.0)${why}`);
  if (value.length > VERSION_MAX_LENGTH) throw bad(`; it is longer than ${VERSION_MAX_LENGTH} characters`);
  if (!VERSION_RE.test(value))
    throw bad(', optionally with a suffix of letters and digits such as -rc1 or -dev');
  if (value.endsWith('.lock')) throw bad('; git cannot tag a name ending in .lock');
  return value;
}

/** MAJOR is the first two dot-separated parts of the version ("2.91.0" → "2.91"). */
export function majorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** A release name goes into a Markdown header and version.json: one line of text. */
export function checkReleaseName(value: string, where: string): string {
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value) || value.length > 128)
    throw new RelengError(
      `${where}: release name '${printable(value)}' must be one line of at most 128 characters`,
    );
  return value;
}

/** version.json is a few keys; bounds keep a hostile one from exhausting anything before it is refused. */
export const VERSION_JSON_LIMITS = { bytes: 64 << 10, depth: 16 };

/** How deep the arrays and objects of a JSON text nest (strings skipped), without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

/** version.json's object, its size and shape checked before anything else happens. */
export function parseVersionJson(text: string, file: string): Record<string, unknown> {
  if (text.length > VERSION_JSON_LIMITS.bytes)
    throw new RelengError(
      `${file}: more than ${VERSION_JSON_LIMITS.bytes} bytes; version.json is a few keys`,
    );
  if (jsonDepth(text) > VERSION_JSON_LIMITS.depth)
    throw new RelengError(
      `${file}: nested more than ${VERSION_JSON_LIMITS.depth} levels deep; version.json is a few keys`,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RelengError(`${file}: malformed JSON (${(e as Error).message}); fix the file`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new RelengError(`${file}: expected a JSON object with "version" and "release_name"`);
  return data as Record<string, unknown>;
}

export function readVersionInfo(dir: string): VersionInfo {
  const file = path.join(dir, 'version.json');
  const where = checkoutPath(dir, 'version.json', file);
  if (!where.exists)
    throw new RelengError(
      `${file}: not found; the repository root needs version.json ({"version": "X.Y.Z", "release_name": "…"})`,
    );
  const obj = parseVersionJson(readText(where.real, file, VERSION_JSON_LIMITS.bytes), file);
  if (typeof obj.version !== 'string')
    throw new RelengError(`${file}: key "version" must be a string such as "2.91.0"`);
  checkVersion(obj.version, `${file}: key "version"`);
  if (obj.release_name !== undefined && typeof obj.release_name !== 'string')
    throw new RelengError(`${file}: key "release_name" must be a string`);
  if (typeof obj.release_name === 'string') checkReleaseName(obj.release_name, `${file}: key "release_name"`);
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

/** version.json's text with `values` set, keeping its indentation, key order and final newline. */
export function versionJsonText(text: string, values: Record<string, unknown>, file: string): string {
  const data = parseVersionJson(text, file);
  const indentMatch = /\n([ \t]+)"/.exec(text);
  Object.assign(data, values);
  return `${JSON.stringify(data, null, indentMatch?.[1] ?? 2)}${text.endsWith('\n') ? '\n' : ''}`;
}

/** Updates keys of version.json keeping its indentation and key order. */
export function updateVersionJson(file: string, values: Record<string, unknown>): void {
  const text = readText(file, file, VERSION_JSON_LIMITS.bytes);
  fs.writeFileSync(file, versionJsonText(text, values, file));
}

export const FLAKE_OFFICIAL_RE = /^(\s*)officialRelease\s*=\s*(true|false)\s*;/m;

function readFlakeOfficial(dir: string): boolean | undefined {
  const where = checkoutPath(dir, 'flake.nix', path.join(dir, 'flake.nix'));
  if (!where.exists) return undefined;
  const m = FLAKE_OFFICIAL_RE.exec(readText(where.real, path.join(dir, 'flake.nix'), 4 << 20));
  return m ? m[2] === 'true' : undefined;
}
