// The smaller parts of publish: signing keys, narinfo and nix hashes, signatures, S3 credentials (the
// credentials command runs for real), content types, concurrency, notes extraction, the release body.
import { generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { hashHex, hashPart, parseNarInfo } from '../../src/nix/narinfo.js';
import { fingerprint, parseSigningKey, signedBy, withKeyFile } from '../../src/nix/sign.js';
import { forEachLimit, Semaphore } from '../../src/pool.js';
import { maintenanceBranch } from '../../src/publish/git-steps.js';
import { versionNotes } from '../../src/publish/notes.js';
import { releaseBody } from '../../src/publish/release-page.js';
import { contentTypeOf } from '../../src/storage/content-type.js';
import { resolveS3Credentials } from '../../src/storage/credentials.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

function nixStyleKey(name: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return {
    text: `${name}:${Buffer.concat([seed, pub]).toString('base64')}`,
    pub: `${name}:${pub.toString('base64')}`,
    privateKey,
  };
}

const secretsOf = () => {
  const secrets: string[] = [];
  return { log: { ...silentLogger, secret: (v: string) => secrets.push(v) }, secrets };
};

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

describe('narinfo', () => {
  const text = [
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

  test('parsed; fingerprint as nix signs it; signatures checked against the public key', () => {
    const info = parseNarInfo(text, 'x.narinfo');
    expect(info).toMatchObject({
      narSize: 168,
      references: ['psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a'],
      sigs: [],
    });
    expect(fingerprint(info)).toBe(
      '1;/nix/store/krcxka86c45a9afy5shxayywq7l2knb9-releng-b;sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh;168;/nix/store/psk9xwccspzkkjllqwpq0c6mgg7l16yl-releng-a',
    );
    const k = nixStyleKey('t-1');
    const sig = sign(null, Buffer.from(fingerprint(info)), k.privateKey).toString('base64');
    const signed = parseNarInfo(`${text}Sig: t-1:${sig}\n`, 'x');
    expect(signedBy(signed, k.pub)).toBe(true);
    expect(signedBy(signed, nixStyleKey('t-1').pub)).toBe(false);
    expect(signedBy({ ...signed, narSize: 169 }, k.pub)).toBe(false);
    expect(() => parseNarInfo('hello', 'bad.narinfo')).toThrow('bad.narinfo: not a narinfo');
    expect(hashPart(info.storePath)).toBe('krcxka86c45a9afy5shxayywq7l2knb9');
  });

  test('nix hashes in nix32, base16, base64 and SRI compare equal', () => {
    // `nix hash to-base16 sha256:1jgq5x…` = the hex below (checked with nix 2.8).
    const hex = hashHex('sha256:1jgq5xggqq5h3wknzh114zfamzaa2i1cvbwmn2xn10lis05930fh');
    expect(hex).toBe('d081910ad0918260bbb095afcd42144afdaadc2721c06f271fb060fc5e2ff8c9');
    expect(hashHex(`sha256:${hex}`)).toBe(hex);
    expect(hashHex(`sha256-${Buffer.from(hex, 'hex').toString('base64')}`)).toBe(hex);
  });
});

describe('S3 credentials', () => {
  const base = { env: {}, cwd: '/', log: silentLogger };
  test('inputs first, then the environment, then the command; each part masked', async () => {
    const { log, secrets } = secretsOf();
    expect(
      await resolveS3Credentials({
        ...base,
        log,
        accessKeyId: 'AK',
        secretAccessKey: 'SK123',
        env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
      }),
    ).toEqual({
      accessKeyId: 'AK',
      secretAccessKey: 'SK123',
    });
    expect(secrets).toEqual(['AK', 'SK123']);
    expect(
      await resolveS3Credentials({
        ...base,
        env: { AWS_ACCESS_KEY_ID: 'EA', AWS_SECRET_ACCESS_KEY: 'ES', AWS_SESSION_TOKEN: 'T' },
        command: 'exit 1',
      }),
    ).toEqual({ accessKeyId: 'EA', secretAccessKey: 'ES', sessionToken: 'T' });
  });

  test("the credentials command (the reference's ephemeral Garage key) prints {id, secret_key}", async () => {
    const { log, secrets } = secretsOf();
    const c = await resolveS3Credentials({
      ...base,
      log,
      command: `printf '{"id": "GKtemp", "secret_key": "s3cr3t-temp"}'`,
    });
    expect(c).toEqual({ accessKeyId: 'GKtemp', secretAccessKey: 's3cr3t-temp' });
    expect(secrets).toEqual(['GKtemp', 's3cr3t-temp']);
  });

  test('failures are one line and never echo what the command printed', async () => {
    await expect(resolveS3Credentials({ ...base, command: `echo 'secret-ish output'` })).rejects.toThrow(
      /^s3\.credentials-command did not print JSON; it must print \{"id": "…", "secret_key": "…"\} on stdout$/,
    );
    await expect(resolveS3Credentials({ ...base, command: `echo '{"id": "x"}'` })).rejects.toThrow(
      /without "id" and "secret_key"/,
    );
    await expect(resolveS3Credentials({ ...base, command: 'echo nope >&2; exit 3' })).rejects.toThrow(
      's3.credentials-command failed (exit 3): nope; run it by hand to see why',
    );
    await expect(resolveS3Credentials({ ...base, accessKeyId: 'only-id' })).rejects.toThrow(/go together/);
    await expect(resolveS3Credentials(base)).rejects.toThrow(/^no S3 credentials: pass inputs/);
  });
});

describe('small parts', () => {
  test('content types: the manual as a website, nix cache files as nix serves them', () => {
    expect(contentTypeOf('manual/lix/stable/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('manual/lix/stable/x.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('nar/abc.nar.zst')).toBe('application/x-nix-nar');
    expect(contentTypeOf('abc.narinfo')).toBe('text/x-nix-narinfo');
    expect(contentTypeOf('nix-cache-info')).toBe('text/x-nix-cache-info');
    expect(contentTypeOf('lix/lix-2.93.0/lix-2.93.0-x86_64-linux.tar.xz')).toBe('application/x-xz');
    expect(contentTypeOf('lix/lix-installer-x86_64-linux')).toBe('application/octet-stream');
  });

  test('forEachLimit keeps the limit and reports the first failure after in-flight work ends', async () => {
    let inFlight = 0;
    let max = 0;
    const done: number[] = [];
    await expect(
      forEachLimit([1, 2, 3, 4, 5, 6, 7, 8], 3, async (i) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (i === 4) throw new Error('four');
        done.push(i);
      }),
    ).rejects.toThrow('four');
    expect(max).toBe(3);
    expect(done).not.toContain(8);
    const sem = new Semaphore(2);
    let now = 0;
    let peak = 0;
    await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        sem.use(async () => {
          peak = Math.max(peak, ++now);
          await new Promise((r) => setTimeout(r, 2));
          now--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  test("this version's notes: from its heading to the next", () => {
    const dir = tmpDir();
    writeFiles(dir, {
      'notes/rl-2.93.md':
        '# Lix 2.93 "X" (2026-01-01)\n\n# Lix 2.93.1 (2026-02-01)\n\n- one\n- two\n\n# Lix 2.93.0 (2026-01-01)\n\n- zero\n',
    });
    expect(versionNotes(dir, 'notes', 'Lix', '2.93.1', '2.93')).toBe('- one\n- two');
    expect(versionNotes(dir, 'notes', 'Lix', '2.93.0', '2.93')).toBe('- zero');
    expect(versionNotes(dir, 'notes', 'Lix', '2.93.2', '2.93')).toBeUndefined();
    expect(versionNotes(dir, 'missing', 'Lix', '2.93.0', '2.93')).toBeUndefined();
  });

  test('the release body: notes, then downloads where the forge has no link assets', () => {
    const c = {
      tag: '2.93.0',
      title: 'Lix 2.93.0',
      notes: '- fixed',
      links: [{ name: 'a.tar.xz', url: 'https://r/a.tar.xz', size: 2048, sha256: 'ab'.repeat(32) }],
      extra: ['Binary cache: https://cache'],
      prerelease: false,
      latest: true,
    };
    expect(releaseBody(c, false)).toBe(
      `- fixed\n\n### Downloads\n\n| file | size | sha256 |\n| --- | --- | --- |\n| [a.tar.xz](https://r/a.tar.xz) | 2.00 KiB | \`${'ab'.repeat(32)}\` |\n\nBinary cache: https://cache\n`,
    );
    expect(releaseBody({ ...c, notes: undefined }, true)).toBe(
      'Release 2.93.0.\n\nBinary cache: https://cache\n',
    );
  });

  test('a new major (X.Y.0) gets its maintenance branch', () => {
    expect(maintenanceBranch('2.93.0')).toBe('release-2.93');
    expect(maintenanceBranch('2.93.1')).toBeUndefined();
    expect(maintenanceBranch('2.93.0-rc1')).toBeUndefined();
  });
});
