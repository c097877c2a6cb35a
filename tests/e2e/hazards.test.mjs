// hazards.test.mjs — the hidden-danger ledger in the running server (docs/hazards.md): the
// closed loop report → register → rectify → accept → close with photos, each refusal
// (major without a plan, rectification by someone else or without evidence, acceptance or
// rejection by the rectifier, rejection without a reason), rejection sending it back,
// overdue escalation (the assignee at the deadline, then one level up), repeat linking and
// the KPIs; uploads judged by content, size-capped, stored outside the web root and served
// only to signed-in users, a refused upload storing nothing; audit of every step.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { backends, startServer, login, api, cleanup, ROOT } from './lib/server.mjs';

const PLANT = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
// A real 1×1 PNG and the start of a JPEG; a GIF for the wrong type.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e2b0b40000000049454e44ae426082', 'hex');
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.alloc(200, 7), Buffer.from('ffd9', 'hex')]);
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'binary');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const backend of backends()) {
  describe(`hidden dangers (${backend})`, { timeout: 300_000 }, () => {
    let srv, admin, site, area, users = {};
    const A = (method, path, body, who = admin) => api(srv.url, who.token, method, path, body);
    const upload = (id, bytes, type, who = users.reporter, stage = 'report') =>
      api(srv.url, who.token, 'POST', `/api/v1/hazards/${id}/photos?stage=${stage}`, bytes, { 'Content-Type': type });
    const uploads = () => {
      const dir = join(srv.db.dir, 'uploads'); // lib/server.mjs: --upload-dir
      return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : [];
    };

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await A('POST', '/api/v1/plant/import', JSON.stringify(PLANT))).status, 200);
      site = (await A('GET', '/api/v1/sites')).body.items[0];
      area = (await A('GET', '/api/v1/areas?limit=100')).body.items.find((x) => x.code === 'PH1');
      const people = (await A('GET', '/api/v1/people?limit=500')).body.items;
      const mk = async (name, roles, code) => {
        const p = people.find((x) => x.code === code);
        const r = await A('POST', '/api/v1/users', { username: name, display_name: name, password: `Pw-${name}-2026!`, roles, person_id: p.id });
        assert.equal(r.status, 201, r.text);
        users[name] = { ...(await login(srv.url, name, `Pw-${name}-2026!`)), id: r.body.id, person: p.id };
      };
      await mk('reporter', ['worker'], 'E2203');
      await mk('fixer', ['unit_leader'], 'E2101');
      await mk('lead2', ['unit_leader'], 'E2102');
      await mk('safety', ['safety_manager'], 'E2002');
    });

    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.log());
      cleanup(srv.db);
    });

    it('runs the closed loop with photos; refuses what the rules refuse; audits every step', async () => {
      let r = await A('POST', '/api/v1/hazards', { site_id: site.id, area_id: area.id, category: 'leak',
        description: 'P-102 机封滴漏，地面有油迹', x: 212, y: 150 }, users.reporter);
      assert.equal(r.status, 201, r.text);
      const h = r.body;
      assert.match(h.number, /^YH-\d{8}-\d{4}$/);
      assert.equal(h.state, 'reported');
      r = await upload(h.id, PNG, 'image/png');
      assert.equal(r.status, 201, r.text);
      r = await upload(h.id, JPEG, 'image/jpeg');
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.photos.length, 2);
      assert.equal(uploads().length, 2);
      // refused uploads store nothing
      r = await upload(h.id, GIF, 'image/gif');
      assert.equal(r.status, 415, r.text);
      r = await upload(h.id, GIF, 'image/png');
      assert.equal(r.status, 415, r.text);
      r = await upload(h.id, PNG, 'image/jpeg');
      assert.equal(r.status, 415, r.text);
      assert.match(r.body.error.message, /content is image\/png/);
      r = await upload(h.id, Buffer.concat([PNG, Buffer.alloc(8 * 1024 * 1024)]), 'image/png');
      assert.equal(r.status, 413, r.text);
      r = await upload(h.id, Buffer.alloc(0), 'image/png');
      assert.equal(r.status, 400, r.text);
      assert.equal(uploads().length, 2);
      assert.equal((await A('GET', `/api/v1/hazards/${h.id}`)).body.photos.length, 2);
      // served to signed-in users only, never from the web root
      const photo = (await A('GET', `/api/v1/hazards/${h.id}`)).body.photos[0];
      let g = await fetch(`${srv.url}/api/v1/hazard-photos/${photo.id}`, { headers: { Authorization: `Bearer ${users.fixer.token}` } });
      assert.equal(g.status, 200);
      assert.equal(g.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await g.arrayBuffer()), PNG);
      g = await fetch(`${srv.url}/api/v1/hazard-photos/${photo.id}`);
      assert.equal(g.status, 401);
      g = await fetch(`${srv.url}/${uploads()[0]}`);
      assert.equal(g.status, 404);
      // register: major needs the plan
      const deadline = new Date(Date.now() + 7 * 86400000).toISOString();
      r = await A('POST', `/api/v1/hazards/${h.id}/register`, { grade: 'major', assignee_id: users.fixer.id, deadline }, users.safety);
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.error.details.refusal, 'plan_required');
      const plan = { target: '消除 P-102 机封泄漏', method: '停泵更换机械密封', funds_materials: '机封备件 1 套，预算 1.2 万元',
        people_in_charge: '彭亮', deadline, safety_measures: '切断电源挂牌，上下游阀门关闭加盲板', emergency_plan: '泵房泄漏现场处置方案' };
      r = await A('POST', `/api/v1/hazards/${h.id}/register`, { grade: 'major', assignee_id: users.fixer.id, deadline, plan: { ...plan, method: '' } }, users.safety);
      assert.equal(r.body.error.details.refusal, 'plan_required');
      r = await A('POST', `/api/v1/hazards/${h.id}/register`, { grade: 'major', assignee_id: users.fixer.id, deadline, plan }, users.safety);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'registered');
      assert.equal(r.body.plan.method, plan.method);
      // rectify: only the assignee (or a manager), with evidence
      r = await A('POST', `/api/v1/hazards/${h.id}/rectify`, { rectification: '已处理' }, users.reporter);
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.error.details.refusal, 'not_assignee');
      r = await A('POST', `/api/v1/hazards/${h.id}/rectify`, {}, users.fixer);
      assert.equal(r.body.error.details.refusal, 'evidence_required');
      r = await A('POST', `/api/v1/hazards/${h.id}/rectify`, { rectification: '更换机封，试车 2 h 无泄漏' }, users.fixer);
      assert.equal(r.status, 200, r.text);
      r = await upload(h.id, JPEG, 'image/jpeg', users.fixer, 'rectification');
      assert.equal(r.status, 201, r.text);
      // acceptance: not by the rectifier; rejection needs a reason and sends it back
      r = await A('POST', `/api/v1/hazards/${h.id}/accept`, {}, users.fixer);
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.error.details.refusal, 'self_acceptance');
      r = await A('POST', `/api/v1/hazards/${h.id}/reject`, {}, users.safety);
      assert.equal(r.body.error.details.refusal, 'reason_required');
      r = await A('POST', `/api/v1/hazards/${h.id}/reject`, { reason: '地面油迹未清理' }, users.safety);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'registered');
      r = await A('POST', `/api/v1/hazards/${h.id}/rectify`, { rectification: '油迹已清理，设置接油盘' }, users.fixer);
      assert.equal(r.status, 200, r.text);
      r = await A('POST', `/api/v1/hazards/${h.id}/accept`, { comment: '现场验收合格' }, users.lead2);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'accepted');
      r = await A('POST', `/api/v1/hazards/${h.id}/close`, {}, users.safety);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'closed');
      assert.equal(r.body.photos.length, 3);
      const kinds = r.body.events.map((e) => e.kind);
      assert.deepEqual(kinds, ['report', 'photo', 'photo', 'register', 'rectify', 'photo', 'reject', 'rectify', 'accept', 'close']);
      const audit = await A('GET', `/api/v1/audit?object_type=hazard&object_id=${h.id}&limit=100`);
      const actions = audit.body.items.map((x) => x.action);
      for (const a of ['hazards.report', 'hazards.photo', 'hazards.register', 'hazards.rectify', 'hazards.reject', 'hazards.accept', 'hazards.close'])
        assert.ok(actions.includes(a), `${a} in ${actions}`);
      assert.ok(audit.body.items.some((x) => x.action === 'hazards.accept' && x.actor.includes('lead2')));
      r = await upload(h.id, PNG, 'image/png');
      assert.equal(r.status, 409, r.text); // closed
    });

    it('escalates by event time: each step stamped when it fell due, a past deadline caught up at once', async () => {
      const H = 3600e3, D = 24 * H;
      let r = await A('PUT', '/api/v1/hazard-policy', { escalate_after_h: 72, repeat_window_days: 90 }, users.safety);
      assert.equal(r.status, 200, r.text);
      // A hazard taken over from the paper ledger: its deadline was 7 days and 1 hour ago.
      r = await A('POST', '/api/v1/hazards', { site_id: site.id, category: 'guard', description: '联轴器护罩缺失', x: 30, y: 250 }, users.reporter);
      const id = r.body.id;
      const deadline = Math.floor((Date.now() - 7 * D - H) / 1000) * 1000;
      r = await A('POST', `/api/v1/hazards/${id}/register`, { grade: 'general', assignee_id: users.fixer.id,
        deadline: new Date(deadline).toISOString() }, users.safety);
      assert.equal(r.status, 200, r.text);
      // due: level 1 at the deadline, 2 at +3 d, 3 at +6 d; level 4 (+9 d) lies in the future
      const h = await until('three escalation steps', async () => {
        const x = (await A('GET', `/api/v1/hazards/${id}`)).body;
        return x.escalation >= 3 ? x : null;
      });
      assert.equal(h.is_overdue, true);
      const steps = h.events.filter((e) => e.kind === 'overdue' || e.kind === 'escalated');
      assert.deepEqual(steps.map((e) => [e.kind, e.detail.level, e.detail.notify, Date.parse(e.at), e.actor]), [
        ['overdue', 1, 'assignee', deadline, 'system:escalation'],
        ['escalated', 2, 'unit_leader', deadline + 3 * D, 'system:escalation'],
        ['escalated', 3, 'safety_manager', deadline + 6 * D, 'system:escalation'],
      ]);
      await sleep(4500); // two more engine checks: level 4 is not due before deadline + 9 d
      assert.equal((await A('GET', `/api/v1/hazards/${id}`)).body.escalation, 3);
      const note = async (u, kind) => (await A('GET', '/api/v1/notifications', undefined, u)).body.items
        .filter((x) => x.kind === kind && x.hazard_id === id).map((x) => Date.parse(x.created_at));
      assert.deepEqual(await note(users.fixer, 'hazard_overdue'), [deadline]);
      assert.deepEqual(await note(users.lead2, 'hazard_escalated'), [deadline + 3 * D]); // level 2: the unit leaders
      assert.deepEqual(await note(users.safety, 'hazard_escalated'), [deadline + 6 * D]); // level 3: the safety managers
      const audit = await A('GET', `/api/v1/audit?object_type=hazard&object_id=${id}&limit=100`);
      const esc = audit.body.items.filter((x) => x.actor === 'system:escalation').map((x) => x.action).sort();
      assert.deepEqual(esc, ['hazards.escalate', 'hazards.escalate', 'hazards.overdue']);
      const list = await A('GET', '/api/v1/hazards?overdue=1');
      assert.ok(list.body.items.some((x) => x.id === id));

      // A live deadline: the assignee is told when it passes, nobody above before 3 days more.
      r = await A('POST', '/api/v1/hazards', { site_id: site.id, category: 'guard', description: '皮带机护栏松动', x: 34, y: 250 }, users.reporter);
      const id2 = r.body.id;
      const deadline2 = Date.now() + 1500;
      r = await A('POST', `/api/v1/hazards/${id2}/register`, { grade: 'general', assignee_id: users.fixer.id,
        deadline: new Date(deadline2).toISOString() }, users.safety);
      assert.equal((await A('GET', `/api/v1/hazards/${id2}`)).body.escalation, 0);
      const h2 = await until('the deadline passing', async () => {
        const x = (await A('GET', `/api/v1/hazards/${id2}`)).body;
        return x.escalation >= 1 ? x : null;
      });
      assert.equal(h2.escalation, 1);
      assert.equal(Date.parse(h2.events.find((e) => e.kind === 'overdue').at), deadline2);
    });

    it('links repeats at the same place and category and reports the KPIs', async () => {
      const mk = (body) => A('POST', '/api/v1/hazards', { site_id: site.id, ...body }, users.reporter);
      const a = (await mk({ area_id: area.id, category: 'housekeeping', description: '通道堆放杂物' })).body;
      const b = (await mk({ area_id: area.id, category: 'housekeeping', description: '通道又有杂物' })).body;
      const c = (await mk({ area_id: area.id, category: 'electrical', description: '防爆接线盒盖未拧紧' })).body;
      assert.equal(a.repeat_of_id, null);
      assert.equal(b.repeat_of_id, a.id);
      assert.equal(c.repeat_of_id, null);
      assert.equal((await A('GET', `/api/v1/hazards/${a.id}`)).body.n_repeats, 1);
      const reps = (await A('GET', '/api/v1/hazards?repeat=1&state=all')).body.items.map((x) => x.id);
      assert.ok(reps.includes(a.id) && reps.includes(b.id) && !reps.includes(c.id));
      const k = (await A('GET', '/api/v1/hazard-kpi')).body;
      assert.equal(k.total, 6);
      assert.equal(k.rectified, 1);
      assert.equal(k.on_time, 1);
      assert.equal(k.repeats, 1);
      assert.equal(k.overdue, 2); // both hazards of the escalation case
      assert.equal(k.repeat_rate, 1 / 6);
    });

    it('answers bad reports with a precise 400 and stores nothing', async () => {
      const before = (await A('GET', '/api/v1/hazards?state=all')).body.items.length;
      for (const [body, re] of [
        [{ site_id: site.id, category: 'x' }, /description/],
        [{ site_id: site.id, category: 'x', description: 'y' }, /place/],
        [{ site_id: site.id, category: 'x', description: 'y', area_id: 999999 }, /area_id/],
        [{ site_id: site.id, category: 'x', description: 'y', x: 1 }, /x, y/],
        [{ site_id: site.id, category: 'x', description: 'y', x: 1, y: 2, colour: 'red' }, /colour/],
      ]) {
        const r = await A('POST', '/api/v1/hazards', body, users.reporter);
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.error.message + JSON.stringify(r.body.error.details || ''), re);
      }
      assert.equal((await A('GET', '/api/v1/hazards?state=all')).body.items.length, before);
    });
  });
}
