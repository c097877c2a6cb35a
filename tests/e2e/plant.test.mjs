// plant.test.mjs — plant files end to end: import the demo plant over HTTP and with the
// CLI (counts match the file), export → re-import changes nothing, cursor paging visits
// every tag once, search finds P-101; and kill -9 during a large import leaves all of it
// or none of it, with an intact audit chain. Runs for each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, backends, startServer, login, api, cli, cliOk, sql, dbSnapshot, postStreaming, bigPlant, cleanup,
} from './lib/server.mjs';

const DEMO_PATH = join(ROOT, 'plants', 'demo-chemical.json');
const DEMO_TEXT = readFileSync(DEMO_PATH, 'utf8');
const DEMO = JSON.parse(DEMO_TEXT);
const FAMILIES = ['organisations', 'areas', 'assets', 'tags', 'people', 'certificates'];
const FILE_COUNTS = {
  organisations: DEMO.organisations.length, areas: DEMO.areas.length, assets: DEMO.assets.length, tags: DEMO.tags.length,
  people: DEMO.people.length, certificates: DEMO.people.reduce((n, p) => n + (p.certificates || []).length, 0),
};
const zeros = () => Object.fromEntries(['sites', ...FAMILIES].map((f) => [f, 0]));
/** The counts an import report gives: the families of the file plus the site itself. */
const withSite = (counts, site) => ({ sites: site, ...counts });

/** Counts of the families in the database for one enterprise (and its site for site-bound ones). */
function dbCounts(db, entId) {
  const q = (t) => Number(sql(db, `SELECT COUNT(*) FROM ${t} WHERE enterprise_id = ${entId}`));
  return Object.fromEntries(FAMILIES.map((f) => [f, q(f)]));
}

async function pages(base, token, path, limit) {
  const seen = [];
  let cursor = null;
  let n = 0;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api(base, token, 'GET', `${path}${sep}limit=${limit}${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.items.length <= limit, 'page not larger than limit');
    seen.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (++n > 10000) throw new Error('paging does not end');
    if (cursor === null) return { items: seen, pages: n };
    assert.equal(typeof cursor, 'string');
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** PostgreSQL: wait until the killed server's backends have gone (their transactions are over). */
async function pgQuiet(db) {
  if (db.path) return;
  const deadline = Date.now() + 120000;
  for (;;) {
    const n = Number(sql(db, 'SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()'));
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} connections of the killed server still open`);
    await sleep(100);
  }
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv;
    let admin;
    let report;
    let mainId;

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      mainId = Number(sql(srv.db, "SELECT id FROM enterprises WHERE code = 'main'"));
    });
    after(async () => {
      if (srv) await srv.stop();
      cleanup(srv && srv.db);
    });

    it('imports plants/demo-chemical.json over HTTP: the report and the database match the file', async () => {
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', DEMO_TEXT);
      assert.equal(r.status, 200, r.text);
      report = r.body;
      assert.deepEqual(report.created, withSite(FILE_COUNTS, 1));
      assert.deepEqual(report.updated, zeros());
      assert.deepEqual(report.unchanged, zeros());
      assert.deepEqual(dbCounts(srv.db, mainId), FILE_COUNTS);
      assert.equal(sql(srv.db, `SELECT code FROM sites WHERE id = ${report.site_id}`), DEMO.site.code);
      assert.equal(Number(sql(srv.db, `SELECT COUNT(*) FROM tags WHERE site_id = ${report.site_id}`)), FILE_COUNTS.tags);
      const site = await api(srv.url, admin.token, 'GET', `/api/v1/sites/${report.site_id}`);
      assert.equal(site.body.name, DEMO.site.name);
      assert.equal(site.body.enterprise_id, mainId);
      assert.equal((await api(srv.url, admin.token, 'GET', '/api/v1/audit/verify')).body.intact, true);
    });

    it('imports the same file with `anjian admin import-plant` into another enterprise: same counts', () => {
      cliOk(srv.db, ['admin', 'create-enterprise', '--code', 'HDFC', '--name', '华东精细化工有限公司']);
      const out = cliOk(srv.db, ['admin', 'import-plant', '--enterprise', 'HDFC', DEMO_PATH]);
      const rep = JSON.parse(out);
      assert.deepEqual(rep.created, withSite(FILE_COUNTS, 1));
      const hdfc = Number(sql(srv.db, "SELECT id FROM enterprises WHERE code = 'HDFC'"));
      assert.deepEqual(dbCounts(srv.db, hdfc), FILE_COUNTS);
      assert.deepEqual(dbCounts(srv.db, mainId), FILE_COUNTS, 'the first enterprise is untouched');
      assert.match(sql(srv.db, `SELECT DISTINCT actor FROM audit_log WHERE enterprise_id = ${hdfc} AND action LIKE 'plant.%'`), /^cli:/);
      // Again from the CLI: nothing created.
      const again = JSON.parse(cliOk(srv.db, ['admin', 'import-plant', '--enterprise', 'HDFC', DEMO_PATH]));
      assert.deepEqual(again.created, zeros());
      assert.deepEqual(dbCounts(srv.db, hdfc), FILE_COUNTS);
    });

    it('export → re-import creates and changes nothing; the export is stable and the same from the CLI', async () => {
      const ex = await api(srv.url, admin.token, 'GET', `/api/v1/sites/${report.site_id}/plant`);
      assert.equal(ex.status, 200, ex.text);
      const doc = ex.body;
      assert.equal(doc.format, 'anjian-plant');
      assert.equal(doc.version, 1);
      assert.equal(doc.site.code, DEMO.site.code);
      for (const f of ['organisations', 'areas', 'assets', 'tags', 'people']) assert.equal(doc[f].length, FILE_COUNTS[f], f);
      assert.equal(doc.people.reduce((n, p) => n + (p.certificates || []).length, 0), FILE_COUNTS.certificates);
      const before = dbSnapshot(srv.db);
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', doc);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.created, zeros(), 'nothing created');
      assert.deepEqual(r.body.updated, zeros(), 'nothing updated');
      assert.deepEqual(r.body.unchanged, withSite(FILE_COUNTS, 1));
      assert.equal(r.body.site_id, report.site_id);
      const after = dbSnapshot(srv.db);
      for (const t of Object.keys(before)) {
        if (t.startsWith('audit')) continue;
        assert.equal(after[t], before[t], `rows of ${t}`);
      }
      const ex2 = await api(srv.url, admin.token, 'GET', `/api/v1/sites/${report.site_id}/plant`);
      assert.deepEqual(ex2.body, doc, 'export is the same after re-import');
      const viaCli = JSON.parse(cliOk(srv.db, ['admin', 'export-plant', '--enterprise', 'HDFC', '--site', DEMO.site.code]));
      assert.deepEqual(viaCli, doc, 'same file imported into two enterprises exports the same');
    });

    it('the import report says whether the site was created, updated or unchanged ("site", docs/plant-file.md)', {
    }, async () => {
      const doc = { format: 'anjian-plant', version: 1, site: { code: 'SITEST', name: '站点状态' } };
      const first = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', doc);
      assert.equal(first.status, 200, first.text);
      const second = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', doc);
      const third = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', { ...doc, site: { ...doc.site, name: '改名' } });
      assert.deepEqual([first.body.site, second.body.site, third.body.site], ['created', 'unchanged', 'updated']);
    });

    it('re-importing the original file creates nothing', async () => {
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', DEMO_TEXT);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.created, zeros());
      assert.deepEqual(dbCounts(srv.db, mainId), FILE_COUNTS);
    });

    it('paging /api/v1/tags?limit=100 with next_cursor visits every tag exactly once', async () => {
      const { items, pages: n } = await pages(srv.url, admin.token, '/api/v1/tags', 100);
      const ids = items.map((t) => t.id);
      assert.equal(new Set(ids).size, ids.length, 'no tag twice');
      assert.equal(ids.length, FILE_COUNTS.tags);
      assert.equal(n, Math.ceil(FILE_COUNTS.tags / 100));
      const dbIds = sql(srv.db, `SELECT id FROM tags WHERE enterprise_id = ${mainId} ORDER BY id`).split('\n').map(Number);
      assert.deepEqual(ids, dbIds, 'every tag, in id order');
      assert.deepEqual(new Set(items.map((t) => t.key)), new Set(DEMO.tags.map((t) => t.key)));
      // Other page sizes and a filter.
      for (const limit of [1, 7, 524, 1000]) {
        const p = await pages(srv.url, admin.token, '/api/v1/tags', limit);
        assert.deepEqual(p.items.map((t) => t.id), dbIds, `limit=${limit}`);
      }
      const gas = await pages(srv.url, admin.token, '/api/v1/tags?kind=gas_combustible_lel', 10);
      assert.equal(gas.items.length, DEMO.tags.filter((t) => t.kind === 'gas_combustible_lel').length);
      assert.ok(gas.items.every((t) => t.kind === 'gas_combustible_lel'));
      const people = await pages(srv.url, admin.token, '/api/v1/people', 9);
      assert.equal(people.items.length, FILE_COUNTS.people);
    });

    it('q=P-101 finds the pump (assets) and its tags', async () => {
      const a = await api(srv.url, admin.token, 'GET', '/api/v1/assets?q=P-101');
      assert.equal(a.status, 200);
      const pump = a.body.items.find((x) => x.code === 'P-101');
      assert.ok(pump, `P-101 among ${JSON.stringify(a.body.items.map((x) => x.code))}`);
      assert.equal(pump.template, 'centrifugal_pump');
      for (const x of a.body.items) assert.ok([x.code, x.name, x.name_en].some((s) => s && s.includes('P-101')), x.code);
      const t = await api(srv.url, admin.token, 'GET', '/api/v1/tags?q=P-101&limit=1000');
      const expected = DEMO.tags.filter((x) => [x.key, x.name, x.name_en].some((s) => s && s.includes('P-101'))).map((x) => x.key).sort();
      assert.deepEqual(t.body.items.map((x) => x.key).sort(), expected);
      assert.ok(expected.includes('JS01.P-101.seal_temp'));
      const zh = await api(srv.url, admin.token, 'GET', `/api/v1/assets?q=${encodeURIComponent('甲醇输送泵')}`);
      assert.ok(zh.body.items.some((x) => x.code === 'P-101'), 'search by Chinese name');
      assert.deepEqual((await api(srv.url, admin.token, 'GET', '/api/v1/assets?q=NO-SUCH-THING')).body.items, []);
    });

    it("q is a literal substring: '_' and '%' are not wildcards", {
    }, async () => {
      for (const q of ['P_101', '%', 'P%1']) {
        const r = await api(srv.url, admin.token, 'GET', `/api/v1/tags?limit=1000&q=${encodeURIComponent(q)}`);
        const expected = DEMO.tags.filter((x) => [x.key, x.name, x.name_en].some((s) => s && s.includes(q))).length;
        assert.equal(r.body.items.length, expected, `q=${q}`);
      }
    });

    it('count=true adds the total of matching objects to a page (and only then)', async () => {
      const all = await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=1&count=true');
      assert.equal(all.body.items.length, 1);
      assert.equal(all.body.total, Number(sql(srv.db, `SELECT COUNT(*) FROM tags WHERE enterprise_id = ${mainId}`)));
      const gas = await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=5&count=1&kind=gas_combustible_lel');
      assert.equal(gas.body.total, DEMO.tags.filter((x) => x.kind === 'gas_combustible_lel').length);
      const pump = await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=2&count=true&q=P-101');
      assert.equal(pump.body.total, DEMO.tags.filter((x) => [x.key, x.name, x.name_en].some((v) => v && v.includes('P-101'))).length);
      const plain = await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=1');
      assert.equal(plain.body.total, undefined);
    });

    it('q search ignores ASCII case the same way on every backend', async () => {
      const upper = await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=1000&q=P-101');
      const lower = await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=1000&q=p-101');
      assert.ok(upper.body.items.length > 0);
      assert.deepEqual(lower.body.items.map((x) => x.id), upper.body.items.map((x) => x.id));
    });

    it('the CLI refuses an invalid file and an unknown enterprise (exit 1), writing nothing', () => {
      const before = dbSnapshot(srv.db);
      const bad = cli(srv.db, ['admin', 'import-plant', '--enterprise', 'main', join(ROOT, 'CMakeLists.txt')]);
      assert.equal(bad.status, 1, bad.stderr);
      assert.match(bad.stderr, /line \d+, column \d+/);
      const noEnt = cli(srv.db, ['admin', 'import-plant', '--enterprise', 'NOPE', DEMO_PATH]);
      assert.equal(noEnt.status, 1);
      assert.match(noEnt.stderr, /NOPE/);
      const noFile = cli(srv.db, ['admin', 'import-plant', '--enterprise', 'main', '/nonexistent/plant.json']);
      assert.equal(noFile.status, 1);
      assert.deepEqual(dbSnapshot(srv.db), before);
    });
  });

  describe(`${backend}: kill -9 during a large import`, () => {
    const PLANT = bigPlant(); // 1 site, 5 areas, 3000 assets, 30 000 tags
    const BODY = JSON.stringify(PLANT);
    const N_TAGS = PLANT.tags.length;
    const N_ASSETS = PLANT.assets.length;
    const servers = [];
    after(async () => {
      for (const s of servers) {
        await s.kill9();
        cleanup(s.db);
      }
    });

    for (const delay of [50, 150, 400, 700, 900]) {
      it(`killed ${delay} ms after the body was sent: after restart all ${N_TAGS} tags or none, audit chain intact`, { timeout: 600000 }, async (t) => {
        let srv = await startServer(backend);
        servers.push(srv);
        const { token } = await login(srv.url, 'admin', srv.adminPassword);
        const seqBefore = dbSnapshot(srv.db)['audit_head.seq'];
        let sentAt = 0;
        const answer = postStreaming(srv.url, '/api/v1/plant/import', token, BODY, {
          onSent: () => { sentAt = Date.now(); setTimeout(() => srv.kill9(), delay); },
        });
        const res = await answer;
        const exit = await srv.exited;
        assert.ok(sentAt > 0, 'the body was sent');
        assert.equal(exit.signal, 'SIGKILL', `the server was killed (${JSON.stringify(exit)})`);
        await pgQuiet(srv.db);
        srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword });
        servers.push(srv);
        const tags = Number(sql(srv.db, 'SELECT COUNT(*) FROM tags'));
        const assets = Number(sql(srv.db, 'SELECT COUNT(*) FROM assets'));
        const areas = Number(sql(srv.db, 'SELECT COUNT(*) FROM areas'));
        const sites = Number(sql(srv.db, 'SELECT COUNT(*) FROM sites'));
        const seq = dbSnapshot(srv.db)['audit_head.seq'];
        const state = { tags, assets, areas, sites, seq, seqBefore, answered: res.status || String(res.error && res.error.code) };
        t.diagnostic(`state after restart: ${JSON.stringify(state)}`);
        if (tags === 0) {
          assert.deepEqual({ assets, areas, sites, seq }, { assets: 0, areas: 0, sites: 0, seq: seqBefore }, `none: ${JSON.stringify(state)}`);
          assert.notEqual(res.status, 200, 'a 200 answer means the import was committed');
        } else {
          assert.equal(tags, N_TAGS, `all or none: ${JSON.stringify(state)}`);
          assert.deepEqual({ assets, areas, sites }, { assets: N_ASSETS, areas: PLANT.areas.length, sites: 1 }, JSON.stringify(state));
          assert.ok(seq > seqBefore + N_TAGS, `the import's audit records are there too: ${JSON.stringify(state)}`);
        }
        const v = cli(srv.db, ['audit', 'verify']);
        assert.equal(v.status, 0, `audit verify: ${v.stdout}${v.stderr}`);
        assert.match(v.stdout, /intact/);
        // The restarted server works and its own view agrees.
        const again = await login(srv.url, 'admin', srv.adminPassword);
        assert.equal(again.status, 200);
        assert.equal((await api(srv.url, again.token, 'GET', '/api/v1/audit/verify')).body.intact, true);
        await srv.stop();
      });
    }

    it('killed right after the 200 answer: the committed import is all there after restart', { timeout: 600000 }, async () => {
      // On PostgreSQL a 30 000-tag import takes long; a tenth of it shows the same.
      const plant = backend === 'sqlite' ? PLANT : bigPlant({ assets: 300 });
      let srv = await startServer(backend);
      servers.push(srv);
      const { token } = await login(srv.url, 'admin', srv.adminPassword);
      const res = await postStreaming(srv.url, '/api/v1/plant/import', token, JSON.stringify(plant));
      assert.equal(res.status, 200, res.text || String(res.error));
      await srv.kill9();
      await pgQuiet(srv.db);
      srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword });
      servers.push(srv);
      assert.equal(Number(sql(srv.db, 'SELECT COUNT(*) FROM tags')), plant.tags.length);
      assert.equal(Number(sql(srv.db, 'SELECT COUNT(*) FROM assets')), plant.assets.length);
      const v = cli(srv.db, ['audit', 'verify']);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      await srv.stop();
    });
  });
}
