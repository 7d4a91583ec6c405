// Secrets: every stage runs as a runner runs it (the bundled action: INPUT_*, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, RUNNER_DEBUG=1 so debug lines are checked too) and through the CLI, with known
// secret values wherever it can receive one — registry passwords (inputs and ~/.docker/config.json), a
// token server whose tokens are recorded, S3 keys (inputs and a credentials-command printing a temporary
// key), the forge token, the cache signing key — and, for every stage, secret-looking variables in its
// environment. On success and on failure (wrong password, a token server refusing, S3 403, a registry whose
// error body echoes the Authorization header back) none of the values nor their derived forms (base64 of
// user:pass, the fetched bearer tokens, the temporary keys) may appear in stdout, stderr, the outputs or
// the summary — except on `::add-mask::` lines, which the runner consumes, and where each secret a stage
// received must be registered. Credentials inside URLs (git remotes, S3 endpoints, registry references)
// are stripped from errors. The ssh-key block runs publish from source (tsx) until dist is rebuilt. Everything is loopback; servers we need to talk back to run in-process, so
// the runs are asynchronous.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { randomFile, writeDockerArchive } from '../helpers/docker-archive.js';
import { type ForgeStub, startForgeStub } from '../helpers/forge-stub.js';
import { git } from '../helpers/git.js';
import { GIT_ONLY, gitReleaseCheckout } from '../helpers/git-release.js';
import '../helpers/nix.js';
import { fixtureRepo } from '../helpers/project.js';
import { nixKey, runActionAsync, runCliAsync } from '../helpers/publish-fixture.js';
import { type RegistryServer, startRegistry } from '../helpers/registry.js';
import { type S3Server, startS3 } from '../helpers/s3.js';
import { type Sshd, startSshd } from '../helpers/sshd.js';
import { tmpDir, writeFiles } from '../helpers/tmp.js';

/** Variables a runner's environment may hold: no stage reads them, none may print them. */
const ENV_SECRETS = {
  GITHUB_TOKEN: 'ghs_EnvTokenNeverPrinted000000000001',
  ACTIONS_RUNTIME_TOKEN: 'eyJ0eXAiOiJKV1Qi.runtime-token-never-printed.sig',
  FORGEJO_TOKEN: 'fj-env-token-never-printed-0002',
  NPM_TOKEN: 'npm_EnvTokenNeverPrinted0003',
};
const USER = 'releng-bot';
const S = {
  htpasswd: 'htpasswd-Pa55-7c1d9e4b',
  // Characters that URL and form encoding change, so that the encoded forms differ from the value.
  token: 'tokenauth+Pa55/2f8a&6c31=',
  wrong: 'wrong-Pa55-90ab13ce',
  echo: 'echo-Pa55-4d2e7f10',
  s3Id: 'AKIARELENGINPUT00001',
  s3Secret: 'sk-input-5c4b3a2918f7e6d5',
  tempId: 'ASIARELENGTEMP000002',
  tempSecret: 'sk-temp-0a1b2c3d4e5f6a7b',
  tempSession: 'st-temp-session-99887766554433',
  unknownId: 'AKIARELENGUNKNOWN003',
  unknownSecret: 'sk-unknown-1122334455667788',
  forge: 'ghp_ForgeTokenKnown0000000000000000004',
  forgeWrong: 'ghp_ForgeTokenWrong0000000000000000005',
  echoToken: 'echo-bearer-token-c0ffee-5eed',
  urlPassword: 'url-Pa55-in-a-remote-77e1',
};
const KEY = nixKey('secrets-cache-1');
const b64 = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');
const BUCKETS = ['cache', 'releases', 'docs', 'install'];

let htpasswd: RegistryServer;
let tokenReg: RegistryServer;
let s3: S3Server;
let forge: ForgeStub;
let archive: string;

beforeAll(async () => {
  [htpasswd, tokenReg, s3, forge] = await Promise.all([
    startRegistry({ auth: 'htpasswd', users: { [USER]: S.htpasswd } }),
    startRegistry({ auth: 'token', users: { [USER]: S.token } }),
    startS3([...BUCKETS, ...BUCKETS.map((b) => `temp-${b}`)], {
      keys: [
        [S.s3Id, S.s3Secret],
        [S.tempId, S.tempSecret],
      ],
    }),
    startForgeStub('github', 'org/demo', S.forge),
  ]);
  const a = await writeDockerArchive(path.join(tmpDir('releng-secrets-img-'), 'image'), {
    layers: [[randomFile('secrets', 64 << 10)]],
    architecture: 'amd64',
  });
  archive = a.file;
}, 120_000);

afterAll(async () => {
  await Promise.all([htpasswd?.stop(), tokenReg?.stop(), s3?.stop(), forge?.close()]);
});

/** Every secret value of the run so far and its derived forms; fetched tokens are read from the token server. */
function allSecrets(extra: string[] = []): string[] {
  const logins = [S.htpasswd, S.token, S.wrong, S.echo].map((p) => b64(USER, p));
  const tokens = (tokenReg?.token?.requests ?? []).flatMap((r) => (r.issued ? [r.issued] : []));
  const keyB64 = KEY.secret.slice(KEY.secret.indexOf(':') + 1);
  const values = [...Object.values(ENV_SECRETS), ...Object.values(S), ...tokens, KEY.secret, ...extra];
  // Each value also as base64 and URL-encoded (form bodies, query strings), as transports carry them.
  const derived = values.flatMap((v) => [
    Buffer.from(v).toString('base64'),
    encodeURIComponent(v),
    new URLSearchParams({ v }).toString().slice(2),
  ]);
  return [...new Set([...values, ...derived, ...logins, keyB64])];
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary?: string;
}

/** What a reader of the run sees: every line but the ::add-mask:: commands, the outputs, the summary. */
function shown(r: Run): string {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !l.startsWith('::add-mask::'));
  return [...lines, ...Object.values(r.outputs), r.summary ?? ''].join('\n');
}

function registered(r: Run): string[] {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length));
}

/** No secret (nor derived form) shown; on a runner, each of `mustRegister` registered for masking. */
function expectClean(r: Run, o: { mustRegister?: string[]; extra?: string[] } = {}) {
  const text = shown(r);
  const leaked = allSecrets(o.extra).filter((s) => text.includes(s));
  expect(leaked, `secrets shown:\n${text}`).toEqual([]);
  if (o.mustRegister) expect(registered(r)).toEqual(expect.arrayContaining(o.mustRegister));
}

/** The error line of a failed run: the runner's ::error:: or the CLI's `releng STAGE: error:`. */
function errorLine(r: Run, stage: string): string {
  const lines = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => l.startsWith('::error::') || l.startsWith(`releng ${stage}: error:`));
  expect(lines, r.stdout + r.stderr).toHaveLength(1);
  expect(lines[0]!.endsWith('problems):'), r.stdout + r.stderr).toBe(false);
  return lines[0]!;
}

const runnerEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...ENV_SECRETS,
  RUNNER_DEBUG: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  ...extra,
});
const cliEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...ENV_SECRETS,
  RUNNER_DEBUG: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  ...extra,
});

/** A HOME (and DOCKER_CONFIG) holding a docker login for `host`, and a blob cache of its own. */
function home(logins: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = tmpDir('releng-secrets-home-');
  const auths = Object.fromEntries(
    Object.entries(logins).map(([host, pass]) => [host, { auth: b64(USER, pass) }]),
  );
  writeFiles(dir, { '.docker/config.json': JSON.stringify({ auths }) });
  return { HOME: dir, DOCKER_CONFIG: path.join(dir, '.docker'), XDG_CACHE_HOME: path.join(dir, '.cache') };
}

const IDENTITY = { 'git-user-name': 'Rel Eng', 'git-user-email': 'releng@example.org' };

describe('stages without secrets of their own: nothing of the environment is echoed', () => {
  test('prepare and tag, as a runner and through the CLI, on success and on failure', async () => {
    const repo = fixtureRepo({ tag: false });
    git(repo, 'checkout', '-q', 'main');
    writeFiles(repo, { 'doc/manual/rl-next/x.md': '---\nsynopsis: A fix\ncategory: Fixes\n---\n\nBody.\n' });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'fragment');
    const prepared = await runActionAsync(
      'prepare',
      { ...IDENTITY, date: '2024-08-12' },
      { cwd: repo, env: runnerEnv() },
    );
    expect(prepared.status, prepared.stdout + prepared.stderr).toBe(0);
    expectClean(prepared);
    const tagged = await runCliAsync(
      ['tag', '--git-user-name', 'Rel Eng', '--git-user-email', 'r@example.org'],
      {
        cwd: repo,
        env: cliEnv(),
      },
    );
    expect(tagged.status, tagged.stderr).toBe(0);
    expectClean(tagged);

    const bad = fixtureRepo();
    git(bad, 'checkout', '-q', 'main');
    writeFiles(bad, { 'doc/manual/rl-next/bad.md': 'no front matter\n', 'README.md': 'dirty\n' });
    for (const r of [
      await runActionAsync('prepare', IDENTITY, { cwd: bad, env: runnerEnv() }),
      await runCliAsync(['prepare'], { cwd: bad, env: cliEnv() }),
      await runActionAsync('tag', IDENTITY, { cwd: bad, env: runnerEnv() }),
      await runCliAsync(['tag'], { cwd: bad, env: cliEnv() }),
    ]) {
      expect(r.status).not.toBe(0);
      expectClean(r);
    }
  }, 120_000);
});

let repo: string;
let bundleDir: string;

describe('build-artifacts: nothing of the environment is echoed', () => {
  test('a leg built as a runner builds it, through the CLI, and a refused build', async () => {
    repo = fixtureRepo();
    const out = path.join(tmpDir('releng-secrets-out-'), 'release');
    const r = await runActionAsync(
      'build-artifacts',
      { systems: 'x86_64-linux', 'out-dir': out },
      { cwd: repo, env: runnerEnv() },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expectClean(r);
    bundleDir = r.outputs['bundle-dir']!;
    const cli = await runCliAsync(
      [
        'build-artifacts',
        '--systems',
        'x86_64-linux',
        '--out-dir',
        path.join(tmpDir('releng-secrets-out-'), 'r'),
      ],
      { cwd: repo, env: cliEnv() },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expectClean(cli);
    const refused = await runCliAsync(['build-artifacts', '--systems', 'riscv64-linux'], {
      cwd: repo,
      env: cliEnv(),
    });
    expect(refused.status).not.toBe(0);
    expectClean(refused);
  }, 900_000);
});

interface Served {
  /** 127.0.0.1:PORT */
  host: string;
  close(): Promise<void>;
}

/** Serves `handle` on a free loopback port; the handler is given the server's own host:port. */
async function serve(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, self: string) => void,
): Promise<Served> {
  let self = '';
  const server = http.createServer((req, res) => handle(req, res, self));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  self = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    host: self,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A registry whose error bodies echo the Authorization header back (some proxies and registries do):
 * 401 with a Basic or Bearer challenge without credentials, a token from /token, and 403 quoting the
 * header for every authenticated request.
 */
function echoRegistry(scheme: 'basic' | 'bearer'): Promise<Served> {
  return serve((req, res, self) => {
    const send = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (req.url?.startsWith('/token')) return send(200, { token: S.echoToken, expires_in: 300 });
    const auth = req.headers.authorization;
    if (!auth)
      return send(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        {
          'www-authenticate':
            scheme === 'basic'
              ? 'Basic realm="echo"'
              : `Bearer realm="http://${self}/token",service="echo",scope="repository:org/demo:pull,push"`,
        },
      );
    send(403, {
      errors: [
        {
          code: 'DENIED',
          message: `requested access to the resource is denied (you sent Authorization: ${auth})`,
        },
      ],
    });
  });
}

interface Seen {
  method: string;
  path: string;
  authorization?: string;
}

const see = (req: http.IncomingMessage): Seen => ({
  method: req.method ?? '',
  path: req.url ?? '',
  authorization: req.headers.authorization,
});

/**
 * Records every request (method, path, Authorization) and forwards it to `upstream` (host:port) with the
 * Host header `host(req)` gives (distribution builds its Location headers from it) and the extra headers
 * `add` gives — or answers it itself when `answer` says so.
 */
function forwarder(o: {
  upstream: string;
  seen: Seen[];
  host?: (req: http.IncomingMessage, self: string) => string | undefined;
  add?: Record<string, string>;
  answer?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}): Promise<Served> {
  const [upHost, upPort] = o.upstream.split(':');
  return serve((req, res, self) => {
    o.seen.push(see(req));
    if (o.answer?.(req, res)) return void req.resume();
    const headers = { ...req.headers, ...o.add, host: o.host?.(req, self) ?? req.headers.host };
    const up = http.request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
}

/** Records every request and answers 200 `{}`: where redirects must not carry credentials. */
function recorder(seen: Seen[]): Promise<Served> {
  return serve((req, res) => {
    seen.push(see(req));
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
}

/** Answers 307 to the same path on `to`, except where `answer` answers. */
function redirector(
  to: string,
  answer: (req: http.IncomingMessage, res: http.ServerResponse, self: string) => boolean = () => false,
): Promise<Served> {
  return serve((req, res, self) => {
    req.resume();
    if (!answer(req, res, self)) res.writeHead(307, { location: `http://${to}${req.url}` }).end();
  });
}

describe('docker-multiarch', () => {
  const images = () => ({ images: archive, version: '2.93.0', latest: 'false' });

  test('password inputs to an htpasswd registry: the password and base64(user:pass) are registered, shown nowhere', async () => {
    const r = await runActionAsync(
      'docker-multiarch',
      { ...images(), targets: `${htpasswd.host}/org/demo`, username: USER, password: S.htpasswd },
      { cwd: tmpDir(), env: runnerEnv(home()) },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expectClean(r, { mustRegister: [S.htpasswd, b64(USER, S.htpasswd)] });
  }, 120_000);

  test('a token registry: every fetched token is registered the moment it exists, and shown nowhere', async () => {
    const before = tokenReg.token!.requests.length;
    const r = await runActionAsync(
      'docker-multiarch',
      { ...images(), targets: `${tokenReg.host}/org/demo`, username: USER, password: S.token },
      { cwd: tmpDir(), env: runnerEnv(home()) },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const issued = tokenReg.token!.requests.slice(before).flatMap((t) => (t.issued ? [t.issued] : []));
    expect(issued.length).toBeGreaterThan(0);
    expectClean(r, { mustRegister: [S.token, b64(USER, S.token), ...issued] });
  }, 120_000);

  test('the CLI with a ~/.docker/config.json login to the token registry', async () => {
    const r = await runCliAsync(
      [
        'docker-multiarch',
        '--images',
        archive,
        '--version',
        '2.93.1',
        '--latest',
        'false',
        '--targets',
        `${tokenReg.host}/org/demo`,
      ],
      { cwd: tmpDir(), env: cliEnv(home({ [tokenReg.host]: S.token })) },
    );
    expect(r.status, r.stderr).toBe(0);
    expectClean(r);
  }, 120_000);

  test('a registry redirecting blob reads and uploads to another host: no Authorization reaches that host', async () => {
    // "storage" stands for a registry's blob store on another origin: it is handed the request without
    // credentials and forwards it to the real registry with its own (as a presigned URL would carry).
    const stored: Seen[] = [];
    const fronted: Seen[] = [];
    const storage = await forwarder({
      upstream: htpasswd.host,
      seen: stored,
      host: (_req, self) => self,
      add: { authorization: `Basic ${b64(USER, S.htpasswd)}` },
    });
    const BLOB = /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/;
    const front = await forwarder({
      upstream: htpasswd.host,
      seen: fronted,
      // Upload sessions are opened on the storage host: the registry's Location points there.
      host: (req) =>
        req.method === 'POST' && req.url?.includes('/blobs/uploads/') ? storage.host : undefined,
      // Blob reads are redirected there, as registries on S3 do.
      answer: (req, res) => {
        if (req.method !== 'GET' || !BLOB.test(req.url ?? '')) return false;
        res.writeHead(307, { location: `http://${storage.host}${req.url}` }).end();
        return true;
      },
    });
    try {
      const run = (version: string) =>
        runActionAsync(
          'docker-multiarch',
          {
            images: archive,
            version,
            latest: 'false',
            targets: `${front.host}/org/redirected`,
            username: USER,
            password: S.htpasswd,
          },
          { cwd: tmpDir(), env: runnerEnv(home()) },
        );
      // The first run uploads every blob; the second reads the image it finds under our tags (its config).
      for (const version of ['2.93.0', '2.93.1']) {
        const r = await run(version);
        expect(r.status, r.stdout + r.stderr).toBe(0);
        expectClean(r, { mustRegister: [S.htpasswd, b64(USER, S.htpasswd)] });
      }
      const uploads = stored.filter((q) => q.path.includes('/blobs/uploads/') && q.method !== 'POST');
      const reads = stored.filter((q) => q.method === 'GET' && BLOB.test(q.path));
      expect(uploads.length, JSON.stringify(stored)).toBeGreaterThan(0);
      expect(reads.length, JSON.stringify(stored)).toBeGreaterThan(0);
      expect(stored.filter((q) => q.authorization !== undefined)).toEqual([]);
      // …while the registry itself was sent the credentials (the check above could not pass vacuously).
      expect(fronted.some((q) => q.authorization?.startsWith('Basic '))).toBe(true);
    } finally {
      await Promise.all([front.close(), storage.close()]);
    }
  }, 120_000);

  test('a token service redirecting to another host: the credentials are not sent there', async () => {
    const seen: Seen[] = [];
    const elsewhere = await recorder(seen);
    // The registry's /v2/ asks for a token from its own /token, which redirects to `elsewhere`.
    const reg = await redirector(elsewhere.host, (req, res, self) => {
      if (!req.url?.startsWith('/v2/')) return false;
      res
        .writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="http://${self}/token",service="r",scope="repository:org/demo:pull,push"`,
        })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return true;
    });
    try {
      for (const r of [
        await runActionAsync(
          'docker-multiarch',
          { ...images(), targets: `${reg.host}/org/demo`, username: USER, password: S.htpasswd },
          { cwd: tmpDir(), env: runnerEnv(home()) },
        ),
        await runCliAsync(
          [
            'docker-multiarch',
            '--images',
            archive,
            '--version',
            '2.93.0',
            '--targets',
            `${reg.host}/org/demo`,
          ],
          { cwd: tmpDir(), env: cliEnv(home({ [reg.host]: S.htpasswd })) },
        ),
      ]) {
        expect(r.status, r.stdout + r.stderr).not.toBe(0);
        expect(errorLine(r, 'docker-multiarch')).toMatch(/token service .* redirects to .*another host/);
        expectClean(r);
      }
      expect(seen).toEqual([]);
    } finally {
      await Promise.all([reg.close(), elsewhere.close()]);
    }
  }, 120_000);

  test('failures: a wrong password, a token server refusing, registries that echo the Authorization header', async () => {
    const basic = await echoRegistry('basic');
    const bearer = await echoRegistry('bearer');
    try {
      const cases: [string, Promise<Run>, RegExp][] = [
        [
          'wrong password, htpasswd, runner',
          runActionAsync(
            'docker-multiarch',
            { ...images(), targets: `${htpasswd.host}/org/demo`, username: USER, password: S.wrong },
            { cwd: tmpDir(), env: runnerEnv(home()) },
          ),
          /authentication failed \(HTTP 401/,
        ],
        [
          'token server refusing, CLI, docker login',
          runCliAsync(
            [
              'docker-multiarch',
              '--images',
              archive,
              '--version',
              '2.93.0',
              '--targets',
              `${tokenReg.host}/org/demo`,
            ],
            {
              cwd: tmpDir(),
              env: cliEnv(home({ [tokenReg.host]: S.wrong })),
            },
          ),
          /token service .* refused the credentials \(HTTP 401/,
        ],
        ...(['runner', 'cli'] as const).flatMap((how) =>
          [basic, bearer].map((echo, i): [string, Promise<Run>, RegExp] => [
            `${['Basic', 'Bearer'][i]} echoed, ${how}`,
            how === 'runner'
              ? runActionAsync(
                  'docker-multiarch',
                  { ...images(), targets: `${echo.host}/org/demo`, username: USER, password: S.echo },
                  { cwd: tmpDir(), env: runnerEnv(home()) },
                )
              : runCliAsync(
                  [
                    'docker-multiarch',
                    '--images',
                    archive,
                    '--version',
                    '2.93.0',
                    '--targets',
                    `${echo.host}/org/demo`,
                    '--username',
                    USER,
                    '--password',
                    S.echo,
                  ],
                  { cwd: tmpDir(), env: cliEnv(home()) },
                ),
            /HTTP 403 \(DENIED: requested access to the resource is denied \(you sent Authorization: (Basic|Bearer) \*\*\*\)\)/,
          ]),
        ),
      ];
      for (const [name, run, message] of cases) {
        const r = await run;
        expect(r.status, name).not.toBe(0);
        expect(errorLine(r, 'docker-multiarch'), name).toMatch(message);
        expectClean(r);
      }
    } finally {
      await basic.close();
      await bearer.close();
    }
  }, 300_000);
});

/** The project's releng.yml with a staging environment on this test's servers (`patch` merged over it). */
function withEnvironments(dir: string, environments: Record<string, object>) {
  const file = path.join(dir, 'releng.yml');
  const config = parse(fs.readFileSync(file, 'utf8'));
  config.environments = environments;
  // These publishes hold the x86_64-linux leg alone (the every-system rule has tests of its own).
  config.build.systems = ['x86_64-linux'];
  fs.writeFileSync(file, stringify(config));
}

function environment(prefix: string, extra: object = {}) {
  const remote = path.join(tmpDir('releng-secrets-remote-'), 'r.git');
  execFileSync('git', ['init', '-q', '--bare', remote]);
  return {
    s3: { endpoint: s3.endpoint, region: 'us-east-1', 'path-style': true },
    ...Object.fromEntries(BUCKETS.map((b) => [b, `s3://${prefix}${b}`])),
    'signing-key': { env: 'SECRETS_SIGNING_KEY' },
    registries: [{ ref: `${tokenReg.host}/org/published`, tags: ['{version}', '{major}'] }],
    'git-remote': remote,
    forge: { type: 'github', 'api-url': forge.apiUrl, repository: 'org/demo' },
    ...extra,
  };
}

describe('publish', () => {
  /** The checkout of the release (build-artifacts' repository), its environments replaced, committed. */
  function checkout(environments: Record<string, object>): string {
    const dir = tmpDir('releng-secrets-publish-');
    execFileSync('git', ['clone', '-q', repo, dir]);
    git(dir, 'checkout', '-q', '--detach', '2.93.0');
    withEnvironments(dir, environments);
    return dir;
  }

  test('as a runner: a temporary S3 key from the credentials-command, the signing key, a docker login, the forge token', async () => {
    const cmd = `printf '{"id": "%s", "secret_key": "%s", "session_token": "%s"}' ${S.tempId} ${S.tempSecret} ${S.tempSession}`;
    const dir = checkout({
      staging: environment('', { s3: { endpoint: s3.endpoint, 'credentials-command': cmd } }),
    });
    const r = await runActionAsync(
      'publish',
      {
        environment: 'staging',
        confirm: 'I want to release this to staging',
        bundles: bundleDir,
        'no-check-git': 'true',
        'forge-token': S.forge,
      },
      {
        cwd: dir,
        env: runnerEnv({ ...home({ [tokenReg.host]: S.token }), SECRETS_SIGNING_KEY: KEY.secret }),
      },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(forge.releases.length).toBeGreaterThan(0);
    const keyB64 = KEY.secret.slice(KEY.secret.indexOf(':') + 1);
    expectClean(r, {
      mustRegister: [
        S.tempId,
        S.tempSecret,
        S.tempSession,
        S.forge,
        KEY.secret,
        keyB64,
        S.token,
        b64(USER, S.token),
      ],
    });
  }, 600_000);

  test('through the CLI: S3 keys and the forge token as options', async () => {
    const dir = checkout({ temp: environment('temp-') });
    const r = await runCliAsync(
      [
        'publish',
        '--environment',
        'temp',
        '--confirm',
        'I want to release this to temp',
        '--bundles',
        bundleDir,
        '--no-check-git',
        '--s3-access-key-id',
        S.s3Id,
        '--s3-secret-access-key',
        S.s3Secret,
        '--forge-token',
        S.forge,
      ],
      { cwd: dir, env: cliEnv({ ...home({ [tokenReg.host]: S.token }), SECRETS_SIGNING_KEY: KEY.secret }) },
    );
    expect(r.status, r.stderr).toBe(0);
    expectClean(r);
  }, 600_000);

  test('a forge API redirecting to another host: the forge-token is not sent there', async () => {
    const seen: Seen[] = [];
    const elsewhere = await recorder(seen);
    const moved = await redirector(elsewhere.host);
    try {
      const forgeThere = { type: 'github', 'api-url': `http://${moved.host}`, repository: 'org/demo' };
      const dir = checkout({ staging: environment('', { forge: forgeThere }) });
      const skip = 'cache,docker,docker-pointers,releases,docs,installers,tag,branch';
      for (const r of [
        await runActionAsync(
          'publish',
          {
            environment: 'staging',
            confirm: 'I want to release this to staging',
            bundles: bundleDir,
            'no-check-git': 'true',
            skip,
            'forge-token': S.forge,
          },
          { cwd: dir, env: runnerEnv(home()) },
        ),
        await runCliAsync(
          [
            'publish',
            '--environment',
            'staging',
            '--confirm',
            'I want to release this to staging',
            '--bundles',
            bundleDir,
            '--no-check-git',
            '--skip',
            skip,
            '--forge-token',
            S.forge,
          ],
          { cwd: dir, env: cliEnv(home()) },
        ),
      ]) {
        expect(r.status, r.stdout + r.stderr).not.toBe(0);
        expect(errorLine(r, 'publish')).toMatch(/forge API GET .*HTTP 307 redirect .*not followed/);
        expectClean(r);
      }
      expect(seen).toEqual([]);
    } finally {
      await Promise.all([moved.close(), elsewhere.close()]);
    }
  }, 120_000);

  test('failures: S3 403, a forge token refused, a credentials-command printing junk', async () => {
    const skipAllBut = (keep: string) =>
      [
        'cache',
        'docker',
        'docker-pointers',
        'releases',
        'docs',
        'installers',
        'tag',
        'branch',
        'release-page',
      ]
        .filter((s) => s !== keep)
        .join(',');
    const junk = `echo "not json: ${S.tempSecret}"`;
    const dir = checkout({
      staging: environment('', {}),
      junk: environment('', { s3: { endpoint: s3.endpoint, 'credentials-command': junk } }),
    });
    const env = { ...home(), SECRETS_SIGNING_KEY: KEY.secret };
    const cases: [string, Promise<Run>, RegExp][] = [
      [
        'S3 403 (unknown key), runner',
        runActionAsync(
          'publish',
          {
            environment: 'staging',
            confirm: 'I want to release this to staging',
            bundles: bundleDir,
            'no-check-git': 'true',
            skip: skipAllBut('releases'),
            's3-access-key-id': S.unknownId,
            's3-secret-access-key': S.unknownSecret,
          },
          { cwd: dir, env: runnerEnv(env) },
        ),
        /s3:\/\/releases.*(InvalidAccessKeyId|403)/,
      ],
      [
        'S3 403 (unknown key), CLI',
        runCliAsync(
          [
            'publish',
            '--environment',
            'staging',
            '--confirm',
            'I want to release this to staging',
            '--bundles',
            bundleDir,
            '--no-check-git',
            '--skip',
            skipAllBut('releases'),
            '--s3-access-key-id',
            S.unknownId,
            '--s3-secret-access-key',
            S.unknownSecret,
          ],
          { cwd: dir, env: cliEnv(env) },
        ),
        /s3:\/\/releases.*(InvalidAccessKeyId|403)/,
      ],
      [
        'forge token refused, runner',
        runActionAsync(
          'publish',
          {
            environment: 'staging',
            confirm: 'I want to release this to staging',
            bundles: bundleDir,
            'no-check-git': 'true',
            skip: skipAllBut('release-page'),
            'forge-token': S.forgeWrong,
          },
          { cwd: dir, env: runnerEnv(env) },
        ),
        /forge API GET .*: HTTP 401: Bad credentials; the forge-token is invalid or expired/,
      ],
      [
        'forge token refused, CLI',
        runCliAsync(
          [
            'publish',
            '--environment',
            'staging',
            '--confirm',
            'I want to release this to staging',
            '--bundles',
            bundleDir,
            '--no-check-git',
            '--skip',
            skipAllBut('release-page'),
            '--forge-token',
            S.forgeWrong,
          ],
          { cwd: dir, env: cliEnv(env) },
        ),
        /forge API GET .*: HTTP 401: Bad credentials/,
      ],
      [
        'credentials-command prints junk, runner',
        runActionAsync(
          'publish',
          { environment: 'junk', bundles: bundleDir, 'no-check-git': 'true', skip: skipAllBut('releases') },
          { cwd: dir, env: runnerEnv(env) },
        ),
        /s3\.credentials-command did not print JSON/,
      ],
    ];
    for (const [name, run, message] of cases) {
      const r = await run;
      expect(r.status, name).not.toBe(0);
      expect(errorLine(r, 'publish'), name).toMatch(message);
      expectClean(r);
    }
  }, 600_000);
});

describe('credentials inside URLs are stripped from errors (CLI)', () => {
  const secretUrl = (host: string, rest = '') => `https://${USER}:${S.urlPassword}@${host}${rest}`;

  test('a git remote https://user:token@host/…', async () => {
    const dir = fixtureRepo();
    writeFiles(dir, { 'release/artifacts/demo/demo-2.93.0/x.tar.gz': 'x\n' });
    withEnvironments(dir, { staging: { 'git-remote': secretUrl('127.0.0.1:9', '/org/demo.git') } });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'remote');
    git(dir, 'tag', '-f', '-a', '2.93.0', '-m', 'release: 2.93.0');
    const r = await runCliAsync(
      [
        'publish',
        '--environment',
        'staging',
        '--confirm',
        'I want to release this to staging',
        '--artifacts-dir',
        'release/artifacts',
        '--allow-missing-systems',
        'x86_64-linux',
        '--no-check-git',
        '--skip',
        'cache,docker,releases,docs,installers,release-page',
      ],
      { cwd: dir, env: cliEnv() },
    );
    expect(r.status).not.toBe(0);
    expect(errorLine(r, 'publish')).toContain('***@127.0.0.1:9');
    expectClean(r);
  }, 120_000);

  test('an S3 endpoint http://user:pass@host', async () => {
    const dir = fixtureRepo();
    writeFiles(dir, { 'release/artifacts/demo/demo-2.93.0/x.tar.gz': 'x\n' });
    const endpoint = `http://${USER}:${S.urlPassword}@127.0.0.1:9`;
    withEnvironments(dir, { staging: { s3: { endpoint }, releases: 's3://releases' } });
    const r = await runCliAsync(
      [
        'publish',
        '--environment',
        'staging',
        '--confirm',
        'I want to release this to staging',
        '--artifacts-dir',
        'release/artifacts',
        '--allow-missing-systems',
        'x86_64-linux',
        '--no-check-git',
        '--skip',
        'cache,docker,docs,installers,tag,release-page',
      ],
      { cwd: dir, env: cliEnv({ AWS_ACCESS_KEY_ID: S.s3Id, AWS_SECRET_ACCESS_KEY: S.s3Secret }) },
    );
    expect(r.status).not.toBe(0);
    expect(errorLine(r, 'publish')).toContain('***@127.0.0.1:9');
    expectClean(r);
  }, 120_000);

  test('registry references with credentials in them', async () => {
    for (const target of [
      secretUrl(htpasswd.host, '/org/demo'),
      `${USER}:${S.urlPassword}@${htpasswd.host}/org/demo`,
    ]) {
      const r = await runCliAsync(
        ['docker-multiarch', '--images', archive, '--version', '2.93.0', '--targets', target],
        { cwd: tmpDir(), env: cliEnv(home()) },
      );
      expect(r.status, target).not.toBe(0);
      expect(errorLine(r, 'docker-multiarch'), target).toContain('***');
      expectClean(r);
    }
  }, 120_000);
});

describe('publish: the ssh-key input (an ssh git-remote on a real sshd)', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
  });

  /** The key whole and each of its lines: none may be shown (the PEM armour lines are not secret). */
  const keyParts = () => [
    sshd.clientKey.trim(),
    ...sshd.clientKey.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----')),
  ];
  const checkoutTo = (knownHosts: string) => {
    const remote = path.join(tmpDir('releng-secrets-ssh-'), 'r.git');
    execFileSync('git', ['init', '-q', '--bare', remote]);
    return {
      remote,
      dir: gitReleaseCheckout({ staging: { 'git-remote': sshd.url(remote), 'known-hosts': knownHosts } }),
    };
  };
  const inputs = {
    environment: 'staging',
    confirm: 'I want to release this to staging',
    'artifacts-dir': 'release/artifacts',
    'no-check-git': 'true',
    'allow-missing-systems': 'x86_64-linux,aarch64-linux',
    skip: GIT_ONLY,
  };
  const sshHome = () => ({ HOME: tmpDir('releng-secrets-ssh-home-'), SSH_AUTH_SOCK: '' });

  test('as a runner and through the CLI: the key and each of its lines registered, shown nowhere', async () => {
    const a = checkoutTo(sshd.knownHosts);
    const r = await runActionAsync(
      'publish',
      { ...inputs, 'ssh-key': sshd.clientKey },
      { cwd: a.dir, env: runnerEnv(sshHome()), source: true },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(git(a.remote, 'rev-parse', 'refs/tags/2.93.0')).toMatch(/^[0-9a-f]{40}$/);
    expectClean(r, { mustRegister: keyParts().slice(1), extra: keyParts() });

    const b = checkoutTo(sshd.knownHosts);
    const cli = await runCliAsync(
      [
        'publish',
        ...Object.entries(inputs).flatMap(([k, v]) => (k === 'no-check-git' ? [`--${k}`] : [`--${k}`, v])),
        '--ssh-key',
        sshd.clientKey,
      ],
      { cwd: b.dir, env: cliEnv(sshHome()), source: true },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expectClean(cli, { extra: keyParts() });
  }, 120_000);

  test('failures: a host key other than known-hosts says, and a key cut short (its lines a real key’s)', async () => {
    const other = tmpDir('releng-secrets-ssh-host-');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(other, 'k')]);
    const [type, blob] = fs.readFileSync(path.join(other, 'k.pub'), 'utf8').split(' ');
    const wrongHost = checkoutTo(`[127.0.0.1]:${sshd.port} ${type} ${blob}`);
    const r = await runActionAsync(
      'publish',
      { ...inputs, 'ssh-key': sshd.clientKey },
      { cwd: wrongHost.dir, env: runnerEnv(sshHome()), source: true },
    );
    expect(r.status).toBe(1);
    expect(errorLine(r, 'publish')).toMatch(/Host key verification failed/);
    expectClean(r, { extra: keyParts() });

    const lines = sshd.clientKey.trim().split('\n');
    const cut = lines.slice(0, -2).join('\n');
    const c = checkoutTo(sshd.knownHosts);
    const cli = await runCliAsync(
      [
        'publish',
        ...Object.entries(inputs).flatMap(([k, v]) => (k === 'no-check-git' ? [`--${k}`] : [`--${k}`, v])),
        '--ssh-key',
        cut,
      ],
      { cwd: c.dir, env: cliEnv(sshHome()), source: true },
    );
    expect(cli.status).toBe(1);
    expect(errorLine(cli, 'publish')).toMatch(
      /input 'ssh-key' is not usable: it is not a private key in PEM form/,
    );
    expectClean(cli, { extra: [cut, ...keyParts()] });
  }, 120_000);
});
