import { createPublicKey, verify } from 'node:crypto';
import type { NarInfo } from '../nix/narinfo.js';

// Parsing is src/nix/narinfo.ts's; here is what publish adds: keys, hash comparison, signatures.

/** `/nix/store/<hash>-name` → `<hash>` (the narinfo's name in a cache). */
export function hashPart(storePath: string): string {
  return storePath.slice(storePath.lastIndexOf('/') + 1).slice(0, 32);
}

export const narInfoKey = (storePath: string) => `${hashPart(storePath)}.narinfo`;

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

/** What nix signs: `1;path;narHash;narSize;refs` with references as full store paths. */
export function fingerprint(info: NarInfo, storeDir = '/nix/store'): string {
  return `1;${info.storePath};${info.narHash};${info.narSize};${info.references.map((r) => `${storeDir}/${r}`).join(',')}`;
}

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** True when some `Sig:` line is a valid signature by `publicKey` (`name:base64`). */
export function signedBy(info: NarInfo, publicKey: string): boolean {
  const colon = publicKey.indexOf(':');
  const name = publicKey.slice(0, colon);
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519, Buffer.from(publicKey.slice(colon + 1), 'base64')]),
    format: 'der',
    type: 'spki',
  });
  const data = Buffer.from(fingerprint(info));
  return info.sigs.some((sig) => {
    const i = sig.indexOf(':');
    return sig.slice(0, i) === name && verify(null, data, key, Buffer.from(sig.slice(i + 1), 'base64'));
  });
}
