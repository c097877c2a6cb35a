// vibration.test.mjs — POST /api/v1/vibration-blocks (docs/vibration.md): a raw waveform
// block of the demo plant's pump P-101 in, its 1x/2x/3x running-speed amplitudes out (in the
// answer and as points of JS01.P-101.vib_1x/_2x/_3x); acceleration input; an asset with only
// vib_1x; bad blocks (400 with the JSON path, nothing written), unknown asset (404), an asset
// without vib roles (409), a late block (409), permissions (401/403) and scope (404 outside
// the caller's enterprise or sites). Every case on each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { backends, startServer, login, api, cli, cleanup, ROOT } from './lib/server.mjs';

const T0_MS = Date.parse('2026-12-01T08:00:00Z');
const FS = 5120;
const N = 8192;
const F0 = 24.75;
const RMS = [2.0, 1.2, 0.4];

/** Seeded Gaussian noise (xorshift32 + Box-Muller): the same block on every run. */
function noiseSource(seed) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Velocity (mm/s) or acceleration (m/s2) samples of the three harmonics plus noise. */
function block({ f0 = F0, fs = FS, n = N, rms = RMS, noise = 0.05, accel = false, dc = 0, seed = 7 } = {}) {
  const gauss = noiseSource(seed);
  const samples = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / fs;
    let v = dc;
    for (let h = 0; h < 3; h++) {
      const w = 2 * Math.PI * (h + 1) * f0;
      const p = 0.4 * (h + 1) + h;
      v += accel ? Math.SQRT2 * rms[h] * w / 1000 * Math.cos(w * t + p) : Math.SQRT2 * rms[h] * Math.sin(w * t + p);
    }
    samples[i] = Number((v + noise * gauss()).toFixed(5));
  }
  return samples;
}

function body(fields, samples = block()) {
  return { asset: 'P-101', t: new Date(T0_MS).toISOString(), sample_rate_hz: FS, running_speed_hz: F0, unit: 'mm/s', ...fields, samples };
}

function near(actual, expected, relTol, what) {
  assert.ok(Math.abs(actual / expected - 1) <= relTol, `${what}: ${actual}, expected ${expected} within ${relTol * 100} %`);
}

for (const backend of backends()) {
  describe(backend, () => {
    let srv, admin, tagIds, pw;

    const post = (token, b) => api(srv.url, token, 'POST', '/api/v1/vibration-blocks', b);

    async function history(id, fromMs, toMs, minPoints = 1) {
      const from = new Date(fromMs).toISOString();
      const to = new Date(toMs).toISOString();
      const deadline = Date.now() + 10000;
      for (;;) {
        const r = await api(srv.url, admin.token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}`);
        assert.equal(r.status, 200, r.text);
        if (r.body.points.length >= minPoints || Date.now() > deadline) return r.body.points;
        await new Promise((res) => setTimeout(res, 20));
      }
    }

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const imp = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import',
        readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
      assert.equal(imp.status, 200, imp.text);
      tagIds = {};
      for (const key of ['JS01.P-101.vib_1x', 'JS01.P-101.vib_2x', 'JS01.P-101.vib_3x', 'JS01.P-102.vib_1x', 'JS01.M-P101.vib_1x']) {
        const t = await api(srv.url, admin.token, 'GET', `/api/v1/tags?key=${key}`);
        assert.equal(t.status, 200, t.text);
        assert.equal(t.body.items.length, 1, key);
        tagIds[key] = t.body.items[0].id;
      }
      pw = 'Vib-' + randomBytes(9).toString('base64url');
    });
    after(async () => { await srv.stop(); cleanup(srv.db); });

    it('P-101 velocity block: 200 with 1x/2x/3x within 1 %, the points in the vib tags', async () => {
      const r = await post(admin.token, body());
      assert.equal(r.status, 200, r.text);
      const a = r.body;
      near(a.amplitudes.vib_1x, 2.0, 0.01, '1x');
      near(a.amplitudes.vib_2x, 1.2, 0.01, '2x');
      near(a.amplitudes.vib_3x, 0.4, 0.01, '3x');
      assert.deepEqual(a.harmonics.map((h) => [h.order, h.role]), [[1, 'vib_1x'], [2, 'vib_2x'], [3, 'vib_3x']]);
      for (const h of a.harmonics) assert.ok(Math.abs(h.frequency_hz - h.order * F0) < 0.1, JSON.stringify(h));
      assert.equal(a.resolution_hz, FS / N);
      near(a.overall_rms_mm_s, Math.hypot(...RMS), 0.01, 'overall');
      assert.deepEqual(a.overall_band_hz, [10, 1000]);
      assert.equal(a.asset.code, 'P-101');
      assert.equal(a.block.n_samples, N);
      assert.equal(a.block.unit, 'mm/s');
      assert.equal(a.block.duration_s, N / FS);
      // the points' time: the block's middle
      assert.equal(BigInt(a.t_ns), BigInt(T0_MS) * 1000000n + 800000000n);
      assert.equal(a.t, '2026-12-01T08:00:00.800000000Z');
      assert.deepEqual(a.written.map((w) => w.key).sort(), ['JS01.P-101.vib_1x', 'JS01.P-101.vib_2x', 'JS01.P-101.vib_3x']);
      assert.deepEqual(a.missing_roles, []);
      assert.equal(a.lines.length, 20);
      assert.ok(Math.abs(a.lines[0].frequency_hz - F0) < 0.1);
      for (let i = 1; i < a.lines.length; i++) assert.ok(a.lines[i].rms_mm_s <= a.lines[i - 1].rms_mm_s);
      // durable when answered, visible once the engine applied it
      const pts = await history(tagIds['JS01.P-101.vib_2x'], T0_MS, T0_MS + 2000);
      assert.equal(pts.length, 1, JSON.stringify(pts));
      assert.equal(BigInt(pts[0].t_ns), BigInt(a.t_ns));
      assert.ok(Math.abs(pts[0].v - a.amplitudes.vib_2x) < 1e-6, `${pts[0].v} vs ${a.amplitudes.vib_2x}`);
      assert.equal(pts[0].q, 'good');
      const p1 = await history(tagIds['JS01.P-101.vib_1x'], T0_MS, T0_MS + 2000);
      assert.ok(Math.abs(p1[0].v - a.amplitudes.vib_1x) < 1e-6);
    });

    it('acceleration (m/s2) with rpm and asset_id is integrated to the same mm/s; a DC offset changes nothing', async () => {
      const assets = await api(srv.url, admin.token, 'GET', '/api/v1/assets?q=P-102');
      const p102 = assets.body.items.find((x) => x.code === 'P-102');
      assert.ok(p102, assets.text);
      const samples = block({ accel: true, dc: 9.81, noise: 0.01 });
      const r = await post(admin.token, { asset_id: p102.id, t_ns: String(BigInt(T0_MS) * 1000000n), sample_rate_hz: FS, rpm: F0 * 60, unit: 'm/s2', samples });
      // t_ns must be an integer, not a string
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.body.error.details, [{ path: '$.t_ns', reason: 'must be an integer (ns since the epoch)' }]);
      const ok = await post(admin.token, { asset_id: p102.id, t_ns: T0_MS * 1000000, sample_rate_hz: FS, rpm: F0 * 60, unit: 'm/s2', samples });
      assert.equal(ok.status, 200, ok.text);
      near(ok.body.amplitudes.vib_1x, 2.0, 0.005, '1x');
      near(ok.body.amplitudes.vib_2x, 1.2, 0.005, '2x');
      near(ok.body.amplitudes.vib_3x, 0.4, 0.01, '3x');
      assert.equal(ok.body.block.unit, 'm/s2');
      assert.equal(ok.body.block.running_speed_hz, F0);
      const pts = await history(tagIds['JS01.P-102.vib_1x'], T0_MS, T0_MS + 2000);
      assert.ok(Math.abs(pts[0].v - ok.body.amplitudes.vib_1x) < 1e-6);
    });

    it('a motor with only vib_1x: that one is written, the others named missing', async () => {
      const r = await post(admin.token, body({ asset: 'M-P101' }));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.written.map((w) => [w.key, w.role]), [['JS01.M-P101.vib_1x', 'vib_1x']]);
      assert.deepEqual(r.body.missing_roles, ['vib_2x', 'vib_3x']);
      near(r.body.amplitudes.vib_2x, 1.2, 0.01, '2x still reported');
      const pts = await history(tagIds['JS01.M-P101.vib_1x'], T0_MS, T0_MS + 2000);
      assert.equal(pts.length, 1);
    });

    it('bad blocks: 400 naming the JSON path, nothing written', async () => {
      const later = T0_MS + 3600000;
      const t = new Date(later).toISOString();
      const bad = [
        [body({ t, sensor: 'S1' }), '$.sensor', /unknown field/],
        [body({ t }, [...block().slice(0, 5), 'x', ...block().slice(6)]), '$.samples[5]', /must be a number/],
        [body({ t }, [...block().slice(0, 9), 2e6, ...block().slice(10)]), '$.samples[9]', /within \+-1e\+06/],
        [body({ t, running_speed_hz: 900 }), '$.running_speed_hz', /below the Nyquist frequency/],
        [body({ t }, block({ n: 1024 })), '$.samples', /covers 4\.95 shaft revolutions.*at least 8/],
        [body({ t }, block({ n: 100 })), '$.samples', /has 100 samples: 256\.\.65536 needed/],
        [body({ t, unit: 'g' }), '$.unit', /"mm\/s" \(velocity\) or "m\/s2"/],
        [body({ t, rpm: 1485 }), '$.rpm', /either running_speed_hz or rpm/],
        [body({ t: 'yesterday' }), '$.t', /RFC 3339/],
        [body({ t, sample_rate_hz: 50 }), '$.sample_rate_hz', /within 100\.\.204800 Hz/],
        [body({ t, asset: undefined }), '$.asset', /required/],
      ];
      for (const [b, path, reason] of bad) {
        const r = await post(admin.token, b);
        assert.equal(r.status, 400, `${path}: ${r.text}`);
        assert.equal(r.body.error.code, 'invalid');
        assert.equal(r.body.error.details.length, 1);
        assert.equal(r.body.error.details[0].path, path);
        assert.match(r.body.error.details[0].reason, reason);
        assert.match(r.body.error.message, new RegExp(`^\\${path.replace(/[[\]]/g, '\\$&')}: .*nothing was written$`));
      }
      const notJson = await api(srv.url, admin.token, 'POST', '/api/v1/vibration-blocks', '{"asset": ');
      assert.equal(notJson.status, 400);
      await new Promise((res) => setTimeout(res, 200));
      const pts = await history(tagIds['JS01.P-101.vib_2x'], later - 1000, later + 5000, 0);
      assert.deepEqual(pts, []);
    });

    it('unknown asset 404; an asset without vib roles 409 naming them; a late block 409', async () => {
      const later = new Date(T0_MS + 7200000).toISOString();
      const unknown = await post(admin.token, body({ t: later, asset: 'P-999' }));
      assert.equal(unknown.status, 404, unknown.text);
      assert.match(unknown.body.error.message, /P-999/);
      assert.equal((await post(admin.token, body({ t: later, asset: undefined, asset_id: 999999 }))).status, 404);
      const tank = await post(admin.token, body({ t: later, asset: 'T-101' }));
      assert.equal(tank.status, 409, tank.text);
      assert.match(tank.body.error.message, /vib_1x, vib_2x or vib_3x/);
      assert.deepEqual(tank.body.error.details.missing_roles, ['vib_1x', 'vib_2x', 'vib_3x']);
      // the first block again: its middle is not after the tags' newest points
      const late = await post(admin.token, body());
      assert.equal(late.status, 409, late.text);
      assert.match(late.body.error.message, /late: tag JS01\.P-101\.vib_/);
      const pts = await history(tagIds['JS01.P-101.vib_2x'], T0_MS, T0_MS + 2000);
      assert.equal(pts.length, 1);
    });

    it('needs data.write: 401 without a token, 403 for a worker; a collector writes; scope is the enterprise and sites', async () => {
      const later = new Date(T0_MS + 10800000).toISOString();
      assert.equal((await post(null, body({ t: later }))).status, 401);
      const env = { ANJIAN_USER_PASSWORD: pw };
      assert.equal(cli(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'w-vib', '--roles', 'worker'], env).status, 0);
      assert.equal(cli(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'c-vib', '--roles', 'collector'], env).status, 0);
      const worker = await login(srv.url, 'w-vib', pw);
      const denied = await post(worker.token, body({ t: later }));
      assert.equal(denied.status, 403, denied.text);
      const collector = await login(srv.url, 'c-vib', pw);
      const ok = await post(collector.token, body({ t: later }));
      assert.equal(ok.status, 200, ok.text);
      // another enterprise does not see P-101
      assert.equal(cli(srv.db, ['admin', 'create-enterprise', '--code', 'other', '--name', '别家']).status, 0);
      assert.equal(cli(srv.db, ['admin', 'create-user', '--enterprise', 'other', '--username', 'o-vib', '--roles', 'admin'], env).status, 0);
      const other = await login(srv.url, 'o-vib', pw);
      const outside = await post(other.token, body({ t: new Date(T0_MS + 14400000).toISOString() }));
      assert.equal(outside.status, 404, outside.text);
      // a collector limited to another site does not see it either
      const site2 = await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'VB2', name: '二厂' });
      assert.equal(site2.status, 201, site2.text);
      const u = await api(srv.url, admin.token, 'POST', '/api/v1/users',
        { username: 'c-vib-site', display_name: '二厂采集', password: pw, roles: ['collector'], site_ids: [site2.body.id] });
      assert.equal(u.status, 201, u.text);
      const siteCollector = await login(srv.url, 'c-vib-site', pw);
      const limited = await post(siteCollector.token, body({ t: new Date(T0_MS + 14400000).toISOString() }));
      assert.equal(limited.status, 404, limited.text);
    });
  });
}
