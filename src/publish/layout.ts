/**
 * Where a release goes, as the reference lays it out (Lix's releng/README.md "Infrastructure summary"):
 *
 *   releases  NAME/NAME-VERSION/…                  versioned (immutable): the release tree
 *             manifest.nix                         pointer (latest-like): what `nix upgrade-nix` installs
 *             NAME/NAME-VERSION/.releng-index.json  the per-release index, written last
 *   install   NAME/NAME-VERSION/NAME-installer-SYS versioned
 *             NAME/NAME-installer-SYS              pointer (latest-like)
 *   docs      manual/NAME/MAJOR/ or …/nightly/      pointer (the newest release of that major; synced)
 *             manual/NAME/stable/                  pointer (latest-like, official releases only)
 *   cache     nar/…, HASH.narinfo, HASH.ls         versioned; nix-cache-info written once
 */
export type Destination = 'cache' | 'releases' | 'docs' | 'install';

export const versionDir = (name: string, version: string) => `${name}/${name}-${version}/`;

export const indexKey = (name: string, version: string) => `${versionDir(name, version)}.releng-index.json`;

export const ROOT_MANIFEST = 'manifest.nix';

export const manualPrefix = (name: string, label: string) => `manual/${name}/${label}/`;

/** The installer binaries of a release tree: `NAME-installer-SYSTEM` files, wherever they sit in it. */
export function installerName(name: string, treePath: string): string | undefined {
  const base = treePath.slice(treePath.lastIndexOf('/') + 1);
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc}-installer-[A-Za-z0-9_]+-[A-Za-z0-9_]+$`).test(base) ? base : undefined;
}

export const installerVersionKey = (name: string, version: string, base: string) =>
  `${versionDir(name, version)}${base}`;
export const installerPointerKey = (name: string, base: string) => `${name}/${base}`;
