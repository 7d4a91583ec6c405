/**
 * Every name of the release tree, built and parsed here (each parser beside its builder), for the build
 * (src/release, src/bundle) and for publish, which lays the same tree out in its destinations.
 *
 * The tree (the reference's release/artifacts/), paths relative to its root, with forward slashes:
 *   manifest.nix                                   what `nix upgrade-nix` installs (a pointer once published)
 *   NAME/NAME-VERSION/                             the version directory: every file of the release
 *     manifest.nix
 *     NAME-VERSION.tar.gz, .sha256                 the source tarball
 *     NAME-VERSION-manual.tar.gz, .sha256          the manual tarball (top directory NAME-VERSION-manual/)
 *     NAME-VERSION-docker-image-SYSTEM.tar.gz, .sha256
 *     NAME-installer-SYSTEM                        no .sha256: only the binaries match the installer name
 *     *.tar.xz, .sha256                            binary tarballs, named by the package's own build
 *     manual/
 * Where publish puts it (Lix's releng/README.md "Infrastructure summary"):
 *   releases  the tree as it is; NAME/NAME-VERSION/.releng-index.json, publish's per-release index
 *   install   NAME/NAME-VERSION/NAME-installer-SYSTEM (versioned), NAME/NAME-installer-SYSTEM (pointer)
 *   docs      manual/NAME/MAJOR/ or manual/NAME/nightly/, and manual/NAME/stable/ (pointers)
 */

import { printable, RelengError } from '../errors.js';

/** One file of the release tree. */
export interface TreeFile {
  /** Relative to the release tree root, forward slashes. */
  path: string;
  size: number;
  /** Hex sha256 of the bytes; empty until hashed when read from an artifacts dir (storage/hash.ts). */
  sha256: string;
  /** Absolute path of the bytes (inside a leg bundle, an artifacts dir, or generated beside them). */
  source: string;
}

/** A docker archive of the release, as publish and docker-multiarch take it. */
export interface ReleaseImage {
  /** Absolute path of the archive. */
  file: string;
  /** The nix system it was built for. */
  system: string;
  /** Hex sha256 of the archive, when the build recorded it (leg.json). */
  sha256?: string;
}

export const MANIFEST = 'manifest.nix';

/** `NAME/NAME-VERSION`: the version directory. */
export function versionDir(name: string, version: string): string {
  return `${name}/${name}-${version}`;
}

/** `NAME/NAME-VERSION/`: the version directory as a key prefix (a listing of it, nothing of another version). */
export function versionPrefix(name: string, version: string): string {
  return `${versionDir(name, version)}/`;
}

/** A file of the version directory: `NAME/NAME-VERSION/FILE`. */
export function inVersionDir(name: string, version: string, file: string): string {
  return versionPrefix(name, version) + file;
}

/** The part of `treePath` below the version directory, or undefined when it is outside it. */
export function belowVersionDir(name: string, version: string, treePath: string): string | undefined {
  const prefix = versionPrefix(name, version);
  return treePath.startsWith(prefix) ? treePath.slice(prefix.length) : undefined;
}

/** The file names inside the version directory. */
export const names = {
  sourceTarball: (name: string, version: string) => `${name}-${version}.tar.gz`,
  /** The top directory inside the source tarball (`git archive --prefix`). */
  sourceTarballRoot: (name: string, version: string) => `${name}-${version}`,
  manualTarball: (name: string, version: string) => `${name}-${version}-manual.tar.gz`,
  /** The top directory inside the manual tarball, as the reference's manualTar. */
  manualTarballRoot: (name: string, version: string) => `${name}-${version}-manual`,
  dockerImage: (name: string, version: string, system: string) =>
    `${name}-${version}-docker-image-${system}.tar.gz`,
  installer: (name: string, system: string) => `${name}-installer-${system}`,
  sha256: (file: string) => `${file}.sha256`,
  /** The manual's directory. */
  manual: 'manual',
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const baseOf = (treePath: string) => treePath.slice(treePath.lastIndexOf('/') + 1);

/** The system of a docker image file (`names.dockerImage`; a plain `.tar` too), or undefined. */
export function parseDockerImage(name: string, version: string, file: string): string | undefined {
  const re = new RegExp(`^${escapeRe(name)}-${escapeRe(version)}-docker-image-(.+)\\.tar(\\.gz)?$`);
  return re.exec(baseOf(file))?.[1];
}

/** The system of an installer binary (`names.installer`), wherever it sits in the tree, or undefined. */
export function parseInstaller(name: string, treePath: string): string | undefined {
  const re = new RegExp(`^${escapeRe(name)}-installer-([A-Za-z0-9_]+-[A-Za-z0-9_]+)$`);
  return re.exec(baseOf(treePath))?.[1];
}

/** A binary tarball as the package's build names it (`*.tar.xz`), copied into the tree as it is. */
export function isBinaryTarball(file: string): boolean {
  return file.endsWith('.tar.xz');
}

/** The source tarball's .sha256: the hex digest alone, no newline, as create_release.xsh writes it. */
export function sha256Text(hex: string): string {
  return hex;
}

/**
 * The .sha256 of a file Lix's `tarballs` job makes (binary tarballs, images, the manual tarball): its
 * `sha256sum --binary FILE | cut -f1 -d' '`, the hex digest and a newline.
 */
export function sha256Line(hex: string): string {
  return `${hex}\n`;
}

/** The digest of a .sha256 file: ours, or `sha256sum`'s (`HEX  NAME`, newline); undefined when it is none. */
export function parseSha256Text(text: string): string | undefined {
  const hex = text.trim().split(/\s+/)[0] ?? '';
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

// Values that come from outside (leg.json) and end up in names, in Nix source or in Markdown: each has
// its shape checked where it enters (src/bundle/leg.ts), and is escaped again where it is written.

/** `/nix/store/` + 32 nix-base32 characters + `-` + a store path name (nix's own character set). */
const STORE_PATH_RE = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]{0,210}$/;
/** A nix system, `ARCH-OS` (x86_64-linux, aarch64-darwin): how nix and Hydra name them. */
export const NIX_SYSTEM_RE = /^[a-z0-9_]{1,32}-[a-z0-9_]{1,32}$/;
/** A project name: one path segment of the release tree and a file-name prefix. */
const PROJECT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_+-]{0,63}$/;

const refuse = (where: string, value: string, what: string) =>
  new RelengError(`${where}: '${printable(value)}' ${what}`);

export function checkStorePath(value: string, where: string): string {
  if (!STORE_PATH_RE.test(value))
    throw refuse(where, value, 'is not a nix store path (/nix/store/<32 nix-base32 characters>-<name>)');
  return value;
}

export function checkSystem(value: string, where: string): string {
  if (!NIX_SYSTEM_RE.test(value))
    throw refuse(where, value, 'is not a nix system (ARCH-OS, such as x86_64-linux)');
  return value;
}

export function checkProjectName(value: string, where: string): string {
  if (!PROJECT_NAME_RE.test(value))
    throw refuse(where, value, 'is not a project name (letters, digits, _ + -, at most 64)');
  return value;
}

/** A product name goes into a Nix comment, titles and Markdown headings: one line of text. */
export function checkProduct(value: string, where: string): string {
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value) || value.length === 0 || value.length > 128)
    throw refuse(where, value, 'must be one line of at most 128 characters');
  return value;
}

/** A Nix string literal holding exactly `s`: `"`, `\`, `${` and control characters escaped. */
export function nixString(s: string): string {
  const body = s.replace(/[\\"\n\r\t]|\$\{/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`,
  );
  return `"${body}"`;
}

/**
 * manifest.nix as Lix's `make_manifest` writes it: a generated-by comment, then `{ SYSTEM = "PATH"; … }`
 * of each system's package. Sorted by system, so a single build and merged legs give the same bytes. Every
 * value is checked again here (a system, a store path, a one-line product) and written as a Nix string:
 * this text is Nix source, and nothing in it may be code.
 */
export function manifestText(product: string, bySystem: Record<string, string>): string {
  checkProduct(product, 'manifest.nix: the product');
  const lines = Object.keys(bySystem)
    .sort()
    .map((system) => {
      checkSystem(system, 'manifest.nix: a system');
      const out = checkStorePath(bySystem[system]!, `manifest.nix: the package of ${system}`);
      // An attribute name must not start with a digit unless quoted (x86_64-linux needs no quotes).
      const attr = /^[A-Za-z_]/.test(system) ? system : nixString(system);
      return `  ${attr} = ${nixString(out)};`;
    });
  return `# This file was generated by releng-actions in ${product}\n{\n${lines.join('\n')}\n}\n`;
}

// Publish's keys for the same names.

/** The per-release index publish writes in the releases destination (src/publish/index-object.ts). */
export function indexKey(name: string, version: string): string {
  return inVersionDir(name, version, '.releng-index.json');
}

/**
 * The release's claim publish writes in the releases destination before the first file of the tree
 * (src/publish/claim.ts): the one write two concurrent publishes of one version race for.
 */
export function claimKey(name: string, version: string): string {
  return inVersionDir(name, version, '.releng-claim.json');
}

/** The installer pointer in the install destination (the versioned copy is `inVersionDir`). */
export function installerPointerKey(name: string, system: string): string {
  return `${name}/${names.installer(name, system)}`;
}

/** The docs label of a release's manual: its major when official, else `nightly`; and `stable`. */
export function manualLabel(officialRelease: boolean, major: string): string {
  return officialRelease ? major : 'nightly';
}
export const STABLE = 'stable';

/** `manual/NAME/LABEL/` in the docs destination. */
export function manualPrefix(name: string, label: string): string {
  return `manual/${name}/${label}/`;
}
