// inspections.test.mjs — inspections (巡检) in the running server (docs/inspections.md):
// checkpoints with NFC UIDs and QR tokens; shift patterns; a plan on a major risk point
// whose frequency follows the risk level (every shift; monthly once re-assessed low) and
// whose check list comes from the point's control measures; the engine making the task of
// the current shift; scans by NFC and QR judged (not yours, not on the route, twice, bad
// answers, unknown code); an abnormal reading with a finding turned into a hidden danger
// in one step; a task done; a minute-interval plan left alone found missed at its window's
// end (event time) with the assignee and the department's unit leader told and
// system:inspection in the audit log; scans of a missed task refused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends, startServer, login, api, cleanup, ROOT } from './lib/server.mjs';

const PLANT = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
const H = 3600e3;

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The default shift (00:00, 08:00, 16:00 Beijing time) holding instant t.
function beijingShift(t) {
  const local = t + 8 * H;
  const day = Math.floor(local / (24 * H)) * 24 * H;
  const start = day + Math.floor((local - day) / (8 * H)) * 8 * H;
  return [start - 8 * H, start];
}

for (const backend of backends()) {
  describe(`inspections (${backend})`, { timeout: 300_000 }, () => {
    let srv, admin, site, areas, orgs, users = {}, cps = {}, risk, minutePlan;
    const A = (method, path, body, who = admin) => api(srv.url, who.token, method, path, body);

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await A('POST', '/api/v1/plant/import', JSON.stringify(PLANT))).status, 200);
      site = (await A('GET', '/api/v1/sites')).body.items[0];
      areas = Object.fromEntries((await A('GET', '/api/v1/areas?limit=100')).body.items.map((a) => [a.code, a]));
      orgs = Object.fromEntries((await A('GET', '/api/v1/organisations?limit=100')).body.items.map((o) => [o.code, o]));
      const people = (await A('GET', '/api/v1/people?limit=500')).body.items;
      const mk = async (name, roles, code, org) => {
        const p = people.find((x) => x.code === code);
        const r = await A('POST', '/api/v1/users', { username: name, display_name: name, password: `Pw-${name}-2026!`,
          roles, person_id: p.id, org_id: orgs[org].id });
        assert.equal(r.status, 201, r.text);
        users[name] = { ...(await login(srv.url, name, `Pw-${name}-2026!`)), id: r.body.id, person: p.id };
      };
      await mk('planner', ['safety_manager'], 'E1002', 'SAFETY');
      await mk('op1', ['operator'], 'E2103', 'CCR');
      await mk('op2', ['operator'], 'E2104', 'RXN');
      await mk('lead', ['unit_leader'], 'E2101', 'CCR');
      for (const [code, area, uid] of [['XJ-01', 'TF1', '04:a2:2b:1a:7c:5d:80'], ['XJ-02', 'TF1', null], ['XJ-03', 'PU1', '0A0B0C0D']]) {
        const r = await A('POST', '/api/v1/inspection-checkpoints', { site_id: site.id, code, name: `巡检点 ${code}`,
          area_id: areas[area].id, x: 100 + code.length, y: 50, ...(uid ? { nfc_uid: uid } : {}) }, users.planner);
        assert.equal(r.status, 201, r.text);
        cps[code] = r.body;
      }
      // A one-minute round nobody walks: found missed at the end of its window.
      const r = await A('POST', '/api/v1/inspection-plans', { site_id: site.id, name: '每分钟巡检（无人执行）',
        frequency: 'interval', interval_min: 1, org_id: orgs.CCR.id, assignee_id: users.op1.id,
        route: [{ checkpoint_id: cps['XJ-03'].id, items: [{ text: '现场无异常', kind: 'check' }] }] }, users.planner);
      assert.equal(r.status, 201, r.text);
      minutePlan = r.body;
    });

    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.log());
      cleanup(srv.db);
    });

    it('keeps checkpoints with a normalised NFC UID and a QR token; refuses bad ones and stores nothing', async () => {
      assert.equal(cps['XJ-01'].nfc_uid, '04A22B1A7C5D80');
      assert.match(cps['XJ-02'].qr_text, /^AJCP:[0-9a-f]{32}$/);
      assert.equal(cps['XJ-02'].nfc_uid, null);
      assert.equal(cps['XJ-01'].area_code, 'TF1');
      const before = (await A('GET', `/api/v1/inspection-checkpoints?site_id=${site.id}`)).body.items.length;
      for (const [body, status, re] of [
        [{ site_id: site.id, code: 'XJ-01', name: 'dup' }, 409, /XJ-01/],
        [{ site_id: site.id, code: 'XJ-09', name: 'dup tag', nfc_uid: '04a22b1a7c5d80' }, 409, /04A22B1A7C5D80/],
        [{ site_id: site.id, code: 'XJ-10', name: 'bad tag', nfc_uid: 'zz:01' }, 400, /nfc_uid/],
        [{ site_id: site.id, code: 'XJ-11', name: 'x', area_id: 999999 }, 400, /area_id: not on site/],
        [{ site_id: site.id, code: 'XJ-12', name: 'x', colour: 'red' }, 400, /colour/],
        [{ site_id: site.id, code: 'XJ-13' }, 400, /name/],
      ]) {
        const r = await A('POST', '/api/v1/inspection-checkpoints', body, users.planner);
        assert.equal(r.status, status, r.text);
        assert.match(r.body.error.message, re);
      }
      const r = await A('POST', '/api/v1/inspection-checkpoints', { site_id: site.id, code: 'XJ-14', name: 'x' }, users.op1);
      assert.equal(r.status, 403, r.text); // operators perform, they do not plan
      assert.equal((await A('GET', `/api/v1/inspection-checkpoints?site_id=${site.id}`)).body.items.length, before);
    });

    it('keeps the shift pattern of a site, checked', async () => {
      let r = await A('GET', `/api/v1/inspection-shifts?site_id=${site.id}`);
      assert.deepEqual([r.body.starts, r.body.is_default], [['00:00', '08:00', '16:00'], true]);
      r = await A('PUT', '/api/v1/inspection-shifts', { site_id: site.id, starts: ['08:00', '25:00'] }, users.planner);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.message, 'starts[1]: "25:00" is not a time of day HH:MM');
      r = await A('PUT', '/api/v1/inspection-shifts', { site_id: site.id, starts: ['16:00', '00:00', '08:00'] }, users.planner);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.starts, ['00:00', '08:00', '16:00']);
      assert.equal((await A('GET', `/api/v1/inspection-shifts?site_id=${site.id}`)).body.is_default, false);
    });

    it('plans by risk level, makes the shift task, judges scans and turns a finding into a hazard', async () => {
      let r = await A('POST', '/api/v1/risk-points', { site_id: site.id, area_id: areas.TF1.id, kind: 'equipment',
        name: '液氨储罐区', hazards: ['泄漏中毒'], method: 'matrix', inherent: { likelihood: 5, severity: 5 },
        residual: { likelihood: 4, severity: 5 }, control_level: 'workshop', review_cycle_days: 180,
        measures: [{ kind: 'engineering', text: '氨气检测报警仪完好', control_level: 'workshop' },
          { kind: 'management', text: '储罐液位在正常范围', control_level: 'crew' }] });
      assert.equal(r.status, 201, r.text);
      risk = r.body;
      assert.equal(risk.residual_level, 'major');
      // without a check list nor a frequency: one item per control measure, every shift
      r = await A('POST', '/api/v1/inspection-plans', { site_id: site.id, name: '液氨罐区巡检', risk_point_id: risk.id,
        org_id: orgs.CCR.id, route: [{ checkpoint_id: cps['XJ-01'].id },
          { checkpoint_id: cps['XJ-02'].id, items: [{ text: '罐压', kind: 'reading', lo: 0.2, hi: 1.2, unit: 'MPa' },
            { measure_id: risk.measures[1].id }] }] }, users.planner);
      assert.equal(r.status, 201, r.text);
      const plan = r.body;
      assert.equal(plan.frequency_source, 'risk_level');
      assert.equal(plan.effective_frequency, 'shift');
      assert.deepEqual(plan.route[0].items.map((x) => [x.text, x.kind, x.measure_id]),
        [['氨气检测报警仪完好', 'check', risk.measures[0].id], ['储罐液位在正常范围', 'check', risk.measures[1].id]]);
      assert.deepEqual(plan.route[1].items.map((x) => x.text), ['罐压', '储罐液位在正常范围']);
      for (const [body, re] of [
        [{ route: [{ checkpoint_id: cps['XJ-02'].id }] }, /route\[0\]\.items: a check list/], // no risk point: no measures
        [{ frequency: 'hourly' }, /frequency: interval, shift, day, week or month/],
        [{ frequency: 'interval' }, /interval_min/],
        [{ route: [{ checkpoint_id: cps['XJ-01'].id, items: [{ text: 'p', kind: 'reading', lo: 2, hi: 1 }] }] }, /items\[0\]\.lo: above hi/],
        [{ route: [{ checkpoint_id: cps['XJ-01'].id, items: [{ text: 'a' }] }, { checkpoint_id: cps['XJ-01'].id, items: [{ text: 'a' }] }] }, /route\[1\]\.checkpoint_id: checkpoint \d+ is on the route twice/],
      ]) {
        const b = { site_id: site.id, name: 'bad', frequency: 'day', route: [{ checkpoint_id: cps['XJ-01'].id, items: [{ text: '完好' }] }], ...body };
        r = await A('POST', '/api/v1/inspection-plans', b, users.planner);
        assert.equal(r.status, 400, `${JSON.stringify(body)} ${r.text}`);
        assert.match(r.body.error.message, re);
      }

      const t0 = Date.now();
      const task = await until('the shift task', async () =>
        (await A('GET', `/api/v1/inspection-tasks?plan_id=${plan.id}`)).body.items[0]);
      const [ws, we] = beijingShift(t0);
      assert.equal(Date.parse(task.window_start), ws);
      assert.equal(Date.parse(task.window_end), we);
      assert.deepEqual([task.state, task.n_points, task.n_scanned, task.org_name], ['open', 2, 0, orgs.CCR.name]);
      assert.ok((await A('GET', '/api/v1/inspection-tasks?mine=1&state=active', undefined, users.op1)).body.items.some((x) => x.id === task.id));
      assert.ok(!(await A('GET', '/api/v1/inspection-tasks?mine=1', undefined, users.op2)).body.items.some((x) => x.id === task.id));

      const scan = (body, who = users.op1) => A('POST', `/api/v1/inspection-tasks/${task.id}/scans`, body, who);
      const ok2 = [{ ok: true }, { ok: true }];
      for (const [who, body, status, refusal, re] of [
        [users.op2, { method: 'nfc', code: '04A22B1A7C5D80', results: ok2 }, 409, 'not_yours', /assigned to someone else/],
        [users.op1, { method: 'nfc', code: '0a:0b:0c:0d', results: ok2 }, 409, 'not_on_route', /XJ-03 is not on its route/],
        [users.op1, { method: 'nfc', code: 'FFFFFFFF', results: ok2 }, 400, null, /no checkpoint of your enterprise has NFC tag FFFFFFFF/],
        [users.op1, { method: 'qr', code: 'AJCP:nope', results: ok2 }, 400, null, /QR code/],
        [users.op1, { method: 'nfc', code: '04A22B1A7C5D80', results: [{ ok: true }] }, 400, null, /one answer per check-list item \(2\)/],
        [users.op1, { method: 'nfc', code: '04A22B1A7C5D80', results: [{ ok: true }, { value: 3 }] }, 400, null, /results\[1\]: a check needs ok/],
        [users.op1, { method: 'bluetooth', code: 'x', results: ok2 }, 400, null, /method: nfc or qr/],
        [users.op1, { method: 'nfc', code: '04A22B1A7C5D80', results: ok2, finding: { category: 'leak' } }, 400, null, /finding.description/],
      ]) {
        r = await scan(body, who);
        assert.equal(r.status, status, r.text);
        if (refusal) assert.equal(r.body.error.details.refusal, refusal);
        assert.match(r.body.error.message, re);
      }
      assert.equal((await A('GET', `/api/v1/inspection-tasks/${task.id}`)).body.n_scanned, 0); // nothing written

      // the NFC tag read as the phone gives it (lower case, colons)
      r = await scan({ method: 'nfc', code: '04:a2:2b:1a:7c:5d:80', results: [{ ok: true }, { ok: true, note: '液位 62%' }] });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual([r.body.state, r.body.n_scanned, r.body.scan.checkpoint, r.body.scan.n_abnormal], ['in_progress', 1, 'XJ-01', 0]);
      r = await scan({ method: 'nfc', code: '04A22B1A7C5D80', results: ok2 });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.details.refusal, 'already_scanned');

      // the QR point: the pressure reads 1.5 MPa (above 1.2) and the inspector reports a finding
      const hazardsBefore = (await A('GET', '/api/v1/hazards?state=all')).body.items.length;
      r = await scan({ method: 'qr', code: cps['XJ-02'].qr_text, results: [{ value: 1.5 }, { ok: true }],
        finding: { category: 'overpressure', description: '2# 液氨罐压力 1.5 MPa 超上限', cause: '安全阀起跳压力偏高' } });
      assert.equal(r.status, 201, r.text);
      const done = r.body;
      assert.deepEqual([done.state, done.n_scanned, done.n_findings, done.scan.n_abnormal], ['done', 2, 1, 1]);
      assert.match(done.scan.hazard_number, /^YH-\d{8}-\d{4}$/);
      assert.deepEqual(done.route[1].scan.results.map((x) => x.abnormal), [true, false]);
      const hz = (await A('GET', `/api/v1/hazards/${done.scan.hazard_id}`)).body;
      assert.deepEqual([hz.source, hz.state, hz.category, hz.area_code, hz.reported_by], ['inspection', 'reported', 'overpressure', 'TF1', 'op1']);
      assert.equal(hz.events[0].detail.inspection_task_id, task.id);
      assert.equal(hz.events[0].detail.checkpoint, 'XJ-02');
      assert.equal((await A('GET', '/api/v1/hazards?state=all')).body.items.length, hazardsBefore + 1);
      r = await scan({ method: 'nfc', code: '04A22B1A7C5D80', results: ok2 });
      assert.equal(r.body.error.details.refusal, 'already_scanned');
      const audit = (await A('GET', `/api/v1/audit?object_type=inspection_task&object_id=${task.id}&limit=10`)).body.items;
      assert.deepEqual(audit.map((x) => [x.action, x.actor.includes('op1')]), [['inspections.scan', true], ['inspections.scan', true]]);

      // re-assessed low: the plan follows, monthly from its next window
      r = await A('PATCH', `/api/v1/risk-points/${risk.id}`, { site_id: site.id, area_id: areas.TF1.id, kind: 'equipment',
        name: '液氨储罐区', hazards: ['泄漏中毒'], method: 'matrix', inherent: { likelihood: 5, severity: 5 },
        residual: { likelihood: 1, severity: 3 }, control_level: 'workshop', review_cycle_days: 180,
        measures: [{ kind: 'engineering', text: '氨气检测报警仪完好', control_level: 'workshop' },
          { kind: 'engineering', text: '紧急切断阀联锁投用', control_level: 'workshop' }] });
      assert.equal(r.status, 200, r.text);
      assert.equal((await A('GET', `/api/v1/inspection-plans/${plan.id}`)).body.effective_frequency, 'month');
      // paused and given its own frequency by PATCH
      r = await A('PATCH', `/api/v1/inspection-plans/${plan.id}`, { is_active: false, frequency: 'day' }, users.planner);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual([r.body.is_active, r.body.frequency_source, r.body.effective_frequency, r.body.route.length], [false, 'set', 'day', 2]);
    });

    it('finds a task missed at its window end, tells the assignee and the unit leader, and refuses late scans', async () => {
      const first = await until('the minute task', async () =>
        (await A('GET', `/api/v1/inspection-tasks?plan_id=${minutePlan.id}`)).body.items.at(-1));
      assert.equal(Date.parse(first.window_end) - Date.parse(first.window_start), 60e3);
      const missed = await until('the missed task', async () => {
        const t = (await A('GET', `/api/v1/inspection-tasks/${first.id}`)).body;
        return t.state === 'missed' ? t : null;
      }, 90_000);
      assert.equal(missed.ended, missed.window_end); // stamped with the window's end, not the check's time
      assert.equal(missed.n_scanned, 0);
      const notes = async (u) => (await A('GET', '/api/v1/notifications', undefined, u)).body.items
        .filter((x) => x.kind === 'inspection_missed' && x.inspection_task_id === first.id);
      for (const u of [users.op1, users.lead]) {
        const n = await notes(u);
        assert.equal(n.length, 1, JSON.stringify(n));
        assert.equal(n[0].created_at, missed.window_end);
      }
      assert.equal((await notes(users.op2)).length, 0); // another department
      const audit = (await A('GET', `/api/v1/audit?object_type=inspection_task&object_id=${first.id}`)).body.items;
      assert.deepEqual(audit.map((x) => [x.action, x.actor]), [['inspections.missed', 'system:inspection']]);
      const r = await A('POST', `/api/v1/inspection-tasks/${first.id}/scans`, { method: 'nfc', code: '0A0B0C0D', results: [{ ok: true }] }, users.op1);
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.error.details.refusal, 'window_closed');
      // the next window has its own task
      const next = await until('the next minute task', async () =>
        (await A('GET', `/api/v1/inspection-tasks?plan_id=${minutePlan.id}`)).body.items.find((t) => Date.parse(t.window_start) >= Date.parse(first.window_end)));
      assert.ok(['open', 'missed'].includes(next.state));
      const k = (await A('GET', `/api/v1/inspection-tasks?plan_id=${minutePlan.id}&state=missed`)).body.items;
      assert.ok(k.some((t) => t.id === first.id));
    });

    it('reports the inspection completion rate by department beside the hazard KPIs', async () => {
      // the minute round goes on deciding tasks: read the tasks before and after the KPI and
      // keep a reading where nothing changed in between
      const from = new Date(Date.now() - 3 * H).toISOString().slice(0, 10);
      const decidedNow = async () => (await A('GET', '/api/v1/inspection-tasks?limit=1000')).body.items
        .filter((t) => t.state === 'done' || t.state === 'missed').map((t) => `${t.id}:${t.state}`).sort().join();
      let r, decided;
      await until('a steady reading', async () => {
        const before = await decidedNow();
        r = await A('GET', `/api/v1/hazard-kpi?group=department&from=${from}`);
        const after = await decidedNow();
        decided = after ? after.split(',') : [];
        return before === after;
      });
      assert.equal(decided.filter((t) => t.endsWith(':done')).length, 1); // the shift task of the first plan
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.inspection_total, decided.length);
      assert.equal(r.body.inspection_done, 1);
      assert.equal(r.body.inspection_completion_rate, 1 / decided.length);
      const ccr = r.body.groups.find((g) => g.org_id === orgs.CCR.id);
      assert.deepEqual([ccr.inspection_total, ccr.inspection_done], [decided.length, 1]); // every task is CCR's
      await until('a steady reading by day', async () => {
        const before = await decidedNow();
        r = await A('GET', `/api/v1/hazard-kpi?group=period&period=day&from=${from}`);
        const after = await decidedNow();
        decided = after ? after.split(',') : [];
        return before === after;
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.groups.reduce((a, g) => a + g.inspection_total, 0), decided.length);
    });
  });
}
