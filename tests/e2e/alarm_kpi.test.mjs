// alarm_kpi.test.mjs — GET /api/v1/alarm-kpi end to end on each backend: known alarm
// traffic written through POST /write (a flood, a chattering alarm, a standing alarm in
// another area) and the exact KPIs of the console (a set of areas) over fixed windows;
// the activation rule (only annunciations by the process count); bad windows, unknown
// parameter values and areas outside the caller's scope.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends, startServer, login, api, cleanup, assertNoSanitizerReport } from './lib/server.mjs';

const T0 = 1796083200n; // 2026-12-01T00:00:00Z, seconds
const END = 2400n; // the last point, seconds after T0
const HOUR = 3600n;
const iso = (s) => new Date(Number(s) * 1000).toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Activation times (seconds after T0) of the three alarms (kind h, setpoint 100).
// A, area 1, medium: 11 in the first 10-minute period, 50 s apart (a flood, but never 3 in
// 60 s), two more in the fourth period. B, area 1, high: 3 within 40 s (chattering).
// C, area 2, low: one cycle, then it rises at 2300 s and stays active (standing).
const ACT_A = [...Array.from({ length: 11 }, (_, k) => 10 + 50 * k), 1900, 2000];
const ACT_B = [1300, 1320, 1340];
const ACT_C = [700, 2300];

/** One point per second from 0 to END: 90, and 95 → 100 → 95 around every activation (a
 * gradual ramp: the spike check never holds a step of 5 on a 0..200 span); `stayFrom`:
 * 100 from then on. */
function signal(key, acts, stayFrom = null) {
  const v = new Map();
  for (const t of acts) { v.set(t - 1, 95); v.set(t, 100); v.set(t + 1, 95); }
  const lines = [];
  for (let s = 0; s <= Number(END); s++) {
    let x = v.get(s) ?? 90;
    if (stayFrom !== null && s >= stayFrom) x = 100;
    lines.push([s, `x,aj_key=${key} value=${x} ${(T0 + BigInt(s)) * 1000000000n}`]);
  }
  return lines;
}

async function write(base, token, body) {
  const r = await fetch(`${base}/write?precision=ns`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'text/plain; charset=utf-8' }, body,
  });
  const text = await r.text();
  assert.equal(r.status, 204, text);
}

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv, admin, site, area1, area2, alarm;

    async function kpi(query) {
      const r = await api(srv.url, admin.token, 'GET', `/api/v1/alarm-kpi?${query}`);
      return r;
    }

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const post = async (path, body) => {
        const r = await api(srv.url, admin.token, 'POST', path, body);
        assert.equal(r.status, 201, r.text);
        return r.body;
      };
      site = await post('/api/v1/sites', { code: 'KP', name: '报警绩效测试厂' });
      area1 = await post('/api/v1/areas', { site_id: site.id, code: 'KP-A1', name: '反应区' });
      area2 = await post('/api/v1/areas', { site_id: site.id, code: 'KP-A2', name: '罐区' });
      const spec = [['A', area1, 'medium'], ['B', area1, 'high'], ['C', area2, 'low']];
      alarm = {};
      for (const [n, area, priority] of spec) {
        const tag = await post('/api/v1/tags', {
          site_id: site.id, area_id: area.id, key: `KP.TI-${n}`, name: `温度${n}`, kind: 'temperature', range_lo: 0, range_hi: 200, unit: '℃',
        });
        const put = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tag.id}/alarms`,
          { alarms: [{ kind: 'h', priority, setpoint: 100, deadband: 1 }] });
        assert.equal(put.status, 200, put.text);
        const h = put.body.items.find((a) => a.kind === 'h');
        alarm[n] = { id: h.id, tag, key: tag.key };
      }
      const lines = [...signal('KP.TI-A', ACT_A), ...signal('KP.TI-B', ACT_B), ...signal('KP.TI-C', ACT_C.slice(0, 1), ACT_C[1])];
      lines.sort((x, y) => x[0] - y[0]);
      await write(srv.url, admin.token, lines.map((l) => l[1]).join('\n') + '\n');
      const expected = { A: ACT_A.length, B: ACT_B.length, C: ACT_C.length };
      for (const n of Object.keys(expected)) {
        await until(`the activations of ${n} in the journal`, async () => {
          const r = await api(srv.url, admin.token, 'GET', `/api/v1/alarm-journal?alarm_id=${alarm[n].id}&limit=1000`);
          assert.equal(r.status, 200, r.text);
          const acts = r.body.items.filter((e) => e.to === 'unack' && e.cause === 'process');
          assert.ok(acts.length <= expected[n], `${n}: ${acts.length} activations`);
          return acts.length === expected[n];
        });
      }
      // C's standing alarm: its saved state says the condition is active.
      await until('C active in the alarm state', async () => {
        const r = await api(srv.url, admin.token, 'GET', `/api/v1/alarms/${alarm.C.id}`);
        return r.body.is_condition_active === true;
      });
    });
    after(async () => {
      await srv.stop();
      assertNoSanitizerReport('anjian serve', srv.log());
      cleanup(srv.db);
    });

    it('the journal holds exactly the written activations, at their event times', async () => {
      const r = await api(srv.url, admin.token, 'GET', `/api/v1/alarm-journal?alarm_id=${alarm.B.id}&limit=1000`);
      const acts = r.body.items.filter((e) => e.to === 'unack');
      assert.deepEqual(acts.map((e) => BigInt(e.t_ns)), ACT_B.map((s) => (T0 + BigInt(s)) * 1000000000n));
      assert.deepEqual(acts.map((e) => e.from), ['normal', 'rtn_unack', 'rtn_unack']);
    });

    it('one console (area 1) over one hour: load, series, flood, bad actors, chattering, priority', async () => {
      const r = await kpi(`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=${area1.id}`);
      assert.equal(r.status, 200, r.text);
      const k = r.body;
      assert.equal(k.from, '2026-12-01T00:00:00.000Z');
      assert.equal(k.to, '2026-12-01T01:00:00.000Z');
      assert.deepEqual(k.areas, [area1.id]);
      assert.equal(k.load.n_alarms, 16);
      assert.equal(k.load.per_hour, 16);
      assert.equal(k.load.verdict_per_hour, 'bad');
      assert.deepEqual(k.series_10min, { start: '2026-12-01T00:00:00.000Z', step_s: 600, counts: [11, 0, 3, 2, 0, 0] });
      assert.deepEqual(k.series_hour, { start: '2026-12-01T00:00:00.000Z', step_s: 3600, counts: [16] });
      assert.equal(k.flood.n_complete_periods, 6);
      assert.equal(k.flood.n_flood_periods, 1);
      assert.equal(k.flood.peak_count, 11);
      assert.equal(k.flood.peak_start, '2026-12-01T00:00:00.000Z');
      assert.equal(k.flood.verdict_peak, 'warn');
      assert.equal(k.flood.verdict, 'bad');
      assert.equal(k.flood.n_complete_hours, 1);
      assert.equal(k.flood.n_busy_hours, 0);
      assert.equal(k.bad_actors.n_distinct, 2);
      assert.equal(k.bad_actors.top.length, 2);
      assert.deepEqual(k.bad_actors.top[0], {
        alarm_id: alarm.A.id, tag_id: alarm.A.tag.id, tag_key: 'KP.TI-A', kind: 'h', priority: 'medium', n_activations: 13, share: 13 / 16,
      });
      assert.equal(k.bad_actors.top[1].alarm_id, alarm.B.id);
      assert.equal(k.chattering.n_chattering, 1);
      assert.equal(k.chattering.verdict, 'warn');
      assert.deepEqual(k.chattering.list.map((c) => [c.alarm_id, c.tag_key, c.kind, c.n_activations]), [[alarm.B.id, 'KP.TI-B', 'h', 3]]);
      assert.equal(k.stale.n_stale, 0);
      assert.deepEqual(k.stale.list, []);
      const { emergency, high, medium, low } = k.priority.counts;
      assert.deepEqual([emergency, high, medium, low], [0, 3, 13, 0]);
      assert.equal(k.priority.shares.medium, 13 / 16);
      assert.equal(k.priority.verdict, 'bad'); // 100 % at medium or above
      assert.equal(k.targets.per_hour, 6);
      assert.equal(k.targets.per_hour_max, 12);
      assert.equal(k.targets.flood_share, 0.01);
      assert.equal(k.targets.top_share, 0.05);
    });

    it('a console of both areas, and all areas of a site, count the third alarm too', async () => {
      const both = await kpi(`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=${area2.id},${area1.id},${area1.id}`);
      assert.equal(both.status, 200, both.text);
      assert.deepEqual(both.body.areas, [area1.id, area2.id].sort((a, b) => a - b));
      assert.equal(both.body.load.n_alarms, 18);
      assert.equal(both.body.priority.counts.low, 2);
      assert.deepEqual(both.body.series_10min.counts, [11, 1, 3, 3, 0, 0]);
      const all = await kpi(`from=${iso(T0)}&to=${iso(T0 + HOUR)}&site_id=${site.id}`);
      assert.equal(all.status, 200, all.text);
      assert.deepEqual(all.body.areas, both.body.areas);
      assert.equal(all.body.load.n_alarms, 18);
      assert.equal(all.body.bad_actors.n_distinct, 3);
      // The window is half-open: [00:10, 00:30) holds B's three and nothing at 00:30.
      const part = await kpi(`from=${iso(T0 + 600n)}&to=${iso(T0 + 1800n)}&area_ids=${area1.id}`);
      assert.equal(part.body.load.n_alarms, 3);
      assert.equal(part.body.flood.n_flood_periods, 0);
    });

    it('stale: C, active since 00:38:20, is stale at a window end more than 24 h later', async () => {
      const from = T0 + HOUR;
      const to = T0 + 26n * HOUR;
      const r = await kpi(`from=${iso(from)}&to=${iso(to)}&area_ids=${area2.id}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.load.n_alarms, 0);
      assert.equal(r.body.load.verdict_per_hour, 'ok');
      assert.equal(r.body.bad_actors.verdict, 'no_data');
      assert.equal(r.body.stale.n_stale, 1);
      assert.deepEqual(r.body.stale.list, [{
        alarm_id: alarm.C.id, tag_id: alarm.C.tag.id, tag_key: 'KP.TI-C', kind: 'h', priority: 'low',
        active_since: iso(T0 + 2300n), active_s: Number(26n * HOUR - 2300n),
      }]);
      // Exactly 24 h active is not stale; area 1 has no standing alarm.
      const edge = await kpi(`from=${iso(from)}&to=${iso(T0 + 2300n + 24n * HOUR)}&area_ids=${area2.id}`);
      assert.equal(edge.body.stale.n_stale, 0);
      const a1 = await kpi(`from=${iso(from)}&to=${iso(to)}&area_ids=${area1.id}`);
      assert.equal(a1.body.stale.n_stale, 0);
    });

    it('a return to service that re-annunciates is not a new activation', async () => {
      const q = `from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=${area1.id},${area2.id}`;
      const before = (await kpi(q)).body;
      for (const action of ['remove-from-service', 'return-to-service']) {
        const r = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${alarm.C.id}/${action}`, { comment: '检修' });
        assert.equal(r.status, 200, r.text);
      }
      const j = await api(srv.url, admin.token, 'GET', `/api/v1/alarm-journal?alarm_id=${alarm.C.id}&limit=1000`);
      const last = j.body.items[j.body.items.length - 1];
      assert.deepEqual([last.to, last.cause], ['unack', 'return_to_service']);
      assert.ok(BigInt(last.t_ns) < (T0 + HOUR) * 1000000000n, 'inside the window');
      const after = (await kpi(q)).body;
      assert.equal(after.load.n_alarms, before.load.n_alarms);
      assert.deepEqual(after.series_10min, before.series_10min);
      // C is still standing since its process activation.
      const st = await kpi(`from=${iso(T0 + HOUR)}&to=${iso(T0 + 26n * HOUR)}&area_ids=${area2.id}`);
      assert.equal(st.body.stale.list[0].active_since, iso(T0 + 2300n));
    });

    it('without from and to: the last 24 h ending now', async () => {
      const before = Date.now();
      const r = await kpi(`area_ids=${area1.id}`);
      assert.equal(r.status, 200, r.text);
      const to = Date.parse(r.body.to);
      assert.ok(to >= before - 1000 && to <= Date.now() + 1000, r.body.to);
      assert.equal(to - Date.parse(r.body.from), 24 * 3600 * 1000);
      assert.equal(r.body.series_hour.counts.length >= 24, true);
    });

    it('bad windows and unknown parameter values: 400 with a message', async () => {
      const cases = [
        [`from=yesterday&to=${iso(T0)}`, /from: not an RFC 3339 time/],
        [`from=${iso(T0)}&to=soon`, /to: not an RFC 3339 time/],
        [`from=${iso(T0 + HOUR)}&to=${iso(T0)}`, /from must be before to/],
        [`from=${iso(T0)}&to=${iso(T0)}`, /from must be before to/],
        [`from=${iso(T0)}&to=${iso(T0 + 32n * 24n * HOUR)}`, /at most 31 days/],
        [`from=1960-01-01T00:00:00Z&to=1960-01-02T00:00:00Z`, /before 1970/],
        [`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=abc`, /area_ids/],
        [`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=${area1.id},,2`, /area_ids/],
        [`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=`, /area_ids/],
        [`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=-1`, /area_ids/],
        [`from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=99999999999999999999`, /area_ids/],
        [`from=${iso(T0)}&to=${iso(T0 + HOUR)}&site_id=x`, /site_id/],
      ];
      for (const [q, msg] of cases) {
        const r = await kpi(q);
        assert.equal(r.status, 400, `${q}: ${r.text}`);
        assert.equal(r.body.error.code, 'invalid');
        assert.match(r.body.error.message, msg, q);
      }
      // Exactly 31 days is allowed.
      const max = await kpi(`from=${iso(T0)}&to=${iso(T0 + 31n * 24n * HOUR)}&area_ids=${area1.id}`);
      assert.equal(max.status, 200, max.text);
      assert.equal(max.body.load.n_alarms, 16);
      assert.equal(max.body.series_10min.counts.length, 31 * 144);
    });

    it('areas and sites outside the caller\'s scope: 404', async () => {
      const other = await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'KP2', name: '另一厂区' });
      const far = await api(srv.url, admin.token, 'POST', '/api/v1/areas', { site_id: other.body.id, code: 'KP2-A', name: '另一区域' });
      const cases = [
        [`area_ids=${area1.id},999999`, /area 999999 not found/],
        [`site_id=999999`, /site 999999 not found/],
        [`site_id=${site.id}&area_ids=${far.body.id}`, new RegExp(`area ${far.body.id} not found in site ${site.id}`)],
      ];
      for (const [q, msg] of cases) {
        const r = await kpi(`from=${iso(T0)}&to=${iso(T0 + HOUR)}&${q}`);
        assert.equal(r.status, 404, `${q}: ${r.text}`);
        assert.match(r.body.error.message, msg);
      }
      // A user limited to the other site sees neither area of the console.
      const pw = 'Kpi-user-pass-1';
      const u = await api(srv.url, admin.token, 'POST', '/api/v1/users',
        { username: 'kpi-viewer', display_name: '看板', password: pw, roles: ['operator'], site_ids: [other.body.id] });
      assert.equal(u.status, 201, u.text);
      {
        const viewer = await login(srv.url, 'kpi-viewer', pw);
        const r = await api(srv.url, viewer.token, 'GET', `/api/v1/alarm-kpi?from=${iso(T0)}&to=${iso(T0 + HOUR)}&area_ids=${area1.id}`);
        assert.equal(r.status, 404, r.text);
        const own = await api(srv.url, viewer.token, 'GET', `/api/v1/alarm-kpi?from=${iso(T0)}&to=${iso(T0 + HOUR)}`);
        assert.equal(own.status, 200, own.text);
        assert.deepEqual(own.body.areas, [far.body.id]);
        assert.equal(own.body.load.n_alarms, 0);
      }
      // Without a token: 401.
      assert.equal((await api(srv.url, null, 'GET', '/api/v1/alarm-kpi')).status, 401);
    });
  });
}
