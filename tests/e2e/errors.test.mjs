// errors.test.mjs — bad input end to end: malformed JSON (400 with line/column), unknown
// and missing fields (400 naming them), oversized bodies (413, with and without
// Content-Length), invalid plant files (400 listing each error by JSON path), and other
// refusals (409, 404, 415, 403). In every case nothing is written: the row count of every
// table and the audit head are the same before and after. Runs for each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ROOT, backends, startServer, login, api, cli, cliOk, sql, dbSnapshot, postStreaming, tempFile, cleanup,
} from './lib/server.mjs';

/** tempFile() that is removed again when the file's tests end (see removeTmpFiles). */
const tmpPaths = [];
function tmpFile(name, content) {
  const p = tempFile(name, content);
  tmpPaths.push(p);
  return p;
}
function removeTmpFiles() {
  for (const p of tmpPaths.splice(0)) rmSync(dirname(p), { recursive: true, force: true });
}

const DEMO = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
const PW = 'Err-' + randomBytes(9).toString('base64url');

/** Runs fn (which makes one failing request and returns it) and asserts nothing was written. */
async function noWrite(db, what, fn) {
  const before = dbSnapshot(db);
  const res = await fn();
  assert.deepEqual(dbSnapshot(db), before, `${what}: something was written`);
  return res;
}

function assertError(res, status, code, what) {
  assert.equal(res.status, status, `${what}: ${res.text}`);
  assert.ok(res.body && res.body.error, `${what}: JSON error envelope expected, got ${res.text}`);
  assert.equal(res.body.error.code, code, `${what}: ${res.text}`);
  assert.equal(typeof res.body.error.message, 'string');
  assert.match(res.headers.get ? res.headers.get('content-type') : res.headers['content-type'], /^application\/json/);
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv; // default body limit
    let small; // --body-max 65536
    let tok; let smallTok; let workerTok;
    let site; let area;

    before(async () => {
      srv = await startServer(backend);
      small = await startServer(backend, { args: ['--body-max', '65536'] });
      tok = (await login(srv.url, 'admin', srv.adminPassword)).token;
      smallTok = (await login(small.url, 'admin', small.adminPassword)).token;
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'w1', '--roles', 'worker'], { ANJIAN_USER_PASSWORD: PW });
      workerTok = (await login(srv.url, 'w1', PW)).token;
      site = (await api(srv.url, tok, 'POST', '/api/v1/sites', { code: 'E1', name: '错误测试厂' })).body;
      area = (await api(srv.url, tok, 'POST', '/api/v1/areas', { site_id: site.id, code: 'EA1', name: '区域' })).body;
      assert.ok(site.id && area.id);
    });
    after(async () => {
      for (const s of [srv, small]) if (s) await s.stop();
      cleanup(srv && srv.db);
      cleanup(small && small.db);
      removeTmpFiles();
    });

    it('malformed JSON gets 400 naming the line and column of the error', async () => {
      const body = '{"code": "J1",\n  "name": }\n';
      const r = await noWrite(srv.db, 'malformed JSON', () => api(srv.url, tok, 'POST', '/api/v1/sites', body));
      assertError(r, 400, 'bad_json', 'malformed JSON');
      assert.match(r.body.error.message, /line 2\b/);
      assert.match(r.body.error.message, /column \d+/);
      // The same for PATCH, the plant import and login.
      for (const [method, path] of [['PATCH', `/api/v1/sites/${site.id}`], ['POST', '/api/v1/plant/import'], ['POST', '/api/v1/auth/login']]) {
        const x = await noWrite(srv.db, `${method} ${path}`, () => api(srv.url, path.endsWith('login') ? null : tok, method, path, '{\n  "name": "x",,\n}'));
        assertError(x, 400, 'bad_json', `${method} ${path}`);
        assert.match(x.body.error.message, /line 2\b.*column \d+/);
      }
      assert.equal(sql(srv.db, "SELECT COUNT(*) FROM sites WHERE code = 'J1'"), '0');
    });

    it('other bad bodies (truncated, trailing garbage, duplicate keys, empty, too deep, not JSON) get 400/415 and write nothing', async () => {
      const cases = [
        ['truncated', '{"code": "J2", "name": "x"', 400, 'bad_json'],
        ['trailing garbage', '{"code": "J2", "name": "x"} {}', 400, 'bad_json'],
        ['duplicate key', '{"code": "J2", "name": "x", "code": "J3"}', 400, 'bad_json'],
        ['empty body', '', 400, 'bad_json'],
        ['nested 100 deep', '{"code": "J2", "name": "x", "lat": ' + '['.repeat(100) + ']'.repeat(100) + '}', 400, 'bad_json'],
        ['a JSON array', '[{"code": "J2", "name": "x"}]', 400, 'invalid'],
        ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, 'bad_json'],
      ];
      for (const [what, body, status, code] of cases) {
        const r = await noWrite(srv.db, what, () => api(srv.url, tok, 'POST', '/api/v1/sites', body));
        assertError(r, status, code, what);
      }
      const t = await noWrite(srv.db, 'text/plain', () => api(srv.url, tok, 'POST', '/api/v1/sites', '{"code":"J2","name":"x"}', { 'Content-Type': 'text/plain' }));
      assertError(t, 415, 'unsupported_media', 'text/plain body');
      const g = await noWrite(srv.db, 'body on DELETE', () => api(srv.url, tok, 'DELETE', `/api/v1/areas/${area.id}`, '{"x":1}'));
      assertError(g, 400, 'invalid', 'DELETE with a body');
      assert.equal(sql(srv.db, `SELECT COUNT(*) FROM areas WHERE id = ${area.id}`), '1');
    });

    it('unknown and missing fields get 400 naming every one of them', async () => {
      const r = await noWrite(srv.db, 'POST sites', () => api(srv.url, tok, 'POST', '/api/v1/sites', { nmae: '拼错', colour: 'red' }));
      assertError(r, 400, 'invalid', 'unknown + missing');
      for (const f of ['nmae', 'colour', 'code', 'name']) assert.ok(r.body.error.message.includes(f), `names ${f}: ${r.body.error.message}`);
      assert.match(r.body.error.message, /unknown/i);
      assert.match(r.body.error.message, /missing/i);

      const cases = [
        ['POST', '/api/v1/areas', { site_id: site.id, code: 'EA2', name: '区', comment: 'x', polygn: [] }, ['comment', 'polygn']],
        ['POST', '/api/v1/tags', { site_id: site.id, name: 'x' }, ['key', 'kind']],
        ['POST', '/api/v1/people', { code: 'P1', name: 'x', shoe_size: 42 }, ['org_id', 'shoe_size']],
        ['POST', '/api/v1/certificates', { type: 'electrical' }, ['person_id', 'number', 'issued_on', 'expires_on']],
        ['PATCH', `/api/v1/sites/${site.id}`, { name: '新', colour: 'blue' }, ['colour']],
        ['PATCH', `/api/v1/areas/${area.id}`, { site_id: site.id, name: '新' }, ['site_id']],
        ['POST', '/api/v1/users', { username: 'u2', nickname: 'x' }, ['nickname']],
        ['POST', '/api/v1/users', { username: 'u2' }, ['display_name', 'password', 'roles']],
        ['PATCH', '/api/v1/users/1', { display_name: 'x', email: 'a@b' }, ['email']],
        ['POST', '/api/v1/auth/login', { username: 'admin', password: srv.adminPassword, otp: '123456' }, ['otp']],
      ];
      for (const [method, path, body, names] of cases) {
        const x = await noWrite(srv.db, `${method} ${path}`, () => api(srv.url, path.endsWith('login') ? null : tok, method, path, body));
        assertError(x, 400, 'invalid', `${method} ${path} ${JSON.stringify(body)}`);
        for (const n of names) assert.ok(x.body.error.message.includes(n), `${method} ${path}: message names ${n}: ${x.body.error.message}`);
      }
      assert.equal(sql(srv.db, `SELECT name FROM sites WHERE id = ${site.id}`), '错误测试厂');
    });

    it('login and user creation name all unknown and all missing fields in one answer', {
    }, async () => {
      const cases = [
        [null, '/api/v1/auth/login', { user: 'admin', pass: 'x' }, ['user', 'pass', 'username', 'password']],
        [tok, '/api/v1/users', { username: 'u2', nickname: 'x' }, ['nickname', 'display_name', 'password', 'roles']],
      ];
      for (const [t, path, body, names] of cases) {
        const x = await noWrite(srv.db, path, () => api(srv.url, t, 'POST', path, body));
        assertError(x, 400, 'invalid', `${path} ${JSON.stringify(body)}`);
        for (const n of names) assert.ok(x.body.error.message.includes(n), `${path}: message names ${n}: ${x.body.error.message}`);
      }
    });

    it('invalid values get 400 and write nothing', async () => {
      const cases = [
        ['POST', '/api/v1/sites', { code: 'has space', name: 'x' }, 'code'],
        ['POST', '/api/v1/sites', { code: 'V1', name: '' }, 'name'],
        ['POST', '/api/v1/sites', { code: 'V1', name: 'x', lat: 91 }, 'lat'],
        ['POST', '/api/v1/areas', { site_id: site.id, code: 'V1', name: 'x', kind: 'volcano' }, 'kind'],
        ['POST', '/api/v1/areas', { site_id: site.id, code: 'V1', name: 'x', polygon: [[0, 0], [1, 1]] }, 'polygon'],
        ['POST', '/api/v1/areas', { site_id: 999999, code: 'V1', name: 'x' }, 'site_id'],
        ['POST', '/api/v1/areas', { site_id: 'one', code: 'V1', name: 'x' }, 'site_id'],
        ['PATCH', `/api/v1/sites/${site.id}`, { name: 'x'.repeat(201) }, 'name'],
        ['POST', '/api/v1/users', { username: 'bad user', display_name: 'x', password: PW, roles: ['worker'] }, 'username'],
        ['POST', '/api/v1/users', { username: 'u3', display_name: 'x', password: 'short', roles: ['worker'] }, 'password'],
        ['POST', '/api/v1/users', { username: 'u3', display_name: 'x', password: PW, roles: ['emperor'] }, 'emperor'],
        ['POST', '/api/v1/users', { username: 'u3', display_name: 'x', password: PW, roles: ['regulator'] }, 'regulator'],
      ];
      for (const [method, path, body, name] of cases) {
        const x = await noWrite(srv.db, `${method} ${path}`, () => api(srv.url, tok, method, path, body));
        assertError(x, 400, 'invalid', `${method} ${path} ${JSON.stringify(body)}`);
        assert.ok(x.body.error.message.includes(name), `message names ${name}: ${x.body.error.message}`);
      }
    });

    it('a body over --body-max gets 413 (with Content-Length, chunked, on any route) and writes nothing', async () => {
      const big = JSON.stringify({ code: 'BIG', name: 'x'.repeat(100 * 1024) });
      assert.ok(big.length > 100 * 1024);
      const viaFetch = await noWrite(small.db, '100 KB with Content-Length', () => api(small.url, smallTok, 'POST', '/api/v1/sites', big));
      assertError(viaFetch, 413, 'too_large', '100 KB with Content-Length');
      const withLen = await noWrite(small.db, 'node:http with Content-Length', () => postStreaming(small.url, '/api/v1/sites', smallTok, big));
      assert.equal(withLen.error, undefined, String(withLen.error));
      assert.equal(withLen.status, 413, withLen.text);
      assert.equal(withLen.body.error.code, 'too_large');
      const chunked = await noWrite(small.db, 'chunked', () => postStreaming(small.url, '/api/v1/sites', smallTok, big, { chunked: true }));
      assert.equal(chunked.error, undefined, String(chunked.error));
      assert.equal(chunked.status, 413, `chunked upload without Content-Length: ${chunked.text}`);
      assert.equal(chunked.body.error.code, 'too_large');
      const plant = JSON.stringify({ ...DEMO, site: { ...DEMO.site, code: 'BIGP' } });
      assert.ok(plant.length > 65536);
      const imp = await noWrite(small.db, 'plant import', () => postStreaming(small.url, '/api/v1/plant/import', smallTok, plant, { chunked: true }));
      assert.equal(imp.status, 413, imp.text);
      const patch = await noWrite(small.db, 'patch', () => api(small.url, smallTok, 'PATCH', '/api/v1/users/1', { display_name: 'y'.repeat(70000) }));
      assertError(patch, 413, 'too_large', 'PATCH');
      // Just under the limit is not 413: the limit is the setting, not a fixed number.
      const under = await noWrite(small.db, '60 KB', () => api(small.url, smallTok, 'POST', '/api/v1/sites', { code: 'U1', name: 'x'.repeat(60 * 1024) }));
      assertError(under, 400, 'invalid', '60 KB body with a too-long name');
      assert.equal(sql(small.db, "SELECT COUNT(*) FROM sites WHERE code IN ('BIG', 'BIGP', 'U1')"), '0');
      // The server still works after refusing.
      assert.equal((await api(small.url, smallTok, 'POST', '/api/v1/sites', { code: 'OK1', name: '正常' })).status, 201);
    });

    it('an invalid plant file gets 400 listing each error by JSON path, and nothing is imported', async () => {
      const doc = {
        format: 'anjian-plant', version: 1,
        site: { code: 'BAD1', name: '坏文件厂' },
        areas: [{ code: 'PA1', name: '区', colour: 'red' }, { code: 'PA1', name: '重复' }],
        assets: [{ code: 'P-1', name: '泵', template: 'centrifugal_pump', area: 'NOPE' }],
        tags: [
          { key: 'BAD1.t0', name: 't', kind: 'bogus', range: [0, 1], asset: 'P-1' },
          { key: 'BAD1.t1', name: 't', kind: 'temperature', range: [10, 1], asset: 'P-1' },
          { key: 'BAD1.t2', name: 't', kind: 'gas_toxic_ppm', range: [0, 50], area: 'PA1', gas: 'H2S' },
        ],
        people: [{ code: 'E1', name: '人', organisation: 'NOORG', certificates: [{ type: 'electrical', number: 'T1', issued_on: '2023-02-29', expires_on: '2029-01-01' }] }],
      };
      const expected = ['$.areas[0].colour', '$.areas[1].code', '$.assets[0].area', '$.tags[0].kind', '$.tags[1].range', '$.tags[2].oel',
        '$.people[0].organisation', '$.people[0].certificates[0].issued_on'];
      const r = await noWrite(srv.db, 'invalid plant', () => api(srv.url, tok, 'POST', '/api/v1/plant/import', doc));
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error.code, 'invalid', 'the code docs/plant-file.md documents');
      assert.ok(Array.isArray(r.body.error.details), `details: ${r.text}`);
      const paths = r.body.error.details.map((d) => d.path);
      for (const d of r.body.error.details) {
        assert.equal(typeof d.path, 'string');
        assert.match(d.path, /^\$(\.[a-z_]+(\[\d+\])?)*$/, `JSONPath-like: ${d.path}`);
        assert.equal(typeof d.message, 'string');
        assert.ok(d.message.length > 0);
      }
      for (const p of expected) assert.ok(paths.includes(p), `error at ${p} listed; got ${JSON.stringify(paths)}`);
      assert.ok(r.body.error.message.includes(String(r.body.error.details.length)), `message gives the count: ${r.body.error.message}`);
      assert.equal(sql(srv.db, "SELECT COUNT(*) FROM sites WHERE code = 'BAD1'"), '0');
    });

    it('one bad tag in a large valid plant file: 400 with its path, none of the other ~700 objects imported (API and CLI)', async () => {
      const doc = structuredClone(DEMO);
      doc.site.code = 'JSX';
      const last = doc.tags.length - 1;
      doc.tags[last].kind = 'bogus';
      delete doc.tags[last].range;
      doc.tags[last].colour = 'red';
      const r = await noWrite(srv.db, 'demo with one bad tag', () => api(srv.url, tok, 'POST', '/api/v1/plant/import', doc));
      assert.equal(r.status, 400, r.text);
      const paths = r.body.error.details.map((d) => d.path);
      assert.ok(paths.includes(`$.tags[${last}].kind`), JSON.stringify(paths));
      assert.ok(paths.includes(`$.tags[${last}].colour`), JSON.stringify(paths));
      assert.equal(sql(srv.db, "SELECT COUNT(*) FROM sites WHERE code = 'JSX'"), '0');
      const file = tmpFile('bad.json', JSON.stringify(doc));
      const before = dbSnapshot(srv.db);
      const c = cli(srv.db, ['admin', 'import-plant', '--enterprise', 'main', file]);
      assert.notEqual(c.status, 0, 'CLI exits non-zero');
      assert.ok(c.stderr.includes(`$.tags[${last}].kind`), c.stderr);
      assert.deepEqual(dbSnapshot(srv.db), before, 'CLI: nothing written');
    });

    it('an invalid plant file with more than 200 errors lists 200 and counts all', async () => {
      const doc = { format: 'anjian-plant', version: 1, site: { code: 'MANY', name: '多错' }, tags: [] };
      for (let i = 0; i < 300; i++) doc.tags.push({ key: `MANY.t${i}`, name: 't', kind: 'bogus' });
      const r = await noWrite(srv.db, '300 bad tags', () => api(srv.url, tok, 'POST', '/api/v1/plant/import', doc));
      assert.equal(r.status, 400);
      assert.equal(r.body.error.details.length, 200);
      const m = /(\d+)/.exec(r.body.error.message);
      assert.ok(m && Number(m[1]) >= 300, `the message counts every error: ${r.body.error.message}`);
    });

    it('conflicts, missing objects, referenced deletes and forbidden writes write nothing', async () => {
      const other = await api(srv.url, tok, 'POST', '/api/v1/sites', { code: 'E2', name: '第二厂' });
      assert.equal(other.status, 201);
      const cases = [
        ['duplicate site code', tok, 'POST', '/api/v1/sites', { code: 'E1', name: '重复' }, 409, 'conflict'],
        ['duplicate area code', tok, 'POST', '/api/v1/areas', { site_id: site.id, code: 'EA1', name: '重复' }, 409, 'conflict'],
        ['rename to a taken code', tok, 'PATCH', `/api/v1/sites/${other.body.id}`, { code: 'E1' }, 409, 'conflict'],
        ['duplicate username', tok, 'POST', '/api/v1/users', { username: 'w1', display_name: 'x', password: PW, roles: ['worker'] }, 409, 'conflict'],
        ['delete a site with areas', tok, 'DELETE', `/api/v1/sites/${site.id}`, undefined, 409, 'conflict'],
        ['patch a missing site', tok, 'PATCH', '/api/v1/sites/999999', { name: 'x' }, 404, 'not_found'],
        ['delete a missing area', tok, 'DELETE', '/api/v1/areas/999999', undefined, 404, 'not_found'],
        ['non-numeric id', tok, 'DELETE', '/api/v1/areas/abc', undefined, 404, 'not_found'],
        ['worker creates a site', workerTok, 'POST', '/api/v1/sites', { code: 'W1', name: 'x' }, 403, 'forbidden'],
        ['worker deletes an area', workerTok, 'DELETE', `/api/v1/areas/${area.id}`, undefined, 403, 'forbidden'],
        ['worker imports a plant', workerTok, 'POST', '/api/v1/plant/import', DEMO, 403, 'forbidden'],
        ['admin disables itself', tok, 'PATCH', '/api/v1/users/1', { is_disabled: true }, 400, 'invalid'],
      ];
      for (const [what, t, method, path, body, status, code] of cases) {
        const r = await noWrite(srv.db, what, () => api(srv.url, t, method, path, body));
        assertError(r, status, code, what);
      }
      assert.equal(sql(srv.db, `SELECT code FROM sites WHERE id = ${other.body.id}`), 'E2');
    });
  });
}
