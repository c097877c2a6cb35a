// ingest.test.mjs — POST /write (line protocol) and POST /api/v1/points into the engine,
// GET /api/v1/tags/{id}/history, permissions, and durability: kill -9 during sustained
// ingest loses no acknowledged point. Every case on each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { backends, startServer, login, api, cli, cleanup, tempFile, assertNoSanitizerReport, BIN, ROOT } from './lib/server.mjs';

const T0 = 1796083200000000000n; // 2026-12-01T00:00:00Z in ns
const SEC = 1000000000n;
const N_TAGS = 12;

async function write(base, token, body, precision = 'ns') {
  const r = await fetch(`${base}/write?precision=${precision}`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'text/plain; charset=utf-8' }, body,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
}

async function historyOnce(base, token, id, fromNs, toNs) {
  const from = new Date(Number(fromNs / 1000000n)).toISOString();
  const to = new Date(Number(toNs / 1000000n) + 1).toISOString();
  const r = await api(base, token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}&limit=100000`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** An acknowledged point is durable at once and visible to queries once the engine has
 * applied it (normally milliseconds later): poll until at least minPoints show, or 10 s. */
async function history(base, token, id, fromNs, toNs, minPoints = 1) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const h = await historyOnce(base, token, id, fromNs, toNs);
    if (h.points.length >= minPoints || Date.now() > deadline) return h;
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv, admin, site, tags, pw;

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      site = (await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'IN', name: '接入测试厂' })).body;
      tags = [];
      // count tags archive every change exactly (a step kind): the durability check can
      // then demand every acknowledged value back exactly.
      for (let i = 0; i < N_TAGS; i++) {
        const t = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: `IN.C${i}`, name: `计数${i}`, kind: 'count' });
        assert.equal(t.status, 201, t.text);
        tags.push(t.body);
      }
      const temp = await api(srv.url, admin.token, 'POST', '/api/v1/tags',
        { site_id: site.id, key: 'IN.TI-1', name: '温度', kind: 'temperature', range_lo: 0, range_hi: 200, unit: '℃' });
      assert.equal(temp.status, 201, temp.text);
      tags.temp = temp.body;
      pw = 'Coll-' + randomBytes(9).toString('base64url');
    });
    after(async () => { await srv.stop(); cleanup(srv.db); });

    it('POST /write takes line protocol: 204, and the points are in the history', async () => {
      const lines = [];
      for (let s = 0n; s < 30n; s++) lines.push(`IN C0=${s}i,C1=${100n + s}i ${T0 + s * SEC}`);
      const w = await write(srv.url, admin.token, lines.join('\n') + '\n');
      assert.equal(w.status, 204, JSON.stringify(w.body));
      const h0 = await history(srv.url, admin.token, tags[0].id, T0, T0 + 29n * SEC, 30);
      assert.deepEqual(h0.points.map((p) => p.v), Array.from({ length: 30 }, (_, i) => i));
      assert.deepEqual(h0.points.map((p) => BigInt(p.t_ns)), Array.from({ length: 30 }, (_, i) => T0 + BigInt(i) * SEC));
      assert.equal(h0.points[0].q, 'good');
      // precision=s and the aj_key tag mapping.
      const w2 = await write(srv.url, admin.token, `x,aj_key=IN.C2 value=7i ${T0 / SEC + 5n}\n`, 's');
      assert.equal(w2.status, 204, JSON.stringify(w2.body));
      const h2 = await history(srv.url, admin.token, tags[2].id, T0, T0 + 10n * SEC);
      assert.deepEqual(h2.points.map((p) => [BigInt(p.t_ns), p.v]), [[T0 + 5n * SEC, 7]]);
    });

    it('one request with 20,000 points of one tag: every point archived (no buffer overflow)', { timeout: 120000 }, async () => {
      const big = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: 'IN.BIG', name: '大批量', kind: 'count' });
      assert.equal(big.status, 201, big.text);
      const start = T0 + 5000n * SEC;
      const lines = [];
      for (let s = 0n; s < 20000n; s++) lines.push(`IN BIG=${s}i ${start + s * SEC}`);
      assert.equal((await write(srv.url, admin.token, lines.join('\n'))).status, 204);
      const h = await history(srv.url, admin.token, big.body.id, start, start + 19999n * SEC, 20000);
      assert.equal(h.points.length, 20000);
      assert.ok(h.points.every((p, i) => p.v === i), 'every value in order');
    });

    it('rejected lines and unknown keys are listed with their position; the good ones are kept', async () => {
      const body = [
        `IN C3=1i ${T0}`,
        'IN C3=', // line 2: no value
        `IN NOPE=1 ${T0}`, // unknown key
        `IN C3=2i ${T0 + SEC}`,
      ].join('\n');
      const w = await write(srv.url, admin.token, body);
      assert.equal(w.status, 400);
      assert.equal(w.body.accepted, 2);
      assert.equal(w.body.rejected, 2);
      const d = w.body.error.details;
      assert.ok(d.some((x) => x.line === 2 && x.column > 0 && x.reason), JSON.stringify(d));
      assert.ok(d.some((x) => x.line === 3 && x.key === 'IN.NOPE' && /unknown tag/.test(x.reason)), JSON.stringify(d));
      const h = await history(srv.url, admin.token, tags[3].id, T0, T0 + 5n * SEC, 2);
      assert.deepEqual(h.points.map((p) => p.v), [1, 2]);
      const bad = await write(srv.url, admin.token, `IN C3=1i ${T0}`, 'fortnights');
      assert.equal(bad.status, 400);
    });

    it('JSON batches on POST /api/v1/points, with per-point paths for rejects', async () => {
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/points', {
        points: [
          { key: 'IN.TI-1', t: '2026-12-01T00:00:00Z', value: 21.5 },
          { key: 'IN.TI-1', t_ns: Number(T0 + SEC), value: 21.75, quality: 'good' },
          { key: 'IN.NONE', t_ns: Number(T0), value: 1 },
        ],
      });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.accepted, 2);
      assert.equal(r.body.error.details[0].path, '$.points[2]');
      const h = await history(srv.url, admin.token, tags.temp.id, T0, T0 + SEC, 2);
      assert.deepEqual(h.points.map((p) => p.v), [21.5, 21.75]);
    });

    it('queries: value at t, aggregates per interval, M4 trend, CSV — on a known signal', async () => {
      // A step tag (count) of its own: values 0..59, one per second from T0 + 2000 s, and
      // a one-sample spike of 1000 half a second after the value 30.
      const q = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: 'IN.Q', name: '查询', kind: 'count' });
      assert.equal(q.status, 201, q.text);
      const base = T0 + 2000n * SEC;
      const pts = [];
      for (let s = 0n; s < 60n; s++) pts.push([base + s * SEC, `${s}i`]);
      pts.push([base + 30n * SEC + SEC / 2n, '1000i']);
      pts.sort((x, y) => (x[0] < y[0] ? -1 : 1));
      const body = pts.map(([t, v]) => `IN Q=${v} ${t}`).join('\n');
      assert.equal((await write(srv.url, admin.token, body)).status, 204);
      const id = q.body.id;
      await history(srv.url, admin.token, id, base, base + 59n * SEC, 61);
      const iso = (ns) => new Date(Number(ns / 1000000n)).toISOString();
      // Value at t: a step kind holds the previous value.
      const v = await api(srv.url, admin.token, 'GET', `/api/v1/tags/${id}/value?t=${iso(base + 10n * SEC + 500000000n)}`);
      assert.equal(v.status, 200, v.text);
      assert.equal(v.body.v, 10);
      assert.equal(v.body.method, 'step');
      assert.equal((await api(srv.url, admin.token, 'GET', `/api/v1/tags/${id}/value?t=${iso(base - 100n * SEC)}`)).status, 404);
      // Aggregates per 10 s over the first 30 s (before the spike): the step TWA of 0..9 is 4.5.
      const a = await api(srv.url, admin.token, 'GET',
        `/api/v1/tags/${id}/aggregates?from=${iso(base)}&to=${iso(base + 30n * SEC)}&interval=10`);
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.body.intervals.map((x) => [x.n, x.min, x.max, x.first, x.last]),
        [[10, 0, 9, 0, 9], [10, 10, 19, 10, 19], [10, 20, 29, 20, 29]]);
      assert.deepEqual(a.body.intervals.map((x) => x.twa), [4.5, 14.5, 24.5]);
      // A trend of 8 points keeps the spike.
      const t = await api(srv.url, admin.token, 'GET',
        `/api/v1/tags/${id}/trend?from=${iso(base)}&to=${iso(base + 59n * SEC)}&points=8`);
      assert.equal(t.status, 200, t.text);
      assert.ok(t.body.points.length <= 8 && t.body.n_raw === 61, JSON.stringify(t.body));
      assert.ok(t.body.points.some((p) => p.v === 1000), 'the spike survives downsampling');
      // The history as CSV.
      const r = await fetch(`${srv.url}/api/v1/tags/${id}/history?from=${iso(base)}&to=${iso(base + 2n * SEC)}&format=csv`,
        { headers: { Authorization: 'Bearer ' + admin.token } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), /text\/csv/);
      const csv = (await r.text()).trim().split('\r\n');
      assert.deepEqual(csv, ['time,value,quality', '2026-12-01T00:33:20.000000000Z,0,good',
        '2026-12-01T00:33:21.000000000Z,1,good', '2026-12-01T00:33:22.000000000Z,2,good']);
      assert.equal((await api(srv.url, admin.token, 'GET', `/api/v1/tags/${id}/aggregates?interval=0`)).status, 400);
    });

    it('needs data.write: 401 without a token, 403 for a worker; a collector account writes', async () => {
      assert.equal((await fetch(`${srv.url}/write`, { method: 'POST', body: `IN C4=1i ${T0}` })).status, 401);
      const env = { ANJIAN_USER_PASSWORD: pw };
      assert.equal(cli(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'w-in', '--roles', 'worker'], env).status, 0);
      assert.equal(cli(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'c-in', '--roles', 'collector'], env).status, 0);
      const worker = await login(srv.url, 'w-in', pw);
      assert.equal((await write(srv.url, worker.token, `IN C4=1i ${T0}`)).status, 403);
      const collector = await login(srv.url, 'c-in', pw);
      assert.equal((await write(srv.url, collector.token, `IN C4=1i ${T0}`)).status, 204);
      // A collector writes but reads nothing.
      assert.equal((await api(srv.url, collector.token, 'GET', `/api/v1/tags/${tags[4].id}/history`)).status, 403);
      // Another enterprise's tags are unknown keys for this caller.
      assert.equal(cli(srv.db, ['admin', 'create-enterprise', '--code', 'other', '--name', '别家']).status, 0);
      assert.equal(cli(srv.db, ['admin', 'create-user', '--enterprise', 'other', '--username', 'o-in', '--roles', 'admin'], env).status, 0);
      const other = await login(srv.url, 'o-in', pw);
      const w = await write(srv.url, other.token, `IN C4=9i ${T0 + SEC}`);
      assert.equal(w.status, 400);
      assert.equal((await api(srv.url, other.token, 'GET', `/api/v1/tags/${tags[4].id}/history`)).status, 404);
    });

    it('kill -9 during sustained ingest: after restart every acknowledged point is there', { timeout: 300000 }, async () => {
      const start = T0 + 1000n * SEC;
      const acked = []; // step numbers whose request answered 204
      let stop = false;
      const writer = (async () => {
        for (let s = 0n; !stop; s++) {
          const body = tags.map((_, i) => `IN C${i}=${s}i ${start + s * SEC}`).join('\n');
          let r;
          try { r = await write(srv.url, admin.token, body); } catch { break; } // the server died
          if (r.status === 204) acked.push(s);
          else if (r.status !== 503) throw new Error(`write answered ${r.status}`);
        }
      })();
      while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 150));
      await srv.kill9();
      stop = true;
      await writer;
      assert.ok(acked.length >= 40, `acknowledged ${acked.length}`);
      srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const last = acked[acked.length - 1];
      for (const tag of tags) {
        const h = await history(srv.url, admin.token, tag.id, start, start + last * SEC, acked.length);
        const got = new Map(h.points.map((p) => [BigInt(p.t_ns), p.v]));
        for (const s of acked) {
          assert.equal(got.get(start + s * SEC), Number(s), `${tag.key} step ${s} (of ${acked.length} acknowledged)`);
        }
      }
      // A clean stop archives everything; the chain of the audit log is untouched by ingest.
      await srv.stop();
      assert.equal(cli(srv.db, ['audit', 'verify']).status, 0);
      srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const h = await history(srv.url, admin.token, tags[0].id, start, start + last * SEC);
      assert.ok(h.points.length >= acked.length);
    });
  });
}

// The simulator feeding a real server: `anjian sim --url` logs in, sends line protocol
// for the demo plant; the server accepts every point (the keys are the plant's tags).
for (const backend of backends()) {
  describe(`${backend}: anjian sim --url`, () => {
    let srv, admin;
    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const imp = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import',
        readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
      assert.equal(imp.status, 200, imp.text);
    });
    after(async () => { await srv.stop(); cleanup(srv.db); });

    it('sends 2 minutes of the demo plant; every point accepted; history shows P-101', { timeout: 120000 }, async () => {
      const pwFile = tempFile('pw', srv.adminPassword);
      const r = spawnSync(BIN, ['sim', '--plant', join(ROOT, 'plants', 'demo-chemical.json'), '--url', srv.url, '--user', 'admin', '--password-file', pwFile,
        '--start', '2026-12-01T00:00:00Z', '--duration', '2m', '--step', '1s', '--speed', 'max', '--seed', '3'],
      { encoding: 'utf8', timeout: 110000 });
      assert.equal(r.status, 0, r.stderr);
      assertNoSanitizerReport('anjian sim', r.stderr);
      const tags = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8')).tags.length;
      assert.match(r.stderr, new RegExp(`\\b${tags * 120}\\b`), r.stderr); // points sent
      assert.doesNotMatch(r.stderr, /rejected[^0-9]*[1-9]/, r.stderr);
      const t = await api(srv.url, admin.token, 'GET', '/api/v1/tags?key=JS01.P-101.seal_temp');
      const id = t.body.items[0].id;
      const h = await history(srv.url, admin.token, id, T0, T0 + 120n * SEC, 2);
      assert.ok(h.points.length >= 2, JSON.stringify(h));
      assert.ok(h.points.every((p) => p.q === 'good' && p.v > 0 && p.v < 150), JSON.stringify(h.points.slice(0, 3)));
    });
  });
}
