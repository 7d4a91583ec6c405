import fs from 'node:fs';
import path from 'node:path';
import { RelengError } from '../errors.js';

/** The fields of a .narinfo this suite reads. */
export interface NarInfo {
  storePath: string;
  url: string;
  compression: string;
  narHash: string;
  narSize: number;
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
