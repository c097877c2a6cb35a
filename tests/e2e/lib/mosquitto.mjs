// mosquitto.mjs — an MQTT broker and publishers for the end-to-end tests of the MQTT
// subscriber (docs/mqtt.md). startBroker() runs the Debian mosquitto broker on a free
// loopback port with a config and a persistence directory in a temp dir, so a stop and a
// restart keep its sessions and queued QoS-1 messages. Publisher is a minimal MQTT 3.1.1
// QoS-1 client on node:net that reconnects and resends what was not acknowledged;
// mosquittoPub() runs the mosquitto_pub CLI once.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './server.mjs';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) || 'mosquitto';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once something accepts TCP connections on 127.0.0.1:port (or throws after ms). */
async function waitForPort(port, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what}: nothing listens on port ${port}`);
    await sleep(50);
  }
}

/**
 * Starts mosquitto on a free loopback port. Returns { port, url, dir, stop(signal),
 * start(), log() }: stop() ends the broker (SIGTERM by default: it saves its persistence
 * file) and start() runs it again on the same port with the same persistence directory.
 */
export async function startBroker() {
  const dir = mkdtempSync(join(tmpdir(), 'aj-mqtt-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 1',
    'max_queued_messages 100000', // the default (1000) would drop a longer backlog
    'max_inflight_messages 20',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    ...(process.getuid && process.getuid() === 0 ? ['user root'] : []), // stay able to write dir
    '',
  ].join('\n'));
  let output = '';
  let proc = null;
  let exited = null;
  const broker = {
    port, dir, url: `mqtt://127.0.0.1:${port}`,
    log: () => output,
    async start() {
      proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout.on('data', (d) => { output += d; });
      proc.stderr.on('data', (d) => { output += d; });
      exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
      await waitForPort(port, 10000, `mosquitto (${output})`);
    },
    async stop(signal = 'SIGTERM') {
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = exited ? await exited : null;
      proc = null;
      return r;
    },
    async cleanup() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

/** Publishes one message with the mosquitto_pub CLI; throws unless it exits 0. */
export function mosquittoPub(port, topic, message, qos = 1) {
  const r = spawnSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', String(qos), '-t', topic, '-m', message],
    { encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`mosquitto_pub exited ${r.status}: ${r.stderr}`);
}

// ---- a minimal MQTT 3.1.1 QoS-1 publisher --------------------------------------------------

function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s) {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(header, body) {
  return Buffer.concat([Buffer.from([header]), varint(body.length), body]);
}

/**
 * A QoS-1 publisher with a persistent session (clean session off). publish() resolves when
 * the broker's PUBACK arrives. While the connection is down it retries every 100 ms; after
 * each CONNACK it sends again (DUP set) every message not yet acknowledged, in order.
 */
export class Publisher {
  constructor(port, clientId) {
    this.port = port;
    this.clientId = clientId;
    this.nextId = 1;
    this.pending = new Map(); // packet id -> { topic, payload, resolve, sent }
    this.connected = false;
    this.closed = false;
    this.sock = null;
    this.buf = Buffer.alloc(0);
    this.n_connects = 0;
  }

  /** Connects; resolves on the first CONNACK. */
  connect() {
    return new Promise((resolve) => { this.onFirstConnack = resolve; this.dial(); });
  }

  dial() {
    if (this.closed) return;
    const s = connect({ host: '127.0.0.1', port: this.port });
    this.sock = s;
    this.buf = Buffer.alloc(0);
    s.on('connect', () => {
      const vh = Buffer.concat([str('MQTT'), Buffer.from([4, 0x00, 0, 0])]); // level 4, clean session off, keepalive 0
      s.write(packet(0x10, Buffer.concat([vh, str(this.clientId)])));
    });
    s.on('data', (d) => this.onData(d));
    s.on('error', () => { /* 'close' follows */ });
    s.on('close', () => {
      this.connected = false;
      if (!this.closed) setTimeout(() => this.dial(), 100);
    });
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      let len = 0, mult = 1, i = 1;
      for (;; i++) {
        if (i >= this.buf.length) return;
        len += (this.buf[i] & 0x7f) * mult;
        mult *= 128;
        if (!(this.buf[i] & 0x80)) break;
      }
      const start = i + 1;
      if (this.buf.length < start + len) return;
      const type = this.buf[0] >> 4;
      const body = this.buf.subarray(start, start + len);
      this.buf = this.buf.subarray(start + len);
      if (type === 2) this.onConnack(body[1]);
      else if (type === 4) this.onPuback(body.readUInt16BE(0));
    }
  }

  onConnack(rc) {
    if (rc !== 0) { this.sock.destroy(); return; }
    this.connected = true;
    this.n_connects++;
    for (const [id, m] of this.pending) this.send(id, m, m.sent);
    if (this.onFirstConnack) { this.onFirstConnack(); this.onFirstConnack = null; }
  }

  onPuback(id) {
    const m = this.pending.get(id);
    if (!m) return;
    this.pending.delete(id);
    m.resolve();
  }

  send(id, m, isDup) {
    const pid = Buffer.alloc(2);
    pid.writeUInt16BE(id);
    m.sent = true;
    this.sock.write(packet(0x32 | (isDup ? 0x08 : 0), Buffer.concat([str(m.topic), pid, Buffer.from(m.payload)])));
  }

  /** Publishes at QoS 1; resolves when the broker acknowledged it. */
  publish(topic, payload) {
    const id = this.nextId;
    this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1;
    return new Promise((resolve) => {
      const m = { topic, payload, resolve, sent: false };
      this.pending.set(id, m);
      if (this.connected) this.send(id, m, false);
    });
  }

  close() {
    this.closed = true;
    if (this.sock) {
      if (this.connected) this.sock.end(Buffer.from([0xe0, 0x00])); // DISCONNECT
      else this.sock.destroy();
    }
  }
}
