#!/usr/bin/env node
// modbus-map.mjs — writes the register map, the plant file and the bare-loop plan of the
// Modbus polling benchmark (bench/modbus-poll.sh).
//
// D devices, all on one Modbus TCP server (bench/modbus-server.c) at 127.0.0.1:PORT, told
// apart by unit id 1..D (a gateway with D devices behind it). Each device has two poll
// groups with every table and every type:
//
//   fast (FAST_MS, default 100 ms): coils 0-63 and discrete inputs 0-63 (one bool point
//     each), holding 0-119 and input 0-59 with typed points;
//   slow (SLOW_MS, default 1000 ms): holding 1000-1249 and input 1000-1124, typed.
//
// Typed points cycle through uint16, int16 (scale 0.1), a bit of a status word, int32 ABCD,
// uint32 CDAB, float32 in all four orders, int64, uint64 and float64 in all four 64-bit
// orders, and fill their range without a hole (a type that does not fit the end of the
// range becomes uint16). The server's registers hold 0x40xx, a finite float in every order.
//
// The reads are planned here the way src/modbus/plan.c coalesces them (per group and table,
// in address order, a point joins the open read while the read stays within 125 registers
// or 2000 bits; no holes here, so max_gap does not matter); the bench script checks the
// count against anjian's own "in N read(s) per cycle" log line. The plan of the bare loop
// is one second of anjian's schedule: per device, the fast group's reads 1000/FAST_MS times
// and the slow group's reads 1000/SLOW_MS times (at least once).
//
// Usage: node bench/modbus-map.mjs --out DIR --port PORT [--devices D] [--fast-ms MS] [--slow-ms MS]
// Writes DIR/map.json, DIR/plant.json, DIR/plan.txt (UNIT FC START COUNT per line) and
// DIR/summary.json (points, reads per cycle, scheduled polls/reads/registers/bits per second).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const POINTS_MAX = 20000; // AJ_MB_POINTS_MAX (src/base/limits.h): 55 devices of this layout
const REGISTERS_PER_READ = 125;
const BITS_PER_READ = 2000;
const FC = { coil: 1, discrete_input: 2, holding: 3, input: 4 };
const TYPED = [
  { type: 'uint16', width: 1 },
  { type: 'int16', width: 1, scale: 0.1 },
  { type: 'bool', width: 1, bit: 3 },
  { type: 'int32', width: 2, order: 'ABCD' },
  { type: 'uint32', width: 2, order: 'CDAB', scale: 0.01 },
  { type: 'float32', width: 2, order: 'ABCD' },
  { type: 'float32', width: 2, order: 'CDAB' },
  { type: 'float32', width: 2, order: 'BADC' },
  { type: 'float32', width: 2, order: 'DCBA', offset: -5 },
  { type: 'int64', width: 4, order: 'ABCDEFGH' },
  { type: 'uint64', width: 4, order: 'GHEFCDAB' },
  { type: 'float64', width: 4, order: 'ABCDEFGH' },
  { type: 'float64', width: 4, order: 'BADCFEHG' },
  { type: 'float64', width: 4, order: 'HGFEDCBA' },
];
// [group, table, start, length]
const LAYOUT = [
  ['fast', 'coil', 0, 64],
  ['fast', 'discrete_input', 0, 64],
  ['fast', 'holding', 0, 120],
  ['fast', 'input', 0, 60],
  ['slow', 'holding', 1000, 250],
  ['slow', 'input', 1000, 125],
];

function args(argv) {
  const o = { devices: 10, fastMs: 100, slowMs: 1000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--out') o.out = v;
    else if (k === '--port') o.port = Number(v);
    else if (k === '--devices') o.devices = Number(v);
    else if (k === '--fast-ms') o.fastMs = Number(v);
    else if (k === '--slow-ms') o.slowMs = Number(v);
    else return null;
  }
  const ok = o.out && Number.isInteger(o.port) && o.port > 0 && o.port < 65536 && Number.isInteger(o.devices) &&
    o.devices >= 1 && o.devices <= 64 && o.fastMs >= 100 && o.slowMs >= 100;
  return ok ? o : null;
}

/** The points of one range: bools for bit tables, the typed cycle for register tables. */
function rangePoints(dev, group, table, start, length) {
  const pts = [];
  const key = (a) => `MB.D${String(dev).padStart(2, '0')}.${table}.${a}`;
  if (table === 'coil' || table === 'discrete_input') {
    for (let a = start; a < start + length; a++) pts.push({ tag: key(a), group, table, address: a, width: 1 });
    return pts;
  }
  let a = start;
  for (let k = 0; a < start + length; k++) {
    let t = TYPED[k % TYPED.length];
    if (a + t.width > start + length) t = TYPED[0];
    const p = { tag: key(a), group, table, address: a, type: t.type, width: t.width };
    if (t.order) p.order = t.order;
    if (t.bit !== undefined) p.bit = t.bit;
    if (t.scale) p.scale = t.scale;
    if (t.offset) p.offset = t.offset;
    pts.push(p);
    a += t.width;
  }
  return pts;
}

/** Reads of one group and table, coalesced as src/modbus/plan.c does for hole-free ranges. */
function planReads(pts) {
  const max = pts[0].table === 'coil' || pts[0].table === 'discrete_input' ? BITS_PER_READ : REGISTERS_PER_READ;
  const reads = [];
  let open = null;
  for (const p of [...pts].sort((x, y) => x.address - y.address)) {
    const end = p.address + p.width - 1;
    if (open && end - open.start + 1 <= max) {
      open.count = Math.max(open.count, end - open.start + 1);
    } else {
      open = { table: p.table, start: p.address, count: p.width };
      reads.push(open);
    }
  }
  return reads;
}

function main(argv) {
  const o = args(argv);
  if (!o) {
    process.stderr.write('usage: node bench/modbus-map.mjs --out DIR --port PORT [--devices 1-64] [--fast-ms MS>=100] [--slow-ms MS>=100]\n');
    return 2;
  }
  const devices = [];
  const groups = [];
  const points = [];
  const tags = [];
  const plan = [];
  const perS = { polls: 0, reads: 0, registers: 0, bits: 0 };
  let readsPerCycle = 0;
  for (let d = 1; d <= o.devices; d++) {
    const code = `DEV-${String(d).padStart(2, '0')}`;
    devices.push({ code, host: '127.0.0.1', port: o.port, unit_id: d, timeout_ms: 1000, retries: 1, backoff_ms: 200 });
    const reads = { fast: [], slow: [] };
    for (const g of ['fast', 'slow']) groups.push({ code: `${code}.${g}`, device: code, interval_ms: g === 'fast' ? o.fastMs : o.slowMs });
    for (const [group, table, start, length] of LAYOUT) {
      const pts = rangePoints(d, group, table, start, length);
      reads[group].push(...planReads(pts));
      for (const p of pts) {
        const m = { tag: p.tag, device: code, group: `${code}.${group}`, table, address: p.address };
        for (const k of ['type', 'order', 'bit', 'scale', 'offset']) if (p[k] !== undefined) m[k] = p[k];
        if (table === 'coil' || table === 'discrete_input') delete m.type;
        points.push(m);
        const isBool = !p.type || p.type === 'bool';
        tags.push({ key: p.tag, name: `${code} ${table} ${p.address}`, kind: isBool ? 'status' : 'count', area: code });
      }
    }
    for (const [group, ms] of [['fast', o.fastMs], ['slow', o.slowMs]]) {
      const times = Math.max(1, Math.round(1000 / ms));
      readsPerCycle += reads[group].length;
      perS.polls += 1000 / ms;
      for (const r of reads[group]) {
        perS.reads += 1000 / ms;
        if (FC[r.table] <= 2) perS.bits += (1000 / ms) * r.count;
        else perS.registers += (1000 / ms) * r.count;
      }
      for (let i = 0; i < times; i++) for (const r of reads[group]) plan.push(`${d} ${FC[r.table]} ${r.start} ${r.count}`);
    }
  }
  if (points.length > POINTS_MAX) {
    process.stderr.write(`${points.length} points (${points.length / o.devices} per device), more than a map holds (${POINTS_MAX}): use fewer devices\n`);
    return 2;
  }
  const map = { format: 'anjian-modbus-map', version: 1, devices, groups, points };
  const plant = {
    format: 'anjian-plant', version: 1,
    site: { code: 'MB', name: 'Modbus 基准测试', name_en: 'Modbus benchmark', timezone: 'Asia/Shanghai' },
    areas: devices.map((d) => ({ code: d.code, name: `${d.code} 装置`, kind: 'process_unit' })),
    tags,
  };
  writeFileSync(join(o.out, 'map.json'), JSON.stringify(map));
  writeFileSync(join(o.out, 'plant.json'), JSON.stringify(plant));
  writeFileSync(join(o.out, 'plan.txt'), plan.join('\n') + '\n');
  const summary = { devices: o.devices, groups: groups.length, points: points.length, reads_per_cycle: readsPerCycle, fast_ms: o.fastMs, slow_ms: o.slowMs, scheduled_per_s: perS };
  writeFileSync(join(o.out, 'summary.json'), JSON.stringify(summary));
  process.stderr.write(`map: ${o.devices} devices, ${groups.length} groups, ${points.length} points, ${readsPerCycle} reads per cycle; ` +
    `scheduled ${perS.polls.toFixed(0)} polls/s, ${perS.reads.toFixed(0)} reads/s, ${perS.registers.toFixed(0)} registers/s, ${perS.bits.toFixed(0)} bits/s\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
