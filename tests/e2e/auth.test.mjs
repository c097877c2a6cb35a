// auth.test.mjs — authentication end to end: 401 on every non-public route without valid
// credentials (none, garbage, expired, logged out), login throttling, argon2id password
// storage, cookie sessions with CSRF. Runs for each backend of backends().
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  backends, startServer, login, api, cli, cliOk, sql, dbSnapshot, tokenHash, cleanup,
} from './lib/server.mjs';

/** The route table as printed by `anjian routes`: [{ method, path, isPublic }]. */
function cliRoutes(db) {
  const out = cliOk(db, ['routes']);
  const routes = [];
  for (const line of out.split('\n')) {
    const m = /^(GET|POST|PUT|PATCH|DELETE|HEAD)\s+(\/\S*)\s+(.*)$/.exec(line);
    if (m) routes.push({ method: m[1], path: m[2], isPublic: m[3].trim().endsWith('(public)') });
  }
  return routes;
}

const concrete = (path) => path.replaceAll('{id}', '1');

/** Sends the route's request with the given headers (and {} as JSON body for POST/PATCH). */
async function hit(base, route, headers = {}) {
  const h = { ...headers };
  let body;
  if (route.method === 'POST' || route.method === 'PATCH') {
    h['Content-Type'] = 'application/json';
    body = '{}';
  }
  const r = await fetch(base + concrete(route.path), { method: route.method, headers: h, body });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text, headers: r.headers };
}

function assertEnvelope(res, code, what) {
  assert.ok(res.json && typeof res.json.error === 'object', `${what}: JSON error envelope expected, got ${res.text}`);
  assert.equal(res.json.error.code, code, `${what}: ${res.text}`);
  assert.equal(typeof res.json.error.message, 'string', `${what}: message`);
  assert.ok(res.json.error.message.length > 0, `${what}: message is empty`);
  assert.match(res.headers.get('content-type') || '', /^application\/json/, `${what}: content type`);
}

/** Login from a chosen local (loopback) address, to tell per-address from per-user limits. */
function loginFrom(base, localAddress, username, password) {
  const u = new URL('/api/v1/auth/login', base);
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: Number(u.port), path: u.pathname, method: 'POST', localAddress, agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function parseSetCookie(header) {
  const parts = header.split(';').map((s) => s.trim());
  const [name, ...v] = parts[0].split('=');
  const attrs = {};
  for (const p of parts.slice(1)) {
    const i = p.indexOf('=');
    attrs[(i < 0 ? p : p.slice(0, i)).toLowerCase()] = i < 0 ? true : p.slice(i + 1);
  }
  return { name, value: v.join('='), attrs };
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv;
    let admin;
    const userPw = 'Usr-' + randomBytes(9).toString('base64url');

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal(admin.status, 200, JSON.stringify(admin.body));
      for (const u of ['thr-a', 'thr-b', 'thr-c', 'thr-d', 'cookie-user']) {
        cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', u, '--roles', u === 'cookie-user' ? 'admin' : 'worker'],
          { ANJIAN_USER_PASSWORD: userPw });
      }
    });
    after(async () => {
      if (srv) await srv.stop();
      cleanup(srv && srv.db);
    });

    it('the route table of `anjian routes` is the one the server serves, and only /healthz and login are public', async () => {
      const routes = cliRoutes(srv.db);
      assert.ok(routes.length >= 50, `expected the full route table, got ${routes.length} routes`);
      const served = await api(srv.url, admin.token, 'GET', '/api/v1/routes');
      assert.equal(served.status, 200);
      const key = (r) => `${r.method} ${r.path} ${r.isPublic}`;
      assert.deepEqual(
        routes.map(key).sort(),
        served.body.items.map((r) => key({ method: r.method, path: r.path, isPublic: r.public })).sort(),
      );
      assert.deepEqual(routes.filter((r) => r.isPublic).map((r) => `${r.method} ${r.path}`).sort(),
        ['GET /healthz', 'POST /api/v1/auth/login']);
    });

    it('every route but /healthz and login answers 401 with the JSON error envelope without credentials', async () => {
      const routes = cliRoutes(srv.db);
      for (const route of routes) {
        const res = await hit(srv.url, route);
        const what = `${route.method} ${concrete(route.path)} without credentials`;
        if (route.path === '/healthz') {
          assert.equal(res.status, 200, `${what}: ${res.text}`);
          assert.equal(res.json.status, 'ok');
        } else if (route.path === '/api/v1/auth/login') {
          // {} is not a login: 400 naming the missing fields, never 401 for "log in first".
          assert.equal(res.status, 400, `${what}: ${res.text}`);
          assertEnvelope(res, 'invalid', what);
        } else {
          assert.equal(res.status, 401, `${what}: ${res.text}`);
          assertEnvelope(res, 'unauthenticated', what);
        }
      }
    });

    it('a garbage bearer token, a malformed Authorization header or a garbage cookie gets 401 on every protected route', async () => {
      const routes = cliRoutes(srv.db).filter((r) => !r.isPublic);
      const garbage = randomBytes(32).toString('base64url');
      const variants = [
        { Authorization: 'Bearer ' + garbage },
        { Authorization: 'Bearer x' },
        { Authorization: 'Basic ' + Buffer.from('admin:' + srv.adminPassword).toString('base64') },
        { Authorization: 'Bearer ' + admin.token.slice(0, -1) + (admin.token.endsWith('A') ? 'B' : 'A') },
        { Cookie: 'aj_session=' + garbage },
      ];
      for (const route of routes) {
        for (const headers of variants) {
          const res = await hit(srv.url, route, headers);
          const what = `${route.method} ${concrete(route.path)} with ${JSON.stringify(headers).slice(0, 40)}`;
          assert.equal(res.status, 401, `${what}: ${res.text}`);
          assertEnvelope(res, 'unauthenticated', what);
        }
      }
      // The real token still works: the 401s above are about the credentials.
      assert.equal((await api(srv.url, admin.token, 'GET', '/api/v1/auth/me')).status, 200);
    });

    it('an expired session gets 401, by bearer token and by cookie', async () => {
      const s = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal(s.status, 200);
      assert.equal((await api(srv.url, s.token, 'GET', '/api/v1/sites')).status, 200);
      assert.equal((await api(srv.url, null, 'GET', '/api/v1/sites', undefined, { Cookie: s.cookie })).status, 200);
      const th = await tokenHash(s.token);
      assert.equal(sql(srv.db, `SELECT COUNT(*) FROM sessions WHERE token_hash = '${th}'`), '1');
      sql(srv.db, `UPDATE sessions SET expires_ms = ${Date.now() - 60000} WHERE token_hash = '${th}'`);
      for (const path of ['/api/v1/auth/me', '/api/v1/sites', '/api/v1/audit']) {
        const r = await api(srv.url, s.token, 'GET', path);
        assert.equal(r.status, 401, `${path}: ${r.text}`);
        assert.equal(r.body.error.code, 'unauthenticated');
        const c = await api(srv.url, null, 'GET', path, undefined, { Cookie: s.cookie });
        assert.equal(c.status, 401, `${path} by cookie: ${c.text}`);
      }
      const w = await api(srv.url, s.token, 'POST', '/api/v1/sites', { code: 'EXP1', name: '过期' });
      assert.equal(w.status, 401);
      assert.equal(sql(srv.db, "SELECT COUNT(*) FROM sites WHERE code = 'EXP1'"), '0');
      // Other sessions of the same user are unaffected.
      assert.equal((await api(srv.url, admin.token, 'GET', '/api/v1/auth/me')).status, 200);
    });

    it('after logout the token gets 401 and its session row is gone', async () => {
      const s = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await api(srv.url, s.token, 'GET', '/api/v1/auth/me')).status, 200);
      const out = await api(srv.url, s.token, 'POST', '/api/v1/auth/logout');
      assert.equal(out.status, 204, out.text);
      const cleared = parseSetCookie(out.headers.get('set-cookie') || '');
      assert.equal(cleared.name, 'aj_session');
      assert.equal(cleared.attrs['max-age'], '0', 'logout clears the cookie');
      for (const path of ['/api/v1/auth/me', '/api/v1/sites', '/api/v1/users']) {
        const r = await api(srv.url, s.token, 'GET', path);
        assert.equal(r.status, 401, `${path} after logout: ${r.text}`);
        assert.equal(r.body.error.code, 'unauthenticated');
      }
      assert.equal((await api(srv.url, null, 'GET', '/api/v1/auth/me', undefined, { Cookie: s.cookie })).status, 401);
      assert.equal((await api(srv.url, s.token, 'POST', '/api/v1/auth/logout')).status, 401, 'second logout');
      const th = await tokenHash(s.token);
      assert.equal(sql(srv.db, `SELECT COUNT(*) FROM sessions WHERE token_hash = '${th}'`), '0');
      assert.equal((await api(srv.url, admin.token, 'GET', '/api/v1/auth/me')).status, 200, 'other sessions live on');
    });

    it('after 5 wrong passwords the 6th login, even with the right password, gets 429 with Retry-After; another user is unaffected', async () => {
      for (let i = 1; i <= 5; i++) {
        const r = await login(srv.url, 'thr-a', 'wrong-password-' + i);
        assert.equal(r.status, 401, `wrong attempt ${i}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'unauthenticated');
      }
      const sixth = await login(srv.url, 'thr-a', userPw);
      assert.equal(sixth.status, 429, `6th attempt with the right password: ${JSON.stringify(sixth.body)}`);
      assert.equal(sixth.body.error.code, 'throttled');
      assert.equal(sixth.token, undefined, 'no token while throttled');
      const ra = sixth.headers.get('retry-after');
      assert.match(ra || '', /^\d+$/, 'Retry-After is a number of seconds');
      assert.ok(Number(ra) > 0 && Number(ra) <= 15 * 60, `Retry-After ${ra} within the 15-minute window`);
      assert.equal((await login(srv.url, 'thr-a', userPw)).status, 429, 'still throttled');
      // Another user from the same address: unaffected, also after one failure of its own.
      assert.equal((await login(srv.url, 'thr-b', userPw)).status, 200);
      assert.equal((await login(srv.url, 'thr-b', 'wrong-password')).status, 401);
      assert.equal((await login(srv.url, 'thr-b', userPw)).status, 200);
      assert.equal((await login(srv.url, 'admin', srv.adminPassword)).status, 200);
      // Throttled attempts create no session.
      assert.equal(sql(srv.db, "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'thr-a'"), '0');
    });

    it('the limit is per user and address (another address may still log in) and 20 per user across addresses', async () => {
      // thr-c: 5 failures from 127.0.0.2 block that address only.
      for (let i = 0; i < 5; i++) assert.equal((await loginFrom(srv.url, '127.0.0.2', 'thr-c', 'nope-' + i)).status, 401);
      assert.equal((await loginFrom(srv.url, '127.0.0.2', 'thr-c', userPw)).status, 429);
      const ok = await loginFrom(srv.url, '127.0.0.3', 'thr-c', userPw);
      assert.equal(ok.status, 200, `same user from another address: ${ok.text}`);
      // thr-d: 4 failures from each of 5 addresses (never 5 from one): 20 in all, blocked everywhere.
      for (const addr of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']) {
        for (let i = 0; i < 4; i++) assert.equal((await loginFrom(srv.url, addr, 'thr-d', 'nope-' + i)).status, 401, `${addr} #${i}`);
      }
      const blocked = await loginFrom(srv.url, '127.0.0.7', 'thr-d', userPw);
      assert.equal(blocked.status, 429, `after 20 failures from several addresses: ${blocked.text}`);
      assert.match(String(blocked.headers['retry-after'] || ''), /^\d+$/);
    });

    it('stored passwords are argon2id strings (bootstrap, CLI and API users), salted, never the password', async () => {
      const created = await api(srv.url, admin.token, 'POST', '/api/v1/users',
        { username: 'api-user', display_name: 'API 用户', password: userPw, roles: ['worker'] });
      assert.equal(created.status, 201, created.text);
      const rows = sql(srv.db, "SELECT username, password_hash FROM users WHERE username IN ('admin', 'thr-a', 'thr-b', 'api-user') ORDER BY username")
        .split('\n').map((l) => l.split('\t'));
      assert.equal(rows.length, 4);
      for (const [user, hash] of rows) {
        assert.ok(hash.startsWith('$argon2id$'), `${user}: ${hash.slice(0, 12)}…`);
        assert.match(hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, user);
        assert.ok(!hash.includes(userPw) && !hash.includes(srv.adminPassword), `${user}: hash contains the password`);
      }
      const hashes = rows.filter(([u]) => u !== 'admin').map(([, h]) => h);
      assert.equal(new Set(hashes).size, hashes.length, 'same password, different salts, different hashes');
      assert.equal((await login(srv.url, 'api-user', userPw)).status, 200);
    });

    it('login sets the aj_session cookie HttpOnly and SameSite=Strict; the cookie authenticates reads', async () => {
      const s = await login(srv.url, 'cookie-user', userPw);
      assert.equal(s.status, 200);
      const c = parseSetCookie(s.headers.get('set-cookie') || '');
      assert.equal(c.name, 'aj_session');
      assert.equal(c.value, s.token, 'the cookie carries the session token');
      assert.equal(c.attrs.httponly, true, 'HttpOnly');
      assert.equal(String(c.attrs.samesite).toLowerCase(), 'strict', 'SameSite=Strict');
      assert.equal(c.attrs.path, '/');
      assert.ok(Number(c.attrs['max-age']) > 0);
      assert.equal(typeof s.csrf, 'string');
      assert.ok(s.csrf.length >= 20 && s.csrf !== s.token, 'a separate CSRF token');
      const me = await api(srv.url, null, 'GET', '/api/v1/auth/me', undefined, { Cookie: s.cookie });
      assert.equal(me.status, 200, me.text);
      assert.equal(me.body.user.username, 'cookie-user');
      assert.equal(me.body.csrf_token, s.csrf);
      assert.equal((await api(srv.url, null, 'GET', '/api/v1/sites', undefined, { Cookie: s.cookie })).status, 200);
    });

    it('a write with the cookie needs the right X-CSRF-Token (403 without or wrong, nothing written); bearer tokens need none', async () => {
      const s = await login(srv.url, 'cookie-user', userPw);
      const site = { code: 'CK1', name: '饼干厂' };
      const cases = [
        { what: 'no X-CSRF-Token', headers: { Cookie: s.cookie } },
        { what: 'wrong X-CSRF-Token', headers: { Cookie: s.cookie, 'X-CSRF-Token': (s.csrf[0] === 'x' ? 'y' : 'x') + s.csrf.slice(1) } },
        { what: 'empty X-CSRF-Token', headers: { Cookie: s.cookie, 'X-CSRF-Token': '' } },
        { what: "another session's X-CSRF-Token", headers: { Cookie: s.cookie, 'X-CSRF-Token': admin.csrf } },
      ];
      for (const c of cases) {
        const before = dbSnapshot(srv.db);
        const r = await api(srv.url, null, 'POST', '/api/v1/sites', site, c.headers);
        assert.equal(r.status, 403, `${c.what}: ${r.text}`);
        assert.equal(r.body.error.code, 'forbidden');
        assert.match(r.body.error.message, /CSRF/i);
        assert.deepEqual(dbSnapshot(srv.db), before, `${c.what}: nothing written`);
      }
      const created = await api(srv.url, null, 'POST', '/api/v1/sites', site, { Cookie: s.cookie, 'X-CSRF-Token': s.csrf });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      // PATCH and DELETE are writes too.
      assert.equal((await api(srv.url, null, 'PATCH', `/api/v1/sites/${id}`, { name: '改' }, { Cookie: s.cookie })).status, 403);
      assert.equal((await api(srv.url, null, 'DELETE', `/api/v1/sites/${id}`, undefined, { Cookie: s.cookie })).status, 403);
      assert.equal(sql(srv.db, `SELECT name FROM sites WHERE id = ${id}`), '饼干厂');
      const patched = await api(srv.url, null, 'PATCH', `/api/v1/sites/${id}`, { name: '改名' }, { Cookie: s.cookie, 'X-CSRF-Token': s.csrf });
      assert.equal(patched.status, 200, patched.text);
      // Bearer token: no CSRF header needed.
      const byToken = await api(srv.url, s.token, 'POST', '/api/v1/sites', { code: 'CK2', name: '令牌厂' });
      assert.equal(byToken.status, 201, byToken.text);
      assert.equal((await api(srv.url, s.token, 'DELETE', `/api/v1/sites/${byToken.body.id}`)).status, 204);
      // Logout by cookie is a write as well.
      assert.equal((await api(srv.url, null, 'POST', '/api/v1/auth/logout', undefined, { Cookie: s.cookie })).status, 403);
      assert.equal((await api(srv.url, null, 'POST', '/api/v1/auth/logout', undefined, { Cookie: s.cookie, 'X-CSRF-Token': s.csrf })).status, 204);
      assert.equal((await api(srv.url, null, 'GET', '/api/v1/auth/me', undefined, { Cookie: s.cookie })).status, 401);
    });

    it('a disabled user or a reset password ends the sessions (401)', async () => {
      const s = await login(srv.url, 'thr-b', userPw);
      assert.equal(s.status, 200);
      const id = s.user.id;
      assert.equal((await api(srv.url, admin.token, 'PATCH', `/api/v1/users/${id}`, { is_disabled: true })).status, 200);
      assert.equal((await api(srv.url, s.token, 'GET', '/api/v1/auth/me')).status, 401, 'disabled: session ended');
      assert.equal((await login(srv.url, 'thr-b', userPw)).status, 401, 'disabled: no login');
      assert.equal((await api(srv.url, admin.token, 'PATCH', `/api/v1/users/${id}`, { is_disabled: false })).status, 200);
      const s2 = await login(srv.url, 'thr-b', userPw);
      assert.equal(s2.status, 200);
      const newPw = 'New-' + randomBytes(9).toString('base64url');
      const r = cli(srv.db, ['admin', 'reset-password', '--username', 'thr-b'], { ANJIAN_USER_PASSWORD: newPw });
      assert.equal(r.status, 0, r.stderr);
      assert.equal((await api(srv.url, s2.token, 'GET', '/api/v1/auth/me')).status, 401, 'reset password: session ended');
      assert.equal((await login(srv.url, 'thr-b', userPw)).status, 401, 'old password');
      assert.equal((await login(srv.url, 'thr-b', newPw)).status, 200, 'new password');
    });
  });
}
