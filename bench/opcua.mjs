// opcua.mjs — the cost of anjian's OPC UA client (src/opcua/, src/ingest/opcua_ingest.c)
// against a node-opcua client doing the same work, in the same run (issue 7):
//
//   a node-opcua server (tests/e2e/lib/opcua_server.mjs --items N) whose N Double variables
//   all change once a second with the source timestamp of the change;
//   phase A: `anjian serve` with a map of the N items (one endpoint, security None,
//            publishing PUB_MS, sampling SAMPLE_MS, queue 10), values into the historian
//            (SQLite) — its CPU (utime + stime from /proc) over SECONDS after WARMUP_S,
//            points per second and the data age (source timestamp -> point durable in the
//            engine) from /metrics (anjian_opcua_data_age_seconds histogram);
//   phase B: a node-opcua client (OPCUAClient + ClientMonitoredItemGroup, same parameters)
//            that only counts the notifications and their age (source timestamp -> the
//            callback) — its CPU over the same SECONDS.
//   The ratio is anjian's CPU per 1000 notifications over the node-opcua client's.
//
// With PIN=1 (default on 2+ CPUs) the server runs on CPU 0 and each client on CPU 1.
// Usage: ANJIAN_BIN=build/anjian node bench/opcua.mjs [--items 10000] [--seconds 60]
//          [--warmup 15] [--pub-ms 250] [--sample-ms 250]
// Prints both phases and one line `RESULT {...}`; exit 1 when a phase did not get the
// expected notifications (fewer than 90 % of items × seconds).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, openSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const E2E = join(ROOT, 'tests', 'e2e');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function args() {
  const o = { items: 10000, seconds: 60, warmup: 15, 'pub-ms': 250, 'sample-ms': 250, mode: 'main', port: 0 };
  const a = process.argv.slice(2);
  if (a[0] === 'client') { o.mode = 'client'; a.shift(); }
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o)) throw new Error('unknown option ' + a[i]);
    o[k] = Number(a[i + 1]);
  }
  return o;
}
const opt = args();

// ---- phase B's measuring client (a child process) ---------------------------------------
async function nodeClient() {
  const ua = await import(join(E2E, 'node_modules', 'node-opcua', 'dist', 'index.js'));
  const client = ua.OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 3 } });
  await client.connect(`opc.tcp://127.0.0.1:${opt.port}`);
  const session = await client.createSession();
  const sub = await session.createSubscription2({
    requestedPublishingInterval: opt['pub-ms'], requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 60,
    maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 0,
  });
  const items = [];
  for (let i = 0; i < opt.items; i++) items.push({ nodeId: `ns=1;s=Bench.${i}`, attributeId: ua.AttributeIds.Value });
  const group = ua.ClientMonitoredItemGroup.create(sub, items,
    { samplingInterval: opt['sample-ms'], queueSize: 10, discardOldest: true }, ua.TimestampsToReturn.Both);
  let measuring = false, n = 0, ageSum = 0;
  const ages = [];
  group.on('changed', (_item, dv) => {
    if (!measuring) return;
    n++;
    const age = Date.now() - dv.sourceTimestamp.getTime();
    ageSum += age;
    if (ages.length < 2e6) ages.push(age);
  });
  await new Promise((r) => group.on('initialized', r));
  process.send({ ready: true });
  await new Promise((r) => process.once('message', r)); // start
  measuring = true;
  await new Promise((r) => process.once('message', r)); // stop
  measuring = false;
  ages.sort((a, b) => a - b);
  const q = (f) => ages.length ? ages[Math.min(ages.length - 1, Math.floor(f * ages.length))] : null;
  process.send({ n, age_mean_ms: n ? ageSum / n : null, age_p50_ms: q(0.5), age_p99_ms: q(0.99) });
  await sub.terminate(); await session.close(); await client.disconnect();
  process.exit(0);
}

// ---- the orchestrator -------------------------------------------------------------------
const HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / HZ; // utime + stime (fields 14, 15)
}
async function freePort() {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
}
const pin = process.env.PIN !== '0' && cpus().length >= 2;
const onCpu = (cpu, cmd, a) => (pin ? ['taskset', ['-c', String(cpu), cmd, ...a]] : [cmd, a]);

function run(cmd, a, env = {}) {
  const r = spawnSync(cmd, a, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function metrics(base, token) {
  const r = await fetch(base + '/metrics', { headers: { Authorization: 'Bearer ' + token } });
  const text = await r.text();
  const out = { points: 0, buckets: [] };
  for (const line of text.split('\n')) {
    let m = line.match(/^anjian_opcua_points_total\{endpoint="B"\} (\d+)/);
    if (m) out.points = Number(m[1]);
    m = line.match(/^anjian_opcua_data_age_seconds_bucket\{endpoint="B",le="([^"]+)"\} (\d+)/);
    if (m) out.buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, Number(m[2])]);
    m = line.match(/^anjian_opcua_data_age_seconds_sum\{endpoint="B"\} ([\d.]+)/);
    if (m) out.sum_ms = Number(m[1]) * 1000;
  }
  return out;
}
/** The q-quantile (ms) of the difference of two cumulative histograms (linear within a bucket). */
function quantile(a, b, q) {
  const d = b.buckets.map(([le, c], i) => [le, c - a.buckets[i][1]]);
  const total = d[d.length - 1][1];
  if (!total) return null;
  const want = q * total;
  let lo = 0, prev = 0;
  for (const [le, c] of d) {
    if (c >= want) return le === Infinity ? lo : lo + ((want - prev) / Math.max(1, c - prev)) * (le - lo);
    lo = le; prev = c;
  }
  return lo;
}

async function main() {
  const bin = process.env.ANJIAN_BIN || join(ROOT, 'build', 'anjian');
  const work = mkdtempSync(join(tmpdir(), 'aj-opcua-bench-'));
  const procs = [];
  const cleanup = () => { for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL'); rmSync(work, { recursive: true, force: true }); };
  process.on('exit', cleanup);
  try {
    // plant: N tags, 10 per asset
    const plant = { format: 'anjian-plant', version: 1, site: { code: 'B', name: '基准', name_en: 'Bench' },
      areas: [{ code: 'A0', name: '区域', kind: 'process_unit', polygon: [[0, 0], [90, 0], [90, 90], [0, 90]] }], assets: [], tags: [] };
    const items = [];
    for (let i = 0; i < opt.items; i++) {
      if (i % 10 === 0) plant.assets.push({ code: `V-${i / 10}`, name: `阀门${i / 10}`, template: 'valve', area: 'A0', x: 10, y: 10 });
      const key = `B.V-${Math.floor(i / 10)}.p${i % 10}`;
      plant.tags.push({ key, name: key, unit: 'MPa', kind: 'pressure', range: [0, 1e9], asset: `V-${Math.floor(i / 10)}` });
      items.push({ tag: key, node_id: `ns=1;s=Bench.${i}`, sampling_ms: opt['sample-ms'], queue_size: 10 });
    }
    writeFileSync(join(work, 'plant.json'), JSON.stringify(plant));
    const db = `sqlite:${join(work, 'a.db')}`;
    const pw = 'Bench-' + Math.random().toString(36).slice(2);
    writeFileSync(join(work, 'pw'), pw);
    run(bin, ['admin', 'create-enterprise', '--db', db, '--code', 'demo', '--name', '演示']);
    run(bin, ['admin', 'create-user', '--db', db, '--enterprise', 'demo', '--username', 'admin', '--roles', 'admin', '--password-file', join(work, 'pw')]);
    run(bin, ['admin', 'import-plant', '--db', db, '--enterprise', 'demo', join(work, 'plant.json')]);

    // the server
    const uaPort = await freePort();
    const [scmd, sargs] = onCpu(0, process.execPath, [join(E2E, 'lib', 'opcua_server.mjs'), '--port', String(uaPort), '--pki', join(work, 'spki'), '--items', String(opt.items)]);
    const server = spawn(scmd, sargs, { stdio: ['ignore', 'pipe', openSync(join(work, 'server.log'), 'w')] });
    procs.push(server);
    await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d) => { out += d; if (out.includes('"ready"')) resolve(); });
      server.on('exit', (c) => reject(new Error('node-opcua server exited ' + c)));
    });
    const serverPid = pin ? Number(spawnSync('pgrep', ['-P', String(server.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]) || server.pid : server.pid;

    // phase A: anjian
    const map = { format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'B', url: `opc.tcp://127.0.0.1:${uaPort}`,
      publishing_interval_ms: opt['pub-ms'], keepalive_count: 10, timeout_ms: 20000, items }] };
    writeFileSync(join(work, 'map.json'), JSON.stringify(map));
    const httpPort = await freePort();
    const [acmd, aargs] = onCpu(1, bin, ['serve', '--db', db, '--listen', `127.0.0.1:${httpPort}`, '--opcua-map', join(work, 'map.json'),
      '--opcua-enterprise', 'demo', '--opcua-pki-dir', join(work, 'apki')]);
    const anjian = spawn(acmd, aargs, { stdio: ['ignore', 'ignore', openSync(join(work, 'serve.log'), 'w')], env: { ...process.env, ANJIAN_LOG_LEVEL: 'warn' } });
    procs.push(anjian);
    const base = `http://127.0.0.1:${httpPort}`;
    let token;
    for (let i = 0; i < 600 && !token; i++) {
      await sleep(100);
      try {
        const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: pw }) });
        if (r.ok) token = (await r.json()).token;
      } catch { /* not up yet */ }
    }
    if (!token) throw new Error('anjian did not start');
    const anjianPid = pin ? Number(spawnSync('pgrep', ['-P', String(anjian.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]) || anjian.pid : anjian.pid;
    const tConnect = Date.now();
    for (;;) {
      const r = await (await fetch(base + '/api/v1/connections', { headers: { Authorization: 'Bearer ' + token } })).json();
      const e = r.items.find((x) => x.code === 'B');
      if (e && e.state === 'connected') break;
      if (Date.now() - tConnect > 120000) throw new Error('anjian did not subscribe: ' + JSON.stringify(e));
      await sleep(200);
    }
    const subscribeS = (Date.now() - tConnect) / 1000;
    await sleep(opt.warmup * 1000);
    const m0 = await metrics(base, token);
    const a0 = cpuSeconds(anjianPid), s0 = cpuSeconds(serverPid), t0 = Date.now();
    await sleep(opt.seconds * 1000);
    const m1 = await metrics(base, token);
    const a1 = cpuSeconds(anjianPid), s1 = cpuSeconds(serverPid), t1 = Date.now();
    anjian.kill('SIGTERM');
    await new Promise((r) => anjian.on('exit', r));
    const wallA = (t1 - t0) / 1000;
    const A = {
      notifications: m1.points - m0.points, per_s: (m1.points - m0.points) / wallA,
      cpu_pct: ((a1 - a0) / wallA) * 100, server_cpu_pct: ((s1 - s0) / wallA) * 100,
      cpu_us_per_1000: ((a1 - a0) * 1e6) / Math.max(1, (m1.points - m0.points) / 1000),
      age_mean_ms: (m1.sum_ms - m0.sum_ms) / Math.max(1, m1.buckets.at(-1)[1] - m0.buckets.at(-1)[1]),
      age_p50_ms: quantile(m0, m1, 0.5), age_p99_ms: quantile(m0, m1, 0.99), subscribe_s: subscribeS,
    };

    // phase B: the node-opcua client
    const [ccmd, cargs] = onCpu(1, process.execPath, [fileURLToPath(import.meta.url), 'client', '--port', String(uaPort),
      '--items', String(opt.items), '--pub-ms', String(opt['pub-ms']), '--sample-ms', String(opt['sample-ms'])]);
    const child = spawn(ccmd, cargs, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    procs.push(child);
    const msgs = [];
    child.on('message', (m) => msgs.push(m));
    const waitMsg = async (k) => { while (msgs.length < k) { if (child.exitCode !== null) throw new Error('node-opcua client exited'); await sleep(50); } return msgs[k - 1]; };
    const tB = Date.now();
    await waitMsg(1);
    const subscribeB = (Date.now() - tB) / 1000;
    const clientPid = pin ? Number(spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.trim().split('\n')[0]) || child.pid : child.pid;
    await sleep(opt.warmup * 1000);
    const c0 = cpuSeconds(clientPid), s2 = cpuSeconds(serverPid), t2 = Date.now();
    child.send('start');
    await sleep(opt.seconds * 1000);
    child.send('stop');
    const c1 = cpuSeconds(clientPid), s3 = cpuSeconds(serverPid), t3 = Date.now();
    const rb = await waitMsg(2);
    const wallB = (t3 - t2) / 1000;
    const B = {
      notifications: rb.n, per_s: rb.n / wallB, cpu_pct: ((c1 - c0) / wallB) * 100, server_cpu_pct: ((s3 - s2) / wallB) * 100,
      cpu_us_per_1000: ((c1 - c0) * 1e6) / Math.max(1, rb.n / 1000),
      age_mean_ms: rb.age_mean_ms, age_p50_ms: rb.age_p50_ms, age_p99_ms: rb.age_p99_ms, subscribe_s: subscribeB,
    };
    const ratio = A.cpu_us_per_1000 / B.cpu_us_per_1000;
    const f = (x, d = 1) => (x === null || x === undefined ? '-' : Number(x).toFixed(d));
    console.log(`OPC UA: ${opt.items} items changing at 1 Hz, publishing ${opt['pub-ms']} ms, sampling ${opt['sample-ms']} ms, ${opt.seconds} s measured after ${opt.warmup} s (${pin ? 'server on CPU 0, client on CPU 1' : 'not pinned'})`);
    console.log('| client | notifications/s | client CPU % | CPU µs / 1000 notifications | data age p50 / p99 / mean ms | server CPU % | subscribe s |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(`| anjian (values durable in the historian) | ${f(A.per_s, 0)} | ${f(A.cpu_pct)} | ${f(A.cpu_us_per_1000, 0)} | ${f(A.age_p50_ms, 0)} / ${f(A.age_p99_ms, 0)} / ${f(A.age_mean_ms, 0)} | ${f(A.server_cpu_pct)} | ${f(A.subscribe_s)} |`);
    console.log(`| node-opcua client (counting only) | ${f(B.per_s, 0)} | ${f(B.cpu_pct)} | ${f(B.cpu_us_per_1000, 0)} | ${f(B.age_p50_ms, 0)} / ${f(B.age_p99_ms, 0)} / ${f(B.age_mean_ms, 0)} | ${f(B.server_cpu_pct)} | ${f(B.subscribe_s)} |`);
    console.log(`CPU ratio anjian / node-opcua client per notification: ${ratio.toFixed(3)}`);
    console.log('RESULT ' + JSON.stringify({ items: opt.items, seconds: opt.seconds, anjian: A, node_opcua: B, cpu_ratio: ratio }));
    const want = 0.9 * opt.items;
    if (A.per_s < want || B.per_s < want) { console.error(`a phase got fewer than ${want} notifications/s`); process.exitCode = 1; }
  } finally {
    cleanup();
  }
}

if (opt.mode === 'client') nodeClient().catch((e) => { console.error(e); process.exit(1); });
else main().catch((e) => { console.error(e); process.exit(1); });
