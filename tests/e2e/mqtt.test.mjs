// mqtt.test.mjs — the MQTT subscriber of `anjian serve` (docs/mqtt.md) against a real
// mosquitto broker: line protocol and JSON payloads reach the archive, bad payloads are
// logged and do not stop later ones, startup errors for bad settings, and the acceptance
// case: the broker is stopped mid-stream and restarted with its persistence, and every point
// the publisher got a PUBACK for ends up in the archive. Every case on each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { backends, startServer, login, api, cli, cleanup, freshDatabase } from './lib/server.mjs';
import { startBroker, mosquittoPub, Publisher } from './lib/mosquitto.mjs';

const T0 = 1796083200000000000n; // 2026-12-01T00:00:00Z in ns
const SEC = 1000000000n;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function historyOnce(base, token, id, fromNs, toNs) {
  const from = new Date(Number(fromNs / 1000000n)).toISOString();
  const to = new Date(Number(toNs / 1000000n) + 1).toISOString();
  const r = await api(base, token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}&limit=100000`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

/** Polls the history until it holds at least minPoints points, or ms passed. */
async function history(base, token, id, fromNs, toNs, minPoints = 1, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const h = await historyOnce(base, token, id, fromNs, toNs);
    if (h.points.length >= minPoints || Date.now() > deadline) return h;
    await sleep(50);
  }
}

/** The anjian_mqtt_* lines of /metrics as { name_or_name{labels}: value }. */
async function mqttMetrics(base, token) {
  const r = await api(base, token, 'GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  const out = {};
  for (const line of r.text.split('\n')) {
    const m = /^(anjian_mqtt_\S+) (\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

for (const backend of backends()) {
  describe(backend, () => {
    let broker, srv, admin, tags, serverOpts;

    before(async () => {
      broker = await startBroker();
      serverOpts = {
        args: ['--mqtt-url', broker.url, '--mqtt-enterprise', 'main', '--mqtt-topics', 'plant/#, anjian/#',
          '--mqtt-client-id', 'anjian-e2e-' + randomBytes(4).toString('hex')],
        env: { ANJIAN_LOG_LEVEL: 'info' },
      };
      srv = await startServer(backend, serverOpts);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const site = (await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'MQ', name: 'MQTT 接入' })).body;
      tags = [];
      for (let i = 0; i < 5; i++) {
        const t = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: `MQ.C${i}`, name: `计数${i}`, kind: 'count' });
        assert.equal(t.status, 201, t.text);
        tags.push(t.body);
      }
      await until('the subscriber to connect', async () => (await mqttMetrics(srv.url, admin.token)).anjian_mqtt_connected === 1, 10000);
    });
    after(async () => {
      if (srv) await srv.stop();
      if (broker) await broker.cleanup();
      if (srv) cleanup(srv.db);
    });

    it('line protocol and JSON payloads (object and bare array) arrive in the archive', async () => {
      mosquittoPub(broker.port, 'plant/unit1', `MQ C0=1i ${T0}\nMQ C0=2i,C1=20i ${T0 + SEC}\n`);
      mosquittoPub(broker.port, 'anjian/json', JSON.stringify({ points: [{ key: 'MQ.C0', t_ns: Number(T0 + 2n * SEC), value: 3 }] }));
      mosquittoPub(broker.port, 'anjian/json', JSON.stringify([{ key: 'MQ.C0', t: '2026-12-01T00:00:03Z', value: 4, quality: 'good' }]));
      mosquittoPub(broker.port, 'elsewhere/x', `MQ C0=99i ${T0 + 9n * SEC}`); // not subscribed
      const h0 = await history(srv.url, admin.token, tags[0].id, T0, T0 + 10n * SEC, 4);
      assert.deepEqual(h0.points.map((p) => [BigInt(p.t_ns), p.v]), [[T0, 1], [T0 + SEC, 2], [T0 + 2n * SEC, 3], [T0 + 3n * SEC, 4]]);
      const h1 = await history(srv.url, admin.token, tags[1].id, T0, T0 + 10n * SEC, 1);
      assert.deepEqual(h1.points.map((p) => p.v), [20]);
      const m = await mqttMetrics(srv.url, admin.token);
      assert.ok(m['anjian_mqtt_points_total{result="accepted"}'] >= 5, JSON.stringify(m));
    });

    it('a bad payload is logged with topic and position, counted, and later messages still arrive', async () => {
      const before = await mqttMetrics(srv.url, admin.token);
      mosquittoPub(broker.port, 'plant/bad', `MQ C2=1i ${T0}\nMQ C2= ${T0 + SEC}\n`); // line 2 bad, line 1 kept
      mosquittoPub(broker.port, 'plant/bad-json', '{"points": [{"key": "MQ.C2", "value": }]}');
      mosquittoPub(broker.port, 'plant/unknown', `MQ NOPE=1i ${T0}`);
      mosquittoPub(broker.port, 'plant/bin', '\xff\xfe not line protocol');
      mosquittoPub(broker.port, 'plant/good', `MQ C2=2i ${T0 + 2n * SEC}`);
      const h = await history(srv.url, admin.token, tags[2].id, T0, T0 + 5n * SEC, 2);
      assert.deepEqual(h.points.map((p) => p.v), [1, 2]);
      await until('the rejections to be counted', async () => {
        const m = await mqttMetrics(srv.url, admin.token);
        return m['anjian_mqtt_points_total{result="rejected"}'] - before['anjian_mqtt_points_total{result="rejected"}'] >= 4;
      }, 5000);
      const log = srv.log();
      assert.match(log, /WARN mqtt: topic "plant\/bad": line protocol error at line 2, column \d+/);
      assert.match(log, /WARN mqtt: topic "plant\/bad-json": malformed JSON at line 1, column \d+/);
      assert.match(log, /WARN mqtt: topic "plant\/unknown": unknown tag key "MQ.NOPE"/);
      assert.equal(srv.proc.exitCode, null, 'still running');
    });

    it('broker stopped mid-stream and restarted: every point the publisher got a PUBACK for is archived', { timeout: 60000 }, async () => {
      const pub = new Publisher(broker.port, 'e2e-pub-' + randomBytes(4).toString('hex'));
      await pub.connect();
      const acked = new Set();
      const send = (i) => pub.publish('plant/stream', `MQ C3=${i}i ${T0 + BigInt(i) * SEC}`).then(() => acked.add(i));
      // Phase 1: broker up, one message at a time.
      for (let i = 0; i < 100; i++) await send(i);
      const reconnectsBefore = (await mqttMetrics(srv.url, admin.token)).anjian_mqtt_reconnects_total;
      // Phase 2: the broker goes away (saving its persistence); the publisher keeps going,
      // its messages wait unacknowledged in its session until the broker is back.
      await broker.stop('SIGTERM');
      const during = [];
      for (let i = 100; i < 150; i++) during.push(send(i));
      await until('the subscriber to notice', async () => (await mqttMetrics(srv.url, admin.token)).anjian_mqtt_connected === 0, 10000);
      await sleep(500);
      // Phase 3: the broker is back on the same port with the same persistence directory; the
      // publisher (retrying every 100 ms) is usually back before anjian (backoff), so the
      // broker queues messages for anjian's persistent session meanwhile.
      await broker.start();
      await Promise.all(during);
      for (let i = 150; i < 300; i++) await send(i);
      pub.close();
      assert.equal(acked.size, 300);
      const h = await history(srv.url, admin.token, tags[3].id, T0, T0 + 400n * SEC, 300, 20000);
      const got = new Set(h.points.map((p) => p.v));
      const missing = [...acked].filter((i) => !got.has(i));
      assert.deepEqual(missing, [], `acknowledged but not archived (${missing.length})`);
      const m = await mqttMetrics(srv.url, admin.token);
      assert.equal(m.anjian_mqtt_connected, 1);
      assert.ok(m.anjian_mqtt_reconnects_total > reconnectsBefore, JSON.stringify(m));
      assert.match(srv.log(), /mqtt: connected to 127\.0\.0\.1:\d+ \(session resumed\)/);
    });

    it('anjian killed (-9) mid-stream and restarted: the broker delivers again what anjian had not acknowledged', { timeout: 60000 }, async () => {
      const pub = new Publisher(broker.port, 'e2e-pub-' + randomBytes(4).toString('hex'));
      await pub.connect();
      const acked = new Set();
      const send = (i) => pub.publish('plant/crash', `MQ C4=${i}i ${T0 + BigInt(i) * SEC}`).then(() => acked.add(i));
      for (let i = 0; i < 50; i++) await send(i);
      const rest = [];
      for (let i = 50; i < 3000; i++) rest.push(send(i));
      let atKill = 0;
      await until('anjian to be taking the stream', async () => {
        atKill = (await historyOnce(srv.url, admin.token, tags[4].id, T0, T0 + 5000n * SEC)).points.length;
        return atKill >= 200;
      }, 10000);
      await srv.kill9();
      console.log(`killed anjian with ${atKill} of 3000 points visible`);
      await Promise.all(rest); // the broker acknowledges the publisher whether anjian is there or not
      pub.close();
      srv = await startServer(backend, { ...serverOpts, db: srv.db, adminPassword: srv.adminPassword });
      admin = await login(srv.url, 'admin', srv.adminPassword);
      const h = await history(srv.url, admin.token, tags[4].id, T0, T0 + 5000n * SEC, 3000, 20000);
      const got = new Set(h.points.map((p) => p.v));
      const missing = [...acked].filter((i) => !got.has(i));
      assert.deepEqual(missing, [], `acknowledged but not archived (${missing.length})`);
      assert.match(srv.log(), /mqtt: connected to 127\.0\.0\.1:\d+ \(session resumed\)/);
    });

    it('bad MQTT settings stop the start with exit code 2 and a clear message', () => {
      const db = freshDatabase(backend);
      try {
        const env = { ANJIAN_ADMIN_PASSWORD: 'Adm-' + randomBytes(9).toString('base64url'), ANJIAN_LOG_LEVEL: 'warn' };
        const cases = [
          [['--mqtt-url', 'http://127.0.0.1:1883', '--mqtt-enterprise', 'main'], /mqtt-url: "http:\/\/127\.0\.0\.1:1883" is not mqtt:\/\/host\[:port\]/],
          [['--mqtt-url', 'mqtt://127.0.0.1:99999', '--mqtt-enterprise', 'main'], /mqtt-url/],
          [['--mqtt-url', broker.url], /mqtt-enterprise: required/],
          [['--mqtt-url', broker.url, '--mqtt-enterprise', 'nosuch'], /no enterprise with code "nosuch"/],
          [['--mqtt-url', broker.url, '--mqtt-enterprise', 'main', '--mqtt-topics', 'a/#/b'], /not a valid MQTT topic filter/],
          [['--mqtt-url', broker.url, '--mqtt-enterprise', 'main', '--mqtt-format', 'xml'], /mqtt-format must be one of auto\|line\|json/],
          [['--mqtt-url', broker.url, '--mqtt-enterprise', 'main', '--mqtt-qos', '2'], /mqtt-qos = 2 is outside 0\.\.1/],
        ];
        for (const [args, re] of cases) {
          const r = cli(db, ['serve', '--listen', '127.0.0.1:0', ...args], env);
          assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, re, args.join(' '));
        }
      } finally {
        cleanup(db);
      }
    });
  });
}
