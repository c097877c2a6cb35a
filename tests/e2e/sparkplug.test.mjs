// sparkplug.test.mjs — the Sparkplug B host application of `anjian serve` (docs/sparkplug.md)
// against real peers on loopback: the mosquitto broker and edge nodes made with sparkplug-client
// 3.2.4 (and, for what it cannot do, payloads of its encoder sparkplug-payload published with
// a plain MQTT client):
//  - STATE: anjian's spBv1.0/STATE/<host_id> is retained {"online":true} while it runs and
//    {"online":false} after it stops;
//  - NBIRTH/DBIRTH of every numeric datatype (names, aliases, datatypes, values), then NDATA by
//    alias and DDATA by name: values exact, event time = the metric's timestamp, else the
//    payload's; null -> bad; strings and DataSets skipped and counted; unmapped metrics counted;
//  - a sequence gap: the message is not taken, anjian publishes NCMD Node Control/Rebirth,
//    the edge node's new birth is taken and its data again;
//  - data before a birth: rebirth requested, nothing stored; NDEATH with another bdSeq: ignored;
//    with the birth's bdSeq: the node's tags bad (communication loss);
//  - DDEATH: only the device's tags bad; DBIRTH: good again;
//  - NDEATH published on a clean stop, and the MQTT will after an abrupt disconnect: the node's
//    and all its devices' tags bad;
//  - GET /api/v1/connections (state, bd_seq, seq_gaps, rebirths_requested, ...) and /metrics;
//  - bad maps and settings stop the start with exit code 2 and a precise message.
// Every case on each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { backends, startServer, login, api, cli, cleanup, freshDatabase, tempFile } from './lib/server.mjs';
import { startBroker } from './lib/mosquitto.mjs';

const require = createRequire(import.meta.url);
const sparkplug = require('sparkplug-client');
const mqtt = require('mqtt');
const spPayload = require('sparkplug-payload').get('spBv1.0');
const Long = createRequire(require.resolve('sparkplug-payload'))('long');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const QR_COMM_LOSS = 2;
const QR_SOURCE_BAD = 64;
const HOST_ID = 'anjian-e2e';
const GROUP = 'Plant1';

// ---- the metrics -------------------------------------------------------------------------

/** Node metrics of N1, one per numeric datatype: name, alias, type, value at birth, the value
 * anjian must store (a double), a value for NDATA and what that stores. */
const NODE_METRICS = [
  { name: 'i8', alias: 1, type: 'Int8', birth: -5, want: -5, data: 100, wantData: 100 },
  { name: 'i16', alias: 2, type: 'Int16', birth: -300, want: -300, data: 32767, wantData: 32767 },
  { name: 'i32', alias: 3, type: 'Int32', birth: -2147483648, want: -2147483648, data: 7, wantData: 7 },
  { name: 'i64', alias: 4, type: 'Int64', birth: Long.fromString('-9007199254740993'), want: -9007199254740992, data: -1, wantData: -1 },
  { name: 'u8', alias: 5, type: 'UInt8', birth: 255, want: 255, data: 0, wantData: 0 },
  { name: 'u16', alias: 6, type: 'UInt16', birth: 65535, want: 65535, data: 1, wantData: 1 },
  { name: 'u32', alias: 7, type: 'UInt32', birth: 4294967295, want: 4294967295, data: 2, wantData: 2 },
  { name: 'u64', alias: 8, type: 'UInt64', birth: Long.fromString('18446744073709551615', true), want: 18446744073709551615, data: 3, wantData: 3 },
  { name: 'Motor/Current', alias: 9, type: 'Float', birth: 123.456, want: Math.fround(123.456), data: -0.15625, wantData: -0.15625 },
  { name: 'Motor/Power', alias: 10, type: 'Double', birth: -98765.4321, want: -98765.4321, data: 1e-9, wantData: 1e-9 },
  { name: 'Running', alias: 11, type: 'Boolean', birth: true, want: 1, data: false, wantData: 0 },
  { name: 'Started', alias: 12, type: 'DateTime', birth: 1700000000123, want: 1700000000123, data: 1700000000456, wantData: 1700000000456 },
];
/** Device metrics of N1/D1 (sent by name in DDATA). */
const DEVICE_METRICS = [
  { name: 'Tank/Level', alias: 100, type: 'Float', birth: 2.5, want: 2.5, data: 3.75, wantData: 3.75 },
  { name: 'Tank/Temperature', alias: 101, type: 'Double', birth: 21.25, want: 21.25, data: 22.5, wantData: 22.5 },
];
const tagOf = (name) => `SP.${name.replace(/[^A-Za-z0-9]/g, '_')}`;
const D2_TAG = 'SP.D2.flow';
const N2_TAG = 'SP.N2.pressure';

function mapJson() {
  const metrics = (list) => Object.fromEntries(list.map((m) => [m.name, tagOf(m.name)]));
  return JSON.stringify({
    format: 'anjian-sparkplug-map',
    version: 1,
    groups: [{
      group: GROUP,
      nodes: [
        {
          node: 'N1',
          metrics: { ...metrics(NODE_METRICS), Null: 'SP.null', Label: 'SP.label', Table: 'SP.table' },
          devices: [
            { device: 'D1', metrics: metrics(DEVICE_METRICS) },
            { device: 'D2', metrics: { Flow: D2_TAG } },
          ],
        },
        { node: 'N2', metrics: { Pressure: N2_TAG } },
      ],
    }],
  }, null, 1);
}
const ALL_TAGS = [...NODE_METRICS, ...DEVICE_METRICS].map((m) => tagOf(m.name))
  .concat(['SP.null', 'SP.label', 'SP.table', D2_TAG, N2_TAG]);

// ---- helpers ------------------------------------------------------------------------------

let lastTs = 0;
/** A timestamp (ms) later than any before: event times of one tag must rise. */
function ts() {
  lastTs = Math.max(Date.now(), lastTs + 1);
  return lastTs;
}

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await sleep(50);
  }
}

/** A plain MQTT client on the broker (mqtt.js); messages land in .got as { topic, payload }. */
async function plainClient(url, id, reconnectPeriod = 0) {
  const c = mqtt.connect(url, { clientId: id, reconnectPeriod, clean: true });
  c.got = [];
  c.on('message', (topic, payload) => c.got.push({ topic, payload }));
  await new Promise((resolve, reject) => { c.once('connect', resolve); c.once('error', reject); });
  return c;
}

function subscribe(c, topic) {
  return new Promise((resolve, reject) => c.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

function publishRaw(c, topic, payload) {
  return new Promise((resolve, reject) =>
    c.publish(topic, Buffer.from(spPayload.encodePayload(payload)), { qos: 0 }, (err) => (err ? reject(err) : resolve())));
}

function isRebirth(payload) {
  return (payload.metrics || []).some((m) => m.name === 'Node Control/Rebirth' && m.value === true);
}

/** A sparkplug-client edge node N1 with devices D1 and D2 that answers every rebirth request. */
function edgeNode(brokerUrl, opts = {}) {
  const client = sparkplug.newClient({
    serverUrl: brokerUrl, groupId: GROUP, edgeNode: 'N1', clientId: 'e2e-N1-' + randomBytes(4).toString('hex'),
    username: null, password: null, publishDeath: true,
    mqttOptions: { reconnectPeriod: 0, ...(opts.mqttOptions || {}) },
  });
  const node = {
    client, rebirthRequests: 0, births: 0, values: { ...(opts.values || {}) },
    /** NBIRTH (every node metric with alias and value, plus a null, a String and a DataSet)
     * and DBIRTH of D1 and D2, at timestamp t (metric i8 carries t - 1 of its own). */
    birth(t = ts()) {
      const v = (m) => (m.name in node.values ? node.values[m.name] : m.birth);
      client.publishNodeBirth({
        timestamp: t,
        metrics: [
          ...NODE_METRICS.map((m) => ({ name: m.name, alias: m.alias, type: m.type, value: v(m), ...(m.name === 'i8' ? { timestamp: t - 1 } : {}) })),
          { name: 'Null', alias: 20, type: 'Int32', value: null },
          { name: 'Label', alias: 21, type: 'String', value: 'pump A' },
          { name: 'Table', alias: 22, type: 'DataSet', value: { numOfColumns: 1, columns: ['a'], types: ['Int32'], rows: [[1]] } },
          { name: 'Unmapped', alias: 23, type: 'Int32', value: 5 },
          { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        ],
      });
      client.publishDeviceBirth('D1', {
        timestamp: t,
        metrics: DEVICE_METRICS.map((m) => ({ name: m.name, alias: m.alias, type: m.type, value: v(m) })),
      });
      client.publishDeviceBirth('D2', { timestamp: t, metrics: [{ name: 'Flow', alias: 200, type: 'Double', value: 12.5 }] });
      node.births++;
    },
    ready: new Promise((resolve) => { client.on('birth', () => { node.birth(); resolve(); }); }),
  };
  client.on('ncmd', (payload) => {
    if (!isRebirth(payload)) return;
    node.rebirthRequests++;
    node.birth();
  });
  return node;
}

for (const backend of backends()) {
  describe(backend, () => {
    let broker, srv, admin, tagIds, watcher, n1;

    async function latest(tag) {
      const from = new Date(Date.now() - 300000).toISOString();
      const to = new Date(Date.now() + 60000).toISOString();
      const r = await api(srv.url, admin.token, 'GET', `/api/v1/tags/${tagIds[tag]}/history?from=${from}&to=${to}&limit=100000`);
      assert.equal(r.status, 200, r.text);
      const pts = r.body.points;
      return pts.length ? pts[pts.length - 1] : null;
    }
    async function connection(code) {
      const r = await api(srv.url, admin.token, 'GET', '/api/v1/connections');
      assert.equal(r.status, 200, r.text);
      return r.body.items.find((c) => c.code === code);
    }
    /** Waits until the latest point of each tag satisfies check(point, tag). */
    async function waitTags(what, tags, check) {
      await until(what, async () => {
        const bad = [];
        for (const tag of tags) {
          const l = await latest(tag);
          if (!l || !check(l, tag)) bad.push([tag, l]);
        }
        return bad.length === 0 ? true : bad.slice(0, 3);
      });
    }
    // Event times are compared in ms (Sparkplug's unit) from the RFC 3339 text: t_ns is
    // beyond 2^53, so JSON.parse rounds it.
    const msOf = (l) => Date.parse(l.t);
    const good = (v, tMs) => (l) => l.q === 'good' && l.v === v && (tMs === undefined || msOf(l) === tMs);
    const lost = (sinceMs) => (l) => l.q === 'bad' && (l.reasons & QR_COMM_LOSS) !== 0 && msOf(l) >= sinceMs;
    const nodeTags = NODE_METRICS.map((m) => tagOf(m.name));
    const d1Tags = DEVICE_METRICS.map((m) => tagOf(m.name));

    before(async () => {
      broker = await startBroker();
      // The tags must exist before the host starts: make them, then restart with the map.
      const first = await startServer(backend);
      const tok = (await login(first.url, 'admin', first.adminPassword)).token;
      const site = (await api(first.url, tok, 'POST', '/api/v1/sites', { code: 'SP', name: 'Sparkplug 接入' })).body;
      tagIds = {};
      for (const tag of ALL_TAGS) {
        const kind = tag === tagOf('Running') ? 'status' : 'count';
        const t = await api(first.url, tok, 'POST', '/api/v1/tags', { site_id: site.id, key: tag, name: tag, kind });
        assert.equal(t.status, 201, t.text);
        tagIds[tag] = t.body.id;
      }
      await first.stop();
      watcher = await plainClient(broker.url, 'e2e-watcher', 200); // comes back after a broker restart
      await subscribe(watcher, `spBv1.0/STATE/${HOST_ID}`);
      await subscribe(watcher, `spBv1.0/${GROUP}/NCMD/#`);
      srv = await startServer(backend, {
        db: first.db, adminPassword: first.adminPassword, env: { ANJIAN_LOG_LEVEL: 'info' },
        args: ['--sparkplug-url', broker.url, '--sparkplug-map', tempFile('map.json', mapJson()),
          '--sparkplug-enterprise', 'main', '--sparkplug-host-id', HOST_ID],
      });
      admin = await login(srv.url, 'admin', srv.adminPassword);
    });
    after(async () => {
      if (n1) n1.client.stop();
      if (watcher) watcher.end(true);
      if (srv && srv.proc.exitCode === null) await srv.stop();
      if (broker) await broker.cleanup();
      if (srv) cleanup(srv.db);
    });

    it('publishes STATE online (retained) once it is subscribed', { timeout: 30000 }, async () => {
      await until('STATE online', () => {
        const m = watcher.got.filter((g) => g.topic === `spBv1.0/STATE/${HOST_ID}`).map((g) => JSON.parse(g.payload)).pop();
        return m && m.online === true && Number.isInteger(m.timestamp) ? true : m;
      });
      // a late subscriber gets it too: it is retained
      const late = await plainClient(broker.url, 'e2e-late');
      await subscribe(late, `spBv1.0/STATE/${HOST_ID}`);
      await until('retained STATE', () => (late.got.length ? true : late.got));
      assert.equal(JSON.parse(late.got[0].payload).online, true);
      late.end(true);
      const c = await connection(`${GROUP}/N1`);
      assert.equal(c.protocol, 'sparkplug-b');
      assert.equal(c.state, 'waiting-birth');
      assert.equal(c.device, null);
    });

    it('births and data arrive exactly: every datatype, aliases, names, metric and payload timestamps', { timeout: 60000 }, async () => {
      n1 = edgeNode(broker.url);
      await n1.ready;
      // NBIRTH: payload timestamp for all but i8, which has its own (t - 1)
      const tBirth = lastTs;
      await waitTags('birth values', nodeTags.concat(d1Tags), (l, tag) => {
        const m = [...NODE_METRICS, ...DEVICE_METRICS].find((x) => tagOf(x.name) === tag);
        return good(m.want, m.name === 'i8' ? tBirth - 1 : tBirth)(l);
      });
      await waitTags('D2 birth', [D2_TAG], good(12.5, tBirth));
      // a null metric is a bad point (source bad); the String and the DataSet give none
      await waitTags('null', ['SP.null'], (l) => l.q === 'bad' && (l.reasons & QR_SOURCE_BAD) !== 0);
      assert.equal(await latest('SP.label'), null);
      assert.equal(await latest('SP.table'), null);
      let c = await connection(`${GROUP}/N1`);
      assert.equal(c.state, 'online', JSON.stringify(c));
      assert.equal(c.bd_seq, 0);
      assert.equal(c.metrics_skipped, 2, JSON.stringify(c)); // Label (String), Table (DataSet)
      assert.ok(c.metrics_unmapped >= 2, JSON.stringify(c)); // Unmapped, Node Control/Rebirth
      assert.match(c.last_error, /metric "(Label|Table)"/);
      assert.ok(c.last_success);
      const d1 = await connection(`${GROUP}/N1/D1`);
      assert.equal(d1.state, 'online');
      assert.equal(d1.device, 'D1');
      assert.equal(d1.group, GROUP);
      assert.equal(d1.node, 'N1');
      assert.equal(d1.points, 2);

      // NDATA by alias only (no names, no datatypes): half with their own timestamps
      const tData = ts();
      n1.client.publishNodeData({
        timestamp: tData,
        metrics: NODE_METRICS.map((m, i) => ({ alias: m.alias, type: m.type, value: m.data, ...(i % 2 ? { timestamp: tData - 10 + i } : {}) })),
      });
      await waitTags('NDATA by alias', nodeTags, (l, tag) => {
        const i = NODE_METRICS.findIndex((x) => tagOf(x.name) === tag);
        return good(NODE_METRICS[i].wantData, i % 2 ? tData - 10 + i : tData)(l);
      });
      // DDATA by name, with the payload timestamp only
      const tDev = ts();
      n1.client.publishDeviceData('D1', { timestamp: tDev, metrics: DEVICE_METRICS.map((m) => ({ name: m.name, type: m.type, value: m.data })) });
      await waitTags('DDATA by name', d1Tags, (l, tag) => {
        const m = DEVICE_METRICS.find((x) => tagOf(x.name) === tag);
        return good(m.wantData, tDev)(l);
      });
      c = await connection(`${GROUP}/N1`);
      assert.equal(c.seq_gaps, 0);
      assert.ok(c.points >= NODE_METRICS.length * 2, JSON.stringify(c));
      assert.ok(c.messages >= 2);
      assert.equal(n1.rebirthRequests, 0, 'no rebirth requested while in sequence');
    });

    it('a sequence gap: the message is not taken, a rebirth is requested and the new birth taken', { timeout: 60000 }, async () => {
      const before = await connection(`${GROUP}/N1`);
      const ncmdsBefore = watcher.got.filter((g) => g.topic === `spBv1.0/${GROUP}/NCMD/N1`).length;
      const birthsBefore = n1.births;
      n1.client.incrementSeqNum(); // one message "lost"
      const tGap = ts();
      n1.client.publishNodeData({ timestamp: tGap, metrics: [{ alias: 3, type: 'Int32', value: 999 }] });
      // anjian asks (the watcher sees the NCMD) and the edge node answers with a new birth
      await until('NCMD rebirth', () => {
        const ncmds = watcher.got.filter((g) => g.topic === `spBv1.0/${GROUP}/NCMD/N1`);
        return ncmds.length > ncmdsBefore && isRebirth(spPayload.decodePayload(ncmds[ncmds.length - 1].payload)) ? true : ncmds.length;
      });
      await until('the new birth', () => (n1.births > birthsBefore ? true : n1.births));
      const tBirth = lastTs;
      const i32 = tagOf('i32');
      await waitTags('values of the new birth', [i32], good(-2147483648, tBirth));
      const hist = await api(srv.url, admin.token, 'GET', `/api/v1/tags/${tagIds[i32]}/history?from=${new Date(tGap - 1000).toISOString()}&to=${new Date(Date.now() + 60000).toISOString()}`);
      assert.ok(!hist.body.points.some((p) => p.v === 999), 'the message after the gap was not taken');
      // data is taken again
      const t = ts();
      n1.client.publishNodeData({ timestamp: t, metrics: [{ alias: 3, type: 'Int32', value: 4242 }] });
      await waitTags('data after the rebirth', [i32], good(4242, t));
      const after = await connection(`${GROUP}/N1`);
      assert.equal(after.state, 'online');
      assert.equal(after.seq_gaps, before.seq_gaps + 1, JSON.stringify(after));
      assert.ok(after.rebirths_requested >= before.rebirths_requested + 1, JSON.stringify(after));
      assert.match(srv.log(), /sparkplug: Plant1\/N1: rebirth requested \(seq does not follow the previous message's/);
      assert.match(srv.log(), /WARN sparkplug: Plant1\/N1: NDATA seq (\d+) does not follow seq (\d+): messages were lost/);
    });

    it('data before a birth asks for one and is not stored; NDEATH bdSeq is checked', { timeout: 60000 }, async () => {
      const raw = await plainClient(broker.url, 'e2e-N2');
      await subscribe(raw, `spBv1.0/${GROUP}/NCMD/N2`);
      await publishRaw(raw, `spBv1.0/${GROUP}/NDATA/N2`, { timestamp: ts(), seq: 5, metrics: [{ name: 'Pressure', type: 'Double', value: 1.5 }] });
      await until('NCMD rebirth for N2', () => (raw.got.some((g) => isRebirth(spPayload.decodePayload(g.payload))) ? true : raw.got.length));
      assert.equal(await latest(N2_TAG), null, 'data before a birth is not stored');
      let c = await connection(`${GROUP}/N2`);
      assert.equal(c.state, 'waiting-birth');
      assert.ok(c.rebirths_requested >= 1);
      assert.match(c.last_error, /NDATA seq 5: the edge node has no valid birth/);
      // the birth, with bdSeq 7
      const tB = ts();
      await publishRaw(raw, `spBv1.0/${GROUP}/NBIRTH/N2`, {
        timestamp: tB, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }, { name: 'Pressure', alias: 1, type: 'Double', value: 2.25 }],
      });
      await waitTags('N2 birth', [N2_TAG], good(2.25, tB));
      c = await connection(`${GROUP}/N2`);
      assert.equal(c.state, 'online');
      assert.equal(c.bd_seq, 7);
      // an NDEATH of another session (bdSeq 6) is ignored
      await publishRaw(raw, `spBv1.0/${GROUP}/NDEATH/N2`, { timestamp: ts(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: 6 }] });
      await until('the ignored NDEATH counted', async () => ((await connection(`${GROUP}/N2`)).deaths_ignored === 1 ? true : false));
      c = await connection(`${GROUP}/N2`);
      assert.equal(c.state, 'online');
      assert.equal(c.last_error, 'NDEATH with bdSeq 6, not the current birth\'s 7: ignored');
      assert.equal((await latest(N2_TAG)).q, 'good');
      // this session's NDEATH: bad with communication loss
      const since = Date.now();
      await publishRaw(raw, `spBv1.0/${GROUP}/NDEATH/N2`, { timestamp: ts(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] });
      await waitTags('N2 lost', [N2_TAG], lost(since));
      assert.equal((await latest(N2_TAG)).v, 2.25, 'the bad point keeps the last value');
      c = await connection(`${GROUP}/N2`);
      assert.equal(c.state, 'offline');
      raw.end(true);
    });

    it('DDEATH turns only the device bad; its DBIRTH makes it good again', { timeout: 60000 }, async () => {
      const since = Date.now();
      n1.client.publishDeviceDeath('D1', { timestamp: ts() });
      await waitTags('D1 lost', d1Tags, lost(since));
      assert.equal((await connection(`${GROUP}/N1/D1`)).state, 'offline');
      for (const tag of nodeTags.concat([D2_TAG])) assert.equal((await latest(tag)).q, 'good', tag);
      assert.equal((await connection(`${GROUP}/N1/D2`)).state, 'online');
      const t = ts();
      n1.client.publishDeviceBirth('D1', { timestamp: t, metrics: DEVICE_METRICS.map((m) => ({ name: m.name, alias: m.alias, type: m.type, value: m.birth })) });
      await waitTags('D1 back', d1Tags, (l, tag) => good(DEVICE_METRICS.find((m) => tagOf(m.name) === tag).want, t)(l));
      assert.equal((await connection(`${GROUP}/N1/D1`)).state, 'online');
    });

    it('NDEATH on a clean stop: the node and all its devices bad', { timeout: 60000 }, async () => {
      const since = Date.now();
      n1.client.stop(); // publishes NDEATH (bdSeq 0), then disconnects
      n1 = null;
      await waitTags('N1, D1 and D2 lost', nodeTags.concat(d1Tags, [D2_TAG]), lost(since));
      for (const code of ['N1', 'N1/D1', 'N1/D2']) assert.equal((await connection(`${GROUP}/${code}`)).state, 'offline', code);
    });

    it('the will NDEATH after an abrupt disconnect: the node and all its devices bad', { timeout: 60000 }, async () => {
      n1 = edgeNode(broker.url);
      await n1.ready;
      const t = lastTs;
      await waitTags('N1 back', nodeTags, (l) => l.q === 'good' && msOf(l) >= t - 1);
      assert.equal((await connection(`${GROUP}/N1`)).state, 'online');
      const since = Date.now();
      n1.client.client.stream.destroy(); // no DISCONNECT: the broker publishes the will
      n1 = null;
      await waitTags('N1, D1 and D2 lost by the will', nodeTags.concat(d1Tags, [D2_TAG]), lost(since));
      assert.equal((await connection(`${GROUP}/N1`)).state, 'offline');
      assert.match(srv.log(), /sparkplug: Plant1\/N1: NDEATH \(bdSeq 0\): edge node offline/);
    });

    it('losing the broker: live tags bad; back: STATE online again and rebirths asked', { timeout: 90000 }, async () => {
      n1 = edgeNode(broker.url);
      await n1.ready;
      const t = lastTs;
      await waitTags('N1 born', nodeTags, (l) => l.q === 'good' && msOf(l) >= t - 1);
      const before = await connection(`${GROUP}/N1`);
      const stateBefore = watcher.got.filter((g) => g.topic === `spBv1.0/STATE/${HOST_ID}`).map((g) => JSON.parse(g.payload)).pop();
      const since = Date.now();
      await broker.stop();
      await waitTags('every live tag bad', nodeTags.concat(d1Tags, [D2_TAG]), lost(since));
      assert.notEqual((await connection(`${GROUP}/N1`)).state, 'online');
      n1.client.client.end(true);
      n1 = null;
      await broker.start();
      await until('STATE online of the new connection', () => {
        const m = watcher.got.filter((g) => g.topic === `spBv1.0/STATE/${HOST_ID}`).map((g) => JSON.parse(g.payload)).pop();
        return m && m.online === true && m.timestamp > stateBefore.timestamp ? true : m;
      }, 60000);
      await until('rebirths asked on reconnecting', async () => {
        const c = await connection(`${GROUP}/N1`);
        return c.rebirths_requested > before.rebirths_requested ? true : c;
      });
      assert.match(srv.log(), /WARN sparkplug: connection to 127\.0\.0\.1:\d+ lost/);
    });

    it('connections and /metrics tell the whole story', async () => {
      const r = await api(srv.url, admin.token, 'GET', '/api/v1/connections');
      const sp = r.body.items.filter((c) => c.protocol === 'sparkplug-b');
      assert.deepEqual(sp.map((c) => c.code), ['Plant1/N1', 'Plant1/N1/D1', 'Plant1/N1/D2', 'Plant1/N2']);
      for (const c of sp) {
        for (const k of ['state', 'last_success', 'last_error_at', 'points', 'points_per_second', 'group', 'node', 'device', 'bd_seq', 'seq_gaps', 'rebirths_requested']) {
          assert.ok(k in c, `${c.code} has ${k}`);
        }
      }
      const m = await api(srv.url, admin.token, 'GET', '/metrics');
      assert.match(m.text, /anjian_sparkplug_connected 1/);
      assert.match(m.text, /anjian_sparkplug_seq_gaps_total [1-9]/);
      assert.match(m.text, /anjian_sparkplug_rebirths_requested_total [1-9]/);
      assert.match(m.text, /anjian_sparkplug_points_total\{result="accepted"\} [1-9]/);
      assert.match(m.text, /anjian_sparkplug_reconnects_total [1-9]/);
    });

    it('publishes STATE offline when it stops', { timeout: 30000 }, async () => {
      const before = watcher.got.length;
      const r = await srv.stop();
      assert.equal(r.code, 0);
      await until('STATE offline', () => {
        const m = watcher.got.slice(before).filter((g) => g.topic === `spBv1.0/STATE/${HOST_ID}`).map((g) => JSON.parse(g.payload)).pop();
        return m && m.online === false ? true : m;
      });
    });

    it('bad maps and settings stop the start with exit code 2 and a precise message', () => {
      const db = freshDatabase(backend);
      try {
        const env = { ANJIAN_ADMIN_PASSWORD: 'Adm-' + randomBytes(9).toString('base64url'), ANJIAN_LOG_LEVEL: 'warn' };
        const good = tempFile('m.json', mapJson());
        const withKey = JSON.parse(mapJson());
        withKey.groups[0].nodes[0].colour = 'red';
        const dupTag = JSON.parse(mapJson());
        dupTag.groups[0].nodes[1].metrics.Other = D2_TAG;
        const url = ['--sparkplug-url', broker.url];
        const cases = [
          [[...url, '--sparkplug-map', tempFile('m.json', JSON.stringify(withKey)), '--sparkplug-enterprise', 'main'],
            /sparkplug-map: .*m\.json: \$\.groups\[0\]\.nodes\[0\]: unknown key "colour"/],
          [[...url, '--sparkplug-map', tempFile('m.json', JSON.stringify(dupTag)), '--sparkplug-enterprise', 'main'],
            /\$\.groups\[0\]\.nodes\[1\]\.metrics\["Other"\]: tag "SP\.D2\.flow" is fed by \$\.groups\[0\]\.nodes\[0\]\.devices\[1\]\.metrics\["Flow"\] already/],
          [[...url, '--sparkplug-map', tempFile('m.json', '{"format": "anjian-sparkplug-map",'), '--sparkplug-enterprise', 'main'],
            /sparkplug-map: .*m\.json: malformed JSON/],
          [[...url, '--sparkplug-enterprise', 'main'], /sparkplug-map: required with sparkplug-url/],
          [[...url, '--sparkplug-map', good], /sparkplug-enterprise: required with sparkplug-url/],
          [['--sparkplug-url', 'http://127.0.0.1:1883', '--sparkplug-map', good, '--sparkplug-enterprise', 'main'],
            /sparkplug-url: "http:\/\/127\.0\.0\.1:1883" is not mqtt:\/\/host\[:port\]/],
          [[...url, '--sparkplug-map', good, '--sparkplug-enterprise', 'main', '--sparkplug-host-id', 'a/b'],
            /sparkplug-host-id: "a\/b" is not a Sparkplug host id/],
          [[...url, '--sparkplug-map', good, '--sparkplug-enterprise', 'nosuch'], /sparkplug-enterprise: no enterprise with code "nosuch"/],
          // a fresh database has none of the map's tags
          [[...url, '--sparkplug-map', good, '--sparkplug-enterprise', 'main'],
            /sparkplug-map .*m\.json: \$\.groups\[0\]\.nodes\[0\]\.metrics\["Label"\]: no tag "SP\.label" in enterprise "main" \(register the tag first\)/],
        ];
        for (const [args, re] of cases) {
          const r = cli(db, ['serve', '--listen', '127.0.0.1:0', ...args], env);
          assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, re);
        }
      } finally {
        cleanup(db);
      }
    });
  });
}
