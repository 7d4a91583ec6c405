/**
 * Platforms of an image index entry. Nix names systems `CPU-KERNEL` (x86_64-linux); OCI uses Go's
 * GOARCH/GOOS (amd64, linux). The reference maps only x86_64 and aarch64; we know the rest of the
 * systems Nix builds for and refuse anything else with a clear message instead of a KeyError.
 */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

/** Nix CPU names (and uname spellings) → GOARCH [, variant]. */
const CPU: Record<string, [string, string?]> = {
  x86_64: ['amd64'],
  aarch64: ['arm64'],
  i686: ['386'],
  i386: ['386'],
  armv7l: ['arm', 'v7'],
  armv6l: ['arm', 'v6'],
  armv5tel: ['arm', 'v5'],
  riscv64: ['riscv64'],
  powerpc64le: ['ppc64le'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
  mips64el: ['mips64le'],
  loongarch64: ['loong64'],
};

const GOARCH = new Set([
  'amd64',
  'arm64',
  '386',
  'arm',
  'riscv64',
  'ppc64le',
  'ppc64',
  's390x',
  'mips64le',
  'mips64',
  'mipsle',
  'mips',
  'loong64',
  'wasm',
]);

const GOOS = new Set(['linux', 'darwin', 'windows', 'freebsd', 'netbsd', 'openbsd', 'illumos', 'solaris']);

/** The platform a Nix system builds for; undefined when we cannot map it. */
export function platformOfSystem(system: string): Platform | undefined {
  const dash = system.indexOf('-');
  if (dash < 0) return undefined;
  const cpu = CPU[system.slice(0, dash)];
  const os = system.slice(dash + 1);
  if (!cpu || !GOOS.has(os)) return undefined;
  return { architecture: cpu[0], os, ...(cpu[1] ? { variant: cpu[1] } : {}) };
}

/** A config's `architecture` as OCI spells it (GOARCH); uname spellings are mapped; undefined if unknown. */
export function normaliseArchitecture(arch: string): { architecture: string; variant?: string } | undefined {
  if (GOARCH.has(arch)) return { architecture: arch };
  const cpu = CPU[arch];
  return cpu ? { architecture: cpu[0], ...(cpu[1] ? { variant: cpu[1] } : {}) } : undefined;
}

export function isKnownOs(os: string): boolean {
  return GOOS.has(os);
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function comparePlatforms(a: Platform, b: Platform): number {
  const ka = platformString(a);
  const kb = platformString(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
