// incidents.test.mjs — the failure-mode reasoner in the running server, on each backend
// (docs/reasoning.md): the domain's seal example fed by the simulator over /write becomes
// exactly one high-priority incident on P-101 with its three pieces of evidence; the
// low-priority limit alarms on the same three signals are suppressed by design (kept in the
// journal, listed as the incident's fragments, not in the operator's list); the same data
// at another speed gives the same incident; the life cycle acknowledge → handle → resolve →
// review with its 409s, timeline, audit and live event; resolving releases the alarms; a
// sensor check that was the first sign of an incident is resolved as explained by it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { backends, startServer, login, api, cleanup, cliOk, assertNoSanitizerReport, BIN, ROOT } from './lib/server.mjs';

const START = '2026-12-01T00:00:00Z';
const SCENARIO = join(ROOT, 'scenarios', 'seal-failure-P-101.json'); // onset +1 h, failed at +3 h
const SIGNALS = ['seal_temp', 'vib_2x', 'ir_max'];

function runSim(url, token, speed, duration, scenario = SCENARIO) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['sim', '--plant', join(ROOT, 'plants', 'demo-chemical.json'), '--scenario', scenario,
      '--start', START, '--duration', duration, '--step', '1s', '--seed', '1', '--speed', speed,
      '--url', url, '--token', token], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => {
      assertNoSanitizerReport('anjian sim', err);
      if (code === 0) resolve(err); else reject(new Error(`anjian sim exited ${code}:\n${err}`));
    });
  });
}

/** The SSE stream of incident events (alarms=0), collected as text until close(). */
function collectEvents(base, token) {
  const chunks = [];
  const req = http.get(`${base}/api/v1/events?alarms=0`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (d) => chunks.push(d));
    res.on('error', () => {});
  });
  req.on('error', () => {});
  return { text: () => chunks.join(''), close: () => req.destroy() };
}

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The plant with low-priority H alarms on P-101's three seal signals, as a plant would have
// them: they are what the operator used to see as three separate fragments.
async function setUp(backend, args = []) {
  const srv = await startServer(backend, { args });
  const admin = await login(srv.url, 'admin', srv.adminPassword);
  const imp = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import',
    readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
  assert.equal(imp.status, 200, imp.text);
  const tags = {};
  for (const role of SIGNALS) {
    const r = await api(srv.url, admin.token, 'GET', `/api/v1/tags?key=JS01.P-101.${role}`);
    assert.equal(r.status, 200, r.text);
    tags[role] = r.body.items[0].id;
  }
  const limits = { seal_temp: 46, vib_2x: 1.5, ir_max: 33 };
  for (const role of SIGNALS) {
    const r = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tags[role]}/alarms`,
      { alarms: [{ kind: 'h', priority: 'low', setpoint: limits[role], deadband: 0.5 }] });
    assert.equal(r.status, 200, r.text);
  }
  return { srv, admin, tags };
}

async function incidentsOf(srv, token) {
  // the engine applies the last batches and writes; wait until the list is stable
  let last = '';
  let items = [];
  for (let stable = 0; stable < 5;) {
    await new Promise((r) => setTimeout(r, 400));
    const r = await api(srv.url, token, 'GET', '/api/v1/incidents?state=all');
    assert.equal(r.status, 200, r.text);
    items = r.body.items;
    const key = JSON.stringify(items.map((i) => [i.id, i.level, i.updated]));
    stable = key === last ? stable + 1 : 0;
    last = key;
  }
  return items;
}

for (const backend of backends()) {
  describe(`incidents (${backend})`, () => {
    let ctx;
    before(async () => { ctx = await setUp(backend); });
    after(async () => { if (ctx) { await ctx.srv.stop(); cleanup(ctx.srv.db); } });

    it('the seal example is one high-priority incident with three pieces of evidence, its alarms folded in', { timeout: 240000 }, async () => {
      const { srv, admin, tags } = ctx;
      // live incident events on the stream while the data flows (node:http, closed by
      // destroy(): the same on every Node version)
      const events = collectEvents(srv.url, admin.token);
      await runSim(srv.url, admin.token, 'max', '4h');
      const items = await incidentsOf(srv, admin.token);
      events.close();
      const process = items.filter((i) => i.kind === 'process');
      assert.equal(process.length, 1, JSON.stringify(items.map((i) => [i.mode, i.scope_code, i.level])));
      const inc = process[0];
      assert.equal(inc.mode, 'pump_seal_failure');
      assert.equal(inc.scope_code, 'P-101');
      assert.equal(inc.priority, 'high');
      assert.equal(inc.level, 'diagnosis');
      assert.equal(inc.state, 'open');
      assert.ok(inc.confidence >= 0.9, String(inc.confidence));
      const present = inc.evidence.filter((e) => e.state === 'present');
      assert.deepEqual(present.map((e) => e.signal).sort(), [...SIGNALS].sort());
      for (const e of present) assert.ok(e.tag.startsWith('JS01.P-101.'), e.tag);
      assert.ok(inc.actions.length >= 1 && inc.actions[0].en && inc.actions[0].zh);
      assert.ok(inc.reference);
      // opened before the seal failed (+3 h), with a time to failure
      assert.ok(Date.parse(inc.opened) < Date.parse(START) + 3 * 3600e3, inc.opened);
      assert.ok(inc.ttf_hours > 0, String(inc.ttf_hours));
      assert.ok(Date.parse(inc.failure_at) > Date.parse(inc.updated), inc.failure_at);
      assert.ok(inc.warn_at > 0 && inc.warn_at < inc.diagnose_at && inc.diagnose_at < 1);
      assert.ok(inc.confidence >= inc.diagnose_at);
      assert.ok(events.text().includes('event: incident'), 'an incident event on the live stream');
      assert.ok(!events.text().includes('event: alarm'), 'alarms=0: incident events only');

      // the three limit alarms: active in the journal, suppressed by the incident, not in the operator's view
      const one = await api(srv.url, admin.token, 'GET', `/api/v1/incidents/${inc.id}`);
      assert.equal(one.status, 200, one.text);
      assert.ok(Date.parse(one.body.reasoner_time) >= Date.parse(START) + 4 * 3600e3 - 10e3, one.body.reasoner_time);
      assert.deepEqual(one.body.timeline.map((t) => t.kind).slice(0, 1), ['opened']);
      const fragments = one.body.suppressed_alarms.filter((f) => f.cause === 'suppress');
      assert.deepEqual([...new Set(fragments.map((f) => f.tag_key.split('.')[2]))].sort(), [...SIGNALS].sort());
      const alarms = await api(srv.url, admin.token, 'GET', '/api/v1/alarms?state=all');
      for (const role of SIGNALS) {
        const a = alarms.body.items.find((x) => x.tag_id === tags[role] && x.kind === 'h');
        assert.ok(a, role);
        assert.equal(a.state, 'suppressed', `${role}: ${a.state}`);
        assert.equal(a.is_condition_active, true, role);
      }
    });

    it('the same data at another speed gives the same incident; unacknowledged, it is escalated', { timeout: 240000 }, async () => {
      const other = await setUp(backend, ['--incident-ack-s', '1']);
      try {
        await runSim(other.srv.url, other.admin.token, '400', '4h');
        const a = (await incidentsOf(ctx.srv, ctx.admin.token)).filter((i) => i.kind === 'process');
        const b = (await incidentsOf(other.srv, other.admin.token)).filter((i) => i.kind === 'process');
        // What the reasoner decided while the data flowed: the incident and its timeline up to
        // the end of the data (after it, each server's idle time differs: 60 s without data
        // and the evidence turns unknown, a 'data_lost' entry).
        const END = Date.parse(START) + 4 * 3600e3;
        const shape = async (s, token, i) => {
          const one = (await api(s.url, token, 'GET', `/api/v1/incidents/${i.id}`)).body;
          return [i.mode, i.scope_code, i.level, i.opened, i.diagnosed,
            one.timeline.filter((t) => t.actor === 'reasoner' && Date.parse(t.t) <= END && t.kind !== 'escalated')
              .map((t) => [t.kind, t.t, t.detail && t.detail.level, t.detail && t.detail.confidence.toFixed(6),
                (t.detail && t.detail.evidence || []).map((e) => [e.id, e.state, e.since])])];
        };
        const sa = await Promise.all(a.map((i) => shape(ctx.srv, ctx.admin.token, i)));
        const sb = await Promise.all(b.map((i) => shape(other.srv, other.admin.token, i)));
        assert.deepEqual(sb, sa);
        // not acknowledged within 1 s: escalated step by step (unit leader, safety manager, administrators)
        const id = b[0].id;
        const done = await until('escalation to level 2', async () => {
          const r = await api(other.srv.url, other.admin.token, 'GET', `/api/v1/incidents/${id}`);
          return r.body.escalation >= 2 ? r.body : null;
        }, 30000);
        const steps = done.timeline.filter((t) => t.kind === 'escalated');
        assert.deepEqual(steps.slice(0, 2).map((t) => [t.detail.level, t.detail.notify]),
          [[1, 'unit_leader'], [2, 'safety_manager']]);
        const ack = await api(other.srv.url, other.admin.token, 'POST', `/api/v1/incidents/${id}/acknowledge`, {});
        assert.equal(ack.status, 200, ack.text);
        await new Promise((r) => setTimeout(r, 6000)); // one more check of the engine: nothing more
        const after = await api(other.srv.url, other.admin.token, 'GET', `/api/v1/incidents/${id}`);
        assert.equal(after.body.escalation, ack.body.escalation);
      } finally {
        await other.srv.stop();
        cleanup(other.srv.db);
      }
    });

    it('life cycle: acknowledge, handle, resolve (alarms come back), review; wrong steps are 409', { timeout: 60000 }, async () => {
      const { srv, admin, tags } = ctx;
      const inc = (await api(srv.url, admin.token, 'GET', '/api/v1/incidents')).body.items.find((i) => i.kind === 'process');
      const post = (what, body) => api(srv.url, admin.token, 'POST', `/api/v1/incidents/${inc.id}/${what}`, body);
      let r = await post('review', { root_cause: 'x', lessons: 'y' });
      assert.equal(r.status, 409, r.text);
      assert.match(r.body.error.message, /open/);
      r = await post('resolve', {});
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.error.message, /comment/);
      r = await post('acknowledge', { comment: '看到了，通知巡检' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'acknowledged');
      assert.equal(r.body.acknowledged_by, 'admin');
      r = await post('acknowledge');
      assert.equal(r.status, 409, r.text);
      r = await post('handle', { comment: 'standby pump started' });
      assert.equal(r.body.state, 'in_handling');
      r = await post('resolve', { comment: 'seal replaced' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'resolved');
      // the suppressed alarms are back in the operator's view
      await until('alarms released', async () => {
        const al = await api(srv.url, admin.token, 'GET', '/api/v1/alarms?state=all');
        return SIGNALS.every((role) => {
          const a = al.body.items.find((x) => x.tag_id === tags[role] && x.kind === 'h');
          return a && a.state !== 'suppressed';
        });
      });
      r = await post('review', { root_cause: 'seal faces worn: flush line blocked', lessons: 'check flush flow monthly' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'reviewed');
      assert.equal(r.body.root_cause, 'seal faces worn: flush line blocked');
      assert.equal(r.body.timeline[0].kind, 'opened');
      assert.deepEqual(r.body.timeline.filter((t) => t.actor !== 'reasoner').map((t) => t.kind),
        ['acknowledged', 'in_handling', 'resolved', 'reviewed']);
      r = await post('review', { root_cause: 'x', lessons: 'y', extra: 1 });
      assert.equal(r.status, 400, r.text);
      // not in the active list any more; in the audit chain
      const active = await api(srv.url, admin.token, 'GET', '/api/v1/incidents');
      assert.ok(!active.body.items.some((i) => i.id === inc.id));
      const audit = await api(srv.url, admin.token, 'GET', '/api/v1/audit?object_type=incident&limit=50');
      assert.equal(audit.status, 200, audit.text);
      const actions = audit.body.items.map((a) => a.action);
      for (const a of ['incidents.open', 'incidents.acknowledge', 'incidents.handle', 'incidents.resolve', 'incidents.review'])
        assert.ok(actions.includes(a), `${a} in ${actions}`);
    });

    it('scoping and permissions: another enterprise sees nothing; a worker may read but not act', { timeout: 60000 }, async () => {
      const { srv, admin } = ctx;
      const PW = 'Other-pass-12345';
      const env = { ANJIAN_USER_PASSWORD: PW };
      cliOk(srv.db, ['admin', 'create-enterprise', '--code', 'OTHER', '--name', '别家化工']);
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'OTHER', '--username', 'other-admin', '--roles', 'admin'], env);
      const worker = await api(srv.url, admin.token, 'POST', '/api/v1/users',
        { username: 'inc-worker', display_name: 'worker', password: PW, roles: ['worker'] });
      assert.equal(worker.status, 201, worker.text);
      const mine = (await api(srv.url, admin.token, 'GET', '/api/v1/incidents?state=all')).body.items;
      assert.ok(mine.length >= 1);
      const other = await login(srv.url, 'other-admin', PW);
      const theirs = await api(srv.url, other.token, 'GET', '/api/v1/incidents?state=all');
      assert.equal(theirs.status, 200, theirs.text);
      assert.deepEqual(theirs.body.items, []);
      const peek = await api(srv.url, other.token, 'GET', `/api/v1/incidents/${mine[0].id}`);
      assert.equal(peek.status, 404, peek.text);
      const poke = await api(srv.url, other.token, 'POST', `/api/v1/incidents/${mine[0].id}/comment`, { comment: 'x' });
      assert.equal(poke.status, 404, poke.text);
      const w = await login(srv.url, 'inc-worker', PW);
      const read = await api(srv.url, w.token, 'GET', `/api/v1/incidents/${mine[0].id}`);
      assert.equal(read.status, 200, read.text);
      const act = await api(srv.url, w.token, 'POST', `/api/v1/incidents/${mine[0].id}/comment`, { comment: 'x' });
      assert.equal(act.status, 403, act.text);
      const bad = await api(srv.url, admin.token, 'GET', '/api/v1/incidents?state=nonsense');
      assert.equal(bad.status, 400, bad.text);
      const none = await api(srv.url, admin.token, 'GET', '/api/v1/incidents/999999');
      assert.equal(none.status, 404, none.text);
      const anon = await api(srv.url, null, 'GET', '/api/v1/incidents');
      assert.equal(anon.status, 401, anon.text);
    });
  });

  describe(`a sensor check that was the first sign of an incident (${backend})`, () => {
    let srv;
    after(async () => { if (srv) { await srv.stop(); cleanup(srv.db); } });

    it('is resolved by the reasoner as explained by the incident that followed', { timeout: 240000 }, async () => {
      // M-P104's bearing wears from +1 h: the 1x vibration climbs alone first (a check of
      // the probe after 30 min), the bearing temperature joins later (the incident)
      srv = await startServer(backend);
      const admin = await login(srv.url, 'admin', srv.adminPassword);
      const imp = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import',
        readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
      assert.equal(imp.status, 200, imp.text);
      await runSim(srv.url, admin.token, 'max', '4h', join(ROOT, 'scenarios', 'bearing-wear-M-P104.json'));
      const items = await incidentsOf(srv, admin.token);
      const mine = items.filter((i) => i.mode === 'motor_bearing_wear' && i.scope_code === 'M-P104');
      const inc = mine.find((i) => i.kind === 'process');
      const check = mine.find((i) => i.kind === 'sensor_check');
      assert.ok(inc && check, JSON.stringify(items.map((i) => [i.kind, i.mode, i.scope_code, i.state])));
      assert.ok(Date.parse(check.opened) < Date.parse(inc.opened), `${check.opened} before ${inc.opened}`);
      assert.equal(inc.state, 'open');
      assert.equal(check.state, 'resolved');
      const one = await api(srv.url, admin.token, 'GET', `/api/v1/incidents/${check.id}`);
      assert.equal(one.status, 200, one.text);
      const resolved = one.body.timeline.find((t) => t.kind === 'resolved');
      assert.ok(resolved, JSON.stringify(one.body.timeline));
      assert.equal(resolved.actor, 'reasoner');
      assert.equal(resolved.detail.explained_by, inc.id);
      const audit = await api(srv.url, admin.token, 'GET', `/api/v1/audit?object_type=incident&limit=50`);
      assert.ok(audit.body.items.some((a) => a.action === 'incidents.resolve' && a.object_id === String(check.id)),
        JSON.stringify(audit.body.items.map((a) => [a.action, a.object_id])));
    });
  });
}
