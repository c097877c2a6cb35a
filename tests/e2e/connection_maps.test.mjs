// connection_maps.test.mjs — connection maps kept in the database (docs/connections.md),
// against real peers (a node-opcua server, a modbus-serial server):
// - PUT /api/v1/connection-maps/opcua runs the map at once: the endpoint connects and values
//   arrive; GET returns it; the list says "stored" and running; audited;
// - a map naming a tag the enterprise does not have, or malformed: 400 with the JSONPath,
//   nothing stored, the running map keeps running; a new map replaces the running one;
// - a restart runs the stored maps again; DELETE stops and removes;
// - a plant file with a "connections" section stores and runs its maps (and a bad one is
//   refused with $.connections.<protocol>... paths, nothing imported); the export carries them;
// - another enterprise sees and changes nothing of it; a map set by a file setting is 409;
// - Sparkplug B maps need the sparkplug-url setting (400 naming it).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, startServer, login, api, cleanup, freePort, tempFile, cliOk } from './lib/server.mjs';
import { startUaServer } from './lib/opcua_peer.mjs';

const require = createRequire(import.meta.url);
const ModbusRTU = require('modbus-serial');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startModbus(port, holding) {
  const server = new ModbusRTU.ServerTCP({
    getHoldingRegister: (a) => holding.get(a) ?? 0, getInputRegister: () => 0, getCoil: () => false, getDiscreteInput: () => false,
  }, { host: '127.0.0.1', port, unitID: 1 });
  server.on('error', () => {});
  server.on('socketError', () => {});
  await new Promise((resolve, reject) => { server.on('initialized', resolve); server.on('serverError', reject); });
  return { stop: () => new Promise((r) => server.close(() => r())) };
}

async function until(what, fn, ms = 30000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await sleep(150);
  }
}

async function latest(base, token, id) {
  const from = new Date(Date.now() - 600000).toISOString();
  const to = new Date(Date.now() + 60000).toISOString();
  const r = await api(base, token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}&limit=100000`);
  assert.equal(r.status, 200, r.text);
  return r.body.points.at(-1) || null;
}

const uaMap = (port, items) => ({
  format: 'anjian-opcua-map', version: 1,
  endpoints: [{ code: 'DCS', url: `opc.tcp://127.0.0.1:${port}`, publishing_interval_ms: 200, keepalive_count: 5, timeout_ms: 3000, items }],
});

for (const backend of backends()) {
  describe(backend, () => {
    let ua, mb, srv, admin, work, uaPort, mbPort, tagIds, pki;
    const holding = new Map([[0, 1234]]);

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'aj-cmaps-'));
      uaPort = await freePort();
      mbPort = await freePort();
      ua = await startUaServer(uaPort, join(work, 'server-pki'));
      mb = await startModbus(mbPort, holding);
      pki = join(work, 'anjian-pki');
      mkdirSync(join(pki, 'trusted'), { recursive: true, mode: 0o700 });
      copyFileSync(ua.info.certPem, join(pki, 'trusted', 'server.pem'));
      srv = await startServer(backend, { args: ['--opcua-pki-dir', pki] });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const site = (await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'CM', name: '接入' })).body;
      tagIds = {};
      for (const key of ['CM.double', 'CM.counter', 'CM.mb']) {
        const t = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key, name: key, kind: 'count' });
        assert.equal(t.status, 201, t.text);
        tagIds[key] = t.body.id;
      }
    });
    after(async () => {
      if (srv) await srv.stop();
      if (ua) await ua.stop();
      if (mb) await mb.stop();
      if (srv) cleanup(srv.db);
      rmSync(work, { recursive: true, force: true });
    });

    it('PUT runs a map at once; bad maps change nothing; a new map replaces it; audited', { timeout: 90000 }, async () => {
      const map1 = uaMap(uaPort, [{ tag: 'CM.double', node_id: 'ns=1;s=T.Double' }]);
      const put = await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/opcua', map1);
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.running, true);
      await until('T.Double through the stored map', async () => (await latest(srv.url, admin.token, tagIds['CM.double']))?.v === 3.141592653589793 ? true : null);
      const conns = (await api(srv.url, admin.token, 'GET', '/api/v1/connections')).body.items;
      const ep = conns.find((c) => c.protocol === 'opcua' && c.code === 'DCS');
      assert.equal(ep.map, 'stored');
      assert.equal(ep.enterprise, 'main');
      const got = await api(srv.url, admin.token, 'GET', '/api/v1/connection-maps/opcua');
      assert.equal(got.status, 200, got.text);
      assert.deepEqual(got.body.map, map1);
      const list = await api(srv.url, admin.token, 'GET', '/api/v1/connection-maps');
      assert.deepEqual(list.body.items.map((i) => [i.protocol, i.source, i.running]), [['opcua', 'stored', true]]);
      // an unknown tag: 400 with the path, nothing stored, the old map keeps running
      const bad = await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/opcua', uaMap(uaPort, [{ tag: 'CM.nope', node_id: 'i=2258' }]));
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.body.error.message, /\$\.endpoints\[0\]\.items\[0\]\.tag: no tag "CM\.nope"/);
      const malformed = await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/opcua', { format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'X', url: 'http://h', items: [] }] });
      assert.equal(malformed.status, 400, malformed.text);
      assert.match(malformed.body.error.message, /\$\.endpoints\[0\]\.url/);
      assert.deepEqual((await api(srv.url, admin.token, 'GET', '/api/v1/connection-maps/opcua')).body.map, map1);
      assert.equal((await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/profibus', map1)).status, 404);
      // a second map replaces the first: the counter arrives, through a new session
      const map2 = uaMap(uaPort, [{ tag: 'CM.counter', node_id: 'ns=1;s=Counter' }]);
      assert.equal((await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/opcua', map2)).status, 200);
      const since = Date.now();
      await until('the counter through the new map', async () => {
        const l = await latest(srv.url, admin.token, tagIds['CM.counter']);
        return l && Number(BigInt(l.t_ns) / 1000000n) > since - 5000 ? true : l;
      });
      const audit = await api(srv.url, admin.token, 'GET', '/api/v1/audit?object_type=connection_map&limit=50');
      assert.equal(audit.status, 200, audit.text);
      const puts = audit.body.items.filter((a) => a.action === 'connection_maps.put');
      assert.equal(puts.length, 2, JSON.stringify(audit.body.items.map((a) => a.action)));
    });

    it('Modbus through the API; a restart runs the stored maps; DELETE stops and removes', { timeout: 90000 }, async () => {
      const mbMap = { format: 'anjian-modbus-map', version: 1,
        devices: [{ code: 'PLC', host: '127.0.0.1', port: mbPort, unit_id: 1, timeout_ms: 500 }],
        groups: [{ code: 'g', device: 'PLC', interval_ms: 200 }],
        points: [{ tag: 'CM.mb', device: 'PLC', group: 'g', table: 'holding', address: 0, type: 'uint16' }] };
      const put = await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/modbus-tcp', mbMap);
      assert.equal(put.status, 200, put.text);
      await until('the register', async () => (await latest(srv.url, admin.token, tagIds['CM.mb']))?.v === 1234 ? true : null);
      // restart: both stored maps run again
      await srv.stop();
      srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword, args: ['--opcua-pki-dir', pki] });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      holding.set(0, 4321);
      await until('both adapters after the restart', async () => {
        const items = (await api(srv.url, admin.token, 'GET', '/api/v1/connections')).body.items;
        const st = Object.fromEntries(items.map((i) => [i.protocol, i.state]));
        return st.opcua === 'connected' && st['modbus-tcp'] === 'connected' ? true : st;
      });
      await until('the new register value', async () => (await latest(srv.url, admin.token, tagIds['CM.mb']))?.v === 4321 ? true : null);
      const del = await api(srv.url, admin.token, 'DELETE', '/api/v1/connection-maps/modbus-tcp');
      assert.equal(del.status, 200, del.text);
      const items = (await api(srv.url, admin.token, 'GET', '/api/v1/connections')).body.items;
      assert.equal(items.filter((i) => i.protocol === 'modbus-tcp').length, 0);
      assert.equal((await api(srv.url, admin.token, 'GET', '/api/v1/connection-maps/modbus-tcp')).status, 404);
      assert.equal((await api(srv.url, admin.token, 'DELETE', '/api/v1/connection-maps/modbus-tcp')).status, 404);
    });

    it('a plant file with connections stores and runs them; a bad one imports nothing; the export carries them', { timeout: 60000 }, async () => {
      const plant = (connections) => ({ format: 'anjian-plant', version: 1, site: { code: 'CM', name: '接入' },
        areas: [{ code: 'CMA', name: '接入区', kind: 'process_unit', polygon: [[0, 0], [10, 0], [10, 10]] }],
        tags: [{ key: 'CM.plant', name: 'CM.plant', kind: 'count', area: 'CMA' }], connections });
      const bad = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', plant({ opcua: uaMap(uaPort, [{ tag: 'CM.none', node_id: 'ns=1;s=T.Int32' }]), profibus: {} }));
      assert.equal(bad.status, 400, bad.text);
      const paths = bad.body.error.details.map((e) => e.path);
      assert.ok(paths.includes('$.connections.opcua.endpoints[0].items[0].tag'), JSON.stringify(bad.body.error.details));
      assert.ok(paths.includes('$.connections.profibus'), JSON.stringify(paths));
      const map = uaMap(uaPort, [{ tag: 'CM.plant', node_id: 'ns=1;s=T.Int32' }, { tag: 'CM.counter', node_id: 'ns=1;s=Counter' }]);
      const ok = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', plant({ opcua: map }));
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body.connections, { opcua: { running: true } });
      const tags = (await api(srv.url, admin.token, 'GET', '/api/v1/tags?limit=500')).body.items;
      const id = tags.find((t) => t.key === 'CM.plant').id;
      await until('the plant-file map feeding its tag', async () => (await latest(srv.url, admin.token, id))?.v === -2000000000 ? true : null);
      assert.deepEqual((await api(srv.url, admin.token, 'GET', '/api/v1/connection-maps/opcua')).body.map, map);
      const sites = (await api(srv.url, admin.token, 'GET', '/api/v1/sites')).body.items;
      const exp = await api(srv.url, admin.token, 'GET', `/api/v1/sites/${sites.find((s) => s.code === 'CM').id}/plant`);
      assert.equal(exp.status, 200, exp.text);
      assert.deepEqual(exp.body.connections, { opcua: map });
    });

    it('another enterprise sees and changes nothing; a file-set map is 409; Sparkplug needs its broker', { timeout: 60000 }, async () => {
      cliOk(srv.db, ['admin', 'create-enterprise', '--code', 'OTHER', '--name', '别的公司']);
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'OTHER', '--username', 'other', '--roles', 'admin'], { ANJIAN_USER_PASSWORD: 'Other-Adm-2026!x' });
      const other = await login(srv.url, 'other', 'Other-Adm-2026!x');
      assert.deepEqual((await api(srv.url, other.token, 'GET', '/api/v1/connection-maps')).body.items, []);
      assert.equal((await api(srv.url, other.token, 'GET', '/api/v1/connection-maps/opcua')).status, 404);
      assert.equal((await api(srv.url, other.token, 'GET', '/api/v1/connections')).body.items.length, 0);
      const steal = await api(srv.url, other.token, 'PUT', '/api/v1/connection-maps/opcua', uaMap(uaPort, [{ tag: 'CM.double', node_id: 'i=2258' }]));
      assert.equal(steal.status, 400, steal.text); // main's tags are not OTHER's
      assert.match(steal.body.error.message, /no tag "CM\.double" in enterprise "OTHER"/);
      const sp = await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/sparkplug-b', { format: 'anjian-sparkplug-map', version: 1, groups: [] });
      assert.equal(sp.status, 400, sp.text);
      assert.match(sp.body.error.message, /sparkplug-url/);
      if (backend !== 'sqlite') return;
      // a server whose OPC UA map is a file: the API cannot change it
      const file = tempFile('ua.json', JSON.stringify(uaMap(uaPort, [{ tag: 'CM.double', node_id: 'ns=1;s=T.Double' }])));
      await srv.stop();
      srv = await startServer(backend, { db: srv.db, adminPassword: srv.adminPassword,
        args: ['--opcua-pki-dir', pki, '--opcua-map', file, '--opcua-enterprise', 'main'] });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const c = await api(srv.url, admin.token, 'PUT', '/api/v1/connection-maps/opcua', uaMap(uaPort, [{ tag: 'CM.counter', node_id: 'ns=1;s=Counter' }]));
      assert.equal(c.status, 409, c.text);
      assert.match(c.body.error.message, /--opcua-map/);
      const list = (await api(srv.url, admin.token, 'GET', '/api/v1/connection-maps')).body.items;
      assert.equal(list.find((i) => i.protocol === 'opcua').source, 'file');
    });
  });
}
