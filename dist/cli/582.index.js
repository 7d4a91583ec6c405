export const id = 582;
export const ids = [582];
export const modules = {

/***/ 2094:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   U: () => (/* binding */ NIX_FEATURES),
/* harmony export */   w: () => (/* binding */ nix)
/* harmony export */ });
/* harmony import */ var _exec_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8456);

/**
 * The experimental features our nix calls use, enabled by each call instead of expected in nix.conf: a
 * runner's nix.conf (or a release engineer's) often lacks them, and `nix copy`, `nix eval`, `nix path-info`
 * need nix-command, `.#attr` installables flakes. `extra-` adds to what nix.conf enables, never removes.
 */
const NIX_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];
/** `nix ARGS…` with the experimental features enabled. */
function nix(args, opts) {
    return (0,_exec_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)('nix', [...NIX_FEATURES, ...args], opts);
}


/***/ }),

/***/ 4582:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  buildArtifacts: () => (/* binding */ buildArtifacts)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
var external_node_fs_default = /*#__PURE__*/__webpack_require__.n(external_node_fs_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/exec.ts + 9 modules
var exec = __webpack_require__(8456);
// EXTERNAL MODULE: ./src/log.ts
var src_log = __webpack_require__(5625);
// EXTERNAL MODULE: ./src/nix/command.ts
var command = __webpack_require__(2094);
;// CONCATENATED MODULE: ./src/nix/cache.ts






/**
 * The leg cache's store URL. NARs are zstd-compressed as the published cache's (so publish can upload
 * them as they are: a signature covers the NAR hash, not the compressed file); narinfo files stay plain
 * (a file:// cache reads them back uncompressed; publish may compress them on upload); .ls listings are
 * written for the published cache's `write-nar-listing`. Nix 2.8's libarchive has zstd.
 */
function legCacheUrl(dir) {
    return `file://${external_node_path_default().resolve(dir)}?compression=zstd&write-nar-listing=true`;
}
/**
 * Copies the closures of `drvPaths` (the derivations themselves, with their inputs' derivations and
 * sources: what the reference's drvs.txt upload carries) and of `outputPaths` to a file:// cache. Nix 2.8
 * has no `drv^*` nor `--stdin`: the derivations go in one `nix copy --derivation` (which would map an
 * output path to its deriver, hence a second call), the outputs as plain store paths in another.
 */
async function copyToCache(dir, drvPaths, outputPaths, log) {
    external_node_fs_default().mkdirSync(dir, { recursive: true });
    const progress = new src_log/* Progress */.ke(log, 'copying to the leg cache');
    let done = 0;
    for (const [flags, paths] of [
        [['--derivation'], [...new Set(drvPaths)].sort()],
        [[], [...new Set(outputPaths)].sort()],
    ]) {
        if (paths.length === 0)
            continue;
        const r = await (0,command/* nix */.w)(['copy', ...flags, '--to', legCacheUrl(dir), ...paths], {
            allowFailure: true,
            log,
            streamTo: (line) => {
                if (/^copying path /.test(line))
                    progress.update(++done, undefined);
                log.debug(line);
            },
        });
        if (r.code !== 0)
            throw new errors/* RelengError */.mz(`nix copy to the leg cache ${dir} failed: ${(0,exec/* tail */.R)(r.stderr, 3)}; check the store and disk space`);
    }
    log.info(`copied ${done} store path${done === 1 ? '' : 's'} to the leg cache`);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/oci/archive.ts + 2 modules
var archive = __webpack_require__(4308);
;// CONCATENATED MODULE: ./src/release/docker-archive.ts


/**
 * Reads a docker archive (`docker save` / Nix dockerTools, plain or gzip-wrapped) in the one streaming pass
 * docker-multiarch uses, so a leg records only archives that stage will accept: every layer is hashed and
 * checked against the config's diffIDs here, on the builder, rather than at publish time.
 */
async function readImageMeta(file) {
    const scanned = await (0,archive/* scanArchive */.i3)(file, async (_entry, body) => {
        const hash = (0,external_node_crypto_.createHash)('sha256');
        for await (const c of body)
            hash.update(c);
        return { diffId: `sha256:${hash.digest('hex')}` };
    });
    return {
        sha256: scanned.sha256,
        architecture: scanned.config.architecture,
        os: scanned.config.os,
        diffIds: scanned.config.rootfs.diff_ids,
        config: scanned.configDigest,
    };
}

// EXTERNAL MODULE: ./src/release/files.ts
var release_files = __webpack_require__(3834);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__webpack_require__.n(external_node_zlib_);
// EXTERNAL MODULE: ./node_modules/tar-stream/index.js
var tar_stream = __webpack_require__(6118);
;// CONCATENATED MODULE: ./src/release/tarball.ts





const MTIME = new Date(1000); // Nix store files have mtime 1: the manual's files keep the date they have there
/**
 * A reproducible `.tar.gz` of `dir` under the top directory `root` (the reference's manual tarball,
 * `NAME-VERSION-manual/…`): entries sorted, fixed owner, mode and time, so every run — a single build or
 * a matrix leg, a re-run — writes the same bytes, and publish finds them unchanged.
 */
async function writeTarGz(dir, root, dest) {
    const pack = tar_stream.pack();
    const entries = [];
    const walk = (rel) => {
        const names = external_node_fs_default().readdirSync(external_node_path_default().join(dir, rel)).sort();
        for (const name of names) {
            const r = rel ? `${rel}/${name}` : name;
            const st = external_node_fs_default().statSync(external_node_path_default().join(dir, r));
            entries.push({ rel: r, dir: st.isDirectory(), exec: (st.mode & 0o111) !== 0 });
            if (st.isDirectory())
                walk(r);
        }
    };
    walk('');
    const common = { mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '' };
    const writing = (async () => {
        pack.entry({ ...common, name: `${root}/`, type: 'directory', mode: 0o755 });
        for (const e of entries) {
            const name = `${root}/${e.rel}`;
            if (e.dir) {
                pack.entry({ ...common, name: `${name}/`, type: 'directory', mode: 0o755 });
                continue;
            }
            const data = external_node_fs_default().readFileSync(external_node_path_default().join(dir, e.rel));
            await new Promise((resolve, reject) => pack.entry({ ...common, name, mode: e.exec ? 0o755 : 0o644, size: data.length }, data, (err) => err ? reject(err) : resolve()));
        }
        pack.finalize();
    })();
    const out = external_node_fs_default().createWriteStream(dest);
    await Promise.all([writing, (0,promises_.pipeline)(pack, external_node_zlib_default().createGzip({ level: 9 }), out)]);
    // The gzip header's OS byte is the zlib build's platform (3 on Linux, 19 on macOS): pin it, so the
    // manual-from leg writes the same bytes whichever runner it lands on.
    const fd = external_node_fs_default().openSync(dest, 'r+');
    try {
        external_node_fs_default().writeSync(fd, Buffer.from([3]), 0, 1, 9);
    }
    finally {
        external_node_fs_default().closeSync(fd);
    }
}

// EXTERNAL MODULE: ./src/release/tree.ts
var tree = __webpack_require__(3333);
// EXTERNAL MODULE: ./src/storage/hash.ts
var hash = __webpack_require__(4825);
// EXTERNAL MODULE: ./src/bundle/leg.ts
var leg = __webpack_require__(5072);
;// CONCATENATED MODULE: ./src/bundle/assemble.ts










/**
 * Writes one system's leg bundle from its built jobs: the release-tree files of this system under
 * artifacts/ (Lix's `tarballs` layout, made per system), the manual, the source and manual tarballs when
 * this is the manual-from system's leg, the leg cache, and leg.json.
 */
async function assembleLeg(o) {
    const { plan, name, version } = o;
    external_node_fs_default().rmSync(o.bundleDir, { recursive: true, force: true });
    const artifacts = external_node_path_default().join(o.bundleDir, leg/* LEG_ARTIFACTS */.hx);
    const out = (file) => external_node_path_default().join(artifacts, ...(0,tree/* inVersionDir */.xM)(name, version, file).split('/'));
    const withSha = async (file, text = tree/* sha256Line */.Up) => external_node_fs_default().writeFileSync(tree/* names */.Dy.sha256(file), text((await (0,hash/* sha256File */.Q)(file)).sha256));
    external_node_fs_default().mkdirSync(artifacts, { recursive: true });
    if (o.target === 'all') {
        if (plan.binaryTarball)
            for (const t of tarballsIn(plan.binaryTarball)) {
                (0,release_files/* copyOutOfStore */.gq)(t, out(external_node_path_default().basename(t)));
                await withSha(out(external_node_path_default().basename(t)));
            }
        if (plan.dockerImage) {
            const dest = out(tree/* names */.Dy.dockerImage(name, version, plan.system));
            (0,release_files/* copyOutOfStore */.gq)(imageIn(plan.dockerImage), dest);
            await withSha(dest);
        }
        if (plan.installer)
            (0,release_files/* copyOutOfStore */.gq)(installerIn(plan.installer), out(tree/* names */.Dy.installer(name, plan.system)));
    }
    let manual = null;
    if (plan.manual) {
        const src = manualIn(plan.manual, name, o.manualPath);
        manual = leg/* LEG_MANUAL */.c;
        (0,release_files/* copyOutOfStore */.gq)(src, external_node_path_default().join(o.bundleDir, manual));
        if (o.target === 'all') {
            (0,release_files/* copyOutOfStore */.gq)(src, out(tree/* names */.Dy.manual));
            const tarball = out(tree/* names */.Dy.manualTarball(name, version));
            await writeTarGz(src, tree/* names */.Dy.manualTarballRoot(name, version), tarball);
            await withSha(tarball);
            const source = out(tree/* names */.Dy.sourceTarball(name, version));
            await o.git.run([
                'archive',
                `--prefix=${tree/* names */.Dy.sourceTarballRoot(name, version)}/`,
                '--format=tar.gz',
                '-o',
                source,
                o.sourceRef,
            ]);
            await withSha(source, tree/* sha256Text */.f1);
        }
    }
    const cacheDrvs = plan.cacheJobs.map((j) => j.drvPath).sort();
    const cacheOutputs = plan.cacheJobs.flatMap((j) => Object.values(j.outputs)).sort();
    if (o.target === 'all')
        await o.log.group(`nix copy ${plan.system} closures to the leg cache`, () => copyToCache(external_node_path_default().join(o.bundleDir, leg/* LEG_CACHE */.wi), cacheDrvs, cacheOutputs, o.log));
    let image = null;
    if (o.target === 'all' && plan.dockerImage) {
        const rel = `${leg/* LEG_ARTIFACTS */.hx}/${(0,tree/* inVersionDir */.xM)(name, version, tree/* names */.Dy.dockerImage(name, version, plan.system))}`;
        const file = external_node_path_default().join(o.bundleDir, ...rel.split('/'));
        image = { path: rel, ...(await readImageMeta(file)) };
    }
    // The image archive is among the files; its scan above already hashed it (hundreds of MB: read once).
    const files = [];
    for (const rel of (0,release_files/* listFiles */.CS)(artifacts)) {
        const file = external_node_path_default().join(artifacts, rel);
        const hashed = image && `${leg/* LEG_ARTIFACTS */.hx}/${rel}` === image.path
            ? { sha256: image.sha256, size: external_node_fs_default().statSync(file).size }
            : await (0,hash/* sha256File */.Q)(file);
        files.push({ path: rel, ...hashed });
    }
    const record = {
        schema: 1,
        version,
        system: plan.system,
        storePaths: [...new Set([...cacheDrvs, ...cacheOutputs])].sort(),
        drvPaths: cacheDrvs,
        jobs: plan.jobs.map((j) => ({ attr: j.attr, drvPath: j.drvPath, outputs: j.outputs })),
        files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
        image,
        name,
        product: o.product,
        target: o.target,
        package: plan.package ? { attr: plan.package.attr, out: outOf(plan.package) } : null,
        manual,
    };
    (0,leg/* writeLeg */.wZ)(o.bundleDir, record);
    return record;
}
function outOf(job) {
    const p = job.outputs.out;
    if (!p)
        throw new errors/* RelengError */.mz(`job '${job.attr}' has no 'out' output; the package job needs one`);
    return p;
}
/** The binary tarballs: every *.tar.xz in the job's output (or the output itself, when it is one). */
function tarballsIn(job) {
    const out = outOf(job);
    if (external_node_fs_default().statSync(out).isFile())
        return [out];
    const found = external_node_fs_default().readdirSync(out)
        .filter(tree/* isBinaryTarball */.I8)
        .sort()
        .map((n) => external_node_path_default().join(out, n));
    if (found.length === 0)
        throw new errors/* RelengError */.mz(`job '${job.attr}': its output ${out} has no *.tar.xz; check releng.yml build.binary-tarball`);
    return found;
}
/** The docker archive: the output itself (dockerTools), else image.tar.gz in it (Lix's .tarball), else its only *.tar.gz. */
function imageIn(job) {
    const out = outOf(job);
    let file = out;
    if (external_node_fs_default().statSync(out).isDirectory()) {
        const gz = external_node_fs_default().readdirSync(out).filter((n) => n.endsWith('.tar.gz'));
        const pick = gz.includes('image.tar.gz') ? 'image.tar.gz' : gz.length === 1 ? gz[0] : undefined;
        if (!pick)
            throw new errors/* RelengError */.mz(`job '${job.attr}': its output ${out} has ${gz.length === 0 ? 'no *.tar.gz' : `several *.tar.gz (${gz.join(', ')})`} and no image.tar.gz; check releng.yml build.docker-image`);
        file = external_node_path_default().join(out, pick);
    }
    const head = Buffer.alloc(2);
    const fd = external_node_fs_default().openSync(file, 'r');
    external_node_fs_default().readSync(fd, head, 0, 2, 0);
    external_node_fs_default().closeSync(fd);
    if (head[0] !== 0x1f || head[1] !== 0x8b)
        throw new errors/* RelengError */.mz(`job '${job.attr}': ${file} is not gzip-compressed; the release tree names images .tar.gz — build a gzipped docker archive`);
    return file;
}
/** The installer binary: the output itself, else the only file in it or in its bin/. */
function installerIn(job) {
    const out = outOf(job);
    if (external_node_fs_default().statSync(out).isFile())
        return out;
    for (const dir of [out, external_node_path_default().join(out, 'bin')]) {
        const files = external_node_fs_default().existsSync(dir)
            ? external_node_fs_default().readdirSync(dir).filter((n) => external_node_fs_default().statSync(external_node_path_default().join(dir, n)).isFile())
            : [];
        if (files.length === 1)
            return external_node_path_default().join(dir, files[0]);
    }
    throw new errors/* RelengError */.mz(`job '${job.attr}': its output ${out} is not one file, nor a directory with exactly one file (or one in bin/); check releng.yml build.installer`);
}
/** The manual in the job's doc output: build.manual-path, else share/doc/NAME/manual, else the only share/doc/* /manual. */
function manualIn(job, name, configured) {
    const doc = job.outputs.doc;
    const isDir = (p) => external_node_fs_default().statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (configured) {
        const p = external_node_path_default().join(doc, configured);
        if (!isDir(p))
            throw new errors/* RelengError */.mz(`releng.yml build.manual-path: ${p} is not a directory in ${job.attr}'s doc output`);
        return p;
    }
    const own = external_node_path_default().join(doc, 'share/doc', name, 'manual');
    if (isDir(own))
        return own;
    const share = external_node_path_default().join(doc, 'share/doc');
    const found = isDir(share)
        ? external_node_fs_default().readdirSync(share)
            .map((n) => external_node_path_default().join(share, n, 'manual'))
            .filter(isDir)
        : [];
    if (found.length === 1)
        return found[0];
    throw new errors/* RelengError */.mz(`${job.attr}: no manual in its doc output ${doc} (looked for share/doc/${name}/manual${found.length > 1 ? `; found several: ${found.join(', ')}` : ''}); set releng.yml build.manual-path`);
}

// EXTERNAL MODULE: ./src/bundle/merge.ts
var merge = __webpack_require__(764);
// EXTERNAL MODULE: ./src/config/version.ts
var config_version = __webpack_require__(8794);
// EXTERNAL MODULE: ./src/git/git.ts
var git_git = __webpack_require__(308);
;// CONCATENATED MODULE: ./src/nix/jobs.ts



// The parts of a derivation a job needs, as a Nix function (shared by both evaluations below).
const JOB_INFO = `v: {
  drvPath = v.drvPath; system = v.system;
  outputs = builtins.listToAttrs (map (o: { name = o; value = v.\${o}.outPath; }) (v.outputs or [ "out" ])); }`;
const IS_DRV = `v: builtins.isAttrs v && v ? type && v.type == "derivation"`;
// Without nix-eval-jobs (Debian's nix 2.8 has none), one `nix eval --json --apply` walks the jobs attrset
// the way `nix-eval-jobs --force-recurse` does: every derivation below it, named by its dotted path.
const FLATTEN = `jobs: let
  isDrv = ${IS_DRV};
  info = ${JOB_INFO};
  go = prefix: v:
    if isDrv v then [{ name = prefix; value = info v; }]
    else if builtins.isAttrs v then builtins.concatLists (map (n: go (if prefix == "" then n else "\${prefix}.\${n}") v.\${n}) (builtins.attrNames v))
    else [];
in builtins.listToAttrs (go "" jobs)`;
async function hasNixEvalJobs() {
    return ((await (0,exec/* run */.e)('nix-eval-jobs', ['--help'], { allowFailure: true }).catch(() => ({ code: 1 }))).code === 0);
}
/** The installable evaluated for `installable` and a profile: `.#release-jobs` + `all` → `.#release-jobs.all`. */
function jobsInstallable(installable, profile) {
    return profile ? `${installable}.${profile}` : installable;
}
/** Evaluates `installable` (e.g. `.#release-jobs`) in `dir` into its jobs, sorted by attr. */
async function evalJobs(dir, installable, log, opts = {}) {
    const target = jobsInstallable(installable, opts.profile);
    const failed = async (stderr) => opts.profile && missingAttribute(stderr)
        ? await noSuchProfile(dir, installable, opts.profile, log)
        : evalError(target, stderr);
    if (await hasNixEvalJobs()) {
        const roots = opts.gcRootsDir ? ['--gc-roots-dir', opts.gcRootsDir] : [];
        const r = await (0,exec/* run */.e)('nix-eval-jobs', [...command/* NIX_FEATURES */.U, '--force-recurse', ...roots, '--flake', target], {
            cwd: dir,
            log,
            allowFailure: true,
        });
        if (r.code !== 0)
            throw await failed(r.stderr);
        return r.stdout
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l))
            .map((j) => {
            if (j.error)
                throw new errors/* RelengError */.mz(`${target}: evaluating ${j.attr} failed: ${lastLine(j.error)}; fix the flake`);
            return { attr: j.attr, drvPath: j.drvPath, system: j.system, outputs: j.outputs };
        })
            .sort(byAttr);
    }
    const r = await (0,command/* nix */.w)(['eval', '--json', target, '--apply', FLATTEN], { cwd: dir, log, allowFailure: true });
    if (r.code !== 0)
        throw await failed(r.stderr);
    const data = JSON.parse(r.stdout);
    return Object.entries(data)
        .map(([attr, j]) => ({ attr, ...j }))
        .sort(byAttr);
}
/** The profile is not an attribute of the jobs: name the ones there are. */
async function noSuchProfile(dir, installable, profile, log) {
    const r = await (0,command/* nix */.w)(['eval', '--json', installable, '--apply', 'builtins.attrNames'], {
        cwd: dir,
        log,
        allowFailure: true,
    });
    if (r.code !== 0)
        return evalError(installable, r.stderr);
    const names = JSON.parse(r.stdout);
    return new errors/* RelengError */.mz(`profile '${profile}': ${installable} has no such attribute (it has ${names.join(', ') || 'none'}); pass one of its profiles (input 'profile' or releng.yml build.profile)`);
}
/**
 * Evaluates a flake attribute path outside the release jobs, e.g. `.#hydraJobs.dockerImage.{system}.tarball`,
 * for every system of `probe` in one `nix eval`: the systems of `instantiate` get their job (drvPath and
 * outputs, which writes the derivation to the store), the others are only checked to exist, so a leg
 * does not instantiate another system's closure. The path's first component is the installable nix
 * resolves (`.#hydraJobs`); the rest is walked in Nix, so a system without the attribute is an answer,
 * not an error. Template components reach the Nix code as JSON data, never as code.
 */
async function evalSystemJobs(dir, template, probe, instantiate, log) {
    const { flake, first, rest } = splitInstallable(template);
    const query = {
        probe,
        instantiate,
        paths: Object.fromEntries(probe.map((s) => [s, rest.map((c) => c.split('{system}').join(s))])),
    };
    const apply = `root: let
  q = builtins.fromJSON ${nixString(JSON.stringify(query))};
  isDrv = ${IS_DRV};
  info = ${JOB_INFO};
  walk = at: v: path:
    if path == [] then { found = true; value = v; }
    else if builtins.isAttrs v && builtins.hasAttr (builtins.head path) v
    then walk (at ++ [ (builtins.head path) ]) (builtins.getAttr (builtins.head path) v) (builtins.tail path)
    else { found = false; inherit at; has = if builtins.isAttrs v then builtins.attrNames v else []; };
  one = s: let r = walk [] root q.paths.\${s}; in
    if !r.found then { missing = { inherit (r) at has; }; }
    else if !(isDrv r.value) then { job = "not-a-derivation"; }
    else if builtins.elem s q.instantiate then { job = info r.value; }
    else { job = "present"; };
in builtins.listToAttrs (map (s: { name = s; value = one s; }) q.probe)`;
    const installable = `${flake}#${first}`;
    const r = await (0,command/* nix */.w)(['eval', '--json', installable, '--apply', apply], {
        cwd: dir,
        log,
        allowFailure: true,
    });
    if (r.code !== 0) {
        if (missingAttribute(r.stderr))
            return { bySystem: Object.fromEntries(probe.map((s) => [s, null])), missing: { at: flake, has: [] } };
        throw evalError(installable, r.stderr);
    }
    const data = JSON.parse(r.stdout);
    const out = { bySystem: {} };
    for (const s of probe) {
        const d = data[s];
        if (d.missing) {
            out.bySystem[s] = null;
            out.missing ??= { at: [`${flake}#${first}`, ...d.missing.at].join('.'), has: d.missing.has };
        }
        else if (typeof d.job === 'object')
            out.bySystem[s] = { attr: `${flake}#${[first, ...query.paths[s]].join('.')}`, ...d.job };
        else
            out.bySystem[s] = d.job ?? null;
    }
    return out;
}
/** `FLAKE#a.b.{system}.c` → the flake reference, the first attr (resolved by nix) and the rest. */
function splitInstallable(template) {
    const hash = template.indexOf('#');
    const [first = '', ...rest] = template.slice(hash + 1).split('.');
    return { flake: template.slice(0, hash), first, rest };
}
/** A Nix string literal holding `s` exactly (`\`, `"` and `$` escaped; Nix strings may span lines). */
function nixString(s) {
    return `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}
function missingAttribute(stderr) {
    return /does not provide attribute/.test(stderr);
}
function evalError(installable, stderr) {
    const feature = /experimental Nix feature '([^']+)' is disabled/.exec(stderr);
    if (feature)
        return new errors/* RelengError */.mz(`${installable}: nix has the experimental feature '${feature[1]}' disabled; add 'experimental-features = nix-command flakes' to nix.conf (or NIX_CONFIG)`);
    if (missingAttribute(stderr))
        return new errors/* RelengError */.mz(`${installable}: the flake has no such attribute; set build.jobs in releng.yml to its release jobs`);
    return new errors/* RelengError */.mz(`${installable}: evaluation failed: ${lastLine(stderr)}; fix the flake`);
}
function lastLine(text) {
    const lines = text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('…') && !/^at /.test(l));
    return lines.filter((l) => /error/.test(l)).pop() ?? lines.pop() ?? 'no output';
}
function byAttr(a, b) {
    return a.attr < b.attr ? -1 : a.attr > b.attr ? 1 : 0;
}

;// CONCATENATED MODULE: ./src/nix/realise.ts




/**
 * Builds each job with `nix-store --realise`, one at a time so a failure names its attr, with an indirect
 * GC root per output under `rootsDir` (the reference's gcroots-build) so a garbage collection between
 * build and publish cannot delete what is about to be published. Logs stream into one group per job.
 */
async function realiseJobs(jobs, rootsDir, log) {
    external_node_fs_default().mkdirSync(rootsDir, { recursive: true });
    let done = 0;
    for (const job of jobs) {
        await log.group(`nix build ${job.attr} (${++done}/${jobs.length})`, async () => {
            const root = external_node_path_default().join(rootsDir, rootName(job.attr));
            const r = await (0,exec/* run */.e)('nix-store', ['--realise', job.drvPath, '--add-root', root, '--indirect'], {
                allowFailure: true,
                log,
                streamTo: (line) => log.info(line),
            });
            if (r.code !== 0)
                throw new errors/* RelengError */.mz(`building ${job.attr} (${job.drvPath}) failed: ${(0,exec/* tail */.R)(r.stderr, 5)}; see the build log above`);
        });
    }
}
/** A GC root's file name for a job: its attr (a flake path without its `FLAKE#`), file-name safe. */
function rootName(attr) {
    return attr.replace(/^[^#]*#/, '').replace(/[^A-Za-z0-9._-]/g, '_');
}
/** The output paths of a derivation (`nix-store -q --outputs`; nix 2.8 has no `drv^*`). */
async function derivationOutputs(drvPath) {
    const r = await run('nix-store', ['-q', '--outputs', drvPath]);
    return r.stdout.split('\n').filter(Boolean);
}

;// CONCATENATED MODULE: ./src/release/plan.ts

/** True when the job's attr path names its own system (Hydra's `job.SYSTEM` convention). */
function isPerSystem(job) {
    return job.attr.split('.').includes(job.system);
}
function jobAttr(template, system) {
    return template.split('{system}').join(system);
}
/** The templates of releng.yml `build:` that name a job per system. */
const TEMPLATE_KEYS = ['package', 'binary-tarball', 'docker-image', 'installer'];
/**
 * A template naming a flake attribute path of its own (`.#hydraJobs.binaryTarball.{system}`) rather than a
 * job below build.jobs (`binaryTarball.{system}`): it is evaluated apart, per system (evalSystemJobs).
 */
function isFlakePath(template) {
    return template.includes('#');
}
/** The templates of `build` that are flake attribute paths, by key: what the stage evaluates apart. */
function flakePathTemplates(build) {
    return TEMPLATE_KEYS.flatMap((k) => {
        const t = build[k];
        return t !== null && isFlakePath(t) ? [[k, t]] : [];
    });
}
/** The systems the jobs' per-system jobs cover, sorted. */
function systemsOf(jobs) {
    return [...new Set(jobs.filter(isPerSystem).map((j) => j.system))].sort();
}
/**
 * Decides what each requested system's leg builds. Every error names the config key or input and what
 * the flake has instead.
 */
function planBuild(jobs, build, systems, target, o = {}) {
    const where = o.jobsInstallable ?? build.jobs;
    const flakePaths = o.flakePaths ?? {};
    if (jobs.length === 0)
        throw new errors/* RelengError */.mz(`${where}: no derivations below it; set build.jobs in releng.yml to the release jobs`);
    const byAttr = new Map(jobs.map((j) => [j.attr, j]));
    const perSystem = jobs.filter(isPerSystem);
    const flakeSystems = systemsOf(jobs);
    const aggregates = jobs.filter((j) => !isPerSystem(j));
    const missing = systems.filter((s) => !flakeSystems.includes(s));
    if (missing.length > 0)
        throw new errors/* RelengError */.mz(`systems: ${missing.join(', ')}: ${where} has no job for ${missing.length === 1 ? 'it' : 'them'}; it has jobs for ${flakeSystems.join(', ') || 'no system'} — fix input 'systems' or releng.yml build.systems`);
    const manual = byAttr.get(build['manual-from']);
    if (!manual)
        throw new errors/* RelengError */.mz(`releng.yml build.manual-from: ${where} has no job '${build['manual-from']}'${hint(build['manual-from'], jobs)}; name the job whose doc output holds the manual`);
    if (!manual.outputs.doc)
        throw new errors/* RelengError */.mz(`releng.yml build.manual-from: job '${manual.attr}' has no 'doc' output (it has ${Object.keys(manual.outputs).join(', ')}); name the job whose doc output holds the manual`);
    if (target === 'manual') {
        if (!systems.includes(manual.system))
            throw new errors/* RelengError */.mz(`target manual: the manual comes from ${manual.attr} (${manual.system}), which is not among the systems to build (${systems.join(', ')}); add ${manual.system} to input 'systems'`);
        return {
            legs: [
                {
                    system: manual.system,
                    jobs: [manual],
                    package: null,
                    binaryTarball: null,
                    dockerImage: null,
                    installer: null,
                    manual,
                    cacheJobs: [],
                },
            ],
            flakeSystems,
            aggregates,
            manualSystem: manual.system,
        };
    }
    // A template that matches no job of any system is a typo, not a project without that artifact; a system
    // the template has no job for simply has no such file (aarch64-darwin has no docker image).
    const resolve = (key) => {
        const template = build[key];
        if (template === null)
            return () => null;
        if (isFlakePath(template))
            return flakePathJobs(key, template, flakePaths[key], flakeSystems);
        if (key !== 'package' && !flakeSystems.some((s) => byAttr.has(jobAttr(template, s))))
            throw new errors/* RelengError */.mz(`releng.yml build.${key}: '${template}' matches no job of ${where} for any system (${flakeSystems.join(', ')})${hint(jobAttr(template, flakeSystems[0] ?? ''), jobs)}; fix it, or set it to null when the project has none`);
        return (system) => byAttr.get(jobAttr(template, system)) ?? null;
    };
    const packageOf = resolve('package');
    const tarballOf = resolve('binary-tarball');
    const imageOf = resolve('docker-image');
    const installerOf = resolve('installer');
    const legs = systems.map((system) => {
        const pkg = packageOf(system);
        if (!pkg) {
            const pkgAttr = jobAttr(build.package, system);
            throw new errors/* RelengError */.mz(`releng.yml build.package: ${isFlakePath(pkgAttr) ? 'the flake has no derivation' : `${where} has no job`} '${pkgAttr}' for ${system}${isFlakePath(pkgAttr) ? '' : hint(pkgAttr, jobs)}; every released system needs its package (manifest.nix)`);
        }
        const roles = {
            binaryTarball: tarballOf(system),
            dockerImage: imageOf(system),
            installer: installerOf(system),
        };
        const treeOnly = new Set(Object.values(roles).filter((j) => j !== null));
        const own = perSystem.filter((j) => j.system === system);
        const all = new Map();
        for (const j of [pkg, ...own, ...treeOnly, ...(manual.system === system ? [manual] : [])])
            all.set(j.attr, j);
        const legJobs = [...all.values()].sort((a, b) => (a.attr < b.attr ? -1 : 1));
        return {
            system,
            jobs: legJobs,
            package: pkg,
            ...roles,
            manual: manual.system === system ? manual : null,
            cacheJobs: legJobs.filter((j) => !treeOnly.has(j)),
        };
    });
    return { legs, flakeSystems, aggregates, manualSystem: manual.system };
}
/** A flake-path template's job per system, from its evaluation; an error when it names nothing at all. */
function flakePathJobs(key, template, answer, flakeSystems) {
    if (!answer)
        throw new Error(`build.${key}: the flake path ${template} was not evaluated`);
    if (Object.values(answer.bySystem).every((j) => j === null))
        throw new errors/* RelengError */.mz(`releng.yml build.${key}: '${template}' names nothing in the flake for any system (${flakeSystems.join(', ')})${answer.missing?.has.length ? ` (${answer.missing.at} has ${list(answer.missing.has)})` : ''}; fix it, or set it to null when the project has none`);
    return (system) => {
        const job = answer.bySystem[system] ?? null;
        if (job === 'not-a-derivation')
            throw new errors/* RelengError */.mz(`releng.yml build.${key}: '${jobAttr(template, system)}' is not a derivation; name the derivation whose output holds the file (e.g. Lix's dockerImage.{system}.tarball)`);
        if (job === 'present')
            throw new Error(`build.${key}: ${template} for ${system} was not instantiated`);
        return job;
    };
}
/** ", it has a, b" — the jobs sharing the attr's first component, to spot a typo. */
function hint(attr, jobs) {
    const head = attr.split('.')[0];
    const near = jobs.filter((j) => j.attr.split('.')[0] === head).map((j) => j.attr);
    return ` (it has ${list(near.length > 0 ? near : jobs.map((j) => j.attr))})`;
}
function list(names) {
    return `${names.slice(0, 6).join(', ')}${names.length > 6 ? ', …' : ''}`;
}

;// CONCATENATED MODULE: ./src/stages/build-artifacts.ts











/** Lix's `build` step, one leg bundle per system, then the release tree merged from those legs. */
async function buildArtifacts(o) {
    const { config, log } = o;
    const git = new git_git/* Git */.T(o.dir, log);
    const { version } = (0,config_version/* readVersionInfo */.DQ)(o.dir);
    const profile = o.profile ?? config.build.profile;
    // 1. On the tag, with a clean tree (a manual for nightly docs is built from any commit, as in the reference).
    if (!(await git.isRepo()))
        throw new errors/* RelengError */.mz(`${o.dir}: not a git repository; run build-artifacts in the project's checkout`);
    if (o.target === 'all' && !o.noCheckGit)
        await git.checkOnTag(version);
    const sourceRef = (await git.tagExists(version)) ? version : 'HEAD';
    if (o.target === 'all' && sourceRef === 'HEAD')
        log.warning(`tag ${version} does not exist: the source tarball is made from HEAD (no-check-git)`);
    const out = external_node_path_default().resolve(o.dir, o.outDir);
    const evalRoots = external_node_path_default().join(out, 'gcroots');
    // 2. Evaluate the release jobs (of the profile), the templates that name flake paths of their own, and
    //    decide what each system's leg builds.
    const installable = jobsInstallable(config.build.jobs, profile);
    log.info(`evaluating ${installable}`);
    const jobs = await evalJobs(o.dir, config.build.jobs, log, { gcRootsDir: evalRoots, profile });
    const flakeSystems = systemsOf(jobs);
    const systems = [...new Set(o.systems?.length ? o.systems : profile ? flakeSystems : config.build.systems)];
    if (profile && !o.systems?.length) {
        const lacking = config.build.systems.filter((s) => !flakeSystems.includes(s));
        if (lacking.length > 0)
            log.warning(`profile ${profile} builds ${flakeSystems.join(', ')}; releng.yml build.systems also has ${lacking.join(', ')}, which a release of this build lacks`);
    }
    const flakePaths = {};
    if (o.target === 'all')
        for (const [key, template] of flakePathTemplates(config.build)) {
            log.info(`evaluating ${template} (build.${key})`);
            const probe = [...new Set([...flakeSystems, ...systems])].sort();
            flakePaths[key] = await evalSystemJobs(o.dir, template, probe, systems, log);
        }
    const plan = planBuild(jobs, config.build, systems, o.target, { flakePaths, jobsInstallable: installable });
    if (plan.aggregates.length > 0 && o.target === 'all')
        log.info(`not built: ${plan.aggregates.map((j) => j.attr).join(', ')} (their attr names no system, so no single leg can build them; each leg makes its part of the release tree from its system's jobs)`);
    if (o.target === 'all' && !systems.includes(plan.manualSystem))
        log.info(`the manual and the source tarball come from the ${plan.manualSystem} leg (build.manual-from), which this run does not build`);
    // 3. Start from nothing we made before (only our own entries: out-dir may be shared), once the
    //    inputs are known good: a refused build leaves the previous one as it was.
    const paths = {
        artifacts: external_node_path_default().join(out, 'artifacts'),
        manual: external_node_path_default().join(out, 'manual'),
        legs: external_node_path_default().join(out, 'legs'),
        drvs: external_node_path_default().join(out, 'drvs.txt'),
        buildRoots: external_node_path_default().join(out, 'gcroots-build'),
    };
    for (const p of Object.values(paths))
        external_node_fs_default().rmSync(p, { recursive: true, force: true });
    // 4. Build every leg's jobs, with GC roots so nothing built is collected before publish.
    const toBuild = [...new Map(plan.legs.flatMap((l) => l.jobs).map((j) => [j.attr, j])).values()];
    await realiseJobs(toBuild, paths.buildRoots, log);
    // 5. One leg bundle per system.
    const legs = [];
    for (const legPlan of plan.legs) {
        const dir = external_node_path_default().join(paths.legs, legPlan.system);
        const record = await log.group(`leg bundle ${legPlan.system}`, () => assembleLeg({
            plan: legPlan,
            target: o.target,
            name: config.name,
            product: config.product,
            version,
            bundleDir: dir,
            manualPath: config.build['manual-path'],
            git,
            sourceRef,
            log,
        }));
        log.info(`leg ${legPlan.system}: ${record.files.length} release-tree files, ${record.storePaths.length} store paths in its cache${record.image ? ', an image' : ''}${record.manual ? ', the manual' : ''}`);
        legs.push({ dir, record });
    }
    // 6. The release tree as the fan-in jobs will see it: the same merge, so one machine and a matrix agree.
    const merged = await (0,merge/* mergeLegs */.gI)(legs.map((l) => l.dir), log);
    external_node_fs_default().mkdirSync(paths.artifacts, { recursive: true });
    await (0,merge/* writeTree */.WM)(merged, paths.artifacts);
    if (merged.manualDir)
        (0,release_files/* placeTree */.Mv)(merged.manualDir, paths.manual);
    if (o.target === 'all')
        external_node_fs_default().writeFileSync(paths.drvs, merged.drvPaths.map((d) => `${d}\n`).join(''));
    const versionDirImages = merged.images.map((i) => external_node_path_default().join(paths.artifacts, ...relativeToArtifacts(i.path)));
    return {
        version,
        target: o.target,
        profile: profile ?? null,
        jobs: installable,
        systems: plan.legs.map((l) => l.system),
        artifactsDir: paths.artifacts,
        manualDir: merged.manualDir ? paths.manual : null,
        bundleDir: legs.length === 1 ? legs[0].dir : paths.legs,
        legs,
        images: versionDirImages,
        merged,
        aggregates: plan.aggregates.map((j) => j.attr),
    };
}
/** An image's leg path (artifacts/NAME/NAME-VERSION/…) as segments below the release tree. */
function relativeToArtifacts(legPath) {
    const parts = legPath.split('/');
    return parts[0] === 'artifacts' ? parts.slice(1) : parts;
}


/***/ })

};
