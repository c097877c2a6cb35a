// lateness.test.mjs — out-of-order and late points (docs/historian.md "Late and
// out-of-order points") and archive retention, on each backend:
//   - without a reorder window a point not after its tag's latest is rejected by name
//     (line and field), the rest of the request is kept;
//   - with --reorder-window-ms, points of a tag that come out of order within the window
//     are archived in time order; older ones are rejected;
//   - with --retention-days, chunks older than the window of event time are deleted.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends, startServer, login, api, cleanup } from './lib/server.mjs';

const T0 = 1796083200n; // 2026-12-01T00:00:00Z, seconds
const DAY = 86400n;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function write(base, token, lines) {
  const r = await fetch(`${base}/write?precision=s`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: lines.join('\n') + '\n',
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function history(base, token, id, fromS, toS) {
  const from = new Date(Number(fromS) * 1000).toISOString();
  const to = new Date(Number(toS) * 1000 + 1).toISOString();
  const r = await api(base, token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}&limit=100000`);
  assert.equal(r.status, 200, r.text);
  return r.body.points.map((p) => [Number(BigInt(p.t_ns) / 1000000000n - T0), p.v]);
}

async function until(what, fn, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

async function setup(backend, args) {
  const srv = await startServer(backend, { args });
  const admin = await login(srv.url, 'admin', srv.adminPassword);
  const site = (await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'LT', name: '迟到测试' })).body;
  const tag = (await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: 'LT.C1', name: '计数', kind: 'count' })).body;
  return { srv, admin, tag };
}

for (const backend of backends()) {
  describe(backend, () => {
    const servers = [];
    after(async () => { for (const s of servers) { await s.stop(); cleanup(s.db); } });

    it('without a reorder window, a point not after its tag\'s latest is rejected with its line; the rest is kept', async () => {
      const { srv, admin, tag } = await setup(backend, []);
      servers.push(srv);
      const ok = await write(srv.url, admin.token, [10, 11, 12].map((s) => `x,aj_key=LT.C1 value=${s}i ${T0 + BigInt(s)}`));
      assert.equal(ok.status, 204);
      await until('applied', async () => (await history(srv.url, admin.token, tag.id, T0, T0 + 20n)).length === 3);
      const w = await write(srv.url, admin.token, [
        `x,aj_key=LT.C1 value=11i ${T0 + 11n}`, // not after 12: late
        `x,aj_key=LT.C1 value=20i ${T0 + 20n}`,
        `x,aj_key=LT.C1 value=19i ${T0 + 19n}`, // out of order in the request: late
        `x,aj_key=LT.C1 value=21i ${T0 + 21n}`,
      ]);
      assert.equal(w.status, 400);
      assert.deepEqual([w.body.accepted, w.body.rejected], [2, 2]);
      assert.deepEqual(w.body.error.details.map((d) => d.line), [1, 3]);
      assert.match(w.body.error.details[0].reason, /late/);
      const h = await until('kept', async () => {
        const x = await history(srv.url, admin.token, tag.id, T0, T0 + 30n);
        return x.length === 5 && x;
      });
      assert.deepEqual(h, [[10, 10], [11, 11], [12, 12], [20, 20], [21, 21]]);
    });

    it('with --reorder-window-ms, out-of-order points within the window are archived in time order', async () => {
      const { srv, admin, tag } = await setup(backend, ['--reorder-window-ms', '5000']);
      servers.push(srv);
      const put = async (pairs) => write(srv.url, admin.token, pairs.map(([s, v]) => `x,aj_key=LT.C1 value=${v}i ${T0 + BigInt(s)}`));
      assert.equal((await put([[1, 1], [3, 3], [2, 2]])).status, 204);
      assert.equal((await put([[5, 5], [4, 4]])).status, 204);
      // Held until the newest point is 5 s later: t=20 releases 1..5 (and is held itself).
      assert.equal((await put([[20, 20]])).status, 204);
      const h = await until('released in order', async () => {
        const x = await history(srv.url, admin.token, tag.id, T0, T0 + 10n);
        return x.length === 5 && x;
      });
      assert.deepEqual(h, [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]);
      // Older than what was applied: rejected.
      const late = await put([[2, 99]]);
      assert.equal(late.status, 400);
      assert.deepEqual([late.body.accepted, late.body.rejected], [0, 1]);
      const m = await api(srv.url, admin.token, 'GET', '/metrics');
      assert.match(m.text, /anjian_engine_points_total\{stage="reordered"\} [1-9]/);
      // SIGTERM applies what is still held (t=20) before it stops.
      await srv.stop();
      servers.pop();
      const srv2 = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword, args: ['--reorder-window-ms', '5000'] });
      servers.push(srv2);
      const admin2 = await login(srv2.url, 'admin', srv2.adminPassword);
      assert.deepEqual((await history(srv2.url, admin2.token, tag.id, T0 + 15n, T0 + 25n)), [[20, 20]]);
    });

    it('with --retention-days, archived points older than the window of event time are deleted', { timeout: 60000 }, async () => {
      const { srv, admin, tag } = await setup(backend, ['--retention-days', '1']);
      servers.push(srv);
      // 600 changes (a count tag archives each): one full chunk of 512 is written.
      const old = Array.from({ length: 600 }, (_, i) => `x,aj_key=LT.C1 value=${i}i ${T0 + BigInt(i)}`);
      assert.equal((await write(srv.url, admin.token, old)).status, 204);
      await until('old chunk archived', async () => {
        const m = await api(srv.url, admin.token, 'GET', '/metrics');
        return /anjian_engine_chunks_total\{op="written"\} [1-9]/.test(m.text);
      });
      assert.equal((await history(srv.url, admin.token, tag.id, T0, T0 + 599n)).length, 600);
      // Three days later: the first chunk is beyond the 1-day window.
      assert.equal((await write(srv.url, admin.token, [`x,aj_key=LT.C1 value=7i ${T0 + 3n * DAY}`])).status, 204);
      await until('expired', async () => {
        const m = await api(srv.url, admin.token, 'GET', '/metrics');
        return /anjian_engine_chunks_total\{op="expired"\} [1-9]/.test(m.text);
      }, 30000);
      const h = await history(srv.url, admin.token, tag.id, T0, T0 + 599n);
      assert.ok(h.length < 600 && h.every(([s]) => s >= 512), `the first 512 points are gone (${h.length} left)`);
      assert.deepEqual(await history(srv.url, admin.token, tag.id, T0 + 3n * DAY, T0 + 3n * DAY), [[Number(3n * DAY), 7]]);
    });
  });
}
