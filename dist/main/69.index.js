export const id = 69;
export const ids = [69];
export const modules = {

/***/ 2094:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   U: () => (/* binding */ NIX_FEATURES),
/* harmony export */   w: () => (/* binding */ nix)
/* harmony export */ });
/* harmony import */ var _exec_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3190);

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

/***/ 9069:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  publish: () => (/* binding */ publish)
});

// EXTERNAL MODULE: ./src/config/confirmation.ts
var config_confirmation = __webpack_require__(1441);
// EXTERNAL MODULE: ./src/config/load.ts
var load = __webpack_require__(1036);
// EXTERNAL MODULE: ./src/config/schema.ts + 18 modules
var schema = __webpack_require__(598);
// EXTERNAL MODULE: ./src/config/version.ts
var config_version = __webpack_require__(8794);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/git/ssh.ts
var git_ssh = __webpack_require__(8230);
// EXTERNAL MODULE: ./src/log.ts
var src_log = __webpack_require__(5625);
// EXTERNAL MODULE: ./src/nix/work-dir.ts
var work_dir = __webpack_require__(9568);
// EXTERNAL MODULE: ./src/exec.ts
var exec = __webpack_require__(3190);
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
    const r = await (0,exec/* run */.e)('sh', ['-c', command], { cwd, env, allowFailure: true });
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

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
var external_node_fs_default = /*#__PURE__*/__webpack_require__.n(external_node_fs_);
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
// EXTERNAL MODULE: ./src/pool.ts
var pool = __webpack_require__(9537);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(9809);
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
    bigUploads = new pool/* Semaphore */.jf(1);
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
        this.slots = new pool/* Semaphore */.jf(concurrency);
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
            return await (0,retry/* withRetry */.bD)((attempt) => {
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
        await (0,pool/* forEachLimit */.Gm)(keys, 16, async (k) => {
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
        return (0,retry/* isTransientStatus */.Dm)(status);
    return !!e.$retryable || (0,retry/* isTransientError */.bV)(e);
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
            locations.set(dest, (0,load/* resolveSink */.Ww)(loc, o.dir));
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

// EXTERNAL MODULE: ./src/oci/digest.ts
var oci_digest = __webpack_require__(8825);
// EXTERNAL MODULE: ./src/oci/registry-targets.ts + 10 modules
var registry_targets = __webpack_require__(1610);
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
    (0,registry_targets/* checkInsecureRegistries */.Ek)(o.insecureRegistries ?? []);
    const targets = (0,registry_targets/* resolveTargets */.h5)(o.targets, o.version, o.dir ?? process.cwd());
    const sinks = (0,registry_targets/* sinkFactory */.MH)(targets, o.credentials, log, {
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
                const allowed = (0,registry_targets/* allowedTags */.Gl)(t, o.policy).filter((x) => x.kind !== 'version');
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
                    problems.push(`${t.ref.ref}: ${named[0].tag} names ${(0,oci_digest/* shortDigest */.VK)(index.digest)} but ${other.tag} names ${(0,oci_digest/* shortDigest */.VK)(other.m.digest)}; the {version} tags disagree`);
                const expected = o.digests?.[t.ref.ref];
                if (expected && expected !== index.digest)
                    problems.push(`${t.ref.ref}:${named[0].tag} names ${(0,oci_digest/* shortDigest */.VK)(index.digest)}, not the index this release published (${(0,oci_digest/* shortDigest */.VK)(expected)})`);
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
            log.info(`${a.ref}: ${o.dryRun ? 'would move' : 'moved'} ${report.moved.join(', ') || 'no pointer'}${digest ? ` to ${(0,oci_digest/* shortDigest */.VK)(digest)}` : ''}${report.held.length ? `; held: ${report.held.join(', ')}` : ''}`);
            return report;
        }));
    }
    finally {
        await sinks.close();
    }
}

// EXTERNAL MODULE: ./src/oci/publish-images.ts + 13 modules
var publish_images = __webpack_require__(7294);
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
    const sha256 = await (0,oci_digest/* sha256OfFile */.Vq)(image.file).catch((e) => e);
    if (sha256 instanceof Error)
        return `${what} cannot be read (${sha256.code ?? sha256.message})`;
    if (image.sha256 && image.sha256 !== sha256)
        return `${image.file}: its sha256 is ${sha256} but the build recorded ${image.sha256}; the file was changed or damaged after the build`;
    return undefined;
}
/** skip: docker — the pointers only: push access, and the `{version}` tags read (a missing one is a warning). */
async function pointersOnlyProblems(r) {
    const access = await (0,publish_images/* checkRegistryAccess */.Kt)(targetsOf(r), undefined, r.log, {
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
const targetsOf = (r) => (0,publish_images/* targetsForEnvironment */.jr)(r.environment, r.dir, r.environmentName);
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
        problems.push(...(await (0,publish_images/* checkRegistryAccess */.Kt)(targetsOf(r), undefined, r.log, {
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
        const out = await (0,publish_images/* publishImages */.YU)({
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

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
var external_node_zlib_default = /*#__PURE__*/__webpack_require__.n(external_node_zlib_);
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
// EXTERNAL MODULE: ./src/nix/command.ts
var command = __webpack_require__(2094);
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
            const r = await (0,command/* nix */.w)(args, { allowFailure: true, log: o.log });
            if (r.code !== 0)
                throw new errors/* RelengError */.mz(`nix copy ${batch.length} path(s) ${o.from ? `from ${o.from} ` : ''}into the signed cache failed: ${(0,exec/* tail */.R)(r.stderr, 3)}`);
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
        ? (await (0,exec/* run */.e)('nix-store', ['-q', '--outputs', ...drvs], { log })).stdout.split('\n').filter(Boolean)
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
    const r = await (0,command/* nix */.w)(['path-info', '--json', '--recursive', ...flags, ...paths], {
        allowFailure: true,
        log,
    });
    if (r.code !== 0)
        throw new errors/* RelengError */.mz(`nix path-info of the release's derivations and outputs failed: ${(0,exec/* tail */.R)(r.stderr, 2)}; build the release first (build-artifacts)`);
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
    const paths = await (0,pool/* mapLimit */.sf)([...closure.values()], LOOKUPS, async (c) => {
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
    await (0,pool/* mapLimit */.sf)([...paths], HASHING, async (c) => {
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
    const objects = await (0,pool/* mapLimit */.sf)(wanted, rules_LOOKUPS, async (w) => {
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
    return (0,pool/* mapLimit */.sf)(wanted, rules_LOOKUPS, async (w) => {
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
    const objects = await (0,pool/* mapLimit */.sf)(files, rules_LOOKUPS, async (w) => {
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
    await (0,pool/* forEachLimit */.Gm)(todo, o.concurrency, async (x) => {
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
    const lines = await (0,pool/* mapLimit */.sf)(tree, 4, async (x) => `${await (0,hash/* ensureSha256 */.w)(x)} ${x.size} ${x.key}\n`);
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

// EXTERNAL MODULE: ./src/git/merge-back.ts
var merge_back = __webpack_require__(8498);
// EXTERNAL MODULE: ./src/git/push.ts
var git_push = __webpack_require__(7546);
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
        refs = await (0,git_push/* remoteRefs */.dM)(git, remote);
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
            await (0,git_push/* pushRef */.qn)(git, remote, p.oid, p.ref, { force, dryRun: true });
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
            const state = await (0,git_push/* refState */.Nf)(git, refs, `refs/tags/${version}`, oid);
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
            const push = await (0,git_push/* refState */.Nf)(git, refs, `refs/heads/${branch.name}`, branch.oid);
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
                const mPush = await (0,git_push/* refState */.Nf)(git, refs, `refs/heads/${name}`, branch.oid);
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
    return `${git.dir} is a shallow clone, and its history could not be fetched from origin (${(0,exec/* tail */.R)(r.stderr, 1)}); a shallow clone cannot push the tag — check out with full history (actions/checkout: fetch-depth: 0)`;
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
        if (await (0,merge_back/* hasMergeBack */.y7)(git, version, b.oid))
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
            await (0,git_push/* pushRef */.qn)(git, plan.remote, b.push.oid, b.to);
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
            await (0,git_push/* pushRef */.qn)(git, plan.remote, t.oid, t.ref, { force: t.force });
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

// EXTERNAL MODULE: ./src/git/git.ts
var git_git = __webpack_require__(308);
// EXTERNAL MODULE: ./src/release/maintenance.ts
var maintenance = __webpack_require__(9682);
;// CONCATENATED MODULE: ./src/publish/pointer-rule.ts


/**
 * The maintenance rule (src/release/maintenance.ts) for every pointer of this release, in publish's words:
 * released versions are read from the checkout and the environment's remote.
 */
async function pointerRule(git, isRepo, remote, version) {
    const rule = await (0,maintenance/* readMaintenanceRule */.wE)(git, version, { isRepo, remote });
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
    const git = new git_git/* Git */.T(o.dir, o.log, undefined, o.ssh?.gitEnv);
    const isRepo = await git.isRepo();
    if (!o.noCheckGit) {
        if (!isRepo)
            problems.push(`${o.dir}: not a git repository; publish from the release's checkout, or pass no-check-git`);
        else
            await git.checkOnTag(version).catch((e) => problems.push(e.message));
    }
    let remote;
    try {
        remote = o.environment['git-remote'] ? (0,git_push/* resolveRemote */.Lb)(o.environment['git-remote'], o.dir) : undefined;
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
                mode: (0,schema/* gitPushMode */.ew)(o.environment),
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

// EXTERNAL MODULE: ./src/bundle/find.ts
var find = __webpack_require__(1685);
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
        const dirs = (0,find/* findBundles */.n)(source.bundles, o.dir);
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
    const config = (0,load/* loadConfig */.Z9)(o.configPath);
    const environment = (0,load/* environmentConfig */.wX)(config, o.environmentName);
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
    const ssh = (0,git_ssh/* openSsh */.zT)({
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
        settings: (0,schema/* cacheSettingsOf */.vH)(environment),
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
