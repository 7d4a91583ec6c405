import { z } from 'zod';
import { remoteProblem } from '../git/remote.js';
import { knownHostsLineProblem } from '../git/ssh.js';

/** Lix's release-notes eras (src/notes/style.ts says what each changes). */
export const NOTES_STYLES = ['lix-2.91', 'lix-2.93', 'lix-2.94', 'lix-2.95'] as const;
export type NotesStyle = (typeof NOTES_STYLES)[number];
export const DEFAULT_NOTES_STYLE: NotesStyle = 'lix-2.95';

// releng.yml. Every object is strict: an unknown key is an error naming it (a typo must not be ignored).

const links = z
  .strictObject({
    // Defaults are Lix's (maintainers/build-release-notes.py).
    github: z.string().url().default('https://github.com/NixOS/nix'),
    'github-root': z.string().url().default('https://github.com/'),
    forgejo: z.string().url().default('https://git.lix.systems/lix-project/lix'),
    'forgejo-root': z.string().url().default('https://git.lix.systems/'),
    gerrit: z.string().url().default('https://gerrit.lix.systems/c/lix/+'),
  })
  .prefault({});

/**
 * A path of the checkout: relative, without `..`, outside `.git`. (prepare also resolves it, symlinks
 * included, before writing anything: src/config/checkout.ts.)
 */
const repoPath = z
  .string()
  .min(1)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !/[\0-\x1f\x7f]/.test(p) &&
      !p.split(/[\\/]/).includes('..') &&
      p.split(/[\\/]/).filter((c) => c !== '' && c !== '.')[0] !== '.git',
    'a path inside the repository: relative, without .. or control characters, not in .git',
  );

const notes = z
  .strictObject({
    /** Which era of Lix's build-release-notes to write like (docs/architecture.md). */
    style: z
      .enum(NOTES_STYLES, {
        error: (issue) =>
          `'${String(issue.input)}' is not a notes style; use one of ${NOTES_STYLES.join(', ')}`,
      })
      .default(DEFAULT_NOTES_STYLE),
    fragments: repoPath.default('doc/manual/rl-next'),
    authors: repoPath.default('doc/manual/change-authors.yml'),
    'output-dir': repoPath.default('doc/manual/src/release-notes'),
    summary: repoPath.default('doc/manual/src/SUMMARY.md'),
    links,
  })
  .prefault({});

const NIX_SYSTEM = /^[a-z0-9_]+-[a-z0-9_]+$/;

/**
 * A job per system, with `{system}` where the system goes: an attr below build.jobs as nix-eval-jobs names
 * it (`binaryTarball.{system}`), or a flake attribute path of its own, `FLAKE#PATH`
 * (`.#hydraJobs.dockerImage.{system}.tarball`: Lix's release jobs hold neither). A flake path's components
 * are plain attribute names, its first one without `{system}` (nix resolves it; the rest is walked per system).
 */
const FLAKE_PATH = /^[^#\s]*#[A-Za-z_][A-Za-z0-9_'-]*(\.([A-Za-z0-9_'-]|\{system\})+)+$/;
const jobTemplate = z
  .string()
  .regex(/\{system\}/, 'a job attr with {system}, such as binaryTarball.{system}')
  .refine((t) => !t.includes('#') || FLAKE_PATH.test(t), {
    message:
      'a flake attribute path FLAKE#a.b.{system}… of plain attribute names, the first without {system}, such as .#hydraJobs.binaryTarball.{system}',
  });

/** A profile of the release jobs (Lix's `release-jobs.nix`: `all`, `x86_64-linux-only`): one attribute name. */
export const PROFILE_NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

const build = z
  .strictObject({
    jobs: z.string().min(1).default('.#release-jobs'),
    /** Evaluate `jobs.PROFILE` (Lix's releng: `--flake .#release-jobs.PROFILE`); the `profile` input overrides it. */
    profile: z.string().regex(PROFILE_NAME, 'an attribute name such as all or x86_64-linux-only').optional(),
    systems: z
      .array(z.string().regex(NIX_SYSTEM, 'a nix system such as x86_64-linux'))
      .min(1)
      .default(['x86_64-linux', 'aarch64-linux']),
    /** The job whose `doc` output holds the manual; its system's leg makes the manual and source tarball. */
    'manual-from': z.string().min(1).default('build.x86_64-linux'),
    /** The manual inside that output. Default: share/doc/NAME/manual, else the only share/doc/*\/manual. */
    'manual-path': z.string().min(1).optional(),
    /** Each system's package: its `out` is the system's manifest.nix entry; its closure goes to the cache. */
    package: jobTemplate.default('build.{system}'),
    /** Jobs whose output holds the release-tree files; null: none. */
    'binary-tarball': jobTemplate.nullable().default('binaryTarball.{system}'),
    'docker-image': jobTemplate.nullable().default('dockerImage.{system}'),
    installer: jobTemplate.nullable().default(null),
  })
  .prefault({});

const s3 = z.strictObject({
  endpoint: z.string().url().optional(),
  region: z.string().min(1).default('us-east-1'),
  'path-style': z.boolean().default(true),
  /** A command that prints `{"id": …, "secret_key": …}` (the reference's ephemeral Garage key). */
  'credentials-command': z.string().min(1).optional(),
});

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `{env: NAME}`: a secret named by the environment variable that holds it, never written in the file. */
const envRef = z.custom<{ env: string }>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    Object.keys(v).length === 1 &&
    typeof (v as { env?: unknown }).env === 'string' &&
    ENV_NAME.test((v as { env: string }).env),
  '{env: NAME}, the environment variable that holds it (never the value itself)',
);

const registry = z
  .strictObject({
    /** `host/repo` or `oci-layout:DIR`. */
    ref: z.string().min(1),
    tags: z.array(z.string().min(1)).default(['{version}', '{major}']),
    /** This registry's own login (e.g. a Forgejo registry and ghcr.io with different users). */
    username: envRef.optional(),
    password: envRef.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.username !== !r.password)
      ctx.addIssue({
        code: 'custom',
        path: [r.username ? 'password' : 'username'],
        message:
          'username and password go together: give both ({env: NAME} each), or neither (then the inputs or docker login)',
      });
  });

const forge = z.strictObject({
  type: z.enum(['github', 'forgejo']),
  /** API base, e.g. https://api.github.com or https://git.lix.systems/api/v1 */
  'api-url': z.string().url(),
  /** owner/name */
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'owner/name'),
});

/** A git remote: a URL, scp-like `user@host:path` or a path; nothing git or ssh could read as an option. */
const gitRemote = z
  .string()
  .min(1)
  .superRefine((r, ctx) => {
    const problem = remoteProblem(r);
    if (problem) ctx.addIssue({ code: 'custom', message: `'${r}' is not a git remote: ${problem}` });
  });

/** How the release branch goes to the remote: pushed (fast-forward), or for review on Gerrit (refs/for/BRANCH). */
export const GIT_PUSH_MODES = ['direct', 'gerrit'] as const;
export type GitPushMode = (typeof GIT_PUSH_MODES)[number];

/** known_hosts lines (as `ssh-keyscan HOST` prints them): one string of lines, or a list of lines. */
const knownHosts = z
  .union([z.string(), z.array(z.string())], {
    error:
      'known_hosts lines: a string, or a list of strings (HOST KEYTYPE BASE64, as ssh-keyscan prints them)',
  })
  .transform((v) =>
    (typeof v === 'string' ? v.split('\n') : v).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')),
  )
  .superRefine((lines, ctx) => {
    if (lines.length === 0) ctx.addIssue({ code: 'custom', message: 'no known_hosts line in it' });
    lines.forEach((line, i) => {
      const problem = knownHostsLineProblem(line);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `line ${i + 1} is not a known_hosts line: ${problem}; give HOST KEYTYPE BASE64 as ssh-keyscan HOST prints it`,
        });
    });
  });

/** A destination: `s3://bucket[/prefix]` or a directory path (relative to the working directory). */
const sink = z.string().min(1);

/** NAR compressions nix writes (`compression=`): the legs' NARs are uploaded as build-artifacts made them. */
export const NAR_COMPRESSIONS = ['none', 'xz', 'bzip2', 'br', 'zstd', 'gzip'] as const;
/** Encodings publish writes narinfo and `.ls` bodies in (src/nix/encoding.ts: nothing encodes xz without native code). */
export const BODY_ENCODINGS = ['none', 'zstd', 'br', 'gzip'] as const;
const bodyEncoding = (key: string) =>
  z
    .enum(BODY_ENCODINGS, {
      error: (issue) =>
        `'${String(issue.input)}' is not a ${key} publish writes; use one of ${BODY_ENCODINGS.join(', ')} (cache.lix.systems uses zstd)`,
    })
    .default('none');

/**
 * What publish writes into the binary cache, as nix's S3 store settings of the same names (Lix's upload:
 * `compression=zstd&narinfo-compression=zstd&ls-compression=zstd&write-nar-listing=true`).
 */
const cacheSettings = z.strictObject({
  /** Of the NARs. Unset: leg bundles' NARs as built (zstd), artifacts-dir's as `nix copy` makes them (zstd). */
  compression: z
    .enum(NAR_COMPRESSIONS, {
      error: (issue) =>
        `'${String(issue.input)}' is not a compression nix writes; use one of ${NAR_COMPRESSIONS.join(', ')}`,
    })
    .optional(),
  'narinfo-compression': bodyEncoding('narinfo-compression'),
  'ls-compression': bodyEncoding('ls-compression'),
  'write-nar-listing': z.boolean().default(true),
});

const environment = z
  .strictObject({
    s3: s3.optional(),
    cache: sink.optional(),
    'cache-settings': cacheSettings.optional(),
    releases: sink.optional(),
    docs: sink.optional(),
    install: sink.optional(),
    'signing-key': z
      .strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') })
      .optional(),
    registries: z.array(registry).default([]),
    'git-remote': gitRemote.optional(),
    /**
     * direct (the default, gitPushMode): a fast-forward push of the release branch; gerrit: the branch's
     * commit to refs/for/BRANCH for review (Lix's Gerrit). Either way before the tag.
     */
    'git-push': z
      .enum(GIT_PUSH_MODES, {
        error: (issue) =>
          `'${String(issue.input)}' is not a way to push; use one of ${GIT_PUSH_MODES.join(', ')}`,
      })
      .optional(),
    /** The ssh host keys of git-remote (and of the credentials-command's host): checked strictly. */
    'known-hosts': knownHosts.optional(),
    forge: forge.optional(),
    /** Public base URLs of the destinations (e.g. https://releases.lix.systems), for summaries and the release page. */
    'public-urls': z
      .strictObject({
        cache: z.string().url().optional(),
        releases: z.string().url().optional(),
        docs: z.string().url().optional(),
        install: z.string().url().optional(),
      })
      .optional(),
    /**
     * Needs the typed confirmation (`I want to release this to NAME`) before publishing; default: every
     * environment but `local` (src/config/confirmation.ts).
     */
    confirm: z.boolean().optional(),
  })
  .superRefine((e, ctx) => {
    // nix reads a file:// cache's narinfo and listings as they are: only an S3 store's carry a Content-Encoding.
    if (e.cache?.startsWith('s3://') === true) return;
    for (const key of ['narinfo-compression', 'ls-compression'] as const) {
      const value = e['cache-settings']?.[key] ?? 'none';
      if (value !== 'none')
        ctx.addIssue({
          code: 'custom',
          path: ['cache-settings', key],
          message: `${value} needs an s3:// cache: nix reads a directory (file://) cache's files as they are, without Content-Encoding; set none`,
        });
    }
  });

export const LOCAL_ENVIRONMENT = {
  cache: '.releng/local/cache',
  releases: '.releng/local/releases',
  docs: '.releng/local/docs',
  install: '.releng/local/install',
  registries: [{ ref: 'oci-layout:.releng/local/oci', tags: ['{version}', '{major}'] }],
  'git-remote': '.releng/local/remote.git',
};

export const configSchema = z.strictObject({
  product: z.string().min(1).default('Lix'),
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore')
    .default('lix'),
  notes,
  build,
  environments: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case name'), environment).default({}),
});

export type Config = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environment>;
export type RegistryConfig = z.output<typeof registry>;
export type S3Config = z.output<typeof s3>;
export type CacheSettings = z.output<typeof cacheSettings>;

/** The environment's cache settings, with the defaults for those it leaves out. */
export function cacheSettingsOf(environment: EnvironmentConfig): CacheSettings {
  return environment['cache-settings'] ?? cacheSettings.parse({});
}
export type ForgeConfig = z.output<typeof forge>;
export type BuildConfig = z.output<typeof build>;

/** The environment's git-push, direct unless it says gerrit. */
export function gitPushMode(environment: EnvironmentConfig): GitPushMode {
  return environment['git-push'] ?? 'direct';
}
