// tenancy.test.mjs — data isolation end to end: enterprise A never sees or touches
// enterprise B's objects (404 for every family, absent from lists, no cross-enterprise
// references); a supplier sees only its own organisation's people and certificates; a
// regulator reads the enterprises granted to it and writes nothing. Runs for each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ROOT, backends, startServer, login, api, cliOk, sql, dbSnapshot, cleanup,
} from './lib/server.mjs';

const PW = 'Ten-' + randomBytes(9).toString('base64url');
const FAMILIES = ['sites', 'areas', 'assets', 'tags', 'organisations', 'people', 'certificates'];

/** A valid PATCH body for each family (and for users). */
const PATCH = {
  sites: { name: '劫持' }, areas: { name: '劫持' }, assets: { name: '劫持' }, tags: { name: '劫持' },
  organisations: { name: '劫持' }, people: { name: '劫持' }, certificates: { number: 'HIJACK-1' },
  users: { display_name: 'hijacked' },
};

async function ok(res, status, what) {
  assert.equal(res.status, status, `${what}: ${res.text}`);
  return res.body;
}

/** Creates one object of every family in the caller's enterprise; returns { family: object }. */
async function createFamily(base, token, p) {
  const post = async (path, body) => ok(await api(base, token, 'POST', path, body), 201, `POST ${path} ${JSON.stringify(body)}`);
  const o = {};
  o.sites = await post('/api/v1/sites', { code: `${p}S1`, name: `${p}厂区` });
  o.areas = await post('/api/v1/areas', { site_id: o.sites.id, code: `${p}A1`, name: `${p}罐区`, kind: 'tank_farm', polygon: [[0, 0], [50, 0], [50, 40]] });
  o.assets = await post('/api/v1/assets', { site_id: o.sites.id, area_id: o.areas.id, template: 'centrifugal_pump', code: `${p}P-1`, name: `${p}泵`, x: 10, y: 10 });
  o.tags = await post('/api/v1/tags', {
    site_id: o.sites.id, key: `${p}S1.${p}P-1.seal_temp`, name: `${p} 机封温度`, unit: '℃', kind: 'temperature',
    range_lo: 0, range_hi: 150, asset_id: o.assets.id, role: 'seal_temp',
  });
  o.organisations = await post('/api/v1/organisations', { code: `${p}ORG`, name: `${p}检修公司`, kind: 'contractor' });
  o.people = await post('/api/v1/people', { org_id: o.organisations.id, code: `${p}E1`, name: `${p}张三`, roles: ['worker'] });
  o.certificates = await post('/api/v1/certificates', {
    person_id: o.people.id, type: 'welding_cutting', number: `T${p}0001`, issued_on: '2024-01-10', expires_on: '2030-01-10',
  });
  o.users = await post('/api/v1/users', { username: `${p.toLowerCase()}-worker`, display_name: `${p} worker`, password: PW, roles: ['worker'] });
  return o;
}

/** Every item of a list endpoint, following next_cursor. */
async function listAll(base, token, path) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api(base, token, 'GET', `${path}${sep}limit=1000${cursor ? '&cursor=' + cursor : ''}`);
    assert.equal(r.status, 200, `GET ${path}: ${r.text}`);
    items.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('paging did not end');
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv;
    let A; let B; let C; // { token, objs, entId }
    let sup; let reg;
    const supObjs = {};

    before(async () => {
      srv = await startServer(backend);
      const db = srv.db;
      const env = { ANJIAN_USER_PASSWORD: PW };
      for (const [code, name] of [['ENTA', '甲化工'], ['ENTB', '乙化工'], ['ENTC', '丙化工'], ['PARK', '化工园区管委会']]) {
        cliOk(db, ['admin', 'create-enterprise', '--code', code, '--name', name]);
      }
      for (const e of ['a', 'b', 'c']) {
        cliOk(db, ['admin', 'create-user', '--enterprise', `ENT${e.toUpperCase()}`, '--username', `${e}-admin`, '--roles', 'admin'], env);
      }
      const entId = (code) => Number(sql(db, `SELECT id FROM enterprises WHERE code = '${code}'`));
      const who = async (user, code) => {
        const l = await login(srv.url, user, PW);
        assert.equal(l.status, 200, `${user}: ${JSON.stringify(l.body)}`);
        return { token: l.token, entId: entId(code) };
      };
      A = await who('a-admin', 'ENTA');
      B = await who('b-admin', 'ENTB');
      C = await who('c-admin', 'ENTC');
      A.objs = await createFamily(srv.url, A.token, 'A');
      B.objs = await createFamily(srv.url, B.token, 'B');
      C.objs = await createFamily(srv.url, C.token, 'C');

      // Two outside organisations of B with people and certificates; a supplier user of the first.
      const post = async (path, body) => ok(await api(srv.url, B.token, 'POST', path, body), 201, `POST ${path}`);
      supObjs.org1 = await post('/api/v1/organisations', { code: 'SUP1', name: '一号承包商', kind: 'contractor' });
      supObjs.org2 = await post('/api/v1/organisations', { code: 'SUP2', name: '二号供应商', kind: 'supplier' });
      supObjs.p1a = await post('/api/v1/people', { org_id: supObjs.org1.id, code: 'S1-001', name: '赵一', roles: ['worker'] });
      supObjs.p1b = await post('/api/v1/people', { org_id: supObjs.org1.id, code: 'S1-002', name: '钱二', roles: ['worker'] });
      supObjs.p2a = await post('/api/v1/people', { org_id: supObjs.org2.id, code: 'S2-001', name: '孙三', roles: ['worker'], badge_uid: '04A1B2C3D4E5F6' });
      supObjs.c1a = await post('/api/v1/certificates', { person_id: supObjs.p1a.id, type: 'electrical', number: 'TS1001', issued_on: '2023-05-01', expires_on: '2029-05-01' });
      supObjs.c2a = await post('/api/v1/certificates', { person_id: supObjs.p2a.id, type: 'lifting', number: 'TS2001', issued_on: '2023-05-01', expires_on: '2029-05-01' });
      cliOk(db, ['admin', 'create-user', '--enterprise', 'ENTB', '--username', 'sup1', '--roles', 'supplier', '--org', 'SUP1'], env);
      sup = await login(srv.url, 'sup1', PW);
      assert.equal(sup.status, 200);

      cliOk(db, ['admin', 'create-user', '--enterprise', 'PARK', '--username', 'reg1', '--roles', 'regulator', '--grant', 'ENTA'], env);
      reg = await login(srv.url, 'reg1', PW);
      assert.equal(reg.status, 200);
    });
    after(async () => {
      if (srv) await srv.stop();
      cleanup(srv && srv.db);
    });

    it("each enterprise's admin reads its own objects (the control for the 404s below)", async () => {
      for (const E of [A, B]) {
        for (const f of FAMILIES) {
          const r = await api(srv.url, E.token, 'GET', `/api/v1/${f}/${E.objs[f].id}`);
          assert.equal(r.status, 200, `${f}: ${r.text}`);
          assert.equal(r.body.enterprise_id, E.entId);
        }
        assert.equal((await api(srv.url, E.token, 'GET', `/api/v1/users/${E.objs.users.id}`)).status, 200);
        assert.equal((await api(srv.url, E.token, 'GET', `/api/v1/sites/${E.objs.sites.id}/plant`)).status, 200);
        assert.equal((await api(srv.url, E.token, 'GET', `/api/v1/enterprises/${E.entId}`)).status, 200);
      }
    });

    it("A's admin gets 404 on GET, PATCH and DELETE of B's object in every family, and nothing changes", async () => {
      const before = dbSnapshot(srv.db);
      const names = sql(srv.db, `SELECT name FROM sites WHERE enterprise_id = ${B.entId} ORDER BY id`);
      for (const f of FAMILIES) {
        const id = B.objs[f].id;
        for (const [method, body] of [['GET'], ['PATCH', PATCH[f]], ['DELETE']]) {
          const r = await api(srv.url, A.token, method, `/api/v1/${f}/${id}`, body);
          assert.equal(r.status, 404, `${method} /api/v1/${f}/${id} (B's) as A: ${r.text}`);
          assert.equal(r.body.error.code, 'not_found');
        }
      }
      const uid = B.objs.users.id;
      assert.equal((await api(srv.url, A.token, 'GET', `/api/v1/users/${uid}`)).status, 404, "GET B's user");
      assert.equal((await api(srv.url, A.token, 'PATCH', `/api/v1/users/${uid}`, PATCH.users)).status, 404, "PATCH B's user");
      assert.equal((await api(srv.url, A.token, 'PATCH', `/api/v1/users/${uid}`, { is_disabled: true })).status, 404, "disable B's user");
      assert.equal((await api(srv.url, A.token, 'POST', `/api/v1/users/${uid}/password`, { password: 'Hijacked-123456' })).status, 404, "reset B's password");
      assert.equal((await api(srv.url, A.token, 'GET', `/api/v1/enterprises/${B.entId}`)).status, 404, "B's enterprise");
      assert.deepEqual(dbSnapshot(srv.db), before, 'nothing written');
      assert.equal(sql(srv.db, `SELECT name FROM sites WHERE enterprise_id = ${B.entId} ORDER BY id`), names);
      assert.equal((await login(srv.url, 'b-worker', PW)).status, 200, "B's user keeps its password");
      // B still sees all its objects unchanged.
      for (const f of FAMILIES) {
        const r = await api(srv.url, B.token, 'GET', `/api/v1/${f}/${B.objs[f].id}`);
        assert.equal(r.status, 200, f);
        for (const [k, v] of Object.entries(PATCH[f])) assert.notEqual(r.body[k], v, `${f}.${k} unchanged`);
      }
    });

    it("A's list endpoints, searches and filters never contain B's objects", async () => {
      for (const f of FAMILIES) {
        const items = await listAll(srv.url, A.token, `/api/v1/${f}`);
        assert.ok(items.some((o) => o.id === A.objs[f].id), `${f}: A's own object listed`);
        const foreign = items.filter((o) => o.enterprise_id !== A.entId);
        assert.deepEqual(foreign, [], `${f}: objects of other enterprises`);
        assert.ok(!items.some((o) => o.id === B.objs[f].id), `${f}: B's object listed`);
        // Searching for B's code finds nothing.
        const q = await api(srv.url, A.token, 'GET', `/api/v1/${f}?q=B`);
        assert.equal(q.status, 200);
        assert.ok(!q.body.items.some((o) => o.enterprise_id !== A.entId), `${f}?q=B`);
      }
      for (const [f, param, id] of [['areas', 'site_id', B.objs.sites.id], ['assets', 'area_id', B.objs.areas.id], ['tags', 'asset_id', B.objs.assets.id],
        ['people', 'org_id', B.objs.organisations.id], ['certificates', 'person_id', B.objs.people.id]]) {
        const r = await api(srv.url, A.token, 'GET', `/api/v1/${f}?${param}=${id}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.items, [], `${f}?${param}=<B's>`);
      }
      const users = await listAll(srv.url, A.token, '/api/v1/users');
      assert.ok(users.length >= 2 && users.every((u) => u.enterprise_id === A.entId), 'users of A only');
      const ents = await api(srv.url, A.token, 'GET', '/api/v1/enterprises');
      assert.deepEqual(ents.body.items.map((e) => e.id), [A.entId]);
      const audit = await listAll(srv.url, A.token, '/api/v1/audit');
      assert.ok(audit.length > 0);
      assert.ok(audit.every((r) => r.enterprise_id === A.entId), 'audit records of A only');
    });

    it("exporting B's site as A gets 404", async () => {
      const r = await api(srv.url, A.token, 'GET', `/api/v1/sites/${B.objs.sites.id}/plant`);
      assert.equal(r.status, 404, r.text);
      assert.equal(r.body.error.code, 'not_found');
      assert.ok(!r.text.includes('BS1'), 'no data of B in the answer');
    });

    it("A cannot reference B's objects: creating or changing with B's ids gets 400 and creates nothing", async () => {
      const b = B.objs;
      const a = A.objs;
      const attempts = [
        ['POST', '/api/v1/areas', { site_id: b.sites.id, code: 'XA1', name: '越界区域' }, 'site_id'],
        ['POST', '/api/v1/assets', { site_id: b.sites.id, template: 'valve', code: 'XV-1', name: '越界阀' }, 'site_id'],
        ['POST', '/api/v1/assets', { site_id: a.sites.id, area_id: b.areas.id, template: 'valve', code: 'XV-2', name: '越界阀' }, 'area_id'],
        ['POST', '/api/v1/assets', { site_id: a.sites.id, area_id: a.areas.id, parent_id: b.assets.id, template: 'motor', code: 'XM-1', name: '越界电机' }, 'parent_id'],
        ['POST', '/api/v1/tags', { site_id: a.sites.id, key: 'X.t1', name: '越界', kind: 'temperature', range_lo: 0, range_hi: 100, asset_id: b.assets.id }, 'asset_id'],
        ['POST', '/api/v1/tags', { site_id: a.sites.id, key: 'X.t2', name: '越界', kind: 'temperature', range_lo: 0, range_hi: 100, area_id: b.areas.id }, 'area_id'],
        ['POST', '/api/v1/organisations', { code: 'XORG', name: '越界', kind: 'contractor', parent_id: b.organisations.id }, 'parent_id'],
        ['POST', '/api/v1/people', { org_id: b.organisations.id, code: 'XE1', name: '越界' }, 'org_id'],
        ['POST', '/api/v1/certificates', { person_id: b.people.id, type: 'electrical', number: 'TX1', issued_on: '2024-01-01', expires_on: '2030-01-01' }, 'person_id'],
        ['PATCH', `/api/v1/assets/${a.assets.id}`, { area_id: b.areas.id }, 'area_id'],
        ['PATCH', `/api/v1/tags/${a.tags.id}`, { asset_id: b.assets.id }, 'asset_id'],
        ['PATCH', `/api/v1/people/${a.people.id}`, { org_id: b.organisations.id }, 'org_id'],
        ['POST', '/api/v1/users', { username: 'x-user', display_name: 'x', password: PW, roles: ['supplier'], org_id: b.organisations.id }, 'org_id'],
        ['POST', '/api/v1/users', { username: 'x-user2', display_name: 'x', password: PW, roles: ['worker'], person_id: b.people.id }, 'person_id'],
        ['POST', '/api/v1/users', { username: 'x-user3', display_name: 'x', password: PW, roles: ['worker'], site_ids: [b.sites.id] }, 'site'],
      ];
      for (const [method, path, body, field] of attempts) {
        const before = dbSnapshot(srv.db);
        const r = await api(srv.url, A.token, method, path, body);
        assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.body.error.code, 'invalid');
        assert.ok(r.body.error.message.includes(field), `message names ${field}: ${r.body.error.message}`);
        assert.deepEqual(dbSnapshot(srv.db), before, `${method} ${path}: nothing written`);
      }
      assert.equal(sql(srv.db, "SELECT COUNT(*) FROM areas WHERE code = 'XA1'"), '0');
      assert.equal(sql(srv.db, `SELECT COUNT(*) FROM areas WHERE site_id = ${b.sites.id}`), '1', "B's site has only its own area");
      assert.equal(sql(srv.db, `SELECT area_id FROM assets WHERE id = ${a.assets.id}`), String(a.areas.id));
    });

    it('a supplier lists only the people and certificates of its own organisation', async () => {
      const s = supObjs;
      const people = await listAll(srv.url, sup.token, '/api/v1/people');
      assert.deepEqual(people.map((p) => p.id).sort((x, y) => x - y), [s.p1a.id, s.p1b.id].sort((x, y) => x - y));
      assert.ok(people.every((p) => p.org_id === s.org1.id));
      const certs = await listAll(srv.url, sup.token, '/api/v1/certificates');
      assert.deepEqual(certs.map((c) => c.id), [s.c1a.id]);
      const orgs = await listAll(srv.url, sup.token, '/api/v1/organisations');
      assert.deepEqual(orgs.map((o) => o.id), [s.org1.id]);
      // Searches and filters do not widen the scope.
      for (const path of [`/api/v1/people?org_id=${s.org2.id}`, '/api/v1/people?q=S2-001', '/api/v1/people?badge_uid=04A1B2C3D4E5F6',
        `/api/v1/certificates?person_id=${s.p2a.id}`, '/api/v1/certificates?q=TS2001', `/api/v1/people?org_id=${B.objs.organisations.id}`]) {
        const r = await api(srv.url, sup.token, 'GET', path);
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        assert.deepEqual(r.body.items, [], path);
      }
    });

    it("a supplier gets 404 for another organisation's person and certificate, 200 for its own", async () => {
      const s = supObjs;
      const own = await api(srv.url, sup.token, 'GET', `/api/v1/people/${s.p1a.id}`);
      assert.equal(own.status, 200, own.text);
      assert.deepEqual(own.body.certificates.map((c) => c.id), [s.c1a.id]);
      assert.equal((await api(srv.url, sup.token, 'GET', `/api/v1/certificates/${s.c1a.id}`)).status, 200);
      for (const path of [`/api/v1/people/${s.p2a.id}`, `/api/v1/certificates/${s.c2a.id}`, `/api/v1/organisations/${s.org2.id}`,
        `/api/v1/people/${B.objs.people.id}`, `/api/v1/certificates/${B.objs.certificates.id}`, `/api/v1/people/${A.objs.people.id}`]) {
        const r = await api(srv.url, sup.token, 'GET', path);
        assert.equal(r.status, 404, `${path}: ${r.text}`);
        assert.equal(r.body.error.code, 'not_found');
      }
    });

    it('a supplier gets 403 on the plant model and on writes', async () => {
      const b = B.objs;
      const before = dbSnapshot(srv.db);
      const forbidden = [
        ['GET', '/api/v1/areas'], ['GET', `/api/v1/areas/${b.areas.id}`], ['GET', '/api/v1/sites'], ['GET', `/api/v1/sites/${b.sites.id}`],
        ['GET', '/api/v1/assets'], ['GET', `/api/v1/assets/${b.assets.id}`], ['GET', '/api/v1/tags'], ['GET', `/api/v1/tags/${b.tags.id}`],
        ['GET', `/api/v1/sites/${b.sites.id}/plant`], ['GET', '/api/v1/asset-templates'], ['GET', '/api/v1/users'], ['GET', '/api/v1/audit'],
        ['POST', '/api/v1/areas', { site_id: b.sites.id, code: 'SA', name: 'x' }],
        ['POST', '/api/v1/people', { org_id: supObjs.org1.id, code: 'S1-009', name: '新人' }],
        ['PATCH', `/api/v1/people/${supObjs.p1a.id}`, { name: '改' }],
        ['DELETE', `/api/v1/certificates/${supObjs.c1a.id}`],
        ['POST', '/api/v1/plant/import', { format: 'anjian-plant', version: 1, site: { code: 'SUPS', name: 'x' } }],
      ];
      for (const [method, path, body] of forbidden) {
        const r = await api(srv.url, sup.token, method, path, body);
        assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
      assert.deepEqual(dbSnapshot(srv.db), before, 'nothing written');
    });

    it("a regulator reads the granted enterprise's sites and areas and gets 404 for enterprises not granted", async () => {
      const a = A.objs;
      const sites = await listAll(srv.url, reg.token, '/api/v1/sites');
      assert.deepEqual(sites.map((x) => x.id), [a.sites.id]);
      const areas = await listAll(srv.url, reg.token, '/api/v1/areas');
      assert.deepEqual(areas.map((x) => x.id), [a.areas.id]);
      for (const f of FAMILIES) {
        const r = await api(srv.url, reg.token, 'GET', `/api/v1/${f}/${a[f].id}`);
        assert.equal(r.status, 200, `${f} of A: ${r.text}`);
      }
      assert.equal((await api(srv.url, reg.token, 'GET', `/api/v1/sites/${a.sites.id}/plant`)).status, 200);
      const ents = await api(srv.url, reg.token, 'GET', '/api/v1/enterprises');
      assert.deepEqual(ents.body.items.map((e) => e.id), [A.entId]);
      for (const E of [C, B]) {
        for (const f of FAMILIES) {
          const r = await api(srv.url, reg.token, 'GET', `/api/v1/${f}/${E.objs[f].id}`);
          assert.equal(r.status, 404, `${f} of a non-granted enterprise: ${r.text}`);
        }
        assert.equal((await api(srv.url, reg.token, 'GET', `/api/v1/sites/${E.objs.sites.id}/plant`)).status, 404);
        assert.equal((await api(srv.url, reg.token, 'GET', `/api/v1/enterprises/${E.entId}`)).status, 404);
      }
    });

    it('every write of a regulator gets 403 and writes nothing', async () => {
      const a = A.objs;
      const demo = readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8');
      const create = {
        sites: { code: 'RS1', name: 'x' }, areas: { site_id: a.sites.id, code: 'RA1', name: 'x' },
        assets: { site_id: a.sites.id, area_id: a.areas.id, template: 'valve', code: 'RV-1', name: 'x' },
        tags: { site_id: a.sites.id, key: 'R.t', name: 'x', kind: 'status', asset_id: a.assets.id },
        organisations: { code: 'RORG', name: 'x', kind: 'supplier' }, people: { org_id: a.organisations.id, code: 'RE1', name: 'x' },
        certificates: { person_id: a.people.id, type: 'forklift', number: 'TR1', issued_on: '2024-01-01', expires_on: '2030-01-01' },
      };
      const writes = [];
      for (const f of FAMILIES) {
        writes.push(['POST', `/api/v1/${f}`, create[f]], ['PATCH', `/api/v1/${f}/${a[f].id}`, PATCH[f]], ['DELETE', `/api/v1/${f}/${a[f].id}`]);
      }
      writes.push(['POST', '/api/v1/plant/import', demo], ['POST', '/api/v1/users', { username: 'r-x', display_name: 'x', password: PW, roles: ['worker'] }],
        ['PATCH', `/api/v1/users/${A.objs.users.id}`, PATCH.users], ['POST', `/api/v1/users/${A.objs.users.id}/password`, { password: 'Hijacked-123456' }]);
      const before = dbSnapshot(srv.db);
      for (const [method, path, body] of writes) {
        const r = await api(srv.url, reg.token, method, path, body);
        assert.equal(r.status, 403, `regulator ${method} ${path}: ${r.text}`);
        assert.equal(r.body.error.code, 'forbidden');
      }
      assert.deepEqual(dbSnapshot(srv.db), before, 'nothing written');
      for (const f of FAMILIES) assert.equal((await api(srv.url, A.token, 'GET', `/api/v1/${f}/${a[f].id}`)).status, 200, `A's ${f} still there`);
    });

    it('a user limited to one site sees and changes only that site, and may not import plant files', async () => {
      const post = async (path, body) => ok(await api(srv.url, A.token, 'POST', path, body), 201, `POST ${path}`);
      const s2 = await post('/api/v1/sites', { code: 'AS2', name: '甲二厂' });
      const a2 = await post('/api/v1/areas', { site_id: s2.id, code: 'AA2', name: '二厂区域' });
      const t2 = await post('/api/v1/tags', { site_id: s2.id, key: 'AS2.AA2.wind', name: '风速', kind: 'wind_speed', range_lo: 0, range_hi: 60, area_id: a2.id });
      await post('/api/v1/users', { username: 'a-site1', display_name: '一厂安全员', password: PW, roles: ['safety_manager'], site_ids: [A.objs.sites.id] });
      const u = await login(srv.url, 'a-site1', PW);
      assert.equal(u.status, 200);
      assert.deepEqual((await listAll(srv.url, u.token, '/api/v1/sites')).map((x) => x.id), [A.objs.sites.id]);
      assert.deepEqual((await listAll(srv.url, u.token, '/api/v1/areas')).map((x) => x.id), [A.objs.areas.id]);
      assert.deepEqual((await listAll(srv.url, u.token, '/api/v1/tags')).map((x) => x.id), [A.objs.tags.id]);
      for (const path of [`/api/v1/sites/${s2.id}`, `/api/v1/areas/${a2.id}`, `/api/v1/tags/${t2.id}`, `/api/v1/sites/${s2.id}/plant`]) {
        assert.equal((await api(srv.url, u.token, 'GET', path)).status, 404, path);
      }
      assert.equal((await api(srv.url, u.token, 'GET', `/api/v1/areas/${A.objs.areas.id}`)).status, 200);
      const before = dbSnapshot(srv.db);
      const cases = [
        ['POST', '/api/v1/areas', { site_id: s2.id, code: 'X2', name: 'x' }, 400],
        ['PATCH', `/api/v1/areas/${a2.id}`, { name: 'x' }, 404],
        ['DELETE', `/api/v1/tags/${t2.id}`, undefined, 404],
        ['POST', '/api/v1/plant/import', { format: 'anjian-plant', version: 1, site: { code: 'AS2', name: '改' } }, 403],
      ];
      for (const [method, path, body, status] of cases) {
        const r = await api(srv.url, u.token, method, path, body);
        assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      }
      assert.deepEqual(dbSnapshot(srv.db), before, 'nothing written');
      assert.equal(sql(srv.db, `SELECT name FROM sites WHERE id = ${s2.id}`), '甲二厂');
    });

    it('a regulator can log out (204) and its token is dead afterwards', async () => {
      const s = await login(srv.url, 'reg1', PW);
      assert.equal(s.status, 200);
      const r = await api(srv.url, s.token, 'POST', '/api/v1/auth/logout');
      assert.equal(r.status, 204, r.text);
      assert.equal((await api(srv.url, s.token, 'GET', '/api/v1/sites')).status, 401);
      assert.equal((await api(srv.url, reg.token, 'GET', '/api/v1/sites')).status, 200, 'its other session lives on');
    });
  });
}
