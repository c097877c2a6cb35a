// major_hazards.test.mjs — major hazard sources (重大危险源, GB 18218-2018) in the running
// server (docs/risk.md "Major hazard sources in the register"): units declared with their
// substances and assessed by the server (S, R, α and level worked out by hand below), an
// unnamed substance by its category, precise 400s that write nothing, enterprise scoping,
// and the live path — an inventory tag written as line protocol, rising across the warning
// threshold, across S = 1 and across an R level, then falling back, each crossing one event,
// one notification per safety manager and one audit record by system:major-hazard; a reading
// of bad quality falls back to the declared quantity and says why.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { backends, startServer, login, api, cleanup, cliOk, dbSnapshot, tempFile, freshDatabase, ROOT } from './lib/server.mjs';

const PLANT = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
const PW = 'Mh-' + randomBytes(9).toString('base64url');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const near = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

async function until(what, fn, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

for (const backend of backends()) {
  describe(`major hazard sources (${backend})`, { timeout: 300_000 }, () => {
    let srv, admin, site, areas, assets, safety, other, otherTag;
    const A = (method, path, body, who = admin) => api(srv.url, who.token, method, path, body);

    /** Writes one point of key at the current time (ms precision) as line protocol. */
    async function write(key, value) {
      const r = await fetch(`${srv.url}/write?precision=ms`, {
        method: 'POST', headers: { Authorization: 'Bearer ' + admin.token }, body: `inv,aj_key=${key} value=${value} ${Date.now()}\n`,
      });
      assert.equal(r.status, 204, await r.text());
    }

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await A('POST', '/api/v1/plant/import', JSON.stringify(PLANT))).status, 200);
      site = (await A('GET', '/api/v1/sites')).body.items[0];
      areas = Object.fromEntries((await A('GET', '/api/v1/areas?limit=100')).body.items.map((a) => [a.code, a]));
      assets = Object.fromEntries((await A('GET', '/api/v1/assets?limit=1000')).body.items.map((a) => [a.code, a]));
      const person = (await A('GET', '/api/v1/people?limit=500')).body.items.find((p) => p.code === 'E2002');
      let r = await A('POST', '/api/v1/users', { username: 'safety', display_name: '安全部', password: PW, roles: ['safety_manager'], person_id: person.id });
      assert.equal(r.status, 201, r.text);
      safety = await login(srv.url, 'safety', PW);
      // another enterprise with a tag of its own
      cliOk(srv.db, ['admin', 'create-enterprise', '--code', 'OTHER', '--name', '别家化工']);
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'OTHER', '--username', 'other-admin', '--roles', 'admin'], { ANJIAN_USER_PASSWORD: PW });
      other = await login(srv.url, 'other-admin', PW);
      const os = await A('POST', '/api/v1/sites', { code: 'OS1', name: '别家厂区' }, other);
      assert.equal(os.status, 201, os.text);
      r = await A('POST', '/api/v1/tags', { site_id: os.body.id, key: 'OS1.TK.level', name: '别家液位', unit: '%', kind: 'level', range_lo: 0, range_hi: 100 }, other);
      assert.equal(r.status, 201, r.text);
      otherTag = r.body;
    });
    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.log());
      cleanup(srv.db);
    });

    it('refuses to start with a wrong GB 18218 table, naming the problem', async () => {
      const table = readFileSync(join(ROOT, 'data', 'risk', 'gb18218.json'), 'utf8').replace('"7664-41-7"', '"7664-41-8"');
      const bad = tempFile('gb18218.json', table);
      const db = freshDatabase(backend);
      await assert.rejects(startServer(backend, { db, args: ['--gb18218', bad] }),
        (e) => e.message.includes('cannot load the major hazard table') && e.message.includes('"7664-41-8" has a wrong check digit (7664-41-7?)'));
      cleanup(db);
    });

    it('refuses a wrong unit with the precise message and writes nothing', async () => {
      const unit = (items, extra = {}) => ({ site_id: site.id, code: 'MH-BAD', name: '坏单元', kind: 'storage', people_500m: 10, items, ...extra });
      const cases = [
        [unit([{ substance: 'ammonia', q_t: 1 }, { substance: 'chlorine', q_t: 1 }, { substance: 'xyz', q_t: 1 }]),
          'items[2].substance: "xyz" is not in GB 18218 Table 1 (give a category code for an unnamed substance)'],
        [unit([{ substance: '液氨', q_t: -3 }]), 'items[0].q_t: must be from 0 to 1e+07 t, not -3'],
        [unit([{ substance: 'ammonia', q_t: 1 }], { colour: 'red' }), 'unknown field(s): colour'],
        [unit([{ substance: 'ammonia', q_t: 1, tank: 'T-109' }]), /^items\[0\]: unknown field\(s\): tank /],
        [unit([{ substance: 'ammonia', q_t: 1, tag_id: otherTag.id }]), `items[0].tag_id: no tag ${otherTag.id} in the enterprise`],
        [unit([{ substance: 'ammonia', category: 'W2', q_t: 1 }]), 'items[0].category: ammonia takes beta from Table 3; a category does not apply'],
        [unit([{ category: 'W99', q_t: 1 }]), /^items\[0\]\.category: "W99" is not a category of Table 2 \(J1, /],
        [unit([{ q_t: 1 }]), /^items\[0\]: give substance/],
        [unit([{ substance: 'ammonia', q_t: 1, factor: 2 }]), 'items[0].factor: converts an inventory reading; give tag_id too'],
        [unit([]), 'items: 1 to 128 substances the unit holds'],
        [unit([{ substance: 'ammonia', q_t: 1 }], { people_500m: -1 }), /^people_500m: /],
        [unit([{ substance: 'ammonia', q_t: 1 }], { kind: 'tank' }), /^kind: production .* or storage/],
        [unit([{ substance: 'ammonia', q_t: 1 }], { warn_threshold: 1.2 }), /^warn_threshold: /],
      ];
      const before = dbSnapshot(srv.db);
      for (const [body, message] of cases) {
        const r = await A('POST', '/api/v1/major-hazards', body);
        assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
        if (typeof message === 'string') assert.equal(r.body.error.message, message);
        else assert.match(r.body.error.message, message);
      }
      assert.deepEqual(dbSnapshot(srv.db), before);
    });

    it('assesses the hand-worked tank farm: NH₃ 8 t + Cl₂ 3 t, 120 people', async () => {
      const r = await A('POST', '/api/v1/major-hazards', {
        site_id: site.id, area_id: areas.TF2.id, code: 'MH-TF2', name: '液氨液氯罐区', kind: 'storage', people_500m: 120,
        items: [{ substance: '液氨', q_t: 8, note: 'T-109 + T-110' }, { substance: '7782-50-5', q_t: 3 }],
      });
      assert.equal(r.status, 201, r.text);
      const u = r.body;
      // by hand: α = 2.0 (≥ 100 people); S = 8/10 + 3/5 = 0.8 + 0.6 = 1.4 ≥ 1: major;
      // R = 2.0 × (2 × 0.8 + 4 × 0.6) = 2.0 × 4.0 = 8.0 < 10: level 4
      const alpha = 2.0, s = 8 / 10 + 3 / 5, rr = alpha * (2 * (8 / 10) + 4 * (3 / 5));
      near(u.design.alpha, alpha, 'alpha');
      near(u.design.s, s, 'S');
      near(u.design.r, rr, 'R');
      assert.equal(u.design.is_major, true);
      assert.equal(u.design.level, 4);
      assert.deepEqual(u.items.map((i) => i.substance_code), ['ammonia', 'chlorine']);
      assert.deepEqual(u.items.map((i) => i.name_zh), ['氨', '氯']);
      assert.deepEqual(u.design.items.map((i) => [i.critical_t, i.beta]), [[10, 2], [5, 4]]);
      near(u.design.items[0].ratio, 0.8, 'q/Q NH3');
      near(u.design.items[1].ratio, 0.6, 'q/Q Cl2');
      assert.equal(u.area_code, 'TF2');
      // no inventory tag: the live assessment is the declared one, and declaring a major unit is an event
      const live = await until('the live assessment', async () => (await A('GET', `/api/v1/major-hazards/${u.id}`)).body.live);
      near(live.s, s, 'live S');
      assert.equal(live.state, 'major');
      assert.equal(live.level, 4);
      assert.ok(live.items.every((i) => i.source === 'declared'));
      const ev = (await A('GET', `/api/v1/major-hazards/${u.id}/events`)).body.items;
      assert.deepEqual(ev.map((e) => [e.kind, e.level_before, e.level_after]), [['major', 0, 4]]);
      const list = (await A('GET', `/api/v1/major-hazards?site_id=${site.id}`)).body.items;
      assert.ok(list.some((x) => x.id === u.id && x.design.level === 4));
      const audit = (await A('GET', '/api/v1/audit?object_type=mh_unit&limit=50')).body.items;
      assert.ok(audit.some((a) => a.action === 'major_hazards.create' && a.object_id === String(u.id)));
      // PATCH: 200 people → still α 2.0; 15 t NH₃: S = 1.5 + 0.6 = 2.1, R = 2 × (2 × 1.5 + 4 × 0.6) = 10.8: level 3
      const p = await A('PATCH', `/api/v1/major-hazards/${u.id}`, { people_500m: 200, items: [{ substance: 'ammonia', q_t: 15 }, { substance: 'chlorine', q_t: 3 }] });
      assert.equal(p.status, 200, p.text);
      near(p.body.design.s, 2.1, 'S after PATCH');
      near(p.body.design.r, 10.8, 'R after PATCH');
      assert.equal(p.body.design.level, 3);
      assert.equal(p.body.code, 'MH-TF2');
      const ev2 = await until('the level change', async () => {
        const x = (await A('GET', `/api/v1/major-hazards/${u.id}/events`)).body.items;
        return x.length === 2 && x;
      });
      assert.deepEqual([ev2[0].kind, ev2[0].level_before, ev2[0].level_after], ['level_up', 4, 3]);
      const dup = await A('POST', '/api/v1/major-hazards', { site_id: site.id, code: 'MH-TF2', name: 'x', kind: 'storage', people_500m: 0, items: [{ substance: 'ammonia', q_t: 1 }] });
      assert.equal(dup.status, 409, dup.text);
    });

    it('assesses an unnamed substance by its category, and a Table 1 substance with another β category', async () => {
      const r = await A('POST', '/api/v1/major-hazards', {
        site_id: site.id, code: 'MH-PU1', name: '合成装置', kind: 'production', people_500m: 40, warn_threshold: 0.8,
        items: [{ category: 'W2', q_t: 6 }, { substance: '甲醇', category: 'W5.1', q_t: 250 }],
      });
      assert.equal(r.status, 201, r.text);
      // by hand: α = 1.2 (30–49 people); W2: Q 10, β 1.5 → 0.6; methanol: Q 500 (Table 1) with β 1.5 of W5.1 → 0.5
      // S = 1.1; R = 1.2 × (1.5 × 0.6 + 1.5 × 0.5) = 1.98: major, level 4
      near(r.body.design.alpha, 1.2, 'alpha');
      near(r.body.design.s, 0.6 + 0.5, 'S');
      near(r.body.design.r, 1.2 * (1.5 * 0.6 + 1.5 * 0.5), 'R');
      assert.deepEqual(r.body.design.items.map((i) => [i.critical_t, i.beta, i.beta_category]), [[10, 1.5, 'W2'], [500, 1.5, 'W5.1']]);
      assert.equal(r.body.items[0].substance_code, null);
      assert.equal(r.body.items[0].name_zh, '易燃气体 类别1和类别2');
      assert.equal(r.body.warn_threshold, 0.8);
      const t = (await A('GET', '/api/v1/gb18218')).body;
      assert.equal(t.standard, 'GB 18218-2018');
      const nh3 = t.substances.find((s) => s.code === 'ammonia');
      assert.deepEqual([nh3.critical_t, nh3.beta, nh3.cas, nh3.category], [10, 2, ['7664-41-7'], null]);
      assert.equal(t.substances.find((s) => s.code === 'methanol').category, 'W5.3');
      assert.equal(t.categories.length, 24);
    });

    it('keeps units in their enterprise', async () => {
      const mine = (await A('GET', '/api/v1/major-hazards')).body.items;
      assert.ok(mine.length >= 2);
      const id = mine[0].id;
      assert.deepEqual((await A('GET', '/api/v1/major-hazards', undefined, other)).body.items, []);
      for (const path of [`/api/v1/major-hazards/${id}`, `/api/v1/major-hazards/${id}/events`]) {
        const r = await A('GET', path, undefined, other);
        assert.equal(r.status, 404, `${path}: ${r.text}`);
      }
      const before = dbSnapshot(srv.db);
      const p = await A('PATCH', `/api/v1/major-hazards/${id}`, { people_500m: 0 }, other);
      assert.equal(p.status, 404, p.text);
      const c = await A('POST', '/api/v1/major-hazards', { site_id: site.id, code: 'MH-X', name: 'x', kind: 'storage', people_500m: 0, items: [{ substance: 'ammonia', q_t: 1 }] }, other);
      assert.equal(c.status, 400, c.text); // not their site
      assert.deepEqual(dbSnapshot(srv.db), before);
      const w = await A('POST', '/api/v1/major-hazards', { site_id: site.id, code: 'MH-Y', name: 'y', kind: 'storage', people_500m: 0, items: [{ substance: 'ammonia', q_t: 1 }] }, safety);
      assert.equal(w.status, 201, w.text); // safety managers keep the register (risks.write)
    });

    it('re-assesses live from the inventory tag: approaching, major, level up, level down, cleared; bad quality falls back', async () => {
      // T-109 inventory in m³ of liquid ammonia (0.6 t/m³); range 0–500 m³, so 30 m³ steps stay plausible
      const key = 'TF2.T-109.inventory';
      const tag = await A('POST', '/api/v1/tags', { site_id: site.id, key, name: '1#液氨储罐 存量', unit: 'm3', kind: 'level', range_lo: 0, range_hi: 500, asset_id: assets['T-109'].id });
      assert.equal(tag.status, 201, tag.text);
      await write(key, 10); // 6 t: S 0.6
      const r = await A('POST', '/api/v1/major-hazards', {
        site_id: site.id, area_id: areas.TF2.id, asset_id: assets['T-109'].id, code: 'MH-T109', name: '1#液氨储罐', kind: 'storage', people_500m: 120,
        items: [{ substance: 'ammonia', q_t: 300, tag_id: tag.body.id, factor: 0.6, offset_t: 0 }],
      });
      assert.equal(r.status, 201, r.text);
      const id = r.body.id;
      near(r.body.design.s, 30, 'design S');
      const get = async () => (await A('GET', `/api/v1/major-hazards/${id}`)).body;
      let u = await until('the first live assessment', async () => { const x = await get(); return x.live && x; });
      near(u.live.s, 0.6, 'live S at 10 m³');
      assert.equal(u.live.state, 'normal');
      assert.equal(u.live.items[0].source, 'tag');
      assert.equal(u.live.items[0].value, 10);
      const events = async () => (await A('GET', `/api/v1/major-hazards/${id}/events`)).body.items.reverse();
      assert.deepEqual(await events(), []);
      // NH₃ alone with α 2: S = q/10, R = 2 × 2 × q/10 = 0.4 q (q = 0.6 × reading)
      const steps = [
        [15.5, 'approaching', 0.93, 0.4 * 9.3, 0, 0], // 9.3 t: S 0.93 ≥ 0.9
        [18, 'major', 1.08, 0.4 * 10.8, 0, 4], // 10.8 t: S 1.08, R 4.32: level 4
        [45, 'level_up', 2.7, 0.4 * 27, 4, 3], // 27 t: R 10.8 ≥ 10: level 3
        [30, 'level_down', 1.8, 0.4 * 18, 3, 4], // 18 t: R 7.2 < 10 × 0.98: level 4
        [10, 'cleared', 0.6, 0.4 * 6, 4, 0], // back to 6 t
      ];
      for (let i = 0; i < steps.length; i++) {
        const [v, kind, s, rr, lb, la] = steps[i];
        await sleep(1100);
        await write(key, v);
        const ev = await until(`event ${kind}`, async () => { const x = await events(); return x.length === i + 1 && x; });
        const e = ev[i];
        assert.equal(e.kind, kind);
        near(e.s, s, `${kind} S`);
        near(e.r, rr, `${kind} R`);
        assert.deepEqual([e.level_before, e.level_after], [lb, la], kind);
      }
      u = await get();
      near(u.live.s, 0.6, 'live S back');
      assert.equal(u.live.state, 'normal');
      assert.equal(u.live.level, 0);
      // the same reading again: no new event (hysteresis)
      await sleep(1100);
      await write(key, 10.2);
      await until('the new reading', async () => (await get()).live.items[0].value === 10.2);
      await sleep(1500);
      assert.equal((await events()).length, 5);
      // notifications: one per event for the safety manager
      const notes = (await A('GET', '/api/v1/notifications?limit=100', undefined, safety)).body.items.filter((n) => n.text.startsWith('MH-T109'));
      assert.deepEqual(notes.map((n) => n.kind).reverse(),
        ['major_hazard_approaching', 'major_hazard_major', 'major_hazard_level_up', 'major_hazard_level_down', 'major_hazard_cleared']);
      const audit = (await A('GET', `/api/v1/audit?object_type=mh_unit&object_id=${id}&limit=50`)).body.items;
      const sys = audit.filter((a) => a.actor === 'system:major-hazard').map((a) => a.action).sort();
      assert.deepEqual(sys, ['major_hazards.approaching', 'major_hazards.cleared', 'major_hazards.level_down', 'major_hazards.level_up', 'major_hazards.major']);
      // a reading out of range is bad: the declared 300 t counts (S 30, R 120: level 1), and the item says why
      await sleep(1100);
      await write(key, 900);
      const ev = await until('the fall-back', async () => { const x = await events(); return x.length === 6 && x; });
      assert.deepEqual([ev[5].kind, ev[5].level_after], ['major', 1]);
      u = await get();
      assert.equal(u.live.items[0].source, 'declared');
      assert.match(u.live.items[0].reason, /quality bad \(out_of_range\)/);
      near(u.live.s, 30, 'live S on the declared quantity');
    });
  });
}
