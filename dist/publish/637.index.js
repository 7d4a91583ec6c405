export const id = 637;
export const ids = [637];
export const modules = {

/***/ 5637:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  publish: () => (/* binding */ publish)
});

// EXTERNAL MODULE: ./src/config/confirmation.ts
var config_confirmation = __webpack_require__(1441);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
var external_node_fs_default = /*#__PURE__*/__webpack_require__.n(external_node_fs_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/config/checkout.ts
var checkout = __webpack_require__(4020);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
;// CONCATENATED MODULE: ./src/git/remote.ts
/**
 * What may reach git as a remote, a ref or an object id. git reads an argument that starts with `-` as an
 * option (`--upload-pack=CMD` runs CMD), and a transport helper address (`ext::CMD`) runs a command too;
 * ssh reads a host that starts with `-` as one of its options. So every remote is checked when releng.yml
 * is loaded, and refs and object ids — some of which come from a server's answer — before they are used.
 */

/** The transports a remote may use (also git's GIT_ALLOW_PROTOCOL in src/git/git.ts). */
const ALLOWED_PROTOCOLS = ['ssh', 'https', 'http', 'git', 'file'];
const URL_SCHEMES = new Set([...ALLOWED_PROTOCOLS, 'git+ssh', 'ssh+git']);
/** Why `remote` may not be given to git, or undefined when it may. */
function remoteProblem(remote) {
    if (remote === '')
        return 'an empty remote';
    if (/[\0-\x1f\x7f]/.test(remote))
        return 'a control character';
    if (remote.startsWith('-'))
        return 'it starts with "-", so git would read it as an option';
    // `helper::address` makes git run git-remote-HELPER (ext:: runs any command).
    const helper = /^([A-Za-z0-9+.-]+)::/.exec(remote);
    if (helper)
        return `a transport helper address (${helper[1]}::), which git would run`;
    const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)/.exec(remote);
    if (url) {
        const scheme = url[1].toLowerCase();
        if (!URL_SCHEMES.has(scheme))
            return `the transport ${scheme}:// (use ssh://, https://, http://, git:// or file://)`;
        return hostProblem(url[2].replace(/^[^@]*@/, ''), url[2].includes('@') ? url[2].split('@')[0] : '');
    }
    // scp-like `[user@]host:path`: a ':' before the first '/'.
    const scp = /^([^/:]*):/.exec(remote);
    if (scp) {
        const at = scp[1].lastIndexOf('@');
        return hostProblem(scp[1].slice(at + 1), at >= 0 ? scp[1].slice(0, at) : '');
    }
    return undefined;
}
function hostProblem(host, user) {
    if (host.startsWith('-') || host.startsWith('[-'))
        return 'its host starts with "-", so ssh would read it as an option';
    if (user.startsWith('-'))
        return 'its user starts with "-", so ssh would read it as an option';
    if (/\s/.test(host) || /\s/.test(user))
        return 'a space in its user or host';
    return undefined;
}
/** Throws one line when `remote` may not be given to git. */
function checkRemote(remote, where = 'git-remote') {
    const problem = remoteProblem(remote);
    if (problem)
        throw new errors/* RelengError */.mz(`${where}: '${remote}' is not a git remote: ${problem}`);
}
/**
 * A full ref name as we push it (`refs/heads/B`, `refs/for/B`, `refs/tags/V`), by git's check-ref-format
 * rules: components not starting with `.` or `-`, none of `..`, `@{`, `~^:?*[\`, spaces or control
 * characters, not ending in `.lock`, `.` or `/`.
 */
function refProblem(ref) {
    if (!/^refs\/[^/]/.test(ref))
        return 'not a full ref name (refs/…)';
    if (/[\0-\x20\x7f~^:?*[\\]/.test(ref) || ref.includes('..') || ref.includes('@{') || ref.includes('//'))
        return 'a character git does not allow in a ref name';
    if (ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock'))
        return 'an ending git does not allow';
    if (ref.split('/').some((c) => c.startsWith('.') || c.startsWith('-')))
        return 'a part that starts with "." or "-"';
    return undefined;
}
function checkRef(ref) {
    const problem = refProblem(ref);
    if (problem)
        throw new errors/* RelengError */.mz(`git ref '${ref}' refused: ${problem}`);
}
/** A branch name (`main`, `release-2.93`): what follows refs/heads/. */
function checkBranchName(name) {
    checkRef(`refs/heads/${name}`);
}
/** An object id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
function checkOid(oid, where) {
    if (!OID.test(oid))
        throw new errors/* RelengError */.mz(`${where}: '${oid.slice(0, 80)}' is not a git object id`);
}

// EXTERNAL MODULE: ./src/nix/work-dir.ts
var work_dir = __webpack_require__(9568);
;// CONCATENATED MODULE: ./src/git/ssh.ts
/**
 * SSH from a runner: the `ssh-key` input (a private key, a secret) and an environment's `known-hosts`
 * (releng.yml) become a private temp directory — 0700, under RUNNER_TEMP when set — holding the key
 * (0600), a known_hosts file and an `ssh` wrapper, removed by `close()` (and, after a kill, by the next
 * run: src/nix/work-dir.ts). git gets them through GIT_SSH_COMMAND; the S3 credentials-command (Lix asks
 * its Garage host over ssh for an ephemeral key) finds the wrapper first on its PATH, so a plain
 * `ssh user@host …` in it uses the same key and host keys. Host keys are always checked
 * (StrictHostKeyChecking=yes): with known-hosts, against those lines only.
 */




/** The smallest private key there is (an ed25519 openssh-key-v1 blob) is ~230 bytes; less is cut short. */
const MIN_KEY_BYTES = 128;
const PEM = /^-----BEGIN ((?:OPENSSH|RSA|EC|DSA) )?PRIVATE KEY-----\n([\s\S]*?)\n?-----END \1PRIVATE KEY-----$/;
/** Why `key` is not a usable private key for a runner (never quoting it), or undefined. */
function sshKeyProblem(key) {
    const text = normaliseKey(key);
    if (/^(ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+/.test(text))
        return 'it is a public key (ssh-… AAAA…); pass the private key (-----BEGIN OPENSSH PRIVATE KEY-----…)';
    const m = PEM.exec(text);
    if (!m)
        return 'it is not a private key in PEM form (-----BEGIN OPENSSH PRIVATE KEY----- … -----END …)';
    if (/Proc-Type:\s*4,ENCRYPTED/.test(m[2]) || text.includes('BEGIN ENCRYPTED'))
        return 'it is encrypted with a passphrase, which a runner cannot type; use a key without one';
    const body = m[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body))
        return 'its body is not base64';
    const blob = Buffer.from(body, 'base64');
    if (blob.length < MIN_KEY_BYTES)
        return `it is ${blob.length} bytes long: too short for a private key (cut short?)`;
    if (m[1] === 'OPENSSH ') {
        const magic = 'openssh-key-v1\0';
        if (blob.subarray(0, magic.length).toString('latin1') !== magic)
            return 'it is not an openssh-key-v1 key';
        const len = blob.readUInt32BE(magic.length);
        const cipher = blob.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1');
        if (cipher !== 'none')
            return 'it is encrypted with a passphrase, which a runner cannot type; use a key without one';
    }
    return undefined;
}
/** Throws one line naming the input (never quoting the key) when it is not usable. */
function checkSshKey(key) {
    const problem = sshKeyProblem(key);
    if (problem)
        throw new errors/* RelengError */.mz(`input 'ssh-key' is not usable: ${problem}`);
}
/** Secrets pasted from elsewhere: CRLF line ends, surrounding blank lines. */
function normaliseKey(key) {
    return key.replace(/\r\n?/g, '\n').trim();
}
/** Key types ssh accepts in known_hosts. */
const HOST_KEY_TYPES = new Set([
    'ssh-ed25519',
    'ssh-rsa',
    'ssh-dss',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'sk-ssh-ed25519@openssh.com',
    'sk-ecdsa-sha2-nistp256@openssh.com',
]);
/**
 * Why a known_hosts line is not one (`[@marker] HOSTS KEYTYPE BASE64 [comment]`, the key's blob naming
 * its own type), or undefined. Blank lines and `#` comments pass.
 */
function knownHostsLineProblem(line) {
    if (line.trim() === '' || line.trim().startsWith('#'))
        return undefined;
    if (/[\0-\x08\x0a-\x1f\x7f]/.test(line))
        return 'a control character';
    const parts = line.trim().split(/[ \t]+/);
    if (parts[0] === '@cert-authority' || parts[0] === '@revoked')
        parts.shift();
    const [hosts, type, key] = parts;
    if (!hosts || !type || !key)
        return 'not a known_hosts line (HOST KEYTYPE BASE64, as ssh-keyscan prints it)';
    if (hosts.startsWith('@'))
        return `the unknown marker ${hosts.split(/\s/)[0]}`;
    if (!HOST_KEY_TYPES.has(type))
        return `the key type '${type.slice(0, 40)}' is not one ssh knows`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key))
        return 'the key is not base64';
    const blob = Buffer.from(key, 'base64');
    const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
    if (len < 0 || blob.subarray(4, 4 + len).toString('latin1') !== type)
        return `the key is not a ${type} key`;
    return undefined;
}
/** Single-quoted for sh (GIT_SSH_COMMAND and the wrapper go through a shell). */
const shQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Sets up ssh for the run; with neither key nor known-hosts, nothing (the runner's own ssh setup). */
function openSsh(o) {
    if (!o.key && !o.knownHosts?.length)
        return { gitEnv: {}, commandEnv: {}, close() { } };
    if (o.key)
        checkSshKey(o.key);
    const ssh = findProgram('ssh', o.processEnv.PATH ?? '');
    if (!ssh)
        throw new errors/* RelengError */.mz('ssh-key/known-hosts need ssh, which is not on PATH; install openssh-client on the runner');
    const dir = (0,work_dir/* makeWorkDir */.dW)('releng-ssh', o.processEnv);
    const remove = () => external_node_fs_default().rmSync(dir, { recursive: true, force: true });
    // A cancelled job (SIGINT, SIGTERM) takes the key with it; a killed one leaves it to the next run.
    const forget = (0,work_dir/* removeOnSignal */.QF)(remove);
    try {
        external_node_fs_default().chmodSync(dir, 0o700);
        const args = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
        if (o.key) {
            const keyFile = external_node_path_default().join(dir, 'key');
            external_node_fs_default().writeFileSync(keyFile, `${normaliseKey(o.key)}\n`, { mode: 0o600, flag: 'wx' });
            args.unshift('-i', keyFile, '-o', 'IdentitiesOnly=yes');
        }
        if (o.knownHosts?.length) {
            const file = external_node_path_default().join(dir, 'known_hosts');
            external_node_fs_default().writeFileSync(file, `${o.knownHosts.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
            // ssh splits this option's value at spaces (several files) unless it is double-quoted.
            if (file.includes('"'))
                throw new errors/* RelengError */.mz(`RUNNER_TEMP ${external_node_path_default().dirname(dir)}: a '"' in it; ssh cannot name a file there`);
            args.push('-o', `UserKnownHostsFile="${file}"`, '-o', 'GlobalKnownHostsFile=/dev/null');
        }
        const command = [ssh, ...args].map(shQuote).join(' ');
        const bin = external_node_path_default().join(dir, 'bin');
        external_node_fs_default().mkdirSync(bin, { mode: 0o700 });
        external_node_fs_default().writeFileSync(external_node_path_default().join(bin, 'ssh'), `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o700, flag: 'wx' });
        o.log.debug(`ssh: ${o.key ? 'the ssh-key input' : "the runner's keys"}${o.knownHosts?.length ? ', known-hosts of releng.yml' : ''}`);
        let open = true;
        return {
            dir,
            gitEnv: { GIT_SSH_COMMAND: command, GIT_SSH_VARIANT: 'ssh' },
            commandEnv: {
                GIT_SSH_COMMAND: command,
                RELENG_SSH_COMMAND: command,
                PATH: `${bin}${(external_node_path_default()).delimiter}${o.processEnv.PATH ?? ''}`,
            },
            close() {
                if (!open)
                    return;
                open = false;
                forget();
                remove();
            },
        };
    }
    catch (e) {
        forget();
        remove();
        throw e;
    }
}
/** The first executable `name` on PATH. */
function findProgram(name, searchPath) {
    for (const d of searchPath.split((external_node_path_default()).delimiter)) {
        if (!d)
            continue;
        const file = external_node_path_default().join(d, name);
        try {
            external_node_fs_default().accessSync(file, (external_node_fs_default()).constants.X_OK);
            if (external_node_fs_default().statSync(file).isFile())
                return file;
        }
        catch {
            // not here
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/config/schema.ts



/** Lix's release-notes eras (src/notes/style.ts says what each changes). */
const NOTES_STYLES = ['lix-2.91', 'lix-2.93', 'lix-2.94', 'lix-2.95'];
const DEFAULT_NOTES_STYLE = 'lix-2.95';
// releng.yml. Every object is strict: an unknown key is an error naming it (a typo must not be ignored).
const links = schemas/* strictObject */.rej({
    // Defaults are Lix's (maintainers/build-release-notes.py).
    github: schemas/* string */.YjP().url().default('https://github.com/NixOS/nix'),
    'github-root': schemas/* string */.YjP().url().default('https://github.com/'),
    forgejo: schemas/* string */.YjP().url().default('https://git.lix.systems/lix-project/lix'),
    'forgejo-root': schemas/* string */.YjP().url().default('https://git.lix.systems/'),
    gerrit: schemas/* string */.YjP().url().default('https://gerrit.lix.systems/c/lix/+'),
})
    .prefault({});
/**
 * A path of the checkout: relative, without `..`, outside `.git`. (prepare also resolves it, symlinks
 * included, before writing anything: src/config/checkout.ts.)
 */
const repoPath = schemas/* string */.YjP()
    .min(1)
    .refine((p) => !p.startsWith('/') &&
    !/[\0-\x1f\x7f]/.test(p) &&
    !p.split(/[\\/]/).includes('..') &&
    p.split(/[\\/]/).filter((c) => c !== '' && c !== '.')[0] !== '.git', 'a path inside the repository: relative, without .. or control characters, not in .git');
const notes = schemas/* strictObject */.rej({
    /** Which era of Lix's build-release-notes to write like (docs/architecture.md). */
    style: schemas/* enum */.k5n(NOTES_STYLES, {
        error: (issue) => `'${String(issue.input)}' is not a notes style; use one of ${NOTES_STYLES.join(', ')}`,
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
const jobTemplate = schemas/* string */.YjP()
    .regex(/\{system\}/, 'a job attr with {system}, such as binaryTarball.{system}')
    .refine((t) => !t.includes('#') || FLAKE_PATH.test(t), {
    message: 'a flake attribute path FLAKE#a.b.{system}… of plain attribute names, the first without {system}, such as .#hydraJobs.binaryTarball.{system}',
});
/** A profile of the release jobs (Lix's `release-jobs.nix`: `all`, `x86_64-linux-only`): one attribute name. */
const PROFILE_NAME = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
const build = schemas/* strictObject */.rej({
    jobs: schemas/* string */.YjP().min(1).default('.#release-jobs'),
    /** Evaluate `jobs.PROFILE` (Lix's releng: `--flake .#release-jobs.PROFILE`); the `profile` input overrides it. */
    profile: schemas/* string */.YjP().regex(PROFILE_NAME, 'an attribute name such as all or x86_64-linux-only').optional(),
    systems: schemas/* array */.YOg(schemas/* string */.YjP().regex(NIX_SYSTEM, 'a nix system such as x86_64-linux'))
        .min(1)
        .default(['x86_64-linux', 'aarch64-linux']),
    /** The job whose `doc` output holds the manual; its system's leg makes the manual and source tarball. */
    'manual-from': schemas/* string */.YjP().min(1).default('build.x86_64-linux'),
    /** The manual inside that output. Default: share/doc/NAME/manual, else the only share/doc/*\/manual. */
    'manual-path': schemas/* string */.YjP().min(1).optional(),
    /** Each system's package: its `out` is the system's manifest.nix entry; its closure goes to the cache. */
    package: jobTemplate.default('build.{system}'),
    /** Jobs whose output holds the release-tree files; null: none. */
    'binary-tarball': jobTemplate.nullable().default('binaryTarball.{system}'),
    'docker-image': jobTemplate.nullable().default('dockerImage.{system}'),
    installer: jobTemplate.nullable().default(null),
})
    .prefault({});
const s3 = schemas/* strictObject */.rej({
    endpoint: schemas/* string */.YjP().url().optional(),
    region: schemas/* string */.YjP().min(1).default('us-east-1'),
    'path-style': schemas/* boolean */.zMY().default(true),
    /** A command that prints `{"id": …, "secret_key": …}` (the reference's ephemeral Garage key). */
    'credentials-command': schemas/* string */.YjP().min(1).optional(),
});
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `{env: NAME}`: a secret named by the environment variable that holds it, never written in the file. */
const envRef = schemas/* custom */.IeY((v) => typeof v === 'object' &&
    v !== null &&
    Object.keys(v).length === 1 &&
    typeof v.env === 'string' &&
    ENV_NAME.test(v.env), '{env: NAME}, the environment variable that holds it (never the value itself)');
const registry = schemas/* strictObject */.rej({
    /** `host/repo` or `oci-layout:DIR`. */
    ref: schemas/* string */.YjP().min(1),
    tags: schemas/* array */.YOg(schemas/* string */.YjP().min(1)).default(['{version}', '{major}']),
    /** This registry's own login (e.g. a Forgejo registry and ghcr.io with different users). */
    username: envRef.optional(),
    password: envRef.optional(),
})
    .superRefine((r, ctx) => {
    if (!r.username !== !r.password)
        ctx.addIssue({
            code: 'custom',
            path: [r.username ? 'password' : 'username'],
            message: 'username and password go together: give both ({env: NAME} each), or neither (then the inputs or docker login)',
        });
});
const forge = schemas/* strictObject */.rej({
    type: schemas/* enum */.k5n(['github', 'forgejo']),
    /** API base, e.g. https://api.github.com or https://git.lix.systems/api/v1 */
    'api-url': schemas/* string */.YjP().url(),
    /** owner/name */
    repository: schemas/* string */.YjP().regex(/^[^/\s]+\/[^/\s]+$/, 'owner/name'),
});
/** A git remote: a URL, scp-like `user@host:path` or a path; nothing git or ssh could read as an option. */
const gitRemote = schemas/* string */.YjP()
    .min(1)
    .superRefine((r, ctx) => {
    const problem = remoteProblem(r);
    if (problem)
        ctx.addIssue({ code: 'custom', message: `'${r}' is not a git remote: ${problem}` });
});
/** How the release branch goes to the remote: pushed (fast-forward), or for review on Gerrit (refs/for/BRANCH). */
const GIT_PUSH_MODES = ['direct', 'gerrit'];
/** known_hosts lines (as `ssh-keyscan HOST` prints them): one string of lines, or a list of lines. */
const knownHosts = schemas/* union */.KCZ([schemas/* string */.YjP(), schemas/* array */.YOg(schemas/* string */.YjP())], {
    error: 'known_hosts lines: a string, or a list of strings (HOST KEYTYPE BASE64, as ssh-keyscan prints them)',
})
    .transform((v) => (typeof v === 'string' ? v.split('\n') : v).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')))
    .superRefine((lines, ctx) => {
    if (lines.length === 0)
        ctx.addIssue({ code: 'custom', message: 'no known_hosts line in it' });
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
const sink = schemas/* string */.YjP().min(1);
/** NAR compressions nix writes (`compression=`): the legs' NARs are uploaded as build-artifacts made them. */
const NAR_COMPRESSIONS = ['none', 'xz', 'bzip2', 'br', 'zstd', 'gzip'];
/** Encodings publish writes narinfo and `.ls` bodies in (src/nix/encoding.ts: nothing encodes xz without native code). */
const BODY_ENCODINGS = ['none', 'zstd', 'br', 'gzip'];
const bodyEncoding = (key) => schemas/* enum */.k5n(BODY_ENCODINGS, {
    error: (issue) => `'${String(issue.input)}' is not a ${key} publish writes; use one of ${BODY_ENCODINGS.join(', ')} (cache.lix.systems uses zstd)`,
})
    .default('none');
/**
 * What publish writes into the binary cache, as nix's S3 store settings of the same names (Lix's upload:
 * `compression=zstd&narinfo-compression=zstd&ls-compression=zstd&write-nar-listing=true`).
 */
const cacheSettings = schemas/* strictObject */.rej({
    /** Of the NARs. Unset: leg bundles' NARs as built (zstd), artifacts-dir's as `nix copy` makes them (zstd). */
    compression: schemas/* enum */.k5n(NAR_COMPRESSIONS, {
        error: (issue) => `'${String(issue.input)}' is not a compression nix writes; use one of ${NAR_COMPRESSIONS.join(', ')}`,
    })
        .optional(),
    'narinfo-compression': bodyEncoding('narinfo-compression'),
    'ls-compression': bodyEncoding('ls-compression'),
    'write-nar-listing': schemas/* boolean */.zMY().default(true),
});
const environment = schemas/* strictObject */.rej({
    s3: s3.optional(),
    cache: sink.optional(),
    'cache-settings': cacheSettings.optional(),
    releases: sink.optional(),
    docs: sink.optional(),
    install: sink.optional(),
    'signing-key': schemas/* strictObject */.rej({ env: schemas/* string */.YjP().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') })
        .optional(),
    registries: schemas/* array */.YOg(registry).default([]),
    'git-remote': gitRemote.optional(),
    /**
     * direct (the default, gitPushMode): a fast-forward push of the release branch; gerrit: the branch's
     * commit to refs/for/BRANCH for review (Lix's Gerrit). Either way before the tag.
     */
    'git-push': schemas/* enum */.k5n(GIT_PUSH_MODES, {
        error: (issue) => `'${String(issue.input)}' is not a way to push; use one of ${GIT_PUSH_MODES.join(', ')}`,
    })
        .optional(),
    /** The ssh host keys of git-remote (and of the credentials-command's host): checked strictly. */
    'known-hosts': knownHosts.optional(),
    forge: forge.optional(),
    /** Public base URLs of the destinations (e.g. https://releases.lix.systems), for summaries and the release page. */
    'public-urls': schemas/* strictObject */.rej({
        cache: schemas/* string */.YjP().url().optional(),
        releases: schemas/* string */.YjP().url().optional(),
        docs: schemas/* string */.YjP().url().optional(),
        install: schemas/* string */.YjP().url().optional(),
    })
        .optional(),
    /**
     * Needs the typed confirmation (`I want to release this to NAME`) before publishing; default: every
     * environment but `local` (src/config/confirmation.ts).
     */
    confirm: schemas/* boolean */.zMY().optional(),
})
    .superRefine((e, ctx) => {
    // nix reads a file:// cache's narinfo and listings as they are: only an S3 store's carry a Content-Encoding.
    if (e.cache?.startsWith('s3://') === true)
        return;
    for (const key of ['narinfo-compression', 'ls-compression']) {
        const value = e['cache-settings']?.[key] ?? 'none';
        if (value !== 'none')
            ctx.addIssue({
                code: 'custom',
                path: ['cache-settings', key],
                message: `${value} needs an s3:// cache: nix reads a directory (file://) cache's files as they are, without Content-Encoding; set none`,
            });
    }
});
const LOCAL_ENVIRONMENT = {
    cache: '.releng/local/cache',
    releases: '.releng/local/releases',
    docs: '.releng/local/docs',
    install: '.releng/local/install',
    registries: [{ ref: 'oci-layout:.releng/local/oci', tags: ['{version}', '{major}'] }],
    'git-remote': '.releng/local/remote.git',
};
const configSchema = schemas/* strictObject */.rej({
    product: schemas/* string */.YjP().min(1).default('Lix'),
    name: schemas/* string */.YjP()
        .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore')
        .default('lix'),
    notes,
    build,
    environments: schemas/* record */.g1P(schemas/* string */.YjP().regex(/^[a-z][a-z0-9-]*$/, 'lower-case name'), environment).default({}),
});
/** The environment's cache settings, with the defaults for those it leaves out. */
function cacheSettingsOf(environment) {
    return environment['cache-settings'] ?? cacheSettings.parse({});
}
/** The environment's git-push, direct unless it says gerrit. */
function gitPushMode(environment) {
    return environment['git-push'] ?? 'direct';
}

;// CONCATENATED MODULE: ./src/config/yaml.ts

/**
 * A parsed YAML document as plain data. The yaml package refuses a document whose aliases expand past
 * its limit (a "billion laughs" bomb) with a bare ReferenceError; here that is one line naming the file.
 */
function yamlToJs(doc, display) {
    try {
        return doc.toJS({ maxAliasCount: 100 });
    }
    catch (e) {
        if (e instanceof ReferenceError || e instanceof RangeError)
            throw new errors/* RelengError */.mz(`${display}: YAML aliases expand too far (${e.message.split('\n')[0]}); write the values out`);
        throw e;
    }
}

;// CONCATENATED MODULE: ./src/config/load.ts







/** The config a stage reads when none is named; the only one that may be absent. */
const DEFAULT_CONFIG = 'releng.yml';
/** releng.yml is a few KiB; a bound keeps a huge file from being parsed at all. */
const CONFIG_MAX_BYTES = 1 << 20;
/**
 * Loads and validates releng.yml. Only the default file (named `releng.yml`) may be absent — then Lix's
 * defaults apply; a config named otherwise must exist. Errors name file:line and key path.
 */
function loadConfig(file, { optional = external_node_path_default().basename(file) === DEFAULT_CONFIG } = {}) {
    let present;
    try {
        external_node_fs_default().lstatSync(file);
        present = true;
    }
    catch (e) {
        if (e.code !== 'ENOENT')
            throw new errors/* RelengError */.mz(`${file}: ${(0,checkout/* describeFsError */.TQ)(e)}`);
        present = false;
    }
    if (!present) {
        if (!optional)
            throw new errors/* RelengError */.mz(`${file}: not found; create it or pass 'config:' with its path`);
        return configSchema.parse({});
    }
    return { ...parseConfig((0,checkout/* readText */.yR)(file, file, CONFIG_MAX_BYTES), file), file };
}
function parseConfig(text, file = 'releng.yml') {
    const lc = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { lineCounter: lc, prettyErrors: false });
    if (doc.errors.length > 0) {
        const e = doc.errors[0];
        const line = lc.linePos(e.pos[0]).line;
        throw new errors/* RelengError */.mz(`${file}:${line}: YAML syntax error: ${e.message.split('\n')[0]}; fix the YAML`);
    }
    const data = yamlToJs(doc, file) ?? {};
    // zod drops a `__proto__` key without a word (an object's prototype is no config): refused by name.
    const proto = protoKeyPath(data);
    if (proto) {
        const line = lineOf(doc, lc, proto);
        throw new errors/* RelengError */.mz(`${file}${line ? `:${line}` : ''}: key '${proto.join('.')}': '__proto__' is not a name releng.yml can use; rename it`);
    }
    const result = configSchema.safeParse(data);
    if (result.success)
        return result.data;
    const issue = result.error.issues[0];
    const keyPath = [...issue.path];
    if (issue.code === 'unrecognized_keys')
        keyPath.push(issue.keys[0]);
    const line = lineOf(doc, lc, keyPath);
    const where = `${file}${line ? `:${line}` : ''}`;
    const key = keyPath.map(String).join('.') || '(top level)';
    throw new errors/* RelengError */.mz(`${where}: key '${key}': ${describeIssue(issue)}`);
}
/** The path of the first `__proto__` key in parsed YAML, if any. */
function protoKeyPath(data, at = []) {
    if (typeof data !== 'object' || data === null)
        return undefined;
    for (const [k, v] of Object.entries(data)) {
        const here = [...at, Array.isArray(data) ? Number(k) : k];
        if (k === '__proto__')
            return here;
        const below = protoKeyPath(v, here);
        if (below)
            return below;
    }
    return undefined;
}
function describeIssue(issue) {
    if (issue.code === 'unrecognized_keys')
        return 'unknown key; remove it or check its spelling (see docs/configuration.md)';
    if (issue.code === 'invalid_type')
        return `expected ${issue.expected}; see docs/configuration.md`;
    return `${issue.message}; see docs/configuration.md`;
}
function lineOf(doc, lc, keyPath) {
    // Walk down as far as the path exists; point at the key itself when it is a map entry.
    let node = doc.contents;
    let offset = node?.range?.[0];
    for (const k of keyPath) {
        if ((0,dist/* isMap */.jh)(node)) {
            const pair = node.items.find((p) => p.key?.value === k);
            if (!pair)
                break;
            offset = pair.key?.range?.[0] ?? offset;
            node = pair.value;
        }
        else if ((0,dist/* isSeq */.oP)(node) && typeof k === 'number') {
            node = node.items[k];
            offset = node?.range?.[0] ?? offset;
        }
        else
            break;
    }
    return offset === undefined ? undefined : lc.linePos(offset).line;
}
/** The named environment, with `local` always available (its defaults need no configuration). */
function environmentConfig(config, environmentName) {
    // Own keys only: 'constructor' or '__proto__' must not find Object.prototype's.
    if (Object.hasOwn(config.environments, environmentName))
        return config.environments[environmentName];
    if (environmentName === 'local')
        return { ...LOCAL_ENVIRONMENT, registries: LOCAL_ENVIRONMENT.registries.map((r) => ({ ...r })) };
    const known = ['local', ...Object.keys(config.environments).filter((n) => n !== 'local')];
    throw new errors/* RelengError */.mz(`environment '${environmentName}' is not defined in releng.yml 'environments:'; known: ${known.join(', ')}`);
}
/** Sinks that are directories are relative to the working directory. */
function resolveSink(sink, dir) {
    return /^[a-z0-9]+:\/\//i.test(sink) || sink.startsWith('oci-layout:') ? sink : external_node_path_default().resolve(dir, sink);
}

// EXTERNAL MODULE: ./src/config/version.ts
var config_version = __webpack_require__(8794);
// EXTERNAL MODULE: ./src/log.ts
var src_log = __webpack_require__(5625);
// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 5 modules
var exec = __webpack_require__(2876);
;// CONCATENATED MODULE: ./src/exec.ts


/**
 * Runs a program without a shell. Output is captured (the runner's "[command]" echo is off, so
 * arguments that carry paths to secret files are not printed); a failure names the command and shows
 * the tail of stderr.
 */
async function run(cmd, args, opts = {}) {
    opts.log?.debug(`$ ${cmd} ${args.join(' ')}`);
    let stdout = '';
    let stderr = '';
    let partial = '';
    const code = await exec/* exec */.m(cmd, args, {
        cwd: opts.cwd,
        env: opts.env
            ? Object.fromEntries(Object.entries(opts.env).filter(([, v]) => v !== undefined))
            : undefined,
        input: opts.input === undefined ? undefined : Buffer.from(opts.input),
        silent: true,
        ignoreReturnCode: true,
        listeners: {
            stdout: (d) => {
                stdout += d.toString();
            },
            stderr: (d) => {
                const s = d.toString();
                stderr += s;
                if (opts.streamTo) {
                    const lines = (partial + s).split('\n');
                    partial = lines.pop() ?? '';
                    for (const l of lines)
                        opts.streamTo(l);
                }
            },
        },
    })
        .catch((e) => {
        throw new errors/* RelengError */.mz(`could not run ${cmd}: ${e.message}; is it installed and on PATH?`);
    });
    if (partial && opts.streamTo)
        opts.streamTo(partial);
    if (code !== 0 && !opts.allowFailure) {
        throw new errors/* RelengError */.mz(`${cmd} ${args.slice(0, 3).join(' ')} failed (exit ${code}): ${tail(stderr || stdout, 3)}`);
    }
    return { code, stdout, stderr };
}
function tail(text, lines) {
    return text.trimEnd().split('\n').slice(-lines).join(' | ');
}

;// CONCATENATED MODULE: ./src/storage/credentials.ts


/**
 * S3 credentials, first found wins: inputs, then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and
 * AWS_SESSION_TOKEN) in the environment, then the configured credentials command (the reference asks its
 * Garage host for an ephemeral key). Every part is registered as a secret the moment it is known.
 */
async function resolveS3Credentials(s) {
    if (s.accessKeyId || s.secretAccessKey) {
        if (!s.accessKeyId || !s.secretAccessKey)
            throw new errors/* RelengError */.mz("inputs 's3-access-key-id' and 's3-secret-access-key' go together: give both, or neither (then the environment or s3.credentials-command is used)");
        return masked(s.log, { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey });
    }
    const id = s.processEnv.AWS_ACCESS_KEY_ID;
    const secret = s.processEnv.AWS_SECRET_ACCESS_KEY;
    if (id && secret)
        return masked(s.log, {
            accessKeyId: id,
            secretAccessKey: secret,
            sessionToken: s.processEnv.AWS_SESSION_TOKEN || undefined,
        });
    if (s.command)
        return fromCommand(s.command, s.cwd, s.log, s.commandEnv);
    throw new errors/* RelengError */.mz("no S3 credentials: pass inputs 's3-access-key-id' and 's3-secret-access-key', set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure s3.credentials-command in releng.yml");
}
function masked(log, c) {
    log.secret(c.accessKeyId);
    log.secret(c.secretAccessKey);
    if (c.sessionToken)
        log.secret(c.sessionToken);
    return c;
}
async function fromCommand(command, cwd, log, commandEnv = {}) {
    // The command's output is a secret: never echoed, not even in an error.
    const env = Object.keys(commandEnv).length ? { ...process.env, ...commandEnv } : undefined;
    const r = await run('sh', ['-c', command], { cwd, env, allowFailure: true });
    if (r.code !== 0)
        throw new errors/* RelengError */.mz(`s3.credentials-command failed (exit ${r.code}); its output is not shown (it may hold the key): run it by hand to see why`);
    let data;
    try {
        data = JSON.parse(r.stdout);
    }
    catch {
        throw new errors/* RelengError */.mz('s3.credentials-command did not print JSON; it must print {"id": "…", "secret_key": "…"} on stdout');
    }
    const o = (data ?? {});
    const id = o.id ?? o.access_key_id ?? o.AccessKeyId;
    const secret = o.secret_key ?? o.secret_access_key ?? o.SecretAccessKey;
    const token = o.session_token ?? o.SessionToken;
    if (typeof id !== 'string' || typeof secret !== 'string' || !id || !secret)
        throw new errors/* RelengError */.mz('s3.credentials-command printed JSON without "id" and "secret_key" strings; it must print {"id": "…", "secret_key": "…"}');
    return masked(log, {
        accessKeyId: id,
        secretAccessKey: secret,
        sessionToken: typeof token === 'string' && token ? token : undefined,
    });
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/storage/hash.ts
var hash = __webpack_require__(4825);
// EXTERNAL MODULE: ./src/storage/key.ts
var storage_key = __webpack_require__(4046);
;// CONCATENATED MODULE: ./src/storage/sink.ts


/** A key as every sink takes it (src/storage/key.ts: one rule for keys and release paths). */
function checkKey(key) {
    return (0,storage_key/* checkRelativePath */._k)(key, 'invalid object key', 'this is a bug of the planner that made it');
}
/** `location/key` for messages and summaries. */
function describeKey(sink, key) {
    return `${sink.location.replace(/\/$/, '')}/${key}`;
}
/**
 * What an `ifAbsent` write that found an object at key decides: our bytes there → written (nothing to
 * do); other bytes → one line naming the key. The sha256 is the one stored with the object, or of its
 * bytes read back when it carries none (another tool wrote it).
 */
async function claimLost(sink, key, o) {
    const there = await sink.head(key);
    const theirs = there && there.size === o.size ? (there.sha256 ?? (await sink.hash(key))?.sha256) : undefined;
    if (theirs === o.sha256)
        return;
    const what = there
        ? `${there.size} bytes${theirs ? `, sha256 ${theirs.slice(0, 12)}…` : ''}`
        : 'since removed';
    throw new ClaimLost(key, `${describeKey(sink, key)} was written by a concurrent publish with different content (${what}; ours ${o.size} bytes, sha256 ${o.sha256.slice(0, 12)}…); this run replaced nothing there — find which run publishes this version, let it finish, then run publish again (force: true replaces that run's bytes with these)`);
}
/** An `ifAbsent` write that found other bytes at its key (claimLost): the one line, and the key. */
class ClaimLost extends errors/* RelengError */.mz {
    key;
    constructor(key, message) {
        super(message);
        this.key = key;
    }
}

;// CONCATENATED MODULE: ./src/storage/directory.ts







const TMP_MARK = '.releng-tmp-';
/**
 * A directory as a sink (the `local` environment). The sha256 is the file's own, computed when asked:
 * local disks are cheap to read and nothing else could go stale. Writes go to a temp file in the same
 * directory and are renamed into place, so a reader (or a killed run) never sees half a file.
 */
class DirectorySink {
    root;
    constructor(root) {
        this.root = root;
    }
    get location() {
        return this.root;
    }
    file(key) {
        const f = external_node_path_default().join(this.root, ...checkKey(key).split('/'));
        this.checkContained(key, f);
        return f;
    }
    /**
     * Nothing is read or written outside the destination's real directory: a symbolic link inside it (to a
     * directory of the runner) would carry the release elsewhere. Checked for every key, on planning's first
     * look at it (head), so a refusal comes before anything is written.
     */
    checkContained(key, f) {
        let root;
        try {
            root = external_node_fs_default().realpathSync(this.root);
        }
        catch {
            return; // not there yet: made by the first write, with nothing in it
        }
        let at = f;
        while (at !== this.root && !external_node_fs_default().lstatSync(at, { throwIfNoEntry: false }))
            at = external_node_path_default().dirname(at);
        let real;
        try {
            real = external_node_fs_default().realpathSync(at);
        }
        catch {
            real = at; // a dangling link: where it points is outside by definition of refusing it
        }
        const dangling = real === at && external_node_fs_default().lstatSync(at).isSymbolicLink();
        if (at !== this.root && (!(0,storage_key/* isWithin */.UO)(root, real) || dangling))
            throw new errors/* RelengError */.mz(`${this.root}: '${key}' leads outside the destination ${this.root} through a symbolic link (to ${real}); remove the link or choose another path in releng.yml`);
    }
    async head(key) {
        const f = this.file(key);
        try {
            if (!external_node_fs_default().statSync(f).isFile())
                return undefined;
        }
        catch {
            return undefined;
        }
        return { key, ...(await (0,hash/* sha256File */.Q)(f)) };
    }
    async put(key, source, options) {
        await this.write(key, options, (tmp) => external_node_fs_default().promises.copyFile(source, tmp));
    }
    async putBytes(key, bytes, options) {
        await this.write(key, options, (tmp) => external_node_fs_default().promises.writeFile(tmp, bytes));
    }
    /**
     * The bytes go to a temp file beside the object, then into place: renamed over it, or — `ifAbsent` —
     * hard-linked to its name, which fails with EEXIST when another run got there first (link(2) is atomic
     * on local and network file systems alike; rename would silently replace). The temp file never
     * outlives the write.
     */
    async write(key, o, fill) {
        const f = this.file(key);
        await external_node_fs_default().promises.mkdir(external_node_path_default().dirname(f), { recursive: true });
        const tmp = `${f}${TMP_MARK}${process.pid}-${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
        try {
            await fill(tmp);
            if (!o.ifAbsent)
                return await external_node_fs_default().promises.rename(tmp, f);
            try {
                await external_node_fs_default().promises.link(tmp, f);
            }
            catch (e) {
                if (e.code !== 'EEXIST')
                    throw e;
                await claimLost(this, key, o);
            }
        }
        finally {
            await external_node_fs_default().promises.rm(tmp, { force: true });
        }
    }
    async list(prefix) {
        // A prefix is a string prefix of keys, as in S3: list the deepest directory it names, then filter.
        const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
        const base = dirPart ? this.file(dirPart) : this.root;
        if (!external_node_fs_default().existsSync(base))
            return [];
        const out = [];
        for (const e of external_node_fs_default().readdirSync(base, { recursive: true, withFileTypes: true })) {
            if (!e.isFile() || e.name.includes(TMP_MARK))
                continue;
            const f = external_node_path_default().join(e.parentPath, e.name);
            const key = external_node_path_default().relative(this.root, f).split((external_node_path_default()).sep).join('/');
            if (key.startsWith(prefix))
                out.push({ key, size: external_node_fs_default().statSync(f).size });
        }
        return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    }
    async delete(keys) {
        for (const k of keys) {
            external_node_fs_default().rmSync(this.file(k), { force: true });
            // Empty directories left behind are pruned up to the root, as keys without objects vanish in S3.
            let dir = external_node_path_default().dirname(this.file(k));
            while (dir.startsWith(this.root) && dir !== this.root) {
                try {
                    external_node_fs_default().rmdirSync(dir);
                }
                catch {
                    break;
                }
                dir = external_node_path_default().dirname(dir);
            }
        }
    }
    async get(key) {
        try {
            return await external_node_fs_default().promises.readFile(this.file(key));
        }
        catch (e) {
            if (e.code === 'ENOENT' || e.code === 'EISDIR')
                return undefined;
            throw e;
        }
    }
    async hash(key) {
        const o = await this.head(key);
        return o?.sha256 ? { sha256: o.sha256, size: o.size } : undefined;
    }
    async check() {
        const dir = this.nearest();
        return external_node_fs_default().statSync(dir).isDirectory() ? [] : [`${this.root}: ${dir} is not a directory`];
    }
    /** The nearest existing ancestor decides: it must be a directory we may write into. */
    nearest() {
        let dir = this.root;
        while (!external_node_fs_default().existsSync(dir))
            dir = external_node_path_default().dirname(dir);
        return dir;
    }
    async checkWrite() {
        const dir = this.nearest();
        try {
            external_node_fs_default().accessSync(dir, (external_node_fs_default()).constants.W_OK);
            return [];
        }
        catch {
            return [
                `${this.root}: ${dir} is not writable; fix its permissions or choose another path in releng.yml`,
            ];
        }
    }
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(3711);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/lib-storage/dist-cjs/index.js
var lib_storage_dist_cjs = __webpack_require__(2358);
;// CONCATENATED MODULE: ./src/pool.ts
/**
 * Bounded concurrency for many small requests (HEADs, PUTs of small files) and a semaphore that caps the
 * request bodies in flight across every upload of a sink, multipart parts included.
 */
async function forEachLimit(items, limit, fn) {
    let next = 0;
    let failed;
    const worker = async () => {
        while (!failed && next < items.length) {
            const i = next++;
            try {
                await fn(items[i], i);
            }
            catch (error) {
                // The first failure stops new work; what is in flight finishes, then it is rethrown.
                failed ??= { error };
            }
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    if (failed)
        throw failed.error;
}
/** Like forEachLimit, keeping each item's result in order. */
async function mapLimit(items, limit, fn) {
    const out = new Array(items.length);
    await forEachLimit(items, limit, async (item, i) => {
        out[i] = await fn(item, i);
    });
    return out;
}
class Semaphore {
    size;
    waiting = [];
    free;
    constructor(size) {
        this.size = size;
        this.free = Math.max(1, size);
    }
    async use(fn) {
        if (this.free > 0)
            this.free--;
        else
            await new Promise((resolve) => this.waiting.push(resolve));
        try {
            return await fn();
        }
        finally {
            const wake = this.waiting.shift();
            if (wake)
                wake();
            else
                this.free++;
        }
    }
}

;// CONCATENATED MODULE: ./src/retry.ts
/**
 * One retry policy for every server the suite talks to (registries, S3): how many attempts, how long to
 * wait between them, how a server's Retry-After is honoured, and which failures are worth another try.
 * The clients decide *what* may be repeated (a consumed body cannot be; a PATCH resumes at the server's
 * offset); this module decides *when*.
 */
/** Attempts in all for a request, unless a caller has a reason for another number. */
const DEFAULT_ATTEMPTS = 5;
/**
 * The longest Retry-After honoured. A server asking for more is treated as failing now: a release job
 * waiting minutes on one request is worse than a clear error and a re-run (which resumes).
 */
const MAX_RETRY_AFTER_MS = 60_000;
const BASE_MS = 250;
const MAX_BACKOFF_MS = 8000;
function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}
/** Exponential backoff from `base`, capped, jittered ±25% so parallel retries do not arrive together. */
function backoffMs(attempt, base = BASE_MS) {
    return Math.min(base * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.75 + Math.random() * 0.5);
}
/** Milliseconds a Retry-After (seconds or an HTTP date) asks for; undefined when absent or unreadable. */
function retryAfterMs(value, now = Date.now()) {
    if (!value)
        return undefined;
    const secs = Number(value);
    if (Number.isFinite(secs) && secs >= 0)
        return secs * 1000;
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(date - now, 0);
}
/**
 * How long to wait before attempt `attempt + 1`: what the server asked (Retry-After), else backoff.
 * `undefined` when the server asks for longer than MAX_RETRY_AFTER_MS: give up.
 */
function retryDelay(attempt, retryAfter, base = BASE_MS) {
    const asked = retryAfterMs(retryAfter);
    if (asked === undefined)
        return backoffMs(attempt, base);
    return asked > MAX_RETRY_AFTER_MS ? undefined : asked;
}
/** Statuses that say "not now" rather than "no": server errors, too many requests, request timeout. */
function isTransientStatus(status) {
    return status >= 500 || status === 429 || status === 408;
}
const TRANSIENT_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'EAI_AGAIN',
    'ENOTFOUND',
]);
/**
 * A connection that failed or stalled (no answer to judge): worth another try. Node's socket error
 * codes, undici's (`UND_ERR_*`, its own timeouts among them), and the names the AWS SDK gives the same
 * failures.
 */
function isTransientError(e) {
    const err = e;
    const code = err?.code ?? err?.cause?.code ?? '';
    if (TRANSIENT_CODES.has(code) || code.startsWith('UND_ERR_'))
        return true;
    return /ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|socket hang up|TimeoutError|RequestTimeout/i.test(`${err?.name ?? ''} ${err?.message ?? ''}`);
}
/**
 * Runs `fn` until it succeeds, the failure is not retryable, the attempts are used up, or the server asks
 * for a longer wait than we give; then rethrows the last failure. `fn` gets the attempt number (from 1)
 * and must open a fresh body each time.
 */
async function withRetry(fn, o) {
    const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
    for (let attempt = 1;; attempt++) {
        try {
            return await fn(attempt);
        }
        catch (e) {
            if (attempt >= attempts || !o.retryable(e))
                throw e;
            const wait = retryDelay(attempt, o.retryAfter?.(e));
            if (wait === undefined)
                throw e;
            o.onRetry?.(e, attempt, wait);
            await sleep(wait);
        }
    }
}

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
// EXTERNAL MODULE: ./node_modules/@smithy/signature-v4/dist-cjs/index.js
var signature_v4_dist_cjs = __webpack_require__(5118);
// EXTERNAL MODULE: ./src/storage/buffers.ts
var buffers = __webpack_require__(890);
;// CONCATENATED MODULE: ./src/storage/s3-put.ts







/** The SDK's hash interface, on node:crypto. */
class NodeSha256 {
    h;
    constructor(secret) {
        this.h = secret ? (0,external_node_crypto_.createHmac)('sha256', Buffer.from(secret)) : (0,external_node_crypto_.createHash)('sha256');
    }
    update(data) {
        this.h.update(typeof data === 'string' ? data : Buffer.from(data));
    }
    async digest() {
        return new Uint8Array(this.h.digest());
    }
    reset() { }
}
/**
 * The SDK's SigV4 signer as S3 wants it: the path is signed as given (keys are encoded once, by encodeKey;
 * S3 does not encode them twice), no checksum of its own.
 */
function s3Signer(region, credentials) {
    return new signature_v4_dist_cjs.SignatureV4({
        service: 's3',
        region,
        credentials,
        sha256: NodeSha256,
        uriEscapePath: false,
        applyChecksum: false,
    });
}
/** Key segments percent-encoded as S3 canonicalises them (RFC 3986; `/` kept). */
function encodeKey(key) {
    return key
        .split('/')
        .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
        .join('/');
}
/**
 * The request that carries the bytes of an ordinary object (PutObject), signed with the SDK's own SigV4
 * signer and sent on a keep-alive agent. Everything else goes through the S3 client; this one request
 * does not, because the client's command stack costs more CPU per request than the upload itself for the
 * many small files of a release (docs/architecture.md, "Uploads"). The body streams from a file with a
 * known length and is signed UNSIGNED-PAYLOAD, as the client signs streams; no checksum headers are
 * added (Garage and R2 reject the newer ones).
 */
class SignedPut {
    signer;
    base;
    agent;
    pathStyle;
    timeout;
    constructor(o) {
        this.timeout = o.timeout;
        this.pathStyle = o.pathStyle;
        this.base = new URL(o.endpoint ?? `https://s3.${o.region}.amazonaws.com`);
        this.signer = s3Signer(o.region, o.credentials);
        const options = { keepAlive: true, maxSockets: o.sockets };
        this.agent = this.base.protocol === 'https:' ? new (external_node_https_default()).Agent(options) : new (external_node_http_default()).Agent(options);
    }
    /** PUTs bytes, or `size` bytes of `file` from offset `start`, to bucket/key; returns the ETag. */
    async put(bucket, key, body, headers) {
        const size = body instanceof Uint8Array ? body.length : body.size;
        const basePath = this.base.pathname.replace(/\/+$/, '');
        const hostname = this.pathStyle ? this.base.hostname : `${bucket}.${this.base.hostname}`;
        const host = this.base.port ? `${hostname}:${this.base.port}` : hostname;
        const path = this.pathStyle ? `${basePath}/${bucket}/${encodeKey(key)}` : `${basePath}/${encodeKey(key)}`;
        const signed = await this.signer.sign({
            method: 'PUT',
            protocol: this.base.protocol,
            hostname,
            port: this.base.port ? Number(this.base.port) : undefined,
            path,
            headers: {
                host,
                'content-length': String(size),
                'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
                ...headers,
            },
        });
        const transport = this.base.protocol === 'https:' ? (external_node_https_default()) : (external_node_http_default());
        return new Promise((resolve, reject) => {
            const req = transport.request({
                agent: this.agent,
                hostname,
                port: this.base.port || undefined,
                method: 'PUT',
                path,
                headers: signed.headers,
                timeout: this.timeout,
            }, (res) => {
                const status = res.statusCode ?? 0;
                if (status >= 200 && status < 300) {
                    res.resume();
                    res.on('end', () => resolve(String(res.headers.etag ?? '')));
                    return;
                }
                let text = '';
                res.setEncoding('utf8');
                res.on('data', (c) => {
                    if (text.length < 4096)
                        text += c;
                });
                res.on('end', () => reject(httpError(status, text, res.headers['retry-after'])));
            });
            req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
            req.on('error', reject);
            if (body instanceof Uint8Array)
                req.end(body);
            else
                sendFile(req, body.file, body.start, size).catch((e) => req.destroy(e));
        });
    }
}
/**
 * Writes a file range into the request from pooled buffers, each returned when the socket has taken it
 * (the write callback), with the request's backpressure respected — so memory stays at about two chunks
 * per request in flight and nothing is left for the garbage collector.
 */
async function sendFile(req, file, start, size) {
    // Synchronous chunk reads, as in sha256File: page-cached, they cost less than the thread pool.
    const fd = external_node_fs_default().openSync(file, 'r');
    try {
        let pos = start;
        let left = size;
        while (left > 0) {
            if (req.destroyed)
                return;
            const buf = (0,buffers/* takeBuffer */.Ut)();
            const bytesRead = external_node_fs_default().readSync(fd, buf, 0, Math.min(buffers/* CHUNK */.m$, left), pos);
            if (bytesRead === 0) {
                (0,buffers/* giveBuffer */.Mc)(buf);
                throw new Error(`${file}: ended ${left} bytes early; was it changed while publishing?`);
            }
            pos += bytesRead;
            left -= bytesRead;
            const more = req.write(buf.subarray(0, bytesRead), () => (0,buffers/* giveBuffer */.Mc)(buf));
            if (!more && !req.destroyed)
                await Promise.race([(0,external_node_events_.once)(req, 'drain'), (0,external_node_events_.once)(req, 'close')]);
        }
        req.end();
    }
    finally {
        external_node_fs_default().closeSync(fd);
    }
}
function httpError(status, xml, retryAfter) {
    const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? `HTTP${status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? (xml.trim().slice(0, 200) || `HTTP ${status}`);
    const e = new Error(message);
    e.name = code;
    e.code = code;
    e.$metadata = { httpStatusCode: status };
    if (retryAfter)
        e.retryAfter = retryAfter;
    return e;
}

;// CONCATENATED MODULE: ./src/storage/s3.ts










// Node 20 is the suite's floor (DESIGN.md); the SDK's notice about its own future floor is noise in logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// One streamed PUT up to the threshold (AWS's own guidance puts multipart at about 100 MB and above), 16
// request bodies in flight. Above it, lib-storage with modest parts, two in flight, one big object at a
// time: lib-storage holds its parts in memory. Why these values: docs/architecture.md, "Uploads".
const DEFAULT_MULTIPART_THRESHOLD = 128 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MULTIPART_QUEUE = 2;
const DEFAULT_CONCURRENCY = 16;
const MIN_PART_SIZE = 5 * 1024 * 1024;
/**
 * A stalled connection (a proxy or server that stops answering) must not hang a release until the job's
 * own limit: two idle minutes abandon the request, which is then retried. Idle, not total: a large body
 * that keeps moving is never cut.
 */
const DEFAULT_REQUEST_TIMEOUT = 120_000;
/** Attempts for a request that carries bytes; the S3 client retries the others itself (maxAttempts). */
const PUT_ATTEMPTS = 4;
const MAX_PARTS = 10_000;
function parseS3Url(url) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url);
    if (!m)
        throw new errors/* RelengError */.mz(`'${url}' is not an S3 location; write s3://bucket or s3://bucket/prefix`);
    // One leading and one trailing slash are the URL's; what is between is keys' prefix, under the key rule.
    const prefix = (m[2] ?? '').replace(/^\/|\/$/g, '');
    const problem = prefix ? (0,storage_key/* pathProblem */.z9)(prefix) : undefined;
    if (problem)
        throw new errors/* RelengError */.mz(`'${(0,errors/* printable */.g$)(url)}' is not an S3 location: its prefix has ${problem}; write s3://bucket or s3://bucket/prefix`);
    return { bucket: m[1], prefix: prefix ? `${prefix}/` : '' };
}
/** The write probe's key under the sink's prefix (see checkWrite). */
const WRITE_PROBE = '.releng-preflight-probe';
/** The metadata key the sha256 lives under (`x-amz-meta-sha256` on the wire). */
const SHA_KEY = 'sha256';
function putHeaders(o) {
    const headers = { [`x-amz-meta-${SHA_KEY}`]: o.sha256 };
    if (o.contentType)
        headers['content-type'] = o.contentType;
    if (o.contentEncoding)
        headers['content-encoding'] = o.contentEncoding;
    if (o.ifAbsent)
        headers['if-none-match'] = '*';
    return headers;
}
const statusOf = (e) => e.$metadata?.httpStatusCode;
/**
 * One bucket (and prefix) of an S3-compatible server. An object up to `multipartThreshold` is one PUT
 * streamed from the file through SignedPut (src/storage/s3-put.ts), so memory does not grow with the file.
 * A bigger one goes through lib-storage's Upload (part bookkeeping, abort on failure), which holds its
 * parts in memory, so big objects go one at a time (see putMultipart). Everything else goes through the
 * S3 client, with `WHEN_REQUIRED` checksums so Garage and R2 accept it. Requests that carry bytes are
 * retried here with a fresh body (a consumed stream cannot be replayed).
 */
class S3Sink {
    options;
    bucket;
    prefix;
    client;
    putter;
    slots;
    bigUploads = new Semaphore(1);
    partSize;
    multipartThreshold;
    constructor(options) {
        this.options = options;
        ({ bucket: this.bucket, prefix: this.prefix } = parseS3Url(options.url));
        const tuning = options.tuning ?? {};
        const config = {
            region: options.region,
            endpoint: options.endpoint,
            forcePathStyle: options.pathStyle,
            credentials: options.credentials,
            // Garage and R2 reject the SDK's newer default checksums.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
            maxAttempts: 5,
            requestHandler: {
                httpAgent: { keepAlive: true, maxSockets: 64 },
                httpsAgent: { keepAlive: true, maxSockets: 64 },
                // Idle time on the socket (requestTimeout would be total time, and only a warning).
                socketTimeout: tuning.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
            },
        };
        this.client = new dist_cjs.S3Client(config);
        this.partSize = Math.max(MIN_PART_SIZE, tuning.partSize ?? DEFAULT_PART_SIZE);
        this.multipartThreshold = Math.max(this.partSize, tuning.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD);
        const concurrency = tuning.concurrency ?? DEFAULT_CONCURRENCY;
        this.slots = new Semaphore(concurrency);
        this.putter = new SignedPut({
            ...options,
            sockets: concurrency + 4,
            timeout: tuning.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
        });
    }
    get location() {
        return `s3://${this.bucket}/${this.prefix}`.replace(/\/$/, '');
    }
    key(key) {
        const full = this.prefix + checkKey(key);
        if (Buffer.byteLength(full) > storage_key/* KEY_MAX_BYTES */.NG)
            throw new errors/* RelengError */.mz(`S3 ${this.location}/${key}: the key is longer than S3's ${storage_key/* KEY_MAX_BYTES */.NG} bytes`);
        return full;
    }
    async head(key) {
        try {
            const r = await this.client.send(new dist_cjs.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
            return { key, size: r.ContentLength ?? 0, sha256: r.Metadata?.[SHA_KEY] };
        }
        catch (e) {
            if (statusOf(e) === 404 || e.name === 'NotFound')
                return undefined;
            throw this.wrap(e, key);
        }
    }
    async put(key, file, o) {
        const headers = putHeaders(o);
        if (o.size <= this.multipartThreshold) {
            await this.claimed(key, o, () => this.withRetry(key, () => this.slots.use(() => this.putter.put(this.bucket, this.key(key), { file, start: 0, size: o.size }, headers))));
            return;
        }
        await this.claimed(key, o, () => this.putMultipart(key, file, o));
    }
    async putBytes(key, bytes, o) {
        const headers = putHeaders(o);
        await this.claimed(key, o, () => this.withRetry(key, () => this.slots.use(() => this.putter.put(this.bucket, this.key(key), bytes, headers))));
    }
    /**
     * An `ifAbsent` write the server refused with 412 Precondition Failed: an object is there (another
     * run's, or ours from an attempt whose answer was lost), settled by its sha256 (claimLost). A server
     * that ignores If-None-Match (s3rver) overwrites instead; docs/reliability.md lists which honour it.
     */
    async claimed(key, o, write) {
        try {
            await write();
        }
        catch (e) {
            if (!o.ifAbsent || statusOf(e instanceof errors/* RelengError */.mz ? e.cause : e) !== 412)
                throw e;
            await claimLost(this, key, o);
        }
    }
    /**
     * Objects above the threshold go through lib-storage's Upload (part bookkeeping, abort on failure). It
     * holds up to (queueSize + 1) parts in memory, so big objects go one at a time, with modest parts.
     */
    async putMultipart(key, file, o) {
        const partSize = Math.max(this.partSize, Math.ceil(o.size / MAX_PARTS));
        await this.bigUploads.use(() => this.withRetry(key, async () => {
            const upload = new lib_storage_dist_cjs/* Upload */._({
                client: this.client,
                params: {
                    Bucket: this.bucket,
                    Key: this.key(key),
                    // A fresh stream per attempt: a consumed stream cannot be replayed.
                    Body: external_node_fs_default().createReadStream(file, { highWaterMark: 1 << 20 }),
                    ContentLength: o.size,
                    ContentType: o.contentType,
                    ContentEncoding: o.contentEncoding,
                    Metadata: { [SHA_KEY]: o.sha256 },
                    // Sent with CompleteMultipartUpload (lib-storage passes its params on): the claim is the commit.
                    ...(o.ifAbsent ? { IfNoneMatch: '*' } : {}),
                },
                partSize,
                queueSize: MULTIPART_QUEUE,
                leavePartsOnError: false,
            });
            await upload.done();
        }));
    }
    /**
     * Retries a request that carries bytes (src/retry.ts: 5xx, 429, 408, resets and timeouts; Retry-After
     * honoured up to its limit). `fn` opens a fresh body each time.
     */
    async withRetry(key, fn, attempts = PUT_ATTEMPTS) {
        let tried = 0;
        try {
            return await withRetry((attempt) => {
                tried = attempt;
                return fn();
            }, { attempts, retryable, retryAfter });
        }
        catch (e) {
            throw this.wrap(e, key, tried);
        }
    }
    async list(prefix) {
        const out = [];
        let token;
        do {
            const r = await this.client
                .send(new dist_cjs.ListObjectsV2Command({
                Bucket: this.bucket,
                Prefix: this.prefix + prefix,
                ContinuationToken: token,
            }))
                .catch((e) => {
                throw this.wrap(e, prefix);
            });
            for (const o of r.Contents ?? [])
                out.push({ key: (o.Key ?? '').slice(this.prefix.length), size: o.Size ?? 0 });
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return out;
    }
    /**
     * One DeleteObject per key, 16 at a time — not DeleteObjects: with WHEN_REQUIRED the SDK sends that
     * request a CRC32 checksum instead of the Content-MD5 that MinIO and other S3 servers demand
     * (aws-sdk-js-v3#6819, #6920). Stale files of a synced manual are few.
     */
    async delete(keys) {
        await forEachLimit(keys, 16, async (k) => {
            await this.client
                .send(new dist_cjs.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(k) }))
                .catch((e) => {
                throw this.wrap(e, k);
            });
        });
    }
    async get(key) {
        try {
            const r = await this.client.send(new dist_cjs.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
            const bytes = Buffer.from(await r.Body.transformToByteArray());
            if (r.ContentEncoding)
                bytes.contentEncoding = r.ContentEncoding;
            return bytes;
        }
        catch (e) {
            if (statusOf(e) === 404 || e.name === 'NoSuchKey')
                return undefined;
            throw this.wrap(e, key);
        }
    }
    async hash(key) {
        try {
            const r = await this.client.send(new dist_cjs.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
            const h = (0,external_node_crypto_.createHash)('sha256');
            let size = 0;
            for await (const chunk of r.Body) {
                h.update(chunk);
                size += chunk.length;
            }
            return { sha256: h.digest('hex'), size };
        }
        catch (e) {
            if (statusOf(e) === 404 || e.name === 'NoSuchKey')
                return undefined;
            throw this.wrap(e, key);
        }
    }
    /** Reachable and readable: one LIST of at most one key. */
    async check() {
        try {
            await this.client.send(new dist_cjs.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }));
            return [];
        }
        catch (e) {
            return [this.wrap(e, '').message];
        }
    }
    /**
     * Writable, without creating anything: an empty PUT whose Content-MD5 cannot match. Servers authorise
     * before they look at the body, so a key without write access gets 403, and one with it gets
     * BadDigest/InvalidDigest — and no object. A server that checks no digests (s3rver) stores the empty
     * probe, which is deleted at once. Its name is fixed, not random: a run killed between the PUT and the
     * DELETE leaves a probe that the re-run's own probe replaces and deletes, instead of a stray object.
     */
    async checkWrite() {
        const probe = `${this.prefix}${WRITE_PROBE}`;
        try {
            await this.client.send(new dist_cjs.PutObjectCommand({
                Bucket: this.bucket,
                Key: probe,
                Body: Buffer.alloc(0),
                ContentLength: 0,
                ContentMD5: Buffer.alloc(16).toString('base64'),
            }));
        }
        catch (e) {
            const err = e;
            const code = err.name ?? err.Code;
            if (code === 'BadDigest' || code === 'InvalidDigest')
                return [];
            return [
                statusOf(e) === 403
                    ? `S3 ${this.location}${this.at()}: the credentials may read but not write (AccessDenied on a write probe); use a key with write access to the bucket`
                    : this.wrap(e, probe.slice(this.prefix.length)).message,
            ];
        }
        await this.client
            .send(new dist_cjs.DeleteObjectCommand({ Bucket: this.bucket, Key: probe }))
            .catch(() => undefined);
        return [];
    }
    at() {
        return this.options.endpoint ? ` at ${this.options.endpoint}` : '';
    }
    /** `attempts`: how many times a write was tried before giving up (given only for writes). */
    wrap(e, key, attempts) {
        if (e instanceof errors/* RelengError */.mz)
            return e;
        const err = e;
        const status = statusOf(e);
        const name = err.name ?? err.Code ?? err.code ?? 'error';
        const hint = status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch'
            ? 'check the S3 credentials'
            : name === 'NoSuchBucket'
                ? 'create the bucket or fix the environment in releng.yml'
                : attempts !== undefined && retryable(e)
                    ? `gave up after ${attempts} attempt${attempts > 1 ? 's' : ''}; check that the server is up, then run publish again (it resumes where this run stopped)`
                    : 'check the endpoint and that the server is up';
        return new errors/* RelengError */.mz(`S3 ${this.location}/${key}${this.at()}: ${name}${status ? ` (HTTP ${status})` : ''}: ${err.message ?? String(e)}; ${hint}`, { cause: e });
    }
}
/** The server's Retry-After, as the SDK or SignedPut carries it. */
function retryAfter(e) {
    const err = e;
    return err.retryAfter ?? err.$response?.headers?.['retry-after'];
}
function retryable(e) {
    const status = statusOf(e);
    // AWS: a conditional write raced another write of the key still in flight; it asks to retry.
    if (status === 409 && e.name === 'ConditionalRequestConflict')
        return true;
    if (status !== undefined)
        return isTransientStatus(status);
    return !!e.$retryable || isTransientError(e);
}

;// CONCATENATED MODULE: ./src/storage/open.ts



const isS3Location = (location) => location.startsWith('s3://');
/** A sink for a destination of releng.yml: `s3://bucket[/prefix]`, or a directory (absolute, or relative to `dir`). */
function openSink(location, dir, s3) {
    if (isS3Location(location)) {
        if (!s3)
            throw new Error(`openSink: ${location} needs S3 settings`);
        return new S3Sink({ url: location, ...s3 });
    }
    return new DirectorySink(external_node_path_default().resolve(dir, location));
}

;// CONCATENATED MODULE: ./src/publish/destinations.ts



/** The skip name that leaves each destination out, for messages. */
const SKIP_NAME = {
    cache: 'cache',
    releases: 'releases',
    install: 'installers',
    docs: 'docs',
};
/**
 * The destinations the steps need, opened. A missing one, or S3 credentials that cannot be found, is a
 * problem for preflight, not an exception: preflight reports everything together.
 */
async function openDestinations(o, needed) {
    const problems = [];
    const locations = new Map();
    for (const dest of needed) {
        const loc = o.environment[dest];
        if (!loc)
            problems.push(`environment '${o.environmentName}' has no '${dest}' destination in releng.yml; add one or pass skip: ${SKIP_NAME[dest]}`);
        // `s3:/bucket` or `gs://…` would otherwise become a directory of that name.
        else if (/^[a-z][a-z0-9+.-]*:/i.test(loc) && !isS3Location(loc))
            problems.push(`releng.yml environments.${o.environmentName}.${dest}: '${loc}' is neither s3://bucket[/prefix] nor a directory; fix the URL`);
        else
            locations.set(dest, resolveSink(loc, o.dir));
    }
    let s3;
    if ([...locations.values()].some(isS3Location)) {
        try {
            s3 = {
                endpoint: o.environment.s3?.endpoint,
                region: o.environment.s3?.region ?? 'us-east-1',
                pathStyle: o.environment.s3?.['path-style'] ?? true,
                credentials: await resolveS3Credentials({
                    accessKeyId: o.s3AccessKeyId,
                    secretAccessKey: o.s3SecretAccessKey,
                    processEnv: o.processEnv,
                    command: o.environment.s3?.['credentials-command'],
                    cwd: o.dir,
                    commandEnv: o.commandEnv,
                    log: o.log,
                }),
                tuning: o.s3Tuning,
            };
        }
        catch (e) {
            problems.push(e.message);
        }
    }
    const destinations = new Map();
    for (const [dest, location] of locations) {
        if (isS3Location(location) && !s3)
            continue;
        try {
            destinations.set(dest, {
                name: dest,
                location,
                sink: openSink(location, o.dir, s3),
                publicUrl: o.environment['public-urls']?.[dest],
            });
        }
        catch (e) {
            problems.push(`${dest}: ${e.message}`);
        }
    }
    return { destinations, problems };
}
/** Where a reader finds `key`: the public URL when configured, else the sink location. */
function urlOf(d, key) {
    return `${(d.publicUrl ?? d.location).replace(/\/+$/, '')}/${key}`;
}

;// CONCATENATED MODULE: ./src/oci/digest.ts


const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
function isDigest(s) {
    return typeof s === 'string' && DIGEST_RE.test(s);
}
function sha256Digest(data) {
    return `sha256:${(0,external_node_crypto_.createHash)('sha256').update(data).digest('hex')}`;
}
function hexOf(digest) {
    return digest.slice('sha256:'.length);
}
/** Manifests are JSON with no insignificant whitespace: their bytes define their digest. */
function canonicalJson(value) {
    return Buffer.from(JSON.stringify(value));
}
function shortDigest(digest) {
    return digest.slice(0, 'sha256:'.length + 12);
}
/** Hex sha256 of a file, read through one reused buffer (no garbage per chunk, memory flat). */
async function sha256OfFile(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const fh = await external_node_fs_default().promises.open(file, 'r');
    try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (;;) {
            const { bytesRead } = await fh.read(buf, 0, buf.length, null);
            if (bytesRead === 0)
                break;
            hash.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        }
    }
    finally {
        await fh.close();
    }
    return hash.digest('hex');
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
;// CONCATENATED MODULE: ./src/oci/credentials.ts
/**
 * Registry credentials: the `username`/`password` inputs (for every registry target), else what
 * `docker login`, `podman login` and `skopeo login` wrote — containers' auth.json
 * ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json) and
 * ~/.docker/config.json ($DOCKER_CONFIG): `auths` entries (the longest matching `registry/path` prefix
 * wins, as in containers), `credHelpers` and `credsStore` helpers. Every secret is registered with the
 * logger the moment it is read.
 */




function authFiles(processEnv) {
    const home = processEnv.HOME || external_node_os_default().homedir();
    const files = [];
    if (processEnv.REGISTRY_AUTH_FILE)
        files.push(processEnv.REGISTRY_AUTH_FILE);
    if (processEnv.XDG_RUNTIME_DIR)
        files.push(external_node_path_default().join(processEnv.XDG_RUNTIME_DIR, 'containers/auth.json'));
    files.push(external_node_path_default().join(processEnv.XDG_CONFIG_HOME || external_node_path_default().join(home, '.config'), 'containers/auth.json'));
    files.push(external_node_path_default().join(processEnv.DOCKER_CONFIG || external_node_path_default().join(home, '.docker'), 'config.json'));
    return files;
}
/** `https://index.docker.io/v1/` → `docker.io`; scheme and trailing API paths dropped. */
function credentials_normaliseKey(key) {
    let k = key
        .trim()
        .replace(/^[a-z]+:\/\//i, '')
        .replace(/\/+$/, '');
    k = k.replace(/\/v[12]$/, '');
    const [host, ...rest] = k.split('/');
    const h = host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
    return [h, ...rest].join('/');
}
class CredentialStore {
    log;
    logins;
    files = [];
    /** What was wrong with the login files (each also a warning): one line each, naming the file. */
    problems = [];
    inputRegistries;
    constructor(log, logins = {}, processEnv = process.env, files = authFiles(processEnv)) {
        this.log = log;
        this.logins = logins;
        for (const l of logins.repositories ?? [])
            registerSecrets(log, l.credential);
        if (logins.inputs)
            registerSecrets(log, logins.inputs.credential);
        if (logins.inputs?.registries)
            this.inputRegistries = new Set(logins.inputs.registries.map(credentials_normaliseKey));
        for (const file of files) {
            const f = readAuthFile(file, log, (problem) => {
                this.problems.push(problem);
                log.warning(problem);
            });
            if (f)
                this.files.push(f);
        }
    }
    /** Credentials for `registry/repository`, or undefined for anonymous access. */
    lookup(registry, repository) {
        const host = credentials_normaliseKey(registry);
        const own = this.logins.repositories?.find((l) => credentials_normaliseKey(l.registry) === host && l.repository === repository);
        if (own)
            return { from: own.from, credential: own.credential };
        const inputs = this.logins.inputs;
        if (inputs && (!this.inputRegistries || this.inputRegistries.has(host)))
            return { from: "the 'username'/'password' inputs", credential: inputs.credential };
        const parts = repository.split('/');
        const candidates = parts
            .map((_, i) => `${host}/${parts.slice(0, parts.length - i).join('/')}`)
            .concat(host);
        for (const f of this.files) {
            const helper = f.credHelpers[host] ?? f.credHelpers[registry];
            if (helper) {
                const c = runHelper(helper, registry, this.log);
                if (c)
                    return { from: `docker-credential-${helper}`, credential: c };
            }
            for (const cand of candidates) {
                const hit = f.auths.find(([k]) => k === cand);
                if (hit)
                    return { from: f.file, credential: hit[1] };
            }
            if (f.credsStore) {
                const c = runHelper(f.credsStore, registry, this.log);
                if (c)
                    return { from: `docker-credential-${f.credsStore}`, credential: c };
            }
        }
        return undefined;
    }
}
function registerSecrets(log, c) {
    if ('identityToken' in c)
        log.secret(c.identityToken);
    else {
        log.secret(c.password);
        log.secret(Buffer.from(`${c.username}:${c.password}`).toString('base64'));
    }
}
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyOf = (k) => JSON.stringify(k).slice(1, -1).slice(0, 80);
/**
 * A login file as docker and containers write it. Whatever in it cannot be a login is said, one line
 * naming the file and the key (never a value), and left out; the rest of the file still counts.
 */
function readAuthFile(file, log, problem) {
    let text;
    try {
        text = external_node_fs_default().readFileSync(file, 'utf8');
    }
    catch {
        return undefined; // no such file: nobody logged in that way
    }
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (e) {
        problem(`${file}: not valid JSON (${e.message}); its registry logins are ignored`);
        return undefined;
    }
    if (!isObject(data)) {
        problem(`${file}: not a JSON object; its registry logins are ignored`);
        return undefined;
    }
    const f = { file, auths: [], credHelpers: {} };
    if (data.auths !== undefined && !isObject(data.auths))
        problem(`${file}: "auths" must be an object of registry → login; its logins are ignored`);
    for (const [key, entry] of Object.entries(isObject(data.auths) ? data.auths : {})) {
        const c = decodeEntry(entry, log);
        if (typeof c === 'string')
            problem(`${file}: "auths.${keyOf(key)}${c}; that login is ignored`);
        else if (c) {
            registerSecrets(log, c);
            f.auths.push([credentials_normaliseKey(key), c]);
        }
    }
    if (data.credHelpers !== undefined && !isObject(data.credHelpers))
        problem(`${file}: "credHelpers" must be an object of registry → helper name; they are ignored`);
    for (const [key, helper] of Object.entries(isObject(data.credHelpers) ? data.credHelpers : {})) {
        if (typeof helper === 'string' && HELPER_NAME.test(helper))
            f.credHelpers[credentials_normaliseKey(key)] = helper;
        else
            problem(`${file}: "credHelpers.${keyOf(key)}" must be a helper name (docker-credential-NAME); it is ignored`);
    }
    if (data.credsStore !== undefined && data.credsStore !== '') {
        if (typeof data.credsStore === 'string' && HELPER_NAME.test(data.credsStore))
            f.credsStore = data.credsStore;
        else
            problem(`${file}: "credsStore" must be a helper name (docker-credential-NAME); it is ignored`);
    }
    return f;
}
/**
 * One `auths` entry: a credential, undefined when it holds none (an entry docker keeps for a helper), or
 * what is wrong with it (the rest of a message after the key). Every string that may be a secret is
 * registered before it is looked at.
 */
function decodeEntry(e, log) {
    if (!isObject(e))
        return '" must be an object ({"auth": base64 of user:password})';
    for (const k of ['auth', 'password', 'identitytoken'])
        if (typeof e[k] === 'string' && e[k])
            log.secret(e[k]);
    if (e.identitytoken !== undefined) {
        if (typeof e.identitytoken !== 'string')
            return '.identitytoken" must be a string';
        if (e.identitytoken)
            return { identityToken: e.identitytoken };
    }
    if (e.username !== undefined || e.password !== undefined) {
        if (typeof e.username !== 'string' || typeof e.password !== 'string' || !e.username || !e.password)
            return '" needs "username" and "password" as strings';
        return { username: e.username, password: e.password };
    }
    if (e.auth === undefined || e.auth === '')
        return undefined;
    const decoded = typeof e.auth === 'string' && BASE64.test(e.auth) ? Buffer.from(e.auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0 || colon === decoded.length - 1)
        return '.auth" is not base64 of user:password';
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
/** `docker-credential-NAME get`, server on stdin; `<token>` as user means an identity token. */
function runHelper(name, registry, log) {
    try {
        const out = (0,external_node_child_process_.execFileSync)(`docker-credential-${name}`, ['get'], {
            input: registry,
            encoding: 'utf8',
            timeout: 15_000,
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        const r = JSON.parse(out);
        if (!r.Secret)
            return undefined;
        log.secret(r.Secret);
        if (r.Username === '<token>')
            return { identityToken: r.Secret };
        return { username: r.Username ?? '', password: r.Secret };
    }
    catch (e) {
        log.debug(`docker-credential-${name} get ${registry}: ${e.message.split('\n')[0]}`);
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/oci/reference.ts



const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/**
 * Parses a target: `oci-layout:DIR` (relative to `dir`) or `registry/repository` as docker names them
 * (`ghcr.io/org/project`, `127.0.0.1:5000/project`, `org/project` on Docker Hub). Tags and digests are
 * refused: tags come from the `tags` input or the environment.
 */
function parseTarget(input, dir, where = 'targets') {
    const raw = input.trim().replace(/^docker:\/\//, '');
    if (raw.startsWith('oci-layout:')) {
        const p = raw.slice('oci-layout:'.length);
        if (!p)
            throw new errors/* RelengError */.mz(`${where}: '${input}' names no directory; write oci-layout:DIR`);
        const abs = external_node_path_default().resolve(dir, p);
        return { kind: 'layout', ref: `oci-layout:${abs}`, dir: abs };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
        throw new errors/* RelengError */.mz(`${where}: '${input}' is a URL; write the registry and repository as docker does (ghcr.io/org/project) or oci-layout:DIR`);
    const at = raw.indexOf('@');
    const slash = raw.indexOf('/');
    // `user:pass@host/repo`: credentials before the host, never repeated in the message.
    if (at >= 0 && slash >= 0 && at < slash)
        throw new errors/* RelengError */.mz(`${where}: '***@${raw.slice(at + 1)}' carries credentials before the host; remove them from the target and pass 'username' and 'password' (or docker login)`);
    if (at >= 0)
        throw new errors/* RelengError */.mz(`${where}: '${input}' names a digest; a target is a repository (registry/org/project)`);
    const first = slash < 0 ? '' : raw.slice(0, slash);
    const isHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
    const registry = isHost ? first : 'docker.io';
    let repository = isHost ? raw.slice(slash + 1) : raw;
    const lastColon = repository.lastIndexOf(':');
    if (lastColon >= 0)
        throw new errors/* RelengError */.mz(`${where}: '${input}' has a tag (':${repository.slice(lastColon + 1)}'); give tags in 'tags' (or the environment's registries.tags), not in the target`);
    if (registry === 'docker.io' && !repository.includes('/'))
        repository = `library/${repository}`;
    const bad = repository.split('/').find((c) => !COMPONENT.test(c));
    if (!repository || bad !== undefined)
        throw new errors/* RelengError */.mz(`${where}: '${input}' is not a valid repository name (component '${bad ?? ''}'): lower-case letters, digits and . _ - separators`);
    if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(registry) && !/^\[[0-9a-f:]+\](:\d+)?$/i.test(registry))
        throw new errors/* RelengError */.mz(`${where}: '${input}': '${registry}' is not a registry host[:port]`);
    const apiHost = registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
    return { kind: 'registry', ref: `${registry}/${repository}`, registry, apiHost, repository };
}
/** `{version}`, `{major}` → values; anything else in braces is an error naming the template. */
function expandTag(template, values, where = 'tags') {
    const tag = template.replace(/\{([^}]*)\}/g, (m, name) => {
        if (name === 'version')
            return values.version;
        if (name === 'major')
            return values.major;
        throw new errors/* RelengError */.mz(`${where}: unknown placeholder ${m} in tag '${template}'; use {version} or {major}`);
    });
    if (!TAG.test(tag))
        throw new errors/* RelengError */.mz(`${where}: tag '${tag}' (from '${template}') is not a valid tag: letters, digits, _ . - (no + or /), at most 128 characters`);
    return tag;
}
/** A `{version}` tag is immutable (DESIGN.md "Immutable vs pointer"); other tags are pointers. */
function isImmutableTemplate(template) {
    return template.includes('{version}');
}
/**
 * What may name a manifest in a registry URL or a layout's index.json: a tag of the distribution grammar,
 * or a sha256 digest. Checked where it is written (and read), whatever made it: nothing else reaches a
 * path or an annotation.
 */
function checkManifestReference(reference, where) {
    if (TAG.test(reference) || isDigest(reference))
        return reference;
    const shown = JSON.stringify(reference.length > 80 ? `${reference.slice(0, 80)}…` : reference);
    throw new errors/* RelengError */.mz(`${where}: ${shown} is neither a tag (letters, digits, _ . -, at most 128, not starting with . or -) nor a sha256 digest`);
}

;// CONCATENATED MODULE: ./src/oci/chunk-pool.ts
/**
 * Request bodies of blob uploads: chunk-sized buffers reused from one request to the next (no garbage per
 * chunk), and a bound on how many are out at once per registry. Every layer's last piece goes with its
 * final PUT, and those all start together when the archives are checked: unbounded, that is every layer's
 * last chunk in memory at one moment.
 */
/** ghcr.io refuses chunks over 4 MiB; Forgejo and distribution take any size. */
const CHUNK_SIZE = 4 << 20;
/** Request bodies in flight per registry: enough to keep a link busy, 16 MiB of buffers at most. */
const MAX_CHUNKS_OUT = 4;
class ChunkPool {
    chunkSize;
    max;
    free = [];
    out = 0;
    waiters = [];
    constructor(chunkSize = CHUNK_SIZE, max = MAX_CHUNKS_OUT) {
        this.chunkSize = chunkSize;
        this.max = max;
    }
    /** A chunk-sized buffer; waits while `max` are out. */
    async acquire() {
        while (this.out >= this.max)
            await new Promise((r) => this.waiters.push(r));
        this.out++;
        return this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
    }
    release(b) {
        this.out--;
        if (this.free.length < this.max)
            this.free.push(b);
        this.waiters.shift()?.();
    }
    /** `fn` with a buffer of the pool, given back when it settles. */
    async with(fn) {
        const b = await this.acquire();
        try {
            return await fn(b);
        }
        finally {
            this.release(b);
        }
    }
}

// EXTERNAL MODULE: ./node_modules/undici/index.js
var undici = __webpack_require__(4371);
;// CONCATENATED MODULE: ./src/oci/http.ts



const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
class HttpError extends errors/* RelengError */.mz {
    status;
    code;
    constructor(message, status, code) {
        super(message);
        this.status = status;
        this.code = code;
    }
}
/** Registry error bodies: {"errors":[{"code","message"}]} → "CODE: message". */
async function errorDetail(res) {
    const text = (await res.text().catch(() => '')).trim();
    try {
        const errs = JSON.parse(text).errors;
        if (Array.isArray(errs) && errs.length > 0)
            return errs.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    }
    catch {
        // not JSON
    }
    return text.slice(0, 200).replace(/\s+/g, ' ');
}
class Http {
    log;
    insecureHosts;
    userAgent;
    secure;
    insecure;
    constructor(log, 
    /** Hosts (host or host:port) whose TLS certificates are not verified. */
    insecureHosts = () => false, userAgent = 'releng-actions', 
    /** How long a request may wait for the answer's headers, or sit idle in its body, before it is retried. */
    timeoutMs) {
        this.log = log;
        this.insecureHosts = insecureHosts;
        this.userAgent = userAgent;
        const opts = {
            connections: 16,
            headersTimeout: timeoutMs ?? 120_000,
            bodyTimeout: timeoutMs ?? 300_000,
            keepAliveTimeout: 30_000,
        };
        this.secure = new undici/* Agent */.g6(opts);
        this.insecure = new undici/* Agent */.g6({ ...opts, connect: { rejectUnauthorized: false } });
    }
    async close() {
        await Promise.all([this.secure.close(), this.insecure.close()]);
    }
    dispatcher(url) {
        return url.protocol === 'https:' && this.insecureHosts(url.host) ? this.insecure : this.secure;
    }
    /** One request, redirects followed; no retries. */
    async once(req) {
        let url = req.url;
        let method = req.method;
        let headers = { 'user-agent': this.userAgent, ...req.headers };
        let body = req.body;
        for (let hop = 0;; hop++) {
            const payload = body === undefined
                ? undefined
                : typeof body === 'string' || Buffer.isBuffer(body)
                    ? body
                    : body.open();
            if (body !== undefined && !('content-length' in headers))
                headers['content-length'] = String(typeof body === 'string'
                    ? Buffer.byteLength(body)
                    : Buffer.isBuffer(body)
                        ? body.length
                        : body.size);
            const res = await (0,undici/* request */.Em)(url, {
                method: method,
                headers,
                body: payload,
                dispatcher: this.dispatcher(url),
            });
            const location = res.headers.location;
            if (REDIRECTS.has(res.statusCode) && typeof location === 'string' && hop < MAX_REDIRECTS) {
                const next = new URL(location, url);
                if (next.origin !== url.origin && req.credentialBody && res.statusCode !== 303)
                    return wrap(res, url);
                await res.body.dump();
                // Credentials stay with the origin they were meant for (blob GETs redirect to storage).
                if (next.origin !== url.origin) {
                    const { authorization: _, ...rest } = headers;
                    headers = rest;
                }
                if (res.statusCode === 303) {
                    method = method === 'HEAD' ? 'HEAD' : 'GET';
                    body = undefined;
                    const { 'content-length': _l, 'content-type': _t, ...rest } = headers;
                    headers = rest;
                }
                this.log.debug(`${req.method} ${(0,errors/* redactUrl */.BO)(url.href)} → ${res.statusCode} ${(0,errors/* redactUrl */.BO)(next.href)}`);
                url = next;
                continue;
            }
            return wrap(res, url);
        }
    }
    /** With retries per the policy. */
    async send(req) {
        const attempts = req.retry?.attempts ?? 5;
        const transient = req.retry?.transient ?? true;
        for (let attempt = 1;; attempt++) {
            let res;
            try {
                res = await this.once(req);
            }
            catch (e) {
                if (transient && isTransientError(e) && attempt < attempts) {
                    this.log.debug(`${req.method} ${(0,errors/* redactUrl */.BO)(req.url.href)}: ${e.message}; retrying`);
                    await sleep(backoffMs(attempt));
                    continue;
                }
                throw connectionError(req, e);
            }
            const retryable = (transient && res.status >= 500) ||
                res.status === 429 ||
                (req.retry?.notFound && (res.status === 404 || (res.status === 400 && (await isUnknownError(res)))));
            const wait = retryDelay(attempt, res.header('retry-after'), req.retry?.notFound ? 500 : undefined);
            if (retryable && attempt < attempts && wait !== undefined) {
                this.log.debug(`${req.method} ${(0,errors/* redactUrl */.BO)(req.url.href)}: HTTP ${res.status}; retrying in ${Math.round(wait)} ms`);
                await res.dump();
                await sleep(wait);
                continue;
            }
            return res;
        }
    }
}
/** 400 with a *_UNKNOWN code: what distribution answers for a manifest naming a blob it has not settled. */
async function isUnknownError(res) {
    // Peek without consuming: read the (small) error body and keep it for later readers.
    const text = await res.text();
    res.text = async () => text;
    res.buffer = async () => Buffer.from(text);
    return /"code"\s*:\s*"[A-Z_]*UNKNOWN"/.test(text);
}
function connectionError(req, e) {
    if (e instanceof errors/* RelengError */.mz)
        return e;
    const err = e;
    const code = err.code ?? err.cause?.code ?? 'error';
    const detail = err.cause?.message ?? err.message;
    return new HttpError(`${req.method} ${(0,errors/* redactUrl */.BO)(req.url.origin + req.url.pathname)}: ${code} (${detail}); is the registry reachable?`, undefined, code);
}
function wrap(res, url) {
    const headers = res.headers;
    // A body already dumped reads as empty: undici's readers would never settle on it (an error message
    // built from a HEAD answer's body, which was dumped before its status was judged).
    let dumped = false;
    return {
        status: res.statusCode,
        headers,
        url,
        header(name) {
            const v = headers[name.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
        },
        text: async () => (dumped ? '' : res.body.text()),
        buffer: async () => (dumped ? Buffer.alloc(0) : Buffer.from(await res.body.arrayBuffer())),
        body: res.body,
        dump: () => {
            dumped = true;
            return res.body.dump().then(() => undefined);
        },
    };
}

// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
;// CONCATENATED MODULE: ./src/oci/media-types.ts
/** Media types of the OCI image spec and their Docker v2 equivalents. */
const OCI = {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
    layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};
const DOCKER = {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};
function mediaTypes(family, compression) {
    if (family === 'docker') {
        if (compression === 'zstd')
            throw new Error('zstd layers need OCI media types (Docker v2 has no zstd layer type)');
        return { manifest: DOCKER.manifest, index: DOCKER.index, config: DOCKER.config, layer: DOCKER.layerGzip };
    }
    return {
        manifest: OCI.manifest,
        index: OCI.index,
        config: OCI.config,
        layer: compression === 'zstd' ? OCI.layerZstd : OCI.layerGzip,
    };
}
const INDEX_TYPES = [OCI.index, DOCKER.index];
const MANIFEST_TYPES = [OCI.manifest, DOCKER.manifest];
/** What we accept when reading manifests back (discovery): every type we could have written. */
const ACCEPT_MANIFESTS = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');
/** The compression a layer media type implies (for matching a registry's blobs to ours). */
function layerCompression(mediaType) {
    if (mediaType.endsWith('+zstd') || mediaType.endsWith('.zstd'))
        return 'zstd';
    if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip'))
        return 'gzip';
    return undefined;
}

;// CONCATENATED MODULE: ./src/oci/layout.ts
/**
 * An OCI image layout directory as a sink (the `local` environment): `oci-layout`, `blobs/sha256/<hex>`
 * and `index.json`, whose entries carry `org.opencontainers.image.ref.name` = the tag — what skopeo
 * (`oci:DIR:TAG`) and umoci read. Every file is written to a temp name and renamed, so a reader never
 * sees half a blob or half an index; writing the same content again changes nothing.
 */








const REF_NAME = 'org.opencontainers.image.ref.name';
const LAYOUT = `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`;
class LayoutSink {
    dir;
    ref;
    indexLock = Promise.resolve();
    constructor(dir) {
        this.dir = dir;
        this.ref = `oci-layout:${dir}`;
    }
    blobPath(digest) {
        if (!isDigest(digest))
            throw new errors/* RelengError */.mz(`${this.ref}: '${digest}' is not a sha256 digest`);
        return external_node_path_default().join(this.dir, 'blobs', 'sha256', hexOf(digest));
    }
    tmp(name) {
        return external_node_path_default().join(this.dir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    }
    async writeAtomic(file, data) {
        const t = this.tmp(external_node_path_default().basename(file));
        await external_node_fs_default().promises.writeFile(t, data);
        await external_node_fs_default().promises.rename(t, file);
    }
    /**
     * Checks the layout (an existing one must be a 1.0.0 layout) and that it can be written. Nothing is
     * created here: the directories and `oci-layout` appear with the first blob, so a run that fails on
     * bad input leaves no trace.
     */
    async open(_options = {}) {
        const layoutFile = external_node_path_default().join(this.dir, 'oci-layout');
        const existing = await external_node_fs_default().promises.readFile(layoutFile, 'utf8').catch(() => undefined);
        if (existing !== undefined) {
            let version;
            try {
                version = JSON.parse(existing).imageLayoutVersion;
            }
            catch {
                version = undefined;
            }
            if (version !== '1.0.0')
                throw new errors/* RelengError */.mz(`${layoutFile}: not an OCI image layout 1.0.0`);
        }
        const w = await this.checkPush();
        if (w)
            throw new errors/* RelengError */.mz(w);
    }
    created;
    /** The layout's directories and `oci-layout`, made before its first file. */
    ensureLayout() {
        this.created ??= (async () => {
            try {
                await external_node_fs_default().promises.mkdir(external_node_path_default().join(this.dir, 'blobs', 'sha256'), { recursive: true });
                const layoutFile = external_node_path_default().join(this.dir, 'oci-layout');
                if (!external_node_fs_default().existsSync(layoutFile))
                    await this.writeAtomic(layoutFile, LAYOUT);
                await this.removeOrphans();
            }
            catch (e) {
                throw new errors/* RelengError */.mz(`${this.ref}: cannot write the layout (${e.message})`);
            }
        })();
        return this.created;
    }
    /**
     * Temp files of writers that died (a killed run: its renames never came): a re-run leaves the directory
     * as a clean run would. A live writer's temp files (another process, same directory) are left alone.
     */
    async removeOrphans() {
        for (const name of await external_node_fs_default().promises.readdir(this.dir)) {
            const pid = /^\..+\.(\d+)\.[a-z0-9]+\.tmp$/.exec(name)?.[1];
            if (pid && !processAlive(Number(pid)))
                await external_node_fs_default().promises.rm(external_node_path_default().join(this.dir, name), { force: true });
        }
    }
    async close() { }
    async readIndex() {
        const file = external_node_path_default().join(this.dir, 'index.json');
        let text;
        try {
            text = await external_node_fs_default().promises.readFile(file, 'utf8');
        }
        catch {
            return { schemaVersion: 2, mediaType: OCI.index, manifests: [] };
        }
        try {
            const idx = JSON.parse(text);
            if (!Array.isArray(idx.manifests))
                throw new Error('no manifests list');
            return idx;
        }
        catch (e) {
            throw new errors/* RelengError */.mz(`${file}: not a valid OCI index (${e.message}); fix or remove it`);
        }
    }
    async getManifest(reference) {
        checkManifestReference(reference, this.ref);
        let digest = reference;
        let mediaType;
        if (!isDigest(reference)) {
            const d = (await this.readIndex()).manifests.find((m) => m.annotations?.[REF_NAME] === reference);
            if (!d)
                return undefined;
            digest = d.digest;
            mediaType = d.mediaType;
        }
        let bytes;
        try {
            bytes = await external_node_fs_default().promises.readFile(this.blobPath(digest));
        }
        catch {
            return undefined;
        }
        if (sha256Digest(bytes) !== digest)
            throw new errors/* RelengError */.mz(`${this.blobPath(digest)}: its content does not match its digest; the layout is corrupt`);
        try {
            mediaType = JSON.parse(bytes.toString('utf8')).mediaType ?? mediaType;
        }
        catch {
            // not JSON: keep what index.json says
        }
        return { digest, mediaType: mediaType ?? OCI.manifest, bytes };
    }
    async hasManifest(digest) {
        return (await this.blobSize(digest)) !== undefined;
    }
    async blobSize(digest) {
        try {
            return (await external_node_fs_default().promises.stat(this.blobPath(digest))).size;
        }
        catch {
            return undefined;
        }
    }
    async mountBlob() {
        return false;
    }
    async openBlob(digest) {
        return external_node_fs_default().createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20 });
    }
    async putBlob(source, onSent) {
        const info = await source.done;
        const file = this.blobPath(info.digest);
        if ((await this.blobSize(info.digest)) === info.size)
            return info;
        await this.ensureLayout();
        const t = this.tmp(hexOf(info.digest));
        const hash = (0,external_node_crypto_.createHash)('sha256');
        try {
            await (0,promises_.pipeline)(source.read(0, info.size), async function* (src) {
                for await (const c of src) {
                    hash.update(c);
                    onSent?.(c.length);
                    yield c;
                }
            }, external_node_fs_default().createWriteStream(t));
            const got = `sha256:${hash.digest('hex')}`;
            if (got !== info.digest)
                throw new errors/* RelengError */.mz(`${this.ref}: blob ${info.digest} was read back as ${got}`);
            await external_node_fs_default().promises.rename(t, file);
        }
        catch (e) {
            await external_node_fs_default().promises.rm(t, { force: true });
            throw e;
        }
        return info;
    }
    async putManifest(reference, bytes, mediaType) {
        checkManifestReference(reference, this.ref);
        const digest = sha256Digest(bytes);
        const file = this.blobPath(digest);
        await this.ensureLayout();
        if ((await this.blobSize(digest)) !== bytes.length)
            await this.writeAtomic(file, bytes);
        if (isDigest(reference)) {
            if (reference !== digest)
                throw new errors/* RelengError */.mz(`${this.ref}: manifest bytes do not match ${reference}`);
            return;
        }
        // Tags live in index.json; one writer at a time within this process.
        const update = this.indexLock.then(async () => {
            const idx = await this.readIndex();
            const entry = {
                mediaType,
                digest,
                size: bytes.length,
                annotations: { [REF_NAME]: reference },
            };
            const manifests = idx.manifests.filter((m) => m.annotations?.[REF_NAME] !== reference);
            manifests.push(entry);
            manifests.sort((a, b) => (a.annotations?.[REF_NAME] ?? '').localeCompare(b.annotations?.[REF_NAME] ?? ''));
            const next = `${JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests }, null, 2)}\n`;
            const file = external_node_path_default().join(this.dir, 'index.json');
            const current = await external_node_fs_default().promises.readFile(file, 'utf8').catch(() => '');
            if (current !== next)
                await this.writeAtomic(file, next);
        });
        this.indexLock = update.catch(() => { });
        await update;
    }
    async checkPush() {
        let dir = this.dir;
        while (!external_node_fs_default().existsSync(dir) && external_node_path_default().dirname(dir) !== dir)
            dir = external_node_path_default().dirname(dir);
        try {
            external_node_fs_default().accessSync(dir, (external_node_fs_default()).constants.W_OK);
            return undefined;
        }
        catch {
            return `${this.ref}: ${dir} is not writable`;
        }
    }
}
function processAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (e) {
        // EPERM: alive, someone else's.
        return e.code === 'EPERM';
    }
}

;// CONCATENATED MODULE: ./src/oci/auth.ts
/**
 * Registry authentication: Basic, and Bearer tokens from the realm a 401 names (distribution's token
 * spec). Tokens are requested with the OAuth2 POST form when we hold credentials, falling back to GET
 * with Basic for servers without it (404/405/400/401 — GCR, Artifactory, ACR and Forgejo do this), and
 * cached per realm, service and scopes until shortly before they expire; a 401 on a cached token drops
 * it and asks again (the reference never refreshed). Every token is registered as a secret.
 */


/**
 * Parses WWW-Authenticate values: one or several challenges, each `Scheme k=v, k="quoted, v"`. Several
 * headers may be given (Forgejo sends a Bearer and a Basic one).
 */
function parseChallenges(value) {
    const values = Array.isArray(value) ? value : value ? [value] : [];
    const out = [];
    for (const v of values) {
        let i = 0;
        let current;
        const skipWs = () => {
            while (i < v.length && /[\s,]/.test(v[i]))
                i++;
        };
        while (i < v.length) {
            skipWs();
            const m = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(v.slice(i));
            if (!m)
                break;
            const token = m[0];
            i += token.length;
            while (i < v.length && v[i] === ' ')
                i++;
            if (v[i] === '=') {
                // auth-param of the current challenge
                i++;
                while (i < v.length && v[i] === ' ')
                    i++;
                let val = '';
                if (v[i] === '"') {
                    i++;
                    while (i < v.length && v[i] !== '"') {
                        if (v[i] === '\\' && i + 1 < v.length)
                            i++;
                        val += v[i];
                        i++;
                    }
                    i++;
                }
                else {
                    const t = /^[^,\s]*/.exec(v.slice(i))[0];
                    val = t;
                    i += t.length;
                }
                if (current)
                    current.params[token.toLowerCase()] = val;
            }
            else {
                current = { scheme: token.toLowerCase(), params: {} };
                out.push(current);
            }
        }
    }
    return out;
}
const CLIENT_ID = 'releng-actions';
async function fetchToken(http, log, r) {
    let realm;
    try {
        realm = new URL(r.realm);
    }
    catch {
        throw new errors/* RelengError */.mz(`${r.registry}: the registry's token realm '${r.realm}' is not a URL`);
    }
    if (realm.protocol !== 'https:' && !r.insecure && r.credential)
        throw new errors/* RelengError */.mz(`${r.registry}: the token realm ${realm.origin} is plain HTTP; refusing to send credentials there (list the registry in insecure-registries if this is intended)`);
    const c = r.credential;
    let res;
    if (c) {
        const form = new URLSearchParams({ client_id: CLIENT_ID });
        if (r.service)
            form.set('service', r.service);
        if (r.scopes.length)
            form.set('scope', r.scopes.join(' '));
        if ('identityToken' in c) {
            form.set('grant_type', 'refresh_token');
            form.set('refresh_token', c.identityToken);
        }
        else {
            form.set('grant_type', 'password');
            form.set('username', c.username);
            form.set('password', c.password);
        }
        res = await http.send({
            method: 'POST',
            url: realm,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: form.toString(),
            credentialBody: true,
        });
        const moved = res.status >= 300 && res.status < 400 ? res.header('location') : undefined;
        if (moved !== undefined) {
            await res.dump();
            throw new errors/* RelengError */.mz(`${r.registry}: the token service ${realm.origin}${realm.pathname} redirects to ${(0,errors/* redactUrl */.BO)(new URL(moved, realm).origin)}, another host; the credentials are not sent there (the registry's token realm must be the service itself)`);
        }
        if ([400, 401, 404, 405].includes(res.status) && !('identityToken' in c)) {
            log.debug(`${r.registry}: token POST answered ${res.status}; asking with GET`);
            await res.dump();
            res = undefined;
        }
    }
    if (!res) {
        const url = new URL(realm);
        url.searchParams.set('client_id', CLIENT_ID);
        if (r.service)
            url.searchParams.set('service', r.service);
        for (const s of r.scopes)
            url.searchParams.append('scope', s);
        const headers = {};
        if (c && !('identityToken' in c))
            headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
        res = await http.send({ method: 'GET', url, headers });
    }
    if (res.status === 401 || res.status === 403)
        throw new errors/* RelengError */.mz(`${r.registry}: the token service ${realm.origin}${realm.pathname} refused ${c ? 'the credentials' : 'anonymous access'} (HTTP ${res.status}: ${await errorDetail(res)}); check username and password (or docker login)`);
    if (res.status !== 200)
        throw new errors/* RelengError */.mz(`${r.registry}: the token service ${realm.origin}${realm.pathname} answered HTTP ${res.status} (${await errorDetail(res)})`);
    let data;
    try {
        data = JSON.parse(await res.text());
    }
    catch {
        throw new errors/* RelengError */.mz(`${r.registry}: the token service answered something that is not JSON`);
    }
    const token = data.token || data.access_token;
    if (!token)
        throw new errors/* RelengError */.mz(`${r.registry}: the token service answered no token`);
    log.secret(token);
    const issued = data.issued_at ? Date.parse(data.issued_at) : Number.NaN;
    const lifetime = (typeof data.expires_in === 'number' && data.expires_in > 0 ? data.expires_in : 60) * 1000;
    return { token, expiresAt: (Number.isNaN(issued) ? Date.now() : issued) + lifetime };
}
/** The `access` claim of a JWT token, when it is one (for the push preflight); undefined otherwise. */
function tokenAccess(token) {
    const parts = token.split('.');
    if (parts.length !== 3)
        return undefined;
    try {
        const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
        return Array.isArray(payload.access) ? payload.access : undefined;
    }
    catch {
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/oci/registry-host.ts
/**
 * One registry host, shared by its repositories: the scheme (HTTPS, or HTTP for insecure registries) and
 * the auth challenge learned by one ping of /v2/, then authenticated requests — Basic, or Bearer tokens
 * cached per scope and replaced once when a 401 says they went stale (regclient's ping and auth split).
 */



const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;
function isLoopback(host) {
    return LOOPBACK.test(host);
}
/** `repository:NAME:ACTIONS` is covered when one of `scopes` names the same resource with all those actions. */
function covered(scope, scopes) {
    const cut = (s) => {
        const i = s.lastIndexOf(':');
        return [s.slice(0, i), s.slice(i + 1).split(',')];
    };
    const [resource, actions] = cut(scope);
    return scopes.some((s) => {
        const [r, a] = cut(s);
        return r === resource && actions.every((x) => a.includes(x) || a.includes('*'));
    });
}
class RegistryHost {
    o;
    host;
    base;
    pinging;
    challenge;
    tokens = new Map();
    constructor(o) {
        this.o = o;
        this.host = o.host;
    }
    get log() {
        return this.o.log;
    }
    /** GET /v2/: learns the scheme (HTTPS, or HTTP for insecure registries) and the auth challenge. */
    ping() {
        this.pinging ??= this.doPing();
        return this.pinging;
    }
    async doPing() {
        const schemes = this.o.insecure ? ['https', 'http'] : ['https'];
        let lastError;
        for (const scheme of schemes) {
            const base = new URL(`${scheme}://${this.host}/`);
            let res;
            try {
                res = await this.o.http.send({
                    method: 'GET',
                    url: new URL('/v2/', base),
                    // An HTTPS probe of a plain-HTTP registry fails at once: no retries for it.
                    retry: { attempts: scheme === 'https' && this.o.insecure ? 1 : 4 },
                });
            }
            catch (e) {
                lastError = e;
                continue;
            }
            await res.dump();
            if (res.status === 200) {
                this.base = base;
                return;
            }
            if (res.status === 401) {
                const challenges = parseChallenges(res.headers['www-authenticate']);
                this.challenge =
                    challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ??
                        challenges.find((c) => c.scheme === 'basic');
                if (!this.challenge)
                    throw new errors/* RelengError */.mz(`${this.host}: the registry asks for authentication with a scheme we do not speak (${String(res.headers['www-authenticate'])})`);
                this.base = base;
                return;
            }
            throw new errors/* RelengError */.mz(`${this.host}: GET ${base.origin}/v2/ answered HTTP ${res.status}; is this an OCI registry (host[:port] of its API)?`);
        }
        const detail = lastError instanceof Error ? lastError.message : String(lastError);
        throw new errors/* RelengError */.mz(`${this.host}: cannot reach the registry (${detail})${this.o.insecure ? '' : '; if it serves plain HTTP or a self-signed certificate, list it in insecure-registries'}`);
    }
    credential(repository) {
        return this.o.credentials.lookup(this.o.name, repository);
    }
    /**
     * The Authorization header for these scopes. `stale` is a token a 401 was just answered to: it is
     * replaced — once, however many requests it failed at the same time.
     */
    async authorization(repository, scopes, stale) {
        const ch = this.challenge;
        if (!ch)
            return {};
        const cred = this.credential(repository)?.credential;
        if (ch.scheme === 'basic') {
            if (!cred || 'identityToken' in cred)
                return {};
            return { header: `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` };
        }
        const key = [ch.params.realm, ch.params.service ?? '', ...[...scopes].sort()].join('|');
        let pending = this.tokens.get(key);
        if (pending && pending !== stale) {
            const t = await pending.catch(() => undefined);
            if (t && t.expiresAt - 10_000 > Date.now())
                return { header: `Bearer ${t.token}`, token: pending };
            if (this.tokens.get(key) !== pending)
                return this.authorization(repository, scopes, stale);
        }
        pending = fetchToken(this.o.http, this.o.log, {
            realm: ch.params.realm,
            service: ch.params.service,
            scopes,
            credential: cred,
            insecure: this.o.insecure,
            registry: this.host,
        });
        this.tokens.set(key, pending);
        pending.catch(() => {
            if (this.tokens.get(key) === pending)
                this.tokens.delete(key);
        });
        return { header: `Bearer ${(await pending).token}`, token: pending };
    }
    /** The token for these scopes, if the registry uses tokens (the push preflight reads its claims). */
    async token(repository, scopes) {
        await this.ping();
        const a = (await this.authorization(repository, scopes)).header;
        return a?.startsWith('Bearer ') ? a.slice(7) : undefined;
    }
    /** An authenticated request; a 401 (token expired, or more scope wanted) is answered once with a fresh token. */
    async send(repository, scopes, r) {
        await this.ping();
        const url = typeof r.path === 'string' ? new URL(r.path, this.base) : r.path;
        // Credentials belong to the registry's origin: an upload Location on another host (a storage
        // front end) gets the request without them, as a redirect there would.
        if (url.origin !== this.base.origin)
            return this.o.http.send({ ...r, url });
        const go = async (auth) => this.o.http.send({ ...r, url, headers: { ...r.headers, ...(auth ? { authorization: auth } : {}) } });
        const first = await this.authorization(repository, scopes);
        const res = await go(first.header);
        if (res.status !== 401)
            return res;
        const challenges = parseChallenges(res.headers['www-authenticate']);
        await res.dump();
        const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
        const next = bearer ?? challenges.find((c) => c.scheme === 'basic');
        if (next &&
            (next.scheme !== this.challenge?.scheme || next.params.realm !== this.challenge?.params.realm))
            this.challenge = next;
        // The scope the registry names joins ours only when ours do not cover it already (it names the action
        // of this request: `pull` for a GET we asked `pull,push` for) — so a refresh replaces the same token.
        const wanted = [
            ...scopes,
            ...(bearer?.params.scope?.split(' ') ?? []).filter((s) => !covered(s, scopes)),
        ];
        const auth = (await this.authorization(repository, wanted, first.token)).header;
        const where = `${this.host}/${repository}`;
        if (!auth)
            throw new errors/* RelengError */.mz(`${where}: the registry wants credentials (HTTP 401) and none were found; pass 'username' and 'password', or log in (docker login / skopeo login)`);
        const again = await go(auth);
        if (again.status === 401) {
            const from = this.credential(repository)?.from;
            throw new errors/* RelengError */.mz(`${where}: authentication failed (HTTP 401: ${await errorDetail(again)})${from ? ` with the credentials from ${from}` : ''}; check username and password`);
        }
        return again;
    }
    url(path) {
        return new URL(path, this.base);
    }
}
/** The error for an answer we cannot go on from, with the registry's own words and a hint where we have one. */
async function requestFailed(ref, what, res) {
    const detail = await errorDetail(res);
    const hint = res.status === 403
        ? '; the credentials lack push access to this repository'
        : res.status === 404 && /NAME_UNKNOWN/.test(detail)
            ? '; does the repository exist (some registries need it created first)?'
            : '';
    return new HttpError(`${ref}: ${what}: HTTP ${res.status} (${detail})${hint}`, res.status);
}

;// CONCATENATED MODULE: ./src/oci/blob-upload.ts



/** Uploads of one blob in all: a session the registry lost (5xx, a dropped connection) starts over. */
const UPLOAD_ATTEMPTS = 3;
/** Attempts at one chunk, each resuming where the registry says the upload stands. */
const CHUNK_ATTEMPTS = 4;
/** Uploads the blob (a source that may still be growing), counting bytes sent — and unsent on a restart. */
async function uploadBlob(to, chunks, source, onSent = () => { }) {
    let sent = 0;
    return withRetry(() => {
        sent = 0;
        return uploadOnce(to, chunks, source, (n) => {
            sent += n;
            onSent(n);
        });
    }, {
        attempts: UPLOAD_ATTEMPTS,
        // The source can be read again; the registry's half of the upload cannot.
        retryable: (e) => isTransientError(e) || (e instanceof HttpError && (e.status ?? 0) >= 500),
        onRetry: (e) => {
            onSent(-sent);
            to.log.debug(`${to.ref}: upload failed (${e.message}); starting it again`);
        },
    });
}
async function uploadOnce(to, chunks, source, onSent) {
    const session = await UploadSession.start(to, chunks);
    try {
        const offset = await session.sendChunks(source, onSent);
        const info = await source.done;
        await session.commit(source, offset, info);
        onSent(info.size - offset);
        return info;
    }
    catch (e) {
        // The producer failed (a bad archive, checked before any blob is committed) or the registry did:
        // leave no upload session (and its data) behind.
        await session.cancel();
        throw e;
    }
}
/** Cancels an upload session (a mount the registry answered with one, a push check); failures ignored. */
async function cancelUpload(to, location) {
    try {
        const r = await to.send({ method: 'DELETE', path: location, retry: { attempts: 1 } });
        await r.dump();
    }
    catch {
        // an abandoned upload expires on its own
    }
}
/** One upload session: where it is (the registry may move it with each answer) and its steps. */
class UploadSession {
    to;
    chunks;
    location;
    constructor(to, chunks, location) {
        this.to = to;
        this.chunks = chunks;
        this.location = location;
    }
    /** POST: opens the session. */
    static async start(to, chunks) {
        const res = await to.send({ method: 'POST', path: to.uploadsPath, body: Buffer.alloc(0) });
        await res.dump();
        const loc = res.header('location');
        if (res.status !== 202 || !loc)
            throw await requestFailed(to.ref, 'POST blob upload', res);
        return new UploadSession(to, chunks, new URL(loc, res.url));
    }
    /**
     * Sends whole chunks as the source grows; gives the offset reached. The last piece (a chunk or less)
     * is left for the commit — unless the blob is held (not to be committed yet): then it is sent now, and
     * the commit is empty later, so that what is left when the hold ends is a request per blob, not its
     * last megabytes.
     */
    async sendChunks(source, onSent) {
        const chunk = this.chunks.chunkSize;
        let offset = 0;
        for (;;) {
            const available = await source.waitFor(offset + chunk + 1);
            const rest = available - offset;
            if (source.complete() && rest <= chunk) {
                if (rest > 0 && source.held?.()) {
                    await this.patch(source, offset, available);
                    onSent(rest);
                    offset = available;
                }
                return offset;
            }
            if (rest <= chunk)
                continue;
            await this.patch(source, offset, offset + chunk);
            onSent(chunk);
            offset += chunk;
        }
    }
    /** PUT `?digest=`: the bytes from `offset` to the end, and the blob is committed. */
    async commit(source, offset, info) {
        const url = new URL(this.location);
        url.searchParams.set('digest', info.digest);
        const put = (body) => this.to.send({
            method: 'PUT',
            path: url,
            headers: { 'content-type': 'application/octet-stream' },
            body,
            retry: { transient: false },
        });
        const res = info.size > offset
            ? await this.chunks.with(async (b) => put(await source.readInto(b, offset, info.size)))
            : await put(Buffer.alloc(0));
        if (res.status !== 201)
            throw await requestFailed(this.to.ref, `PUT blob ${info.digest}`, res);
        await res.dump();
    }
    /** DELETE: the session and what it holds are dropped. */
    cancel() {
        return cancelUpload(this.to, this.location);
    }
    /** One chunk, bytes [start, end); on a failure asks the registry how much it has and resends from there. */
    async patch(source, start, end) {
        for (let attempt = 1;; attempt++) {
            let res;
            let error;
            try {
                res = await this.chunks.with(async (b) => this.to.send({
                    method: 'PATCH',
                    path: this.location,
                    headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
                    body: await source.readInto(b, start, end),
                    retry: { transient: false, attempts: 1 },
                }));
                if (res.status === 202) {
                    await res.dump();
                    this.moveTo(res);
                    return;
                }
            }
            catch (e) {
                error = e;
            }
            const what = `PATCH blob upload ${start}-${end - 1}`;
            if (attempt >= CHUNK_ATTEMPTS ||
                (res && res.status < 500 && res.status !== 416 && res.status !== 429)) {
                if (res)
                    throw await requestFailed(this.to.ref, what, res);
                throw error;
            }
            if (res) {
                const wait = retryDelay(attempt, res.status === 429 ? res.header('retry-after') : undefined);
                if (wait === undefined)
                    throw await requestFailed(this.to.ref, what, res);
                await res.dump();
                await sleep(wait);
            }
            const have = await this.received(start);
            if (have === end)
                return;
            if (have !== start)
                throw (error ??
                    new HttpError(`${this.to.ref}: the upload lost its place (at ${have}, expected ${start})`, 500));
        }
    }
    /**
     * GET on the session: how many bytes the registry has (204 with `Range: 0-LAST`); -1 when it cannot
     * say. `start` is where the chunk in question began.
     */
    async received(start) {
        const status = await this.to.send({ method: 'GET', path: this.location });
        await status.dump();
        this.moveTo(status);
        const range = /^(?:bytes=)?0-(\d+)$/.exec(status.header('range') ?? '');
        if (!range)
            return status.status === 204 ? 0 : -1;
        // distribution answers an empty upload with `0-0` too: at the first chunk that means nothing yet.
        return start === 0 && range[1] === '0' ? 0 : Number(range[1]) + 1;
    }
    moveTo(res) {
        const next = res.header('location');
        if (next)
            this.location = new URL(next, res.url);
    }
}

;// CONCATENATED MODULE: ./src/oci/registry.ts







class RegistryRepository {
    registry;
    chunks;
    repository;
    ref;
    mountKey;
    scopes;
    uploads;
    constructor(registry, chunks, repository, ref) {
        this.registry = registry;
        this.chunks = chunks;
        this.repository = repository;
        this.ref = ref ?? `${registry.host}/${repository}`;
        this.mountKey = registry.host;
        this.scopes = [`repository:${repository}:pull,push`];
        this.uploads = {
            ref: this.ref,
            uploadsPath: `/v2/${repository}/blobs/uploads/`,
            send: (r) => this.send(r),
            log: registry.log,
        };
    }
    send(r, scopes = this.scopes) {
        return this.registry.send(this.repository, scopes, r);
    }
    path(kind, reference) {
        if (kind === 'manifests')
            checkManifestReference(reference, this.ref);
        return `/v2/${this.repository}/${kind}/${reference}`;
    }
    async fail(what, res) {
        throw await requestFailed(this.ref, what, res);
    }
    async open() {
        await this.registry.ping();
    }
    async close() { }
    async getManifest(reference) {
        const res = await this.send({
            method: 'GET',
            path: this.path('manifests', reference),
            headers: { accept: ACCEPT_MANIFESTS },
        });
        if (res.status === 404) {
            await res.dump();
            return undefined;
        }
        if (res.status !== 200)
            return this.fail(`GET manifest ${reference}`, res);
        const bytes = await res.buffer();
        const digest = sha256Digest(bytes);
        if (reference.startsWith('sha256:') && digest !== reference)
            throw new errors/* RelengError */.mz(`${this.ref}: manifest ${reference} came back with digest ${digest}; the registry is corrupt`);
        let mediaType = (res.header('content-type') ?? '').split(';')[0].trim();
        try {
            mediaType = JSON.parse(bytes.toString('utf8')).mediaType ?? mediaType;
        }
        catch {
            // the header's type stands
        }
        return { digest, mediaType, bytes };
    }
    async hasManifest(digest) {
        const res = await this.send({
            method: 'HEAD',
            path: this.path('manifests', digest),
            headers: { accept: ACCEPT_MANIFESTS },
        });
        await res.dump();
        if (res.status === 200)
            return true;
        if (res.status === 404)
            return false;
        return this.fail(`HEAD manifest ${digest}`, res);
    }
    async blobSize(digest) {
        const res = await this.send({ method: 'HEAD', path: this.path('blobs', digest) });
        await res.dump();
        if (res.status === 200)
            return Number(res.header('content-length') ?? Number.NaN);
        if (res.status === 404)
            return undefined;
        return this.fail(`HEAD blob ${digest}`, res);
    }
    async mountBlob(digest, from) {
        if (from.mountKey !== this.mountKey || !from.repository)
            return false;
        const path = `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`;
        const res = await this.send({ method: 'POST', path, body: Buffer.alloc(0) }, [
            ...this.scopes,
            `repository:${from.repository}:pull`,
        ]);
        await res.dump();
        if (res.status === 201)
            return true;
        // 202: the registry opened an upload instead; cancel it.
        const loc = res.header('location');
        if (res.status === 202 && loc)
            await cancelUpload(this.uploads, new URL(loc, res.url));
        return false;
    }
    async openBlob(digest) {
        const res = await this.send({ method: 'GET', path: this.path('blobs', digest) });
        if (res.status !== 200)
            return this.fail(`GET blob ${digest}`, res);
        return res.body;
    }
    async putManifest(reference, bytes, mediaType) {
        const res = await this.send({
            method: 'PUT',
            path: this.path('manifests', reference),
            headers: { 'content-type': mediaType },
            body: bytes,
            // What it names was pushed moments ago: registries may not see it yet.
            retry: { notFound: true, attempts: 8 },
        });
        if (res.status === 201 || res.status === 200) {
            await res.dump();
            return;
        }
        return this.fail(`PUT manifest ${reference}`, res);
    }
    async checkPush() {
        try {
            const token = await this.registry.token(this.repository, this.scopes);
            const access = token ? tokenAccess(token) : undefined;
            if (access) {
                const mine = access.filter((a) => a.type === 'repository' && a.name === this.repository);
                if (!mine.some((a) => a.actions.includes('push') || a.actions.includes('*')))
                    return `${this.ref}: the token grants no push access (${mine.flatMap((a) => a.actions).join(',') || 'nothing'}); check the credentials' permissions`;
            }
            const res = await this.send({ method: 'POST', path: this.uploads.uploadsPath, body: Buffer.alloc(0) });
            await res.dump();
            if (res.status === 202) {
                const loc = res.header('location');
                if (loc)
                    await cancelUpload(this.uploads, new URL(loc, res.url));
                return undefined;
            }
            if (res.status === 401 || res.status === 403)
                return `${this.ref}: no push access (HTTP ${res.status}); check the credentials' permissions`;
            return `${this.ref}: starting an upload answered HTTP ${res.status}`;
        }
        catch (e) {
            return e instanceof errors/* RelengError */.mz ? e.message : `${this.ref}: ${e.message}`;
        }
    }
    putBlob(source, onSent) {
        return uploadBlob(this.uploads, this.chunks, source, onSent);
    }
}

;// CONCATENATED MODULE: ./src/oci/sink-factory.ts





class SinkFactory {
    o;
    http;
    hosts = new Map();
    constructor(o) {
        this.o = o;
        this.http = new Http(o.log, (host) => this.insecure(host), undefined, o.timeoutMs);
    }
    insecure(host) {
        const bare = host.replace(/:\d+$/, '');
        return isLoopback(host) || this.o.insecureRegistries.some((r) => r === host || r === bare);
    }
    sink(t) {
        if (t.kind === 'layout')
            return new LayoutSink(t.dir);
        let h = this.hosts.get(t.apiHost);
        if (!h) {
            h = {
                host: new RegistryHost({
                    host: t.apiHost,
                    name: t.registry,
                    insecure: this.insecure(t.apiHost),
                    http: this.http,
                    credentials: this.o.credentials,
                    log: this.o.log,
                }),
                chunks: new ChunkPool(this.o.chunkSize),
            };
            this.hosts.set(t.apiHost, h);
        }
        return new RegistryRepository(h.host, h.chunks, t.repository, t.ref);
    }
    async close() {
        await this.http.close();
    }
}

;// CONCATENATED MODULE: ./src/oci/registry-targets.ts
/**
 * The targets of a run as the OCI library takes them — an environment's registries or a list — checked
 * once for the three entry points (publishImages, checkRegistryAccess, movePointerTags):
 *   - each ref parsed, listed once; its tag templates expanded and sorted into kinds: `{version}` tags are
 *     immutable, `{major}` tags are the major's pointers, literal tags and `latest` are latest-like
 *     pointers (DESIGN "Immutable vs pointer"); pointers follow a `{version}` tag, so one is required;
 *   - the logins: a target's own (`registries[].username/password` naming environment variables, read
 *     here), the `username`/`password` inputs for the registry without one, login files for the rest.
 */






const DEFAULT_TAGS = ['{version}', '{major}'];
/** The registries of an environment (`local`: the OCI layout under .releng/local/oci), paths resolved. */
function targetsForEnvironment(environment, dir, environmentName) {
    return environment.registries.map((r, i) => {
        const key = `releng.yml environments.${environmentName}.registries[${i}]`;
        return {
            ref: r.ref.startsWith('oci-layout:')
                ? `oci-layout:${external_node_path_default().resolve(dir, r.ref.slice('oci-layout:'.length))}`
                : r.ref,
            tags: [...r.tags],
            ...(r.username && r.password ? { login: { username: r.username, password: r.password } } : {}),
            ...(environmentName
                ? { where: { ref: `${key}.ref`, tags: `${key}.tags`, login: `${key}.username/password` } }
                : {}),
        };
    });
}
/** The kind of a tag template: `{version}` makes it immutable, `{major}` the major's, anything else latest-like. */
function kindOf(template) {
    return isImmutableTemplate(template) ? 'version' : template.includes('{major}') ? 'major' : 'latest';
}
/** Parses the targets and expands their tags; every problem of one target is one line naming it. */
function resolveTargets(targets, version, dir) {
    const seen = new Set();
    const major = (0,config_version/* majorOf */.Ds)(version);
    return targets.map((t) => {
        const ref = parseTarget(t.ref, dir, t.where?.ref);
        if (seen.has(ref.ref))
            throw new errors/* RelengError */.mz(`${t.where?.ref ?? 'targets'}: '${ref.ref}' is listed twice`);
        seen.add(ref.ref);
        const where = t.where?.tags ?? `tags of ${ref.ref}`;
        const tags = [];
        for (const template of t.tags.length ? t.tags : DEFAULT_TAGS) {
            const name = expandTag(template, { version, major }, where);
            if (!tags.some((x) => x.name === name))
                tags.push({ name, kind: kindOf(template) });
        }
        if (!tags.some((x) => x.kind === 'version'))
            throw new errors/* RelengError */.mz(`${where}: no {version} tag; every target needs one (its pointers, such as {major} and latest, follow it)`);
        if (!tags.some((x) => x.name === 'latest'))
            tags.push({ name: 'latest', kind: 'latest' });
        return { ref, tags, login: t.login, where: t.where };
    });
}
/** The tags a policy lets a target carry: `{version}` always, pointers as the policy allows. */
function allowedTags(t, policy) {
    return t.tags.filter((x) => x.kind === 'version' || policy[x.kind]);
}
/** host or host:port (an IPv6 address in brackets), as `insecure-registries` lists them. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
function checkInsecureRegistries(hosts) {
    for (const h of hosts)
        if (!REGISTRY_HOST.test(h))
            throw new errors/* RelengError */.mz(`input 'insecure-registries': '${h}' is not a registry host[:port]; write ${suggestHost(h)} (no scheme, no path)`);
}
function suggestHost(h) {
    const bare = h.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
    return REGISTRY_HOST.test(bare) ? bare : 'registry.example.org:5000';
}
/** The value of an `{env: NAME}` login; one line naming the key and the variable (never a value). */
function readEnvRef(ref, key, processEnv) {
    const value = processEnv[ref.env];
    if (!value)
        throw new errors/* RelengError */.mz(`${key}: $${ref.env} is ${value === undefined ? 'not set' : 'empty'}; give the step that variable (from a secret), or remove the login to use docker login`);
    return value;
}
/**
 * The logins of a run. A target's own login wins; the `username`/`password` inputs serve the registry
 * targets without one — all on one registry, since a password given once must never reach another
 * registry; login files serve the rest. Every secret is registered with the logger (by the store).
 */
function registryLogins(targets, inputs, processEnv, log) {
    if (inputs && (!inputs.username || !inputs.password))
        throw new errors/* RelengError */.mz("give both 'username' and 'password', or neither (then docker/skopeo logins are used)");
    const repositories = [];
    const withoutLogin = new Set();
    for (const t of targets) {
        const key = t.where?.login ?? `the login of ${t.ref.ref}`;
        if (t.login && t.ref.kind === 'layout')
            throw new errors/* RelengError */.mz(`${key}: an oci-layout target takes no login; remove it`);
        if (t.ref.kind !== 'registry')
            continue;
        if (!t.login) {
            withoutLogin.add(credentials_normaliseKey(t.ref.registry));
            continue;
        }
        const password = readEnvRef(t.login.password, key, processEnv);
        // Registered before anything else can fail and print it.
        log.secret(password);
        const credential = { username: readEnvRef(t.login.username, key, processEnv), password };
        repositories.push({
            registry: t.ref.registry,
            repository: t.ref.repository,
            credential,
            from: `${key} ($${t.login.username.env}, $${t.login.password.env})`,
        });
    }
    if (!inputs)
        return { repositories };
    log.secret(inputs.password);
    if (withoutLogin.size > 1)
        throw new errors/* RelengError */.mz(`the 'username'/'password' inputs would go to several registries (${[...withoutLogin].join(', ')}); give each its own login in releng.yml (registries[].username/password: {env: NAME}), or log in with docker login`);
    if (withoutLogin.size === 0)
        log.warning("the 'username'/'password' inputs are not used: no registry target is without its own login");
    return { repositories, inputs: { credential: inputs, registries: [...withoutLogin] } };
}
/** The sinks of these targets, their logins resolved (a RelengError for a login that cannot be read). */
function sinkFactory(targets, credentials, log, o) {
    const processEnv = o.processEnv ?? process.env;
    return new SinkFactory({
        credentials: new CredentialStore(log, registryLogins(targets, credentials, processEnv, log), processEnv),
        insecureRegistries: o.insecureRegistries ?? [],
        log,
        timeoutMs: o.timeoutMs,
    });
}

;// CONCATENATED MODULE: ./src/oci/pointer-tags.ts
/**
 * The pointer phase of the registries (publish runs it last, after the cache, the release tree and the
 * manual): `{major}` tags, literal tags and `latest` are pointed at the index that each target's
 * `{version}` tag names — never at anything else, and only as the policy (the maintenance rule) allows.
 *   1. the targets, their tags and logins (registry-targets.ts);
 *   2. every target's `{version}` tag read: it must exist, name one index (all `{version}` tags of a
 *      target agree), and, when the caller says which, the index this release published — otherwise
 *      nothing moves anywhere;
 *   3. each allowed pointer that names something else is PUT with the same bytes; the others are held.
 * Idempotent: a re-run moves nothing that already points there.
 */



async function movePointerTags(o) {
    const log = o.log;
    checkInsecureRegistries(o.insecureRegistries ?? []);
    const targets = resolveTargets(o.targets, o.version, o.dir ?? process.cwd());
    const sinks = sinkFactory(targets, o.credentials, log, {
        insecureRegistries: o.insecureRegistries,
        processEnv: o.processEnv,
        timeoutMs: o.tuning?.timeout,
    });
    try {
        // 2. Every target's {version} tag, before any pointer moves.
        const problems = [];
        const anchors = await Promise.all(targets.map(async (t) => {
            const sink = sinks.sink(t.ref);
            try {
                await sink.open({ create: false });
                const named = await Promise.all(t.tags
                    .filter((x) => x.kind === 'version')
                    .map(async (x) => ({ tag: x.name, m: await sink.getManifest(x.name) })));
                const missing = named.filter((n) => !n.m);
                const allowed = allowedTags(t, o.policy).filter((x) => x.kind !== 'version');
                const held = t.tags.filter((x) => x.kind !== 'version' && !allowed.includes(x)).map((x) => x.name);
                // A dry run before the images are pushed: the pointers would follow the {version} tag it pushes.
                if (missing.length && o.pushedBefore) {
                    log.warning(`${t.ref.ref}:${missing.map((n) => n.tag).join(', ')} does not exist: its pointers stay (run docker-multiarch first to move them)`);
                    const all = t.tags.filter((x) => x.kind !== 'version').map((x) => x.name);
                    return { sink, ref: t.ref.ref, pointers: [], held: all };
                }
                if (missing.length && o.dryRun)
                    return { sink, ref: t.ref.ref, pointers: allowed, held };
                if (missing.length) {
                    problems.push(`${t.ref.ref}:${missing.map((n) => n.tag).join(', ')} does not exist; publish the images of ${o.version} first (pointers only follow a published {version} tag)`);
                    return undefined;
                }
                const index = named[0].m;
                const other = named.find((n) => n.m.digest !== index.digest);
                if (other)
                    problems.push(`${t.ref.ref}: ${named[0].tag} names ${shortDigest(index.digest)} but ${other.tag} names ${shortDigest(other.m.digest)}; the {version} tags disagree`);
                const expected = o.digests?.[t.ref.ref];
                if (expected && expected !== index.digest)
                    problems.push(`${t.ref.ref}:${named[0].tag} names ${shortDigest(index.digest)}, not the index this release published (${shortDigest(expected)})`);
                return { sink, ref: t.ref.ref, index, pointers: allowed, held };
            }
            catch (e) {
                problems.push(e instanceof Error ? e.message : String(e));
                return undefined;
            }
        }));
        if (problems.length)
            throw new errors/* RelengErrors */.zg('cannot move the pointer tags; none was moved', problems);
        // 3. The pointers, each PUT with the bytes of the index its {version} tag names.
        return await Promise.all(anchors.map(async (a) => {
            const digest = a.index?.digest ?? '';
            const report = { ref: a.ref, digest, moved: [], unchanged: [], held: a.held };
            for (const p of a.pointers) {
                if (a.index && (await a.sink.getManifest(p.name))?.digest === digest) {
                    report.unchanged.push(p.name);
                    continue;
                }
                if (!o.dryRun && a.index)
                    await a.sink.putManifest(p.name, a.index.bytes, a.index.mediaType);
                report.moved.push(p.name);
            }
            log.info(`${a.ref}: ${o.dryRun ? 'would move' : 'moved'} ${report.moved.join(', ') || 'no pointer'}${digest ? ` to ${shortDigest(digest)}` : ''}${report.held.length ? `; held: ${report.held.join(', ')}` : ''}`);
            return report;
        }));
    }
    finally {
        await sinks.close();
    }
}

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__webpack_require__.n(external_node_zlib_);
;// CONCATENATED MODULE: ./src/oci/compress.ts
/**
 * Layer compression, parallel and deterministic. The input is cut into fixed-size blocks; each block is
 * compressed on the libuv thread pool (zlib's asynchronous calls run there, so the blocks of one layer
 * use every core), and the results are joined in order into ONE stream:
 * - gzip, pigz-style: each block is raw deflate primed with the previous block's last 32 KiB and ended
 *   with a sync flush (byte-aligned, not final); an empty final block, then the gzip trailer (CRC-32 and
 *   size of the whole input). Same input, level and block size → same bytes, on the same zlib.
 * - zstd: each block is an independent frame; concatenated frames are one valid zstd stream.
 * Block buffers are reused and at most `maxInFlight` blocks are out per layer, so memory stays flat
 * whatever the layer size. (Worker threads were tried: a little faster, but each thread's heap keeps its
 * own garbage buffers and the process grew; docs/architecture.md has the figures.)
 */



const DEFAULT_BLOCK = { gzip: 1 << 20, zstd: 4 << 20 };
const WINDOW = 32 * 1024;
// A gzip header with no name, no mtime (0) and OS "unknown": nothing in it depends on the machine.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
// The empty final deflate block (BFINAL=1, fixed Huffman, end-of-block).
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
const zstdCompress = (external_node_zlib_default()).zstdCompress;
// ZSTD_c_compressionLevel (100 in zstd's enum), where @types/node does not name it.
const ZSTD_LEVEL = (external_node_zlib_default()).constants.ZSTD_c_compressionLevel ?? 100;
/** zstd needs Node ≥ 22.15 (zlib.zstdCompress). */
function zstdAvailable() {
    return typeof zstdCompress === 'function';
}
function zstd(input, level) {
    return new Promise((resolve, reject) => zstdCompress(input, { params: { [ZSTD_LEVEL]: level } }, (e, r) => (e ? reject(e) : resolve(r))));
}
const deflateRaw = (0,external_node_util_.promisify)((external_node_zlib_default()).deflateRaw);
/** deflate's worst case (stored blocks: 5 bytes per 16 KiB) plus the flush marker, with room to spare. */
function outputBound(n) {
    return n + Math.ceil(n / 16384) * 5 + 1024;
}
/** Node ≥ 20.15 has zlib.crc32; older Node gets a table-driven one. */
const crc32 = (external_node_zlib_default()).crc32 ?? crc32Table;
let TABLE;
function crc32Table(data, value) {
    if (!TABLE) {
        TABLE = new Uint32Array(256);
        for (let n = 0; n < 256; n++) {
            let c = n;
            for (let k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
            TABLE[n] = c >>> 0;
        }
    }
    let c = ~value >>> 0;
    for (let i = 0; i < data.length; i++)
        c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return ~c >>> 0;
}
/**
 * The compression jobs of a run: at most `size` at once (one per core: the rest of the pool stays free for
 * file reads and gunzip), and the block buffers they travel in, reused.
 */
class CompressionPool {
    size;
    active = 0;
    waiting = [];
    spare = [];
    /** Output size of the last block over its input: the next output buffer is sized from it. */
    ratio = 0.5;
    constructor(size = Math.max(1, external_node_os_default().availableParallelism?.() ?? external_node_os_default().cpus().length)) {
        this.size = size;
    }
    async run(job) {
        if (this.active >= this.size)
            await new Promise((r) => this.waiting.push(r));
        this.active++;
        try {
            const input = Buffer.from(job.block, WINDOW, job.length);
            if (job.compression === 'zstd')
                return { block: job.block, out: await zstd(input, job.level), crc: 0 };
            const dictionary = job.dictionary > 0 ? Buffer.from(job.block, WINDOW - job.dictionary, job.dictionary) : undefined;
            const crc = crc32(input, 0);
            const out = await deflateRaw(input, {
                level: job.level,
                memLevel: 9,
                // One output buffer that fits (the default 16 KiB means a round trip through the main thread per
                // 16 KiB); the bytes do not depend on how zlib's output space is cut.
                chunkSize: Math.min(outputBound(job.length), Math.ceil(job.length * this.ratio * 1.25) + 32768),
                finishFlush: (external_node_zlib_default()).constants.Z_SYNC_FLUSH,
                ...(dictionary ? { dictionary } : {}),
            });
            this.ratio = out.length / Math.max(1, job.length);
            return { block: job.block, out, crc };
        }
        finally {
            this.active--;
            this.waiting.shift()?.();
        }
    }
    /** A block buffer (room for the dictionary, then `size` bytes): a returned one when there is one. */
    acquire(size) {
        const i = this.spare.findIndex((b) => b.byteLength === WINDOW + size);
        return i >= 0 ? this.spare.splice(i, 1)[0] : new ArrayBuffer(WINDOW + size);
    }
    release(block) {
        if (this.spare.length < this.size * 2)
            this.spare.push(block);
    }
    async close() {
        this.spare = [];
    }
}
function createCompressor(o) {
    if (o.compression === 'zstd' && !zstdAvailable())
        throw new Error('zstd compression needs Node 22.15 or newer (zlib.zstdCompress)');
    return new BlockCompressor(o);
}
// CRC-32 of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine): blocks are hashed independently.
function gf2Times(mat, vec) {
    let sum = 0;
    for (let i = 0; vec !== 0; i++, vec >>>= 1)
        if (vec & 1)
            sum ^= mat[i];
    return sum >>> 0;
}
function gf2Square(square, mat) {
    for (let n = 0; n < 32; n++)
        square[n] = gf2Times(mat, mat[n]);
}
function crc32Combine(crc1, crc2, len2) {
    if (len2 <= 0)
        return crc1 >>> 0;
    const even = new Uint32Array(32);
    const odd = new Uint32Array(32);
    odd[0] = 0xedb88320;
    for (let n = 1, row = 1; n < 32; n++, row <<= 1)
        odd[n] = row;
    gf2Square(even, odd);
    gf2Square(odd, even);
    let c = crc1 >>> 0;
    let len = len2;
    do {
        gf2Square(even, odd);
        if (len & 1)
            c = gf2Times(even, c);
        len = Math.floor(len / 2);
        if (len === 0)
            break;
        gf2Square(odd, even);
        if (len & 1)
            c = gf2Times(odd, c);
        len = Math.floor(len / 2);
    } while (len !== 0);
    return (c ^ crc2) >>> 0;
}
class BlockCompressor {
    o;
    block;
    filled = 0;
    queue = [];
    /** The last WINDOW bytes of input: the next block's dictionary. */
    tail = Buffer.alloc(WINDOW);
    tailLength = 0;
    crc = 0;
    inputSize = 0;
    /** The last block's `out`: it runs while the next block is awaited (one write pending at most). */
    writing = Promise.resolve();
    started = false;
    blockSize;
    maxInFlight;
    constructor(o) {
        this.o = o;
        this.blockSize = o.blockSize ?? DEFAULT_BLOCK[o.compression];
        this.maxInFlight = o.maxInFlight ?? o.pool.size + 1;
    }
    async write(chunk) {
        if (!this.started)
            await this.start();
        let off = 0;
        while (off < chunk.length) {
            this.block ??= this.o.pool.acquire(this.blockSize);
            const k = Math.min(this.blockSize - this.filled, chunk.length - off);
            new Uint8Array(this.block, WINDOW + this.filled, k).set(chunk.subarray(off, off + k));
            this.filled += k;
            off += k;
            if (this.filled === this.blockSize)
                await this.dispatch();
        }
    }
    async end() {
        if (!this.started)
            await this.start();
        if (this.filled > 0)
            await this.dispatch();
        while (this.queue.length > 0)
            await this.emitOne();
        await this.writing;
        if (this.o.compression === 'gzip') {
            const trailer = Buffer.alloc(8);
            trailer.writeUInt32LE(this.crc >>> 0, 0);
            trailer.writeUInt32LE(this.inputSize % 2 ** 32, 4);
            await this.o.out(FINAL_BLOCK);
            await this.o.out(trailer);
        }
    }
    abort() {
        // Blocks in flight finish on the pool and are dropped with this compressor.
        this.queue = [];
    }
    async start() {
        this.started = true;
        if (this.o.compression === 'gzip')
            await this.o.out(GZIP_HEADER);
    }
    async dispatch() {
        const block = this.block;
        const length = this.filled;
        this.block = undefined;
        this.filled = 0;
        this.inputSize += length;
        let dictionary = 0;
        if (this.o.compression === 'gzip') {
            const bytes = new Uint8Array(block);
            // This block's dictionary goes in its room; the next one's is kept before the block leaves.
            bytes.set(this.tail.subarray(WINDOW - this.tailLength), WINDOW - this.tailLength);
            dictionary = this.tailLength;
            const keep = Math.min(WINDOW, length);
            if (keep < WINDOW)
                this.tail.copyWithin(0, keep);
            this.tail.set(bytes.subarray(WINDOW + length - keep, WINDOW + length), WINDOW - keep);
            this.tailLength = Math.min(WINDOW, this.tailLength + keep);
        }
        const job = this.o.pool.run({
            block,
            length,
            dictionary,
            compression: this.o.compression,
            level: this.o.level,
        });
        job.catch(() => { }); // surfaced in emitOne; not an unhandled rejection meanwhile
        this.queue.push({ job, length });
        while (this.queue.length >= this.maxInFlight)
            await this.emitOne();
    }
    async emitOne() {
        const { job, length } = this.queue.shift();
        const r = await job;
        this.o.pool.release(r.block);
        if (this.o.compression === 'gzip')
            this.crc = crc32Combine(this.crc, r.crc, length);
        await this.writing;
        const w = Promise.resolve(this.o.out(r.out));
        w.catch(() => { }); // surfaced by the next emitOne or end
        this.writing = w;
    }
}

;// CONCATENATED MODULE: ./src/oci/igzip.ts
/**
 * igzip — ISA-L's gzip (Debian and Ubuntu package `isal`) — as an optional engine for gzip: on x86-64 it
 * deflates and inflates several times faster than zlib per core (docs/architecture.md has the figures),
 * and on a small runner that is most of a push's CPU. Used when it is on PATH (`auto`); otherwise Node's
 * zlib. Like zlib, one igzip build
 * and level always gives the same bytes for the same input, and with `-n` its header carries no name or
 * time, so nothing in a layer depends on when or where it was compressed.
 */




const GZIP_ENGINES = (/* unused pure expression or super */ null && (['auto', 'igzip', 'zlib']));
/** igzip on PATH, if any. */
function findIgzip(processEnv = process.env) {
    for (const dir of (processEnv.PATH ?? '').split((external_node_path_default()).delimiter)) {
        if (!dir)
            continue;
        const file = external_node_path_default().join(dir, 'igzip');
        try {
            external_node_fs_default().accessSync(file, (external_node_fs_default()).constants.X_OK);
            if (external_node_fs_default().statSync(file).isFile())
                return file;
        }
        catch { }
    }
    return undefined;
}
/** Whether `bin` is ISA-L's igzip (another program of that name would not understand our options). */
function isIsal(bin) {
    const r = (0,external_node_child_process_.spawnSync)(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return r.status === 0 && /^igzip command line interface/m.test(r.stdout);
}
/**
 * The igzip binary an engine choice means (undefined: zlib). `auto` takes igzip when it is on PATH and
 * is ISA-L's; `igzip` insists on it.
 */
function igzipFor(engine, processEnv = process.env) {
    if (engine === 'zlib')
        return undefined;
    const found = findIgzip(processEnv);
    if (found && isIsal(found))
        return found;
    if (engine === 'igzip')
        throw new errors/* RelengError */.mz(found
            ? `gzip-engine igzip: ${found} is not ISA-L's igzip (igzip --version says otherwise); install isal or use gzip-engine auto`
            : 'gzip-engine igzip: igzip is not on PATH; install ISA-L (apt-get install isal) or use gzip-engine auto');
    return undefined;
}
/**
 * zlib's levels 1–9 onto igzip's 0–3 by what they are for: 1 (fastest, slightly larger blobs) → 1,
 * 2–5 → 2, 6–9 → 3 (igzip's best, still faster than zlib's 1).
 */
function igzipLevel(level) {
    return level <= 1 ? 1 : level <= 5 ? 2 : 3;
}
/** igzip could not do its work for want of something on the runner (space, most likely). */
function igzipFailed(what, why) {
    return new errors/* RelengError */.mz(`${what} with igzip failed (${why}); check the runner's temp space (TMPDIR), or use gzip-engine zlib`);
}
/**
 * igzip as a child. A decompression (`input` given) that meets a bad stream fails as zlib does — code
 * Z_BUF_ERROR when truncated, Z_DATA_ERROR otherwise — so callers map both engines alike; a compression,
 * or output that could not be written, fails as a RelengError about the runner, not the archive. Either
 * in igzip's own words, minus the input's name (the caller names it) and the "(null)" it calls stdin.
 */
function igzip_run(bin, args, stdio, what, input) {
    const child = (0,external_node_child_process_.spawn)(bin, args, { stdio });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s) => {
        if (stderr.length < 4096)
            stderr += s;
    });
    // A child that died early makes writes fail with EPIPE; its exit status says why.
    child.stdin?.on('error', () => { });
    const exited = new Promise((resolve, reject) => {
        child.once('error', (e) => reject(new errors/* RelengError */.mz(`${what}: cannot run ${bin} (${e.message})`)));
        child.once('close', (code, signal) => {
            if (code === 0)
                return resolve();
            let said = stderr;
            if (input)
                said = said.split(input).join('');
            said = said
                .replace(/igzip: /g, '')
                .replace(/ (for |to )?(file )?\(null\)/g, '')
                .replace(/ (file )?$/gm, '')
                .replace(/ {2,}/g, ' ')
                .replace(/^ +/gm, '')
                .replace(/^Error (?=does not)/gm, '')
                .trim()
                .split('\n')
                .join('; ');
            said = said.charAt(0).toLowerCase() + said.slice(1);
            const status = signal ? `was killed (${signal})` : `exited ${code}`;
            if (!input || /while writing/.test(stderr))
                return reject(igzipFailed(what, said || status));
            const e = new Error(said ? `igzip: ${said}` : `igzip ${status}`);
            e.code = /complete gzip file/.test(stderr) ? 'Z_BUF_ERROR' : 'Z_DATA_ERROR';
            reject(e);
        });
    });
    exited.catch(() => { }); // awaited by the owner; not unhandled meanwhile
    return { child, exited };
}
/**
 * One layer through `igzip -L -n -c` into `out` (the fd of a spool file, which its owner follows as it
 * grows). `-n` leaves the name and time out of the header, so its ten bytes are the same on every machine.
 * One process per layer (one core); the next layer's and the archive's own decompression keep the other
 * cores busy.
 */
class IgzipCompressor {
    r;
    failed;
    bytesIn = 0;
    constructor(bin, level, out) {
        this.r = igzip_run(bin, [`-${igzipLevel(level)}`, '-n', '-c'], ['pipe', out, 'pipe'], 'compressing a layer');
        this.r.exited.catch((e) => {
            this.failed = e;
        });
    }
    /** Settles once igzip has exited (0: the layer is complete in the file). */
    get exited() {
        return this.r.exited;
    }
    /** Resolves once igzip has the chunk (so its buffer may be used again). */
    write(chunk) {
        if (this.failed)
            return Promise.reject(this.failed);
        this.bytesIn += chunk.length;
        return new Promise((resolve, reject) => {
            this.r.child.stdin.write(chunk, (e) => {
                if (!e)
                    resolve();
                else
                    this.r.exited.then(() => reject(e), reject);
            });
        });
    }
    async end() {
        this.r.child.stdin.end();
        await this.r.exited;
    }
    /**
     * Whether the output (`size` bytes of `blob`) is a whole gzip stream of everything written: igzip exits
     * 0 even when the last flush of its output failed (a full disk), so its trailer's ISIZE — the input's
     * length mod 2³² — is checked against what it was given.
     */
    async verify(blob, size) {
        const fail = (why) => {
            throw igzipFailed('compressing a layer', why);
        };
        if (size < 18)
            fail(`it wrote ${size} bytes, not a gzip stream`);
        const head = await blob.readInto(Buffer.alloc(3), 0, 3);
        const trailer = await blob.readInto(Buffer.alloc(8), size - 8, size);
        if (head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8)
            fail('its output is not gzip');
        const isize = trailer.readUInt32LE(4);
        if (isize !== this.bytesIn % 2 ** 32)
            fail(`its output ends early: the trailer says ${isize} bytes in, the layer has ${this.bytesIn}`);
    }
    abort() {
        this.r.child.kill('SIGKILL');
    }
}
/** `igzip -dc FILE` into `out` (an fd): a gzip file decompressed in a child process. */
function igzipDecompress(bin, file, out) {
    const input = external_node_path_default().resolve(file);
    const r = igzip_run(bin, ['-d', '-c', '--', input], ['ignore', out, 'pipe'], `unpacking ${file}`, input);
    return { done: r.exited, kill: () => r.child.kill('SIGKILL') };
}

// EXTERNAL MODULE: external "node:timers/promises"
var external_node_timers_promises_ = __webpack_require__(8500);
;// CONCATENATED MODULE: ./src/oci/growing-file.ts

// How long a reader that has caught up with the writer waits before looking again: igzip writes a
// megabyte in a few milliseconds, so a reader is rarely that far ahead and never waits long.
const POLL_MS = 2;
/**
 * A file that a writer (a child process) is filling: a read waits while the writer runs and nothing new
 * is there, ends (0) once the writer has exited and everything is read, and fails with the writer's error
 * when it failed.
 */
class GrowingFile {
    fh;
    state = 'writing';
    error;
    settled;
    constructor(fh, writer) {
        this.fh = fh;
        this.settled = writer.then(() => {
            this.state = 'done';
        }, (e) => {
            this.state = 'failed';
            this.error = e;
        });
    }
    async read(buf, offset, length, position) {
        for (;;) {
            // Looked at before the read: once the writer is done, a short read is the end of the file.
            const state = this.state;
            if (state === 'failed')
                throw this.error;
            const { bytesRead } = await this.fh.read(buf, offset, length, position);
            if (bytesRead > 0 || state === 'done')
                return bytesRead;
            await Promise.race([(0,external_node_timers_promises_.setTimeout)(POLL_MS), this.settled]);
        }
    }
}
/** A file nobody writes any more. */
function finishedFile(fh) {
    return {
        read: async (buf, offset, length, position) => (await fh.read(buf, offset, length, position)).bytesRead,
    };
}
/**
 * The bytes of `file` from `start` in chunks of `chunk` bytes, read `depth - 1` chunks ahead of the
 * consumer into `depth` buffers that are used again and again. A chunk is valid only until the next one
 * is asked for: a consumer that keeps bytes copies them (the tar reader and the layer handlers do).
 */
async function* fileChunks(file, { start = 0, chunk = 1 << 20, depth = 4 } = {}) {
    let position = start;
    let chain = Promise.resolve();
    // Reads one after another (each starts where the last ended); a buffer is filled up unless the file ends.
    const fill = (buf) => {
        const p = chain.then(async () => {
            let n = 0;
            while (n < buf.length) {
                const k = await file.read(buf, n, buf.length - n, position + n);
                if (k === 0)
                    break;
                n += k;
            }
            position += n;
            return buf.subarray(0, n);
        });
        chain = p.catch(() => { });
        return p;
    };
    const queue = Array.from({ length: depth }, () => fill(Buffer.allocUnsafeSlow(chunk)));
    for (const p of queue)
        p.catch(() => { }); // awaited in turn below
    for (;;) {
        const c = await queue.shift();
        if (c.length === 0)
            return;
        yield c;
        // Asked for the next chunk: this one's buffer is free to read ahead into.
        const next = fill(Buffer.from(c.buffer, c.byteOffset, chunk));
        next.catch(() => { });
        queue.push(next);
    }
}

;// CONCATENATED MODULE: ./src/oci/read-ahead.ts
async function* readAhead(stream, limit) {
    const queue = [];
    let head = 0;
    let queued = 0;
    let ended = false;
    let failed = false;
    let error;
    let wake;
    const notify = () => {
        const w = wake;
        wake = undefined;
        w?.();
    };
    const onData = (c) => {
        queue.push(c);
        queued += c.length;
        if (queued >= limit)
            stream.pause();
        notify();
    };
    const onEnd = () => {
        ended = true;
        notify();
    };
    const onError = (e) => {
        failed = true;
        error = e;
        notify();
    };
    // What happened before the first read: the stream already failed or ended.
    if (stream.errored)
        throw stream.errored;
    if (stream.readableEnded)
        return;
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    try {
        for (;;) {
            // A failure wins over what is still queued: the data before a corrupt spot is not worth reading.
            if (failed)
                throw error;
            if (head < queue.length) {
                const c = queue[head];
                queue[head++] = undefined;
                if (head === queue.length) {
                    queue.length = 0;
                    head = 0;
                }
                queued -= c.length;
                if (queued < limit / 2 && stream.isPaused() && !ended)
                    stream.resume();
                yield c;
                continue;
            }
            if (ended)
                return;
            await new Promise((r) => {
                wake = r;
            });
        }
    }
    finally {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        if (!ended)
            stream.destroy();
    }
}

;// CONCATENATED MODULE: ./src/oci/tar.ts
/**
 * A streaming tar reader: entries come one after the other, each body handed on as the slices that
 * arrive (no copy, nothing held once the next chunk is asked for, so the source may reuse its buffers).
 * ustar, pax (`x` records: path, linkpath, size) and GNU long names; sizes in octal or base-256. A checksum mismatch or an end before the end-of-archive marker
 * is an error, so a corrupt or truncated archive is never read as a shorter valid one.
 */
// pax records and GNU long names are a few hundred bytes; anything near this is not a real header.
const MAX_EXTENDED = 1 << 20;
class TarError extends Error {
    name = 'TarError';
}
/** Exact reads over an async sequence of chunks. */
class ByteReader {
    source;
    chunks = [];
    length = 0;
    done = false;
    /** Bytes handed out so far: where the reader stands in the stream. */
    position = 0;
    constructor(source) {
        this.source = source;
    }
    async fill() {
        if (this.done)
            return false;
        const r = await this.source.next();
        if (r.done) {
            this.done = true;
            return false;
        }
        if (r.value.length > 0) {
            this.chunks.push(r.value);
            this.length += r.value.length;
        }
        return true;
    }
    /**
     * Exactly n bytes, or fewer when the stream ends first. Copied out as they come: nothing of a chunk is
     * held once the next one is asked for (sources may reuse their buffers).
     */
    async read(n) {
        const out = Buffer.allocUnsafe(n);
        let off = 0;
        for (;;) {
            while (off < n && this.chunks.length > 0) {
                const head = this.chunks[0];
                const k = Math.min(head.length, n - off);
                head.copy(out, off, 0, k);
                off += k;
                this.length -= k;
                if (k === head.length)
                    this.chunks.shift();
                else
                    this.chunks[0] = head.subarray(k);
            }
            if (off === n || !(await this.fill()))
                break;
        }
        this.position += off;
        return off === n ? out : out.subarray(0, off);
    }
    /** The next n bytes as they arrive; throws TarError when the stream ends first. */
    async *slices(n, what) {
        let left = n;
        while (left > 0) {
            if (this.length === 0 && !(await this.fill()))
                throw new TarError(`${what} ends ${left} bytes early: the archive is truncated`);
            if (this.length === 0)
                continue;
            const head = this.chunks[0];
            if (head.length <= left) {
                this.chunks.shift();
                this.length -= head.length;
                this.position += head.length;
                left -= head.length;
                yield head;
            }
            else {
                this.chunks[0] = head.subarray(left);
                this.length -= left;
                this.position += left;
                const out = head.subarray(0, left);
                left = 0;
                yield out;
            }
        }
    }
    async skip(n, what) {
        for await (const _ of this.slices(n, what)) {
            // discard
        }
    }
}
function parseOctal(field) {
    // base-256 (GNU) for sizes ≥ 8 GiB: high bit of the first byte set.
    if (field[0] & 0x80) {
        let v = field[0] & 0x7f;
        for (let i = 1; i < field.length; i++)
            v = v * 256 + field[i];
        return v;
    }
    const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
    if (s === '')
        return 0;
    if (!/^[0-7]+$/.test(s))
        return Number.NaN;
    return Number.parseInt(s, 8);
}
function cString(field) {
    const end = field.indexOf(0);
    return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}
function checksumOk(h) {
    const stored = parseOctal(h.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < 512; i++)
        sum += i >= 148 && i < 156 ? 32 : h[i];
    return sum === stored;
}
function parsePax(body) {
    const out = {};
    let i = 0;
    while (i < body.length) {
        const sp = body.indexOf(0x20, i);
        if (sp < 0)
            break;
        const len = Number.parseInt(body.subarray(i, sp).toString('latin1'), 10);
        if (!Number.isFinite(len) || len <= 0)
            break;
        const rec = body.subarray(sp + 1, i + len - 1).toString('utf8');
        const eq = rec.indexOf('=');
        if (eq > 0)
            out[rec.slice(0, eq)] = rec.slice(eq + 1);
        i += len;
    }
    return out;
}
const TYPES = {
    '0': 'file',
    '\0': 'file',
    '7': 'file',
    '5': 'directory',
    '2': 'symlink',
    '1': 'hardlink',
};
/** `./a` is `a`; an absolute name stays absolute (the caller decides about it). */
function normaliseName(name) {
    return name.replace(/^(\.\/)+/, '');
}
/**
 * Entries of a tar stream. The caller reads each body (or not) before asking for the next entry; what
 * it leaves unread is skipped.
 */
async function* readTar(chunks, options = {}) {
    const r = new ByteReader(chunks[Symbol.asyncIterator]());
    let pax = {};
    let longName;
    let longLink;
    let entries = 0;
    for (;;) {
        const at = r.position;
        const h = await r.read(512);
        if (h.length === 0)
            throw new TarError(`the archive ends after ${entries} entries without the end-of-archive marker: it is truncated`);
        if (h.length < 512)
            throw new TarError(`the archive ends inside a header at byte ${at}: it is truncated`);
        if (h.every((b) => b === 0)) {
            // The padding after the end marker (tar blocks are 10 KiB): read it when the caller hashes the file.
            if (options.drain)
                while ((await r.read(1 << 20)).length > 0)
                    ;
            return;
        }
        if (!checksumOk(h))
            throw new TarError(`bad header checksum at byte ${at}: the archive is corrupt (or not a tar)`);
        const size = pax.size !== undefined ? Number(pax.size) : parseOctal(h.subarray(124, 136));
        if (!Number.isSafeInteger(size) || size < 0)
            throw new TarError(`bad entry size in the header at byte ${at}: the archive is corrupt`);
        const flag = String.fromCharCode(h[156]);
        const padding = (512 - (size % 512)) % 512;
        if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
            if (size > MAX_EXTENDED)
                throw new TarError(`an extended header of ${size} bytes at byte ${at}: the archive is corrupt`);
            const body = await r.read(size);
            if (body.length < size)
                throw new TarError(`the archive ends inside an extended header: it is truncated`);
            await r.skip(padding, 'an extended header');
            if (flag === 'x')
                pax = { ...pax, ...parsePax(body) };
            else if (flag === 'L')
                longName = cString(body);
            else if (flag === 'K')
                longLink = cString(body);
            continue;
        }
        const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
        const prefix = ustar ? cString(h.subarray(345, 500)) : '';
        const rawName = pax.path ??
            longName ??
            (prefix ? `${prefix}/${cString(h.subarray(0, 100))}` : cString(h.subarray(0, 100)));
        const entry = {
            name: normaliseName(rawName),
            type: TYPES[flag] ?? 'other',
            size,
            linkname: pax.linkpath ?? longLink ?? cString(h.subarray(157, 257)),
        };
        pax = {};
        longName = undefined;
        longLink = undefined;
        entries++;
        const what = `entry '${entry.name}'`;
        let left = size;
        const body = (async function* () {
            for await (const s of r.slices(size, what)) {
                left -= s.length;
                yield s;
            }
        })();
        yield { entry, body };
        // Whatever the caller left unread.
        if (left > 0)
            await r.skip(left, what);
        await r.skip(padding, what);
    }
}

;// CONCATENATED MODULE: ./src/oci/archive.ts
/**
 * Docker archives (`docker save` and Nix dockerTools): a tar of manifest.json, the image config JSON and
 * one uncompressed tar per layer — plain or gzip-wrapped, as Nix writes them. Read in one streaming pass,
 * never whole in memory: Nix writes the layers *before* the config and manifest.json, so each large entry
 * is handed to `onLayer` as it streams by (which hashes it and may compress it), small entries are kept,
 * and the layers are matched to manifest.json and the config's diffIDs at the end.
 */












/**
 * What a docker archive holds besides its layers: manifest.json, the config, `repositories`, docker save's
 * per-layer `json` and `VERSION`, directories and links. Those entries are kept in memory until
 * manifest.json says what they are, so they are bounded in count and in bytes together (names included):
 * a small gzip of large entries must not grow the process. Layers are named `*.tar` (Nix, docker save,
 * skopeo, podman) or `blobs/sha256/<hex>` (docker save's OCI form); they stream through and are bounded in
 * count only.
 */
const ARCHIVE_LIMITS = {
    /** Entries that are not layers. */
    entries: 4096,
    /** Their bodies and names kept in memory, together. */
    bytes: 32 << 20,
    /** One entry that is not a layer; a JSON entry (manifest.json, the config) may be larger. */
    entry: 1 << 20,
    json: 16 << 20,
    /** Entries named like layers. */
    layers: 1024,
};
const LAYER_NAME = /(\.tar|^blobs\/sha256\/[0-9a-f]{64})$/;
// Reads and gunzip output in 256 KiB pieces: large enough to be cheap, small enough that what is in flight
// (and not yet collected) stays small.
const READ_CHUNK = 256 << 10;
// Decompressed bytes read ahead of the layer handler.
const READ_AHEAD = 8 << 20;
/** Up to `length` bytes of a file at its start, or at its end when `position` is 'end'. */
function bytesOf(file, length, position) {
    const fd = external_node_fs_default().openSync(file, 'r');
    try {
        const size = external_node_fs_default().fstatSync(fd).size;
        const b = Buffer.alloc(Math.min(length, size));
        external_node_fs_default().readSync(fd, b, 0, b.length, position === 'start' ? 0 : size - b.length);
        return b;
    }
    finally {
        external_node_fs_default().closeSync(fd);
    }
}
function isGzip(file) {
    const b = bytesOf(file, 2, 'start');
    return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
}
/** The ISIZE field of a (single-member) gzip file: its uncompressed length mod 2³². */
function gzipIsize(file) {
    // The header (10 bytes) and trailer (8) make 18: anything shorter has no trailer to read.
    const b = bytesOf(file, 18, 'end');
    return b.length === 18 ? b.readUInt32LE(14) : undefined;
}
function hintOf(name) {
    const hex = name.split('/').find((c) => /^[0-9a-f]{64}$/.test(c.replace(/\.tar$/, '')));
    return hex ? `sha256:${hex.replace(/\.tar$/, '')}` : undefined;
}
/** An entry's bytes, copied as they come (the chunks they arrive in are reused). */
async function collect(body, size) {
    const out = Buffer.allocUnsafe(size);
    let n = 0;
    for await (const c of body)
        n += c.copy(out, n);
    return out.subarray(0, n);
}
async function* once(data) {
    yield data;
}
async function scanArchive(file, onLayer, options = {}) {
    let stat;
    try {
        stat = external_node_fs_default().statSync(file);
    }
    catch {
        throw new errors/* RelengError */.mz(`${file}: not found; pass the docker archive built by nix (a .tar or .tar.gz)`);
    }
    if (!stat.isFile())
        throw new errors/* RelengError */.mz(`${file}: not a file; pass a docker archive (.tar or .tar.gz)`);
    const gzip = isGzip(file);
    const small = new Map();
    const links = new Map();
    const results = new Map();
    const held = new Holdings(file);
    const consume = async (chunks) => {
        for await (const { entry, body } of readTar(chunks, { drain: true })) {
            checkMemberName(file, entry.name);
            if (entry.type === 'symlink' || entry.type === 'hardlink') {
                held.take(entry.name, entry.name.length + entry.linkname.length);
                links.set(entry.name, linkTarget(file, entry));
                continue;
            }
            if (entry.type !== 'file') {
                held.take(entry.name, entry.name.length);
                continue;
            }
            const layerNamed = LAYER_NAME.test(entry.name);
            const small_ = entry.size <= ARCHIVE_LIMITS.entry ||
                (!layerNamed && entry.name.endsWith('.json') && entry.size <= ARCHIVE_LIMITS.json);
            // Small entries are kept until manifest.json says what they are; a layer-named one streams on once
            // the holdings are full.
            if (small_ && (!layerNamed || held.fits(entry.name.length + entry.size))) {
                held.take(entry.name, entry.name.length + entry.size);
                small.set(entry.name, await collect(body, entry.size));
                continue;
            }
            if (!layerNamed)
                throw new errors/* RelengError */.mz(`${file}: entry '${shown(entry.name)}' (${entry.size} bytes) is not a layer (layers are named *.tar or blobs/sha256/…) and larger than such an entry may be (${ARCHIVE_LIMITS.entry} bytes, JSON ${ARCHIVE_LIMITS.json}); ${NOT_DOCKER}`);
            held.layer(entry.name);
            const r = await onLayer({ name: entry.name, size: entry.size, hint: hintOf(entry.name) }, body);
            results.set(entry.name, { ...r, name: entry.name, size: entry.size });
        }
    };
    const sha256 = !gzip
        ? await readPlain(file, consume)
        : options.igzip
            ? await readWithIgzip(file, options.igzip, options.tmpDir ?? external_node_os_default().tmpdir(), consume)
            : await readWithZlib(file, consume);
    const manifestBytes = small.get('manifest.json');
    if (!manifestBytes)
        throw new errors/* RelengError */.mz(`${file}: no manifest.json in the archive: not a docker archive (docker save or nix dockerTools), or truncated`);
    let manifest;
    try {
        manifest = JSON.parse(manifestBytes.toString('utf8'));
    }
    catch (e) {
        throw new errors/* RelengError */.mz(`${file}: manifest.json is not valid JSON (${e.message}); the archive is corrupt`);
    }
    if (!Array.isArray(manifest) || manifest.length === 0)
        throw new errors/* RelengError */.mz(`${file}: manifest.json lists no image; the archive is corrupt`);
    if (manifest.length > 1)
        throw new errors/* RelengError */.mz(`${file}: the archive holds ${manifest.length} images; give one image per archive`);
    const m = manifest[0];
    if (typeof m.Config !== 'string' ||
        !Array.isArray(m.Layers) ||
        !m.Layers.every((l) => typeof l === 'string'))
        throw new errors/* RelengError */.mz(`${file}: manifest.json needs "Config" and "Layers"; the archive is corrupt`);
    const resolve = (name) => {
        let n = name.replace(/^\.\//, '');
        for (let i = 0; i < 8 && links.has(n); i++)
            n = links.get(n);
        return n;
    };
    const configName = resolve(m.Config);
    const configBytes = small.get(configName);
    if (!configBytes)
        throw new errors/* RelengError */.mz(`${file}: manifest.json names the config '${shown(m.Config)}', which the archive does not hold; it is truncated or corrupt`);
    const config = archive_parseConfig(configBytes, file);
    const layers = [];
    const used = new Set();
    for (const [i, raw] of m.Layers.entries()) {
        const name = resolve(raw);
        let r = results.get(name);
        if (!r) {
            const data = small.get(name);
            if (!data)
                throw new errors/* RelengError */.mz(`${file}: manifest.json names layer ${i + 1} '${shown(raw)}', which the archive does not hold; it is truncated or corrupt`);
            r = {
                ...(await onLayer({ name, size: data.length, hint: hintOf(name) }, once(data))),
                name,
                size: data.length,
            };
            results.set(name, r);
        }
        used.add(name);
        layers.push(r);
    }
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layers.length)
        throw new errors/* RelengError */.mz(`${file}: the config lists ${diffIds.length} diffIDs but manifest.json ${layers.length} layers; the archive is corrupt`);
    for (const [i, l] of layers.entries())
        if (l.diffId !== diffIds[i])
            throw new errors/* RelengError */.mz(`${file}: layer ${i + 1} ('${shown(l.name)}') hashes to ${l.diffId} but the config's diffID is ${diffIds[i]}; the archive is corrupt (rebuild it)`);
    return {
        file,
        sha256,
        fileSize: stat.size,
        config,
        configBytes,
        configDigest: `sha256:${(0,external_node_crypto_.createHash)('sha256').update(configBytes).digest('hex')}`,
        layers,
        unused: [...results.entries()].filter(([n]) => !used.has(n)).map(([, r]) => r),
    };
}
/** A plain tar: read in large chunks into reused buffers, hashed as it is read. */
async function readPlain(file, consume) {
    const fileHash = (0,external_node_crypto_.createHash)('sha256');
    const fh = await external_node_fs_default().promises.open(file, 'r').catch((e) => {
        throw archiveError(file, e);
    });
    try {
        await consume(hashed(fileChunks(finishedFile(fh)), fileHash));
    }
    catch (e) {
        throw archiveError(file, e);
    }
    finally {
        await fh.close();
    }
    return fileHash.digest('hex');
}
async function* hashed(chunks, hash) {
    for await (const c of chunks) {
        hash.update(c);
        yield c;
    }
}
/**
 * A gzip-wrapped archive through zlib: read ahead so that file reads and gunzip (libuv threads) go on while
 * the layer handler waits for compression. The archive's hash sees the file's bytes as they are read.
 */
async function readWithZlib(file, consume) {
    const fileHash = (0,external_node_crypto_.createHash)('sha256');
    const input = external_node_fs_default().createReadStream(file, { highWaterMark: READ_CHUNK });
    const gunzip = external_node_zlib_default().createGunzip({ chunkSize: READ_CHUNK });
    const piped = (0,promises_.pipeline)(input, gunzip);
    piped.catch(() => { }); // its error reaches readAhead through gunzip; awaited below
    input.on('data', (c) => {
        fileHash.update(c);
    });
    try {
        await consume(readAhead(gunzip, READ_AHEAD));
        await piped;
    }
    catch (e) {
        input.destroy();
        gunzip.destroy();
        throw archiveError(file, e);
    }
    return fileHash.digest('hex');
}
/**
 * A gzip-wrapped archive through `igzip -d`, which writes the tar into a temp file that is read as it
 * grows (the archive's own hash from a second read alongside). When the reading fails, igzip's verdict
 * (truncated, corrupt) is the error rather than what the tar reader made of the bytes before it; a tar
 * that ends early while igzip was content is checked against the gzip trailer's length, to tell a write
 * that failed on the runner from an archive that is really cut short.
 */
async function readWithIgzip(file, igzip, tmpDir, consume) {
    const hashing = sha256OfFile(file);
    hashing.catch(() => { });
    const unpacked = external_node_path_default().join(tmpDir, `unpacked.${process.pid}.${Math.random().toString(36).slice(2)}.tar`);
    const fh = await external_node_fs_default().promises.open(unpacked, 'w+');
    try {
        // Unlinked at once: the space goes back when the reading is done, however it ends.
        await external_node_fs_default().promises.rm(unpacked);
        const d = igzipDecompress(igzip, file, fh.fd);
        try {
            await consume(fileChunks(new GrowingFile(fh, d.done)));
            await d.done;
        }
        catch (e) {
            d.kill();
            const verdict = await d.done.then(() => undefined, (g) => g);
            if (verdict && !/was killed/.test(verdict.message))
                throw archiveError(file, verdict);
            // igzip said nothing, but the tar ended early: its last write may have failed (it exits 0 then).
            if (verdict === undefined && e instanceof TarError) {
                const [size, isize] = [(await fh.stat()).size, gzipIsize(file)];
                if (isize !== undefined && size % 2 ** 32 !== isize)
                    throw igzipFailed(`unpacking ${file}`, `it wrote ${size} bytes, the archive holds ${isize} (mod 2³²)`);
            }
            throw archiveError(file, e);
        }
    }
    finally {
        await fh.close();
    }
    return await hashing.catch((e) => {
        throw archiveError(file, e);
    });
}
const NOT_DOCKER = 'not a docker archive nix or docker writes';
/** An archive member's name or link as a message may show it: escaped, on one line, cut short. */
function shown(name) {
    const s = JSON.stringify(name).slice(1, -1).replace(/\\"/g, '"');
    return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
/** Counts what the reading keeps (entries that are not layers) and the layers it streams. */
class Holdings {
    file;
    entries = 0;
    bytes = 0;
    layers = 0;
    constructor(file) {
        this.file = file;
    }
    fits(bytes) {
        return this.bytes + bytes <= ARCHIVE_LIMITS.bytes && this.entries < ARCHIVE_LIMITS.entries;
    }
    take(name, bytes) {
        if (++this.entries > ARCHIVE_LIMITS.entries)
            throw new errors/* RelengError */.mz(`${this.file}: entry '${shown(name)}': more entries that are not layers than a docker archive has (at most ${ARCHIVE_LIMITS.entries}); ${NOT_DOCKER}`);
        this.bytes += bytes;
        if (this.bytes > ARCHIVE_LIMITS.bytes)
            throw new errors/* RelengError */.mz(`${this.file}: entry '${shown(name)}': the entries that are not layers come to more than a docker archive holds (at most ${ARCHIVE_LIMITS.bytes} bytes together); ${NOT_DOCKER}`);
    }
    layer(name) {
        if (++this.layers > ARCHIVE_LIMITS.layers)
            throw new errors/* RelengError */.mz(`${this.file}: entry '${shown(name)}': more entries named like layers than an image has (at most ${ARCHIVE_LIMITS.layers}); ${NOT_DOCKER}`);
    }
}
/**
 * Names are only ever looked up inside the archive (nothing is extracted), but a name that would leave
 * a directory it was extracted into is not one docker or Nix writes: refused, so that no later reader
 * of the same names is misled.
 */
function checkMemberName(file, name) {
    if (name.startsWith('/'))
        throw new errors/* RelengError */.mz(`${file}: entry '${shown(name)}' is an absolute path; ${NOT_DOCKER}`);
    if (name.split('/').includes('..'))
        throw new errors/* RelengError */.mz(`${file}: entry '${shown(name)}' has a '..' component; ${NOT_DOCKER}`);
}
/**
 * Where a link points inside the archive: docker save links repeated layers (a symlink is relative to its
 * directory, a hard link to the root). A link that leaves the archive is refused.
 */
function linkTarget(file, entry) {
    const link = entry.linkname;
    const target = entry.type === 'symlink'
        ? external_node_path_default().posix.normalize(external_node_path_default().posix.join(external_node_path_default().posix.dirname(entry.name), link))
        : external_node_path_default().posix.normalize(link.replace(/^\.\//, ''));
    if (link.startsWith('/') || target === '..' || target.startsWith('../'))
        throw new errors/* RelengError */.mz(`${file}: entry '${shown(entry.name)}' links outside the archive ('${shown(link)}'); ${NOT_DOCKER}`);
    return target;
}
/** A platform variant as OCI writes them (v7, v8, v3): a short token. */
const VARIANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
/** The Labels become the index's annotations: well under a registry's manifest limit (4 MiB). */
const MAX_LABEL_BYTES = 256 << 10;
/**
 * The image config, with every field we copy into manifests and indexes checked for its type and form
 * (architecture, os, variant, Labels): a wrong one is refused here, before any blob is committed, not by
 * the registry (MANIFEST_INVALID) or by a reader of the layout afterwards.
 */
function archive_parseConfig(bytes, where) {
    let c;
    try {
        c = JSON.parse(bytes.toString('utf8'));
    }
    catch (e) {
        throw new errors/* RelengError */.mz(`${where}: the image config is not valid JSON (${e.message})`);
    }
    if (typeof c !== 'object' || c === null || Array.isArray(c))
        throw new errors/* RelengError */.mz(`${where}: the image config is not a JSON object`);
    if (typeof c.architecture !== 'string' || c.architecture === '')
        throw new errors/* RelengError */.mz(`${where}: the image config has no "architecture"; build the image with one`);
    if (typeof c.os !== 'string' || c.os === '')
        throw new errors/* RelengError */.mz(`${where}: the image config has no "os"; build the image with one`);
    if (c.variant !== undefined && typeof c.variant !== 'string')
        throw new errors/* RelengError */.mz(`${where}: the image config's "variant" must be a string such as v7, not ${typeName(c.variant)}`);
    if (c.variant && !VARIANT.test(c.variant))
        throw new errors/* RelengError */.mz(`${where}: the image config's "variant" '${shown(c.variant)}' is not a platform variant (such as v7 or v8)`);
    checkLabels(c.config, where);
    const ids = c.rootfs?.diff_ids;
    if (!Array.isArray(ids) || !ids.every(isDigest))
        throw new errors/* RelengError */.mz(`${where}: the image config's rootfs.diff_ids must be a list of sha256 digests`);
    return c;
}
function typeName(v) {
    return v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`;
}
/** `config.Labels`: null, or names → strings, small enough to be annotations. */
function checkLabels(config, where) {
    if (config === undefined || config === null)
        return;
    if (typeof config !== 'object' || Array.isArray(config))
        throw new errors/* RelengError */.mz(`${where}: the image config's "config" must be an object, not ${typeName(config)}`);
    const labels = config.Labels;
    if (labels === undefined || labels === null)
        return;
    if (typeof labels !== 'object' || Array.isArray(labels))
        throw new errors/* RelengError */.mz(`${where}: the image config's "config.Labels" must map names to strings, not ${typeName(labels)}`);
    let size = 0;
    for (const [k, v] of Object.entries(labels)) {
        if (k === '')
            throw new errors/* RelengError */.mz(`${where}: the image config has a label with an empty name; Labels become annotations`);
        if (typeof v !== 'string')
            throw new errors/* RelengError */.mz(`${where}: the image config's label '${shown(k)}' is ${typeName(v)}, not a string; Labels become annotations, which are strings`);
        size += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (size > MAX_LABEL_BYTES)
        throw new errors/* RelengError */.mz(`${where}: the image config's Labels come to ${size} bytes; as annotations they may be at most ${MAX_LABEL_BYTES}`);
}
function archiveError(file, e) {
    if (e instanceof errors/* RelengError */.mz)
        return e;
    const err = e;
    if (e instanceof TarError)
        return new errors/* RelengError */.mz(`${file}: ${err.message}; rebuild or download it again`);
    if (err.code?.startsWith('Z_') || err.errno === (external_node_zlib_default()).constants.Z_BUF_ERROR)
        return new errors/* RelengError */.mz(`${file}: the gzip stream is ${err.code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt'} (${err.message}); rebuild or download it again`);
    if (err.code === 'EACCES' || err.code === 'ENOENT' || err.code === 'EISDIR')
        return new errors/* RelengError */.mz(`${file}: cannot read it (${err.code})`);
    return e;
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
;// CONCATENATED MODULE: ./src/oci/blob-source.ts
/**
 * The bytes of a blob to upload, readable by several uploads at once and again on a retry: a buffer
 * (configs, manifests, small layers) or a spool file that a compressor is still writing — uploads follow
 * it as it grows, so a layer is sent while it is being compressed, and a retry can resend any range.
 */





// What a followed spool is read in: uploads wait for whole 4 MiB chunks anyway.
const FOLLOW_CHUNK = 1 << 20;
/**
 * `source` whose `done` also waits for `gate`: uploads follow the bytes as they come, but no sink commits
 * the blob (the final PUT, the rename into the layout) before the gate opens — and none does if it fails.
 */
function gatedSource(source, gate) {
    const done = Promise.all([source.done, gate]).then(([info]) => info);
    done.catch(() => { });
    let open = false;
    gate.then(() => {
        open = true;
    }, () => { });
    return {
        held: () => !open,
        available: () => source.available(),
        waitFor: (n) => source.waitFor(n),
        complete: () => source.complete(),
        done,
        read: (start, end) => source.read(start, end),
        readInto: (into, start, end) => source.readInto(into, start, end),
    };
}
class BufferSource {
    data;
    done;
    constructor(data, digest) {
        this.data = data;
        this.done = Promise.resolve({
            digest: digest ?? `sha256:${(0,external_node_crypto_.createHash)('sha256').update(data).digest('hex')}`,
            size: data.length,
        });
    }
    available() {
        return this.data.length;
    }
    async waitFor() {
        return this.data.length;
    }
    complete() {
        return true;
    }
    read(start, end) {
        return external_node_stream_.Readable.from([this.data.subarray(start, end)], { objectMode: false });
    }
    async readInto(_into, start, end) {
        return this.data.subarray(start, end);
    }
}
/**
 * A temp file written sequentially (append) and read by ranges meanwhile: uploads follow it as it grows,
 * each reading its next chunk into a buffer of its own (one read, no garbage), and a retry reads again.
 */
class SpoolFile {
    file;
    done;
    resolveDone;
    rejectDone;
    fh;
    opening;
    written = 0;
    finished = false;
    failed;
    waiters = [];
    hash = (0,external_node_crypto_.createHash)('sha256');
    constructor(file) {
        this.file = file;
        this.done = new Promise((resolve, reject) => {
            this.resolveDone = resolve;
            this.rejectDone = reject;
        });
        this.done.catch(() => { });
    }
    static inDir(dir, name) {
        return new SpoolFile(external_node_path_default().join(dir, `${name}.${process.pid}.${Math.random().toString(36).slice(2)}`));
    }
    handle() {
        this.opening ??= external_node_fs_default().promises.open(this.file, 'w+').then((fh) => (this.fh = fh));
        return this.opening;
    }
    async append(chunk) {
        const fh = await this.handle();
        this.hash.update(chunk);
        const start = this.written;
        let off = 0;
        while (off < chunk.length) {
            const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, start + off);
            off += bytesWritten;
        }
        this.written = start + chunk.length;
        this.wake();
    }
    /** The file's descriptor, for a child process to write the blob into (as its stdout); see `follow`. */
    async writerFd() {
        return (await this.handle()).fd;
    }
    /**
     * The blob as another process writes it (into `writerFd()`): reads the file as it grows — hashing it,
     * letting uploads follow — and completes it once the writer has exited cleanly and `verify` (given the
     * size) found the file whole; until then no upload may commit it.
     */
    async follow(writer, verify) {
        const file = new GrowingFile(await this.handle(), writer);
        const buf = Buffer.allocUnsafeSlow(FOLLOW_CHUNK);
        for (;;) {
            const n = await file.read(buf, 0, buf.length, this.written);
            if (n === 0)
                break;
            this.hash.update(n === buf.length ? buf : buf.subarray(0, n));
            this.written += n;
            this.wake();
        }
        await verify?.(this.written);
        return this.finish();
    }
    /** Completes the blob; gives its digest and size. */
    async finish() {
        await this.handle();
        const info = { digest: `sha256:${this.hash.digest('hex')}`, size: this.written };
        this.finished = true;
        this.resolveDone(info);
        this.wake();
        return info;
    }
    fail(err) {
        if (this.finished)
            return;
        this.failed = err;
        this.rejectDone(err);
        for (const w of this.waiters.splice(0))
            w.reject(err);
    }
    wake() {
        this.waiters = this.waiters.filter((w) => {
            if (this.written >= w.n || this.finished) {
                w.resolve(this.written);
                return false;
            }
            return true;
        });
    }
    available() {
        return this.written;
    }
    complete() {
        return this.finished;
    }
    waitFor(n) {
        if (this.failed)
            return Promise.reject(this.failed);
        if (this.written >= n || this.finished)
            return Promise.resolve(this.written);
        return new Promise((resolve, reject) => this.waiters.push({ n, resolve, reject }));
    }
    read(start, end) {
        if (end <= start)
            return external_node_stream_.Readable.from([], { objectMode: false });
        return external_node_fs_default().createReadStream(this.file, { start, end: end - 1, highWaterMark: 1 << 20 });
    }
    async readInto(into, start, end) {
        const fh = await this.handle();
        let off = 0;
        while (start + off < end) {
            const { bytesRead } = await fh.read(into, off, end - start - off, start + off);
            if (bytesRead === 0)
                throw new Error(`${this.file}: ends at ${start + off}, before ${end}`);
            off += bytesRead;
        }
        return into.subarray(0, off);
    }
    async dispose() {
        if (!this.finished)
            this.fail(new Error('spool disposed'));
        await this.fh?.close().catch(() => { });
        await external_node_fs_default().promises.rm(this.file, { force: true });
    }
}

;// CONCATENATED MODULE: ./src/oci/platform.ts
/** Nix CPU names (and uname spellings) → GOARCH [, variant]. */
const CPU = {
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
function platformOfSystem(system) {
    const dash = system.indexOf('-');
    if (dash < 0)
        return undefined;
    const cpu = CPU[system.slice(0, dash)];
    const os = system.slice(dash + 1);
    if (!cpu || !GOOS.has(os))
        return undefined;
    return { architecture: cpu[0], os, ...(cpu[1] ? { variant: cpu[1] } : {}) };
}
/** A config's `architecture` as OCI spells it (GOARCH); uname spellings are mapped; undefined if unknown. */
function normaliseArchitecture(arch) {
    if (GOARCH.has(arch))
        return { architecture: arch };
    const cpu = CPU[arch];
    return cpu ? { architecture: cpu[0], ...(cpu[1] ? { variant: cpu[1] } : {}) } : undefined;
}
function isKnownOs(os) {
    return GOOS.has(os);
}
function platformString(p) {
    return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
function comparePlatforms(a, b) {
    const ka = platformString(a);
    const kb = platformString(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
}

;// CONCATENATED MODULE: ./src/oci/image.ts
/**
 * Image manifests and the multi-arch index, as bytes (their digest is what gets pushed and tagged). The
 * index has one descriptor per image with its platform, sorted by platform; its annotations are the
 * images' Labels (so forges show the metadata, as the reference does) with the `annotations` input on top;
 * descriptors can carry their image's Labels too. Each descriptor records the sha256 of the archive it came
 * from, so a re-run on a fresh runner recognises an unchanged image from the file's hash alone.
 */




/** Hex sha256 of the docker archive an index entry was made from. */
const ARCHIVE_ANNOTATION = 'org.releng-actions.archive.sha256';
function buildManifest(types, config, layers) {
    const m = {
        schemaVersion: 2,
        mediaType: types.manifest,
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    return canonicalJson(m);
}
function buildIndex(types, entries, options) {
    const sorted = [...entries].sort((a, b) => comparePlatforms(a.platform, b.platform));
    for (let i = 1; i < sorted.length; i++)
        if (comparePlatforms(sorted[i - 1].platform, sorted[i].platform) === 0)
            throw new errors/* RelengError */.mz(`two images are for ${platformString(sorted[i].platform)}; give one archive per platform`);
    const annotations = { ...mergeLabels(sorted.map((e) => e.labels)), ...options.annotations };
    const index = {
        schemaVersion: 2,
        mediaType: types.index,
        manifests: sorted.map((e) => ({
            mediaType: e.manifest.mediaType,
            digest: e.manifest.digest,
            size: e.manifest.size,
            platform: e.platform,
            annotations: {
                ...(options.descriptorAnnotations ? e.labels : {}),
                [ARCHIVE_ANNOTATION]: e.archiveSha256,
            },
        })),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
    return canonicalJson(index);
}
/** Labels of all images: the first image (by platform) wins a key the others set differently. */
function mergeLabels(all) {
    const out = {};
    for (const labels of all)
        for (const [k, v] of Object.entries(labels))
            if (!(k in out))
                out[k] = v;
    return out;
}
function labelsOf(config) {
    const labels = config.config?.Labels ?? {};
    return Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string'));
}
/**
 * The platform of an image: its config's architecture/os (uname spellings mapped to GOARCH); when the nix
 * system is known, it must agree.
 */
function platformOf(config, where, system) {
    const arch = normaliseArchitecture(config.architecture);
    if (!arch)
        throw new errors/* RelengError */.mz(`${where}: the image config's architecture '${config.architecture}' is not one OCI knows (amd64, arm64, arm, 386, ppc64le, s390x, riscv64, …); build the image with a GOARCH name`);
    if (!isKnownOs(config.os))
        throw new errors/* RelengError */.mz(`${where}: the image config's os '${config.os}' is not one OCI knows (linux, darwin, …)`);
    const variant = config.variant ?? arch.variant;
    const platform = {
        architecture: arch.architecture,
        os: config.os,
        ...(variant ? { variant } : {}),
    };
    if (system) {
        const expected = platformOfSystem(system);
        if (!expected)
            throw new errors/* RelengError */.mz(`${where}: the nix system '${system}' cannot be mapped to an OCI platform`);
        if (expected.architecture !== platform.architecture || expected.os !== platform.os)
            throw new errors/* RelengError */.mz(`${where}: built for ${system} (${platformString(expected)}) but its config says ${platformString(platform)}; check the image's architecture`);
    }
    return platform;
}
/** Parses a manifest or index we read back; undefined when it is neither (another tool's artefact). */
function parseManifest(bytes) {
    let m;
    try {
        m = JSON.parse(bytes.toString('utf8'));
    }
    catch {
        return undefined;
    }
    if (m?.schemaVersion !== 2)
        return undefined;
    if (Array.isArray(m.manifests)) {
        const manifests = m.manifests.filter((d) => isDigest(d?.digest) && typeof d.size === 'number');
        return {
            schemaVersion: 2,
            mediaType: m.mediaType ?? INDEX_TYPES[0],
            manifests,
            annotations: m.annotations,
        };
    }
    if (m.config &&
        Array.isArray(m.layers) &&
        isDigest(m.config.digest) &&
        m.layers.every((l) => isDigest(l?.digest)))
        return {
            schemaVersion: 2,
            mediaType: m.mediaType ?? MANIFEST_TYPES[0],
            config: m.config,
            layers: m.layers,
        };
    return undefined;
}
function isIndex(m) {
    return !!m && 'manifests' in m;
}
/**
 * Two indexes that differ at most in the archive hashes: the same images, platforms and annotations. A
 * rebuilt archive with the same layers (another gzip wrapper) does not count as a different release.
 */
function sameRelease(a, b) {
    const norm = (bytes) => {
        const idx = parseManifest(bytes);
        if (!isIndex(idx))
            return sha256Digest(bytes);
        return JSON.stringify({
            mediaType: idx.mediaType,
            annotations: idx.annotations ?? {},
            manifests: idx.manifests.map((d) => {
                const { [ARCHIVE_ANNOTATION]: _, ...rest } = d.annotations ?? {};
                return {
                    mediaType: d.mediaType,
                    digest: d.digest,
                    size: d.size,
                    platform: d.platform,
                    annotations: rest,
                };
            }),
        });
    };
    return norm(a) === norm(b);
}

;// CONCATENATED MODULE: ./src/oci/memo.ts
/**
 * Work done once per key: the first caller starts it, every later caller (at the same time or after)
 * shares its promise, failure included — a blob is ensured on a target, copied from a registry, or an
 * archive hashed once however many images and targets need it.
 */
class Memo {
    runs = new Map();
    /** The run for `key`, started with `work` if there is none yet. */
    get(key, work) {
        let p = this.runs.get(key);
        if (!p) {
            p = work();
            this.runs.set(key, p);
        }
        return p;
    }
    /** Records a result found another way (no work to start for it later). */
    set(key, value) {
        this.runs.set(key, value);
    }
}

;// CONCATENATED MODULE: ./src/oci/target-state.ts
class TargetState {
    sink;
    tags;
    stats = {
        blobsSent: 0,
        bytesSent: 0,
        blobsSkipped: 0,
        bytesSkipped: 0,
        blobsMounted: 0,
    };
    /** Each of our tags → the manifest it names now (undefined: the tag does not exist). */
    existing = new Map();
    constructor(sink, tags) {
        this.sink = sink;
        this.tags = tags;
    }
    get ref() {
        return this.sink.ref;
    }
    /** The tags discovery reads: ours, and `latest` (earlier runs' images are found under it too). */
    tagsToRead() {
        return [...new Set([...this.tags.map((t) => t.name), 'latest'])];
    }
    hasTag(name) {
        return this.tags.some((t) => t.name === name);
    }
    /** Shares blob storage with `other` (one registry): a blob there can be mounted here. */
    canMountFrom(other) {
        return !!this.sink.mountKey && this.sink.mountKey === other.sink.mountKey;
    }
    /** The digest a tag named before this run, if it existed. */
    named(tag) {
        return this.existing.get(tag)?.digest;
    }
    skipped(bytes) {
        this.stats.blobsSkipped++;
        this.stats.bytesSkipped += bytes;
    }
    report(digest, tagsWritten, platforms) {
        return {
            ref: this.ref,
            digest,
            tags: this.tags.map((t) => t.name),
            tagsWritten,
            platforms,
            ...this.stats,
        };
    }
}
/**
 * The targets in groups that share blob storage (one registry; every layout is its own): a layer is
 * uploaded once per group and mounted into the group's other repositories.
 */
function storageGroups(targets) {
    const groups = new Map();
    for (const t of targets) {
        const key = t.sink.mountKey ?? t;
        groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    return [...groups.values()];
}

;// CONCATENATED MODULE: ./src/oci/archive-reader.ts
/**
 * The docker archives of a push, turned into images ready to publish. An archive whose sha256 an image on
 * a target records is *recognised*: not read at all. The others are streamed once (archive.ts): each
 * layer is hashed (its diffID) and, unless some target can get a blob for it without us, compressed once
 * — in parallel blocks, or by igzip — into a spool file that the targets upload from while it is still
 * being written (one upload per registry; the other repositories of that registry mount it).
 *
 * No blob is committed before every archive has been read and checked (truncated, corrupt, diffIDs,
 * platform, recorded sha256): uploads follow the bytes, but a bad archive writes nothing to any target.
 */












const UNKNOWN_BLOB = `sha256:${'0'.repeat(64)}`;
class ArchiveReader {
    o;
    /** Layer bytes read. */
    uncompressed = 0;
    /** Blob bytes compressed. */
    compressed = 0;
    /** A dry run met layers it did not compress: the index digest is not known. */
    inexact = false;
    shas = new Memo();
    /** Opens once every archive has been read and checked; no blob is committed before. */
    archivesChecked;
    settleArchives;
    constructor(o) {
        this.o = o;
        this.archivesChecked = new Promise((resolve, reject) => {
            this.settleArchives = (e) => (e === undefined ? resolve() : reject(e));
        });
        this.archivesChecked.catch(() => { });
    }
    /** The images of the archives, in their order. */
    async images(archives) {
        const out = new Array(archives.length);
        const toRead = [];
        const recognisable = this.o.inventory.recognisable();
        await Promise.all(archives.map(async (a, i) => {
            const img = recognisable ? await this.recognise(a) : undefined;
            if (img)
                out[i] = img;
            else
                toRead.push(i);
        }));
        // One archive at a time by default: compression already uses every core, and a second gunzip stream
        // only adds memory. The next archive is read while the previous one's last blocks are compressed.
        const finishing = new Map();
        try {
            await forEachLimit(toRead.sort((x, y) => x - y), this.o.parallelArchives ?? 1, async (i) => {
                const a = archives[i];
                this.o.log.info(`reading ${a.file}`);
                const scanned = await this.scan(a);
                finishing.set(i, this.o.work.track(this.finish(a, scanned)));
            });
        }
        catch (e) {
            this.settleArchives(e);
            throw e;
        }
        this.settleArchives();
        for (const [i, p] of finishing)
            out[i] = await p;
        return out;
    }
    archiveSha(a) {
        return this.shas.get(a.file, () => sha256OfFile(a.file).then((sha) => checkSha(a, sha), (e) => {
            throw new errors/* RelengError */.mz(`${a.file}: cannot read it (${e.code ?? e.message})`);
        }));
    }
    /** An image some target holds for this very archive file (same media types): nothing to read. */
    async recognise(a) {
        const sha = await this.archiveSha(a);
        const matches = this.o.inventory.publishedFrom(sha, this.o.types);
        const k = matches[0];
        if (!k)
            return undefined;
        const platform = platformOf(k.config, a.file, a.system);
        const holders = new Set(matches.filter((m) => m.manifest.digest === k.manifest.digest).map((m) => m.target));
        const diffIds = k.config.rootfs.diff_ids;
        this.o.log.info(`${a.file}: already published as ${shortDigest(k.manifest.digest)} (${platformString(platform)}); not read`);
        return {
            archive: a,
            platform,
            labels: labelsOf(k.config),
            archiveSha256: sha,
            manifest: { mediaType: k.manifest.mediaType, digest: k.manifest.digest, size: k.manifest.bytes.length },
            manifestBytes: k.manifest.bytes,
            config: {
                mediaType: k.parsed.config.mediaType,
                digest: k.parsed.config.digest,
                size: k.parsed.config.size,
                bytes: k.configBytes,
                holders: new Set(holders),
            },
            layers: k.parsed.layers.map((l, i) => {
                const cand = this.o.inventory.candidate(diffIds[i], l);
                for (const h of holders)
                    cand.holders.add(h);
                return this.existingBlob(diffIds[i], { mediaType: this.o.types.layer, digest: l.digest, size: l.size }, cand.holders);
            }),
            holders,
            compressed: 0,
            source: 'recognised',
        };
    }
    /** A layer whose blob some targets hold: the others get it from them. */
    existingBlob(diffId, desc, holders) {
        return {
            diffId,
            blob: async () => desc,
            ready: (t) => this.o.transfer.ensure(t, desc, holders),
        };
    }
    /** Streams the archive: hashes every layer, compresses those no target can get otherwise. */
    async scan(a) {
        const inventory = this.o.inventory;
        const compressedHere = new Set();
        const options = { igzip: this.o.igzip, tmpDir: this.o.tmpDir };
        let scanned = await scanArchive(a.file, (entry, body) => this.onLayer(entry.hint, body, compressedHere), options);
        checkSha(a, scanned.sha256);
        this.shas.set(a.file, Promise.resolve(scanned.sha256));
        const platform = platformOf(scanned.config, a.file, a.system);
        // Layers no target can get and that were not compressed (a path hint that lied): read again for them.
        const missing = [];
        for (const l of scanned.layers)
            if (!inventory.local(l.diffId) && !(await inventory.satisfiable(l.diffId)))
                missing.push(l.name);
        if (missing.length > 0 && !this.o.dryRun) {
            this.o.log.info(`${a.file}: ${missing.length} layer(s) need compressing after all; reading the archive again`);
            const byName = new Map(scanned.layers.map((l) => [l.name, l.diffId]));
            const want = new Set(missing);
            scanned = await scanArchive(a.file, async (entry, body) => want.has(entry.name)
                ? this.onLayer(undefined, body, compressedHere, true)
                : { diffId: byName.get(entry.name) ?? '' }, options);
        }
        return { scanned, compressedHere, platform };
    }
    /** The image of a scanned archive, once the blobs of its layers are known. */
    async finish(a, { scanned, compressedHere, platform }) {
        const layers = [];
        for (const l of scanned.layers) {
            const cand = await this.o.inventory.satisfiable(l.diffId);
            const local = this.o.inventory.local(l.diffId);
            // A blob the targets already hold wins over our own compression (digests stay stable across runs).
            if (cand)
                layers.push(this.existingBlob(l.diffId, { mediaType: this.o.types.layer, digest: cand.digest, size: cand.size }, cand.holders));
            else if (local)
                layers.push({
                    diffId: l.diffId,
                    blob: async () => ({ mediaType: this.o.types.layer, ...(await local.blob) }),
                    ready: (t) => local.uploads.get(t) ?? Promise.resolve(),
                });
            else if (this.o.dryRun) {
                this.inexact = true;
                layers.push({
                    diffId: l.diffId,
                    blob: async () => ({ mediaType: this.o.types.layer, digest: UNKNOWN_BLOB, size: 0 }),
                    ready: async () => { },
                });
            }
            else
                throw new Error(`no blob for layer ${l.diffId}`);
        }
        const descriptors = await Promise.all(layers.map((l) => l.blob()));
        const config = {
            mediaType: this.o.types.config,
            digest: scanned.configDigest,
            size: scanned.configBytes.length,
            bytes: scanned.configBytes,
            holders: new Set(),
        };
        const manifestBytes = buildManifest(this.o.types, config, descriptors);
        return {
            archive: a,
            platform,
            labels: labelsOf(scanned.config),
            archiveSha256: scanned.sha256,
            manifest: {
                mediaType: this.o.types.manifest,
                digest: sha256Digest(manifestBytes),
                size: manifestBytes.length,
            },
            manifestBytes,
            config,
            layers,
            holders: new Set(),
            compressed: scanned.layers.filter((l) => compressedHere.has(l.diffId)).length,
            source: 'archive',
        };
    }
    /**
     * One layer entry streaming by. With a hint (Nix names layers by their sha256) we know before reading
     * whether any target can get the blob without us; otherwise we compress speculatively.
     */
    async onLayer(hint, body, compressedHere, force = false) {
        const inventory = this.o.inventory;
        const hash = (0,external_node_crypto_.createHash)('sha256');
        let compress = !this.o.dryRun;
        if (compress && hint && !force && (inventory.local(hint) || (await inventory.satisfiable(hint))))
            compress = false;
        if (!compress) {
            for await (const c of body) {
                hash.update(c);
                this.uncompressed += c.length;
                this.o.progress.read(c.length);
            }
            return { diffId: `sha256:${hash.digest('hex')}` };
        }
        // Compress: the hint is reserved, so that another archive with the same layer waits for this one.
        const spool = this.o.work.spool('layer');
        const local = { spool, blob: spool.done, uploads: new Map() };
        if (hint && !force)
            inventory.setLocal(hint, local);
        this.startUploads(local);
        const { compressor, finished } = await this.compressor(spool);
        this.o.progress.layerStarted();
        try {
            for await (const c of body) {
                this.o.work.throwIfFailed();
                hash.update(c);
                this.uncompressed += c.length;
                this.o.progress.read(c.length);
                await compressor.write(c);
            }
        }
        catch (e) {
            compressor.abort();
            spool.fail(e);
            throw e;
        }
        const diffId = `sha256:${hash.digest('hex')}`;
        // The tail of the compression runs on while the next entry is read.
        this.o.work.track(compressor
            .end()
            .then(finished)
            .then((blob) => {
            this.compressed += blob.size;
            this.o.progress.layerDone();
        })
            .catch((e) => spool.fail(e)));
        compressedHere.add(diffId);
        if (hint && hint !== diffId && !force && inventory.local(hint) === local)
            inventory.setLocal(hint, undefined);
        if (!inventory.local(diffId))
            inventory.setLocal(diffId, local);
        return { diffId };
    }
    /** A compressor writing into the spool: igzip straight into its file, else the block compressor. */
    async compressor(spool) {
        if (this.o.igzip && this.o.compression === 'gzip') {
            const compressor = new IgzipCompressor(this.o.igzip, this.o.level, await spool.writerFd());
            const followed = spool.follow(compressor.exited, (size) => compressor.verify(spool, size));
            followed.catch(() => { }); // awaited through `finished`
            return { compressor, finished: () => followed };
        }
        const compressor = createCompressor({
            compression: this.o.compression,
            level: this.o.level,
            pool: this.o.pool,
            out: (b) => spool.append(b),
        });
        return { compressor, finished: () => spool.finish() };
    }
    /**
     * Uploads a layer that is being compressed: one upload per registry, following the spool as it grows
     * (held until the archives are checked); the other repositories of that registry mount the blob.
     */
    startUploads(local) {
        const transfer = this.o.transfer;
        for (const [leader, ...rest] of storageGroups(this.o.targets)) {
            if (!leader)
                continue;
            const first = this.o.work.track(transfer.upload(leader, gatedSource(local.spool, this.archivesChecked)));
            local.uploads.set(leader, first);
            for (const t of rest)
                local.uploads.set(t, this.o.work.track(first.then(async () => {
                    const info = await local.blob;
                    await transfer.ensure(t, { ...info, mediaType: this.o.types.layer }, new Set([leader]), local.spool);
                })));
        }
    }
}
function checkSha(a, sha) {
    if (a.sha256 && a.sha256 !== sha)
        throw new errors/* RelengError */.mz(`${a.file}: its sha256 is ${sha} but the bundle recorded ${a.sha256}; the file was changed or damaged after the build`);
    return sha;
}

;// CONCATENATED MODULE: ./src/oci/background.ts
/**
 * What a push runs beside its main line — uploads following a layer as it is compressed, the tail of a
 * compression, copies between registries — and the spool files they use. Their outcomes are awaited where
 * they matter; here they are kept from rejecting unobserved, the first failure is remembered (it stops
 * the reading of archives at once instead of after them), and everything is waited for and removed at
 * the end.
 */

class BackgroundWork {
    tmpDir;
    running = [];
    spools = [];
    firstFailure;
    constructor(tmpDir) {
        this.tmpDir = tmpDir;
    }
    /** Watches `p` (its first failure is remembered) and gives it back. */
    track(p) {
        this.running.push(p.catch((error) => {
            this.firstFailure ??= { error };
        }));
        return p;
    }
    /** Throws the first failure of any tracked work, if there was one. */
    throwIfFailed() {
        if (this.firstFailure)
            throw this.firstFailure.error;
    }
    /** A spool file in the temp directory, removed by `settle`. */
    spool(name) {
        const s = SpoolFile.inDir(this.tmpDir, name);
        this.spools.push(s);
        return s;
    }
    /** Waits for all tracked work, then removes the spool files. Never throws. */
    async settle() {
        await Promise.allSettled(this.running);
        await Promise.allSettled(this.spools.map((s) => s.dispose()));
    }
}

;// CONCATENATED MODULE: ./src/oci/blob-transfer.ts
/**
 * Gets blobs onto targets, each (target, blob) once however many images name it: already there (the
 * target said so, or a HEAD finds it), mounted from a repository of the same registry, copied from
 * another registry (downloaded once into a spool file for every target lacking it), or uploaded.
 * go-containerregistry's `uploadOne` as small steps: check existing → mount → stream → commit (the last
 * two are the sink's `putBlob`).
 */





class BlobTransfer {
    o;
    ensured = new Memo();
    downloads = new Memo();
    constructor(o) {
        this.o = o;
    }
    /**
     * Makes `blob` present on `target`. `holders` are the targets known to hold it (updated as targets get
     * it); `local` is its bytes when this run has them (else a holder's copy is fetched).
     */
    ensure(target, blob, holders, local) {
        return this.ensured.get(`${target.ref}\n${blob.digest}`, () => this.o.work.track(this.ensureOnce(target, blob, holders, local)));
    }
    async ensureOnce(target, blob, holders, local) {
        if (holders.has(target) || (await this.exists(target, blob))) {
            holders.add(target);
            return target.skipped(blob.size);
        }
        if (this.o.dryRun) {
            // What a real run would send (0 bytes for a layer not compressed yet: size unknown).
            target.stats.blobsSent++;
            target.stats.bytesSent += blob.size;
            return;
        }
        if (await this.mount(target, blob, holders)) {
            holders.add(target);
            target.stats.blobsMounted++;
            return target.skipped(blob.size);
        }
        await this.upload(target, local ?? (await this.download(blob, holders)));
        holders.add(target);
    }
    async exists(target, blob) {
        return (await target.sink.blobSize(blob.digest)) !== undefined;
    }
    /** Mounted from a holder on the same registry; false when there is none or the registry refused. */
    async mount(target, blob, holders) {
        for (const from of holders)
            if (target.canMountFrom(from) && (await target.sink.mountBlob(blob.digest, from.sink)))
                return true;
        return false;
    }
    /** Sends the blob's bytes, counting them as they go. */
    async upload(target, source) {
        await target.sink.putBlob(source, (n) => {
            target.stats.bytesSent += n;
            this.o.progress.sent(n);
        });
        target.stats.blobsSent++;
    }
    /** A blob only another registry holds: fetched once into a spool file, for every target lacking it. */
    download(blob, holders) {
        return this.downloads.get(blob.digest, () => this.o.work.track(this.downloadOnce(blob, holders)));
    }
    async downloadOnce(blob, holders) {
        const [from] = holders;
        if (!from)
            throw new Error(`no target holds ${blob.digest}`);
        const spool = this.o.work.spool('copy');
        this.o.log.info(`copying ${shortDigest(blob.digest)} (${(0,src_log/* formatBytes */.z3)(blob.size)}) from ${from.ref}`);
        await (0,promises_.pipeline)(await from.sink.openBlob(blob.digest), async (src) => {
            for await (const c of src)
                await spool.append(c);
        });
        const info = await spool.finish();
        if (info.digest !== blob.digest)
            throw new errors/* RelengError */.mz(`${from.ref}: blob ${blob.digest} came back as ${info.digest}`);
        return spool;
    }
}

;// CONCATENATED MODULE: ./src/oci/layer-inventory.ts





const MAX_CONFIG = 16 << 20;
const LOOKUPS_AT_ONCE = 4;
async function readAll(stream, max, what) {
    const parts = [];
    let n = 0;
    for await (const c of stream) {
        n += c.length;
        if (n > max)
            throw new Error(`${what} is larger than ${max} bytes`);
        parts.push(c);
    }
    return Buffer.concat(parts);
}
class LayerInventory {
    o;
    /** Images the targets hold under our tags. */
    known = [];
    layers = new Map();
    constructor(o) {
        this.o = o;
    }
    layer(diffId) {
        let l = this.layers.get(diffId);
        if (!l) {
            l = { candidates: new Map() };
            this.layers.set(diffId, l);
        }
        return l;
    }
    /** Reads every target's tags (recording what each names) and learns the images they point at. */
    async discover() {
        await Promise.all(this.o.targets.map(async (t) => {
            const images = new Map();
            await forEachLimit(t.tagsToRead(), LOOKUPS_AT_ONCE, async (tag) => {
                const m = await t.sink.getManifest(tag);
                if (t.hasTag(tag))
                    t.existing.set(tag, m);
                if (!m)
                    return;
                const parsed = parseManifest(m.bytes);
                if (isIndex(parsed)) {
                    for (const d of parsed.manifests)
                        if (MANIFEST_TYPES.includes(d.mediaType))
                            images.set(d.digest, d);
                }
                else if (parsed)
                    images.set(m.digest, { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length });
            });
            await forEachLimit([...images.values()], LOOKUPS_AT_ONCE, (d) => this.learn(t, d));
        }));
        const found = this.known.length;
        if (found)
            this.o.log.info(`targets hold ${found} image${found === 1 ? '' : 's'} under our tags, with ${this.layers.size} known layer${this.layers.size === 1 ? '' : 's'}`);
    }
    /** One image of a target: its layers' blobs become candidates (in our compression only). */
    async learn(target, d) {
        const sink = target.sink;
        try {
            const manifest = await sink.getManifest(d.digest);
            const parsed = manifest && parseManifest(manifest.bytes);
            if (!manifest || !parsed || isIndex(parsed))
                return;
            const configBytes = await readAll(await sink.openBlob(parsed.config.digest), MAX_CONFIG, 'config');
            if (sha256Digest(configBytes) !== parsed.config.digest)
                return;
            const config = archive_parseConfig(configBytes, `${sink.ref}@${d.digest}`);
            if (config.rootfs.diff_ids.length !== parsed.layers.length)
                return;
            for (const [i, l] of parsed.layers.entries())
                if (layerCompression(l.mediaType) === this.o.compression)
                    this.candidate(config.rootfs.diff_ids[i], l).holders.add(target);
            this.known.push({ target, descriptor: d, manifest, parsed, configBytes, config });
        }
        catch (e) {
            // Another tool's artefact, or a blob gone: nothing to learn from it.
            this.o.log.debug(`${sink.ref}: skipping ${d.digest} in discovery: ${e.message}`);
        }
    }
    /** The candidate for this blob of the layer (made, with no holders, if it is new). */
    candidate(diffId, blob) {
        const candidates = this.layer(diffId).candidates;
        let c = candidates.get(blob.digest);
        if (!c) {
            c = { digest: blob.digest, size: blob.size, holders: new Set() };
            candidates.set(blob.digest, c);
        }
        return c;
    }
    /** A blob for the layer that some target holds (asking the others); undefined if none does. */
    satisfiable(diffId) {
        const info = this.layer(diffId);
        info.satisfiable ??= (async () => {
            const cached = this.o.cache?.get(diffId, this.o.compression);
            if (cached)
                this.candidate(diffId, cached);
            const ranked = [...info.candidates.values()].sort((a, b) => b.holders.size - a.holders.size);
            for (const c of ranked) {
                // Ask the targets we know nothing about (only the cache named this blob, or it was seen elsewhere).
                await Promise.all(this.o.targets.map(async (t) => {
                    if (c.holders.has(t))
                        return;
                    const size = await t.sink.blobSize(c.digest).catch(() => undefined);
                    if (size === c.size)
                        c.holders.add(t);
                }));
                if (c.holders.size > 0)
                    return c;
            }
            return undefined;
        })();
        return info.satisfiable;
    }
    /** The layer as compressed in this run, if it was (or is being). */
    local(diffId) {
        return this.layers.get(diffId)?.local;
    }
    setLocal(diffId, local) {
        this.layer(diffId).local = local;
    }
    /** Some known image records the sha256 of its archive: archives can be recognised without reading. */
    recognisable() {
        return this.known.some((k) => k.descriptor.annotations?.[ARCHIVE_ANNOTATION]);
    }
    /** The known images made from the archive with this sha256, in these media types. */
    publishedFrom(archiveSha256, types) {
        return this.known.filter((k) => k.descriptor.annotations?.[ARCHIVE_ANNOTATION] === archiveSha256 &&
            k.manifest.mediaType === types.manifest &&
            k.parsed.config.mediaType === types.config &&
            k.parsed.layers.every((l) => l.mediaType === types.layer));
    }
}

;// CONCATENATED MODULE: ./src/oci/publish-index.ts
/**
 * The last step of a push: the index by digest on every target, then the `{version}` tags on every
 * target, then the pointer tags — so no tag ever names something missing. A `{version}` tag that names a
 * different release is refused before anything is written (unless `force`); one that names an equivalent
 * index (the same images, only the archive hashes differ) keeps it.
 */



async function publishIndex(o) {
    const platforms = [...o.platforms].sort();
    if (o.inexact) {
        o.log.info('dry run: some layers were not compressed, so the index digest is not known');
        return o.targets.map((t) => t.report('', t.tags.map((x) => x.name), platforms));
    }
    const chosen = chooseIndexes(o);
    const tagsToWrite = (t, immutable) => t.tags.filter((x) => x.immutable === immutable && t.named(x.name) !== chosen.get(t).digest);
    const written = new Map(o.targets.map((t) => [t, []]));
    if (o.dryRun)
        for (const t of o.targets)
            written.get(t).push(...[true, false].flatMap((im) => tagsToWrite(t, im).map((x) => x.name)));
    else {
        await Promise.all(o.targets.map(async (t) => {
            const c = chosen.get(t);
            if (!(await t.sink.hasManifest(c.digest)))
                await t.sink.putManifest(c.digest, c.bytes, o.mediaType);
        }));
        for (const immutable of [true, false])
            await Promise.all(o.targets.map(async (t) => {
                for (const tag of tagsToWrite(t, immutable)) {
                    await t.sink.putManifest(tag.name, chosen.get(t).bytes, o.mediaType);
                    written.get(t).push(tag.name);
                }
            }));
    }
    return o.targets.map((t) => t.report(chosen.get(t).digest, written.get(t), platforms));
}
/**
 * Which index each target gets: ours, or the equivalent one a `{version}` tag already names. Throws,
 * naming every such tag, when one names a different release and `force` is not given.
 */
function chooseIndexes(o) {
    const digest = sha256Digest(o.index);
    const problems = [];
    const chosen = new Map(o.targets.map((t) => {
        let bytes = o.index;
        for (const tag of t.tags.filter((x) => x.immutable)) {
            const old = t.existing.get(tag.name);
            if (!old || old.digest === digest)
                continue;
            if (sameRelease(old.bytes, o.index))
                bytes = old.bytes;
            else if (!o.force)
                problems.push(`${t.ref}:${tag.name} already names ${shortDigest(old.digest)}, a different release than this one (${shortDigest(digest)}); versioned tags are immutable — bump the version, or pass force to move it`);
        }
        return [t, { bytes, digest: sha256Digest(bytes) }];
    }));
    if (problems.length)
        throw new errors/* RelengErrors */.zg('refusing to move versioned tags', problems);
    return chosen;
}

;// CONCATENATED MODULE: ./src/oci/push-progress.ts

/** One line every few seconds during long pushes: layers done, MiB read and sent, throughput. */
class PushProgress {
    log;
    readBytes = 0;
    sentBytes = 0;
    started = 0;
    done = 0;
    t0 = Date.now();
    timer;
    constructor(log) {
        this.log = log;
    }
    tick() {
        this.timer ??= setInterval(() => this.print(), 5000);
        this.timer.unref();
    }
    read(n) {
        this.readBytes += n;
        this.tick();
    }
    sent(n) {
        this.sentBytes += n;
    }
    layerStarted() {
        this.started++;
    }
    layerDone() {
        this.done++;
    }
    print() {
        const secs = Math.max((Date.now() - this.t0) / 1000, 0.001);
        this.log.info(`docker: layers compressed ${this.done}/${this.started}, read ${(0,src_log/* formatBytes */.z3)(this.readBytes)} (${(this.readBytes / 1e6 / secs).toFixed(0)} MB/s), sent ${(0,src_log/* formatBytes */.z3)(this.sentBytes)} (${(this.sentBytes / 1e6 / secs).toFixed(0)} MB/s)`);
    }
    stop() {
        if (this.timer) {
            clearInterval(this.timer);
            this.timer = undefined;
            this.print();
        }
    }
}

;// CONCATENATED MODULE: ./src/oci/push.ts
/**
 * Publishes docker archives as one multi-arch index to several targets at once. The steps:
 *  1. open every target (reach, authenticate);
 *  2. discover what each already holds (layer-inventory.ts): the registry is the cache of earlier runs;
 *  3–4. the images (archive-reader.ts): recognised from their archive's sha256, else read once, each layer
 *     compressed unless a blob for it exists, and uploaded while it is compressed (blob-transfer.ts);
 *  5. per target, config blobs and image manifests (by digest) once all their blobs are there;
 *  6. the index and the tags (publish-index.ts).
 */














async function pushImages(o) {
    const targets = o.targets.map((t) => new TargetState(t.sink, t.tags));
    const types = mediaTypes(o.mediaTypes, o.compression);
    const pool = o.pool ?? new CompressionPool();
    const work = new BackgroundWork(o.tmpDir);
    const progress = new PushProgress(o.log);
    const inventory = new LayerInventory({ targets, compression: o.compression, cache: o.cache, log: o.log });
    const transfer = new BlobTransfer({ work, progress, dryRun: o.dryRun, log: o.log });
    const reader = new ArchiveReader({
        targets,
        types,
        compression: o.compression,
        level: o.level,
        pool,
        igzip: o.igzip,
        tmpDir: o.tmpDir,
        dryRun: o.dryRun,
        parallelArchives: o.parallelArchives,
        inventory,
        transfer,
        work,
        progress,
        log: o.log,
    });
    try {
        // 1. Reach every target.
        await openTargets(targets, o.dryRun);
        // 2. What the targets hold already.
        await o.log.group('Looking at what the targets hold', () => inventory.discover());
        // 3–4. Images: recognised from their archive's sha256, else read and compressed.
        const images = await reader.images(o.archives);
        // 5. Configs and manifests, per target, as soon as their blobs are there.
        await Promise.all(images.map((img) => publishManifests(img, targets, transfer, o.dryRun)));
        progress.stop();
        // 6. The index, then the tags.
        const index = buildIndex(types, images.map((img) => ({
            manifest: img.manifest,
            platform: img.platform,
            labels: img.labels,
            archiveSha256: img.archiveSha256,
        })), { annotations: o.annotations, descriptorAnnotations: o.descriptorAnnotations });
        const reports = await publishIndex({
            targets,
            index,
            mediaType: types.index,
            platforms: images.map((i) => platformString(i.platform)),
            force: o.force,
            dryRun: o.dryRun,
            inexact: reader.inexact,
            log: o.log,
        });
        if (o.cache && !o.dryRun)
            await remember(o.cache, o.compression, images);
        return result(o, reader, images, reports, index);
    }
    finally {
        progress.stop();
        await work.settle();
        await Promise.allSettled(targets.map((t) => t.sink.close()));
        if (!o.pool)
            await pool.close();
    }
}
/** Every target reached (and, unless a dry run, ready for writing); all problems in one error. */
async function openTargets(targets, dryRun) {
    const problems = [];
    await Promise.all(targets.map((t) => t.sink.open({ create: !dryRun }).catch((e) => {
        problems.push(e instanceof errors/* RelengError */.mz ? e.message : `${t.ref}: ${e.message}`);
    })));
    if (problems.length)
        throw new errors/* RelengErrors */.zg('cannot publish to every target', problems);
}
/** The image's config and manifest on every target, once the target has all its layers. */
async function publishManifests(img, targets, transfer, dryRun) {
    await Promise.all(targets.map(async (t) => {
        await Promise.all(img.layers.map((l) => l.ready(t)));
        await transfer.ensure(t, img.config, img.config.holders, new BufferSource(img.config.bytes, img.config.digest));
        if (dryRun || img.holders.has(t) || (await t.sink.hasManifest(img.manifest.digest)))
            return;
        await t.sink.putManifest(img.manifest.digest, img.manifestBytes, img.manifest.mediaType);
    }));
}
/** diffID → blob of every layer, for the next run's blob cache. */
async function remember(cache, compression, images) {
    for (const img of images)
        for (const l of img.layers) {
            const d = await l.blob();
            if (isDigest(d.digest))
                cache.set(l.diffId, compression, d);
        }
}
function result(o, reader, images, targets, index) {
    return {
        targets,
        images: images.map((img) => ({
            file: img.archive.file,
            platform: platformString(img.platform),
            manifest: img.manifest.digest,
            layers: img.layers.length,
            compressed: img.compressed,
            source: img.source,
        })),
        index: reader.inexact ? '' : sha256Digest(index),
        uncompressedBytes: reader.uncompressed,
        compressedBytes: reader.compressed,
        dryRun: o.dryRun,
    };
}

;// CONCATENATED MODULE: ./src/oci/publish-images.ts
/**
 * Docker archives to every registry of a release as one multi-arch index (the reference's docker step:
 * releng/docker.xsh + docker_assemble.py), checked before anything is pushed:
 *   1. the archives (absolute, or relative to `dir`);
 *   2. the targets, their tags and logins (registry-targets.ts);
 *   3. compression, its level and the gzip engine;
 *   4. the push (push.ts): each image by digest — no temporary tag — its layers compressed once for all
 *      targets; one OCI index (platform per image, the images' Labels as annotations) to every tag of every
 *      target: blobs → manifests → index → `{version}` tags → pointer tags, the last only when the caller
 *      moves pointers in the same run (docker-multiarch alone); publish moves them in its pointer phase
 *      with movePointerTags (pointer-tags.ts).
 * `checkRegistryAccess` is the same targets' preflight: the problems a push would meet, found without
 * writing. Used by the docker-multiarch stage and by publish's docker step.
 */








const DEFAULT_LEVEL = { gzip: 1, zstd: 3 };
async function publishImages(o) {
    const dir = o.dir ?? process.cwd();
    const log = o.log;
    // 1. Images.
    if (o.images.length === 0)
        throw new errors/* RelengError */.mz('no docker archives to publish: pass images (archives) or bundles (leg bundles with an image)');
    const archives = o.images.map((i) => ({ ...i, file: external_node_path_default().resolve(dir, i.file) }));
    // 2. Targets and tags.
    if (o.targets.length === 0)
        throw new errors/* RelengError */.mz('no targets: name registries in targets, or an environment with registries in releng.yml');
    checkInsecureRegistries(o.insecureRegistries ?? []);
    const targets = resolveTargets(o.targets, o.version, dir).map((t) => ({
        ...t,
        push: allowedTags(t, o.movePointers ? o.pointers : { latest: false, major: false }).map((x) => ({
            name: x.name,
            immutable: x.kind === 'version',
        })),
    }));
    const compression = o.compression ?? 'gzip';
    if (compression === 'zstd' && !zstdAvailable())
        throw new errors/* RelengError */.mz(`compression zstd needs Node 22.15 or newer (this is ${process.version}); use gzip`);
    if (compression === 'zstd' && o.mediaTypes === 'docker')
        throw new errors/* RelengError */.mz('compression zstd needs media-types oci (Docker v2 has no zstd layers)');
    const level = o.compressionLevel ?? DEFAULT_LEVEL[compression];
    const [lo, hi] = compression === 'gzip' ? [1, 9] : [1, 19];
    if (!Number.isInteger(level) || level < lo || level > hi)
        throw new errors/* RelengError */.mz(`compression-level must be ${lo}–${hi} for ${compression}, got ${level}`);
    // igzip, when there, also unpacks Nix's gzip-wrapped archives, whatever the layers are compressed with.
    const igzip = igzipFor(o.gzipEngine ?? 'auto', o.processEnv ?? process.env);
    const gzipLevel = compression === 'gzip' ? `, level ${igzip ? igzipLevel(level) : level}` : '';
    log.info(igzip
        ? `gzip: ${igzip} (ISA-L)${gzipLevel}`
        : `gzip: zlib${gzipLevel}${o.gzipEngine === 'zlib' ? '' : ' (igzip — package isal — would take a quarter of the CPU)'}`);
    const sinks = sinkFactory(targets, o.credentials, log, {
        insecureRegistries: o.insecureRegistries,
        processEnv: o.processEnv,
        timeoutMs: o.tuning?.timeout,
    });
    try {
        await o.confirm?.();
        log.info(`${o.dryRun ? 'dry run: ' : ''}${archives.length} image${archives.length === 1 ? '' : 's'} → ${targets.map((t) => `${t.ref.ref} (${t.push.map((x) => x.name).join(', ')})`).join('; ')}`);
        // 3–4. Push.
        const r = await pushImages({
            archives,
            targets: targets.map((t) => ({ sink: sinks.sink(t.ref), tags: t.push })),
            mediaTypes: o.mediaTypes ?? 'oci',
            compression,
            level,
            annotations: o.annotations ?? {},
            descriptorAnnotations: o.descriptorAnnotations ?? false,
            force: o.force ?? false,
            dryRun: o.dryRun ?? false,
            cache: o.cache,
            tmpDir: o.tmpDir ?? external_node_os_default().tmpdir(),
            igzip,
            log,
        });
        return {
            version: o.version,
            digest: r.targets[0].digest,
            digests: Object.fromEntries(r.targets.map((t) => [t.ref, t.digest])),
            tags: Object.fromEntries(r.targets.map((t) => [t.ref, t.tags])),
            targets: r.targets,
            images: r.images,
            uncompressedBytes: r.uncompressedBytes,
            compressedBytes: r.compressedBytes,
            dryRun: r.dryRun,
        };
    }
    finally {
        await sinks.close();
    }
}
/**
 * Can every target take a push? Reaches each, authenticates, and checks push access (the token's claims
 * when it has them, else by opening an upload and cancelling it). Returns the problems, [] when all is well.
 */
async function checkRegistryAccess(targets, credentials, log, options = {}) {
    let parsed;
    let sinks;
    try {
        checkInsecureRegistries(options.insecureRegistries ?? []);
        parsed = resolveTargets(targets, options.version ?? '0.0.0', options.dir ?? process.cwd());
        sinks = sinkFactory(parsed, credentials, log, {
            insecureRegistries: options.insecureRegistries,
            processEnv: options.processEnv,
            timeoutMs: options.tuning?.timeout,
        });
    }
    catch (e) {
        return [e.message];
    }
    try {
        const problems = await Promise.all(parsed.map(async ({ ref }) => {
            const sink = sinks.sink(ref);
            try {
                // A layout is only checked for write access: opening it would create it.
                if (ref.kind === 'registry')
                    await sink.open();
                return await sink.checkPush();
            }
            catch (e) {
                return e instanceof errors/* RelengError */.mz ? e.message : `${ref.ref}: ${e.message}`;
            }
        }));
        return problems.filter((p) => p !== undefined);
    }
    finally {
        await sinks.close();
    }
}

;// CONCATENATED MODULE: ./src/publish/docker.ts





/** An archive is present, a regular file, readable to its end, and the bytes the build recorded. */
async function imageProblem(image) {
    const what = `${image.file}: the docker image${image.system ? ` of ${image.system}` : ''}`;
    let stat;
    try {
        stat = external_node_fs_default().statSync(image.file);
    }
    catch {
        return `${what} is missing; rebuild the leg or pass skip: docker`;
    }
    if (!stat.isFile() || stat.size === 0)
        return `${what} is not a file with content; rebuild the leg`;
    const sha256 = await sha256OfFile(image.file).catch((e) => e);
    if (sha256 instanceof Error)
        return `${what} cannot be read (${sha256.code ?? sha256.message})`;
    if (image.sha256 && image.sha256 !== sha256)
        return `${image.file}: its sha256 is ${sha256} but the build recorded ${image.sha256}; the file was changed or damaged after the build`;
    return undefined;
}
/** skip: docker — the pointers only: push access, and the `{version}` tags read (a missing one is a warning). */
async function pointersOnlyProblems(r) {
    const access = await checkRegistryAccess(targetsOf(r), undefined, r.log, {
        processEnv: r.processEnv,
        dir: r.dir,
        tuning: r.registryTuning,
        version: r.version,
    });
    if (access.length)
        return access;
    try {
        await movePointerTags({ ...pointerOptions(r), dryRun: true, pushedBefore: true });
        return [];
    }
    catch (e) {
        return e instanceof errors/* RelengErrors */.zg ? e.problems : [e instanceof Error ? e.message : String(e)];
    }
}
const targetsOf = (r) => targetsForEnvironment(r.environment, r.dir, r.environmentName);
const policyOf = (r) => ({ latest: r.latest, major: r.major ?? r.latest });
const pointerOptions = (r) => ({
    targets: targetsOf(r),
    version: r.version,
    policy: policyOf(r),
    dir: r.dir,
    processEnv: r.processEnv,
    tuning: r.registryTuning,
    log: r.log,
});
const dockerViaMultiarch = {
    async preflight(r) {
        if (r.environment.registries.length === 0)
            return [];
        if (r.pushImages === false)
            return pointersOnlyProblems(r);
        const problems = [];
        if (r.images.length === 0)
            problems.push(`environment '${r.environmentName}' has registries but the release has no docker image; build the images (build.docker-image) or pass skip: docker`);
        for (const image of r.images) {
            const p = await imageProblem(image);
            if (p)
                problems.push(p);
        }
        problems.push(...(await checkRegistryAccess(targetsOf(r), undefined, r.log, {
            processEnv: r.processEnv,
            dir: r.dir,
            tuning: r.registryTuning,
            version: r.version,
        })));
        return problems;
    },
    async publish(r) {
        if (r.environment.registries.length === 0 || r.pushImages === false)
            return { digests: {}, tags: [] };
        const out = await publishImages({
            images: r.images.map((i) => ({ file: i.file, system: i.system, sha256: i.sha256 })),
            targets: targetsOf(r),
            version: r.version,
            pointers: policyOf(r),
            movePointers: false,
            dryRun: r.dryRun,
            dir: r.dir,
            processEnv: r.processEnv,
            tuning: r.registryTuning,
            log: r.log,
        });
        return { digests: out.digests, tags: [...new Set(Object.values(out.tags).flat())] };
    },
    async movePointers(r, published) {
        if (r.environment.registries.length === 0)
            return [];
        return movePointerTags({
            ...pointerOptions(r),
            // A dry run published nothing, so there is no digest to hold the {version} tags to.
            digests: r.dryRun ? undefined : published?.digests,
            dryRun: r.dryRun,
            // After skip: docker a target without its {version} tag keeps its pointers.
            pushedBefore: r.pushImages === false,
        });
    },
};

;// CONCATENATED MODULE: ./src/nix/encoding.ts


/**
 * The bodies of a binary cache's small files (narinfo, `.ls`) in the encodings nix writes them with
 * (`narinfo-compression`, `ls-compression` of an S3 store: the body compressed, `Content-Encoding` set).
 * Node 20's zlib has gzip and brotli only; zstd and xz come from packages that need no native code, so the
 * bundles run on any runner image: fzstd (pure JS) decodes zstd, @bokuweb/zstd-wasm encodes it,
 * xz-decompress (wasm) decodes xz. Nothing here encodes xz: no package does it without native code.
 */
const READ_ENCODINGS = ['none', 'zstd', 'xz', 'br', 'gzip'];
const WRITE_ENCODINGS = (/* unused pure expression or super */ null && (['none', 'zstd', 'br', 'gzip']));
/** Decoded narinfo bodies are small; a body that decodes past this is refused (a compression bomb). */
const MAX_DECODED = 4 * 1024 * 1024;
const MAGIC = [
    ['zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
    ['gzip', Buffer.from([0x1f, 0x8b])],
];
/**
 * Which encoding a body is in: by its magic bytes where the format has them (zstd, xz, gzip — a sink that
 * stores no Content-Encoding, a server that drops it), else by the Content-Encoding the server gave
 * (brotli has no magic), else none. `where` names the object in the error.
 */
function encodingOf(bytes, contentEncoding, where) {
    for (const [name, magic] of MAGIC)
        if (bytes.length >= magic.length && magic.equals(Buffer.from(bytes.subarray(0, magic.length))))
            return name;
    if (bytes.length >= 3 && Buffer.from(bytes.subarray(0, 3)).toString('latin1') === 'BZh')
        throw new errors/* RelengError */.mz(`${where}: a bzip2-compressed body, which publish does not read; rewrite it with zstd, xz, br, gzip or none`);
    const header = contentEncoding?.trim().toLowerCase();
    if (!header || header === 'identity')
        return 'none';
    if (header === 'br')
        return 'br';
    if (READ_ENCODINGS.includes(header))
        throw new errors/* RelengError */.mz(`${where}: Content-Encoding ${header}, but the body is not ${header}-compressed (damaged); delete the object so it is written again`);
    throw new errors/* RelengError */.mz(`${where}: Content-Encoding ${header} is not one nix writes (zstd, xz, br, gzip)`);
}
/** The body decoded (any encoding nix writes), or a one-line error naming `where`. */
async function decodeBody(bytes, contentEncoding, where, o = {}) {
    const encoding = encodingOf(bytes, contentEncoding, where);
    if (encoding === 'none')
        return Buffer.from(bytes);
    try {
        return await decode(encoding, bytes, o.limit ?? MAX_DECODED);
    }
    catch (e) {
        throw new errors/* RelengError */.mz(`${where}: not readable as ${encoding} (${e.message.split('\n')[0]}): the object is damaged; ${o.hint ?? 'delete it so it is written again'}`);
    }
}
async function decode(encoding, bytes, limit) {
    switch (encoding) {
        case 'gzip':
            return external_node_zlib_default().gunzipSync(bytes, { maxOutputLength: limit });
        case 'br':
            return external_node_zlib_default().brotliDecompressSync(bytes, { maxOutputLength: limit });
        case 'zstd':
            return zstdDecode(bytes, limit);
        case 'xz':
            return xzDecode(bytes, limit);
    }
}
async function zstdDecode(bytes, limit) {
    const { Decompress } = await __webpack_require__.e(/* import() */ 339).then(__webpack_require__.bind(__webpack_require__, 8339));
    const chunks = [];
    let size = 0;
    let ended = false;
    const d = new Decompress((chunk, final) => {
        size += chunk.length;
        if (size > limit)
            throw new Error(`more than ${limit} bytes decoded`);
        chunks.push(chunk);
        if (final)
            ended = true;
    });
    d.push(bytes, true);
    if (!ended)
        throw new Error('truncated');
    return Buffer.concat(chunks);
}
async function xzDecode(bytes, limit) {
    // A CommonJS module: its exports are the default export to ESM, named ones to the type checker.
    const m = (await __webpack_require__.e(/* import() */ 642).then(__webpack_require__.t.bind(__webpack_require__, 6642, 23)));
    const XzReadableStream = m.XzReadableStream ?? m.default.XzReadableStream;
    const reader = new XzReadableStream(new Blob([new Uint8Array(bytes)]).stream()).getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done)
            break;
        size += value.length;
        if (size > limit) {
            await reader.cancel();
            throw new Error(`more than ${limit} bytes decoded`);
        }
        chunks.push(value);
    }
    return Buffer.concat(chunks);
}
let zstdReady;
/** The body as written with `encoding`, and the Content-Encoding to store it with (none for `none`). */
async function encodeBody(bytes, encoding) {
    switch (encoding) {
        case 'none':
            return { bytes: Buffer.from(bytes) };
        case 'gzip':
            return { bytes: external_node_zlib_default().gzipSync(bytes, { level: 9 }), contentEncoding: 'gzip' };
        case 'br':
            return { bytes: external_node_zlib_default().brotliCompressSync(bytes), contentEncoding: 'br' };
        case 'zstd': {
            zstdReady ??= __webpack_require__.e(/* import() */ 115).then(__webpack_require__.t.bind(__webpack_require__, 7115, 23)).then(async (m) => {
                await m.init();
                return m;
            });
            const zstd = await zstdReady;
            return { bytes: Buffer.from(zstd.compress(bytes, 19)), contentEncoding: 'zstd' };
        }
    }
}

// EXTERNAL MODULE: ./src/nix/narinfo.ts
var narinfo = __webpack_require__(3974);
;// CONCATENATED MODULE: ./src/nix/command.ts

/**
 * The experimental features our nix calls use, enabled by each call instead of expected in nix.conf: a
 * runner's nix.conf (or a release engineer's) often lacks them, and `nix copy`, `nix eval`, `nix path-info`
 * need nix-command, `.#attr` installables flakes. `extra-` adds to what nix.conf enables, never removes.
 */
const NIX_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];
/** `nix ARGS…` with the experimental features enabled. */
function nix(args, opts) {
    return run('nix', [...NIX_FEATURES, ...args], opts);
}

;// CONCATENATED MODULE: ./src/nix/sign.ts








/**
 * Parses the secret key text from the environment variable `envName`. The text and its base64 part are
 * registered as secrets before anything else happens. Checked: the form, the length, and that the public
 * half matches the seed (a truncated or mangled key would sign with garbage).
 */
function parseSigningKey(text, envName, log) {
    const trimmed = text.trim();
    log.secret(trimmed);
    const colon = trimmed.indexOf(':');
    const b64 = colon > 0 ? trimmed.slice(colon + 1) : '';
    if (b64)
        log.secret(b64);
    const name = colon > 0 ? trimmed.slice(0, colon) : '';
    const raw = Buffer.from(b64, 'base64');
    if (!name || !/^[A-Za-z0-9+/=]+$/.test(b64) || raw.length !== 64)
        throw new errors/* RelengError */.mz(`signing key in $${envName} is not a nix secret key (expected NAME:BASE64 of 64 bytes, as nix-store --generate-binary-cache-key writes); set the secret to the key file's content`);
    const pub = raw.subarray(32);
    const derived = (0,external_node_crypto_.createPublicKey)(privateKeyOf(raw.subarray(0, 32)))
        .export({ format: 'der', type: 'spki' })
        .subarray(-32);
    if (!derived.equals(pub))
        throw new errors/* RelengError */.mz(`signing key in $${envName} is damaged: its public half does not match its seed; set the secret to the key file's exact content`);
    return { name, text: trimmed, publicKey: `${name}:${pub.toString('base64')}` };
}
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
function privateKeyOf(seed) {
    return (0,external_node_crypto_.createPrivateKey)({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}
/** The key objects made from each key's text, so that signing thousands of narinfos parses it once. */
const privateKeys = new WeakMap();
/**
 * The narinfo's `Sig:` value by `key` (`name:base64(ed25519 over the fingerprint)`), as nix's
 * `secret-key=` signs: what `nix copy` would add, computed here so publish needs no nix.
 */
function signatureOf(info, key) {
    let k = privateKeys.get(key);
    if (!k) {
        const b64 = key.text.slice(key.text.indexOf(':') + 1);
        k = privateKeyOf(Buffer.from(b64, 'base64').subarray(0, 32));
        privateKeys.set(key, k);
    }
    return `${key.name}:${(0,external_node_crypto_.sign)(null, Buffer.from(fingerprint(info)), k).toString('base64')}`;
}
/** The narinfo with our signature: other signatures kept (as nix copy keeps them), an old one by our key name replaced. */
function signNarInfo(info, key) {
    const others = info.sigs.filter((s) => s.slice(0, s.indexOf(':')) !== key.name);
    return { ...info, sigs: [...others, signatureOf(info, key)] };
}
/**
 * Runs `fn` with the key in a file only we can read (0600 in a fresh 0700 directory under RUNNER_TEMP when
 * set), removed afterwards whatever happens; one left by a killed run is removed by the next. nix takes
 * `secret-key=` as a path, so the key never appears on a command line.
 */
async function withKeyFile(key, fn) {
    const dir = (0,work_dir/* makeWorkDir */.dW)(work_dir/* WORK_DIRS */.pS.key);
    const file = external_node_path_default().join(dir, 'secret-key');
    const remove = () => external_node_fs_default().rmSync(dir, { recursive: true, force: true });
    // A cancelled job gets SIGINT or SIGTERM: remove the key, then die of the signal as we would have.
    const forget = (0,work_dir/* removeOnSignal */.QF)(remove);
    try {
        external_node_fs_default().writeFileSync(file, key.text, { mode: 0o600 });
        return await fn(file);
    }
    finally {
        forget();
        remove();
    }
}
/**
 * `nix copy` of `paths` (with their closures: a binary cache refuses a path whose references it lacks)
 * into a file:// cache, compressed as asked, with NAR listings, signed when a key file is given. Nix 2.8
 * has no s3:// store and no --stdin: paths go on the command line in batches, the cache is uploaded by us.
 */
async function copyToSignedCache(o) {
    const params = [
        `compression=${o.compression ?? 'zstd'}`,
        `write-nar-listing=${o.writeNarListing === false ? 'false' : 'true'}`,
    ];
    if (o.keyFile)
        params.unshift(`secret-key=${o.keyFile}`);
    const to = `file://${o.to}?${params.join('&')}`;
    // A .drv installable means its outputs to nix 2.8; --derivation makes it mean the file itself.
    const drvs = o.paths.filter((p) => p.endsWith('.drv'));
    const others = o.paths.filter((p) => !p.endsWith('.drv'));
    for (const [group, flags] of [
        [others, []],
        [drvs, ['--derivation']],
    ]) {
        for (let i = 0; i < group.length; i += 500) {
            const batch = group.slice(i, i + 500);
            const args = ['copy', ...flags, ...(o.from ? ['--from', o.from] : []), '--to', to, ...batch];
            const r = await nix(args, { allowFailure: true, log: o.log });
            if (r.code !== 0)
                throw new errors/* RelengError */.mz(`nix copy ${batch.length} path(s) ${o.from ? `from ${o.from} ` : ''}into the signed cache failed: ${tail(r.stderr, 3)}`);
        }
    }
}
/**
 * What nix signs: `1;path;narHash;narSize;refs` — the NarHash as `sha256:<nix32>`, references as full store
 * paths in nix's order — whatever form the narinfo wrote them in.
 */
function fingerprint(info, storeDir = narinfo/* STORE_DIR */.SF) {
    const refs = (0,narinfo/* sortedReferences */.Qs)(info.references).map((r) => `${storeDir}/${r}`);
    return `1;${info.storePath};${(0,narinfo/* nix32Hash */.XP)(info.narHash)};${info.narSize};${refs.join(',')}`;
}
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
/** True when some `Sig:` line is a valid signature by `publicKey` (`name:base64`). */
function signedBy(info, publicKey) {
    const colon = publicKey.indexOf(':');
    const name = publicKey.slice(0, colon);
    const key = (0,external_node_crypto_.createPublicKey)({
        key: Buffer.concat([SPKI_ED25519, Buffer.from(publicKey.slice(colon + 1), 'base64')]),
        format: 'der',
        type: 'spki',
    });
    const data = Buffer.from(fingerprint(info));
    return info.sigs.some((sig) => {
        const i = sig.indexOf(':');
        return sig.slice(0, i) === name && (0,external_node_crypto_.verify)(null, data, key, Buffer.from(sig.slice(i + 1), 'base64'));
    });
}

;// CONCATENATED MODULE: ./src/storage/content-type.ts
/**
 * Content-Type by file name, for objects served straight from a bucket (the manual is a static site, so
 * HTML must be text/html). Nix cache files get the types nix itself uploads with.
 */
const BY_EXTENSION = {
    html: 'text/html; charset=utf-8',
    htm: 'text/html; charset=utf-8',
    css: 'text/css; charset=utf-8',
    js: 'text/javascript; charset=utf-8',
    mjs: 'text/javascript; charset=utf-8',
    json: 'application/json',
    map: 'application/json',
    svg: 'image/svg+xml',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    ico: 'image/x-icon',
    woff: 'font/woff',
    woff2: 'font/woff2',
    ttf: 'font/ttf',
    otf: 'font/otf',
    txt: 'text/plain; charset=utf-8',
    md: 'text/markdown; charset=utf-8',
    nix: 'text/plain; charset=utf-8',
    sha256: 'text/plain; charset=utf-8',
    xml: 'application/xml',
    gz: 'application/gzip',
    tgz: 'application/gzip',
    xz: 'application/x-xz',
    zst: 'application/zstd',
    bz2: 'application/x-bzip2',
    tar: 'application/x-tar',
    zip: 'application/zip',
    narinfo: 'text/x-nix-narinfo',
    ls: 'application/json',
};
function contentTypeOf(key) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    if (name === 'nix-cache-info')
        return 'text/x-nix-cache-info';
    if (/\.nar(\.[a-z0-9]+)?$/.test(name))
        return 'application/x-nix-nar';
    const dot = name.lastIndexOf('.');
    if (dot <= 0)
        return 'application/octet-stream';
    return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

;// CONCATENATED MODULE: ./src/publish/closure.ts



/** The closure to publish: every path the release needs, with what its source says about it. */
async function releaseClosure(source, log) {
    if (source.kind === 'none')
        throw new errors/* RelengError */.mz(`nothing to put in the binary cache: ${source.why}`);
    return source.kind === 'caches' ? closureFromCaches(source, log) : closureFromStore(source.paths, log);
}
/** The legs' top-level paths and everything they reference, from the merge's list of the leg caches' paths. */
function closureFromCaches(source, log) {
    const known = new Map(source.cachePaths.map((c) => [c.storePath, c]));
    const closure = new Map();
    const missing = [];
    const queue = source.storePaths.filter((p) => {
        // Derivations are published when the legs carry them (the reference uploads drvs too); outputs must be there.
        if (known.has(p) || !p.endsWith('.drv'))
            return true;
        log.debug(`${p} is in no leg cache; not published`);
        return false;
    });
    while (queue.length) {
        const p = queue.pop();
        if (closure.has(p))
            continue;
        const c = known.get(p);
        if (!c) {
            missing.push(p);
            continue;
        }
        closure.set(p, c);
        queue.push(...c.references.filter((r) => !closure.has(r)));
    }
    if (missing.length)
        throw new errors/* RelengErrors */.zg(`the leg caches (${source.caches.map((c) => c.dir).join(', ')}) lack store paths the release needs; rebuild the legs`, missing.sort().map((p) => `${p} is in no leg cache`));
    return closure;
}
async function closureFromStore(drvsAndPaths, log) {
    if (drvsAndPaths.length === 0)
        throw new errors/* RelengError */.mz('drvs.txt lists no derivations; nothing to put in the cache');
    // Nix 2.8 has no `drv^*`: the outputs of each derivation, then the closure of everything.
    const drvs = drvsAndPaths.filter((p) => p.endsWith('.drv'));
    const outputs = drvs.length
        ? (await run('nix-store', ['-q', '--outputs', ...drvs], { log })).stdout.split('\n').filter(Boolean)
        : [];
    const plain = [...new Set([...drvsAndPaths.filter((p) => !p.endsWith('.drv')), ...outputs])];
    // A .drv argument means its outputs to nix 2.8; --derivation makes it mean the file (and its closure).
    const infos = [
        ...(plain.length ? await pathInfo(plain, [], log) : []),
        ...(drvs.length ? await pathInfo(drvs, ['--derivation'], log) : []),
    ];
    const invalid = infos.filter((i) => i.valid === false).map((i) => `${i.path} is not in the local store`);
    if (invalid.length)
        throw new errors/* RelengErrors */.zg('the release is not built in the local store', invalid);
    return new Map(infos.map((i) => [
        i.path,
        { storePath: i.path, narHash: i.narHash, narSize: i.narSize, references: i.references ?? [] },
    ]));
}
async function pathInfo(paths, flags, log) {
    const r = await nix(['path-info', '--json', '--recursive', ...flags, ...paths], {
        allowFailure: true,
        log,
    });
    if (r.code !== 0)
        throw new errors/* RelengError */.mz(`nix path-info of the release's derivations and outputs failed: ${tail(r.stderr, 2)}; build the release first (build-artifacts)`);
    return JSON.parse(r.stdout);
}

// EXTERNAL MODULE: ./src/publish/plan.ts
var publish_plan = __webpack_require__(7872);
;// CONCATENATED MODULE: ./src/publish/plan-cache.ts








const LOOKUPS = 16;
/** NAR files hashed at once before the first write: two cores. */
const HASHING = 2;
/**
 * The binary cache: the release's closure, and which of its store paths the destination lacks. Each store
 * path is one object of the step (its NARs, listings and narinfo are listed once written).
 */
async function planCacheStep(o) {
    const d = o.destination;
    if (!d)
        return { step: (0,publish_plan/* newStep */.zu)('cache', { skipped: o.skipped ?? 'skip: cache' }), conflicts: [], problems: [] };
    const closure = await releaseClosure(o.source, o.log);
    const plan = await planCache(d.sink, closure, o.key, o.force, o.settings);
    const objects = plan.paths.map((p) => ({
        dest: 'cache',
        key: p.storePath,
        size: p.size,
        sha256: '',
        kind: 'versioned',
        action: p.action === 'add' ? 'upload' : p.action === 'replace' ? 'overwrite' : 'skip',
        reason: p.reason,
    }));
    const notes = [
        o.key
            ? `signed by ${o.key.publicKey}${plan.uploads ? ' (in-process)' : ' (nix copy from the local store)'}`
            : 'no signing-key in this environment: the cache is published unsigned',
    ];
    if (plan.uploads)
        notes.push('NARs uploaded as the legs compressed them');
    return {
        step: (0,publish_plan/* newStep */.zu)('cache', { objects, target: d.location, notes }),
        conflicts: plan.conflicts,
        problems: plan.problems,
        work: { sink: d.sink, plan, closure },
    };
}
/**
 * Which paths the destination lacks. A store path is what nix compares, not bytes: the cache has a path
 * when its narinfo is there (in any encoding nix writes) with the same NarHash (and, when we sign, our
 * valid signature) — whatever compressor wrote the NAR. The same path with another NarHash, an unreadable
 * narinfo, or one not signed by our key, is a conflict unless `force`. For leg bundles, each path to write
 * is checked here, before anything is written (checkLegPaths).
 */
async function planCache(sink, closure, key, force, settings) {
    const conflicts = [];
    const info = await sink.get('nix-cache-info');
    if (info) {
        const storeDir = /^StoreDir:\s*(\S+)/m.exec(info.toString('utf8'))?.[1];
        if (storeDir && storeDir !== narinfo/* STORE_DIR */.SF)
            conflicts.push(`${describeKey(sink, 'nix-cache-info')}: a cache for store ${storeDir}, not ${narinfo/* STORE_DIR */.SF}`);
    }
    const fromLegs = [...closure.values()].every((c) => c.info && c.nar);
    const paths = await mapLimit([...closure.values()], LOOKUPS, async (c) => {
        const base = { storePath: c.storePath, size: c.info?.fileSize ?? c.narSize };
        const where = describeKey(sink, (0,narinfo/* narInfoKey */.Pn)(c.storePath));
        const bytes = await sink.get((0,narinfo/* narInfoKey */.Pn)(c.storePath));
        if (!bytes)
            return { ...base, action: 'add' };
        let problem;
        try {
            const theirs = (0,narinfo/* parseNarInfo */.Ne)((await decodeBody(bytes, bytes.contentEncoding, where)).toString('utf8'), where);
            if ((0,narinfo/* hashHex */.Yy)(theirs.narHash) !== (0,narinfo/* hashHex */.Yy)(c.narHash))
                problem = `${where}: ${c.storePath} is there with another NarHash (${theirs.narHash}; ours ${c.narHash}) — a build that is not reproducible`;
            else if (key && !signedBy(theirs, key.publicKey))
                problem = `${where}: ${c.storePath} is there but not signed by ${key.name}`;
        }
        catch (e) {
            problem = `${e.message} (the narinfo of ${c.storePath})`;
        }
        if (!problem)
            return { ...base, action: 'skip' };
        if (force)
            return { ...base, action: 'replace', reason: 'force' };
        conflicts.push(problem);
        return { ...base, action: 'skip', reason: 'conflict' };
    });
    paths.sort((a, b) => (a.storePath < b.storePath ? -1 : 1));
    const plan = { paths, writeCacheInfo: !info, conflicts, problems: [], settings };
    if (fromLegs) {
        const toWrite = paths.filter((p) => p.action !== 'skip').map((p) => closure.get(p.storePath));
        const checked = await checkLegPaths(toWrite, settings);
        plan.uploads = checked.uploads;
        plan.problems.push(...checked.problems);
    }
    return plan;
}
/**
 * The leg files of the paths to write, checked before the first write: NARs compressed as
 * `cache-settings.compression` asks (publish uploads them as build-artifacts compressed them: no second
 * compression), and each NAR file's bytes those its narinfo's FileSize and FileHash name — the sha256
 * computed here is then the object's.
 */
async function checkLegPaths(paths, settings) {
    const problems = [];
    const want = settings.compression;
    if (want) {
        const other = paths.filter((c) => c.info.compression !== want);
        if (other.length) {
            const kinds = [...new Set(other.map((c) => c.info.compression))].sort().join(', ');
            problems.push(`cache-settings.compression is ${want}, but ${other.length} NAR(s) of the leg bundles are ${kinds} (e.g. ${other[0].narinfo}): publish uploads the legs' NARs as build-artifacts compressed them; set compression: ${kinds.split(', ')[0]} or leave it out`);
        }
    }
    const hashes = new Map();
    const uploads = new Map();
    await mapLimit([...paths], HASHING, async (c) => {
        const nar = c.nar;
        let got = hashes.get(nar);
        if (!got) {
            got = (0,hash/* sha256File */.Q)(nar);
            hashes.set(nar, got);
        }
        const upload = await checkNar(c.storePath, c.info, nar, c.narinfo ?? c.storePath, got, c.listing ?? null);
        if (typeof upload === 'string')
            problems.push(upload);
        else
            uploads.set(c.storePath, upload);
    });
    return { uploads, problems };
}
/**
 * The NAR file of `info`, if its bytes are what the narinfo says (FileSize, FileHash); otherwise the
 * problem, naming both files.
 */
async function checkNar(storePath, info, nar, narinfoFile, hashed, listing) {
    const { sha256, size } = await hashed;
    const badSize = info.fileSize !== undefined && info.fileSize !== size;
    const badHash = info.fileHash !== undefined && (0,narinfo/* hashHex */.Yy)(info.fileHash) !== sha256;
    if (badSize || badHash)
        return `${nar}: ${size} bytes with sha256 ${sha256}, but ${narinfoFile} says ${badSize ? `FileSize ${info.fileSize}` : `FileHash ${info.fileHash}`}: the NAR is not the one its narinfo names (damaged or changed); download or build the leg again`;
    return { storePath, info, nar, narSha256: sha256, narFileSize: size, listing };
}

;// CONCATENATED MODULE: ./src/publish/rules.ts




const rules_LOOKUPS = 16;
/** A file of the release (tree or manual), wanted at `key` of `dest`. */
function wanted(dest, key, f) {
    return { dest, key, source: f.source, size: f.size, sha256: f.sha256, contentType: contentTypeOf(key) };
}
/** One LIST of `prefix`: key → size (Known.listing). */
async function listing(sink, prefix) {
    return new Map((await sink.list(prefix)).map((x) => [x.key, x.size]));
}
/**
 * The sha256 stored with an object, or — for an object some other tool uploaded, which carries none —
 * the sha256 of its bytes read back. Never the ETag.
 */
async function storedSha256(sink, head) {
    if (head.sha256)
        return head.sha256;
    return (await sink.hash(head.key))?.sha256;
}
/**
 * The immutable rule. Same bytes → skip; absent → upload; other bytes → a conflict naming the key, or an
 * overwrite with `force`. With the index and a listing, an object listed at the indexed size with the
 * indexed sha256 equal to ours is skipped without a request; anything else is looked at.
 */
async function decideVersioned(sink, wanted, known, force) {
    const conflicts = [];
    const objects = await mapLimit(wanted, rules_LOOKUPS, async (w) => {
        const base = { ...w, kind: 'versioned' };
        const listed = known.listing?.get(w.key);
        // Known missing: uploaded, hashed only when the upload reaches it.
        if (known.listing && listed === undefined)
            return { ...base, action: 'upload' };
        const indexed = known.index?.get(w.key);
        if (listed === w.size &&
            indexed &&
            indexed.size === w.size &&
            indexed.sha256 === (await (0,hash/* ensureSha256 */.w)(base)))
            return { ...base, action: 'skip' };
        const head = await sink.head(w.key);
        if (!head)
            return { ...base, action: 'upload' };
        const theirs = head.size === w.size ? await storedSha256(sink, head) : undefined;
        const ours = await (0,hash/* ensureSha256 */.w)(base);
        if (theirs === ours)
            return { ...base, action: 'skip' };
        const what = `${describeKey(sink, w.key)} exists with other content (${head.size} bytes${theirs ? `, sha256 ${theirs.slice(0, 12)}…` : ''}; ours ${w.size} bytes, sha256 ${ours.slice(0, 12)}…)`;
        if (force)
            return { ...base, action: 'overwrite', reason: 'force' };
        conflicts.push(what);
        return { ...base, action: 'skip', reason: 'conflict' };
    });
    return { objects, conflicts };
}
/**
 * A pointer: replaced when its bytes differ, and only when this release may move it (`held` gives the
 * reason it may not: the maintenance rule, or a release that is not official).
 */
async function decidePointers(sink, wanted, held) {
    return mapLimit(wanted, rules_LOOKUPS, async (w) => {
        const base = { ...w, kind: 'pointer' };
        if (held)
            return { ...base, action: 'hold', reason: held };
        const head = await sink.head(w.key);
        if (!head)
            return { ...base, action: 'upload' };
        if (head.size === w.size && (await storedSha256(sink, head)) === (await (0,hash/* ensureSha256 */.w)(base)))
            return { ...base, action: 'skip' };
        return { ...base, action: 'replace' };
    });
}
/**
 * A pointer directory (the manual under MAJOR, nightly or stable): `aws s3 sync --delete` semantics — new
 * and changed files are replaced, files no longer in the manual are deleted — strictly under `prefix`.
 */
async function decideSync(sink, dest, prefix, files, held) {
    if (held)
        return files.map((w) => ({ ...w, kind: 'pointer', action: 'hold', reason: held }));
    const listed = await listing(sink, prefix);
    const objects = await mapLimit(files, rules_LOOKUPS, async (w) => {
        const base = { ...w, kind: 'pointer' };
        const size = listed.get(w.key);
        if (size === undefined)
            return { ...base, action: 'upload' };
        if (size !== w.size)
            return { ...base, action: 'replace' };
        const head = await sink.head(w.key);
        if (head && (await storedSha256(sink, head)) === (await (0,hash/* ensureSha256 */.w)(base)))
            return { ...base, action: 'skip' };
        return { ...base, action: head ? 'replace' : 'upload' };
    });
    const wantedKeys = new Set(files.map((f) => f.key));
    for (const [key, size] of listed)
        if (key.startsWith(prefix) && !wantedKeys.has(key))
            objects.push({ dest, key, size, sha256: '', kind: 'pointer', action: 'delete', reason: 'stale' });
    return objects;
}

;// CONCATENATED MODULE: ./src/publish/upload.ts









const newTally = () => ({ bytes: 0, objects: 0, deleted: 0, written: [] });
/** Pauses before looking again at what was just written (about 4 s in all). */
const LOOK_AGAIN_MS = [250, 1000, 3000];
/**
 * Reads what was just written until it is as expected, a few times with backoff, before calling it
 * missing or wrong: some S3-compatible servers (and caches in front of them) answer a read right after a
 * write from a replica that has not seen it yet. Returns the last read.
 */
async function readBack(read, ok) {
    let value = await read();
    for (const ms of LOOK_AGAIN_MS) {
        if (ok(value))
            break;
        await new Promise((r) => setTimeout(r, ms));
        value = await read();
    }
    return value;
}
/**
 * Writes the planned objects to one sink, `concurrency` at a time (each S3 sink also caps the request
 * bodies in flight), and verifies each after writing: the object must be there with our size and our
 * sha256. Objects are written in the order given only in the sense that this returns when all are
 * verified — callers sequence groups (NARs before narinfo, versioned files before pointers).
 */
async function writeObjects(sink, objects, o) {
    // One write per key: two entries for one key would race (and must agree).
    const byKey = new Map();
    for (const x of objects.filter(publish_plan/* writes */.D3)) {
        const seen = byKey.get(x.key);
        if (seen && seen.sha256 !== x.sha256)
            throw new Error(`internal: two different objects planned at ${x.key}`);
        byKey.set(x.key, x);
    }
    // Largest first: the big files start at once and the small ones fill the gaps, instead of a tail where
    // a few big uploads run alone.
    const todo = [...byKey.values()].sort((a, b) => b.size - a.size);
    if (todo.length === 0)
        return;
    const total = todo.reduce((n, x) => n + x.size, 0);
    o.log.info(`${o.label}: writing ${todo.length} object(s), ${(0,src_log/* formatBytes */.z3)(total)} to ${sink.location}`);
    const progress = new src_log/* Progress */.ke(o.log, o.label);
    let done = 0;
    let bytes = 0;
    const listed = (x) => o.verifyPrefix !== undefined && x.key.startsWith(o.verifyPrefix);
    await forEachLimit(todo, o.concurrency, async (x) => {
        if (!x.source && !x.bytes)
            throw new Error(`internal: no source for ${x.key}`);
        await putOne(sink, x);
        if (!listed(x)) {
            const back = await readBack(() => sink.head(x.key), (b) => b?.size === x.size && b.sha256 === x.sha256);
            if (!back || back.size !== x.size || back.sha256 !== x.sha256)
                throw new errors/* RelengError */.mz(`${describeKey(sink, x.key)}: verification after writing failed (${back ? `${back.size} bytes, sha256 ${back.sha256 ?? 'none'}` : 'not there'}; expected ${x.size} bytes, sha256 ${x.sha256}); run publish again`);
        }
        done++;
        bytes += x.size;
        o.tally.bytes += x.size;
        o.tally.objects++;
        o.tally.written.push({ dest: sink.location, key: x.key, size: x.size });
        progress.update(done, todo.length, bytes);
    });
    progress.update(done, todo.length, bytes, true);
    if (o.verifyPrefix !== undefined && todo.some(listed)) {
        // One LIST verifies a thousand objects: each must be there at its size (its sha256 went with its PUT).
        const prefix = o.verifyPrefix;
        const badIn = (sizes) => todo.filter((x) => listed(x) && sizes.get(x.key) !== x.size);
        const sizes = await readBack(async () => new Map((await sink.list(prefix)).map((x) => [x.key, x.size])), (s) => badIn(s).length === 0);
        const bad = badIn(sizes);
        if (bad.length)
            throw new errors/* RelengError */.mz(`${describeKey(sink, bad[0].key)}${bad.length > 1 ? ` and ${bad.length - 1} more` : ''}: verification after writing failed (${sizes.has(bad[0].key) ? `listed at ${sizes.get(bad[0].key)} bytes, expected ${bad[0].size}` : 'not listed'}); run publish again`);
    }
}
/**
 * A small file is read once — synchronously, into a pooled buffer: for a page-cached file that costs less
 * than a trip through the thread pool — hashed from memory when its sha256 is not known yet, and sent from
 * there. A large one is hashed (if need be) and streamed from the file.
 */
async function putOne(sink, x) {
    // A versioned object planned absent is claimed by its write (PutOptions.ifAbsent): a run that planned
    // the same while this one did cannot replace it, and neither can this one. Pointers move, and `force`
    // overwrites on purpose: those writes stay unconditional.
    const ifAbsent = x.kind === 'versioned' && x.action === 'upload';
    const options = () => ({
        sha256: x.sha256,
        size: x.size,
        contentType: x.contentType,
        ...(x.contentEncoding ? { contentEncoding: x.contentEncoding } : {}),
        ...(ifAbsent ? { ifAbsent } : {}),
    });
    if (x.bytes)
        return sink.putBytes(x.key, x.bytes, options());
    const source = x.source;
    if (x.size > buffers/* CHUNK */.m$) {
        await (0,hash/* ensureSha256 */.w)(x);
        await sink.put(x.key, source, options());
        return;
    }
    const buf = (0,buffers/* takeBuffer */.Ut)();
    try {
        const fd = external_node_fs_default().openSync(source, 'r');
        let n;
        try {
            n = external_node_fs_default().readSync(fd, buf, 0, buffers/* CHUNK */.m$, 0);
        }
        finally {
            external_node_fs_default().closeSync(fd);
        }
        if (n !== x.size)
            throw new errors/* RelengError */.mz(`${source}: ${n} bytes, expected ${x.size}; was it changed while publishing?`);
        const bytes = buf.subarray(0, n);
        if (!x.sha256)
            x.sha256 = (0,external_node_crypto_.createHash)('sha256').update(bytes).digest('hex');
        await sink.putBytes(x.key, bytes, options());
    }
    finally {
        (0,buffers/* giveBuffer */.Mc)(buf);
    }
}
async function deleteObjects(sink, objects, o) {
    const keys = objects.filter((x) => x.action === 'delete').map((x) => x.key);
    if (keys.length === 0)
        return;
    o.log.info(`${o.label}: deleting ${keys.length} stale object(s) under ${sink.location}`);
    await sink.delete(keys);
    o.tally.deleted += keys.length;
}

;// CONCATENATED MODULE: ./src/publish/cache.ts













/** Listings held in memory at once (read, encoded, written, then dropped). */
const LISTING_BATCH = 64;
/**
 * Publishes the paths the plan found missing: NARs and listings first, nix-cache-info, then each narinfo
 * only after the narinfos of its references — so a reader never finds a narinfo whose NAR, or whose
 * references, are missing. From leg bundles nothing runs but us: each narinfo is signed here and the NAR
 * uploaded as the leg holds it. From the local store (artifacts-dir), `nix copy` signs and compresses into
 * a work cache first, which is then uploaded the same way. Returns what was written.
 */
async function publishCache(o) {
    const wantedPaths = o.plan.paths.filter((p) => p.action !== 'skip').map((p) => p.storePath);
    if (wantedPaths.length === 0 && !o.plan.writeCacheInfo) {
        o.log.info(`cache: all ${o.plan.paths.length} store paths are in ${o.sink.location} already`);
        return [];
    }
    if (o.plan.uploads && !o.viaNix)
        return upload(o, wantedPaths.map((p) => o.plan.uploads.get(p)), { sign: true });
    const work = (0,work_dir/* makeWorkDir */.dW)(work_dir/* WORK_DIRS */.pS.cache);
    try {
        if (wantedPaths.length)
            await signWithNix(work, wantedPaths, o);
        return await upload(o, await workUploads(work, wantedPaths), { sign: false });
    }
    finally {
        external_node_fs_default().rmSync(work, { recursive: true, force: true });
    }
}
async function upload(o, uploads, how) {
    const replaced = new Set(o.plan.paths.filter((p) => p.action === 'replace').map((p) => p.storePath));
    const write = (objects, label) => writeObjects(o.sink, objects, { concurrency: o.concurrency, log: o.log, label, tally: o.tally });
    // NARs are named by the hash of their bytes: two store paths with identical contents share one, and the
    // same key with other bytes is damage, refused as such.
    const nars = new Map();
    for (const u of uploads)
        nars.set(u.info.url, {
            dest: 'cache',
            key: u.info.url,
            source: u.nar,
            size: u.narFileSize,
            sha256: u.narSha256,
            contentType: contentTypeOf(u.info.url),
        });
    const decided = await decideVersioned(o.sink, [...nars.values()], {}, o.force);
    if (decided.conflicts.length)
        throw new errors/* RelengErrors */.zg('the binary cache holds damaged files', decided.conflicts);
    await write(decided.objects, 'cache NARs');
    const written = decided.objects.filter((x) => x.action !== 'skip');
    const settings = o.plan.settings;
    if (settings['write-nar-listing']) {
        const listed = uploads.filter((u) => u.listing);
        for (let i = 0; i < listed.length; i += LISTING_BATCH) {
            const batch = await Promise.all(listed.slice(i, i + LISTING_BATCH).map(async (u) => {
                const encoded = await encodeBody(external_node_fs_default().readFileSync(u.listing), settings['ls-compression']);
                // A listing is claimed like its narinfo, but replaced with it (and under `force`: one left by a
                // killed run of another build, whose narinfo never appeared).
                const action = o.force || replaced.has(u.storePath) ? 'overwrite' : 'upload';
                return bytesObject((0,narinfo/* listingKey */._L)(u.storePath), encoded, action);
            }));
            await write(batch, 'cache listings');
            written.push(...batch);
        }
    }
    if (o.plan.writeCacheInfo) {
        // As nix writes it into a new cache.
        const info = bytesObject('nix-cache-info', { bytes: Buffer.from(`StoreDir: ${narinfo/* STORE_DIR */.SF}\n`) }, 'upload');
        await write([info], 'cache info');
        written.push(info);
    }
    const byPath = new Map(uploads.map((u) => [u.storePath, u]));
    for (const layer of cache_layers([...byPath.keys()], o.closure)) {
        const objects = await Promise.all(layer.map(async (p) => {
            const u = byPath.get(p);
            const info = how.sign && o.key ? signNarInfo(u.info, o.key) : u.info;
            const encoded = await encodeBody(Buffer.from((0,narinfo/* formatNarInfo */.Nt)(info)), settings['narinfo-compression']);
            return bytesObject((0,narinfo/* narInfoKey */.Pn)(p), encoded, replaced.has(p) ? 'overwrite' : 'upload');
        }));
        await write(objects, 'cache narinfo');
        written.push(...objects);
    }
    return written;
}
/** A small object made here (narinfo, listing, nix-cache-info), written from memory. */
function bytesObject(key, encoded, action) {
    return {
        dest: 'cache',
        key,
        bytes: encoded.bytes,
        size: encoded.bytes.length,
        sha256: (0,external_node_crypto_.createHash)('sha256').update(encoded.bytes).digest('hex'),
        contentType: contentTypeOf(key),
        ...(encoded.contentEncoding ? { contentEncoding: encoded.contentEncoding } : {}),
        kind: 'versioned',
        action,
    };
}
/**
 * `nix copy` of the paths (and their closures: a binary cache refuses a path whose references it lacks)
 * into the work cache, signed with the key in a temp file, compressed as `cache-settings` asks.
 */
async function signWithNix(work, paths, o) {
    const bySource = new Map();
    for (const p of paths) {
        const from = o.closure.get(p)?.cache;
        bySource.set(from, [...(bySource.get(from) ?? []), p]);
    }
    const settings = o.plan.settings;
    const copy = async (keyFile) => {
        for (const [from, group] of bySource)
            await o.log.group(`nix copy ${group.length} path(s) into the ${keyFile ? 'signed' : 'unsigned'} work cache`, () => copyToSignedCache({
                from: from ? `file://${from}` : undefined,
                to: work,
                keyFile,
                compression: settings.compression,
                writeNarListing: settings['write-nar-listing'],
                paths: group,
                log: o.log,
            }));
    };
    if (o.key)
        await withKeyFile(o.key, copy);
    else
        await copy();
}
/** The wanted paths as nix wrote them into the work cache, checked as a leg's are. */
async function workUploads(work, paths) {
    if (paths.length === 0)
        return [];
    const infos = new Map((0,narinfo/* readCacheDir */.Yx)(work).map((i) => [i.storePath, i]));
    const out = [];
    const problems = [];
    for (const p of paths) {
        const info = infos.get(p);
        if (!info) {
            problems.push(`${p}: nix copy did not write it into the work cache ${work}`);
            continue;
        }
        const nar = external_node_path_default().join(work, ...info.url.split('/'));
        const listing = external_node_path_default().join(work, (0,narinfo/* listingKey */._L)(p));
        const { file: _f, ...fields } = info;
        const checked = await checkNar(p, fields, nar, info.file, (0,hash/* sha256File */.Q)(nar), external_node_fs_default().existsSync(listing) ? listing : null);
        if (typeof checked === 'string')
            problems.push(checked);
        else
            out.push(checked);
    }
    if (problems.length)
        throw new errors/* RelengErrors */.zg('signing the cache with nix copy went wrong', problems);
    return out;
}
/** Paths grouped so that each group's references are in earlier groups (or already published). */
function cache_layers(paths, closure) {
    const pending = new Set(paths);
    const out = [];
    while (pending.size) {
        const ready = [...pending].filter((p) => (closure.get(p)?.references ?? []).every((r) => r === p || !pending.has(r)));
        // A reference cycle cannot happen in a store; if it did, publish the rest together rather than hang.
        const layer = ready.length ? ready : [...pending];
        for (const p of layer)
            pending.delete(p);
        out.push(layer.sort());
    }
    return out;
}

;// CONCATENATED MODULE: ./src/publish/claim.ts







/**
 * The release's claim: one small object in the version directory, holding the sha256 of the whole tree
 * (every versioned object's key, size and sha256), written `ifAbsent` before the first file of the tree.
 * Each file is claimed by its own write too, but two runs that write at once could each win some files
 * and both fail, leaving a mix; one claim up front makes the race one write: the run that loses it has
 * written nothing of the tree. A claim with our digest is ours (a re-run, a resume, the same release
 * published twice at once); `force` replaces another's. Not written when the tree has nothing to write,
 * so a re-run after success sends nothing. Kept after success: it is what a later run compares against.
 */
async function claimRelease(sink, claim, objects) {
    if (!objects.some(publish_plan/* writes */.D3))
        return undefined;
    const { version } = claim;
    const tree = [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // Files of an artifacts dir are hashed here rather than as each upload reaches them (remembered, so
    // not twice); files of leg bundles carry the sha256 their build recorded.
    const lines = await mapLimit(tree, 4, async (x) => `${await (0,hash/* ensureSha256 */.w)(x)} ${x.size} ${x.key}\n`);
    const digest = (0,external_node_crypto_.createHash)('sha256').update(lines.join('')).digest('hex');
    const bytes = Buffer.from(`${JSON.stringify({ schema: 1, version, tree: digest })}\n`);
    const sha256 = (0,external_node_crypto_.createHash)('sha256').update(bytes).digest('hex');
    try {
        await sink.putBytes(claim.key, bytes, {
            sha256,
            size: bytes.length,
            contentType: 'application/json',
            ...(claim.force ? {} : { ifAbsent: true }),
        });
    }
    catch (e) {
        if (!(e instanceof ClaimLost))
            throw e;
        throw new errors/* RelengError */.mz(`${describeKey(sink, claim.key)} was written by a concurrent publish with different content (another run publishes ${version} with other files, or one that was stopped did); nothing of this run's tree was written — let that run finish and check which build is the release, then run publish again (force: true replaces that run's bytes with these)`, { cause: e });
    }
    return {
        // A server that ignores If-None-Match (Garage, s3rver: docs/reliability.md) lets the last claim win
        // silently. Looked at again before the first pointer moves: a run whose claim was replaced stops
        // there, so it never moves the pointers or writes the index of a release that is not its own.
        async confirm() {
            // Looked at again a few times before it is called replaced: a lagging replica may answer 404.
            const there = await readBack(() => sink.head(claim.key), (b) => b?.sha256 === sha256);
            if (there?.sha256 === sha256)
                return;
            throw new errors/* RelengError */.mz(`${describeKey(sink, claim.key)} was replaced by a concurrent publish of ${version} with different content (this server does not honour If-None-Match); no pointer was moved and no index written by this run — let that run finish and check which build is the release and that the tree is its own, then run publish again (force: true replaces that run's bytes with these)`);
        },
    };
}

;// CONCATENATED MODULE: ./src/git/merge-back.ts
/**
 * The tag stage's merge-back commit (the reference's `git merge -s ours VERSION`): made by tag, looked for
 * by publish's push-branch to find the branch that carries the release.
 */
function mergeBackSubject(version) {
    return `release: merge release ${version} back to mainline`;
}
/** The whole message: the subject, the reference's body, and `trailer` (the tool's line). */
function mergeBackMessage(version, trailer) {
    return `${mergeBackSubject(version)}\n\nThis merge commit returns to the previous state prior to the release but leaves the tag in the branch history.\n${trailer}`;
}
/** Whether the history of `oid` holds the merge-back of `version`. */
async function hasMergeBack(git, version, oid) {
    // git's --grep is a basic regular expression: escape what is special there (not `+?(){}|`, literal in it).
    const subject = mergeBackSubject(version).replace(/[.*[\]^$\\]/g, '\\$&');
    return (await git.out(['log', '--format=%H', '--merges', `--grep=^${subject}$`, '-1', oid])) !== '';
}

;// CONCATENATED MODULE: ./src/git/push.ts




/**
 * A remote from releng.yml: URLs and scp-like `user@host:path` stay as they are; paths are relative to the
 * checkout. One git could read as an option, or a transport helper, is refused (src/git/remote.ts).
 */
function resolveRemote(remote, dir) {
    checkRemote(remote);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || /^[^/\s]+@[^/\s]+:/.test(remote))
        return remote;
    return external_node_path_default().resolve(dir, remote);
}
/**
 * What git said when it could not reach a remote, without its boilerplate ("Could not read from remote
 * repository", "make sure you have the correct access rights"), so ssh's own reason ("Permission denied
 * (publickey)", "Host key verification failed") is what the line shows.
 */
function gitComplaint(stderr) {
    const boilerplate = /^(fatal: Could not read from remote repository\.|Please make sure you have the correct access rights|and the repository exists\.)$/;
    const lines = stderr.split('\n').filter((l) => l.trim() && !boilerplate.test(l.trim()));
    return tail(lines.join('\n'), 2);
}
/** The remote's refs (`git ls-remote`), ref → object id; the error names the remote without credentials. */
async function remoteRefs(git, remote, patterns = []) {
    checkRemote(remote);
    // `--`: nothing after it is an option, whatever the remote says.
    const r = await git.run(['ls-remote', '--', remote, ...patterns], { allowFailure: true });
    if (r.code !== 0)
        throw new errors/* RelengError */.mz(`git remote ${remote} is not reachable: ${gitComplaint(r.stderr)}; check git-remote in releng.yml and the credentials`);
    const refs = new Map();
    for (const line of r.stdout.split('\n')) {
        const [oid, ref] = line.split('\t');
        if (!oid || !ref)
            continue;
        // The server's answer: an object id that is not one would reach git's command line (merge-base).
        if (!OID.test(oid))
            checkOid(oid, `git remote ${remote}, ref ${ref.slice(0, 200)}`);
        refs.set(ref, oid);
    }
    return refs;
}
/**
 * Where a ref stands on the remote against our object: absent, the same object, an ancestor of ours
 * (`behind`: a fast-forward), a descendant of ours (`ahead`: it has ours already), or something else.
 * An object the checkout does not have counts as `different`.
 */
async function refState(git, refs, ref, oid) {
    const remoteOid = refs.get(ref);
    if (!remoteOid)
        return { oid, ref, state: 'absent' };
    if (remoteOid === oid)
        return { oid, ref, state: 'same', remoteOid };
    if (await git.ok(['merge-base', '--is-ancestor', remoteOid, oid]))
        return { oid, ref, state: 'behind', remoteOid };
    if (await git.ok(['merge-base', '--is-ancestor', oid, remoteOid]))
        return { oid, ref, state: 'ahead', remoteOid };
    return { oid, ref, state: 'different', remoteOid };
}
/** `git push [-f] REMOTE OID:REF`, with `--dry-run` to check access and refusals without writing. */
async function pushRef(git, remote, oid, ref, o = {}) {
    checkRemote(remote);
    checkOid(oid, `git push of ${ref}`);
    checkRef(ref);
    const args = [
        'push',
        '--porcelain',
        ...(o.force ? ['--force'] : []),
        ...(o.dryRun ? ['--dry-run'] : []),
        '--',
        remote,
        `${oid}:${ref}`,
    ];
    const r = await git.run(args, { allowFailure: true });
    if (r.code !== 0) {
        // --porcelain puts the refusal and its reason on a `!` line of stdout; stderr only says it failed.
        const refusal = r.stdout.split('\n').find((l) => l.startsWith('!'));
        const reason = refusal?.split('\t').slice(2).join(' ').trim();
        // A hook's own words ("remote: …" lines) say more than its "hook declined".
        const remoteSays = r.stderr
            .split('\n')
            .filter((l) => l.startsWith('remote: ') && l.slice(8).trim() && !/^error: hook declined/.test(l.slice(8)))
            .map((l) => l.slice(8).trim())
            .slice(-2)
            .join(' | ');
        const why = reason
            ? `${reason}${remoteSays ? ` (remote: ${remoteSays})` : ''}`
            : gitComplaint(r.stderr || r.stdout);
        throw new errors/* RelengError */.mz(`git push of ${ref} to ${remote}${o.dryRun ? ' (dry run)' : ''} ${refusal ? 'was rejected' : 'failed'}: ${why}`);
    }
}

;// CONCATENATED MODULE: ./src/publish/git-steps.ts





/** `release-X.Y` for a new major's first release (X.Y.0), the seed's hand step; else undefined. */
function maintenanceBranch(version) {
    const m = /^(\d+)\.(\d+)\.0$/.exec(version);
    return m ? `release-${m[1]}.${m[2]}` : undefined;
}
/** Gerrit's answer to a commit already under review (or merged): the change exists, nothing to do. */
const NO_NEW_CHANGES = /no new changes/i;
/**
 * Where the tag and branches stand on the remote, and whether we may push them — checked with
 * `git push --dry-run`, which authenticates with push scope and sees refusals, writing nothing. Decided
 * here, carried out by executeGit: the branch (fast-forward, or for review on Gerrit), then a new major's
 * release-X.Y, then the tag — the forge must know the commit a tag names before it gets the tag.
 */
async function planGit(git, remote, version, o) {
    const mode = o.mode ?? 'direct';
    const plan = { remote, mode, notes: [], problems: [] };
    let refs;
    try {
        refs = await remoteRefs(git, remote);
    }
    catch (e) {
        plan.problems.push(e.message);
        return plan;
    }
    let history;
    const check = async (p, force = false) => {
        // A push needs history the remote may lack; --dry-run cannot see a remote's shallow refusal.
        history ??= fullHistory(git);
        const problem = await history;
        if (problem) {
            if (!plan.problems.includes(problem))
                plan.problems.push(problem);
            return;
        }
        try {
            await pushRef(git, remote, p.oid, p.ref, { force, dryRun: true });
        }
        catch (e) {
            plan.problems.push(e.message);
        }
    };
    if (o.tag) {
        const oid = (await git.run(['rev-parse', '--verify', '--quiet', `refs/tags/${version}`], { allowFailure: true })).stdout.trim();
        if (!oid)
            plan.problems.push(`tag ${version} is not in the checkout ${git.dir}; run the tag stage (or fetch the tag), or pass skip: tag`);
        else {
            const state = await refState(git, refs, `refs/tags/${version}`, oid);
            plan.tag = { ...state, force: state.state === 'different' && o.forcePushTag };
            if (plan.tag.state === 'same')
                plan.notes.push(`tag ${version}: on ${remote} already`);
            else if (plan.tag.state === 'absent') {
                plan.notes.push(`tag ${version}: to push to ${remote}`);
                await check(plan.tag);
            }
            else if (!o.forcePushTag)
                plan.problems.push(`tag ${version} on ${remote} is ${plan.tag.remoteOid?.slice(0, 12)}, not ours (${oid.slice(0, 12)}); pass force-push-tag to move it`);
            else {
                plan.notes.push(`tag ${version}: to move on ${remote} (force-push-tag)`);
                await check(plan.tag, true);
            }
        }
    }
    if (o.branch) {
        const branch = await releaseBranch(git, version);
        if (!branch)
            plan.problems.push(`push-branch: no local branch carries release ${version} (the tag stage's merge-back); check out the branch it was merged into`);
        else {
            const push = await refState(git, refs, `refs/heads/${branch.name}`, branch.oid);
            const to = mode === 'gerrit' ? `refs/for/${branch.name}` : push.ref;
            plan.branch = { name: branch.name, push, to, action: 'none', why: 'already there' };
            if (push.state === 'same' || push.state === 'ahead')
                plan.notes.push(`branch ${branch.name}: on ${remote} already`);
            else if (mode === 'gerrit') {
                plan.branch.action = 'review';
                // Gerrit merges the review later: a branch that moved on meanwhile is no reason to stop.
                plan.notes.push(`branch ${branch.name}: to push for review to ${to} on ${remote}, before the tag`);
                await check({ oid: branch.oid, ref: to });
            }
            else if (push.state === 'different')
                plan.problems.push(`branch ${branch.name} on ${remote} has diverged from the local one; merge ${remote}'s ${branch.name} into it first`);
            else {
                plan.branch.action = 'push';
                plan.notes.push(`branch ${branch.name}: to push to ${remote}, before the tag`);
                await check(push);
            }
            const name = maintenanceBranch(version);
            if (name) {
                // A new branch even on Gerrit (its Create Reference right): refs/for/ needs an existing branch.
                const mPush = await refState(git, refs, `refs/heads/${name}`, branch.oid);
                const createLocal = !(await git.ok(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`]));
                const pending = mPush.state === 'absent' || mPush.state === 'behind';
                const why = mPush.state === 'different' ? 'left alone (diverged)' : 'already there';
                plan.maintenance = {
                    name,
                    push: mPush,
                    to: mPush.ref,
                    createLocal,
                    action: pending ? 'push' : 'none',
                    why,
                };
                if (pending) {
                    plan.notes.push(`branch ${name}: new major — to create at ${branch.oid.slice(0, 12)} and push`);
                    await check(mPush);
                }
                else if (mPush.state === 'different')
                    plan.notes.push(`branch ${name}: exists on ${remote} at another commit; left alone`);
                else
                    plan.notes.push(`branch ${name}: on ${remote} already`);
            }
        }
    }
    return plan;
}
/**
 * A shallow clone (actions/checkout's default) cannot push a tag to a remote without its history: the
 * remote refuses ("shallow update not allowed"). Fetch the rest from origin before the first push is
 * checked; if that is impossible, say how to check out instead.
 */
async function fullHistory(git) {
    if ((await git.out(['rev-parse', '--is-shallow-repository'])) !== 'true')
        return undefined;
    const r = await git.run(['fetch', '--quiet', '--unshallow', '--no-tags', 'origin'], { allowFailure: true });
    if (r.code === 0)
        return undefined;
    return `${git.dir} is a shallow clone, and its history could not be fetched from origin (${tail(r.stderr, 1)}); a shallow clone cannot push the tag — check out with full history (actions/checkout: fetch-depth: 0)`;
}
/** The branch the tag stage merged the release into: a local branch containing the release, its merge-back first. */
async function releaseBranch(git, version) {
    const commit = (await git.run(['rev-parse', '--verify', '--quiet', `${version}^{commit}`], { allowFailure: true })).stdout.trim();
    if (!commit)
        return undefined;
    const out = await git.out([
        'for-each-ref',
        '--contains',
        commit,
        '--format=%(refname:short) %(objectname)',
        'refs/heads/',
    ]);
    const branches = out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
        const [name, oid] = l.split(' ');
        return { name: name, oid: oid };
    })
        // The maintenance branch a new major creates at the same commit is not the release branch.
        .filter((b) => b.name !== maintenanceBranch(version));
    if (branches.length <= 1)
        return branches[0];
    for (const b of branches)
        if (await hasMergeBack(git, version, b.oid))
            return b;
    throw new errors/* RelengError */.mz(`push-branch: several local branches carry release ${version} (${branches.map((b) => b.name).join(', ')}); keep only the one to push`);
}
/**
 * The branch, the maintenance branch, then the tag — each only when the plan says the remote lacks it. A
 * re-run finds each already there (on Gerrit, a change already under review is "no new changes").
 */
async function executeGit(git, plan, log) {
    const rows = [];
    for (const b of [plan.branch, plan.maintenance]) {
        if (!b)
            continue;
        if (b.createLocal)
            await git.run(['branch', '--no-track', b.name, b.push.oid]);
        if (b.action === 'none') {
            rows.push([b.push.ref, b.why ?? 'already there', plan.remote]);
            continue;
        }
        try {
            await pushRef(git, plan.remote, b.push.oid, b.to);
        }
        catch (e) {
            // Gerrit's answer to a change it has already: what a re-run meets, not a failure.
            if (b.action !== 'review' || !NO_NEW_CHANGES.test(e.message))
                throw e;
            rows.push([b.to, 'already under review', plan.remote]);
            continue;
        }
        log.info(`pushed ${b.to} to ${plan.remote}`);
        rows.push([b.to, b.action === 'review' ? 'pushed for review' : 'pushed', plan.remote]);
    }
    if (plan.tag) {
        const t = plan.tag;
        if (t.state === 'same')
            rows.push([t.ref, 'already there', plan.remote]);
        else {
            await pushRef(git, plan.remote, t.oid, t.ref, { force: t.force });
            log.info(`pushed ${t.ref} to ${plan.remote}`);
            rows.push([t.ref, t.state === 'absent' ? 'pushed' : 'moved (force-push-tag)', plan.remote]);
        }
    }
    return { rows };
}
/** The tag and branch steps of the plan, with the git plan's notes (and why a step does not run). */
function gitSteps(plan, o) {
    const notes = plan?.notes ?? [];
    return [
        (0,publish_plan/* newStep */.zu)('tag', {
            target: o.remote,
            notes: notes.filter((n) => n.startsWith('tag')),
            skipped: o.tagSkipped,
        }),
        (0,publish_plan/* newStep */.zu)('branch', {
            target: o.remote,
            notes: notes.filter((n) => !n.startsWith('tag')),
            skipped: o.branchSkipped,
        }),
    ];
}

// EXTERNAL MODULE: ./src/release/tree.ts
var release_tree = __webpack_require__(3333);
;// CONCATENATED MODULE: ./src/publish/index-object.ts





async function readIndex(sink, key, version, log) {
    const out = new Map();
    const bytes = await sink.get(key);
    if (!bytes)
        return out;
    let data;
    try {
        data = JSON.parse(bytes.toString('utf8'));
    }
    catch {
        log.warning(`${sink.location}/${key}: not JSON; ignoring it (every object will be checked one by one)`);
        return out;
    }
    if (data?.schema !== 1 || data.version !== version || typeof data.objects !== 'object') {
        log.warning(`${sink.location}/${key}: not an index of ${version} this releng reads; ignoring it`);
        return out;
    }
    for (const [dest, objects] of Object.entries(data.objects))
        out.set(dest, new Map(Object.entries(objects ?? {})));
    return out;
}
function renderIndex(version, index) {
    const objects = {};
    for (const dest of [...index.keys()].sort()) {
        const entries = [...index.get(dest).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        if (entries.length)
            objects[dest] = Object.fromEntries(entries.map(([k, v]) => [k, { size: v.size, sha256: v.sha256 }]));
    }
    const doc = { schema: 1, version, objects };
    return `${JSON.stringify(doc, null, 1)}\n`;
}
/**
 * The index after this run: what it had, plus every versioned object now verified there. Written (and
 * verified) only when its bytes change, so a re-run after success writes nothing.
 */
async function writeIndex(sink, name, version, index, verified, log, tally) {
    for (const [dest, objects] of Object.entries(verified)) {
        const m = index.get(dest) ?? new Map();
        for (const x of objects)
            m.set(x.key, { size: x.size, sha256: x.sha256 });
        if (m.size)
            index.set(dest, m);
    }
    const bytes = Buffer.from(renderIndex(version, index));
    const key = (0,release_tree/* indexKey */.mh)(name, version);
    if ((await sink.get(key))?.equals(bytes))
        return;
    const sha256 = (0,external_node_crypto_.createHash)('sha256').update(bytes).digest('hex');
    await sink.putBytes(key, bytes, { sha256, size: bytes.length, contentType: 'application/json' });
    const back = await readBack(() => sink.head(key), (b) => b?.sha256 === sha256);
    if (back?.sha256 !== sha256)
        throw new errors/* RelengError */.mz(`${describeKey(sink, key)}: verification after writing failed; run publish again`);
    log.info(`release index: ${describeKey(sink, key)} (${index.get('releases')?.size ?? 0} objects)`);
    tally.bytes += bytes.length;
    tally.objects++;
    tally.written.push({ dest: sink.location, key, size: bytes.length });
}

// EXTERNAL MODULE: ./src/summary.ts
var summary = __webpack_require__(8855);
;// CONCATENATED MODULE: ./src/publish/notes.ts


/**
 * This version's section of the release notes (`OUTPUT-DIR/rl-MAJOR.md`, written by prepare): from its
 * `# PRODUCT VERSION (DATE)` heading to the next top-level heading. Undefined when there is none.
 */
function versionNotes(dir, outputDir, product, version, major) {
    // (The file name is built apart from the path call: ncc would take `path.resolve(dir, …, 'x.md')` for an
    // asset of the build machine's working directory and rewrite it into the bundle.)
    const file = external_node_path_default().join(external_node_path_default().resolve(dir, outputDir), notesFileName(major));
    let text;
    try {
        text = external_node_fs_default().readFileSync(file, 'utf8');
    }
    catch {
        return undefined;
    }
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith(`# ${product} ${version} (`) || l.trim() === `# ${product} ${version}`);
    if (start < 0)
        return undefined;
    let end = lines.findIndex((l, i) => i > start && /^# /.test(l));
    if (end < 0)
        end = lines.length;
    return lines
        .slice(start + 1, end)
        .join('\n')
        .trim();
}
function notesFileName(major) {
    return `rl-${major}.md`;
}

;// CONCATENATED MODULE: ./src/publish/release-page.ts






/** The page body: the notes, then (where the forge has no link assets) a table of downloads. */
function releaseBody(c, linkAssets) {
    const parts = [c.notes?.trim() || `Release ${c.tag}.`];
    if (!linkAssets && c.links.length) {
        parts.push([
            '### Downloads',
            '',
            '| file | size | sha256 |',
            '| --- | --- | --- |',
            ...c.links.map((l) => `| [${(0,summary/* markdownText */.p7)(l.name)}](${(0,summary/* markdownUrl */.$x)(l.url)}) | ${(0,src_log/* formatBytes */.z3)(l.size)} | \`${l.sha256}\` |`),
        ].join('\n'));
    }
    if (c.extra.length)
        parts.push(c.extra.join('\n'));
    return `${parts.join('\n\n')}\n`;
}
/**
 * The forge release page is a pointer: created when missing, updated when its text differs, left alone when
 * equal. Links become external assets on Forgejo (added, or re-pointed when their URL changed; uploaded
 * assets of the same name are kept); on GitHub they are part of the body.
 */
async function syncReleasePage(client, c, o) {
    const fields = {
        tag: c.tag,
        name: c.title,
        body: releaseBody(c, client.linkAssets),
        prerelease: c.prerelease,
        latest: c.latest,
    };
    const existing = await client.getByTag(c.tag);
    let action;
    let release = existing;
    if (!existing)
        action = 'create';
    else if (existing.name !== fields.name ||
        existing.body.trim() !== fields.body.trim() ||
        existing.prerelease !== fields.prerelease)
        action = 'update';
    else
        action = 'unchanged';
    if (!o.dryRun) {
        if (action === 'create')
            release = await client.create(fields);
        else if (action === 'update' && existing)
            release = await client.update(existing.id, fields);
    }
    const links = [];
    if (client.linkAssets) {
        for (const l of c.links) {
            const asset = release?.assets.find((a) => a.name === l.name);
            if (!asset) {
                links.push({ name: l.name, action: 'add' });
                if (!o.dryRun && release)
                    await client.addLink(release.id, l.name, l.url);
            }
            else if (!asset.external)
                links.push({ name: l.name, action: 'kept' });
            else if (asset.url !== l.url) {
                links.push({ name: l.name, action: 'update' });
                if (!o.dryRun && release)
                    await client.updateLink(release.id, asset.id, l.url);
            }
            else
                links.push({ name: l.name, action: 'unchanged' });
        }
    }
    o.log.info(`release page ${c.tag} on ${client.kind} (${client.repository}): ${action}${o.dryRun ? ' (dry run)' : ''}`);
    return { action, url: release?.htmlUrl, links };
}
/**
 * What the release page of this version says: its section of the release notes, the version directory's
 * files and the installers as links (public-urls in releng.yml), the cache with its public key, the manual.
 */
async function pageContent(o) {
    const { name, product } = o.config;
    const { version, major } = o.info;
    const urls = o.environment['public-urls'] ?? {};
    const base = (u) => u.replace(/\/+$/, '');
    const links = [];
    const link = (linkName, url, f) => links.push({ name: linkName, url, size: f.size, sha256: f.sha256, source: f.source });
    if (urls.releases)
        for (const f of o.release.files) {
            const file = (0,release_tree/* belowVersionDir */.hu)(name, version, f.path);
            if (file !== undefined && !file.includes('/'))
                link(file, `${base(urls.releases)}/${f.path}`, f);
        }
    if (urls.install)
        for (const f of o.release.files) {
            const system = (0,release_tree/* parseInstaller */.GE)(name, f.path);
            const inst = system && release_tree/* names */.Dy.installer(name, system);
            if (inst && !links.some((l) => l.name === inst))
                link(inst, `${base(urls.install)}/${(0,release_tree/* inVersionDir */.xM)(name, version, inst)}`, f);
        }
    // The download table shows each file's sha256 (hashed now if the upload did not need it).
    for (const l of links)
        l.sha256 = await (0,hash/* ensureSha256 */.w)({ source: l.source, sha256: l.sha256 });
    const extra = [];
    if (urls.cache)
        extra.push(`Binary cache: ${base(urls.cache)}${o.publicKey ? ` (public key \`${o.publicKey}\`)` : ''}`);
    if (urls.docs && o.release.manualDir)
        extra.push(`Manual: ${base(urls.docs)}/${(0,release_tree/* manualPrefix */.VH)(name, (0,release_tree/* manualLabel */.zC)(o.info.officialRelease, major))}`);
    if (!urls.releases)
        o.log.info('release page: no public-urls.releases in releng.yml, so no download links');
    return {
        tag: version,
        title: `${product} ${version}${o.info.releaseName ? ` "${o.info.releaseName}"` : ''}`,
        notes: versionNotes(o.dir, o.config.notes['output-dir'], product, version, major),
        links,
        extra,
        prerelease: !/^\d+\.\d+(\.\d+)?$/.test(version),
        latest: o.latest,
    };
}
/** The release page's step: what the page will say, and — in a dry run — what syncing it would do. */
async function planReleasePage(o) {
    const notes = [...o.notes];
    if (!o.forge)
        return {
            step: (0,publish_plan/* newStep */.zu)('release-page', { notes, skipped: o.skip ? 'skip: release-page' : notes[0] }),
        };
    const content = await o.content();
    const result = o.dryRun ? await syncReleasePage(o.forge, content, { dryRun: true, log: o.log }) : undefined;
    if (result)
        notes.push(result.action);
    const target = `${o.forge.kind}:${o.forge.repository}`;
    return { step: (0,publish_plan/* newStep */.zu)('release-page', { target, notes }), content, result };
}

;// CONCATENATED MODULE: ./src/publish/execute.ts






/**
 * Publishes in order — cache (NARs before narinfo) → docker images and `{version}` tags → release tree →
 * installers → manual → the release's index → pointers (root manifest.nix, docs stable, installers, then
 * the `{major}`/`latest` image tags) → git branches, then the tag (the forge must know the commit a tag
 * names: Lix pushes the branch first, to Gerrit for review) → release page — so that nothing a reader can
 * reach points at something missing; each group is verified before the next starts. The index describes
 * the release's own objects, so it goes with them: the pointers are the last public step.
 */
async function execute(x) {
    const { log, concurrency } = x;
    const tally = newTally();
    const out = { tally, images: [], imagePointers: [], git: [] };
    if (x.cache?.work) {
        const written = await publishCache({
            ...x.cache.work,
            key: x.key,
            force: x.force,
            concurrency,
            log,
            tally,
        });
        // The step now lists the objects written (NARs, listings, narinfo) beside the store paths already there.
        const step = x.cache.step;
        step.objects = [...step.objects.filter((o) => o.action === 'skip'), ...written];
    }
    const docker = x.docker;
    const published = docker &&
        docker.request.pushImages !== false &&
        (await log.group('docker images', () => docker.step.publish(docker.request)));
    if (published)
        out.images.push(...Object.entries(published.digests));
    let held;
    const writeGroups = async (groups) => {
        for (const w of groups) {
            if (w.claim)
                held = await claimRelease(w.sink, w.claim, w.objects);
            await writeObjects(w.sink, w.objects, {
                concurrency,
                log,
                label: w.label,
                tally,
                verifyPrefix: w.verifyPrefix,
            });
            await deleteObjects(w.sink, w.objects, { log, label: w.label, tally });
        }
    };
    await writeGroups(x.writes);
    // The release's claim read back before anything points at the release (the index, then the pointers).
    await held?.confirm();
    if (x.index) {
        const i = x.index;
        await writeIndex(i.sink, i.name, i.version, i.known, i.verified, log, tally);
    }
    await writeGroups(x.pointers ?? []);
    // The image pointers last: a tag never names a release whose files are not all there.
    if (docker)
        out.imagePointers = await log.group('docker pointer tags', () => docker.step.movePointers(docker.request, published || undefined));
    if (x.git)
        out.git.push(...(await executeGit(x.git.git, x.git.plan, log)).rows);
    if (x.page) {
        const page = await syncReleasePage(x.page.forge, x.page.content, { dryRun: false, log });
        x.page.step.notes.push(`${page.action}${page.url ? ` ${page.url}` : ''}`);
        out.page = page;
    }
    return out;
}

;// CONCATENATED MODULE: ./src/publish/plan-docs.ts



/**
 * The manual of this major (or `nightly` for a release that is not official): a pointer directory, synced
 * (new and changed pages written, stale ones deleted); held when a newer release of the major exists.
 */
async function planDocs(o) {
    const d = o.destination;
    if (!d)
        return { step: (0,publish_plan/* newStep */.zu)('docs', { skipped: o.skipped }), writes: [], conflicts: [] };
    const label = (0,release_tree/* manualLabel */.zC)(o.officialRelease, o.major);
    const prefix = (0,release_tree/* manualPrefix */.VH)(o.name, label);
    const held = o.officialRelease ? o.heldMajor : undefined;
    const objects = await decideSync(d.sink, 'docs', prefix, o.manual.map((f) => wanted('docs', prefix + f.path, f)), held);
    return {
        step: (0,publish_plan/* newStep */.zu)('docs', {
            objects,
            target: d.location,
            notes: [`manual → ${prefix}${held ? ` held: ${held}` : ''}`],
        }),
        writes: [{ sink: d.sink, objects, label: `manual ${label}`, verifyPrefix: prefix }],
        conflicts: [],
    };
}

;// CONCATENATED MODULE: ./src/publish/plan-installers.ts



/** The installer binaries of a release tree (`NAME-installer-SYSTEM`, wherever they sit in it), by system. */
function installersOf(name, files) {
    return files.flatMap((file) => {
        const system = (0,release_tree/* parseInstaller */.GE)(name, file.path);
        return system ? [{ system, file }] : [];
    });
}
/** The installers in the install destination, versioned: `NAME/NAME-VERSION/NAME-installer-SYSTEM`. */
async function planInstallers(o) {
    const d = o.destination;
    if (!d)
        return { step: (0,publish_plan/* newStep */.zu)('installers', { skipped: o.skipped }), writes: [], conflicts: [] };
    const prefix = (0,release_tree/* versionPrefix */.J9)(o.name, o.version);
    const known = { index: o.index.get('install'), listing: await listing(d.sink, prefix) };
    const objects = installersOf(o.name, o.files).map(({ system, file }) => wanted('install', (0,release_tree/* inVersionDir */.xM)(o.name, o.version, release_tree/* names */.Dy.installer(o.name, system)), file));
    const decided = await decideVersioned(d.sink, objects, known, o.force);
    return {
        step: (0,publish_plan/* newStep */.zu)('installers', { objects: decided.objects, target: d.location }),
        writes: [{ sink: d.sink, objects: decided.objects, label: 'installers', verifyPrefix: prefix }],
        conflicts: decided.conflicts,
    };
}

;// CONCATENATED MODULE: ./src/publish/plan-pointers.ts




/**
 * The latest-like pointers — the root manifest.nix (what `nix upgrade-nix` installs), the docs `stable/`
 * (official releases only) and the installer pointers — moved only as the maintenance rule allows.
 */
async function planPointers(o) {
    const releases = o.destinations.get('releases');
    const docs = o.destinations.get('docs');
    const install = o.destinations.get('install');
    const notes = [];
    const objects = [];
    const rootManifest = o.files.find((f) => f.path === release_tree/* MANIFEST */.e0);
    if (releases && rootManifest)
        objects.push(...(await decidePointers(releases.sink, [wanted('releases', release_tree/* MANIFEST */.e0, rootManifest)], o.heldLatest)));
    const stable = (0,release_tree/* manualPrefix */.VH)(o.name, release_tree/* STABLE */.MI);
    if (docs && o.officialRelease) {
        const pages = o.manual.map((f) => wanted('docs', stable + f.path, f));
        objects.push(...(await decideSync(docs.sink, 'docs', stable, pages, o.heldLatest)));
    }
    else if (docs)
        notes.push('docs stable/: not an official release, left alone');
    if (install) {
        const pointers = installersOf(o.name, o.files).map(({ system, file }) => wanted('install', (0,release_tree/* installerPointerKey */.Vx)(o.name, system), file));
        objects.push(...(await decidePointers(install.sink, pointers, o.heldLatest)));
    }
    if (o.heldLatest)
        notes.push(o.heldLatest);
    // Written per destination in the order releases, docs, install, each with its stale pages deleted after.
    const writes = [];
    for (const d of [releases, docs, install])
        if (d)
            writes.push({
                sink: d.sink,
                objects: objects.filter((x) => x.dest === d.name),
                label: 'pointers',
                verifyPrefix: stable,
            });
    return { step: (0,publish_plan/* newStep */.zu)('pointers', { objects, notes }), writes, conflicts: [] };
}

;// CONCATENATED MODULE: ./src/publish/plan-releases.ts



/**
 * The release tree in the releases destination: every file but the root manifest.nix (a pointer),
 * versioned — what is there with our bytes is skipped, what is there with other bytes is a conflict.
 * The index and one LIST of the version directory spare a HEAD per object on a re-run.
 */
async function planReleases(o) {
    const d = o.destination;
    if (!d)
        return { step: (0,publish_plan/* newStep */.zu)('releases', { skipped: 'skip: releases' }), writes: [], conflicts: [] };
    const prefix = (0,release_tree/* versionPrefix */.J9)(o.name, o.version);
    const tree = o.files.filter((f) => f.path !== release_tree/* MANIFEST */.e0);
    const known = { index: o.index.get('releases'), listing: await listing(d.sink, prefix) };
    const decided = await decideVersioned(d.sink, tree.map((f) => wanted('releases', f.path, f)), known, o.force);
    const notes = [];
    const outside = tree.filter((f) => (0,release_tree/* belowVersionDir */.hu)(o.name, o.version, f.path) === undefined);
    if (outside.length)
        notes.push(`${outside.length} file(s) outside ${prefix}, published as versioned: ${outside[0].path}${outside.length > 1 ? ', …' : ''}`);
    return {
        step: (0,publish_plan/* newStep */.zu)('releases', { objects: decided.objects, target: d.location, notes }),
        writes: [
            {
                sink: d.sink,
                objects: decided.objects,
                label: 'release tree',
                verifyPrefix: prefix,
                claim: { key: (0,release_tree/* claimKey */.Eo)(o.name, o.version), version: o.version, force: o.force },
            },
        ],
        conflicts: decided.conflicts,
    };
}

;// CONCATENATED MODULE: ./src/forge/client.ts

/** One JSON API call with the token in a header; 404 is returned, other failures are one-line errors. */
async function api(method, url, headers, body) {
    const isForm = body instanceof FormData;
    let res;
    for (let attempt = 1;; attempt++) {
        try {
            res = await fetch(url, {
                method,
                headers: { ...headers, ...(body && !isForm ? { 'Content-Type': 'application/json' } : {}) },
                body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
                // Not followed: the token stays with the configured host (and a redirect means a wrong api-url).
                redirect: 'manual',
                signal: AbortSignal.timeout(60_000),
            });
            if (res.status >= 500 && attempt < 3 && method === 'GET')
                continue;
            break;
        }
        catch (e) {
            if (attempt < 3 && method === 'GET')
                continue;
            throw new errors/* RelengError */.mz(`forge API ${method} ${url}: ${e.message}; check forge.api-url in releng.yml`);
        }
    }
    if (res.status >= 300 && res.status < 400) {
        const to = res.headers.get('location');
        await res.body?.cancel();
        throw new errors/* RelengError */.mz(`forge API ${method} ${(0,errors/* redactUrl */.BO)(url)}: HTTP ${res.status} redirect${to ? ` to ${(0,errors/* redactUrl */.BO)(new URL(to, url).href)}` : ''}, not followed (the forge-token is sent to the configured host only); set forge.api-url in releng.yml to the API's own address`);
    }
    const text = await res.text();
    let json;
    try {
        json = text ? JSON.parse(text) : undefined;
    }
    catch {
        json = undefined;
    }
    if (res.status === 404 || (res.status >= 200 && res.status < 300))
        return { status: res.status, json };
    const message = json?.message ?? text.slice(0, 200);
    const hint = res.status === 401
        ? 'the forge-token is invalid or expired'
        : res.status === 403
            ? 'the forge-token lacks permission to write releases'
            : 'see the forge API documentation';
    throw new errors/* RelengError */.mz(`forge API ${method} ${url}: HTTP ${res.status}: ${message}; ${hint}`);
}

;// CONCATENATED MODULE: ./src/forge/rest.ts


/**
 * What GitHub's and Forgejo's release APIs share: the repository (with the token's permissions), a release
 * by tag, create and update. The subclasses say how fields are sent and releases read back.
 */
class RestForgeClient {
    repository;
    headers;
    base;
    constructor(apiUrl, repository, headers) {
        this.repository = repository;
        this.headers = headers;
        this.base = `${apiUrl.replace(/\/+$/, '')}/repos/${repository}`;
    }
    async checkAccess() {
        const r = await api('GET', this.base, this.headers);
        if (r.status === 404)
            return [`forge: ${this.base} not found or not visible with the forge-token; check forge.repository`];
        const perms = r.json.permissions;
        return perms?.push
            ? []
            : [`forge: the forge-token may not push to ${this.repository} (releases need write access)`];
    }
    async getByTag(tag) {
        const r = await api('GET', `${this.base}/releases/tags/${encodeURIComponent(tag)}`, this.headers);
        return r.status === 404 ? undefined : this.convert(r.json);
    }
    async create(f) {
        const r = await api('POST', `${this.base}/releases`, this.headers, {
            tag_name: f.tag,
            ...this.fields(f),
        });
        if (r.status === 404)
            throw new errors/* RelengError */.mz(`forge: creating the release of ${f.tag} in ${this.repository}: not found; is the tag pushed?`);
        return this.convert(r.json);
    }
    async update(id, f) {
        const r = await api('PATCH', `${this.base}/releases/${id}`, this.headers, this.fields(f));
        if (r.status === 404)
            throw new errors/* RelengError */.mz(`forge: release ${id} of ${this.repository} vanished while updating it; run publish again`);
        return this.convert(r.json);
    }
}

;// CONCATENATED MODULE: ./src/forge/forgejo.ts


/**
 * Forgejo's REST API (/api/v1, swagger in routers/api/v1/repo/release*.go): GET …/releases/tags/{tag},
 * POST …/releases, PATCH …/releases/{id}; links as external assets: POST …/releases/{id}/assets?name=…
 * with the multipart form field `external_url`, PATCH …/assets/{id} with `browser_download_url`.
 */
class ForgejoClient extends RestForgeClient {
    kind = 'forgejo';
    linkAssets = true;
    constructor(apiUrl, repository, token) {
        super(apiUrl, repository, {
            Authorization: `token ${token}`,
            Accept: 'application/json',
            'User-Agent': 'releng-actions',
        });
    }
    fields(f) {
        // Forgejo has no make_latest: its latest is the newest non-prerelease by date.
        return { name: f.name, body: f.body, draft: false, prerelease: f.prerelease, hide_archive_links: false };
    }
    convert(json) {
        const r = json;
        return {
            id: r.id,
            htmlUrl: r.html_url,
            name: r.name,
            body: r.body,
            prerelease: r.prerelease,
            assets: (r.assets ?? []).map((a) => ({
                id: a.id,
                name: a.name,
                url: a.browser_download_url,
                external: a.type === 'external',
            })),
        };
    }
    async addLink(releaseId, name, url) {
        const form = new FormData();
        form.set('external_url', url);
        await api('POST', `${this.base}/releases/${releaseId}/assets?name=${encodeURIComponent(name)}`, this.headers, form);
    }
    async updateLink(releaseId, assetId, url) {
        await api('PATCH', `${this.base}/releases/${releaseId}/assets/${assetId}`, this.headers, {
            browser_download_url: url,
        });
    }
}

;// CONCATENATED MODULE: ./src/forge/github.ts

/**
 * GitHub's REST API (https://docs.github.com/en/rest/releases/releases): GET …/releases/tags/{tag},
 * POST …/releases, PATCH …/releases/{id}. GitHub has no link assets, so the links live in the body.
 */
class GitHubClient extends RestForgeClient {
    kind = 'github';
    linkAssets = false;
    constructor(apiUrl, repository, token) {
        super(apiUrl, repository, {
            Authorization: `Bearer ${token}`,
            Accept: 'application/vnd.github+json',
            'X-GitHub-Api-Version': '2022-11-28',
            'User-Agent': 'releng-actions',
        });
    }
    fields(f) {
        return {
            name: f.name,
            body: f.body,
            draft: false,
            prerelease: f.prerelease,
            make_latest: f.latest && !f.prerelease ? 'true' : 'false',
        };
    }
    convert(json) {
        const r = json;
        return {
            id: r.id,
            htmlUrl: r.html_url,
            name: r.name ?? '',
            body: r.body ?? '',
            prerelease: r.prerelease,
            assets: (r.assets ?? []).map((a) => ({
                id: a.id,
                name: a.name,
                url: a.browser_download_url,
                external: false,
            })),
        };
    }
    async addLink() {
        throw new Error('GitHub has no link assets');
    }
    async updateLink() {
        throw new Error('GitHub has no link assets');
    }
}

;// CONCATENATED MODULE: ./src/forge/open.ts


function openForge(config, token) {
    return config.type === 'github'
        ? new GitHubClient(config['api-url'], config.repository, token)
        : new ForgejoClient(config['api-url'], config.repository, token);
}

;// CONCATENATED MODULE: ./src/git/git.ts



/** A git working copy. Commands run without a shell; identity is passed per command, never configured globally. */
class Git {
    dir;
    log;
    identity;
    extraEnv;
    constructor(dir, log, identity, 
    /** Added to git's environment: the ssh setup of src/git/ssh.ts (GIT_SSH_COMMAND). */
    extraEnv = {}) {
        this.dir = dir;
        this.log = log;
        this.identity = identity;
        this.extraEnv = extraEnv;
    }
    /**
     * git's environment: never prompting, C locale (messages are parsed), only the transports a remote may
     * use (no ext:: or fd:: helpers, whatever a config says), the identity when given.
     */
    gitEnv() {
        const gitEnv = {
            ...process.env,
            GIT_TERMINAL_PROMPT: '0',
            LC_ALL: 'C',
            GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS.join(':'),
            ...this.extraEnv,
        };
        if (this.identity) {
            gitEnv.GIT_AUTHOR_NAME = gitEnv.GIT_COMMITTER_NAME = this.identity.name;
            gitEnv.GIT_AUTHOR_EMAIL = gitEnv.GIT_COMMITTER_EMAIL = this.identity.email;
        }
        return gitEnv;
    }
    async run(args, opts = {}) {
        return run('git', args, { cwd: this.dir, env: this.gitEnv(), log: this.log, ...opts });
    }
    async out(args) {
        return (await this.run(args)).stdout.trim();
    }
    async ok(args) {
        return (await this.run(args, { allowFailure: true })).code === 0;
    }
    async isRepo() {
        return this.ok(['rev-parse', '--git-dir']);
    }
    async head() {
        return this.out(['rev-parse', 'HEAD']);
    }
    /** The current branch, or undefined when HEAD is detached. */
    async currentBranch() {
        const r = await this.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
        return r.code === 0 ? r.stdout.trim() : undefined;
    }
    async tagExists(tag) {
        return this.ok(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`]);
    }
    /** Staged changes and modified tracked files (untracked files do not count, as in the reference). */
    async dirtyFiles() {
        const out = (await this.run(['status', '--porcelain', '--untracked-files=no'])).stdout;
        return out.split('\n').filter((l) => l.trim() !== '');
    }
    async describeTags() {
        const r = await this.run(['describe', '--tags'], { allowFailure: true });
        return r.code === 0 ? r.stdout.trim() : undefined;
    }
    /** The reference's precondition for build and publish: HEAD is exactly the tag, and the tree is clean. */
    async checkOnTag(version) {
        const described = await this.describeTags();
        if (described !== version)
            throw new errors/* RelengError */.mz(`${this.dir}: HEAD is not on tag ${version} (git describe --tags says ${described ?? 'nothing'}); check out the tag, or pass no-check-git`);
        await this.checkClean();
    }
    async checkClean() {
        const dirty = await this.dirtyFiles();
        if (dirty.length > 0)
            throw new errors/* RelengError */.mz(`${this.dir}: the working tree has uncommitted changes (${dirty
                .slice(0, 3)
                .map((l) => l.trim())
                .join(', ')}${dirty.length > 3 ? ', …' : ''}); commit or stash them, or pass no-check-git`);
    }
}
/** Git identity: inputs, else the forge actor (GITHUB_ACTOR / Forgejo's), else a tool identity. */
function identityFrom(name, email, processEnv) {
    const actor = processEnv.GITHUB_ACTOR || processEnv.FORGEJO_ACTOR;
    return {
        name: name ?? actor ?? 'releng',
        email: email ?? (actor ? `${actor}@users.noreply.${forgeHost(processEnv)}` : 'releng@localhost'),
    };
}
function forgeHost(processEnv) {
    try {
        return new URL(processEnv.GITHUB_SERVER_URL ?? 'https://github.com').host;
    }
    catch {
        return 'github.com';
    }
}

;// CONCATENATED MODULE: ./src/release/maintenance.ts
/**
 * The maintenance rule: may this release move "latest"-like pointers (the `latest` image tag, root
 * manifest.nix, docs stable/, installer pointers, the forge's latest release)? The reference guesses from
 * branches (newest tag reachable from HEAD older than the newest on origin/main), which needs full
 * history and an origin/main in the checkout. We ask the question it stands for directly: is there a
 * released version newer than this one? Tags are read from the repository and, when given, the remote
 * (a CI checkout of a tag may have no other tags). A major's own pointers (`{major}` tags, docs MAJOR/)
 * follow the same question within the major: they move unless a newer release of that major exists.
 * One rule for publish's pointers and the docker step.
 */


/** Compares dotted numeric versions; pre-release suffixes sort before the release (2.91.0-rc1 < 2.91.0). */
function compareVersions(a, b) {
    const parse = (v) => {
        const m = /^v?(\d+(?:\.\d+)*)(.*)$/.exec(v);
        return { nums: (m?.[1] ?? '').split('.').map(Number), suffix: m?.[2] ?? '' };
    };
    const pa = parse(a);
    const pb = parse(b);
    for (let i = 0; i < Math.max(pa.nums.length, pb.nums.length); i++) {
        const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
        if (d !== 0)
            return d < 0 ? -1 : 1;
    }
    if (pa.suffix === pb.suffix)
        return 0;
    if (pa.suffix === '')
        return 1;
    if (pb.suffix === '')
        return -1;
    return pa.suffix < pb.suffix ? -1 : 1;
}
/** A released version: a plain X.Y or X.Y.Z tag (release candidates do not count). */
const RELEASE_TAG = /^v?\d+\.\d+(\.\d+)?$/;
/** The rule for `version`, given the tags that exist. */
function maintenanceRule(version, tags) {
    const newer = tags
        .filter((t) => RELEASE_TAG.test(t) && compareVersions(t, version) > 0)
        .sort(compareVersions);
    const newerInMajor = newer.filter((t) => (0,config_version/* majorOf */.Ds)(t.replace(/^v/, '')) === (0,config_version/* majorOf */.Ds)(version)).at(-1);
    return {
        mayMoveLatest: newer.length === 0,
        mayMoveMajor: newerInMajor === undefined,
        newerRelease: newer.at(-1),
        newerInMajor,
    };
}
/** True when no released version is newer than `version`. */
function mayMoveLatest(version, tags) {
    return maintenanceRule(version, tags).mayMoveLatest;
}
/**
 * The tags of the checkout (when `git` works in one) and of `remote` (when given; an unreachable remote
 * adds none).
 */
async function releaseTags(git, o) {
    const tags = new Set();
    if (o.isRepo)
        for (const t of (await git.out(['tag', '--list'])).split('\n').filter(Boolean))
            tags.add(t);
    if (o.remote) {
        const refs = await remoteRefs(git, o.remote, ['refs/tags/*']).catch(() => new Map());
        for (const ref of refs.keys())
            if (!ref.endsWith('^{}'))
                tags.add(ref.replace(/^refs\/tags\//, ''));
    }
    return [...tags];
}
/** The rule for `version`, from the tags of the checkout and the remote. */
async function readMaintenanceRule(git, version, o) {
    return maintenanceRule(version, await releaseTags(git, o));
}

;// CONCATENATED MODULE: ./src/publish/pointer-rule.ts


/**
 * The maintenance rule (src/release/maintenance.ts) for every pointer of this release, in publish's words:
 * released versions are read from the checkout and the environment's remote.
 */
async function pointerRule(git, isRepo, remote, version) {
    const rule = await readMaintenanceRule(git, version, { isRepo, remote });
    return {
        mayMove: rule.mayMoveLatest,
        mayMoveMajor: rule.mayMoveMajor,
        heldLatest: rule.newerRelease
            ? `a newer release (${rule.newerRelease}) exists: the maintenance rule keeps this pointer`
            : undefined,
        heldMajor: rule.newerInMajor
            ? `a newer ${(0,config_version/* majorOf */.Ds)(version)} release (${rule.newerInMajor}) exists`
            : undefined,
    };
}

;// CONCATENATED MODULE: ./src/publish/preflight.ts









/**
 * Everything checked before anything is written, every problem together: the destinations (reachable,
 * credentials valid), on the tag with a clean tree, the git remote and push access, the signing key, the
 * cache's source, the registries, the forge token.
 */
async function preflight(o) {
    const { want, version } = o;
    const problems = [];
    const needed = [];
    if (want.cache)
        needed.push('cache');
    if (want.releases)
        needed.push('releases');
    if (want.installers)
        needed.push('install');
    if (want.docs)
        needed.push('docs');
    const opened = await openDestinations({
        environmentName: o.environmentName,
        environment: o.environment,
        dir: o.dir,
        processEnv: o.processEnv,
        log: o.log,
        s3AccessKeyId: o.s3AccessKeyId,
        s3SecretAccessKey: o.s3SecretAccessKey,
        s3Tuning: o.s3Tuning,
        commandEnv: o.ssh?.commandEnv,
    }, needed);
    problems.push(...opened.problems);
    const git = new Git(o.dir, o.log, undefined, o.ssh?.gitEnv);
    const isRepo = await git.isRepo();
    if (!o.noCheckGit) {
        if (!isRepo)
            problems.push(`${o.dir}: not a git repository; publish from the release's checkout, or pass no-check-git`);
        else
            await git.checkOnTag(version).catch((e) => problems.push(e.message));
    }
    let remote;
    try {
        remote = o.environment['git-remote'] ? resolveRemote(o.environment['git-remote'], o.dir) : undefined;
    }
    catch (e) {
        problems.push(e.message);
    }
    let gitPlan;
    if (want.tag || want.branch) {
        if (!remote)
            problems.push(`environment '${o.environmentName}' has no git-remote in releng.yml; add one or pass skip: tag`);
        else if (!isRepo)
            problems.push(`${o.dir}: not a git repository, so there is no tag to push; pass skip: tag`);
        else {
            gitPlan = await planGit(git, remote, version, {
                tag: want.tag,
                branch: want.branch,
                forcePushTag: o.forcePushTag,
                mode: gitPushMode(o.environment),
            });
            problems.push(...gitPlan.problems);
            // Gerrit refuses a tag naming a commit it does not know: the branch goes for review first (Lix).
            if (gitPlan.mode === 'gerrit' && gitPlan.tag && gitPlan.tag.state !== 'same' && !want.branch)
                problems.push(`environment '${o.environmentName}' pushes to Gerrit (git-push: gerrit), which must get the branch for review before the tag; pass push-branch: true, or skip: tag`);
        }
    }
    const signing = want.cache ? readSigningKey(o.environment, o.processEnv, o.log) : {};
    if (signing.problem)
        problems.push(signing.problem);
    if (want.cache && o.release.cache.kind === 'none')
        problems.push(`cache: nothing to publish — ${o.release.cache.why}; pass skip: cache to publish without it`);
    const rule = await pointerRule(git, isRepo, remote, version);
    // The image pointers move in the pointer phase even when an earlier job pushed the images (skip: docker).
    const docker = want.docker || (want.dockerPointers && o.environment.registries.length > 0)
        ? { ...o.docker.request, pushImages: want.docker, latest: rule.mayMove, major: rule.mayMoveMajor }
        : undefined;
    if (docker)
        problems.push(...(await o.docker.step.preflight(docker)));
    const forge = want.page
        ? await openForgeChecked(o.environmentName, o.environment, o.forgeToken)
        : { problems: [], notes: [] };
    problems.push(...forge.problems);
    await Promise.all([...opened.destinations.values()].map(async (d) => problems.push(...(await d.sink.check()))));
    return {
        destinations: opened.destinations,
        git,
        remote,
        gitPlan,
        key: signing.key,
        rule,
        forge: forge.client,
        forgeNotes: forge.notes,
        docker,
        problems,
    };
}
/**
 * The last check before the first write, once the plan is known: write access, probed only on the
 * destinations the plan writes to (a re-run that writes nothing probes nothing); none in a dry run.
 */
async function probeWrites(steps, destinations, o) {
    if (o.dryRun)
        return [];
    const writing = new Set(steps
        .flatMap((s) => s.objects)
        .filter((x) => (0,publish_plan/* writes */.D3)(x) || x.action === 'delete')
        .map((x) => x.dest));
    if (o.cacheInfo)
        writing.add('cache');
    const problems = [];
    for (const d of writing)
        problems.push(...((await destinations.get(d)?.sink.checkWrite()) ?? []));
    return problems;
}
/** The environment's cache signing key (`signing-key.env` names the variable); none without one. */
function readSigningKey(environment, processEnv, log) {
    const spec = environment['signing-key'];
    if (!spec)
        return {};
    const text = processEnv[spec.env];
    if (!text)
        return {
            problem: `signing key: $${spec.env} is not set (releng.yml signing-key.env); pass the secret in the step's env`,
        };
    try {
        return { key: parseSigningKey(text, spec.env, log) };
    }
    catch (e) {
        return { problem: e.message };
    }
}
/**
 * The forge client for the release page, with the token checked (valid, push access) — or none, with the
 * reason in `notes`, when the environment has no forge or no token was given.
 */
async function openForgeChecked(environmentName, environment, token) {
    if (!environment.forge) {
        const notes = token
            ? [`forge-token given, but environment '${environmentName}' has no forge in releng.yml`]
            : [];
        return { problems: [], notes };
    }
    if (!token)
        return { problems: [], notes: ['no forge-token: the release page is left alone'] };
    const client = openForge(environment.forge, token);
    try {
        return { client, problems: await client.checkAccess(), notes: [] };
    }
    catch (e) {
        return { client, problems: [e.message], notes: [] };
    }
}

;// CONCATENATED MODULE: ./src/glob.ts


/**
 * Expands path patterns as a shell would for inputs like `bundles: bundles/*` or `images: out/*.tar.gz`:
 * `*` and `?` within one segment, `**` for any depth. A pattern without wildcards is returned as is
 * (resolved), whether or not it exists, so the caller can name what is missing. Node 20 has no
 * fs.globSync, and these inputs need no more than this.
 */
function expandGlob(pattern, cwd) {
    const abs = external_node_path_default().resolve(cwd, pattern);
    if (!/[*?[]/.test(pattern))
        return [abs];
    const root = external_node_path_default().parse(abs).root;
    const segments = abs.slice(root.length).split((external_node_path_default()).sep).filter(Boolean);
    let current = [root];
    for (const seg of segments) {
        const next = [];
        if (seg === '**') {
            for (const dir of current)
                next.push(dir, ...subdirs(dir));
        }
        else if (!/[*?[]/.test(seg)) {
            for (const dir of current) {
                const p = external_node_path_default().join(dir, seg);
                if (external_node_fs_default().existsSync(p))
                    next.push(p);
            }
        }
        else {
            const re = segmentRegex(seg);
            for (const dir of current)
                for (const name of readdir(dir))
                    if (re.test(name))
                        next.push(external_node_path_default().join(dir, name));
        }
        current = [...new Set(next)];
    }
    return current.sort();
}
/** Every pattern expanded; the result keeps pattern order, each pattern's matches sorted, no duplicates. */
function expandGlobs(patterns, cwd) {
    return [...new Set(patterns.flatMap((p) => expandGlob(p, cwd)))];
}
function readdir(dir) {
    try {
        // Hidden entries match only patterns that start with a dot, as in a shell.
        return external_node_fs_default().readdirSync(dir).filter((n) => !n.startsWith('.'));
    }
    catch {
        return [];
    }
}
function subdirs(dir) {
    const out = [];
    for (const name of readdir(dir)) {
        const p = external_node_path_default().join(dir, name);
        try {
            if (external_node_fs_default().statSync(p).isDirectory())
                out.push(p, ...subdirs(p));
        }
        catch {
            // vanished or unreadable: not a match
        }
    }
    return out;
}
function segmentRegex(seg) {
    let re = '';
    for (let i = 0; i < seg.length; i++) {
        const c = seg[i];
        if (c === '*')
            re += '[^/]*';
        else if (c === '?')
            re += '[^/]';
        else if (c === '[') {
            const end = seg.indexOf(']', i + 1);
            if (end < 0)
                re += '\\[';
            else {
                re += `[${seg
                    .slice(i + 1, end)
                    .replace(/^!/, '^')
                    .replace(/\\/g, '\\\\')}]`;
                i = end;
            }
        }
        else
            re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`);
}

// EXTERNAL MODULE: ./src/bundle/leg.ts
var leg = __webpack_require__(5072);
;// CONCATENATED MODULE: ./src/bundle/find.ts






/**
 * The leg bundle directories named by a `bundles` input. Each pattern (a path or a glob) may name a leg
 * (a directory with leg.json), or a directory holding legs one or two levels down — build-artifacts'
 * `bundle-dir` for several systems, or a forge's download of several `leg-SYSTEM` artifacts, which nests
 * each artifact's directory once more. Sorted, no duplicates; a pattern that yields no leg is an error.
 */
function findBundles(patterns, cwd) {
    if (patterns.length === 0)
        throw new errors/* RelengError */.mz("input 'bundles' is empty: pass the leg bundle directories written by build-artifacts (its bundle-dir output)");
    const found = new Set();
    for (const pattern of patterns) {
        const legs = expandGlobs([pattern], cwd).flatMap((p) => legsAt(p, 2));
        if (legs.length === 0)
            throw new errors/* RelengError */.mz(`bundles: no leg bundle (${leg/* LEG_FILE */.gU}) at or below '${pattern}' (resolved in ${cwd}); pass build-artifacts' bundle-dir output or the downloaded leg-* artifacts`);
        for (const l of legs)
            found.add(contained(l, cwd));
    }
    return [...found].sort();
}
function legsAt(dir, depth) {
    if (external_node_fs_default().existsSync(external_node_path_default().join(dir, leg/* LEG_FILE */.gU)))
        return [dir];
    if (depth === 0)
        return [];
    let entries;
    try {
        entries = external_node_fs_default().readdirSync(dir, { withFileTypes: true });
    }
    catch {
        return [];
    }
    return entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .flatMap((e) => legsAt(external_node_path_default().join(dir, e.name), depth - 1));
}
/**
 * A leg found below a directory must be in it: a downloaded artifact holding a link to a directory of the
 * runner (a leg elsewhere) is refused, as every link out of a bundle is (src/release/files.ts).
 */
function contained(leg, cwd) {
    const parent = external_node_path_default().dirname(leg);
    const real = external_node_fs_default().realpathSync(leg);
    if (!(0,storage_key/* isWithin */.UO)(external_node_fs_default().realpathSync(parent), real))
        throw new errors/* RelengError */.mz(`bundles: '${external_node_path_default().relative(cwd, leg) || leg}' leads outside ${parent} through a symbolic link (to ${real}); pass the leg bundles themselves`);
    return leg;
}

// EXTERNAL MODULE: ./src/bundle/merge.ts
var merge = __webpack_require__(764);
// EXTERNAL MODULE: ./src/release/files.ts
var release_files = __webpack_require__(3834);
;// CONCATENATED MODULE: ./src/publish/release-input.ts









const NIX_STORE = '/nix/store';
function fromMerged(m, origin) {
    const manualOnly = m.legs.length > 0 && m.legs.every((l) => l.record.target === 'manual');
    return {
        version: m.version,
        files: m.files,
        manualDir: m.manualDir,
        cache: m.caches.length > 0
            ? {
                kind: 'caches',
                caches: m.caches,
                cachePaths: m.cachePaths,
                storePaths: [...m.storePaths, ...m.drvPaths],
            }
            : { kind: 'none', why: `the leg bundles (${origin}) carry no nix cache` },
        images: m.images,
        origin,
        recorded: true,
        systems: m.systems,
        target: manualOnly ? 'manual' : 'all',
        dispose: () => (0,merge/* disposeMerged */.eL)(m),
    };
}
/**
 * The reference's `release/` directory: `artifacts/` (the tree), `manual/` and `drvs.txt` beside it. The
 * manual falls back to the version directory's `manual/` (Lix's tarballs job puts one there); docker
 * archives are the version directory's `NAME-VERSION-docker-image-SYSTEM.tar.gz`.
 */
async function fromArtifactsDir(dir, name, version, log) {
    if (!external_node_fs_default().existsSync(dir) || !external_node_fs_default().statSync(dir).isDirectory())
        throw new errors/* RelengError */.mz(`artifacts-dir ${dir}: not a directory; pass build-artifacts' artifacts-dir output (the reference's release/artifacts)`);
    const vdir = external_node_path_default().join(dir, ...(0,release_tree/* versionDir */.EE)(name, version).split('/'));
    if (!external_node_fs_default().existsSync(vdir))
        throw new errors/* RelengError */.mz(`artifacts-dir ${dir}: has no ${(0,release_tree/* versionPrefix */.J9)(name, version)} (the release tree of ${name} ${version}); is it the tree of another version or project?`);
    // Links into the nix store are allowed (nix results in the tree); out of the dir otherwise, refused.
    const found = new release_files/* ContainedDir */.Re(dir, 'the artifacts dir', [NIX_STORE]).files();
    for (const f of found)
        (0,storage_key/* checkRelativePath */._k)(f.path, `${dir}:`, 'rename the file');
    log.info(`${found.length} files in ${dir}`);
    // Hashed when first needed (src/storage/hash.ts ensureSha256): as the upload reaches each file.
    const files = found.map((f) => ({ path: f.path, source: f.source, size: f.size, sha256: '' }));
    const parent = external_node_path_default().dirname(dir);
    const manualDir = [external_node_path_default().join(parent, release_tree/* names */.Dy.manual), external_node_path_default().join(vdir, release_tree/* names */.Dy.manual)].find((d) => external_node_fs_default().existsSync(d)) ?? null;
    const drvsTxt = external_node_path_default().join(parent, 'drvs.txt');
    const cache = external_node_fs_default().existsSync(drvsTxt)
        ? {
            kind: 'store',
            paths: external_node_fs_default().readFileSync(drvsTxt, 'utf8')
                .split('\n')
                .map((l) => l.trim())
                .filter(Boolean),
        }
        : { kind: 'none', why: `${drvsTxt} not found (the derivations to put in the cache)` };
    const images = external_node_fs_default().readdirSync(vdir).flatMap((f) => {
        const system = (0,release_tree/* parseDockerImage */.Tl)(name, version, f);
        return system ? [{ file: external_node_path_default().join(vdir, f), system }] : [];
    });
    const manifest = files.find((f) => f.path === release_tree/* MANIFEST */.e0);
    const systems = manifest ? manifestSystems(external_node_fs_default().readFileSync(manifest.source, 'utf8')) : [];
    return {
        version,
        files,
        manualDir,
        cache,
        images,
        origin: dir,
        recorded: false,
        systems,
        target: 'all',
        dispose: () => { },
    };
}
/** The systems a manifest.nix has an entry for (`  x86_64-linux = "/nix/store/…";`). */
function manifestSystems(text) {
    return [...text.matchAll(/^\s*"?([a-z0-9_]+-[a-z0-9_]+)"?\s*=\s*"/gm)].map((m) => m[1]).sort();
}
/**
 * Every system of `build.systems` or nothing: a release without one (a root manifest.nix without darwin
 * breaks `nix upgrade-nix` on macOS) is refused, naming what is missing, unless `allowed` names those
 * systems. `allowed` may name only systems of build.systems (a typo must not hide a missing system).
 */
function systemProblems(release, expected, allowed) {
    if (release.target === 'manual')
        return [];
    const problems = [];
    const unknown = allowed.filter((s) => !expected.includes(s));
    if (unknown.length)
        problems.push(`input 'allow-missing-systems': ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in releng.yml build.systems (${expected.join(', ')}); name only systems the release could lack`);
    const missing = expected.filter((s) => !release.systems.includes(s) && !allowed.includes(s));
    if (missing.length)
        problems.push(`${release.origin}: the release lacks ${missing.join(', ')} of releng.yml build.systems (it has ${release.systems.join(', ') || 'none'}); publish every system's leg, or pass allow-missing-systems: ${missing.join(',')} to publish without ${missing.length === 1 ? 'it' : 'them'}`);
    return problems;
}
/** The release to publish, from leg bundles (merged), a merged release, or an artifacts dir. */
async function loadRelease(source, o) {
    if ('artifactsDir' in source)
        return fromArtifactsDir(external_node_path_default().resolve(o.dir, source.artifactsDir), o.name, o.version, o.log);
    let merged;
    let origin;
    if ('release' in source) {
        merged = source.release;
        origin = source.origin ?? 'the merged release';
    }
    else {
        const dirs = findBundles(source.bundles, o.dir);
        if (!o.mergeLegs)
            throw new Error('publish: no mergeLegs given for bundles');
        merged = await o.mergeLegs(dirs, o.log);
        origin = dirs.join(', ');
    }
    if (merged.name && merged.name !== o.name)
        throw new errors/* RelengError */.mz(`${origin}: the legs are a build of '${merged.name}', but releng.yml says name: ${o.name}; publish from the project's own checkout`);
    const release = fromMerged(merged, origin);
    if (release.version !== o.version)
        throw new errors/* RelengError */.mz(`${origin} is a build of ${release.version}, but version.json in ${o.dir} says ${o.version}; publish from the checkout of the release's tag`);
    return release;
}
/**
 * Files of the release whose bytes no longer hash to the sha256 leg.json recorded (changed or damaged since
 * the build, at the same size), among `sources` — the files about to be written, so that a re-run that
 * writes nothing reads nothing. Checked before the first write: a damaged file must not be published
 * under its recorded sha256, nor stop a publication half way.
 */
async function damagedFiles(release, sources) {
    if (!release.recorded)
        return [];
    const recorded = new Map(release.files.map((f) => [f.source, f.sha256]));
    const problems = [];
    for (const source of new Set(sources)) {
        const want = recorded.get(source);
        if (!want)
            continue;
        const got = (await (0,hash/* sha256File */.Q)(source)).sha256;
        if (got !== want)
            problems.push(`${source}: its sha256 is ${got} but leg.json records ${want}; the leg bundle was changed or damaged after the build: download or build it again`);
    }
    return problems;
}
/** The manual's files, hashed (a few megabytes: the docs sync compares every page). */
async function manualTree(dir) {
    const out = [];
    for (const f of new release_files/* ContainedDir */.Re(dir, 'the manual').files()) {
        (0,storage_key/* checkRelativePath */._k)(f.path, `${dir}:`, 'rename the file');
        out.push({ path: f.path, source: f.source, ...(await (0,hash/* sha256File */.Q)(f.source)) });
    }
    return out;
}

;// CONCATENATED MODULE: ./src/publish/report.ts


/** Per step and destination: what was (or would be) written, skipped, deleted. */
function destinationRows(plan, dests) {
    const rows = [];
    for (const s of plan.steps) {
        const byDest = new Map();
        for (const x of s.objects)
            byDest.set(x.dest, [...(byDest.get(x.dest) ?? []), x]);
        for (const [dest, objects] of byDest) {
            const d = dests.get(dest);
            const w = objects.filter(publish_plan/* writes */.D3);
            rows.push({
                step: s.step,
                target: d?.location ?? dest,
                written: w.length,
                bytes: w.reduce((n, x) => n + x.size, 0),
                skipped: objects.filter((x) => x.action === 'skip').length,
                deleted: objects.filter((x) => x.action === 'delete').length,
                url: d?.publicUrl ?? d?.location ?? '',
            });
        }
    }
    return rows;
}
function pointerState(a) {
    if (a === 'replace' || a === 'upload')
        return 'moved here';
    if (a === 'hold')
        return 'held';
    if (a === 'skip')
        return 'here already';
    return a;
}
/** The plan in the log, before confirmation: totals, then a line per step with its notes. */
function logPlan(plan, log) {
    const t = (0,publish_plan/* planTotals */.HX)(plan);
    log.info(`plan for ${plan.version} → ${plan.environmentName}: ${t.upload} object(s) to write (${(0,src_log/* formatBytes */.z3)(t.bytes)}), ${t.skip} already there, ${t.delete} stale to delete`);
    const count = (s, a) => s.objects.filter((x) => x.action === a).length;
    for (const s of plan.steps) {
        const head = `  ${s.step}${s.target ? ` → ${s.target}` : ''}`;
        if (s.skipped)
            log.info(`${head}: skipped (${s.skipped})`);
        else if (s.objects.length)
            log.info(`${head}: ${s.objects.filter(publish_plan/* writes */.D3).length} to write, ${count(s, 'skip')} there, ${count(s, 'hold')} held, ${count(s, 'delete')} to delete`);
        else
            log.info(head);
        for (const n of s.notes)
            log.info(`    ${n}`);
    }
}

;// CONCATENATED MODULE: ./src/stages/publish.ts

























/**
 * Lix's `upload` as one ordered, resumable publication:
 *   1. read the release (leg bundles or an artifacts dir) and which steps run;
 *   2. preflight, before any write: on the tag with a clean tree, every destination reachable, the
 *      credentials and the signing key, the git remote and push access, the forge token — all together;
 *   3. plan each destination: what it lacks (versioned objects are immutable, pointers move only as the
 *      maintenance rule allows);
 *   4. before the first write: conflicts, damaged leg files and unwritable destinations stop here; the plan
 *      is shown, and `dry-run` ends here;
 *   5. confirm (every environment but local, src/config/confirmation.ts);
 *   6. execute in order: cache (NARs before narinfo) → docker → release tree → installers → manual →
 *      pointers (root manifest.nix, docs stable, installer pointers) → the release's index → git branch
 *      (direct, or for review on Gerrit) → a new major's release-X.Y → tag → release page.
 */
async function publish(o) {
    const log = o.log;
    // What a killed run left (a signing key's file among them) goes before anything else is made.
    for (const dir of (0,work_dir/* removeStaleWorkDirs */.lr)())
        log.info(`removed ${dir}, left by a run that was killed`);
    const config = loadConfig(o.configPath);
    const environment = environmentConfig(config, o.environmentName);
    const { name } = config;
    const info = (0,config_version/* readVersionInfo */.DQ)(o.dir);
    const { version } = info;
    const confirmation = {
        environmentName: o.environmentName,
        environment,
        dryRun: o.dryRun,
        given: o.confirm,
        allowBare: o.allowBareConfirm ?? false,
        ask: o.ask,
    };
    (0,config_confirmation/* checkConfirmation */._h)(confirmation);
    if (o.forgeToken)
        log.secret(o.forgeToken);
    if (o.sshKey)
        log.secret(o.sshKey);
    // The key's temp directory exists for this run only: removed on success, failure and throw alike.
    const ssh = openSsh({
        key: o.sshKey,
        knownHosts: environment['known-hosts'],
        processEnv: o.processEnv,
        log,
    });
    try {
        // 1. The release, and which steps run.
        const release = await loadRelease(o.source, { dir: o.dir, name, version, mergeLegs: o.mergeLegs, log });
        try {
            return await publishRelease(o, { config, environment, info, confirmation, release, ssh });
        }
        finally {
            release.dispose();
        }
    }
    finally {
        ssh.close();
    }
}
/** Why the other steps do not run for a manual-only release (build-artifacts' target manual). */
const MANUAL_ONLY = 'a manual-only release (target manual): the nightly manual only';
async function publishRelease(o, c) {
    const { log } = o;
    const { config, environment, confirmation, release } = c;
    const { name } = config;
    const { version, major } = c.info;
    // A manual-only release writes the docs' nightly/ directory and nothing else, from any commit.
    const manualOnly = release.target === 'manual';
    const info = manualOnly ? { ...c.info, officialRelease: false } : c.info;
    if (manualOnly)
        log.info(`${release.origin}: ${MANUAL_ONLY}`);
    const skip = new Set(manualOnly ? publish_plan/* SKIPPABLE */.MK.filter((n) => n !== 'docs') : o.skip);
    const skipped = (n, otherwise) => skip.has(n) ? (manualOnly ? MANUAL_ONLY : `skip: ${n}`) : otherwise;
    const want = (0,publish_plan/* stepsToRun */.kY)(skip, {
        installers: installersOf(name, release.files).length > 0,
        manual: release.manualDir !== null,
        pushBranch: o.pushBranch,
    });
    // 2. Preflight: every problem together, nothing written.
    const dockerStep = o.docker ?? dockerViaMultiarch;
    const pre = await preflight({
        dir: o.dir,
        environmentName: o.environmentName,
        environment,
        version,
        release,
        want,
        noCheckGit: o.noCheckGit || manualOnly,
        forcePushTag: o.forcePushTag,
        forgeToken: o.forgeToken,
        s3AccessKeyId: o.s3AccessKeyId,
        s3SecretAccessKey: o.s3SecretAccessKey,
        s3Tuning: o.tuning?.s3,
        docker: {
            step: dockerStep,
            request: {
                images: release.images,
                environment,
                environmentName: o.environmentName,
                dir: o.dir,
                version,
                dryRun: o.dryRun,
                processEnv: o.processEnv,
                registryTuning: o.tuning?.registry,
                log,
            },
        },
        processEnv: o.processEnv,
        ssh: c.ssh,
        log,
    });
    const failed = `publish ${version} to ${o.environmentName}: preflight failed, nothing was written`;
    pre.problems.push(...systemProblems(release, config.build.systems, o.allowMissingSystems ?? []));
    if (pre.problems.length)
        throw new errors/* RelengErrors */.zg(failed, pre.problems);
    // 3. Plan each destination: read-only; conflicts are collected, not thrown, so all are reported together.
    const dests = pre.destinations;
    const relDest = dests.get('releases');
    const cache = await planCacheStep({
        destination: dests.get('cache'),
        source: release.cache,
        key: pre.key,
        force: o.force,
        settings: cacheSettingsOf(environment),
        skipped: skipped('cache', 'skip: cache'),
        log,
    });
    const registries = environment.registries.map((r) => r.ref).join(', ') || 'no registries';
    const docker = !pre.docker
        ? (0,publish_plan/* newStep */.zu)('docker', { skipped: skipped('docker', 'skip: docker') })
        : (0,publish_plan/* newStep */.zu)('docker', {
            notes: [
                pre.docker.pushImages === false
                    ? `images pushed before (skip: docker); pointer tags of ${registries} moved last`
                    : `${release.images.length} image(s) → ${registries}; pointer tags moved last`,
            ],
        });
    const index = relDest ? await readIndex(relDest.sink, (0,release_tree/* indexKey */.mh)(name, version), version, log) : new Map();
    const tree = { name, version, files: release.files, index, force: o.force };
    const releases = await planReleases({ ...tree, destination: relDest });
    const installers = await planInstallers({
        ...tree,
        destination: dests.get('install'),
        skipped: skipped('installers', 'no installers in the release tree'),
    });
    const manual = dests.has('docs') ? await manualTree(release.manualDir) : [];
    const docs = await planDocs({
        destination: dests.get('docs'),
        name,
        officialRelease: info.officialRelease,
        major,
        manual,
        heldMajor: pre.rule.heldMajor,
        skipped: skipped('docs', 'no manual in the release'),
    });
    const pointers = manualOnly
        ? { step: (0,publish_plan/* newStep */.zu)('pointers', { skipped: MANUAL_ONLY }), writes: [], conflicts: [] }
        : await planPointers({
            destinations: dests,
            name,
            officialRelease: info.officialRelease,
            files: release.files,
            manual,
            heldLatest: pre.rule.heldLatest,
        });
    const destinationSteps = [cache.step, docker, releases.step, installers.step, docs.step, pointers.step];
    // 4. Before the first write: the leg files about to be written are still the bytes the build recorded,
    // every destination written to accepts writes, and nothing versioned is there with other content.
    const damaged = [
        ...cache.problems,
        ...(await damagedFiles(release, destinationSteps.flatMap((s) => s.objects.filter(publish_plan/* writes */.D3).flatMap((x) => (x.source ? [x.source] : []))))),
    ];
    const writeProblems = await probeWrites(destinationSteps, dests, {
        dryRun: o.dryRun,
        cacheInfo: cache.work?.plan.writeCacheInfo ?? false,
    });
    const conflicts = [...cache.conflicts, ...releases.conflicts, ...installers.conflicts];
    if (conflicts.length || writeProblems.length || damaged.length)
        throw new errors/* RelengErrors */.zg(conflicts.length
            ? `publish ${version}: versioned objects exist with other content, nothing was written (bump the version, or pass force to overwrite them)`
            : failed, [...damaged, ...writeProblems, ...conflicts]);
    const indexStep = relDest
        ? (0,publish_plan/* newStep */.zu)('index', { target: `${relDest.location}/${(0,release_tree/* indexKey */.mh)(name, version)}` })
        : (0,publish_plan/* newStep */.zu)('index', { skipped: skipped('releases', 'skip: releases') });
    const [tag, branch] = gitSteps(pre.gitPlan, {
        remote: pre.remote,
        tagSkipped: want.tag ? undefined : skipped('tag', 'skip: tag'),
        branchSkipped: want.branch ? undefined : skipped('branch', 'push-branch is false'),
    });
    // The release page is planned against the forge (read-only in a dry run).
    const page = await planReleasePage({
        forge: pre.forge,
        notes: pre.forgeNotes,
        skip: skip.has('release-page'),
        content: () => pageContent({
            dir: o.dir,
            config,
            environment,
            release,
            info,
            latest: pre.rule.mayMove,
            publicKey: pre.key?.publicKey,
            log,
        }),
        dryRun: o.dryRun,
        log,
    });
    const plan = {
        version,
        environmentName: o.environmentName,
        dryRun: o.dryRun,
        // The index goes with the release's own objects; the pointers are the last public step (execute.ts);
        // the branch before the tag (the forge must know the commit the tag names).
        steps: [
            ...destinationSteps.filter((s) => s !== pointers.step),
            indexStep,
            pointers.step,
            branch,
            tag,
            page.step,
        ],
    };
    logPlan(plan, log);
    const result = {
        version,
        environmentName: o.environmentName,
        dryRun: o.dryRun,
        plan,
        uploadedBytes: 0,
        uploadedObjects: 0,
        skippedObjects: plan.steps.flatMap((s) => s.objects).filter((x) => x.action === 'skip').length,
        deletedObjects: 0,
        releaseUrl: page.result?.url ?? '',
        destinations: [],
        pointers: pointers.step.objects
            .filter((x) => x.action !== 'delete')
            .map((p) => ({ pointer: p.key, action: pointerState(p.action), why: p.reason ?? '' })),
        git: [],
        images: [],
        publicKey: pre.key?.publicKey,
        written: [],
    };
    if (o.dryRun) {
        result.destinations = destinationRows(plan, dests);
        return result;
    }
    // 5. Confirmation, once the plan is printed.
    await (0,config_confirmation/* confirmRelease */.Uf)(confirmation, `Publish ${version}`);
    // 6. Execute, in order.
    const done = await execute({
        cache,
        key: pre.key,
        force: o.force,
        docker: pre.docker ? { step: dockerStep, request: pre.docker } : undefined,
        writes: [...releases.writes, ...installers.writes, ...docs.writes],
        pointers: pointers.writes,
        index: relDest && {
            sink: relDest.sink,
            name,
            version,
            known: index,
            verified: { releases: releases.step.objects, install: installers.step.objects },
        },
        git: pre.gitPlan && { git: pre.git, plan: pre.gitPlan },
        page: pre.forge && page.content && { forge: pre.forge, content: page.content, step: page.step },
        concurrency: o.tuning?.s3.concurrency ?? DEFAULT_CONCURRENCY,
        log,
    });
    const { tally } = done;
    result.images = done.images;
    result.git = done.git;
    result.releaseUrl = done.page?.url ?? '';
    result.uploadedBytes = tally.bytes;
    result.uploadedObjects = tally.objects;
    result.deletedObjects = tally.deleted;
    result.destinations = destinationRows(plan, dests);
    result.written = tally.written.map((w) => {
        const d = [...dests.values()].find((x) => x.location === w.dest);
        return { url: d ? urlOf(d, w.key) : `${w.dest}/${w.key}`, size: w.size };
    });
    log.info(`published ${version} to ${o.environmentName}: ${tally.objects} object(s), ${(0,src_log/* formatBytes */.z3)(tally.bytes)} written, ${result.skippedObjects} already there`);
    return result;
}


/***/ })

};
