import { describe, expect, test } from 'vitest';
import {
  comparePlatforms,
  isKnownOs,
  normaliseArchitecture,
  platformOfSystem,
  platformString,
} from '../../../src/oci/platform.js';

describe('platforms', () => {
  test('Nix systems → GOARCH/GOOS, with the ARM variant', () => {
    expect(platformOfSystem('x86_64-linux')).toEqual({ architecture: 'amd64', os: 'linux' });
    expect(platformOfSystem('aarch64-darwin')).toEqual({ architecture: 'arm64', os: 'darwin' });
    expect(platformOfSystem('armv7l-linux')).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
    expect(platformOfSystem('x86_64-plan9')).toBeUndefined();
    expect(platformOfSystem('sparc64-linux')).toBeUndefined();
    expect(platformOfSystem('linux')).toBeUndefined();
  });

  test('config architectures: GOARCH as it is, uname spellings mapped, the rest unknown', () => {
    expect(normaliseArchitecture('arm64')).toEqual({ architecture: 'arm64' });
    expect(normaliseArchitecture('x86_64')).toEqual({ architecture: 'amd64' });
    expect(normaliseArchitecture('armv6l')).toEqual({ architecture: 'arm', variant: 'v6' });
    expect(normaliseArchitecture('sparc64')).toBeUndefined();
    expect([isKnownOs('linux'), isKnownOs('plan9')]).toEqual([true, false]);
  });

  test('written and sorted as os/arch/variant', () => {
    const ps = [
      { architecture: 'arm64', os: 'linux' },
      { architecture: 'arm', os: 'linux', variant: 'v7' },
      { architecture: 'amd64', os: 'linux' },
    ];
    expect(ps.sort(comparePlatforms).map(platformString)).toEqual([
      'linux/amd64',
      'linux/arm/v7',
      'linux/arm64',
    ]);
  });
});
