// src/nix/sign.ts: signing keys (parsed, checked, masked), the key file's lifetime, what nix signs and
// signature checks.
import { sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { parseNarInfo } from '../../../src/nix/narinfo.js';
import { fingerprint, parseSigningKey, signedBy, withKeyFile } from '../../../src/nix/sign.js';
import { nixStyleKey, SAMPLE_NARINFO as text } from '../../helpers/nix-sample.js';
import { secretsOf } from '../../helpers/secret-log.js';

describe('signing keys', () => {
  test('parsed, its public half derived, the text and its base64 masked at once', () => {
    const k = nixStyleKey('cache.example.org-1');
    const { log, secrets } = secretsOf();
    const key = parseSigningKey(`${k.text}\n`, 'KEY', log);
    expect(key).toEqual({ name: 'cache.example.org-1', text: k.text, publicKey: k.pub });
    expect(secrets).toEqual([k.text, k.text.split(':')[1]]);
  });

  test.each([
    ['no name', 'abc'],
    ['short', `x:${Buffer.alloc(32).toString('base64')}`],
    ['not base64', 'x:@@@@'],
  ])('refused with one line when %s, never echoing it', (_, text) => {
    const run = () => parseSigningKey(text, 'LIVE_SIGNING_KEY', silentLogger);
    expect(run).toThrow(
      /^signing key in \$LIVE_SIGNING_KEY is not a nix secret key \(expected NAME:BASE64 of 64 bytes/,
    );
    try {
      run();
    } catch (e) {
      expect((e as Error).message).not.toContain(text);
    }
  });

  test('a damaged key (public half not matching the seed) is refused', () => {
    const k = nixStyleKey('x');
    const raw = Buffer.from(k.text.split(':')[1]!, 'base64');
    raw[40] = raw[40]! ^ 1;
    expect(() => parseSigningKey(`x:${raw.toString('base64')}`, 'K', silentLogger)).toThrow(/is damaged/);
  });

  test('the key file is 0600 in a private directory, and gone afterwards even on failure', async () => {
    const k = parseSigningKey(nixStyleKey('x').text, 'K', silentLogger);
    let seen = '';
    await expect(
      withKeyFile(k, async (file) => {
        seen = file;
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
        expect(fs.readFileSync(file, 'utf8')).toBe(k.text);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(fs.existsSync(path.dirname(seen))).toBe(false);
  });
});

describe('signatures', () => {
  test('fingerprint as nix signs it; signatures checked against the public key', () => {
    const info = parseNarInfo(text, 'x.narinfo');
    expect(fingerprint(info)).toBe(
      '1;/nix/store/krcxka86c45a9afy5shxayywq7l2knb9-releng-b;sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh;168;/nix/store/psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a',
    );
    const k = nixStyleKey('t-1');
    const sig = sign(null, Buffer.from(fingerprint(info)), k.privateKey).toString('base64');
    const signed = parseNarInfo(`${text}Sig: t-1:${sig}\n`, 'x');
    expect(signedBy(signed, k.pub)).toBe(true);
    expect(signedBy(signed, nixStyleKey('t-1').pub)).toBe(false);
    expect(signedBy({ ...signed, narSize: 169 }, k.pub)).toBe(false);
  });
});
