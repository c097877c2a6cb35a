// http.test.mjs — HTTP basics end to end: /healthz, /metrics (Prometheus text, admins
// only), the console's static files with their content types, path traversal refused,
// unknown routes (404) and wrong methods (405) as JSON, and paging parameters checked.
// Runs for each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ROOT, backends, startServer, login, api, cliOk, rawRequest, cleanup,
} from './lib/server.mjs';

const PW = 'Http-' + randomBytes(9).toString('base64url');

function assertJsonError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json/, `${what}: content type`);
  assert.equal(r.body.error.code, code, `${what}: ${r.text}`);
  assert.equal(typeof r.body.error.message, 'string');
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv;
    let admin;
    let worker;

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'worker1', '--roles', 'worker'], { ANJIAN_USER_PASSWORD: PW });
      worker = await login(srv.url, 'worker1', PW);
      assert.equal(worker.status, 200);
    });
    after(async () => {
      if (srv) await srv.stop();
      cleanup(srv && srv.db);
    });

    it('/healthz answers without authentication with status, version and database', async () => {
      const r = await api(srv.url, null, 'GET', '/healthz');
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('content-type'), /^application\/json/);
      assert.equal(r.body.status, 'ok');
      assert.equal(r.body.database, backend);
      assert.match(r.body.version, /^\d+\.\d+\.\d+/);
      assert.ok(Number.isInteger(r.body.schema_version) && r.body.schema_version >= 1);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    });

    it('/metrics is Prometheus text for an admin, 403 for a worker, 401 without a token', async () => {
      await api(srv.url, null, 'GET', '/healthz');
      await api(srv.url, null, 'GET', '/api/v1/nothing');
      const r = await api(srv.url, admin.token, 'GET', '/metrics');
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('content-type'), /^text\/plain/);
      assert.ok(r.text.includes('# TYPE anjian_http_requests_total counter'), r.text.slice(0, 500));
      assert.match(r.text, /^anjian_http_requests_total\{method="GET",route="\/healthz",status="2xx"\} [1-9]\d*$/m);
      assert.match(r.text, /^anjian_http_requests_total\{method="POST",route="\/api\/v1\/auth\/login",status="2xx"\} [1-9]\d*$/m);
      assert.match(r.text, /^anjian_logins_total\{result="ok"\} [1-9]\d*$/m);
      // Every non-comment line is "name{labels} value" or "name value".
      for (const line of r.text.split('\n').filter((l) => l && !l.startsWith('#'))) {
        assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? -?[0-9.e+]+$/, line);
      }
      for (const line of r.text.split('\n').filter((l) => l.startsWith('# TYPE'))) {
        assert.match(line, /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/, line);
      }
      const w = await api(srv.url, worker.token, 'GET', '/metrics');
      assertJsonError(w, 403, 'forbidden', 'worker /metrics');
      assertJsonError(await api(srv.url, null, 'GET', '/metrics'), 401, 'unauthenticated', 'anonymous /metrics');
    });

    it('serves the console: / is text/html, /app.js text/javascript, /style.css text/css, byte for byte', async () => {
      const files = [['/', 'index.html', /^text\/html/], ['/index.html', 'index.html', /^text\/html/],
        ['/app.js', 'app.js', /^text\/javascript/], ['/style.css', 'style.css', /^text\/css/], ['/messages.js', 'messages.js', /^text\/javascript/]];
      for (const [path, file, type] of files) {
        const r = await fetch(srv.url + path);
        assert.equal(r.status, 200, path);
        assert.match(r.headers.get('content-type') || '', type, path);
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
        const body = Buffer.from(await r.arrayBuffer());
        assert.ok(body.equals(readFileSync(join(ROOT, 'web', file))), `${path} is web/${file}`);
      }
      const missing = await fetch(srv.url + '/no-such-file.js');
      assert.equal(missing.status, 404);
    });

    it('path traversal never serves a file outside the web root (404)', async () => {
      const secrets = [
        ['CMakeLists.txt', readFileSync(join(ROOT, 'CMakeLists.txt'), 'utf8').slice(0, 40)],
        ['README.md', readFileSync(join(ROOT, 'README.md'), 'utf8').slice(0, 40)],
        ['.git/config', '[core]'],
        ['/etc/passwd', 'root:'],
      ];
      const paths = [
        '/../CMakeLists.txt', '/%2e%2e/CMakeLists.txt', '/%2E%2E/CMakeLists.txt', '/.%2e/CMakeLists.txt', '/..%2fCMakeLists.txt',
        '/%2e%2e%2fCMakeLists.txt', '/..%5cCMakeLists.txt', '/..\\CMakeLists.txt',
        '/.git/config', '/../.git/config', '/%2e%2e/.git/config', '/.git/HEAD',
        '/js/../../README.md', '/js/%2e%2e/%2e%2e/README.md', '/js/..%2f..%2fREADME.md', '/js/../js/../../README.md',
        '/../../../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '//etc/passwd', '/....//CMakeLists.txt',
        '/%252e%252e/CMakeLists.txt', '/js/.%2e/.%2e/README.md', '/./../CMakeLists.txt',
      ];
      for (const p of paths) {
        const r = await rawRequest(srv.url, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
        assert.equal(r.status, 404, `GET ${p}: ${r.status} ${r.body.slice(0, 80)}`);
        for (const [name, marker] of secrets) assert.ok(!r.body.includes(marker), `GET ${p} leaked ${name}`);
      }
      // fetch normalises dot segments before sending; whatever it sends must not leak either.
      for (const p of ['/%2e%2e/CMakeLists.txt', '/js/../../README.md', '/.git/config']) {
        const r = await fetch(srv.url + p);
        const body = await r.text();
        assert.equal(r.status, 404, `fetch ${p}`);
        for (const [name, marker] of secrets) assert.ok(!body.includes(marker), `fetch ${p} leaked ${name}`);
      }
    });

    it('unknown API routes get 404 and wrong methods 405, both as JSON, with or without a token', async () => {
      for (const token of [null, admin.token]) {
        for (const p of ['/api/v1/nothing', '/api/v1/sites/1/nothing', '/api/v2/sites', '/api/v1/', '/api/v1/sites/']) {
          assertJsonError(await api(srv.url, token, 'GET', p), 404, 'not_found', `GET ${p}`);
        }
        for (const [m, p] of [['DELETE', '/api/v1/auth/me'], ['PUT', '/api/v1/sites'], ['PUT', '/api/v1/sites/1'], ['POST', '/healthz'],
          ['GET', '/api/v1/auth/login'], ['DELETE', '/api/v1/users/1'], ['PATCH', '/api/v1/sites'], ['POST', '/api/v1/audit/verify']]) {
          const r = await api(srv.url, token, m, p);
          assertJsonError(r, 405, 'method_not_allowed', `${m} ${p}`);
          assert.ok(r.body.error.message.includes(m), r.body.error.message);
        }
      }
    });

    it('paging parameters are checked: limit outside 1..1000 and foreign cursors get 400', async () => {
      for (const path of ['/api/v1/sites', '/api/v1/tags', '/api/v1/people', '/api/v1/users', '/api/v1/audit']) {
        for (const q of ['limit=0', 'limit=5000', 'limit=-1', 'limit=abc', 'limit=1.5', 'limit=', 'limit=99999999999999999999']) {
          const r = await api(srv.url, admin.token, 'GET', `${path}?${q}`);
          assertJsonError(r, 400, 'invalid', `${path}?${q}`);
          assert.match(r.body.error.message, /limit/);
        }
        for (const c of ['garbage', 'c', 'C1', 'c!!', '12', 'czzzzzzzzzzzzzzzzzzz', 'c-1']) {
          const r = await api(srv.url, admin.token, 'GET', `${path}?cursor=${encodeURIComponent(c)}`);
          assertJsonError(r, 400, 'invalid', `${path}?cursor=${c}`);
          assert.match(r.body.error.message, /cursor/);
        }
        for (const q of ['limit=1', 'limit=1000']) assert.equal((await api(srv.url, admin.token, 'GET', `${path}?${q}`)).status, 200, `${path}?${q}`);
      }
      // A cursor the server issued works.
      const first = await api(srv.url, admin.token, 'GET', '/api/v1/audit?limit=1');
      assert.equal(typeof first.body.next_cursor, 'string');
      const next = await api(srv.url, admin.token, 'GET', `/api/v1/audit?limit=1&cursor=${first.body.next_cursor}`);
      assert.equal(next.status, 200);
      assert.ok(next.body.items[0].seq > first.body.items[0].seq);
      // Filters that must be ids are checked like limit.
      assertJsonError(await api(srv.url, admin.token, 'GET', '/api/v1/areas?site_id=abc'), 400, 'invalid', 'site_id=abc');
    });

    it('a cursor whose number does not fit in 64 bits gets 400', async () => {
      for (const c of ['czzzzzzzzzzzzz', 'c1y2p0ij32e8e8', 'c1y2p0ij32e8e7z']) {
        const r = await api(srv.url, admin.token, 'GET', `/api/v1/audit?cursor=${c}`);
        assertJsonError(r, 400, 'invalid', `cursor=${c}`);
      }
    });

    it('API answers carry no-store and security headers; errors too', async () => {
      for (const r of [await api(srv.url, admin.token, 'GET', '/api/v1/sites'), await api(srv.url, null, 'GET', '/api/v1/sites')]) {
        assert.equal(r.headers.get('cache-control'), 'no-store');
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(r.headers.get('x-frame-options'), 'DENY');
      }
    });
  });
}
