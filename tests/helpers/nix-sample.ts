// A narinfo as nix 2.8 writes it (unsigned), and signing keys in nix's format, for the nix and publish tests.
import { generateKeyPairSync } from 'node:crypto';

export const SAMPLE_NARINFO = [
  'StorePath: /nix/store/krcxka86c45a9afy5shxayywq7l2knb9-releng-b',
  'URL: nar/0zqv.nar.zst',
  'Compression: zstd',
  'FileHash: sha256:0zqvcdgrjv8v20hddz2lx1z8v6gvmx6q4c9n9f742agbvq28rrnz',
  'FileSize: 129',
  'NarHash: sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh',
  'NarSize: 168',
  'References: psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a',
  'Deriver: k2j1dv0wqxjgswqkj26808v5ff8kwj56-releng-b.drv',
  '',
].join('\n');

/** A key pair as `nix-store --generate-binary-cache-key` writes it: `name:base64(seed ‖ public)`. */
export function nixStyleKey(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    text: `${name}:${Buffer.concat([seed, pub]).toString('base64')}`,
    pub: `${name}:${pub.toString('base64')}`,
    privateKey,
  };
}
