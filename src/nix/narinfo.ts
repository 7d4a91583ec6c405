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
  narHash: string;
  narSize: number;
  /** As written in the narinfo: base names (`HASH-name`), not full store paths. */
  references: string[];
  deriver?: string;
  sigs: string[];
}

export function parseNarInfo(text: string, where: string): NarInfo {
  const fields = new Map<string, string>();
  const sigs: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(': ');
    if (colon < 0) throw new RelengError(`${where}: not a narinfo line: '${line}'`);
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
  const refs = fields.get('References')?.trim();
  return {
    storePath: need('StorePath'),
    url: need('URL'),
    compression: fields.get('Compression') ?? 'bzip2',
    narHash: need('NarHash'),
    narSize: Number(need('NarSize')),
    references: refs ? refs.split(' ') : [],
    deriver: fields.get('Deriver'),
    sigs,
  };
}

/** Every narinfo of a file:// binary cache directory, sorted by store path. */
export function readCacheDir(dir: string): (NarInfo & { file: string })[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.narinfo'))
    .map((n) => {
      const file = path.join(dir, n);
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
