// alarms.test.mjs — alarms end to end on each backend: GB/T 50493 defaults of gas
// detectors (also on the demo plant), limit crossings through POST /write raising and
// returning alarms, acknowledge / shelve (timed expiry by event time) / latch + reset /
// out of service by a named user with a comment, the journal and the audit chain, the
// quality (diagnostic) alarm, permissions, SSE with Last-Event-ID replay, and the alarm
// state surviving kill -9 without duplicated journal entries.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { backends, startServer, login, api, cleanup, cli, tempFile, ROOT } from './lib/server.mjs';

const T0 = 1796083200n; // 2026-12-01T00:00:00Z, seconds
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function write(base, token, lines) {
  const r = await fetch(`${base}/write?precision=s`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: lines.join('\n') + '\n',
  });
  const text = await r.text();
  assert.equal(r.status, 204, text);
}

/** Points of one key: values[i] at t0 + i seconds. */
function series(key, t0, values) {
  return values.map((v, i) => `x,aj_key=${key} value=${v} ${t0 + BigInt(i)}`);
}

/** A gradual ramp from a to b (step per second), so the spike check does not hold it. */
function ramp(a, b, step) {
  const out = [];
  const s = b >= a ? Math.abs(step) : -Math.abs(step);
  for (let v = a; s > 0 ? v <= b : v >= b; v += s) out.push(v);
  return out;
}

async function until(what, fn, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(25);
  }
}

async function alarmsOf(base, token, tagId) {
  const r = await api(base, token, 'GET', `/api/v1/tags/${tagId}/alarms`);
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.body.items.map((a) => [a.kind, a]));
}

async function journal(base, token, alarmId) {
  const r = await api(base, token, 'GET', `/api/v1/alarm-journal?alarm_id=${alarmId}&limit=1000`);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

async function stateOf(base, token, alarmId) {
  const r = await api(base, token, 'GET', `/api/v1/alarms/${alarmId}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** Reads an SSE stream until n alarm events arrived (or ms passed). */
async function sseAlarms(base, token, n, { lastEventId, ms = 8000, onOpen } = {}) {
  const ctrl = new AbortController();
  const headers = { Authorization: 'Bearer ' + token };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  const r = await fetch(base + '/api/v1/events', { headers, signal: ctrl.signal });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/event-stream/);
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const events = [];
  const timer = setTimeout(() => ctrl.abort(), ms);
  let opened = false;
  try {
    while (events.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      if (!opened && buf.includes(': connected')) {
        opened = true;
        if (onOpen) await onOpen();
      }
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = {};
        for (const line of block.split('\n')) {
          const m = /^(id|event|data): (.*)$/.exec(line);
          if (m) ev[m[1]] = m[2];
        }
        if (ev.event === 'alarm') events.push({ id: Number(ev.id), ...JSON.parse(ev.data) });
      }
    }
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
    ctrl.abort();
  }
  return events;
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv, admin, site, area, tags;

    async function makeTag(spec) {
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, area_id: area.id, ...spec });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      site = (await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'AL', name: '报警测试厂' })).body;
      area = (await api(srv.url, admin.token, 'POST', '/api/v1/areas', { site_id: site.id, code: 'AL-A1', name: '罐区' })).body;
      tags = {
        lel: await makeTag({ key: 'AL.GT-1', name: '可燃气体', kind: 'gas_combustible_lel', range_lo: 0, range_hi: 100, unit: '%LEL', gas: 'CH4' }),
        h2s: await makeTag({ key: 'AL.AT-1', name: '硫化氢', kind: 'gas_toxic_ppm', range_lo: 0, range_hi: 100, unit: 'ppm', gas: 'H2S', oel: 10 }),
        o2: await makeTag({ key: 'AL.OT-1', name: '氧含量', kind: 'oxygen_pct', range_lo: 0, range_hi: 25, unit: '%VOL' }),
        ti: await makeTag({ key: 'AL.TI-1', name: '温度', kind: 'temperature', range_lo: 0, range_hi: 200, unit: '℃' }),
        ti2: await makeTag({ key: 'AL.TI-2', name: '温度2', kind: 'temperature', range_lo: 0, range_hi: 200, unit: '℃' }),
        ti3: await makeTag({ key: 'AL.TI-3', name: '温度3', kind: 'temperature', range_lo: 0, range_hi: 200, unit: '℃' }),
        lel2: await makeTag({ key: 'AL.GT-2', name: '可燃气体2', kind: 'gas_combustible_lel', range_lo: 0, range_hi: 100, unit: '%LEL', gas: 'CH4' }),
        lel3: await makeTag({ key: 'AL.GT-3', name: '可燃气体3', kind: 'gas_combustible_lel', range_lo: 0, range_hi: 100, unit: '%LEL', gas: 'CH4' }),
      };
    });
    after(async () => { await srv.stop(); cleanup(srv.db); });

    it('gas detectors carry the GB/T 50493-2019 defaults from their kind; every tag has a quality alarm', async () => {
      const lel = await alarmsOf(srv.url, admin.token, tags.lel.id);
      assert.deepEqual([lel.h.setpoint, lel.h.priority, lel.hh.setpoint, lel.hh.priority], [25, 'high', 50, 'emergency']);
      assert.equal(lel.h.source, 'default');
      assert.match(lel.h.basis, /GB\/T 50493/);
      const h2s = await alarmsOf(srv.url, admin.token, tags.h2s.id);
      assert.deepEqual([h2s.h.setpoint, h2s.hh.setpoint], [10, 20]); // 100 % / 200 % OEL
      const o2 = await alarmsOf(srv.url, admin.token, tags.o2.id);
      assert.deepEqual([o2.l.setpoint, o2.h.setpoint], [19.5, 23.5]);
      const ti = await alarmsOf(srv.url, admin.token, tags.ti.id);
      assert.deepEqual(Object.keys(ti), ['quality']);
      assert.equal(ti.quality.priority, 'diagnostic');
      // A changed OEL moves the generated toxic alarms.
      const p = await api(srv.url, admin.token, 'PATCH', `/api/v1/tags/${tags.h2s.id}`, { oel: 5 });
      assert.equal(p.status, 200, p.text);
      const h2s2 = await alarmsOf(srv.url, admin.token, tags.h2s.id);
      assert.deepEqual([h2s2.h.setpoint, h2s2.hh.setpoint], [5, 10]);
      assert.equal(h2s2.h.id, h2s.h.id, 'same alarm, new setpoint');
    });

    it('a limit crossing raises the alarm (list, journal, SSE); ack by a named user; return to normal', async () => {
      const key = tags.lel.key;
      const defs = await alarmsOf(srv.url, admin.token, tags.lel.id);
      const id = defs.h.id;
      let t = T0;
      const up = ramp(0, 30, 3);
      const events = await sseAlarms(srv.url, admin.token, 1, {
        onOpen: () => write(srv.url, admin.token, series(key, t, up)),
      });
      assert.equal(events.length, 1, 'one alarm event on the stream');
      assert.deepEqual([events[0].alarm_id, events[0].from, events[0].to, events[0].cause], [id, 'normal', 'unack', 'process']);
      assert.equal(events[0].t_ns, Number((T0 + 9n) * 1000000000n), 'event time of the first point >= 25');
      assert.equal(events[0].value, 27);
      t += BigInt(up.length);
      const list = await until('alarm in the list', async () => {
        const r = await api(srv.url, admin.token, 'GET', '/api/v1/alarms');
        return r.body.items.find((a) => a.id === id);
      });
      assert.equal(list.state, 'unack');
      assert.equal(list.priority, 'high');
      // Acknowledge with a comment.
      const ack = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${id}/ack`, { comment: '已通知现场' });
      assert.equal(ack.status, 200, ack.text);
      assert.equal(ack.body.state, 'acked');
      const again = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${id}/ack`);
      assert.equal(again.status, 409, again.text);
      // Down below 25 - deadband (1 %LEL): returns after the 5 s off-delay (event time).
      await write(srv.url, admin.token, series(key, t, [...ramp(27, 0, 3), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
      const j = await until('return to normal', async () => {
        const e = await journal(srv.url, admin.token, id);
        return e.some((x) => x.to === 'normal') && e;
      });
      assert.deepEqual(j.map((e) => [e.from, e.to, e.cause]),
        [['normal', 'unack', 'process'], ['unack', 'acked', 'ack'], ['acked', 'normal', 'delay_expired']]);
      assert.equal(j[1].user, 'admin');
      assert.equal(j[1].comment, '已通知现场');
      // Every transition is in the audit chain, and the chain holds.
      const audit = await api(srv.url, admin.token, 'GET', '/api/v1/audit?limit=500');
      const actions = audit.body.items.filter((a) => a.object_type === 'alarm' && a.object_id === String(id)).map((a) => a.action);
      assert.deepEqual(actions.sort(), ['alarms.ack', 'alarms.delay_expired', 'alarms.process'].sort());
      const v = await api(srv.url, admin.token, 'GET', '/api/v1/audit/verify');
      assert.equal(v.body.intact, true);
    });

    it('shelving: a reason is required, the maximum holds, a timed shelve expires by event time', async () => {
      const key = tags.lel2.key;
      const id = (await alarmsOf(srv.url, admin.token, tags.lel2.id)).h.id;
      await write(srv.url, admin.token, series(key, T0, ramp(0, 30, 3)));
      await until('active', async () => (await stateOf(srv.url, admin.token, id)).state === 'unack');
      const noReason = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${id}/shelve`, { kind: 'timed', duration_s: 60 });
      assert.equal(noReason.status, 400, noReason.text);
      const tooLong = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${id}/shelve`, { kind: 'timed', duration_s: 9 * 3600, comment: '检修' });
      assert.equal(tooLong.status, 400, tooLong.text);
      const sh = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${id}/shelve`, { kind: 'timed', duration_s: 20, comment: '传感器标定' });
      assert.equal(sh.status, 200, sh.text);
      assert.equal(sh.body.state, 'shelved');
      // 30 more seconds of data (still above the limit): the shelve expires at its due
      // time and the alarm is shown again, unacknowledged.
      await write(srv.url, admin.token, series(key, T0 + 11n, Array(30).fill(30)));
      const j = await until('shelve expiry', async () => {
        const e = await journal(srv.url, admin.token, id);
        return e.some((x) => x.cause === 'shelve_expired') && e;
      });
      const exp = j.find((x) => x.cause === 'shelve_expired');
      const shelved = j.find((x) => x.cause === 'shelve');
      assert.equal(BigInt(exp.t_ns) - BigInt(shelved.t_ns), 20n * 1000000000n);
      assert.equal(exp.to, 'unack');
      assert.equal(shelved.comment, '传感器标定');
      assert.equal(exp.comment, '传感器标定', 'the expiry repeats who shelved it and why');
    });

    it('alarm settings via the API: latched alarm needs a reset; bad settings name the member', async () => {
      const bad = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tags.ti.id}/alarms`,
        { alarms: [{ kind: 'h', priority: 'urgent', setpoint: 100 }] });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /\$\.alarms\[0\]\.priority/);
      const dup = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tags.ti.id}/alarms`,
        { alarms: [{ kind: 'h', priority: 'high', setpoint: 100 }, { kind: 'h', priority: 'low', setpoint: 90 }] });
      assert.equal(dup.status, 400);
      const put = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tags.ti.id}/alarms`,
        { alarms: [{ kind: 'h', priority: 'medium', setpoint: 100, deadband: 2, is_latched: true }] });
      assert.equal(put.status, 200, put.text);
      const h = put.body.items.find((a) => a.kind === 'h');
      assert.deepEqual([h.setpoint, h.is_latched, h.source], [100, true, 'user']);
      await write(srv.url, admin.token, series(tags.ti.key, T0, [...ramp(80, 110, 5), ...ramp(105, 80, 5)]));
      await until('latched', async () => (await stateOf(srv.url, admin.token, h.id)).state === 'latched');
      const ack = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${h.id}/ack`);
      assert.equal(ack.status, 409, 'ack is refused in LATCHED');
      const reset = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${h.id}/reset`, { comment: '已复位' });
      assert.equal(reset.status, 200, reset.text);
      assert.equal(reset.body.state, 'normal');
      // Out of service and back.
      const oos = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${h.id}/remove-from-service`, { comment: '仪表更换' });
      assert.equal(oos.body.state, 'out_of_service');
      const rts = await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${h.id}/return-to-service`);
      assert.equal(rts.body.state, 'normal');
    });

    it('out-of-range data raises the diagnostic quality alarm, not the process alarm', async () => {
      const defs = await alarmsOf(srv.url, admin.token, tags.lel3.id);
      await write(srv.url, admin.token, series(tags.lel3.key, T0, [1, 2, 3, 130, 131, 132]));
      const q = await until('quality alarm', async () => {
        const s = await stateOf(srv.url, admin.token, defs.quality.id);
        return s.state === 'unack' && s;
      });
      assert.equal(q.priority, 'diagnostic');
      const j = await journal(srv.url, admin.token, defs.quality.id);
      assert.match(j[0].comment, /out_of_range/);
      assert.equal((await stateOf(srv.url, admin.token, defs.hh.id)).state, 'normal', 'bad points raise no process alarm');
    });

    it('permissions: a collector cannot acknowledge, an operator can; other enterprises see nothing', async () => {
      const pw = 'Op-' + randomBytes(9).toString('base64url');
      for (const [u, roles] of [['op1', ['operator']], ['col1', ['collector']]]) {
        const r = await api(srv.url, admin.token, 'POST', '/api/v1/users', { username: u, display_name: u, roles, password: pw });
        assert.equal(r.status, 201, r.text);
      }
      const op = await login(srv.url, 'op1', pw);
      const col = await login(srv.url, 'col1', pw);
      const id = (await alarmsOf(srv.url, admin.token, tags.lel2.id)).h.id;
      const c = await api(srv.url, col.token, 'POST', `/api/v1/alarms/${id}/ack`);
      assert.equal(c.status, 403);
      const o = await api(srv.url, op.token, 'POST', `/api/v1/alarms/${id}/ack`, { comment: '操作员确认' });
      assert.equal(o.status, 200, o.text);
      const j = await journal(srv.url, admin.token, id);
      assert.equal(j.at(-1).user, 'op1');
      const none = await api(srv.url, op.token, 'GET', '/api/v1/alarms/999999');
      assert.equal(none.status, 404);
    });

    it('SSE: reconnecting with Last-Event-ID replays exactly the missed alarm entries', async () => {
      const before = await api(srv.url, admin.token, 'GET', '/api/v1/alarm-journal?limit=5000');
      const lastId = before.body.items.at(-1).id;
      // Transitions while no client listens.
      const put = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tags.ti2.id}/alarms`,
        { alarms: [{ kind: 'h', priority: 'low', setpoint: 50 }] });
      assert.equal(put.status, 200, put.text);
      await write(srv.url, admin.token, series(tags.ti2.key, T0, [...ramp(40, 60, 5), ...ramp(55, 40, 5), ...ramp(45, 60, 5)]));
      const all = await until('3 new entries', async () => {
        const r = await api(srv.url, admin.token, 'GET', `/api/v1/alarm-journal?after_id=${lastId}&limit=5000`);
        return r.body.items.length >= 3 && r.body.items;
      });
      const got = await sseAlarms(srv.url, admin.token, all.length, { lastEventId: lastId });
      assert.deepEqual(got.map((e) => e.id), all.map((e) => e.id));
      assert.deepEqual(got.map((e) => e.to), all.map((e) => e.to));
    });

    it('kill -9: alarm state and journal survive without duplicates; ids go on', async () => {
      const put = await api(srv.url, admin.token, 'PUT', `/api/v1/tags/${tags.ti3.id}/alarms`,
        { alarms: [{ kind: 'hh', priority: 'high', setpoint: 150 }] });
      const id = put.body.items.find((a) => a.kind === 'hh').id;
      await write(srv.url, admin.token, series(tags.ti3.key, T0, ramp(120, 160, 5)));
      await until('active', async () => (await stateOf(srv.url, admin.token, id)).state === 'unack');
      await api(srv.url, admin.token, 'POST', `/api/v1/alarms/${id}/ack`, { comment: 'before crash' });
      const before = await journal(srv.url, admin.token, id);
      await srv.kill9();
      srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await stateOf(srv.url, admin.token, id)).state, 'acked');
      assert.deepEqual((await journal(srv.url, admin.token, id)).map((e) => e.id), before.map((e) => e.id));
      await write(srv.url, admin.token, series(tags.ti3.key, T0 + 9n, ramp(155, 100, 5)));
      const after = await until('return after restart', async () => {
        const e = await journal(srv.url, admin.token, id);
        return e.length > before.length && e;
      });
      assert.deepEqual(after.at(-1).to, 'normal');
      assert.ok(after.at(-1).id > before.at(-1).id);
    });

    if (backend === 'sqlite') {
      it('the demo plant: every gas detector carries its GB/T 50493 alarms', async () => {
        const plant = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
        const res = cli(srv.db, ['admin', 'create-enterprise', '--code', 'demo2', '--name', '演示2']);
        assert.equal(res.status, 0, res.stderr);
        const imp = cli(srv.db, ['admin', 'import-plant', '--enterprise', 'demo2', tempFile('p.json', JSON.stringify(plant))]);
        assert.equal(imp.status, 0, imp.stderr);
        const gas = plant.tags.filter((t) => ['gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct'].includes(t.kind));
        assert.ok(gas.length >= 80);
        const { sql } = await import('./lib/server.mjs');
        for (const t of gas) {
          const rows = sql(srv.db, `SELECT d.kind || ':' || d.setpoint FROM alarm_defs d JOIN tags g ON g.id = d.tag_id JOIN enterprises e ON e.id = g.enterprise_id WHERE e.code = 'demo2' AND g.key = '${t.key}' AND d.is_retired = 0 AND d.kind <> 'quality' ORDER BY d.kind`);
          const want = t.kind === 'gas_combustible_lel' ? ['h:25', 'hh:50']
            : t.kind === 'oxygen_pct' ? ['h:23.5', 'l:19.5']
              : [`h:${t.oel}`, `hh:${Math.min(2 * t.oel, t.range[1])}`];
          assert.deepEqual(rows.split('\n').map((r) => r.replace(/\.0$/, '')), want, t.key);
        }
      });
    }
  });
}
