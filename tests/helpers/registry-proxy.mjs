// The recording proxy in front of a test registry, and the token server of token auth: a child process,
// so that a test blocked in spawnSync (a bundled action, the CLI) does not block them. Records go to
// JSON-lines files the test reads. Usage: node registry-proxy.mjs '<json options>'; prints the ports.
import { createSign, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

const o = JSON.parse(process.argv[2]);

function record(file, rec) {
  fs.appendFileSync(file, `${JSON.stringify(rec)}\n`);
}

// Forwards to the registry with the Host header untouched, so its Location headers point back here.
const proxy = http.createServer((req, res) => {
  const rec = {
    method: req.method,
    path: req.url,
    status: 0,
    contentRange: req.headers['content-range'],
    contentLength: req.headers['content-length'] ? Number(req.headers['content-length']) : undefined,
    bodyBytes: 0,
    authorization: req.headers.authorization?.split(' ')[0],
  };
  const up = http.request(
    { host: '127.0.0.1', port: o.target, method: req.method, path: req.url, headers: req.headers },
    (r) => {
      rec.status = r.statusCode ?? 0;
      res.writeHead(r.statusCode ?? 502, r.headers);
      // Recorded before pipe ends the response: a client that has its answer finds the record written.
      r.on('end', () => record(o.records, rec));
      r.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  req.on('data', (c) => {
    rec.bodyBytes += c.length;
  });
  req.pipe(up);
});
proxy.keepAliveTimeout = 30_000;

let token;
if (o.token) {
  const t = o.token;
  const key = fs.readFileSync(t.keyFile, 'utf8');
  const certDer = fs
    .readFileSync(t.certFile, 'utf8')
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  // The next N tokens are issued already expired (beyond distribution's 60 s leeway) but claim 300 s.
  const takeExpired = () => {
    const n = Number(fs.existsSync(t.expireFile) ? fs.readFileSync(t.expireFile, 'utf8') : 0);
    if (n > 0) fs.writeFileSync(t.expireFile, String(n - 1));
    return n > 0;
  };
  const sign = (user, scopes) => {
    const now = Math.floor(Date.now() / 1000);
    const exp = takeExpired() ? now - 120 : now + 300;
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository' || !name || !user || !(user in t.users)) return [];
      const wanted = (actions ?? '').split(',').filter(Boolean);
      const granted = t.readOnlyUsers.includes(user) ? wanted.filter((a) => a === 'pull') : wanted;
      return [{ type, name, actions: granted }];
    });
    const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [certDer] })}.${b64({
      iss: t.issuer,
      sub: user ?? '',
      aud: t.service,
      exp,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    })}`;
    const sig = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
    return {
      token: `${input}.${sig}`,
      access_token: `${input}.${sig}`,
      expires_in: 300,
      issued_at: new Date().toISOString(),
    };
  };
  token = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status, body, user, scopes = []) => {
      // The token issued, so that tests can look for it where it must not be (logs, outputs).
      record(t.requestsFile, { method: req.method, user, scopes, status, issued: body.token });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/token') return reply(404, { error: 'not found' });
    if (req.method === 'GET') {
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' '));
      const auth = req.headers.authorization;
      let user;
      if (auth?.startsWith('Basic ')) {
        const [u, p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
        if (!u || t.users[u] !== p) return reply(401, { error: 'bad credentials' }, u, scopes);
        user = u;
      }
      return reply(200, sign(user, scopes), user, scopes);
    }
    if (req.method === 'POST') {
      if (!t.post) return reply(405, { error: 'use GET' });
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const u = form.get('username') ?? undefined;
        if (form.get('grant_type') !== 'password' || !u || t.users[u] !== form.get('password'))
          return reply(401, { error: 'invalid_grant' }, u, scopes);
        return reply(200, sign(u, scopes), u, scopes);
      });
      return;
    }
    reply(405, { error: 'method' });
  });
}

await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
if (token) await new Promise((r) => token.listen(o.token.port, '127.0.0.1', r));
process.stdout.write(`${JSON.stringify({ port: proxy.address().port })}\n`);
process.on('SIGTERM', () => process.exit(0));
