import { describe, expect, test, vi } from 'vitest';
import {
  ConsoleLogger,
  formatBytes,
  Progress,
  SecretMask,
  secretParts,
  silentLogger,
} from '../../src/log.js';

describe('masking', () => {
  test('the console logger masks secrets', () => {
    const lines: string[] = [];
    const log = new ConsoleLogger((l) => lines.push(l));
    log.secret('hunter2');
    log.info('password is hunter2!');
    expect(lines).toEqual(['password is ***!']);
  });
  test('a secret containing another is masked whole; URL credentials go too', () => {
    const mask = new SecretMask();
    mask.add('abc');
    mask.add('xxabcxx');
    mask.add('');
    expect(mask.apply('xxabcxx abc https://u:p@h/ ab')).toBe('*** *** https://***@h/ ab');
  });
});

describe('formatBytes', () => {
  test('binary units', () => {
    expect(formatBytes(1536)).toBe('1.50 KiB');
  });
  test('bytes below a KiB, one decimal from ten up, TiB the largest unit', () => {
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB');
    expect(formatBytes(2 ** 50)).toBe('1024.0 TiB');
  });
});

describe('console logger', () => {
  test('warnings and debug lines are marked; debug only when verbose; group titles masked too', async () => {
    const lines: string[] = [];
    const quiet = new ConsoleLogger((l) => lines.push(l), false);
    quiet.secret('s3cr3t');
    quiet.debug('hidden');
    quiet.warning('w s3cr3t');
    await quiet.group('g s3cr3t', async () => quiet.info('inside'));
    new ConsoleLogger((l) => lines.push(l), true).debug('shown');
    expect(lines).toEqual(['warning: w ***', '▸ g ***', 'inside', 'debug: shown']);
    expect(quiet.maskText('x s3cr3t https://a:b@h')).toBe('x *** https://***@h');
  });
  test('a multi-line secret: whole and each line, but not the PEM armour every key shares', () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAEbm9uZQAAAAE\n-----END OPENSSH PRIVATE KEY-----';
    expect(secretParts(key)).toEqual([key, 'b3BlbnNzaC1rZXktdjEAAAAA', 'AAAEbm9uZQAAAAE']);
    const mask = new SecretMask();
    mask.add(key);
    expect(mask.apply('key: AAAEbm9uZQAAAAE; pass -----BEGIN OPENSSH PRIVATE KEY-----')).toBe(
      'key: ***; pass -----BEGIN OPENSSH PRIVATE KEY-----',
    );
  });
  test('values shorter than three characters are not masked (they would mask everything)', () => {
    const mask = new SecretMask();
    mask.add('ab');
    expect(mask.apply('a b ab abc')).toBe('a b ab abc');
  });
});

describe('progress lines', () => {
  test('at most one per interval, a forced one always; counts, total and rate', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const lines: string[] = [];
      const p = new Progress({ ...silentLogger, info: (m) => lines.push(m) }, 'uploaded', 1000);
      vi.setSystemTime(2000);
      p.update(1, 4, 2_000_000);
      vi.setSystemTime(2500);
      p.update(2, 4, 3_000_000);
      vi.setSystemTime(3000);
      p.update(3, undefined);
      p.update(4, 4, 8_000_000, true);
      expect(lines).toEqual([
        'uploaded: 1/4, 1.91 MiB, 1.0 MB/s',
        'uploaded: 3',
        'uploaded: 4/4, 7.63 MiB, 2.7 MB/s',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
