// alarm-latency.mjs — alarm latency of `anjian serve`: from the request carrying a
// limit-crossing point of a gas detector to the SSE `event: alarm` (to = unack) at a client,
// optionally under a background line-protocol load. Run by bench/alarm-latency.sh, which
// prepares the database and the server; this file is the measuring client.
//
// Two processes, so that generating the load never delays the clock of the probes:
//   probe (this process, default mode): logs in, opens GET /api/v1/events, forks the load
//     generator, then runs the probes one after another on its own keep-alive connection;
//   load (`node alarm-latency.mjs load`, forked): POSTs RATE points/s to /write in batches
//     every BATCH_MS over CONNS keep-alive connections, one request in flight per
//     connection; each non-gas tag always goes through the same connection, with strictly
//     increasing event times near the wall clock (precision u), so every point is applied.
//     It counts the points acknowledged by 204 answers: the achieved background rate.
//
// One probe, on combustible gas detector K (GB/T 50493 default alarm H at 25 %LEL, no
// on-delay, off-delay 5 s), event time B = the wall clock in ms:
//   1. POST `K value=10 B-1.5s`, `K value=15 B-1s`, `K value=20 B-0.5s` (a normal ramp;
//      the spike and rate checks are off for gas detectors, the ramp keeps it honest anyway);
//   2. t0 = monotonic clock, POST `K value=27 B` alone; t_ack = its 204 answer;
//      t1 = arrival at the SSE client of the alarm entry {tag_key: K, kind: "h", to: "unack",
//      t_ns: B};
//   3. POST `K value=10 B+0.5s`: the off-delay (due B+5.5s) fires when the watermark
//      (latest event time − 2 s, moved by the load or by the next probes) passes it.
// Detectors are used in turn (55 of them) and probes start every INTERVAL_MS plus a random
// 0–100 ms (so they fall on every phase of the load's batches): a detector comes back after
// ≥ 13 s, long after its alarm returned (rtn_unack → unack on the next crossing).
// t0, t_ack and t1 are process.hrtime.bigint() in this process.
//
// Usage: node bench/alarm-latency.mjs fsync DIR   (fdatasync latency of DIR's disk), or
//        node bench/alarm-latency.mjs --port P --plant FILE --password-file F
//          [--writer sim] [--reader admin] [--probes 200] [--interval-ms 250]
//          [--rate 100000] [--batch-ms 100] [--conns 2] [--warmup-s 3]
// Prints a table and one line `RESULT {...json...}`; exits 1 when a probe times out or a
// request is refused.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';

const GAS_KINDS = new Set(['gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct']);
const EVENT_TIMEOUT_MS = 5000;

function parse_args(argv) {
  const opt = {
    port: 0, plant: 'plants/demo-chemical.json', 'password-file': '', writer: 'sim', reader: 'admin',
    probes: 200, 'interval-ms': 250, rate: 100000, 'batch-ms': 100, conns: 2, 'warmup-s': 3,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in opt) || i + 1 >= argv.length) throw new Error(`unknown or incomplete option ${argv[i]}`);
    opt[name] = typeof opt[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!opt.port) throw new Error('--port is required');
  return opt;
}

const now_ns = () => process.hrtime.bigint();
const ms_between = (a, b) => Number(b - a) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// POST body to path on agent; resolves {status, text, t_answer_ns, t_sent_ns}.
function post(opt, agent, path, token, body, type = 'text/plain') {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: opt.port, method: 'POST', path, agent,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': type,
        'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const t_answer_ns = now_ns(); // status line and headers are in: the answer has arrived
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text, t_answer_ns, t_sent_ns }));
    });
    req.on('error', reject);
    const t_sent_ns = now_ns();
    req.end(body);
  });
}

// GET path; resolves the body text (throws unless 200).
function get_text(opt, path, token) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: opt.port, path, headers: { Authorization: `Bearer ${token}` },
      agent: new http.Agent({ keepAlive: false }) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${path}: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function login(opt, username, password) {
  const agent = new http.Agent({ keepAlive: false });
  const r = await post(opt, agent, '/api/v1/auth/login', '', JSON.stringify({ username, password }), 'application/json')
    .catch((e) => { throw new Error(`login ${username}: ${e.message}`); });
  if (r.status !== 200) throw new Error(`login ${username}: HTTP ${r.status} ${r.text}`);
  return JSON.parse(r.text).token;
}

function load_plant(path) {
  const tags = JSON.parse(fs.readFileSync(path, 'utf8')).tags;
  return {
    background: tags.filter((t) => !GAS_KINDS.has(t.kind) && Array.isArray(t.range)),
    detectors: tags.filter((t) => t.kind === 'gas_combustible_lel').map((t) => t.key),
  };
}

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 0.5), p90: percentile(s, 0.9), p99: percentile(s, 0.99),
    max: s[s.length - 1], min: s[0] };
}

/* ---------- load generator (forked process) ---------- */

async function run_load(opt) {
  const password = fs.readFileSync(opt['password-file'], 'utf8').trim();
  const token = await login(opt, opt.writer, password);
  const tags = load_plant(opt.plant).background.map((t, i) => ({
    key: t.key, lo: t.range[0], span: t.range[1] - t.range[0], phase: (i * 0.7) % (2 * Math.PI),
  }));
  const per_batch = Math.round((opt.rate * opt['batch-ms']) / 1000);
  const per_tag = Math.max(1, Math.ceil(per_batch / tags.length)); // at least the target rate
  const step_us = Math.floor((opt['batch-ms'] * 1000) / per_tag);
  const lanes = [];
  for (let c = 0; c < opt.conns; c++)
    lanes.push({ agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      tags: tags.filter((_, i) => i % opt.conns === c), queue: [], is_busy: false });
  const stats = { accepted: 0, requests: 0, retries_503: 0, skipped_batches: 0, lat_ms: [] };
  let last_end_us = 0, is_running = true, failure = null;

  // One batch: per_tag points of every tag of the lane, event times in (end - batch, end].
  function batch_body(lane, start_us) {
    const lines = [];
    for (let j = 0; j < per_tag; j++) {
      const t_us = start_us + (j + 1) * step_us;
      const x = (2 * Math.PI * t_us) / 60e6;
      for (const t of lane.tags) {
        const v = t.lo + t.span * (0.5 + 0.3 * Math.sin(x + t.phase));
        lines.push(`${t.key} value=${v.toFixed(4)} ${t_us}`);
      }
    }
    return { body: lines.join('\n') + '\n', n: per_tag * lane.tags.length };
  }

  async function pump(lane) {
    if (lane.is_busy) return;
    lane.is_busy = true;
    while (lane.queue.length) {
      const b = lane.queue[0];
      const r = await post(opt, lane.agent, '/write?precision=u', token, b.body).catch((e) => ({ status: 0, text: e.message }));
      if (r.status === 503) { stats.retries_503++; await sleep(5); continue; }
      lane.queue.shift();
      stats.requests++;
      if (r.status !== 204) { failure = `background /write: HTTP ${r.status} ${r.text.slice(0, 300)}`; continue; }
      stats.accepted += b.n;
      stats.lat_ms.push(ms_between(r.t_sent_ns, r.t_answer_ns));
    }
    lane.is_busy = false;
  }

  const t_start_ms = performance.now();
  let k = 0;
  async function tick() {
    if (!is_running) return;
    const end_us = Math.max(Date.now() * 1000, last_end_us + opt['batch-ms'] * 1000);
    const start_us = end_us - per_tag * step_us;
    last_end_us = end_us;
    for (const lane of lanes) {
      if (lane.queue.length > 20) { stats.skipped_batches++; continue; } // the server fell behind
      lane.queue.push(batch_body(lane, start_us));
      pump(lane);
    }
    k++;
    setTimeout(tick, Math.max(0, t_start_ms + k * opt['batch-ms'] - performance.now()));
  }
  tick();

  process.on('message', async (m) => {
    if (m === 'mark') process.send({ mark: { accepted: stats.accepted, t_ms: performance.now() } });
    if (m === 'stop') {
      is_running = false;
      for (let i = 0; i < 100 && lanes.some((l) => l.is_busy); i++) await sleep(50);
      const wall_s = (performance.now() - t_start_ms) / 1000;
      process.send({ final: { ...stats, lat_ms: summary(stats.lat_ms), wall_s, per_tag, n_tags: tags.length,
        points_per_s: stats.accepted / wall_s, failure } });
      process.exit(0);
    }
  });
}

/* ---------- fdatasync of the disk (context for the figures) ---------- */

// `node alarm-latency.mjs fsync DIR`: 200 appends of 4 KiB to a file in DIR, each followed by
// fdatasync, as the ingest journal does for every acknowledged request (group commit aside).
function run_fsync(dir) {
  const path = `${dir}/fsync-probe`;
  const fd = fs.openSync(path, 'w');
  const block = Buffer.alloc(4096, 7);
  const lat = [];
  for (let i = 0; i < 200; i++) {
    const t = now_ns();
    fs.writeSync(fd, block);
    fs.fdatasyncSync(fd);
    lat.push(ms_between(t, now_ns()));
  }
  fs.closeSync(fd);
  fs.unlinkSync(path);
  const s = summary(lat);
  console.log(`disk: 4 KiB append + fdatasync in ${dir}: p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (${s.n} calls)`);
}

/* ---------- SSE client ---------- */

// Calls on_alarm(entry, t_ns) for every `event: alarm`; t_ns is when its bytes arrived.
function open_events(opt, token, on_alarm) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: opt.port, path: '/api/v1/events',
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
      agent: new http.Agent({ keepAlive: false }) }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET /api/v1/events: HTTP ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        const t_ns = now_ns();
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event = 'message', data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (event === 'alarm' && data) on_alarm(JSON.parse(data), t_ns);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

/* ---------- probes ---------- */

async function run_probes(opt) {
  const password = fs.readFileSync(opt['password-file'], 'utf8').trim();
  const writer_token = await login(opt, opt.writer, password);
  const reader_token = await login(opt, opt.reader, password);
  const { detectors } = load_plant(opt.plant);
  if (!detectors.length) throw new Error('no gas_combustible_lel tag in the plant');

  const waiting = new Map(); // tag key → {t_event_ns, resolve(t_arrival_ns)}
  let n_alarm_events = 0;
  const sse = await open_events(opt, reader_token, (entry, t_ns) => {
    n_alarm_events++;
    if (entry.kind !== 'h' || entry.to !== 'unack') return;
    const w = waiting.get(entry.tag_key);
    if (w && entry.t_ns === w.t_event_ns) { waiting.delete(entry.tag_key); w.resolve(t_ns); }
  });

  let load = null, final = null, failure = null;
  const marks = [];
  if (opt.rate > 0) {
    load = fork(new URL(import.meta.url).pathname, ['load', ...process.argv.slice(2)]);
    load.on('message', (m) => {
      if (m.mark) marks.push(m.mark);
      if (m.final) final = m.final;
    });
    await sleep(opt['warmup-s'] * 1000);
  }
  const mark = async () => {
    if (!load) return;
    const n = marks.length;
    load.send('mark');
    while (marks.length === n) await sleep(1);
  };

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const path = '/write?precision=ms';
  const last_ms = new Map();
  const rows = [];
  const t_begin = performance.now();
  await mark();
  for (let i = 0; i < opt.probes && !failure; i++) {
    const t_slot = performance.now();
    const key = detectors[i % detectors.length];
    const b = Math.max(Date.now(), (last_ms.get(key) ?? 0) + 2000);
    last_ms.set(key, b + 500);
    let r = await post(opt, agent, path, writer_token,
      `${key} value=10 ${b - 1500}\n${key} value=15 ${b - 1000}\n${key} value=20 ${b - 500}\n`);
    if (r.status !== 204) { failure = `ramp: HTTP ${r.status} ${r.text}`; break; }

    const event = new Promise((resolve) => {
      const w = { t_event_ns: b * 1e6, resolve }; // the entry carries the crossing point's time
      waiting.set(key, w);
      setTimeout(() => { if (waiting.get(key) === w) { waiting.delete(key); resolve(null); } }, EVENT_TIMEOUT_MS);
    });
    const t0 = now_ns(); // post() takes its own t_sent right before req.end(); t0 is the earlier
    r = await post(opt, agent, path, writer_token, `${key} value=27 ${b}\n`);
    const t1 = await event;
    if (r.status !== 204) { failure = `crossing: HTTP ${r.status} ${r.text}`; break; }
    if (t1 === null) { failure = `probe ${i} (${key}): no unack event within ${EVENT_TIMEOUT_MS} ms`; break; }
    rows.push({ key, total_ms: ms_between(t0, t1), ack_ms: ms_between(t0, r.t_answer_ns),
      after_ack_ms: ms_between(r.t_answer_ns, t1) });

    r = await post(opt, agent, path, writer_token, `${key} value=10 ${b + 500}\n`);
    if (r.status !== 204) { failure = `return: HTTP ${r.status} ${r.text}`; break; }
    await sleep(Math.max(0, t_slot + opt['interval-ms'] + Math.random() * 100 - performance.now()));
  }
  await mark();
  const probe_wall_s = (performance.now() - t_begin) / 1000;
  if (load) {
    load.send('stop');
    while (!final) await sleep(10);
  }
  sse.destroy();
  // The server's own count: every point applied, none dropped as late for its tag or its alarm.
  const metrics = {};
  for (const m of (await get_text(opt, '/metrics', reader_token)).matchAll(/^anjian_engine_points_total\{stage="(\w+)"\} (\d+)$/gm))
    metrics[m[1]] = Number(m[2]);
  return { rows, final, marks, failure, probe_wall_s, n_alarm_events, metrics };
}

function fmt(x) {
  return Number.isFinite(x) ? x.toFixed(2) : '-';
}

function report(opt, res) {
  const total = summary(res.rows.map((r) => r.total_ms));
  const ack = summary(res.rows.map((r) => r.ack_ms));
  const after = summary(res.rows.map((r) => r.after_ack_ms));
  let bg = null;
  if (res.final) {
    const [a, b] = res.marks;
    bg = { target_points_per_s: opt.rate,
      during_probes_points_per_s: b ? (b.accepted - a.accepted) / ((b.t_ms - a.t_ms) / 1000) : NaN,
      whole_run_points_per_s: res.final.points_per_s, accepted: res.final.accepted,
      requests: res.final.requests, retries_503: res.final.retries_503,
      skipped_batches: res.final.skipped_batches, tags: res.final.n_tags, points_per_tag_per_batch: res.final.per_tag,
      write_rtt_ms: res.final.lat_ms, failure: res.final.failure };
  }
  console.log(`probes: ${res.rows.length} of ${opt.probes} in ${res.probe_wall_s.toFixed(1)} s` +
    ` (${res.n_alarm_events} alarm events seen on the stream)`);
  if (bg) {
    console.log(`background: target ${opt.rate} points/s; achieved ${Math.round(bg.during_probes_points_per_s)} points/s` +
      ` during the probes, ${Math.round(bg.whole_run_points_per_s)} over the whole run` +
      ` (${bg.accepted} points acknowledged by 204 in ${bg.requests} requests over ${opt.conns} connections,` +
      ` ${bg.tags} tags, 503 retries ${bg.retries_503}, skipped batches ${bg.skipped_batches});` +
      ` background POST round trip p50 ${fmt(bg.write_rtt_ms.p50)} ms, p99 ${fmt(bg.write_rtt_ms.p99)} ms`);
  } else {
    console.log('background: none');
  }
  console.log(`server engine points: ${Object.entries(res.metrics).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log('');
  console.log('| ms | p50 | p90 | p99 | max |');
  console.log('|---|---|---|---|---|');
  for (const [name, s] of [['crossing POST → SSE event (t1 − t0)', total],
    ['crossing POST → 204 answer (t_ack − t0)', ack], ['204 answer → SSE event (t1 − t_ack)', after]])
    console.log(`| ${name} | ${fmt(s.p50)} | ${fmt(s.p90)} | ${fmt(s.p99)} | ${fmt(s.max)} |`);
  console.log('');
  console.log('RESULT ' + JSON.stringify({ probes: res.rows.length, total_ms: total, ack_ms: ack,
    after_ack_ms: after, background: bg, engine_points: res.metrics, failure: res.failure }));
}

const argv = process.argv.slice(2);
const is_load = argv[0] === 'load';
const opt = argv[0] === 'fsync' ? null : parse_args(is_load ? argv.slice(1) : argv);
if (argv[0] === 'fsync') {
  run_fsync(argv[1] || '.');
} else if (is_load) {
  run_load(opt).catch((e) => { console.error(`alarm-latency load: ${e.message}`); process.exit(1); });
} else {
  run_probes(opt).then((res) => {
    report(opt, res);
    const bad = res.failure || (res.final && res.final.failure);
    if (bad) { console.error(`alarm-latency: ${bad}`); process.exit(1); }
    process.exit(0);
  }).catch((e) => { console.error(`alarm-latency: ${e.message}`); process.exit(1); });
}
