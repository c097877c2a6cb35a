// risk.test.mjs — the risk register in the running server (docs/risk.md): LEC and matrix
// assessments scored by the server against a table written out here, refusals of factors
// the methods do not have, residual above inherent, measures with owners and control
// levels, the enterprise's own bands (checked, with a JSONPath error), the four-colour map
// colouring each area by its highest residual risk, and the audit records.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends, startServer, login, api, cleanup, ROOT } from './lib/server.mjs';

const PLANT = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));

// LEC: D = L × E × C and the default level (>320 major, 160–320 significant, 70–160 general, ≤70 low)
const LEC = [
  [[10, 6, 15], 900, 'major'], [[3, 6, 40], 720, 'major'], [[6, 6, 7], 252, 'significant'],
  [[1, 6, 40], 240, 'significant'], [[3, 6, 15], 270, 'significant'], [[1, 6, 15], 90, 'general'],
  [[3, 3, 7], 63, 'low'], [[0.5, 6, 7], 21, 'low'], [[0.1, 0.5, 1], 0.05, 'low'], [[1, 2, 40], 80, 'general'],
  [[2, 10, 8], null, null], // 2 and 8 are not values of L and C
];
// Matrix: R = L × S (≥20 major, 12–19 significant, 6–11 general, ≤5 low)
const MATRIX = [[[5, 5], 25, 'major'], [[4, 5], 20, 'major'], [[4, 4], 16, 'significant'], [[3, 4], 12, 'significant'],
  [[2, 5], 10, 'general'], [[2, 3], 6, 'general'], [[1, 5], 5, 'low'], [[1, 1], 1, 'low'], [[6, 1], null, null]];

for (const backend of backends()) {
  describe(`risk register (${backend})`, { timeout: 300_000 }, () => {
    let srv, admin, site, areas, owner;
    const A = (method, path, body) => api(srv.url, admin.token, method, path, body);
    const point = (area, method, inherent, residual, extra = {}) => A('POST', '/api/v1/risk-points', {
      site_id: site.id, area_id: area.id, kind: 'equipment', name: `${area.code} ${method}`, hazards: ['泄漏引发火灾爆炸'],
      method, inherent, residual, control_level: 'workshop', owner_id: owner.id, review_cycle_days: 180,
      measures: [{ kind: 'engineering', text: '可燃气体检测报警与联锁', control_level: 'workshop', owner_id: owner.id },
        { kind: 'ppe', text: '防静电工作服', control_level: 'crew' }], ...extra });

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await A('POST', '/api/v1/plant/import', JSON.stringify(PLANT))).status, 200);
      site = (await A('GET', '/api/v1/sites')).body.items[0];
      areas = Object.fromEntries((await A('GET', '/api/v1/areas?limit=100')).body.items.map((a) => [a.code, a]));
      owner = (await A('GET', '/api/v1/people?limit=500')).body.items.find((p) => p.code === 'E2002');
    });
    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.log());
      cleanup(srv.db);
    });

    it('scores LEC and the matrix as the tables say; refuses other factors', async () => {
      for (const [[l, e, c], d, level] of LEC) {
        const f = { l, e, c };
        const r = await point(areas.WH1, 'lec', f, f);
        if (d === null) {
          assert.equal(r.status, 400, r.text);
          assert.match(r.body.error.message, /inherent: L must be one of 10, 6, 3, 1, 0.5, 0.2, 0.1/);
          continue;
        }
        assert.equal(r.status, 201, r.text);
        assert.ok(Math.abs(r.body.inherent.score - d) < 1e-9, `${l}×${e}×${c}: ${r.body.inherent.score}`);
        assert.equal(r.body.inherent.level, level, `D ${d}`);
        assert.equal(r.body.residual_level, level);
      }
      for (const [[l, s], rr, level] of MATRIX) {
        const f = { likelihood: l, severity: s };
        const r = await point(areas.OF1, 'matrix', f, f);
        if (rr === null) { assert.equal(r.status, 400, r.text); continue; }
        assert.equal(r.status, 201, r.text);
        assert.equal(r.body.inherent.score, rr);
        assert.equal(r.body.inherent.level, level, `R ${rr}`);
      }
    });

    it('keeps inherent and residual risk with the measures; refuses a residual above the inherent', async () => {
      let r = await point(areas.TF1, 'lec', { l: 3, e: 6, c: 40 }, { l: 1, e: 6, c: 15 });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.inherent.level, 'major');
      assert.equal(r.body.residual.level, 'general');
      assert.equal(r.body.residual.hex, '#FFFF00');
      assert.equal(r.body.measures.length, 2);
      assert.equal(r.body.measures[0].owner_name, owner.name);
      assert.equal(r.body.area_code, 'TF1');
      r = await point(areas.TF1, 'lec', { l: 1, e: 6, c: 15 }, { l: 3, e: 6, c: 40 });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /residual: higher than the inherent/);
      r = await point(areas.TF1, 'lec', { l: 3, e: 6, c: 40 }, { l: 1, e: 6, c: 15 }, { measures: [] });
      assert.match(r.body.error.message, /measures/);
      r = await point(areas.TF1, 'lec', { l: 3, e: 6, c: 40 }, { l: 1, e: 6, c: 15 }, { control_level: 'team' });
      assert.match(r.body.error.message, /control_level/);
      const audit = await A('GET', '/api/v1/audit?object_type=risk_point&limit=5');
      assert.ok(audit.body.items.some((x) => x.action === 'risks.create'));
    });

    it('colours each area by its highest residual risk on the four-colour map', async () => {
      await point(areas.PU1, 'matrix', { likelihood: 5, severity: 5 }, { likelihood: 4, severity: 5 }); // major
      await point(areas.PU1, 'matrix', { likelihood: 2, severity: 3 }, { likelihood: 2, severity: 3 }); // general
      await point(areas.UT1, 'matrix', { likelihood: 4, severity: 4 }, { likelihood: 2, severity: 5 }); // general
      const m = (await A('GET', `/api/v1/risk-map?site_id=${site.id}`)).body;
      const by = Object.fromEntries(m.areas.map((a) => [a.code, a]));
      assert.equal(by.PU1.level, 'major');
      assert.equal(by.PU1.hex, '#FF0000');
      assert.equal(by.PU1.counts.major, 1);
      assert.equal(by.UT1.level, 'general');
      assert.equal(by.TF1.level, 'general'); // residual general (its inherent major does not colour the map)
      assert.equal(by.WH1.level, 'major'); // the LEC table above put D 900 and 720 there
      assert.equal(by.CR1.level, null); // no risk points
      assert.ok(Array.isArray(by.PU1.polygon) && by.PU1.polygon.length >= 3);
      assert.deepEqual(m.legend.map((l) => l.name_zh), ['重大', '较大', '一般', '低']);
    });

    it("uses the enterprise's own bands once set, and checks them", async () => {
      const bands = (await A('GET', '/api/v1/risk-bands')).body;
      assert.equal(bands.lec.bands.length, 5);
      const bad = JSON.parse(JSON.stringify(bands));
      bad.lec.bands[2].above = 80;
      let r = await A('PUT', '/api/v1/risk-bands', bad);
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.error.message, /\$\.lec\.bands\[2\]/);
      const strict = JSON.parse(JSON.stringify(bands));
      strict.lec.bands[1].level = 'general'; // 20 < D <= 70 counts as general here
      r = await A('PUT', '/api/v1/risk-bands', strict);
      assert.equal(r.status, 200, r.text);
      r = await point(areas.LB1, 'lec', { l: 3, e: 3, c: 7 }, { l: 3, e: 3, c: 7 });
      assert.equal(r.body.inherent.score, 63);
      assert.equal(r.body.inherent.level, 'general');
    });
  });
}
