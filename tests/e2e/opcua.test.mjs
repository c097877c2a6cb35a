// opcua.test.mjs — anjian's own OPC UA client (docs/opcua.md) against a real node-opcua
// server (lib/opcua_server.mjs, its own process so it can be killed mid-stream; started by
// lib/opcua_peer.mjs):
// - values of every numeric built-in type, array elements by index_range, and the source
//   timestamps arrive exactly, over security None (Anonymous), Basic256Sha256
//   SignAndEncrypt (UserName, the password encrypted with the server key) and
//   Basic256Sha256 Sign;
// - a Counter changing every 200 ms arrives with no value lost or doubled;
// - a TCP break between anjian and the server (a proxy drops every connection): the tags
//   go bad (communication loss), the session is re-activated on a new channel (no new
//   session), and the counter has no gap or duplicate across the break (Republish);
// - the server killed (SIGKILL) and started again: a new session and subscription, values
//   flow again on every endpoint (no stuck subscription);
// - an untrusted server certificate: the endpoint fails naming it, the certificate lands in
//   rejected/; a wrong password: BadUserAccessDenied; bad maps stop the start (exit 2).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { mkdtempSync, mkdirSync, copyFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends, startServer, login, api, cleanup, freePort, tempFile, cli, cliOk, freshDatabase } from './lib/server.mjs';
import { startUaServer } from './lib/opcua_peer.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const QR_COMM_LOSS = 2;
const QR_SOURCE_BAD = 64;
const PASSWORD = 'Op-2026!secret';

/** A TCP proxy 127.0.0.1:listenPort -> 127.0.0.1:targetPort whose connections can be cut (optionally after losing what the server sent for a while). */
async function startProxy(listenPort, targetPort) {
  const pairs = new Set();
  const state = { dropping: false };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (d) => { if (!state.dropping) client.write(d); }); // server -> anjian, unless dropped
    const end = () => { client.destroy(); upstream.destroy(); pairs.delete(pair); };
    client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
  });
  await new Promise((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  return {
    cut: () => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } pairs.clear(); },
    /** Loses what the server sends for ms (its Publish responses vanish), then cuts. */
    loseThenCut: async (ms) => {
      state.dropping = true;
      await new Promise((r) => setTimeout(r, ms));
      for (const [a, b] of pairs) { a.destroy(); b.destroy(); }
      pairs.clear();
      state.dropping = false;
    },
    stop: () => new Promise((resolve) => { for (const [a, b] of pairs) { a.destroy(); b.destroy(); } server.close(resolve); }),
  };
}

// The items: tag -> [endpoint, node id, expected value, extra item fields].
const NONE_ITEMS = {
  'UA.bool': ['ns=1;s=T.Boolean', 1],
  'UA.sbyte': ['ns=1;s=T.SByte', -100],
  'UA.byte': ['ns=1;s=T.Byte', 200],
  'UA.i16': ['ns=1;s=T.Int16', -30000],
  'UA.u16': ['ns=1;s=T.UInt16', 60000],
  'UA.i32': ['ns=1;s=T.Int32', -2000000000],
  'UA.u32': ['ns=1;s=T.UInt32', 4000000000],
  'UA.i64': ['ns=1;s=T.Int64', -2],
  'UA.u64': ['ns=1;s=T.UInt64', 123456789],
  'UA.float': ['ns=1;s=T.Float', 1.5],
  'UA.double': ['ns=1;s=T.Double', 3.141592653589793],
  'UA.arr.i32': ['ns=1;s=A.Int32', 30, { index_range: '2' }],
  'UA.arr.f64': ['ns=1;s=A.Double', 2.5, { index_range: '1' }],
  'UA.arr.bool': ['ns=1;s=A.Boolean', 0, { index_range: '1' }],
  'UA.string': ['ns=1;s=T.String', null], // not a number: bad, counted as unusable
  'UA.counter': ['ns=1;s=Counter', null, { sampling_ms: 50, queue_size: 50 }],
  'UA.bad': ['ns=1;s=Bad', null, { sampling_ms: 50, queue_size: 50 }],
  // the counter through an absolute deadband of 2.5: only changes of 3 or more are sent
  'UA.counter.db': ['ns=1;s=Counter', null, { sampling_ms: 50, queue_size: 50, deadband: { type: 'absolute', value: 2.5 } }],
};
const SEC_ITEMS = {
  'UA.sec.counter': ['ns=1;s=Counter', null, { sampling_ms: 50, queue_size: 50 }],
  'UA.sec.double': ['ns=1;s=T.Double', 3.141592653589793],
};
const SIGN_ITEMS = { 'UA.sign.i64': ['ns=1;s=T.Int64', -2] };

function items(def) {
  return Object.entries(def).map(([tag, [node, , extra]]) => ({ tag, node_id: node, ...(extra || {}) }));
}

function mapJson(proxyPort, serverPort) {
  return JSON.stringify({
    format: 'anjian-opcua-map', version: 1,
    endpoints: [
      { code: 'UA-NONE', url: `opc.tcp://127.0.0.1:${proxyPort}`, publishing_interval_ms: 250, keepalive_count: 4,
        timeout_ms: 3000, items: items(NONE_ITEMS) },
      { code: 'UA-SEC', url: `opc.tcp://127.0.0.1:${serverPort}`, security_policy: 'Basic256Sha256',
        security_mode: 'SignAndEncrypt', username: 'operator', password_env: 'UA_TEST_PASSWORD',
        publishing_interval_ms: 250, keepalive_count: 4, timeout_ms: 3000, channel_lifetime_ms: 5000,
        items: items(SEC_ITEMS) },
      { code: 'UA-SIGN', url: `opc.tcp://127.0.0.1:${serverPort}`, security_policy: 'Basic256Sha256',
        security_mode: 'Sign', publishing_interval_ms: 250, keepalive_count: 4, timeout_ms: 3000, items: items(SIGN_ITEMS) },
    ],
  }, null, 1);
}

async function history(base, token, id, sinceMs = Date.now() - 600000) {
  const from = new Date(sinceMs).toISOString();
  const to = new Date(Date.now() + 60000).toISOString();
  const r = await api(base, token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}&limit=100000`);
  assert.equal(r.status, 200, r.text);
  return r.body.points;
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

async function endpoints(base, token) {
  const r = await api(base, token, 'GET', '/api/v1/connections');
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.body.items.filter((i) => i.protocol === 'opcua').map((i) => [i.code, i]));
}

/** Counter points (good ones) as [{n, ms}] from a tag's history. */
function counterRun(points) {
  return points.filter((p) => p.q === 'good').map((p) => ({ n: p.v, ms: Number(BigInt(p.t_ns) / 1000000n) }));
}

/** Checks a run of counter values: consecutive, no duplicate, each at start + n * period. */
function assertContinuous(run, info, what) {
  assert.ok(run.length >= 5, `${what}: only ${run.length} values`);
  for (let i = 0; i < run.length; i++) {
    assert.equal(run[i].ms, info.start + run[i].n * info.period, `${what}: value ${run[i].n} carries its source time`);
    if (i) assert.equal(run[i].n, run[i - 1].n + 1, `${what}: ${run[i - 1].n} then ${run[i].n} (gap or duplicate)`);
  }
}

for (const backend of backends()) {
  describe(backend, () => {
    let ua, proxy, srv, admin, tagIds, work, serverPort, proxyPort, anjianPki, serverPki;

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'aj-opcua-'));
      serverPki = join(work, 'server-pki');
      anjianPki = join(work, 'anjian-pki');
      serverPort = await freePort();
      proxyPort = await freePort();
      ua = await startUaServer(serverPort, serverPki);
      proxy = await startProxy(proxyPort, serverPort);
      // an operator trusts the server's certificate
      mkdirSync(join(anjianPki, 'trusted'), { recursive: true, mode: 0o700 });
      copyFileSync(ua.info.certPem, join(anjianPki, 'trusted', 'test-server.pem'));
      const first = await startServer(backend);
      const tok = (await login(first.url, 'admin', first.adminPassword)).token;
      const site = (await api(first.url, tok, 'POST', '/api/v1/sites', { code: 'UA', name: 'OPC UA 接入' })).body;
      tagIds = {};
      for (const tag of [...Object.keys(NONE_ITEMS), ...Object.keys(SEC_ITEMS), ...Object.keys(SIGN_ITEMS)]) {
        const t = await api(first.url, tok, 'POST', '/api/v1/tags', { site_id: site.id, key: tag, name: tag, kind: 'count' });
        assert.equal(t.status, 201, t.text);
        tagIds[tag] = t.body.id;
      }
      await first.stop();
      srv = await startServer(backend, {
        db: first.db, adminPassword: first.adminPassword,
        env: { ANJIAN_LOG_LEVEL: 'info', UA_TEST_PASSWORD: PASSWORD },
        args: ['--opcua-map', tempFile('uamap.json', mapJson(proxyPort, serverPort)), '--opcua-enterprise', 'main',
          '--opcua-pki-dir', anjianPki],
      });
      admin = await login(srv.url, 'admin', srv.adminPassword);
    });
    after(async () => {
      if (srv) await srv.stop();
      if (proxy) await proxy.stop();
      if (ua) await ua.stop();
      if (srv) cleanup(srv.db);
      rmSync(work, { recursive: true, force: true });
    });

    it('every numeric type, array elements and source timestamps arrive exactly over None, Sign and SignAndEncrypt', { timeout: 60000 }, async () => {
      const fixed = { ...NONE_ITEMS, ...SEC_ITEMS, ...SIGN_ITEMS };
      await until('every fixed value', async () => {
        const wrong = [];
        for (const [tag, [, want]] of Object.entries(fixed)) {
          if (want === null) continue;
          const h = await history(srv.url, admin.token, tagIds[tag]);
          const l = h[h.length - 1];
          if (!l || l.q !== 'good' || l.v !== want) wrong.push([tag, l]);
        }
        return wrong.length ? wrong.slice(0, 3) : true;
      });
      // a string cannot feed a numeric tag: bad (source), and the endpoint says why
      const s = await history(srv.url, admin.token, tagIds['UA.string']);
      assert.ok(s.length && s[s.length - 1].q === 'bad' && (s[s.length - 1].reasons & QR_SOURCE_BAD), JSON.stringify(s.slice(-1)));
      // the counter over each endpoint: consecutive, each with its exact source time
      await sleep(2500);
      for (const tag of ['UA.counter', 'UA.sec.counter']) {
        const run = counterRun(await history(srv.url, admin.token, tagIds[tag]));
        assertContinuous(run, ua.info, tag);
      }
      // Bad alternates Good / BadSensorFailure every tick: both qualities arrive
      const bad = await history(srv.url, admin.token, tagIds['UA.bad']);
      assert.ok(bad.some((p) => p.q === 'bad' && (p.reasons & QR_SOURCE_BAD)) && bad.some((p) => p.q === 'good'), JSON.stringify(bad.slice(-4)));
      // the deadband: every step of the filtered counter is 3 or more, never 1 or 2
      const db = counterRun(await history(srv.url, admin.token, tagIds['UA.counter.db']));
      assert.ok(db.length >= 3, JSON.stringify(db));
      for (let i = 1; i < db.length; i++) assert.ok(db[i].n - db[i - 1].n >= 3, `deadband: ${db[i - 1].n} then ${db[i].n}`);
      const eps = await endpoints(srv.url, admin.token);
      assert.equal(eps['UA-NONE'].state, 'connected', JSON.stringify(eps['UA-NONE']));
      assert.equal(eps['UA-SEC'].state, 'connected', JSON.stringify(eps['UA-SEC']));
      assert.equal(eps['UA-SIGN'].state, 'connected', JSON.stringify(eps['UA-SIGN']));
      assert.equal(eps['UA-SEC'].security_policy, 'Basic256Sha256');
      assert.equal(eps['UA-SEC'].security_mode, 'SignAndEncrypt');
      assert.equal(eps['UA-SEC'].identity, 'username');
      assert.equal(eps['UA-SIGN'].security_mode, 'Sign');
      // UA-SEC asks for 5 s security tokens: renewed (new keys) while values keep flowing
      await until('a renewed security token on UA-SEC', async () => {
        const e = (await endpoints(srv.url, admin.token))['UA-SEC'];
        return e.channel_renewals >= 1 && e.state === 'connected' ? true : e;
      }, 20000);
      const afterRenewal = Date.now();
      await until('values after the renewal', async () => {
        const run = counterRun(await history(srv.url, admin.token, tagIds['UA.sec.counter'], afterRenewal - 2000));
        return run.length >= 5 ? true : run.length;
      });
      assertContinuous(counterRun(await history(srv.url, admin.token, tagIds['UA.sec.counter'])), ua.info, 'UA.sec.counter across renewals');
      const sec = (await endpoints(srv.url, admin.token))['UA-SEC'];
      assert.equal(sec.reconnects, 0, 'renewals happen on the open channel: ' + JSON.stringify(sec));
      assert.ok(eps['UA-NONE'].points_unusable >= 1, JSON.stringify(eps['UA-NONE']));
      assert.match(eps['UA-NONE'].last_error, /T\.String.*not a number/, JSON.stringify(eps['UA-NONE']));
    });

    it('browse: references and current values of a configured endpoint; other enterprises see nothing', { timeout: 60000 }, async () => {
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/opcua/browse', { endpoint: 'UA-SEC', node_id: 'ns=1;s=Test' });
      assert.equal(r.status, 200, r.text);
      const byName = Object.fromEntries(r.body.references.map((x) => [x.browse_name, x]));
      assert.equal(byName['T.Double'].node_id, 'ns=1;s=T.Double');
      assert.equal(byName['T.Double'].node_class, 'Variable');
      assert.equal(byName['T.Double'].value.value, 3.141592653589793);
      assert.equal(byName['T.Double'].value.type, 'Double');
      assert.deepEqual(byName['A.Int32'].value.value, [10, 20, 30, 40]);
      assert.equal(byName['T.String'].value.value, '安监 ✓');
      // every built-in type of the test server, decoded by anjian exactly
      const want = {
        'T.Boolean': true, 'T.SByte': -100, 'T.Byte': 200, 'T.Int16': -30000, 'T.UInt16': 60000, 'T.Int32': -2000000000,
        'T.UInt32': 4000000000, 'T.Int64': -2, 'T.UInt64': 123456789, 'T.Float': 1.5, 'T.Double': 3.141592653589793,
        'T.String': '安监 ✓', 'T.DateTime': '2026-11-30T01:02:03.456Z', 'T.Guid': '72962b91-fa75-4ae6-8d28-b404dc7daf63',
        'T.ByteString': 'AQID/w==', 'T.XmlElement': '<a>1</a>', 'T.NodeId': 'ns=1;s=Test',
        'T.StatusCode': { code: '0x808C0000', name: null }, 'T.QualifiedName': '1:Q', 'T.LocalizedText': '液位',
        // a Range structure: its binary encoding id and body (two Doubles, 0 and 100)
        'T.ExtensionObject': { type_id: 'i=886', bytes: Buffer.concat([Buffer.alloc(8), (() => { const b = Buffer.alloc(8); b.writeDoubleLE(100); return b; })()]).toString('base64') },
        'A.Boolean': [true, false, true], 'A.Int16': [-1, 2, -3], 'A.UInt32': [7, 8], 'A.Float': [0.5, 1.5],
        'A.Double': [1.25, 2.5, 3.75], 'A.String': ['a', 'b'],
      };
      for (const [name, value] of Object.entries(want)) {
        assert.ok(byName[name], `${name} browsed`);
        assert.deepEqual(byName[name].value.value, value, name);
        assert.equal(byName[name].value.type, name.slice(2), `${name} type`);
        assert.equal(byName[name].value.status.name, 'Good', name);
      }
      // a 300 KB value: the server's response comes in several chunks, reassembled
      const big = cli(srv.db, ['opcua', 'read', `opc.tcp://127.0.0.1:${serverPort}`, 'ns=1;s=T.Big', '--pki-dir', anjianPki]);
      assert.equal(big.status, 0, big.stderr);
      const bytes = Buffer.from(JSON.parse(big.stdout).values[0].value, 'base64');
      assert.equal(bytes.length, 300000);
      assert.ok(bytes.every((b, i) => b === ((i * 7) & 0xff)), 'the bytes of T.Big');
      // a request of ~120 KB (six 20 KB node ids) goes out in several chunks; the server answers each
      const long = Array.from({ length: 6 }, (_, k) => `ns=1;s=${String(k).repeat(20000)}`);
      const many = cli(srv.db, ['opcua', 'read', `opc.tcp://127.0.0.1:${serverPort}`, ...long, '--pki-dir', anjianPki]);
      assert.equal(many.status, 0, many.stderr);
      assert.deepEqual(JSON.parse(many.stdout).values.map((v) => v.status.name), Array(6).fill('BadNodeIdUnknown'));
      const root = await api(srv.url, admin.token, 'POST', '/api/v1/opcua/browse', { endpoint: 'UA-NONE' });
      assert.equal(root.status, 200, root.text);
      assert.ok(root.body.references.some((x) => x.node_id === 'ns=1;s=Test' && x.node_class === 'Object'), root.text);
      assert.equal((await api(srv.url, admin.token, 'POST', '/api/v1/opcua/browse', { endpoint: 'NOPE' })).status, 404);
      const bad = await api(srv.url, admin.token, 'POST', '/api/v1/opcua/browse', { endpoint: 'UA-NONE', node_id: 'ns=1;q=1' });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.body.error.message, /node_id/);
      const extra = await api(srv.url, admin.token, 'POST', '/api/v1/opcua/browse', { endpoint: 'UA-NONE', colour: 1 });
      assert.equal(extra.status, 400, extra.text);
      // a user of another enterprise: no OPC UA endpoints listed, nothing to browse
      const env = { ANJIAN_ADMIN_PASSWORD: 'Other-Adm-2026!x' };
      cliOk(srv.db, ['admin', 'create-enterprise', '--code', 'OTHER', '--name', '别的公司']);
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'OTHER', '--username', 'other-admin', '--roles', 'admin'], { ANJIAN_USER_PASSWORD: env.ANJIAN_ADMIN_PASSWORD });
      const other = await login(srv.url, 'other-admin', env.ANJIAN_ADMIN_PASSWORD);
      assert.equal(other.status, 200);
      const list = await api(srv.url, other.token, 'GET', '/api/v1/connections');
      assert.equal(list.status, 200);
      assert.equal(list.body.items.filter((i) => i.protocol === 'opcua').length, 0);
      assert.equal((await api(srv.url, other.token, 'POST', '/api/v1/opcua/browse', { endpoint: 'UA-NONE' })).status, 404);
    });

    it('a broken connection: tags bad with communication loss, the same session re-activated, no gap or duplicate', { timeout: 60000 }, async () => {
      const before = (await endpoints(srv.url, admin.token))['UA-NONE'];
      const cutMs = Date.now();
      proxy.cut();
      await until('a reconnect of UA-NONE', async () => {
        const e = (await endpoints(srv.url, admin.token))['UA-NONE'];
        return e.reconnects > before.reconnects && e.state === 'connected' ? true : e;
      });
      const after = (await endpoints(srv.url, admin.token))['UA-NONE'];
      assert.equal(after.sessions_created, before.sessions_created, 'the session was kept (re-activated)');
      const h = await history(srv.url, admin.token, tagIds['UA.counter']);
      // the loss is marked just after the last value that came (source time, which runs a
      // little behind the wall clock on this server)
      assert.ok(h.some((p) => p.q === 'bad' && (p.reasons & QR_COMM_LOSS) && Number(BigInt(p.t_ns) / 1000000n) >= cutMs - 5000),
        'a communication-loss point at the break ' + JSON.stringify(h.slice(-6)));
      await sleep(1500);
      const run = counterRun(await history(srv.url, admin.token, tagIds['UA.counter']));
      assertContinuous(run, ua.info, 'UA.counter across the break ' + JSON.stringify((await endpoints(srv.url, admin.token))['UA-NONE']));
    });

    it('responses lost before a break: the same session, the lost notifications republished, no gap', { timeout: 60000 }, async () => {
      const before = (await endpoints(srv.url, admin.token))['UA-NONE'];
      await proxy.loseThenCut(800); // ~3 Publish responses vanish, then the connection drops
      await until('UA-NONE back with the notifications republished', async () => {
        const e = (await endpoints(srv.url, admin.token))['UA-NONE'];
        return e.state === 'connected' && e.reconnects > before.reconnects && e.republished > before.republished ? true : e;
      });
      const after = (await endpoints(srv.url, admin.token))['UA-NONE'];
      assert.equal(after.sessions_created, before.sessions_created, 'the session was kept');
      await sleep(1000);
      assertContinuous(counterRun(await history(srv.url, admin.token, tagIds['UA.counter'])), ua.info, 'UA.counter across the lost responses');
    });

    it('the server killed and restarted: new session and subscription, values flow on every endpoint', { timeout: 90000 }, async () => {
      const before = await endpoints(srv.url, admin.token);
      await ua.kill();
      await until('UA-SEC failing and its tags marked lost', async () => {
        const e = (await endpoints(srv.url, admin.token))['UA-SEC'];
        const lost = await history(srv.url, admin.token, tagIds['UA.sec.counter']);
        const l = lost[lost.length - 1];
        return e.state === 'failing' && l && l.q === 'bad' && (l.reasons & QR_COMM_LOSS) ? true : [e, lost.slice(-2)];
      });
      ua = await startUaServer(serverPort, serverPki); // same port, same certificate
      const restartMs = ua.info.start;
      await until('fresh counter values on both counters', async () => {
        const got = [];
        for (const tag of ['UA.counter', 'UA.sec.counter']) {
          const run = counterRun(await history(srv.url, admin.token, tagIds[tag], restartMs));
          got.push(run.length);
        }
        return got.every((n) => n >= 5) ? true : got;
      }, 60000);
      const after = await endpoints(srv.url, admin.token);
      for (const code of ['UA-NONE', 'UA-SEC', 'UA-SIGN']) {
        assert.equal(after[code].state, 'connected', JSON.stringify(after[code]));
        assert.ok(after[code].sessions_created > before[code].sessions_created, `${code}: a new session`);
      }
      for (const tag of ['UA.counter', 'UA.sec.counter']) {
        const run = counterRun(await history(srv.url, admin.token, tagIds[tag], restartMs));
        assertContinuous(run, ua.info, `${tag} after the restart`);
      }
      assert.equal(srv.proc.exitCode, null, 'still running');
    });

    it('an untrusted server certificate and a wrong password are refused, named, and nothing flows', { timeout: 60000 }, async () => {
      if (backend !== 'sqlite') return; // the trust decision does not touch the database
      const pki2 = join(work, 'empty-pki');
      const first = await startServer(backend);
      const tok = (await login(first.url, 'admin', first.adminPassword)).token;
      const site = (await api(first.url, tok, 'POST', '/api/v1/sites', { code: 'UA2', name: 'x' })).body;
      await api(first.url, tok, 'POST', '/api/v1/tags', { site_id: site.id, key: 'UA2.c', name: 'c', kind: 'count' });
      await first.stop();
      const map = JSON.stringify({ format: 'anjian-opcua-map', version: 1, endpoints: [
        { code: 'SEC', url: `opc.tcp://127.0.0.1:${serverPort}`, security_policy: 'Basic256Sha256', items: [{ tag: 'UA2.c', node_id: 'ns=1;s=Counter' }] },
      ] });
      const s2 = await startServer(backend, { db: first.db, adminPassword: first.adminPassword,
        args: ['--opcua-map', tempFile('m2.json', map), '--opcua-enterprise', 'main', '--opcua-pki-dir', pki2] });
      try {
        const t2 = (await login(s2.url, 'admin', s2.adminPassword)).token;
        await until('SEC failing, naming the certificate', async () => {
          const e = (await endpoints(s2.url, t2)).SEC;
          return e.state === 'failing' && /not trusted/.test(e.last_error || '') ? true : e;
        });
        const rejected = readdirSync(join(pki2, 'rejected'));
        assert.equal(rejected.length, 1, rejected.join());
        assert.match(rejected[0], /^[0-9a-f]{40}\.der$/);
      } finally {
        await s2.stop();
        cleanup(s2.db);
      }
      // a wrong password through the command line client: BadUserAccessDenied, exit 1
      const pwFile = tempFile('pw', 'wrong');
      const r = cli(srv.db, ['opcua', 'read', `opc.tcp://127.0.0.1:${serverPort}`, 'ns=1;s=Counter', '--username', 'operator',
        '--password-file', pwFile, '--pki-dir', anjianPki]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /BadUserAccessDenied/);
      const ok = cli(srv.db, ['opcua', 'read', `opc.tcp://127.0.0.1:${serverPort}`, 'ns=1;s=T.Double', '--security-policy',
        'Basic256Sha256', '--pki-dir', anjianPki]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).values[0].value, 3.141592653589793);
    });

    it('bad maps stop the start with exit 2 and the JSONPath of the problem', { timeout: 60000 }, async () => {
      if (backend !== 'sqlite') return;
      const cases = [
        [{ format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'A', url: 'http://x', items: [{ tag: 'UA.bool', node_id: 'i=1' }] }] },
          /\$\.endpoints\[0\]\.url: .*opc\.tcp/],
        [{ format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'A', url: 'opc.tcp://h:1', items: [{ tag: 'UA.bool', node_id: 'ns=1;x=2' }] }] },
          /\$\.endpoints\[0\]\.items\[0\]\.node_id: .*unknown identifier type/],
        [{ format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'A', url: 'opc.tcp://h:1', username: 'u', items: [{ tag: 'UA.bool', node_id: 'i=1' }] }] },
          /\$\.endpoints\[0\]\.username: .*password_env/],
        [{ format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'A', url: 'opc.tcp://h:1', security_policy: 'None', security_mode: 'Sign', items: [{ tag: 'UA.bool', node_id: 'i=1' }] }] },
          /\$\.endpoints\[0\]\.security_mode: Sign does not go with security_policy None/],
        [{ format: 'anjian-opcua-map', version: 1, endpoints: [{ code: 'A', url: 'opc.tcp://h:1', items: [{ tag: 'UA.nope', node_id: 'i=1' }] }] },
          /no tag "UA\.nope"/],
      ];
      const db = freshDatabase(backend);
      try {
        const env = { ANJIAN_ADMIN_PASSWORD: 'Adm-x-' + Date.now(), ANJIAN_LOG_LEVEL: 'warn' };
        for (const [map, re] of cases) {
          const r = cli(db, ['serve', '--listen', '127.0.0.1:0', '--opcua-map', tempFile('bad.json', JSON.stringify(map)),
            '--opcua-enterprise', 'main', '--opcua-pki-dir', join(work, 'pki-bad')], env);
          assert.equal(r.status, 2, r.stderr);
          assert.match(r.stderr, re);
        }
      } finally {
        cleanup(db);
      }
    });
  });
}
