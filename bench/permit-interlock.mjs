// permit-interlock.mjs — how fast a gas reading suspends active hot work (issue 5: within
// 2 s of the crossing point). From the POST /write carrying a detector's crossing point to
// the SSE `event: permit` {change: "suspended"} of the permit beside it, at a client.
//
// Setup (release binary, SQLite, the demo plant): one approver holding every approval role;
// one hot-work permit in progress at each combustible-gas detector that has no other gas
// detector within 30 m (so a probe touches only its own permit), each graded, gas-tested,
// approved at the site and started with its workers and attendant checked in.
// One probe on detector K (its pass limit L in %LEL: 0.5 or 0.2 %vol over the gas's LEL):
//   1. POST `K value=0` at B-1 s (below the limit);
//   2. t0 = monotonic clock, POST `K value=1.5·L` at B alone; t_ack = its 204 answer;
//      t1 = arrival of the permit's `suspended` event on GET /api/v1/events.
// Optional background load: --rate N points/s of line protocol on the plant's non-gas tags,
// by the load generator of bench/alarm-latency.mjs (forked, its own process and connections).
//
// Usage: ANJIAN_BIN=build-rel/anjian node bench/permit-interlock.mjs [--rounds 3] [--rate 0]
// Prints p50/p90/p99/max of t1-t0, t_ack-t0, t1-t_ack (ms) and a `RESULT {json}` line.
import { readFileSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import http from 'node:http';
import { startServer, login, api, cleanup, ROOT } from '../tests/e2e/lib/server.mjs';

const opt = { rounds: 3, rate: 0 };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = Number(process.argv[i + 1]);
const PLANT = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
const LEL = { methanol: 6.0, toluene: 1.1, ethyl_acetate: 2.0, acetone: 2.5, isopropanol: 2.0, ethanol: 3.3, propane: 2.1 };
const limitOf = (gas) => (LEL[gas] >= 4 ? 0.5 : 0.2) / LEL[gas] * 100;
const iso = (ms) => new Date(ms).toISOString();
const now = () => process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;

const srv = await startServer('sqlite', { env: { ANJIAN_LOG_LEVEL: 'error' } });
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
try {
  const admin = await login(srv.url, 'admin', srv.adminPassword);
  const A = (m, p, b, who = admin) => api(srv.url, who.token, m, p, b);
  const imp = await A('POST', '/api/v1/plant/import', JSON.stringify(PLANT));
  if (imp.status !== 200) throw new Error(imp.text);
  const site = (await A('GET', '/api/v1/sites')).body.items[0];
  const people = (await A('GET', '/api/v1/people?limit=500')).body.items;
  const certs = (await A('GET', '/api/v1/certificates?limit=500')).body.items;
  const cat = (await A('GET', '/api/v1/permit-types')).body;
  const approver = people.find((p) => p.code === 'E2002');
  for (const r of cat.roles) await A('PUT', '/api/v1/permit-roles', { role: r.code, person_ids: [approver.id] });
  await A('POST', '/api/v1/users', { username: 'appr', display_name: '范俊杰', password: 'Bench-approver-1', roles: ['approver'], person_id: approver.id });
  const boss = await login(srv.url, 'appr', 'Bench-approver-1');
  let load = null, final = null;
  if (opt.rate > 0) {
    const pwFile = join(srv.db.dir, 'sim-pw');
    writeFileSync(pwFile, 'Bench-collector-1');
    await A('POST', '/api/v1/users', { username: 'sim', display_name: 'load', password: 'Bench-collector-1', roles: ['collector'] });
    load = fork(join(ROOT, 'bench', 'alarm-latency.mjs'), ['load', '--port', new URL(srv.url).port, '--plant',
      join(ROOT, 'plants', 'demo-chemical.json'), '--password-file', pwFile, '--writer', 'sim', '--rate', String(opt.rate)]);
    load.on('message', (m) => { if (m.final) final = m.final; });
    await new Promise((r) => setTimeout(r, 3000));
  }
  const welder = people.find((p) => certs.some((c) => c.person_id === p.id && c.type === 'welding_cutting' && c.expires_on > '2027'));
  const attendant = people.find((p) => p.code === 'E2202');
  const hot = cat.types.find((t) => t.code === 'hot_work');
  const fields = {};
  for (const f of hot.fields) if (f.is_required && ['text', 'bool', 'enum'].includes(f.type))
    fields[f.id] = f.type === 'bool' ? false : f.type === 'enum' ? f.options[0].id : 'bench';
  const gasTags = PLANT.tags.filter((t) => t.gas && t.x !== undefined);
  const probes = gasTags.filter((t) => t.kind === 'gas_combustible_lel' && LEL[t.gas] &&
    !gasTags.some((o) => o !== t && Math.hypot(o.x - t.x, o.y - t.y) <= 30));
  let tNs = Date.now() * 1e6 - 600e9; // event times: strictly increasing, in the recent past
  const write = (body) => new Promise((resolve, reject) => {
    const t0 = now();
    const req = http.request(`${srv.url}/write?precision=ns`, { method: 'POST', agent,
      headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 204 ? resolve({ t0, tAck: now() }) : reject(new Error(`write ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  const waiting = new Map();
  const sse = http.get(`${srv.url}/api/v1/events?alarms=0&incidents=0`, { headers: { Authorization: `Bearer ${admin.token}` } }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!/^event: permit$/m.test(block)) continue;
        const data = JSON.parse(/^data: (.*)$/m.exec(block)[1]);
        const w = waiting.get(data.permit_id);
        if (w && data.change === 'suspended') { waiting.delete(data.permit_id); w(now()); }
      }
    });
  });
  await new Promise((r) => setTimeout(r, 300));
  const samples = [];
  for (let round = 0; round < opt.rounds; round++) {
    for (const tag of probes) {
      const start = Date.now();
      const p0 = await A('POST', '/api/v1/permits', { site_id: site.id, type: 'hot_work', title: `bench ${tag.key}`,
        x: tag.x, y: tag.y, valid_from: iso(start - 60000), valid_to: iso(start + 3600000), fields,
        attendant_id: attendant.id, worker_ids: [welder.id] });
      if (p0.status !== 201) throw new Error(p0.text);
      const id = p0.body.id;
      const step = async (path, body = {}, who = admin) => {
        const r = await A('POST', `/api/v1/permits/${id}/${path}`, body, who);
        if (r.status >= 300) throw new Error(`${path}: ${r.text}`);
        return r.body;
      };
      await step('submit');
      await step('measures', { confirmed: p0.body.measures.map((m) => m.id) });
      await step('gas-samples', { readings: [{ gas: tag.gas, value: 0, unit: '%vol' }] });
      let p = await step('approve', { x: tag.x, y: tag.y }, boss);
      while (p.state !== 'issued') p = await step('approve', { x: tag.x, y: tag.y }, boss);
      await step('check-in', { badge_uid: welder.badge_uid });
      await step('check-in', { badge_uid: attendant.badge_uid });
      await step('start');
      await new Promise((r) => setTimeout(r, 100)); // the engine re-reads its active permits
      await write(`m,aj_key=${tag.key} value=0 ${tNs += 1e9}\n`);
      const got = new Promise((resolve) => waiting.set(id, resolve));
      const { t0, tAck } = await write(`m,aj_key=${tag.key} value=${(limitOf(tag.gas) * 1.5).toFixed(2)} ${tNs += 1e9}\n`);
      const t1 = await Promise.race([got, new Promise((r) => setTimeout(() => r(null), 5000))]);
      if (!t1) throw new Error(`no suspension of permit ${id} at ${tag.key}`);
      samples.push({ total: ms(t0, t1), ack: ms(t0, tAck), after: ms(tAck, t1) });
      await write(`m,aj_key=${tag.key} value=0 ${tNs += 1e9}\n`);
      await step('void', { reason: 'bench' }, boss);
    }
  }
  sse.destroy();
  if (load) {
    load.send('stop');
    for (let i = 0; i < 100 && !final; i++) await new Promise((r) => setTimeout(r, 100));
    console.log(`background: ${final ? Math.round(final.points_per_s) : '?'} points/s acknowledged${final && final.failure ? ' (' + final.failure + ')' : ''}`);
  }
  const q = (k, f) => { const v = samples.map((s) => s[k]).sort((a, b) => a - b); return v[Math.min(v.length - 1, Math.floor(f * v.length))]; };
  const row = (k) => ({ p50: q(k, 0.5), p90: q(k, 0.9), p99: q(k, 0.99), max: q(k, 1) });
  const res = { probes: samples.length, detectors: probes.length, background_points_per_s: final ? Math.round(final.points_per_s) : 0, total_ms: row('total'), ack_ms: row('ack'), after_ack_ms: row('after') };
  console.log(`probes ${res.probes} on ${res.detectors} detectors (ms)`);
  for (const k of ['total', 'ack', 'after']) {
    const r = row(k);
    console.log(`${k.padEnd(6)} p50 ${r.p50.toFixed(2)}  p90 ${r.p90.toFixed(2)}  p99 ${r.p99.toFixed(2)}  max ${r.max.toFixed(2)}`);
  }
  console.log('RESULT ' + JSON.stringify(res));
} finally {
  agent.destroy();
  await srv.stop();
  cleanup(srv.db);
}
