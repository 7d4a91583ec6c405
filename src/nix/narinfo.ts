import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';

export const STORE_DIR = '/nix/store';

/** What nix knows of a store path that a binary cache needs: to sign it, and to upload it after its references. */
export interface StorePathInfo {
  storePath: string;
  /** `sha256:…` as nix prints it (nix32 in a narinfo). */
  narHash: string;
  narSize: number;
  /** Full store paths. */
  references: string[];
}

/** The fields of a .narinfo this suite reads. */
export interface NarInfo {
  storePath: string;
  url: string;
  compression: string;
  /** Of the compressed file (`sha256:…`), when given. */
  fileHash?: string;
  fileSize?: number;
  narHash: string;
  narSize: number;
  /** As written in the narinfo: base names (`HASH-name`), not full store paths. */
  references: string[];
  deriver?: string;
  sigs: string[];
  /** The content address of a fixed-output or content-addressed path. */
  ca?: string;
}

/** A store path's base name as nix accepts it: 32 nix32 characters, a dash, a name not starting with a dot. */
const BASE_NAME = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]{0,210}$/;
const STORE_PATH_PREFIX = `${STORE_DIR}/`;

/** True for `/nix/store/HASH-name` (what nix itself accepts), nothing else. */
export function isStorePath(p: string): boolean {
  return p.startsWith(STORE_PATH_PREFIX) && BASE_NAME.test(p.slice(STORE_PATH_PREFIX.length));
}

export function parseNarInfo(text: string, where: string): NarInfo {
  const fields = new Map<string, string>();
  const sigs: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(': ');
    if (colon < 0) throw new RelengError(`${where}: not a narinfo line: '${line.slice(0, 80)}'`);
    const key = line.slice(0, colon);
    const value = line.slice(colon + 2);
    if (key === 'Sig') sigs.push(value);
    else fields.set(key, value);
  }
  const need = (k: string) => {
    const v = fields.get(k);
    if (v === undefined) throw new RelengError(`${where}: narinfo without ${k}`);
    return v;
  };
  const size = (k: string, v: string) => {
    if (!/^[0-9]{1,15}$/.test(v)) throw new RelengError(`${where}: ${k} '${v.slice(0, 40)}' is not a size`);
    return Number(v);
  };
  const storePath = need('StorePath');
  if (!isStorePath(storePath))
    throw new RelengError(`${where}: StorePath '${storePath.slice(0, 120)}' is not a store path`);
  const refs = fields.get('References')?.trim();
  const references = refs ? refs.split(' ') : [];
  const badRef = references.find((r) => !BASE_NAME.test(r));
  if (badRef !== undefined)
    throw new RelengError(`${where}: reference '${badRef.slice(0, 120)}' is not a store path name`);
  const fileSize = fields.get('FileSize');
  return {
    storePath,
    url: need('URL'),
    compression: fields.get('Compression') ?? 'bzip2',
    ...(fields.has('FileHash') ? { fileHash: fields.get('FileHash') } : {}),
    ...(fileSize !== undefined ? { fileSize: size('FileSize', fileSize) } : {}),
    narHash: need('NarHash'),
    narSize: size('NarSize', need('NarSize')),
    references,
    deriver: fields.get('Deriver'),
    sigs,
    ...(fields.has('CA') ? { ca: fields.get('CA') } : {}),
  };
}

/**
 * A narinfo as nix writes it (NarInfo::to_string: the same fields in the same order), hashes in nix32 as
 * nix prints them, references sorted as nix sorts them.
 */
export function formatNarInfo(info: NarInfo): string {
  const lines = [`StorePath: ${info.storePath}`, `URL: ${info.url}`, `Compression: ${info.compression}`];
  if (info.fileHash) lines.push(`FileHash: ${nix32Hash(info.fileHash)}`);
  if (info.fileSize !== undefined) lines.push(`FileSize: ${info.fileSize}`);
  lines.push(
    `NarHash: ${nix32Hash(info.narHash)}`,
    `NarSize: ${info.narSize}`,
    `References: ${sortedReferences(info.references).join(' ')}`,
  );
  if (info.deriver) lines.push(`Deriver: ${info.deriver}`);
  for (const sig of info.sigs) lines.push(`Sig: ${sig}`);
  if (info.ca) lines.push(`CA: ${info.ca}`);
  return `${lines.join('\n')}\n`;
}

/** References in nix's order (a set of store paths, compared by base name). */
export function sortedReferences(references: readonly string[]): string[] {
  return [...references].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A narinfo file's size limit: a real one is a few hundred bytes (or kilobytes, with many references). */
export const MAX_NARINFO = 1024 * 1024;

/**
 * Every narinfo of a file:// binary cache directory, sorted by store path. Only regular files are read
 * (a link could point anywhere; nix never writes one); one that is not, or is too big, is an error naming it.
 */
export function readCacheDir(dir: string): (NarInfo & { file: string })[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.name.endsWith('.narinfo'))
    .map((e) => {
      const file = path.join(dir, e.name);
      const stat = fs.lstatSync(file);
      if (!stat.isFile())
        throw new RelengError(
          `${file}: not a regular file (a link or a directory), which nix never writes in a cache; build the leg again`,
        );
      if (stat.size > MAX_NARINFO)
        throw new RelengError(`${file}: ${stat.size} bytes, too big for a narinfo; build the leg again`);
      return { ...parseNarInfo(fs.readFileSync(file, 'utf8'), file), file };
    })
    .sort((a, b) => (a.storePath < b.storePath ? -1 : a.storePath > b.storePath ? 1 : 0));
}

/** A narinfo's path, with its references as full store paths. */
export function storePathInfo(info: NarInfo): StorePathInfo {
  return {
    storePath: info.storePath,
    narHash: info.narHash,
    narSize: info.narSize,
    references: info.references.map((r) => `${STORE_DIR}/${r}`),
  };
}

/** `/nix/store/<hash>-name` → `<hash>` (the narinfo's name in a cache). */
export function hashPart(storePath: string): string {
  return storePath.slice(storePath.lastIndexOf('/') + 1).slice(0, 32);
}

/** A store path's narinfo in a binary cache, and its NAR listing (`write-nar-listing`). */
export const narInfoKey = (storePath: string) => `${hashPart(storePath)}.narinfo`;
export const listingKey = (storePath: string) => `${hashPart(storePath)}.ls`;

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

/** A sha256 (hex) in nix's base-32, as narinfo files and signatures carry it. */
export function nix32(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  const len = Math.ceil((bytes.length * 8) / 5);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = ((bytes[i] ?? 0) >> j) | (i + 1 < bytes.length ? (bytes[i + 1]! << (8 - j)) & 0xff : 0);
    out += NIX32[c & 0x1f];
  }
  return out;
}

/** `sha256:<nix32>`, what nix writes and signs, from any form hashHex reads. */
export function nix32Hash(hash: string): string {
  return `sha256:${nix32(hashHex(hash))}`;
}

/** A nix hash (`sha256:` + base16, nix32 or base64; or SRI `sha256-…`) as lower-case hex, for comparing. */
export function hashHex(hash: string): string {
  const s = hash.replace(/^sha256[:-]/, '');
  if (/^[0-9a-f]{64}$/.test(s)) return s;
  if (s.length === 52 && [...s].every((c) => NIX32.includes(c))) {
    const bytes = Buffer.alloc(32);
    for (let n = 0; n < s.length; n++) {
      const digit = NIX32.indexOf(s[s.length - 1 - n]!);
      const b = n * 5;
      const i = b >> 3;
      const j = b & 7;
      bytes[i] = (bytes[i]! | (digit << j)) & 0xff;
      if (i + 1 < 32) bytes[i + 1] = (bytes[i + 1]! | (digit >> (8 - j))) & 0xff;
    }
    return bytes.toString('hex');
  }
  return Buffer.from(s, 'base64').toString('hex');
}
