// audit.test.mjs — the audit hash chain end to end: real activity (logins, creates,
// changes, deletes, a plant import) writes records; editing, deleting or reordering a
// record directly in the database makes `anjian audit verify` exit 3 naming the record
// (and GET /api/v1/audit/verify agree); an untouched chain verifies (exit 0). Each case on
// its own fresh database. Runs for each backend.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  backends, startServer, login, api, cli, cliOk, sql, cleanup,
} from './lib/server.mjs';

const COLS = 'at_ms, enterprise_id, actor, action, object_type, object_id, before_digest, after_digest, prev_hash, hash';

/** Starts a server on a fresh database, makes some audited activity, stops it. */
async function generate(backend) {
  const srv = await startServer(backend);
  const pw = 'Aud-' + randomBytes(9).toString('base64url');
  const a = await login(srv.url, 'admin', srv.adminPassword);
  const post = async (path, body) => {
    const r = await api(srv.url, a.token, 'POST', path, body);
    assert.equal(r.status, 201, `${path}: ${r.text}`);
    return r.body;
  };
  const site = await post('/api/v1/sites', { code: 'AU1', name: '审计厂' });
  const areas = [];
  for (let i = 0; i < 3; i++) areas.push(await post('/api/v1/areas', { site_id: site.id, code: `AA${i}`, name: `区域${i}` }));
  assert.equal((await api(srv.url, a.token, 'PATCH', `/api/v1/areas/${areas[0].id}`, { name: '改名' })).status, 200);
  assert.equal((await api(srv.url, a.token, 'DELETE', `/api/v1/areas/${areas[2].id}`)).status, 204);
  await post('/api/v1/users', { username: 'aud-user', display_name: '审计', password: pw, roles: ['worker'] });
  assert.equal((await login(srv.url, 'aud-user', pw)).status, 200);
  assert.equal((await api(srv.url, a.token, 'POST', '/api/v1/auth/logout')).status, 204);
  await srv.stop();
  const n = Number(sql(srv.db, 'SELECT COUNT(*) FROM audit_log'));
  return { srv, db: srv.db, n };
}

function verify(db) {
  const r = cli(db, ['audit', 'verify']);
  return { ...r, out: r.stdout + r.stderr };
}

/** Asserts verify exits 3 and its stdout names record seq (as a whole number). */
function assertBroken(db, seq, what) {
  const r = verify(db);
  assert.equal(r.status, 3, `${what}: exit status; output: ${r.out}`);
  assert.match(r.stdout, new RegExp(`\\brecord ${seq}\\b`), `${what}: stdout names record ${seq}: ${r.stdout}`);
  assert.match(r.stdout, /BROKEN/i);
  return r;
}

for (const backend of backends()) {
  describe(backend, () => {
    const made = [];
    after(async () => {
      for (const m of made) {
        await m.srv.stop();
        cleanup(m.db);
      }
    });
    const fresh = async () => {
      const m = await generate(backend);
      made.push(m);
      assert.ok(m.n >= 10, `enough records (${m.n})`);
      const v = verify(m.db);
      assert.equal(v.status, 0, `freshly generated chain verifies: ${v.out}`);
      return m;
    };

    it('real activity writes a contiguous chain of records (logins, creates, changes, deletes, users, logout)', async () => {
      const { db, n } = await fresh();
      const rows = sql(db, 'SELECT seq, actor, action, prev_hash, hash FROM audit_log ORDER BY seq').split('\n').map((l) => l.split('\t'));
      assert.equal(rows.length, n);
      rows.forEach(([seq], i) => assert.equal(Number(seq), i + 1, 'seq 1..n without gaps'));
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i][3], rows[i - 1][4], `record ${i + 1} links to record ${i}`);
      assert.equal(rows[0][3], '0'.repeat(64));
      const actions = new Set(rows.map((r) => r[2]));
      for (const a of ['enterprises.create', 'users.create', 'auth.login', 'sites.create', 'areas.create', 'areas.update', 'areas.delete', 'auth.logout']) {
        assert.ok(actions.has(a), `an ${a} record; got ${[...actions]}`);
      }
      assert.deepEqual(sql(db, 'SELECT seq, hash FROM audit_head').split('\t'), [String(n), rows[n - 1][4]]);
      assert.ok(rows.filter((r) => r[2] !== 'enterprises.create' && !r[1].startsWith('system:')).every((r) => /^user:\d+:/.test(r[1])), 'actors name the user');
    });

    it('(e) an untouched database verifies: exit 0, all records counted', async () => {
      const { db, n } = await fresh();
      const r = verify(db);
      assert.equal(r.status, 0, r.out);
      assert.match(r.stdout, new RegExp(`intact: ${n} records`));
    });

    it("(a) changing one record's actor: exit 3 naming that record", async () => {
      const { db, srv } = await fresh();
      const seq = 5;
      sql(db, `UPDATE audit_log SET actor = 'user:999:mallory' WHERE seq = ${seq}`);
      assertBroken(db, seq, 'actor changed');
      assert.match(verify(db).stdout, /altered/);
      // The server's own check agrees.
      const s = await startServer(backend, { db, adminPassword: srv.adminPassword });
      made.push({ srv: s, db: null });
      const a = await login(s.url, 'admin', s.adminPassword);
      const r = await api(s.url, a.token, 'GET', '/api/v1/audit/verify');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.intact, false);
      assert.equal(r.body.first_bad_seq, seq);
      await s.stop();
    });

    it('(a) changing any other field of a record (time, action, object, digest, enterprise) is detected too', async () => {
      const { db } = await fresh();
      const edits = [
        ['at_ms', 'at_ms = at_ms + 1'], ['action', "action = 'sites.read'"], ['object_id', "object_id = '424242'"],
        ['after_digest', `after_digest = '${'ab'.repeat(32)}'`], ['enterprise_id', 'enterprise_id = 77'],
      ];
      for (const [what, set] of edits) {
        const seq = 6;
        const saved = sql(db, `SELECT ${what} FROM audit_log WHERE seq = ${seq}`);
        sql(db, `UPDATE audit_log SET ${set} WHERE seq = ${seq}`);
        assertBroken(db, seq, what);
        const restore = saved === '' ? 'NULL' : (/^\d+$/.test(saved) && what !== 'object_id' ? saved : `'${saved}'`);
        sql(db, `UPDATE audit_log SET ${what} = ${restore} WHERE seq = ${seq}`);
        assert.equal(verify(db).status, 0, `restored ${what}`);
      }
    });

    it("(a) replacing a record's stored hash: exit 3 naming that record", async () => {
      const { db } = await fresh();
      // Replace record 4's hash (as a forger would after changing it): record 4 no longer
      // matches its content, and record 5 no longer links to it; the first is named.
      sql(db, `UPDATE audit_log SET hash = '${'0'.repeat(63)}1' WHERE seq = 4`);
      assertBroken(db, 4, 'hash replaced');
    });

    it('(b) deleting a record in the middle: exit 3 naming it', async () => {
      const { db, n } = await fresh();
      const seq = Math.floor(n / 2);
      sql(db, `DELETE FROM audit_log WHERE seq = ${seq}`);
      const r = assertBroken(db, seq, 'middle record deleted');
      assert.match(r.stdout, /missing/);
    });

    it('(b) deleting the first record: exit 3 naming record 1', async () => {
      const { db } = await fresh();
      sql(db, 'DELETE FROM audit_log WHERE seq = 1');
      assertBroken(db, 1, 'first record deleted');
    });

    it('(c) swapping two records (reorder): exit 3 naming the first of them', async () => {
      const { db } = await fresh();
      const [x, y] = [3, 4];
      // Swap the contents of records 3 and 4, keeping the sequence numbers in place.
      sql(db, `UPDATE audit_log SET seq = -1 WHERE seq = ${x}`);
      sql(db, `UPDATE audit_log SET seq = ${x} WHERE seq = ${y}`);
      sql(db, `UPDATE audit_log SET seq = ${y} WHERE seq = -1`);
      const r = assertBroken(db, x, 'records 3 and 4 swapped');
      assert.doesNotMatch(r.stdout, new RegExp(`BROKEN at record ${y}\\b`));
    });

    it('(c) swapping two distant records: names the earlier one', async () => {
      const { db, n } = await fresh();
      const [x, y] = [2, n - 1];
      const a = sql(db, `SELECT ${COLS} FROM audit_log WHERE seq = ${x}`);
      assert.ok(a);
      sql(db, `UPDATE audit_log SET seq = -1 WHERE seq = ${x}`);
      sql(db, `UPDATE audit_log SET seq = ${x} WHERE seq = ${y}`);
      sql(db, `UPDATE audit_log SET seq = ${y} WHERE seq = -1`);
      assertBroken(db, x, `records ${x} and ${y} swapped`);
    });

    it('(d) deleting the last record: detected (exit 3), naming it', async () => {
      const { db, n } = await fresh();
      sql(db, `DELETE FROM audit_log WHERE seq = ${n}`);
      const r = assertBroken(db, n, 'last record deleted');
      assert.match(r.stdout, /end|head/i);
    });

    it('(d) deleting the last record and rolling the head back by hand without its hash is detected', async () => {
      const { db, n } = await fresh();
      sql(db, `DELETE FROM audit_log WHERE seq = ${n}`);
      sql(db, `UPDATE audit_head SET seq = ${n - 1} WHERE id = 1`);
      const r = verify(db);
      assert.equal(r.status, 3, r.out);
    });

    it('appending after a verified chain keeps it intact (server restarted on the same database)', async () => {
      const { db, srv } = await fresh();
      const s = await startServer(backend, { db, adminPassword: srv.adminPassword });
      made.push({ srv: s, db: null });
      const a = await login(s.url, 'admin', s.adminPassword);
      assert.equal((await api(s.url, a.token, 'POST', '/api/v1/sites', { code: 'AU2', name: '第二' })).status, 201);
      cliOk(db, ['admin', 'create-enterprise', '--code', 'AUX', '--name', '审计辅助']);
      await s.stop();
      const r = verify(db);
      assert.equal(r.status, 0, r.out);
    });
  });
}
