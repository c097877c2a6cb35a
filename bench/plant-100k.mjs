#!/usr/bin/env node
// plant-100k.mjs — writes a large synthetic plant file (default 100,000 tags) for the ingest
// and memory benchmarks, plus the tag table that bench/lp-gen.c turns into line protocol.
//
// The plant is one site "B1" made of identical process blocks of 50 tags each (2000 blocks
// for 100k tags), spread over areas of 40 blocks. A block is what a small unit of a
// chemical plant carries: 2 centrifugal pumps (10 tags each), a storage tank (4), a reactor
// (6), a heat exchanger (6), a pipe rack (3), a valve (2) and a gas-detector group of 9
// detectors (combustible %LEL, toxic ppm, oxygen %VOL). Kinds, units and ranges are those
// of docs/plant-file.md. The file is checked with the importer's rules
// (validatePlant of plants/gen-demo.mjs) before anything is written. Deterministic: no
// randomness at all.
//
// Tag keys follow docs/line-protocol.md so that the line `B1.P-00001 seal_temp=71.2 T`
// maps to the tag `B1.P-00001.seal_temp`: key = <site>.<asset>.<field>.
//
// Usage: node bench/plant-100k.mjs PLANT_JSON TAGS_TSV [N_TAGS]
//   N_TAGS must be a multiple of 50 (default 100000).
//   TAGS_TSV: one line per tag: measurement \t field \t kind \t range_lo \t range_hi
// Exit status: 0 ok · 1 the generated file breaks a rule · 2 usage.

import { writeFileSync } from 'node:fs';
import { validatePlant } from '../plants/gen-demo.mjs';

const SITE = 'B1';
const TAGS_PER_BLOCK = 50;
const BLOCKS_PER_AREA = 40;

// role -> [kind, unit, lo, hi, 中文名]
const PUMP = [
  ['seal_temp', 'temperature', '℃', 0, 150, '机械密封温度'],
  ['vib_1x', 'vibration', 'mm/s', 0, 50, '振动1倍频'],
  ['vib_2x', 'vibration', 'mm/s', 0, 50, '振动2倍频'],
  ['vib_3x', 'vibration', 'mm/s', 0, 50, '振动3倍频'],
  ['ir_max', 'ir_temperature', '℃', 0, 200, '红外最高温度'],
  ['motor_current', 'current', 'A', 0, 100, '电机电流'],
  ['discharge_pressure', 'pressure', 'MPa', 0, 2.5, '出口压力'],
  ['suction_pressure', 'pressure', 'MPa', 0, 1.6, '入口压力'],
  ['flow', 'flow', 'm³/h', 0, 100, '流量'],
  ['bearing_temp', 'temperature', '℃', 0, 120, '轴承温度'],
];
const TANK = [
  ['level', 'level', 'm', 0, 10, '液位'],
  ['temperature', 'temperature', '℃', -20, 80, '温度'],
  ['pressure', 'pressure', 'kPa', -5, 50, '压力'],
  ['high_level_switch', 'status', null, null, null, '高高液位开关'],
];
const REACTOR = [
  ['temperature', 'temperature', '℃', 0, 250, '釜温'],
  ['pressure', 'pressure', 'MPa', 0, 4, '釜压'],
  ['coolant_flow', 'flow', 'm³/h', 0, 50, '冷却水流量'],
  ['coolant_temp', 'temperature', '℃', 0, 60, '冷却水温度'],
  ['agitator_current', 'current', 'A', 0, 200, '搅拌电流'],
  ['level', 'level', '%', 0, 100, '液位'],
];
const EXCHANGER = [
  ['inlet_temp_hot', 'temperature', '℃', 0, 200, '热侧入口温度'],
  ['outlet_temp_hot', 'temperature', '℃', 0, 200, '热侧出口温度'],
  ['inlet_temp_cold', 'temperature', '℃', 0, 100, '冷侧入口温度'],
  ['outlet_temp_cold', 'temperature', '℃', 0, 100, '冷侧出口温度'],
  ['pressure_drop', 'differential_pressure', 'kPa', 0, 200, '压降'],
  ['flow', 'flow', 't/h', 0, 200, '流量'],
];
const RACK = [
  ['pressure', 'pressure', 'MPa', 0, 1.6, '管廊压力'],
  ['temperature', 'temperature', '℃', -20, 80, '管廊温度'],
  ['ir_max', 'ir_temperature', '℃', 0, 200, '红外最高温度'],
];
const VALVE = [
  ['position', 'position', '%', 0, 100, '阀位'],
  ['pressure', 'pressure', 'MPa', 0, 2.5, '阀后压力'],
];
// detectors of a gas group: [prefix, kind, unit, lo, hi, gas, oel, 名称]
const DETECTORS = [
  ['GT', 'gas_combustible_lel', '%LEL', 0, 100, 'methane', null, '可燃气体'],
  ['GT', 'gas_combustible_lel', '%LEL', 0, 100, 'methanol', null, '可燃气体'],
  ['GT', 'gas_combustible_lel', '%LEL', 0, 100, 'hydrogen', null, '可燃气体'],
  ['GT', 'gas_combustible_lel', '%LEL', 0, 100, 'toluene', null, '可燃气体'],
  ['AT', 'gas_toxic_ppm', 'ppm', 0, 50, 'H2S', 7, '硫化氢'],
  ['AT', 'gas_toxic_ppm', 'ppm', 0, 100, 'NH3', 20, '氨气'],
  ['AT', 'gas_toxic_ppm', 'ppm', 0, 100, 'CO', 20, '一氧化碳'],
  ['AT', 'gas_toxic_ppm', 'ppm', 0, 5, 'Cl2', 0.5, '氯气'],
  ['OT', 'oxygen_pct', '%VOL', 0, 25, null, null, '氧含量'],
];

const pad = (n, w) => String(n).padStart(w, '0');

function build(nTags) {
  const nBlocks = nTags / TAGS_PER_BLOCK;
  const nAreas = Math.ceil(nBlocks / BLOCKS_PER_AREA);
  const areaKinds = ['process_unit', 'tank_farm', 'pump_house', 'utility'];
  const areas = [];
  for (let a = 0; a < nAreas; a++) {
    const x0 = (a % 10) * 100, y0 = Math.floor(a / 10) * 100;
    areas.push({ code: `A${pad(a + 1, 3)}`, name: `${a + 1}号装置区`, name_en: `Unit ${a + 1}`,
      kind: areaKinds[a % areaKinds.length],
      polygon: [[x0, y0], [x0 + 90, y0], [x0 + 90, y0 + 90], [x0, y0 + 90]] });
  }
  const assets = [];
  const tags = [];
  const tsv = [];
  const addTag = (asset, field, kind, unit, lo, hi, name, extra = {}) => {
    const t = { key: `${SITE}.${asset}.${field}`, name, kind };
    if (unit) t.unit = unit;
    if (lo !== null) t.range = [lo, hi];
    Object.assign(t, extra);
    tags.push(t);
    tsv.push(`${SITE}.${asset}\t${field}\t${kind}\t${lo ?? 0}\t${hi ?? 1}\n`);
  };
  const addAsset = (code, name, template, area, roles, nameOf) => {
    assets.push({ code, name, template, area });
    for (const [role, kind, unit, lo, hi, label] of roles)
      addTag(code, role, kind, unit, lo, hi, `${nameOf} ${label}`, { asset: code, role });
  };
  for (let b = 0; b < nBlocks; b++) {
    const area = areas[Math.floor(b / BLOCKS_PER_AREA)].code;
    const n = pad(b + 1, 5);
    addAsset(`P-${n}A`, `${n}A 输送泵`, 'centrifugal_pump', area, PUMP, `P-${n}A`);
    addAsset(`P-${n}B`, `${n}B 输送泵`, 'centrifugal_pump', area, PUMP, `P-${n}B`);
    addAsset(`T-${n}`, `${n} 储罐`, 'storage_tank', area, TANK, `T-${n}`);
    addAsset(`R-${n}`, `${n} 反应釜`, 'reactor', area, REACTOR, `R-${n}`);
    addAsset(`E-${n}`, `${n} 换热器`, 'heat_exchanger', area, EXCHANGER, `E-${n}`);
    addAsset(`PR-${n}`, `${n} 管廊`, 'pipe_rack', area, RACK, `PR-${n}`);
    addAsset(`V-${n}`, `${n} 调节阀`, 'valve', area, VALVE, `V-${n}`);
    const gd = `GD-${n}`;
    assets.push({ code: gd, name: `${n} 气体探测器组`, template: 'gas_detector_group', area });
    DETECTORS.forEach(([prefix, kind, unit, lo, hi, gas, oel, label], i) => {
      const field = `${prefix}-${n}${i + 1}`;
      const extra = { asset: gd, role: 'gas' };
      if (gas) extra.gas = gas;
      if (oel) extra.oel = oel;
      addTag(gd, field, kind, unit, lo, hi, `${field} ${label}`, extra);
    });
  }
  const doc = {
    format: 'anjian-plant', version: 1,
    site: { code: SITE, name: '基准测试工厂', name_en: 'Benchmark works', timezone: 'Asia/Shanghai' },
    areas, assets, tags,
  };
  return { doc, tsv };
}

function main(argv) {
  const [plantPath, tsvPath, nArg] = argv;
  const nTags = nArg ? Number(nArg) : 100000;
  if (!plantPath || !tsvPath || !Number.isInteger(nTags) || nTags <= 0 || nTags % TAGS_PER_BLOCK) {
    process.stderr.write('usage: node bench/plant-100k.mjs PLANT_JSON TAGS_TSV [N_TAGS, multiple of 50]\n');
    return 2;
  }
  const { doc, tsv } = build(nTags);
  const text = JSON.stringify(doc);
  const v = validatePlant(JSON.parse(text), new Set());
  if (v.total) {
    for (const e of v.errors) process.stderr.write(`${e.path}: ${e.message}\n`);
    process.stderr.write(`${v.total} violations; nothing written\n`);
    return 1;
  }
  writeFileSync(plantPath, text);
  writeFileSync(tsvPath, tsv.join(''));
  process.stderr.write(`plant: ${doc.areas.length} areas, ${doc.assets.length} assets, ${doc.tags.length} tags, ` +
    `${(text.length / 1048576).toFixed(1)} MiB\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
