export const id = 646;
export const ids = [646];
export const modules = {

/***/ 9646:
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
// EXTERNAL MODULE: ./node_modules/@actions/exec/lib/exec.js + 5 modules
var exec = __webpack_require__(2876);
;// CONCATENATED MODULE: ./src/exec.ts


/**
 * Runs a program without a shell. Output is captured (the runner's "[command]" echo is off, so
 * arguments that carry paths to secret files are not printed); a failure names the command and shows
 * the tail of stderr.
 */
async function exec_run(cmd, args, opts = {}) {
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

// EXTERNAL MODULE: ./src/log.ts
var src_log = __webpack_require__(5625);
;// CONCATENATED MODULE: ./src/nix/command.ts

/**
 * The experimental features our nix calls use, enabled by each call instead of expected in nix.conf: a
 * runner's nix.conf (or a release engineer's) often lacks them, and `nix copy`, `nix eval`, `nix path-info`
 * need nix-command, `.#attr` installables flakes. `extra-` adds to what nix.conf enables, never removes.
 */
const NIX_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];
/** `nix ARGS…` with the experimental features enabled. */
function nix(args, opts) {
    return exec_run('nix', [...NIX_FEATURES, ...args], opts);
}

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
        const r = await nix(['copy', ...flags, '--to', legCacheUrl(dir), ...paths], {
            allowFailure: true,
            log,
            streamTo: (line) => {
                if (/^copying path /.test(line))
                    progress.update(++done, undefined);
                log.debug(line);
            },
        });
        if (r.code !== 0)
            throw new errors/* RelengError */.mz(`nix copy to the leg cache ${dir} failed: ${tail(r.stderr, 3)}; check the store and disk space`);
    }
    log.info(`copied ${done} store path${done === 1 ? '' : 's'} to the leg cache`);
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: external "node:stream/promises"
var promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__webpack_require__.n(external_node_zlib_);
;// CONCATENATED MODULE: ./src/oci/digest.ts


const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
function isDigest(s) {
    return typeof s === 'string' && DIGEST_RE.test(s);
}
function sha256Digest(data) {
    return `sha256:${createHash('sha256').update(data).digest('hex')}`;
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

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
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
    for (const dir of (processEnv.PATH ?? '').split(path.delimiter)) {
        if (!dir)
            continue;
        const file = path.join(dir, 'igzip');
        try {
            fs.accessSync(file, fs.constants.X_OK);
            if (fs.statSync(file).isFile())
                return file;
        }
        catch { }
    }
    return undefined;
}
/** Whether `bin` is ISA-L's igzip (another program of that name would not understand our options). */
function isIsal(bin) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
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
        throw new RelengError(found
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
    const config = parseConfig(configBytes, file);
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
function parseConfig(bytes, where) {
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

;// CONCATENATED MODULE: ./src/release/docker-archive.ts


/**
 * Reads a docker archive (`docker save` / Nix dockerTools, plain or gzip-wrapped) in the one streaming pass
 * docker-multiarch uses, so a leg records only archives that stage will accept: every layer is hashed and
 * checked against the config's diffIDs here, on the builder, rather than at publish time.
 */
async function readImageMeta(file) {
    const scanned = await scanArchive(file, async (_entry, body) => {
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

// EXTERNAL MODULE: ./src/config/checkout.ts
var checkout = __webpack_require__(4020);
;// CONCATENATED MODULE: ./src/storage/key.ts


/**
 * The one rule for a relative path that becomes an object key or a file below a directory: a leg.json
 * path, a file of an artifacts dir or a manual, a key a planner makes, the prefix of an S3 destination.
 * Whatever passes names the same place on every server and file system — nothing a server, an HTTP
 * client or a file system would normalise into another place (`..`, `.`, `//`, `\`, a lone surrogate
 * turned into U+FFFD, NFD folded by macOS) — and it is checked where the path enters, the same for a dry
 * run and a real one.
 */
/** S3's limit for a whole key (UTF-8 bytes); a directory sink has PATH_MAX, which is larger. */
const KEY_MAX_BYTES = 1024;
/** A file name on the usual file systems (ext4, APFS, NTFS count 255). */
const SEGMENT_MAX_BYTES = 255;
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** What is wrong with `p` as a relative key or path, in a few words; undefined when nothing is. */
function pathProblem(p) {
    if (p === '')
        return 'an empty path';
    if (LONE_SURROGATE.test(p))
        return 'text that is not well-formed Unicode (a lone surrogate)';
    if (CONTROL.test(p))
        return 'a control character';
    if (p.includes('\\'))
        return 'a backslash (use /)';
    if (p.startsWith('/'))
        return 'an absolute path (it must be relative)';
    if (Buffer.byteLength(p) > KEY_MAX_BYTES)
        return `more than ${KEY_MAX_BYTES} bytes`;
    for (const segment of p.split('/')) {
        if (segment === '')
            return 'an empty segment (//, or a / at the end)';
        if (segment === '.')
            return "a '.' segment";
        if (segment === '..')
            return "a '..' segment";
        if (Buffer.byteLength(segment) > SEGMENT_MAX_BYTES)
            return `a segment longer than ${SEGMENT_MAX_BYTES} bytes`;
    }
    if (p.normalize('NFC') !== p)
        return 'a name not in Unicode normal form C (macOS would store it under another)';
    return undefined;
}
/** Whether the file system path `p` is `root` or below it (both absolute, or both relative to one place). */
function isWithin(root, p) {
    const r = external_node_path_default().relative(root, p);
    return r === '' || (r !== '..' && !r.startsWith(`..${(external_node_path_default()).sep}`) && !external_node_path_default().isAbsolute(r));
}
/** `p`, or one line: `WHERE 'P': what is wrong; what to do`. */
function checkRelativePath(p, where, todo = 'rename it') {
    const problem = pathProblem(p);
    if (problem)
        throw new errors/* RelengError */.mz(`${where} '${(0,errors/* printable */.g$)(p, 120)}': ${problem}; ${todo}`);
    return p;
}

;// CONCATENATED MODULE: ./src/release/files.ts





/**
 * Puts `src`'s bytes at `dest`: a hard link where the file system allows one (a release tree beside its
 * leg bundles costs no space), else a copy. An existing `dest` is replaced, unless it is already `src`.
 */
function placeFile(src, dest) {
    external_node_fs_default().mkdirSync(external_node_path_default().dirname(dest), { recursive: true });
    const existing = statOrNull(dest);
    if (existing) {
        const s = external_node_fs_default().statSync(src);
        if (existing.ino === s.ino && existing.dev === s.dev)
            return;
        external_node_fs_default().rmSync(dest, { recursive: true, force: true });
    }
    try {
        external_node_fs_default().linkSync(src, dest);
    }
    catch (e) {
        const code = e.code;
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP')
            throw e;
        external_node_fs_default().copyFileSync(src, dest);
    }
}
/** Every regular file below `dir`, as sorted relative paths with forward slashes. */
function listFiles(dir) {
    const out = [];
    const walk = (rel) => {
        for (const e of external_node_fs_default().readdirSync(external_node_path_default().join(dir, rel), { withFileTypes: true })) {
            const r = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory())
                walk(r);
            else if (e.isFile())
                out.push(r);
        }
    };
    walk('');
    return out.sort();
}
/** placeFile for every file below `src`, into the same places below `dest`. */
function placeTree(src, dest) {
    external_node_fs_default().mkdirSync(dest, { recursive: true });
    for (const rel of listFiles(src))
        placeFile(external_node_path_default().join(src, rel), external_node_path_default().join(dest, rel));
}
function statOrNull(p) {
    try {
        return external_node_fs_default().lstatSync(p);
    }
    catch {
        return null;
    }
}
/**
 * Copies a file or directory out of the nix store: store files are read-only, so copies get the usual
 * writable modes (0644, 0755 when executable), as the reference's `cp --no-preserve=mode`.
 */
function copyOutOfStore(src, dest) {
    const st = external_node_fs_default().statSync(src);
    if (st.isDirectory()) {
        external_node_fs_default().mkdirSync(dest, { recursive: true });
        for (const name of external_node_fs_default().readdirSync(src).sort())
            copyOutOfStore(external_node_path_default().join(src, name), external_node_path_default().join(dest, name));
        return;
    }
    external_node_fs_default().mkdirSync(external_node_path_default().dirname(dest), { recursive: true });
    external_node_fs_default().rmSync(dest, { force: true });
    external_node_fs_default().copyFileSync(src, dest);
    external_node_fs_default().chmodSync(dest, st.mode & 0o111 ? 0o755 : 0o644);
}
/** What a file system entry is, for a message refusing it. */
function kindOf(st) {
    if (st.isFIFO())
        return 'a FIFO';
    if (st.isSocket())
        return 'a socket';
    if (st.isCharacterDevice())
        return 'a character device';
    if (st.isBlockDevice())
        return 'a block device';
    if (st.isDirectory())
        return 'a directory';
    return 'not a file';
}
const inside = isWithin;
/**
 * A directory whose content came from elsewhere — a leg bundle, an artifacts dir, a manual — and the one
 * rule every reader of it goes through: nothing outside its real directory is read. A symbolic link may
 * lead to another place inside it (or into `also`: the nix store, for an artifacts dir holding `result`
 * links), never out; only regular files and directories are read (a FIFO would block, a device never end).
 * Messages name the path as given and what it leads to.
 */
class ContainedDir {
    dir;
    what;
    /** The real path of the directory. */
    real;
    also;
    constructor(dir, 
    /** For messages: `the leg bundle`, `the artifacts dir`. */
    what, also = []) {
        this.dir = dir;
        this.what = what;
        try {
            this.real = external_node_fs_default().realpathSync(dir);
        }
        catch (e) {
            throw new errors/* RelengError */.mz(`${dir}: ${(0,checkout/* describeFsError */.TQ)(e)}`);
        }
        if (!external_node_fs_default().statSync(this.real).isDirectory())
            throw new errors/* RelengError */.mz(`${dir}: is not a directory`);
        this.also = also.flatMap((a) => {
            try {
                return [external_node_fs_default().realpathSync(a)];
            }
            catch {
                return [];
            }
        });
    }
    /**
     * `p` (a path below `dir`, as the caller built it) resolved, links included, and checked: inside, and a
     * regular file or a directory as asked. Undefined when nothing is there and `optional`.
     */
    resolve(p, kind, o = {}) {
        if (!inside(external_node_path_default().resolve(this.dir), external_node_path_default().resolve(p)))
            throw new errors/* RelengError */.mz(`${p}: is not inside ${this.what} ${this.dir}`);
        let real;
        try {
            real = external_node_fs_default().realpathSync(p);
        }
        catch (e) {
            const code = e.code;
            if (code === 'ENOENT' && external_node_fs_default().lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink())
                throw new errors/* RelengError */.mz(`${p}: is a symbolic link that leads nowhere`);
            if ((code === 'ENOENT' || code === 'ENOTDIR') && o.optional)
                return undefined;
            throw new errors/* RelengError */.mz(`${p}: ${code === 'ENOENT' ? 'missing' : (0,checkout/* describeFsError */.TQ)(e)}`);
        }
        if (!inside(this.real, real) && !this.also.some((a) => inside(a, real)))
            throw new errors/* RelengError */.mz(`${p}: leads outside ${this.what} ${this.dir} through a symbolic link (to ${real}); ${this.what} must hold its files itself`);
        const stat = external_node_fs_default().statSync(real);
        if (kind === 'file' && !stat.isFile())
            throw new errors/* RelengError */.mz(`${p}: ${stat.isDirectory() ? 'is a directory, not a file' : `is not a regular file (${kindOf(stat)})`}`);
        if (kind === 'directory' && !stat.isDirectory())
            throw new errors/* RelengError */.mz(`${p}: is not a directory`);
        return { real, stat };
    }
    /**
     * Every regular file below `sub` (a directory inside, as given), sorted by path. Directories are walked
     * as they are (a link to a directory is not followed: it could loop or lead out); a link to a file is
     * read where it leads, when that is inside; anything else is refused.
     */
    files(sub = this.dir) {
        const start = this.resolve(sub, 'directory').real;
        const out = [];
        const walk = (rel) => {
            for (const e of external_node_fs_default().readdirSync(external_node_path_default().join(start, rel), { withFileTypes: true })) {
                const r = rel ? `${rel}/${e.name}` : e.name;
                const real = external_node_path_default().join(start, ...r.split('/'));
                const shown = external_node_path_default().join(sub, ...r.split('/'));
                if (e.isDirectory())
                    walk(r);
                else if (e.isFile())
                    out.push({ path: r, source: real, size: external_node_fs_default().statSync(real).size });
                else if (e.isSymbolicLink()) {
                    const target = this.resolve(shown, 'file');
                    out.push({ path: r, source: target.real, size: target.stat.size });
                }
                else
                    throw new errors/* RelengError */.mz(`${shown}: is not a regular file (${kindOf(external_node_fs_default().lstatSync(real))})`);
            }
        };
        walk('');
        return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
}

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

;// CONCATENATED MODULE: ./src/release/tree.ts
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

const MANIFEST = 'manifest.nix';
/** `NAME/NAME-VERSION`: the version directory. */
function versionDir(name, version) {
    return `${name}/${name}-${version}`;
}
/** `NAME/NAME-VERSION/`: the version directory as a key prefix (a listing of it, nothing of another version). */
function versionPrefix(name, version) {
    return `${versionDir(name, version)}/`;
}
/** A file of the version directory: `NAME/NAME-VERSION/FILE`. */
function inVersionDir(name, version, file) {
    return versionPrefix(name, version) + file;
}
/** The part of `treePath` below the version directory, or undefined when it is outside it. */
function belowVersionDir(name, version, treePath) {
    const prefix = versionPrefix(name, version);
    return treePath.startsWith(prefix) ? treePath.slice(prefix.length) : undefined;
}
/** The file names inside the version directory. */
const names = {
    sourceTarball: (name, version) => `${name}-${version}.tar.gz`,
    /** The top directory inside the source tarball (`git archive --prefix`). */
    sourceTarballRoot: (name, version) => `${name}-${version}`,
    manualTarball: (name, version) => `${name}-${version}-manual.tar.gz`,
    /** The top directory inside the manual tarball, as the reference's manualTar. */
    manualTarballRoot: (name, version) => `${name}-${version}-manual`,
    dockerImage: (name, version, system) => `${name}-${version}-docker-image-${system}.tar.gz`,
    installer: (name, system) => `${name}-installer-${system}`,
    sha256: (file) => `${file}.sha256`,
    /** The manual's directory. */
    manual: 'manual',
};
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const baseOf = (treePath) => treePath.slice(treePath.lastIndexOf('/') + 1);
/** The system of a docker image file (`names.dockerImage`; a plain `.tar` too), or undefined. */
function parseDockerImage(name, version, file) {
    const re = new RegExp(`^${escapeRe(name)}-${escapeRe(version)}-docker-image-(.+)\\.tar(\\.gz)?$`);
    return re.exec(baseOf(file))?.[1];
}
/** The system of an installer binary (`names.installer`), wherever it sits in the tree, or undefined. */
function parseInstaller(name, treePath) {
    const re = new RegExp(`^${escapeRe(name)}-installer-([A-Za-z0-9_]+-[A-Za-z0-9_]+)$`);
    return re.exec(baseOf(treePath))?.[1];
}
/** A binary tarball as the package's build names it (`*.tar.xz`), copied into the tree as it is. */
function isBinaryTarball(file) {
    return file.endsWith('.tar.xz');
}
/** The source tarball's .sha256: the hex digest alone, no newline, as create_release.xsh writes it. */
function sha256Text(hex) {
    return hex;
}
/**
 * The .sha256 of a file Lix's `tarballs` job makes (binary tarballs, images, the manual tarball): its
 * `sha256sum --binary FILE | cut -f1 -d' '`, the hex digest and a newline.
 */
function sha256Line(hex) {
    return `${hex}\n`;
}
/** The digest of a .sha256 file: ours, or `sha256sum`'s (`HEX  NAME`, newline); undefined when it is none. */
function parseSha256Text(text) {
    const hex = text.trim().split(/\s+/)[0] ?? '';
    return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}
// Values that come from outside (leg.json) and end up in names, in Nix source or in Markdown: each has
// its shape checked where it enters (src/bundle/leg.ts), and is escaped again where it is written.
/** `/nix/store/` + 32 nix-base32 characters + `-` + a store path name (nix's own character set). */
const STORE_PATH_RE = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]{0,210}$/;
/** A nix system, `ARCH-OS` (x86_64-linux, aarch64-darwin): how nix and Hydra name them. */
const NIX_SYSTEM_RE = /^[a-z0-9_]{1,32}-[a-z0-9_]{1,32}$/;
/** A project name: one path segment of the release tree and a file-name prefix. */
const PROJECT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_+-]{0,63}$/;
const refuse = (where, value, what) => new errors/* RelengError */.mz(`${where}: '${(0,errors/* printable */.g$)(value)}' ${what}`);
function checkStorePath(value, where) {
    if (!STORE_PATH_RE.test(value))
        throw refuse(where, value, 'is not a nix store path (/nix/store/<32 nix-base32 characters>-<name>)');
    return value;
}
function checkSystem(value, where) {
    if (!NIX_SYSTEM_RE.test(value))
        throw refuse(where, value, 'is not a nix system (ARCH-OS, such as x86_64-linux)');
    return value;
}
function checkProjectName(value, where) {
    if (!PROJECT_NAME_RE.test(value))
        throw refuse(where, value, 'is not a project name (letters, digits, _ + -, at most 64)');
    return value;
}
/** A product name goes into a Nix comment, titles and Markdown headings: one line of text. */
function checkProduct(value, where) {
    if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value) || value.length === 0 || value.length > 128)
        throw refuse(where, value, 'must be one line of at most 128 characters');
    return value;
}
/** A Nix string literal holding exactly `s`: `"`, `\`, `${` and control characters escaped. */
function nixString(s) {
    const body = s.replace(/[\\"\n\r\t]|\$\{/g, (c) => c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`);
    return `"${body}"`;
}
/**
 * manifest.nix as Lix's `make_manifest` writes it: a generated-by comment, then `{ SYSTEM = "PATH"; … }`
 * of each system's package. Sorted by system, so a single build and merged legs give the same bytes. Every
 * value is checked again here (a system, a store path, a one-line product) and written as a Nix string:
 * this text is Nix source, and nothing in it may be code.
 */
function manifestText(product, bySystem) {
    checkProduct(product, 'manifest.nix: the product');
    const lines = Object.keys(bySystem)
        .sort()
        .map((system) => {
        checkSystem(system, 'manifest.nix: a system');
        const out = checkStorePath(bySystem[system], `manifest.nix: the package of ${system}`);
        // An attribute name must not start with a digit unless quoted (x86_64-linux needs no quotes).
        const attr = /^[A-Za-z_]/.test(system) ? system : nixString(system);
        return `  ${attr} = ${nixString(out)};`;
    });
    return `# This file was generated by releng-actions in ${product}\n{\n${lines.join('\n')}\n}\n`;
}
// Publish's keys for the same names.
/** The per-release index publish writes in the releases destination (src/publish/index-object.ts). */
function indexKey(name, version) {
    return inVersionDir(name, version, '.releng-index.json');
}
/**
 * The release's claim publish writes in the releases destination before the first file of the tree
 * (src/publish/claim.ts): the one write two concurrent publishes of one version race for.
 */
function claimKey(name, version) {
    return inVersionDir(name, version, '.releng-claim.json');
}
/** The installer pointer in the install destination (the versioned copy is `inVersionDir`). */
function installerPointerKey(name, system) {
    return `${name}/${names.installer(name, system)}`;
}
/** The docs label of a release's manual: its major when official, else `nightly`; and `stable`. */
function manualLabel(officialRelease, major) {
    return officialRelease ? major : 'nightly';
}
const STABLE = 'stable';
/** `manual/NAME/LABEL/` in the docs destination. */
function manualPrefix(name, label) {
    return `manual/${name}/${label}/`;
}

;// CONCATENATED MODULE: ./src/storage/buffers.ts
/**
 * Read buffers shared by hashing and uploading, reused instead of allocated per chunk: a thousand-file
 * upload then allocates a few dozen buffers rather than leaving hundreds of megabytes to the garbage
 * collector.
 */
const CHUNK = 256 * 1024;
const pool = [];
const KEEP = 64;
function takeBuffer() {
    return pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
}
function giveBuffer(buf) {
    if (buf.length === CHUNK && pool.length < KEEP)
        pool.push(buf);
}

;// CONCATENATED MODULE: ./src/storage/hash.ts



/**
 * Streams a file through sha256; never holds it in memory. Reads are synchronous, a pooled chunk at a time:
 * for the page-cached files of a release a read is a memory copy, cheaper than a trip through the thread
 * pool and a promise, and short enough not to stall the uploads sharing the event loop.
 */
async function sha256File(file) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const buf = takeBuffer();
    const fd = external_node_fs_default().openSync(file, 'r');
    let size = 0;
    try {
        for (;;) {
            const n = external_node_fs_default().readSync(fd, buf, 0, CHUNK, size);
            if (n === 0)
                break;
            hash.update(buf.subarray(0, n));
            size += n;
            // Let the uploads in flight run between chunks.
            if (size % (4 * CHUNK) === 0)
                await new Promise((r) => setImmediate(r));
        }
    }
    finally {
        external_node_fs_default().closeSync(fd);
        giveBuffer(buf);
    }
    return { sha256: hash.digest('hex'), size };
}
const memo = new Map();
/**
 * The sha256 of `x.source`, computed when first needed and kept in `x.sha256`: a tree read from an
 * artifacts dir is hashed file by file as the upload reaches it (overlapping the uploads), not all up front.
 * Remembered per file (path, size and mtime), so an object planned twice is read once.
 */
async function ensureSha256(x) {
    if (x.sha256)
        return x.sha256;
    if (!x.source)
        throw new Error('internal: nothing to hash');
    const st = fs.statSync(x.source);
    const id = `${x.source}\0${st.size}\0${st.mtimeMs}`;
    let p = memo.get(id);
    if (!p) {
        p = sha256File(x.source).then((r) => r.sha256);
        memo.set(id, p);
    }
    x.sha256 = await p;
    return x.sha256;
}

;// CONCATENATED MODULE: ./src/config/version.ts




/**
 * X.Y.Z (no leading zeros), then Lix's suffixes (version.json and flake.nix history): `-dev`, `-rc1`,
 * `-pre20240612_abcdef` (older flakes' versionSuffix), `-<shortRev>`. Each suffix part is letters and
 * digits with single inner dots or underscores — so the whole is a git ref component (no `..`, `~`,
 * `^`, `:`, `@{`, control characters), a docker tag and a store path name alike.
 */
const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z]+([._][0-9A-Za-z]+)*)*$/;
const VERSION_MAX_LENGTH = 64;
// Where a value is shown in a message (here and everywhere): src/errors.ts.

/**
 * The one check of a version wherever it enters (inputs, version.json, leg.json): returns it, or throws
 * one line naming `where`. MAJOR (`X.Y`) must differ from the version, or `{version}` and `{major}` tags
 * would be one tag that a later release moves.
 */
function checkVersion(value, where) {
    const bad = (why) => new errors/* RelengError */.mz(`${where}: version '${(0,errors/* printable */.g$)(value)}' is not of the form X.Y.Z (e.g. 2.91.0)${why}`);
    if (value.length > VERSION_MAX_LENGTH)
        throw bad(`; it is longer than ${VERSION_MAX_LENGTH} characters`);
    if (!VERSION_RE.test(value))
        throw bad(', optionally with a suffix of letters and digits such as -rc1 or -dev');
    if (value.endsWith('.lock'))
        throw bad('; git cannot tag a name ending in .lock');
    return value;
}
/** MAJOR is the first two dot-separated parts of the version ("2.91.0" → "2.91"). */
function majorOf(version) {
    return version.split('.').slice(0, 2).join('.');
}
/** A release name goes into a Markdown header and version.json: one line of text. */
function checkReleaseName(value, where) {
    if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value) || value.length > 128)
        throw new errors/* RelengError */.mz(`${where}: release name '${(0,errors/* printable */.g$)(value)}' must be one line of at most 128 characters`);
    return value;
}
/** version.json is a few keys; bounds keep a hostile one from exhausting anything before it is refused. */
const VERSION_JSON_LIMITS = { bytes: 64 << 10, depth: 16 };
/** How deep the arrays and objects of a JSON text nest (strings skipped), without parsing it. */
function jsonDepth(text) {
    let depth = 0;
    let max = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
            if (c === '\\')
                i++;
            else if (c === '"')
                inString = false;
        }
        else if (c === '"')
            inString = true;
        else if (c === '{' || c === '[')
            max = Math.max(max, ++depth);
        else if (c === '}' || c === ']')
            depth--;
    }
    return max;
}
/** version.json's object, its size and shape checked before anything else happens. */
function parseVersionJson(text, file) {
    if (text.length > VERSION_JSON_LIMITS.bytes)
        throw new errors/* RelengError */.mz(`${file}: more than ${VERSION_JSON_LIMITS.bytes} bytes; version.json is a few keys`);
    if (jsonDepth(text) > VERSION_JSON_LIMITS.depth)
        throw new errors/* RelengError */.mz(`${file}: nested more than ${VERSION_JSON_LIMITS.depth} levels deep; version.json is a few keys`);
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (e) {
        throw new errors/* RelengError */.mz(`${file}: malformed JSON (${e.message}); fix the file`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data))
        throw new errors/* RelengError */.mz(`${file}: expected a JSON object with "version" and "release_name"`);
    return data;
}
function readVersionInfo(dir) {
    const file = external_node_path_default().join(dir, 'version.json');
    const where = (0,checkout/* checkoutPath */.o8)(dir, 'version.json', file);
    if (!where.exists)
        throw new errors/* RelengError */.mz(`${file}: not found; the repository root needs version.json ({"version": "X.Y.Z", "release_name": "…"})`);
    const obj = parseVersionJson((0,checkout/* readText */.yR)(where.real, file, VERSION_JSON_LIMITS.bytes), file);
    if (typeof obj.version !== 'string')
        throw new errors/* RelengError */.mz(`${file}: key "version" must be a string such as "2.91.0"`);
    checkVersion(obj.version, `${file}: key "version"`);
    if (obj.release_name !== undefined && typeof obj.release_name !== 'string')
        throw new errors/* RelengError */.mz(`${file}: key "release_name" must be a string`);
    if (typeof obj.release_name === 'string')
        checkReleaseName(obj.release_name, `${file}: key "release_name"`);
    let officialRelease;
    let officialSource = 'version.json';
    if (obj.official_release !== undefined) {
        if (typeof obj.official_release !== 'boolean')
            throw new errors/* RelengError */.mz(`${file}: key "official_release" must be true or false`);
        officialRelease = obj.official_release;
    }
    else {
        const flake = readFlakeOfficial(dir);
        if (flake === undefined)
            throw new errors/* RelengError */.mz(`${file}: key "official_release" is missing (and flake.nix has no 'officialRelease = …;' line); add "official_release": false`);
        officialRelease = flake;
        officialSource = 'flake.nix';
    }
    return {
        version: obj.version,
        releaseName: typeof obj.release_name === 'string' ? obj.release_name : '',
        officialRelease,
        officialSource,
        major: majorOf(obj.version),
    };
}
/** version.json's text with `values` set, keeping its indentation, key order and final newline. */
function versionJsonText(text, values, file) {
    const data = parseVersionJson(text, file);
    const indentMatch = /\n([ \t]+)"/.exec(text);
    Object.assign(data, values);
    return `${JSON.stringify(data, null, indentMatch?.[1] ?? 2)}${text.endsWith('\n') ? '\n' : ''}`;
}
/** Updates keys of version.json keeping its indentation and key order. */
function updateVersionJson(file, values) {
    const text = readText(file, file, VERSION_JSON_LIMITS.bytes);
    fs.writeFileSync(file, versionJsonText(text, values, file));
}
const FLAKE_OFFICIAL_RE = /^(\s*)officialRelease\s*=\s*(true|false)\s*;/m;
function readFlakeOfficial(dir) {
    const where = (0,checkout/* checkoutPath */.o8)(dir, 'flake.nix', external_node_path_default().join(dir, 'flake.nix'));
    if (!where.exists)
        return undefined;
    const m = FLAKE_OFFICIAL_RE.exec((0,checkout/* readText */.yR)(where.real, external_node_path_default().join(dir, 'flake.nix'), 4 << 20));
    return m ? m[2] === 'true' : undefined;
}

;// CONCATENATED MODULE: ./src/bundle/leg.ts








/**
 * A leg bundle: what build-artifacts writes for one system on one matrix runner, and what
 * docker-multiarch and publish read after the fan-in. Layout:
 *   <bundle>/leg.json      this record
 *   <bundle>/artifacts/    this system's release-tree files (paths relative to the release tree root)
 *   <bundle>/cache/        a file:// nix binary cache of the closures to publish (unsigned)
 *   <bundle>/manual/       the manual (docs upload), in the manual-from system's leg only (`manual`)
 *   <bundle>/<image>       the docker archive, when the system has one (image.path, relative; build-artifacts
 *                          points it into artifacts/, where the release tree has it anyway)
 *
 * The cache holds, for every job of the leg except the release-tree-only ones (binary tarball, docker
 * image, installer), its .drv closure and the runtime closure of its outputs — what the reference's
 * drvs.txt upload gives users to substitute. NARs are zstd-compressed, as the published cache's; narinfo
 * files are plain and unsigned (publish signs them). `storePaths` lists the top-level paths copied (the
 * outputs and the .drv files), `drvPaths` the jobs' derivations (the release's drvs.txt).
 */
const LEG_SCHEMA = 1;
const LEG_FILE = 'leg.json';
/** The directories of a bundle (the manual's is leg.json's `manual`, this name as build-artifacts writes it). */
const LEG_ARTIFACTS = 'artifacts';
const LEG_CACHE = 'cache';
const LEG_MANUAL = 'manual';
function writeLeg(dir, record) {
    external_node_fs_default().mkdirSync(dir, { recursive: true });
    external_node_fs_default().writeFileSync(external_node_path_default().join(dir, LEG_FILE), `${JSON.stringify(record, null, 2)}\n`);
}
/** leg.json is a few lists of records; bounds keep a hostile one from exhausting anything before it is refused. */
const LEG_JSON_LIMITS = { bytes: 16 << 20, depth: 16 };
function readLeg(dir) {
    return openLeg(dir).record;
}
/**
 * A leg bundle is input from outside (an artifact another job uploaded): leg.json is read inside the
 * bundle, bounded, as strict UTF-8, and every value is checked for what it is before anything uses it —
 * paths under the release-path rule (src/storage/key.ts), store paths, systems, versions, names
 * (src/release/tree.ts, src/config/version.ts). One line naming leg.json and the key otherwise.
 */
function openLeg(dir) {
    const file = external_node_path_default().join(dir, LEG_FILE);
    const root = external_node_fs_default().existsSync(dir) ? new ContainedDir(dir, 'the leg bundle') : undefined;
    const found = root?.resolve(file, 'file', { optional: true });
    if (!root || !found)
        throw new errors/* RelengError */.mz(`${file}: not found; pass the directory written by build-artifacts (its bundle-dir output)`);
    // A byte-order mark is allowed before JSON text (RFC 8259); nothing else that is not JSON is.
    const text = (0,checkout/* readText */.yR)(found.real, file, LEG_JSON_LIMITS.bytes).replace(/^\uFEFF/, '');
    if (jsonDepth(text) > LEG_JSON_LIMITS.depth)
        throw new errors/* RelengError */.mz(`${file}: nested more than ${LEG_JSON_LIMITS.depth} levels deep; a leg.json is a few lists of records`);
    let data;
    try {
        data = JSON.parse(text);
    }
    catch (e) {
        throw new errors/* RelengError */.mz(`${file}: unreadable (${e.message}); pass the directory written by build-artifacts (its bundle-dir output)`);
    }
    return { dir, root, record: checkLegRecord(data, file) };
}
/** The docker archive of a leg, read through its bundle (undefined when the leg has none). */
function legImageFile(leg) {
    if (!leg.record.image)
        return undefined;
    return leg.root.resolve(external_node_path_default().join(leg.dir, ...leg.record.image.path.split('/')), 'file', { optional: true })
        ?.real;
}
const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneLine = (v) => typeof v === 'string' && v !== '' && !/[\u0000-\u001f\u007f]/.test(v);
function checkLegRecord(data, file) {
    if (!isObject(data))
        throw new errors/* RelengError */.mz(`${file}: expected a JSON object`);
    const rec = data;
    const key = (k) => `${file}: key "${k}"`;
    if (rec.schema !== LEG_SCHEMA)
        throw new errors/* RelengError */.mz(`${file}: leg bundle schema ${JSON.stringify(rec.schema)} is not supported (this releng reads schema ${LEG_SCHEMA}); build and publish with the same releng version`);
    for (const k of ['version', 'system'])
        if (typeof rec[k] !== 'string' || rec[k] === '')
            throw new errors/* RelengError */.mz(`${key(k)} must be a non-empty string`);
    checkVersion(rec.version, key('version'));
    checkSystem(rec.system, key('system'));
    for (const k of ['storePaths', 'drvPaths', 'jobs', 'files'])
        if (!Array.isArray(rec[k]))
            throw new errors/* RelengError */.mz(`${key(k)} must be a list`);
    for (const k of ['storePaths', 'drvPaths'])
        for (const p of rec[k])
            checkStorePath(String(p), key(k));
    rec.jobs.forEach((j, i) => {
        if (!isObject(j) || !oneLine(j.attr) || !isObject(j.outputs))
            throw new errors/* RelengError */.mz(`${file}: jobs entry ${i + 1} must be {"attr", "drvPath", "outputs"}`);
        checkStorePath(String(j.drvPath), `${file}: jobs entry ${j.attr}: drvPath`);
        for (const [o, p] of Object.entries(j.outputs))
            checkStorePath(String(p), `${file}: jobs entry ${j.attr}: output ${o}`);
    });
    for (const k of ['name', 'product', 'manual'])
        if (rec[k] !== undefined && rec[k] !== null && (typeof rec[k] !== 'string' || rec[k] === ''))
            throw new errors/* RelengError */.mz(`${key(k)} must be a non-empty string`);
    if (rec.name)
        checkProjectName(rec.name, key('name'));
    if (rec.product)
        checkProduct(rec.product, key('product'));
    // The paths a leg may name: relative, under the one path rule, and — when the leg says its project —
    // inside its own version directory, never publish's own objects there.
    const vprefix = rec.name ? versionPrefix(rec.name, rec.version) : undefined;
    const reserved = rec.name
        ? new Set([indexKey(rec.name, rec.version), claimKey(rec.name, rec.version)])
        : new Set();
    rec.files.forEach((f, i) => {
        if (!isObject(f))
            throw new errors/* RelengError */.mz(`${file}: files entry ${i + 1} must be an object {"path", "size", "sha256"}`);
        if (typeof f.path !== 'string')
            throw new errors/* RelengError */.mz(`${file}: files entry ${i + 1} must have a "path" string`);
        const where = `${file}: files entry`;
        checkRelativePath(f.path, where, 'a leg names files inside its release tree');
        if (vprefix && !f.path.startsWith(vprefix) && f.path !== MANIFEST)
            throw new errors/* RelengError */.mz(`${where} '${(0,errors/* printable */.g$)(f.path)}' is not inside the version directory ${vprefix}; a leg carries files of its own release only`);
        if (reserved.has(f.path))
            throw new errors/* RelengError */.mz(`${where} '${(0,errors/* printable */.g$)(f.path)}' is a name publish writes itself; build the leg with this releng version`);
        if (!Number.isSafeInteger(f.size) || f.size < 0 || !HEX64.test(String(f.sha256)))
            throw new errors/* RelengError */.mz(`${where} ${(0,errors/* printable */.g$)(f.path)} needs a size (a whole number of bytes) and a hex sha256`);
    });
    if (typeof rec.manual === 'string')
        checkRelativePath(rec.manual, key('manual'), 'it names a directory of the bundle');
    if (rec.target !== undefined && rec.target !== 'all' && rec.target !== 'manual')
        throw new errors/* RelengError */.mz(`${key('target')} must be "all" or "manual"`);
    if (rec.package !== undefined && rec.package !== null) {
        if (!isObject(rec.package) || !oneLine(rec.package.attr) || typeof rec.package.out !== 'string')
            throw new errors/* RelengError */.mz(`${key('package')} must be {"attr", "out"} with an absolute store path`);
        checkStorePath(rec.package.out, key('package.out'));
    }
    if (rec.image !== null && rec.image !== undefined) {
        const img = rec.image;
        const problem = !isObject(img)
            ? 'not an object'
            : typeof img.path !== 'string'
                ? 'no path'
                : (pathProblem(img.path) ??
                    (!HEX64.test(String(img.sha256))
                        ? 'sha256 is not hex'
                        : !oneLine(img.architecture) || !oneLine(img.os)
                            ? 'architecture and os must be one-line strings'
                            : !Array.isArray(img.diffIds) ||
                                !img.diffIds.every((d) => typeof d === 'string' && DIGEST.test(d))
                                ? 'diffIds must be sha256:… digests'
                                : !DIGEST.test(String(img.config))
                                    ? 'config must be a sha256:… digest'
                                    : undefined));
        if (problem)
            throw new errors/* RelengError */.mz(`${key('image')} must have path, sha256, architecture, os, diffIds and config (${problem})`);
    }
    return { ...rec, image: rec.image ?? null };
}

;// CONCATENATED MODULE: ./src/bundle/assemble.ts










/**
 * Writes one system's leg bundle from its built jobs: the release-tree files of this system under
 * artifacts/ (Lix's `tarballs` layout, made per system), the manual, the source and manual tarballs when
 * this is the manual-from system's leg, the leg cache, and leg.json.
 */
async function assembleLeg(o) {
    const { plan, name, version } = o;
    external_node_fs_default().rmSync(o.bundleDir, { recursive: true, force: true });
    const artifacts = external_node_path_default().join(o.bundleDir, LEG_ARTIFACTS);
    const out = (file) => external_node_path_default().join(artifacts, ...inVersionDir(name, version, file).split('/'));
    const withSha = async (file, text = sha256Line) => external_node_fs_default().writeFileSync(names.sha256(file), text((await sha256File(file)).sha256));
    external_node_fs_default().mkdirSync(artifacts, { recursive: true });
    if (o.target === 'all') {
        if (plan.binaryTarball)
            for (const t of tarballsIn(plan.binaryTarball)) {
                copyOutOfStore(t, out(external_node_path_default().basename(t)));
                await withSha(out(external_node_path_default().basename(t)));
            }
        if (plan.dockerImage) {
            const dest = out(names.dockerImage(name, version, plan.system));
            copyOutOfStore(imageIn(plan.dockerImage), dest);
            await withSha(dest);
        }
        if (plan.installer)
            copyOutOfStore(installerIn(plan.installer), out(names.installer(name, plan.system)));
    }
    let manual = null;
    if (plan.manual) {
        const src = manualIn(plan.manual, name, o.manualPath);
        manual = LEG_MANUAL;
        copyOutOfStore(src, external_node_path_default().join(o.bundleDir, manual));
        if (o.target === 'all') {
            copyOutOfStore(src, out(names.manual));
            const tarball = out(names.manualTarball(name, version));
            await writeTarGz(src, names.manualTarballRoot(name, version), tarball);
            await withSha(tarball);
            const source = out(names.sourceTarball(name, version));
            await o.git.run([
                'archive',
                `--prefix=${names.sourceTarballRoot(name, version)}/`,
                '--format=tar.gz',
                '-o',
                source,
                o.sourceRef,
            ]);
            await withSha(source, sha256Text);
        }
    }
    const cacheDrvs = plan.cacheJobs.map((j) => j.drvPath).sort();
    const cacheOutputs = plan.cacheJobs.flatMap((j) => Object.values(j.outputs)).sort();
    if (o.target === 'all')
        await o.log.group(`nix copy ${plan.system} closures to the leg cache`, () => copyToCache(external_node_path_default().join(o.bundleDir, LEG_CACHE), cacheDrvs, cacheOutputs, o.log));
    let image = null;
    if (o.target === 'all' && plan.dockerImage) {
        const rel = `${LEG_ARTIFACTS}/${inVersionDir(name, version, names.dockerImage(name, version, plan.system))}`;
        const file = external_node_path_default().join(o.bundleDir, ...rel.split('/'));
        image = { path: rel, ...(await readImageMeta(file)) };
    }
    // The image archive is among the files; its scan above already hashed it (hundreds of MB: read once).
    const files = [];
    for (const rel of listFiles(artifacts)) {
        const file = external_node_path_default().join(artifacts, rel);
        const hashed = image && `${LEG_ARTIFACTS}/${rel}` === image.path
            ? { sha256: image.sha256, size: external_node_fs_default().statSync(file).size }
            : await sha256File(file);
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
    writeLeg(o.bundleDir, record);
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
        .filter(isBinaryTarball)
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

;// CONCATENATED MODULE: ./src/nix/narinfo.ts



const STORE_DIR = '/nix/store';
/** A store path's base name as nix accepts it: 32 nix32 characters, a dash, a name not starting with a dot. */
const BASE_NAME = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]{0,210}$/;
const STORE_PATH_PREFIX = `${STORE_DIR}/`;
/** True for `/nix/store/HASH-name` (what nix itself accepts), nothing else. */
function isStorePath(p) {
    return p.startsWith(STORE_PATH_PREFIX) && BASE_NAME.test(p.slice(STORE_PATH_PREFIX.length));
}
function parseNarInfo(text, where) {
    const fields = new Map();
    const sigs = [];
    for (const line of text.split('\n')) {
        if (!line.trim())
            continue;
        const colon = line.indexOf(': ');
        if (colon < 0)
            throw new errors/* RelengError */.mz(`${where}: not a narinfo line: '${line.slice(0, 80)}'`);
        const key = line.slice(0, colon);
        const value = line.slice(colon + 2);
        if (key === 'Sig')
            sigs.push(value);
        else
            fields.set(key, value);
    }
    const need = (k) => {
        const v = fields.get(k);
        if (v === undefined)
            throw new errors/* RelengError */.mz(`${where}: narinfo without ${k}`);
        return v;
    };
    const size = (k, v) => {
        if (!/^[0-9]{1,15}$/.test(v))
            throw new errors/* RelengError */.mz(`${where}: ${k} '${v.slice(0, 40)}' is not a size`);
        return Number(v);
    };
    const storePath = need('StorePath');
    if (!isStorePath(storePath))
        throw new errors/* RelengError */.mz(`${where}: StorePath '${storePath.slice(0, 120)}' is not a store path`);
    const refs = fields.get('References')?.trim();
    const references = refs ? refs.split(' ') : [];
    const badRef = references.find((r) => !BASE_NAME.test(r));
    if (badRef !== undefined)
        throw new errors/* RelengError */.mz(`${where}: reference '${badRef.slice(0, 120)}' is not a store path name`);
    const fileSize = fields.get('FileSize');
    return {
        storePath,
        url: need('URL'),
        compression: fields.get('Compression') ?? 'bzip2',
        ...(fields.has('FileHash') ? { fileHash: fields.get('FileHash') } : {}),
        ...(fileSize !== undefined ? { fileSize: size('FileSize', fileSize) } : {}),
        narHash: need('NarHash'),
        narSize: size('NarSize', need('NarSize')),
        references,
        deriver: fields.get('Deriver'),
        sigs,
        ...(fields.has('CA') ? { ca: fields.get('CA') } : {}),
    };
}
/**
 * A narinfo as nix writes it (NarInfo::to_string: the same fields in the same order), hashes in nix32 as
 * nix prints them, references sorted as nix sorts them.
 */
function formatNarInfo(info) {
    const lines = [`StorePath: ${info.storePath}`, `URL: ${info.url}`, `Compression: ${info.compression}`];
    if (info.fileHash)
        lines.push(`FileHash: ${nix32Hash(info.fileHash)}`);
    if (info.fileSize !== undefined)
        lines.push(`FileSize: ${info.fileSize}`);
    lines.push(`NarHash: ${nix32Hash(info.narHash)}`, `NarSize: ${info.narSize}`, `References: ${sortedReferences(info.references).join(' ')}`);
    if (info.deriver)
        lines.push(`Deriver: ${info.deriver}`);
    for (const sig of info.sigs)
        lines.push(`Sig: ${sig}`);
    if (info.ca)
        lines.push(`CA: ${info.ca}`);
    return `${lines.join('\n')}\n`;
}
/** References in nix's order (a set of store paths, compared by base name). */
function sortedReferences(references) {
    return [...references].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
/** A narinfo file's size limit: a real one is a few hundred bytes (or kilobytes, with many references). */
const MAX_NARINFO = 1024 * 1024;
/**
 * Every narinfo of a file:// binary cache directory, sorted by store path. Only regular files are read
 * (a link could point anywhere; nix never writes one); one that is not, or is too big, is an error naming it.
 */
function readCacheDir(dir) {
    let entries;
    try {
        entries = external_node_fs_default().readdirSync(dir, { withFileTypes: true });
    }
    catch {
        return [];
    }
    return entries
        .filter((e) => e.name.endsWith('.narinfo'))
        .map((e) => {
        const file = external_node_path_default().join(dir, e.name);
        const stat = external_node_fs_default().lstatSync(file);
        if (!stat.isFile())
            throw new errors/* RelengError */.mz(`${file}: not a regular file (a link or a directory), which nix never writes in a cache; build the leg again`);
        if (stat.size > MAX_NARINFO)
            throw new errors/* RelengError */.mz(`${file}: ${stat.size} bytes, too big for a narinfo; build the leg again`);
        return { ...parseNarInfo(external_node_fs_default().readFileSync(file, 'utf8'), file), file };
    })
        .sort((a, b) => (a.storePath < b.storePath ? -1 : a.storePath > b.storePath ? 1 : 0));
}
/** A narinfo's path, with its references as full store paths. */
function storePathInfo(info) {
    return {
        storePath: info.storePath,
        narHash: info.narHash,
        narSize: info.narSize,
        references: info.references.map((r) => `${STORE_DIR}/${r}`),
    };
}
/** `/nix/store/<hash>-name` → `<hash>` (the narinfo's name in a cache). */
function hashPart(storePath) {
    return storePath.slice(storePath.lastIndexOf('/') + 1).slice(0, 32);
}
/** A store path's narinfo in a binary cache, and its NAR listing (`write-nar-listing`). */
const narInfoKey = (storePath) => `${hashPart(storePath)}.narinfo`;
const listingKey = (storePath) => `${hashPart(storePath)}.ls`;
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';
/** A sha256 (hex) in nix's base-32, as narinfo files and signatures carry it. */
function nix32(hex) {
    const bytes = Buffer.from(hex, 'hex');
    const len = Math.ceil((bytes.length * 8) / 5);
    let out = '';
    for (let n = len - 1; n >= 0; n--) {
        const b = n * 5;
        const i = b >> 3;
        const j = b & 7;
        const c = ((bytes[i] ?? 0) >> j) | (i + 1 < bytes.length ? (bytes[i + 1] << (8 - j)) & 0xff : 0);
        out += NIX32[c & 0x1f];
    }
    return out;
}
/** `sha256:<nix32>`, what nix writes and signs, from any form hashHex reads. */
function nix32Hash(hash) {
    return `sha256:${nix32(hashHex(hash))}`;
}
/** A nix hash (`sha256:` + base16, nix32 or base64; or SRI `sha256-…`) as lower-case hex, for comparing. */
function hashHex(hash) {
    const s = hash.replace(/^sha256[:-]/, '');
    if (/^[0-9a-f]{64}$/.test(s))
        return s;
    if (s.length === 52 && [...s].every((c) => NIX32.includes(c))) {
        const bytes = Buffer.alloc(32);
        for (let n = 0; n < s.length; n++) {
            const digit = NIX32.indexOf(s[s.length - 1 - n]);
            const b = n * 5;
            const i = b >> 3;
            const j = b & 7;
            bytes[i] = (bytes[i] | (digit << j)) & 0xff;
            if (i + 1 < 32)
                bytes[i + 1] = (bytes[i + 1] | (digit >> (8 - j))) & 0xff;
        }
        return bytes.toString('hex');
    }
    return Buffer.from(s, 'base64').toString('hex');
}

// EXTERNAL MODULE: ./src/nix/work-dir.ts
var work_dir = __webpack_require__(9568);
;// CONCATENATED MODULE: ./src/bundle/merge.ts










/**
 * Combines leg bundles (one system each) into one release: the union of their release-tree files, one
 * manifest.nix generated from every leg's package, the manual of the leg that carries it, and the union
 * of their caches. A file two legs both carry must have the same bytes; a system two legs both claim, a
 * version or project that differs between legs, are errors naming the legs. Nothing is copied; see
 * writeTree.
 */
async function mergeLegs(bundleDirs, log = src_log/* silentLogger */.qq) {
    if (bundleDirs.length === 0)
        throw new errors/* RelengError */.mz('no leg bundles to merge; pass the bundle-dir output(s) of build-artifacts');
    const legs = bundleDirs
        .map((d) => external_node_path_default().resolve(d))
        .filter((d, i, all) => all.indexOf(d) === i)
        .map((dir) => openLeg(dir))
        .sort((a, b) => cmp(a.record.system, b.record.system) || cmp(a.dir, b.dir));
    const first = legs[0];
    for (let i = 1; i < legs.length; i++) {
        const leg = legs[i];
        const prev = legs[i - 1];
        if (leg.record.system === prev.record.system)
            throw new errors/* RelengError */.mz(`legs ${prev.dir} and ${leg.dir} both claim system ${leg.record.system}; pass one leg per system (one build-artifacts run per system)`);
        for (const key of ['version', 'name']) {
            const a = first.record[key];
            const b = leg.record[key];
            if (a !== undefined && b !== undefined && a !== b)
                throw new errors/* RelengError */.mz(`legs disagree on the ${key}: ${first.dir} has ${a}, ${leg.dir} has ${b}; merge legs of one release only`);
        }
    }
    const version = first.record.version;
    const name = legs.map((l) => l.record.name).find((n) => n) ?? nameFromFiles(legs.map((l) => l.record));
    const product = legs.map((l) => l.record.product).find((p) => p) ?? name ?? 'releng';
    const generated = new Set([MANIFEST, ...(name ? [inVersionDir(name, version, MANIFEST)] : [])]);
    // The release tree: every leg's files, once each.
    const files = new Map();
    for (const { dir, record, root } of legs) {
        for (const f of record.files) {
            const given = external_node_path_default().join(dir, LEG_ARTIFACTS, ...f.path.split('/'));
            // Read through the bundle: a link leading out of it, or a FIFO, is refused (src/release/files.ts).
            const found = root.resolve(given, 'file', { optional: true });
            const source = found?.real ?? given;
            const size = found ? found.stat.size : null;
            if (size !== f.size)
                throw new errors/* RelengError */.mz(`${given}: ${size === null ? 'missing' : `${size} bytes, leg.json says ${f.size}`}; the leg bundle is incomplete or damaged: download or build it again`);
            if (generated.has(f.path))
                throw new errors/* RelengError */.mz(`${dir}: the leg carries ${f.path}, which the merge generates from every leg's package; build the leg with this releng version`);
            const seen = files.get(f.path);
            if (seen && seen.sha256 !== f.sha256)
                throw new errors/* RelengError */.mz(`release-tree file ${f.path} differs between legs: ${seen.leg} has sha256 ${seen.sha256}, ${dir} has ${f.sha256}; two legs must not make the same file differently — check the job templates in releng.yml 'build:'`);
            if (!seen)
                files.set(f.path, { path: f.path, size: f.size, sha256: f.sha256, source, leg: dir });
        }
    }
    // manifest.nix, from the legs' packages, in the version directory and at the root.
    const manifest = {};
    for (const { record } of legs)
        if (record.package)
            manifest[record.system] = record.package.out;
    let generatedDir;
    if (Object.keys(manifest).length > 0) {
        generatedDir = makeGeneratedDir();
        const source = external_node_path_default().join(generatedDir, MANIFEST);
        external_node_fs_default().writeFileSync(source, manifestText(product, manifest));
        const { sha256, size } = await sha256File(source);
        for (const p of generated)
            files.set(p, { path: p, size, sha256, source, leg: '' });
    }
    // The manual: one leg carries it (the manual-from system's).
    const withManual = legs.filter((l) => l.record.manual);
    if (withManual.length > 1)
        throw new errors/* RelengError */.mz(`legs ${withManual.map((l) => l.dir).join(' and ')} all carry the manual; only the manual-from system's leg may (releng.yml build.manual-from)`);
    let manualDir = null;
    if (withManual[0]) {
        const leg = withManual[0];
        const given = external_node_path_default().join(leg.dir, ...leg.record.manual.split('/'));
        manualDir = leg.root.resolve(given, 'directory', { optional: true })?.real ?? null;
        if (manualDir)
            leg.root.files(given);
        else
            throw new errors/* RelengError */.mz(`${given}: missing, though leg.json names it as the manual; build the leg again`);
    }
    const caches = legs
        .map(({ dir, record, root }) => ({
        system: record.system,
        dir: root.resolve(external_node_path_default().join(dir, LEG_CACHE), 'directory', { optional: true })?.real ?? '',
    }))
        .filter((c) => c.dir && external_node_fs_default().existsSync(external_node_path_default().join(c.dir, 'nix-cache-info')));
    const images = [];
    for (const leg of legs) {
        const { record } = leg;
        if (!record.image)
            continue;
        const file = legImageFile(leg);
        if (!file)
            throw new errors/* RelengError */.mz(`${external_node_path_default().join(leg.dir, record.image.path)}: missing, though leg.json names it as the image; build the leg again`);
        images.push({ ...record.image, system: record.system, file });
    }
    const treeFiles = [...files.values()].map(({ leg: _leg, ...f }) => f).sort((a, b) => cmp(a.path, b.path));
    const merged = {
        version,
        systems: legs.map((l) => l.record.system),
        files: treeFiles,
        manualDir,
        caches,
        storePaths: union(legs.map((l) => l.record.storePaths)),
        drvPaths: union(legs.map((l) => l.record.drvPaths)),
        images,
        legs,
        name,
        manifest,
        cachePaths: legCachePaths(caches, log),
        generatedDir,
    };
    log.info(`merged ${legs.length} leg${legs.length === 1 ? '' : 's'} (${merged.systems.join(', ')}): ${treeFiles.length} release-tree files, ${merged.cachePaths.length} store paths, ${images.length} image${images.length === 1 ? '' : 's'}${manualDir ? ', the manual' : ''}`);
    return merged;
}
const generatedDirs = new Set();
/**
 * The directory of a merge's generated files (manifest.nix), under RUNNER_TEMP when set. It lives as long
 * as the MergedRelease is used: disposeMerged removes it, and whatever is left goes when the process exits
 * (one a killed process left is removed by the next run: src/nix/work-dir.ts).
 */
function makeGeneratedDir() {
    if (generatedDirs.size === 0 && !process.listeners('exit').includes(removeGenerated))
        process.on('exit', removeGenerated);
    const dir = (0,work_dir/* makeWorkDir */.dW)(work_dir/* WORK_DIRS */.pS.merge);
    generatedDirs.add(dir);
    return dir;
}
function removeGenerated() {
    for (const dir of generatedDirs)
        external_node_fs_default().rmSync(dir, { recursive: true, force: true });
    generatedDirs.clear();
}
/** Removes the merge's generated files: call once nothing reads the release any more. */
function disposeMerged(merged) {
    if (!merged.generatedDir)
        return;
    fs.rmSync(merged.generatedDir, { recursive: true, force: true });
    generatedDirs.delete(merged.generatedDir);
}
/**
 * Materialises the release tree of `merged` below `outDir` (hard links where possible, else copies).
 * Files already there that the release does not have are left alone: write into an empty directory.
 */
async function writeTree(merged, outDir) {
    for (const f of merged.files)
        placeFile(f.source, external_node_path_default().join(outDir, ...f.path.split('/')));
}
/**
 * A bundle's cache directory, by its real path, when the leg has a cache: it must be a directory inside
 * the bundle (a link out of it would make publish read, and sign, files of the runner).
 */
/**
 * One entry per store path over every leg cache (MergedRelease.cachePaths); the first leg (by system) wins
 * a path two legs hold. Every file an entry names — its narinfo, the NAR its URL names, its listing — is
 * a regular file whose real path is inside the leg's cache directory: a link or a `..` in a URL that leads
 * elsewhere is an error naming it, before anything is read from there.
 */
function legCachePaths(caches, log) {
    const byPath = new Map();
    for (const { system, dir: given } of caches) {
        const dir = external_node_fs_default().realpathSync(given);
        for (const info of readCacheDir(dir)) {
            const seen = byPath.get(info.storePath);
            if (seen) {
                if (seen.narHash !== info.narHash)
                    log.warning(`${info.storePath} has different contents in the ${seen.system} and ${system} legs (NarHash ${seen.narHash} vs ${info.narHash}): its build is not reproducible; publishing the ${seen.system} leg's`);
                continue;
            }
            if (!NAR_URL.test(info.url))
                throw new errors/* RelengError */.mz(`${info.file}: URL '${info.url.slice(0, 120)}' is not a NAR of this cache (nar/NAME); build the leg again`);
            const { file, ...narInfo } = info;
            const listing = external_node_path_default().join(dir, listingKey(info.storePath));
            byPath.set(info.storePath, {
                ...storePathInfo(info),
                cache: given,
                narinfo: file,
                nar: fileInside(dir, external_node_path_default().join(dir, ...info.url.split('/')), file),
                listing: fileInside(dir, listing, file, { optional: true }),
                info: narInfo,
                system,
            });
        }
    }
    return [...byPath.values()].map(({ system: _s, ...c }) => c).sort((a, b) => cmp(a.storePath, b.storePath));
}
/** What nix names a NAR in a cache: `nar/` and a file name (nix32 hash and extension). */
const NAR_URL = /^nar\/[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** `file` by its real path when that is a regular file inside `dir`; an error naming `from` otherwise. */
function fileInside(dir, file, from, o = {}) {
    let real;
    try {
        real = external_node_fs_default().realpathSync(file);
    }
    catch {
        if (o.optional)
            return null;
        throw new errors/* RelengError */.mz(`${file}: missing, though ${from} names it; download or build the leg again`);
    }
    if (!merge_isWithin(dir, real) || !external_node_fs_default().statSync(real).isFile())
        throw new errors/* RelengError */.mz(`${file}: ${merge_isWithin(dir, real) ? 'not a regular file' : `leads outside the leg cache (to ${real})`}; a leg cache holds only the files nix wrote: download or build the leg again`);
    return real;
}
function merge_isWithin(dir, file) {
    const rel = external_node_path_default().relative(dir, file);
    return rel !== '' && !rel.startsWith('..') && !external_node_path_default().isAbsolute(rel);
}
function nameFromFiles(records) {
    for (const r of records)
        for (const f of r.files)
            if (f.path.includes('/'))
                return f.path.split('/')[0];
    return undefined;
}
function union(lists) {
    return [...new Set(lists.flat())].sort(cmp);
}
function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}

// EXTERNAL MODULE: ./src/git/remote.ts
var remote = __webpack_require__(668);
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
            GIT_ALLOW_PROTOCOL: remote/* ALLOWED_PROTOCOLS */.VY.join(':'),
            ...this.extraEnv,
        };
        if (this.identity) {
            gitEnv.GIT_AUTHOR_NAME = gitEnv.GIT_COMMITTER_NAME = this.identity.name;
            gitEnv.GIT_AUTHOR_EMAIL = gitEnv.GIT_COMMITTER_EMAIL = this.identity.email;
        }
        return gitEnv;
    }
    async run(args, opts = {}) {
        return exec_run('git', args, { cwd: this.dir, env: this.gitEnv(), log: this.log, ...opts });
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
    return ((await exec_run('nix-eval-jobs', ['--help'], { allowFailure: true }).catch(() => ({ code: 1 }))).code === 0);
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
        const r = await exec_run('nix-eval-jobs', [...NIX_FEATURES, '--force-recurse', ...roots, '--flake', target], {
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
    const r = await nix(['eval', '--json', target, '--apply', FLATTEN], { cwd: dir, log, allowFailure: true });
    if (r.code !== 0)
        throw await failed(r.stderr);
    const data = JSON.parse(r.stdout);
    return Object.entries(data)
        .map(([attr, j]) => ({ attr, ...j }))
        .sort(byAttr);
}
/** The profile is not an attribute of the jobs: name the ones there are. */
async function noSuchProfile(dir, installable, profile, log) {
    const r = await nix(['eval', '--json', installable, '--apply', 'builtins.attrNames'], {
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
  q = builtins.fromJSON ${jobs_nixString(JSON.stringify(query))};
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
    const r = await nix(['eval', '--json', installable, '--apply', apply], {
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
function jobs_nixString(s) {
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
            const r = await exec_run('nix-store', ['--realise', job.drvPath, '--add-root', root, '--indirect'], {
                allowFailure: true,
                log,
                streamTo: (line) => log.info(line),
            });
            if (r.code !== 0)
                throw new errors/* RelengError */.mz(`building ${job.attr} (${job.drvPath}) failed: ${tail(r.stderr, 5)}; see the build log above`);
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
    const git = new Git(o.dir, log);
    const { version } = readVersionInfo(o.dir);
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
    const merged = await mergeLegs(legs.map((l) => l.dir), log);
    external_node_fs_default().mkdirSync(paths.artifacts, { recursive: true });
    await writeTree(merged, paths.artifacts);
    if (merged.manualDir)
        placeTree(merged.manualDir, paths.manual);
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
