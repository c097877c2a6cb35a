// modbus.test.mjs — the Modbus TCP poller of `anjian serve` (docs/modbus.md) against a real
// Modbus TCP server (modbus-serial's ServerTCP on a loopback port, registers the test sets):
// every type and byte/word order arrives exactly with scale and offset, changed registers
// arrive, the peer going away makes the points bad with communication loss and the device
// "failing" in GET /api/v1/connections, the peer coming back makes them good again; a peer
// that accepts the connection but never answers (a plain `net` server) gives timeouts, the
// map's retries (counted at that peer: 1 + retries connections per failed poll, one request
// each, only the poll's first read) and the same communication loss, until a real peer on
// the same port makes them good again; an exception for one address range makes only that
// read's points bad; bad maps and unknown
// tags stop the start with exit code 2 and a precise message. Every case on each backend.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { backends, startServer, login, api, cli, cleanup, freshDatabase, freePort, tempFile } from './lib/server.mjs';

const require = createRequire(import.meta.url);
const ModbusRTU = require('modbus-serial');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const QR_COMM_LOSS = 2;
const QR_SOURCE_BAD = 64;

// ---- the peer -------------------------------------------------------------------------

/** Register contents the test controls, and addresses whose reads answer an exception. */
function makeTables() {
  return { coils: new Map(), discrete: new Map(), holding: new Map(), input: new Map(), failHolding: new Set() };
}

/** Starts a modbus-serial ServerTCP on 127.0.0.1:port (unit id 1) serving tables. */
async function startPeer(port, tables) {
  const vector = {
    getCoil: (addr) => tables.coils.get(addr) ?? false,
    getDiscreteInput: (addr) => tables.discrete.get(addr) ?? false,
    getInputRegister: (addr) => tables.input.get(addr) ?? 0,
    getHoldingRegister: (addr) => {
      if (tables.failHolding.has(addr)) throw { modbusErrorCode: 2, msg: 'illegal data address (test)' };
      return tables.holding.get(addr) ?? 0;
    },
  };
  const server = new ModbusRTU.ServerTCP(vector, { host: '127.0.0.1', port, unitID: 1 });
  server.on('error', () => {}); // a client going away mid-request is not a test failure
  server.on('socketError', () => {});
  await new Promise((resolve, reject) => {
    server.on('initialized', resolve);
    server.on('serverError', reject);
  });
  return {
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A peer that accepts TCP connections on 127.0.0.1:port and never answers (a device whose
 * Modbus task hangs, a gateway whose serial side is dead). Counts the connections, the
 * Modbus TCP requests on each (MBAP header: length at bytes 4-5 covers unit id + PDU) and
 * the connections the client closed.
 */
async function startBlackHole(port) {
  const stats = { connections: 0, closedByClient: 0, requests: [], maxPerConnection: 0 };
  const sockets = new Set();
  const server = createServer((sock) => {
    stats.connections++;
    sockets.add(sock);
    let buf = Buffer.alloc(0);
    let n = 0;
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= 6 + buf.readUInt16BE(4)) {
        const len = buf.readUInt16BE(4);
        const f = buf.subarray(0, 6 + len);
        stats.requests.push({ unit: f[6], fc: f[7], start: len >= 6 ? f.readUInt16BE(8) : -1, count: len >= 6 ? f.readUInt16BE(10) : -1 });
        buf = buf.subarray(6 + len);
        stats.maxPerConnection = Math.max(stats.maxPerConnection, ++n);
      }
    });
    sock.on('end', () => { stats.closedByClient++; });
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    stats,
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

// ---- encoding values the way devices do -----------------------------------------------

const ORDERS4 = { ABCD: [0, 1, 2, 3], CDAB: [2, 3, 0, 1], BADC: [1, 0, 3, 2], DCBA: [3, 2, 1, 0] };
const ORDERS8 = {
  ABCDEFGH: [0, 1, 2, 3, 4, 5, 6, 7], GHEFCDAB: [6, 7, 4, 5, 2, 3, 0, 1],
  BADCFEHG: [1, 0, 3, 2, 5, 4, 7, 6], HGFEDCBA: [7, 6, 5, 4, 3, 2, 1, 0],
};

/** The registers a device using order sends for the big-endian bytes be. */
function words(be, order) {
  const perm = (be.length === 4 ? ORDERS4 : ORDERS8)[order];
  const out = [];
  for (let i = 0; i < be.length; i += 2) out.push((be[perm[i]] << 8) | be[perm[i + 1]]);
  return out;
}

function bytesOf(type, v) {
  const size = { int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8 }[type];
  const b = Buffer.alloc(size);
  if (type === 'int32') b.writeInt32BE(v);
  else if (type === 'uint32') b.writeUInt32BE(v);
  else if (type === 'float32') b.writeFloatBE(v);
  else if (type === 'int64') b.writeBigInt64BE(BigInt(v));
  else if (type === 'uint64') b.writeBigUInt64BE(BigInt(v));
  else b.writeDoubleBE(v);
  return b;
}

/** The value anjian must store: raw (as a double) x scale + offset. */
function expected(type, raw, scale = 1, offset = 0) {
  const r = type === 'float32' ? Math.fround(raw) : Number(raw);
  return r * scale + offset;
}

// ---- the map ----------------------------------------------------------------------------

/**
 * Points with the registers that hold them: { tag, table, address, type, order, bit, scale,
 * offset, regs | bit value, want }. setAll() writes every register; want is the value.
 */
function buildPoints() {
  const pts = [];
  const wide = (tag, table, address, type, order, raw, scale, offset) => {
    pts.push({ tag, table, address, type, order, scale, offset, regs: words(bytesOf(type, raw), order), want: expected(type, raw, scale, offset) });
  };
  pts.push({ tag: 'MB.coil0', table: 'coil', address: 0, bitValue: true, want: 1 });
  pts.push({ tag: 'MB.coil3', table: 'coil', address: 3, bitValue: false, want: 0 });
  pts.push({ tag: 'MB.di5', table: 'discrete_input', address: 5, bitValue: true, want: 1 });
  pts.push({ tag: 'MB.u16', table: 'holding', address: 0, type: 'uint16', regs: [0xA5F0], want: 0xA5F0 });
  pts.push({ tag: 'MB.bit4', table: 'holding', address: 0, type: 'bool', bit: 4, want: 1 });
  pts.push({ tag: 'MB.bit0', table: 'holding', address: 0, type: 'bool', bit: 0, want: 0 });
  pts.push({ tag: 'MB.i16', table: 'holding', address: 1, type: 'int16', scale: 0.5, offset: 10, regs: [(-1234) & 0xffff], want: -1234 * 0.5 + 10 });
  let a = 2;
  for (const order of Object.keys(ORDERS4)) {
    wide(`MB.i32.${order}`, 'holding', a, 'int32', order, -123456789, 1, 0); a += 2;
    wide(`MB.u32.${order}`, 'holding', a, 'uint32', order, 4000000000, 0.001, 5); a += 2;
    wide(`MB.f32.${order}`, 'holding', a, 'float32', order, 123.456, 2, -1); a += 2;
  }
  a = 40;
  for (const order of Object.keys(ORDERS8)) {
    wide(`MB.f64.${order}`, 'holding', a, 'float64', order, -98765.4321, 1, 0); a += 4;
    wide(`MB.i64.${order}`, 'holding', a, 'int64', order, -9007199254740991n, 1, 0); a += 4;
    wide(`MB.u64.${order}`, 'holding', a, 'uint64', order, 9007199254740993n, 1, 0); a += 4; // 2^53+1: nearest double
  }
  pts.push({ tag: 'MB.in0', table: 'input', address: 0, type: 'uint16', scale: 0.1, regs: [1234], want: 1234 * 0.1 });
  wide('MB.in.f32', 'input', 2, 'float32', 'CDAB', -0.15625, 1, 0);
  pts.push({ tag: 'MB.in.bit15', table: 'input', address: 8, type: 'bool', bit: 15, regs: [0x8000], want: 1 });
  // A read of its own (far from the others) for the exception case.
  pts.push({ tag: 'MB.exc', table: 'holding', address: 1000, type: 'uint16', regs: [77], want: 77 });
  return pts;
}

function setAll(tables, pts) {
  for (const p of pts) {
    if (p.table === 'coil') tables.coils.set(p.address, p.bitValue);
    else if (p.table === 'discrete_input') tables.discrete.set(p.address, p.bitValue);
    else if (p.regs) {
      const t = p.table === 'holding' ? tables.holding : tables.input;
      p.regs.forEach((w, i) => t.set(p.address + i, w));
    }
  }
}

function mapJson(port, pts) {
  return JSON.stringify({
    format: 'anjian-modbus-map',
    version: 1,
    devices: [{ code: 'PLC-1', host: '127.0.0.1', port, unit_id: 1, timeout_ms: 500, retries: 1, backoff_ms: 100 }],
    groups: [{ code: 'fast', device: 'PLC-1', interval_ms: 200 }],
    points: pts.map((p) => {
      const o = { tag: p.tag, device: 'PLC-1', group: 'fast', table: p.table, address: p.address };
      if (p.type && p.table !== 'coil' && p.table !== 'discrete_input') o.type = p.type;
      if (p.order) o.order = p.order;
      if (p.bit !== undefined) o.bit = p.bit;
      if (p.scale !== undefined && p.scale !== 1) o.scale = p.scale;
      if (p.offset) o.offset = p.offset;
      return o;
    }),
  }, null, 1);
}

// ---- reading back -----------------------------------------------------------------------

async function latest(base, token, id) {
  const from = new Date(Date.now() - 120000).toISOString();
  const to = new Date(Date.now() + 60000).toISOString();
  const r = await api(base, token, 'GET', `/api/v1/tags/${id}/history?from=${from}&to=${to}&limit=100000`);
  assert.equal(r.status, 200, r.text);
  const pts = r.body.points;
  return pts.length ? pts[pts.length - 1] : null;
}

async function until(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last === true) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await sleep(100);
  }
}

async function device(base, token) {
  const r = await api(base, token, 'GET', '/api/v1/connections');
  assert.equal(r.status, 200, r.text);
  return r.body.items.find((d) => d.code === 'PLC-1');
}

for (const backend of backends()) {
  describe(backend, () => {
    let peer, srv, admin, port, mapPath, tagIds, blackHole;
    const tables = makeTables();
    const pts = buildPoints();

    /** Waits until every tag's latest point (newer than sinceNs) passes check(point, p). */
    async function waitAll(what, sinceNs, check) {
      await until(what, async () => {
        const bad = [];
        for (const p of pts) {
          const l = await latest(srv.url, admin.token, tagIds[p.tag]);
          if (!l || BigInt(l.t_ns) <= sinceNs || !check(l, p)) bad.push([p.tag, l]);
        }
        return bad.length === 0 ? true : bad.slice(0, 3);
      });
    }
    const isExact = (l, p) => l.q === 'good' && l.v === p.want;
    const nowNs = () => BigInt(Date.now()) * 1000000n;

    before(async () => {
      port = await freePort();
      setAll(tables, pts);
      peer = await startPeer(port, tables);
      // The tags must exist before the poller starts: make them, then restart with the map.
      const first = await startServer(backend);
      const tok = (await login(first.url, 'admin', first.adminPassword)).token;
      const site = (await api(first.url, tok, 'POST', '/api/v1/sites', { code: 'MB', name: 'Modbus 接入' })).body;
      tagIds = {};
      for (const p of pts) {
        const kind = p.type === 'bool' || !p.type ? 'status' : 'count';
        const t = await api(first.url, tok, 'POST', '/api/v1/tags', { site_id: site.id, key: p.tag, name: p.tag, kind });
        assert.equal(t.status, 201, t.text);
        tagIds[p.tag] = t.body.id;
      }
      await first.stop();
      mapPath = tempFile('map.json', mapJson(port, pts));
      srv = await startServer(backend, {
        db: first.db, adminPassword: first.adminPassword, env: { ANJIAN_LOG_LEVEL: 'info' },
        args: ['--modbus-map', mapPath, '--modbus-enterprise', 'main'],
      });
      admin = await login(srv.url, 'admin', srv.adminPassword);
    });
    after(async () => {
      if (srv) await srv.stop();
      if (peer) await peer.stop();
      peer = null;
      if (srv) cleanup(srv.db);
    });

    it('every type and order arrives exactly, with scale and offset; changes arrive', { timeout: 60000 }, async () => {
      await waitAll('every value', 0n, isExact);
      const d = await device(srv.url, admin.token);
      assert.equal(d.state, 'connected');
      assert.equal(d.protocol, 'modbus-tcp');
      assert.ok(d.polls_ok > 0 && d.points > 0 && d.last_success, JSON.stringify(d));
      // Change some registers: the new values arrive.
      const changes = { 'MB.u16': 0x0001, 'MB.i16': 20 };
      tables.holding.set(0, 0x0001); // u16 = 1, bit0 = 1, bit4 = 0
      tables.holding.set(1, 20);
      tables.coils.set(3, true);
      const f = pts.find((p) => p.tag === 'MB.f32.DCBA');
      const regs = words(bytesOf('float32', -7.5), 'DCBA');
      regs.forEach((w, i) => tables.holding.set(f.address + i, w));
      const want = {
        'MB.u16': 1, 'MB.bit0': 1, 'MB.bit4': 0, 'MB.i16': 20 * 0.5 + 10, 'MB.coil3': 1,
        'MB.f32.DCBA': expected('float32', -7.5, 2, -1),
      };
      assert.ok(changes);
      await until('the changed values', async () => {
        const got = {};
        for (const tag of Object.keys(want)) got[tag] = (await latest(srv.url, admin.token, tagIds[tag]))?.v;
        return JSON.stringify(got) === JSON.stringify(want) ? true : got;
      });
      setAll(tables, pts); // back to the original contents
      await waitAll('the original values again', 0n, isExact);
      const m = await api(srv.url, admin.token, 'GET', '/metrics');
      assert.match(m.text, /anjian_modbus_device_connected\{device="PLC-1"\} 1/);
      assert.match(m.text, /anjian_modbus_polls_total\{device="PLC-1",result="ok"\} [1-9]/);
    });

    it('the peer going away: every point bad with communication loss, device failing; back: good again', { timeout: 90000 }, async () => {
      await peer.stop();
      let since = nowNs();
      await waitAll('communication loss on every point', since, (l) => l.q === 'bad' && (l.reasons & QR_COMM_LOSS) !== 0);
      const d = await device(srv.url, admin.token);
      assert.equal(d.state, 'failing', JSON.stringify(d));
      assert.ok(d.polls_failed > 0, JSON.stringify(d));
      assert.match(d.last_error, /connection|refused|timeout|reset/i, JSON.stringify(d));
      assert.ok(d.last_error_at, JSON.stringify(d));
      assert.match(srv.log(), /WARN modbus: device "PLC-1" \(127\.0\.0\.1:\d+\): /);
      peer = await startPeer(port, tables);
      since = nowNs();
      await waitAll('good values after the peer is back', since, isExact);
      assert.equal((await device(srv.url, admin.token)).state, 'connected');
      assert.equal(srv.proc.exitCode, null, 'still running');
    });

    it('a peer that accepts but never answers: timeouts, retries as in the map, comm loss, failing; a real peer again: good', { timeout: 90000 }, async () => {
      const RETRIES = 1; // mapJson: retries 1, backoff_ms 100, timeout_ms 500
      const ATTEMPTS = 1 + RETRIES;
      await peer.stop();
      peer = null;
      const hole = await startBlackHole(port);
      const logFrom = srv.log().length;
      try {
        let since = nowNs();
        await waitAll('communication loss on every point', since, (l) => l.q === 'bad' && (l.reasons & QR_COMM_LOSS) !== 0);
        let d;
        await until('the device failing with a timeout', async () => {
          d = await device(srv.url, admin.token);
          return d.state === 'failing' && /no answer within the timeout/.test(d.last_error || '') ? true : d;
        });
        assert.match(d.last_error, /^(coil|discrete_input|holding|input) \d+-\d+: no answer within the timeout \(timeout_ms 500\)$/, JSON.stringify(d));
        assert.ok(d.last_error_at, JSON.stringify(d));
        // Retries, counted rather than timed: every failed poll makes 1 + retries attempts of its
        // first read, each on a new connection (a timeout closes it: a late answer must not be
        // taken for the next request), and sends none of the poll's other reads.
        const a = { polls: d.polls_failed, requests: hole.stats.requests.length, ok: d.polls_ok, success: d.last_success };
        const POLLS = 5;
        await until(`${POLLS} more failed polls`, async () => {
          d = await device(srv.url, admin.token);
          return d.polls_failed >= a.polls + POLLS ? true : d;
        }, 30000);
        const b = { polls: d.polls_failed, requests: hole.stats.requests.length };
        const polls = b.polls - a.polls;
        const requests = b.requests - a.requests;
        // A poll in flight at either snapshot adds up to ATTEMPTS on each side.
        assert.ok(Math.abs(requests - ATTEMPTS * polls) <= ATTEMPTS, `${requests} requests in ${polls} failed polls, want ${ATTEMPTS} each: ${JSON.stringify(hole.stats)}`);
        assert.equal(d.state, 'failing');
        assert.equal(d.polls_ok, a.ok, 'no poll succeeded meanwhile');
        assert.equal(d.last_success, a.success, 'last_success unchanged');
        assert.equal(hole.stats.maxPerConnection, 1, 'one request per connection');
        assert.ok(hole.stats.connections >= hole.stats.requests.length, JSON.stringify(hole.stats));
        assert.ok(hole.stats.closedByClient >= hole.stats.requests.length - 1, `the client closes a timed-out connection: ${JSON.stringify(hole.stats)}`);
        const first = hole.stats.requests[0];
        assert.ok(first.unit === 1 && first.fc >= 1 && first.fc <= 4, JSON.stringify(first));
        for (const r of hole.stats.requests) assert.deepEqual(r, first, 'only the first read of the poll is tried');
        assert.match(srv.log(), /WARN modbus: device "PLC-1" \(127\.0\.0\.1:\d+\): .*no answer within the timeout \(timeout_ms 500\)/);
        blackHole = { log: srv.log().slice(logFrom), pollsFailed: b.polls };
      } finally {
        await hole.stop();
      }
      peer = await startPeer(port, tables);
      const since = nowNs();
      await waitAll('good values after a real peer is back', since, isExact);
      const d = await device(srv.url, admin.token);
      assert.equal(d.state, 'connected', JSON.stringify(d));
      assert.match(d.last_error, /no answer within the timeout/, 'the last error is kept after recovery');
      assert.equal(srv.proc.exitCode, null, 'still running');
    });

    // docs/modbus.md "Device state": "one warning per new error text". Only the read that was
    // sent (the poll's first) says what went wrong; the reads of the same poll that were never
    // sent fail with its reason but are not logged, so a device that stays down is logged once.
    it('the timeouts were logged once, not once per read and poll', () => {
      assert.ok(blackHole, 'the black-hole case ran');
      const warnings = blackHole.log.split('\n').filter((l) => /WARN modbus: .*no answer within the timeout/.test(l));
      assert.ok(warnings.length <= 2, `${warnings.length} warnings for ${blackHole.pollsFailed} failed polls:\n${warnings.slice(0, 8).join('\n')}`);
    });

    it('an exception for one address range: only that read\'s points bad, the others good', { timeout: 60000 }, async () => {
      tables.failHolding.add(1000);
      try {
        const since = nowNs();
        await waitAll('the exception on MB.exc only', since, (l, p) =>
          p.tag === 'MB.exc' ? l.q === 'bad' && (l.reasons & QR_SOURCE_BAD) !== 0 : isExact(l, p));
        const d = await device(srv.url, admin.token);
        assert.equal(d.state, 'connected', JSON.stringify(d));
        assert.match(d.last_error, /^holding 1000-1000: .*\(Illegal data address\)$/, JSON.stringify(d));
      } finally {
        tables.failHolding.clear();
      }
      const since = nowNs();
      await waitAll('MB.exc good again', since, isExact);
    });

    it('bad maps, unknown tags and missing settings stop the start with exit code 2 and a precise message', () => {
      const db = freshDatabase(backend);
      try {
        const env = { ANJIAN_ADMIN_PASSWORD: 'Adm-' + randomBytes(9).toString('base64url'), ANJIAN_LOG_LEVEL: 'warn' };
        const badType = JSON.parse(mapJson(port, pts));
        badType.points[0].type = 'int32';
        const unknownKey = JSON.parse(mapJson(port, pts));
        unknownKey.points[2].colour = 'red';
        const cases = [
          [tempFile('m.json', JSON.stringify(badType)), ['--modbus-enterprise', 'main'],
            /modbus-map: .*m\.json: \$\.points\[0\]\.type: a coil holds one bit, so the type must be bool, not int32/],
          [tempFile('m.json', JSON.stringify(unknownKey)), ['--modbus-enterprise', 'main'], /modbus-map: .*\$\.points\[2\]/],
          [tempFile('m.json', '{"format": "anjian-modbus-map",'), ['--modbus-enterprise', 'main'], /modbus-map: .*m\.json: /],
          [mapPath, [], /modbus-enterprise: required with modbus-map/],
          [mapPath, ['--modbus-enterprise', 'nosuch'], /modbus-enterprise: no enterprise with code "nosuch"/],
          // a fresh database has none of the map's tags
          [mapPath, ['--modbus-enterprise', 'main'], /\$\.points\[0\]\.tag: no tag "MB\.coil0" in enterprise "main" \(register the tag first\)/],
        ];
        for (const [file, extra, re] of cases) {
          const r = cli(db, ['serve', '--listen', '127.0.0.1:0', '--modbus-map', file, ...extra], env);
          assert.equal(r.status, 2, `${file} ${extra.join(' ')}: ${r.stderr}`);
          assert.match(r.stderr, re);
        }
      } finally {
        cleanup(db);
      }
    });
  });
}
