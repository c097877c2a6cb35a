// gen.mjs — the held-out scenario set of bench/reasoning: fault runs over every failure mode
// of the library with random target, magnitude, onset, development speed, noise and load
// changes, and normal days with sensor faults and load changes as confounders.
//
// usage: node gen.mjs --plant PLANT --bindings BINDINGS.jsonl --out DIR [--seed N]
//                     [--faults N] [--normal-days N]
// Writes DIR/<run>.json (scenarios) and DIR/manifest.json: [{id, kind: fault|normal,
// scenario, sim_seed, duration_h, fault, expected_mode, scope, scope_type}]. Deterministic
// by --seed; the seeds of the simulator runs are drawn from it too, so none of them is a seed
// the library was tuned on (those were 1–20).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const plant = JSON.parse(readFileSync(args.plant, 'utf8'));
const bindings = readFileSync(args.bindings, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((b) => b.type === 'binding');
const out = args.out;
const N_FAULTS = Number(args.faults || 240);
const N_NORMAL = Number(args['normal-days'] || 30);
mkdirSync(out, { recursive: true });

// xorshift64* — deterministic, no dependency
let state = BigInt(args.seed || 20261129) | 1n;
function rand() {
  state ^= state >> 12n; state ^= (state << 25n) & 0xffffffffffffffffn; state ^= state >> 27n;
  return Number(((state * 2685821657736338717n) & 0xffffffffffffffffn) >> 11n) / 2 ** 53;
}
const uniform = (a, b) => a + (b - a) * rand();
const pick = (list) => list[Math.floor(rand() * list.length)];
const hours = (h) => `${Math.round(h * 60)}m`;

const boundScopes = (mode) => bindings.filter((b) => b.mode === mode).map((b) => b.scope);
const assetByCode = Object.fromEntries(plant.assets.map((a) => [a.code, a]));
const tagsByKey = Object.fromEntries(plant.tags.map((t) => [t.key, t]));
const areaOf = (code) => assetByCode[code] && assetByCode[code].area;

// Fault types → the mode that should name them. dur_h: development time to "failed".
const BEARING_MODE = { centrifugal_pump: 'pump_bearing_wear', compressor: 'compressor_bearing_wear', motor: 'motor_bearing_wear' };
const CATALOG = [
  { fault: 'seal_failure', modes: ['pump_seal_failure'], mag: [0.7, 1.4], dur_h: [1, 4] },
  { fault: 'bearing_wear', modes: Object.values(BEARING_MODE), mag: [0.7, 1.4], dur_h: [3, 12] },
  { fault: 'cavitation', modes: ['pump_cavitation'], mag: [0.7, 1.4], dur_h: [0.5, 3] },
  { fault: 'motor_overheat', modes: ['motor_overheating'], mag: [0.7, 1.4], dur_h: [1, 4] },
  { fault: 'compressor_surge', modes: ['compressor_surge'], mag: [0.8, 1.0], dur_h: [0.5, 2] },
  { fault: 'hx_fouling', modes: ['hx_fouling'], mag: [0.8, 1.3], dur_h: [24, 72] },
  { fault: 'hx_tube_leak', modes: ['hx_tube_leak'], mag: [0.7, 1.5], dur_h: [0.25, 2] },
  { fault: 'reactor_cooling_loss', modes: ['reactor_cooling_loss'], mag: [0.6, 0.95], dur_h: [0.5, 2] },
  { fault: 'tank_overfill', modes: ['tank_overfill'], mag: [1, 2.5], dur_h: [0.5, 2] },
  { fault: 'flange_micro_leak', modes: ['flange_micro_leak'], zone: 'gas_combustible_lel', mag: [5, 20], dur_h: [0.25, 1.5] },
  { fault: 'toxic_release', modes: ['toxic_gas_release'], zone: 'gas_toxic_ppm', gas: 'H2S', mag: [1.5, 4], dur_h: [0.25, 1] },
  { fault: 'confined_space_inerting', modes: ['confined_space_oxygen_depletion'], zone: 'oxygen_pct', mag: [0.2, 0.45], dur_h: [0.5, 2] },
];

/** Asset targets: assets bound for one of the fault's modes (bearing wear: any template). */
function assetTargets(entry) {
  const list = [];
  for (const mode of entry.modes) for (const scope of boundScopes(mode)) list.push({ scope, mode });
  return list;
}

/** Zone targets: a detector of the kind (and gas) in an area where the zone mode is bound. */
function zoneTargets(entry) {
  const areas = new Set(boundScopes(entry.modes[0]));
  return plant.tags.filter((t) => t.kind === entry.zone && (!entry.gas || (t.gas || '').toUpperCase() === entry.gas)
    && areas.has(t.area || areaOf(t.asset)) && typeof t.x === 'number')
    .map((t) => ({ scope: t.area || areaOf(t.asset), mode: entry.modes[0], detector: t }));
}

/** A leak 5–14 m upwind of the detector, with the wind steady enough to carry it there. */
function leakNear(det, windFrom) {
  const d = uniform(5, 14);
  const rad = (windFrom * Math.PI) / 180; // wind blows FROM this bearing (clockwise from north)
  return { x: +(det.x + d * Math.sin(rad)).toFixed(1), y: +(det.y + d * Math.cos(rad)).toFixed(1) };
}

const manifest = [];
const equipmentTags = plant.tags.filter((t) => t.asset && t.range && bindings.some((b) => b.tags.includes(t.key)));

function sensorFaults(n, horizonH) {
  const faults = [];
  for (let i = 0; i < n; i++) {
    const tag = pick(equipmentTags);
    const span = tag.range[1] - tag.range[0];
    const type = pick(['stuck', 'drift', 'drift', 'spike']);
    const onset = uniform(1, horizonH - 2);
    const f = { id: `sensor-${i}`, type, tag: tag.key, onset: `+${hours(onset)}` };
    if (type === 'drift') {
      f.development = 'linear';
      f.duration = hours(uniform(1, 8));
      f.magnitude = +((rand() < 0.5 ? -1 : 1) * uniform(0.03, 0.12) * span).toFixed(3);
    } else if (type === 'spike') {
      f.every = `${Math.round(uniform(2, 20))}m`;
      f.magnitude = +(uniform(0.1, 0.4) * span).toFixed(3);
    }
    if (rand() < 0.5) f.clear_at = `+${hours(Math.min(horizonH - 0.5, onset + uniform(1, 6)))}`;
    faults.push(f);
  }
  return faults;
}

function loadSteps(n, horizonH, avoid) {
  // pumps and heat exchangers (a compressor turned down without recycle surges: a real fault)
  const candidates = [...new Set([...boundScopes('pump_seal_failure'), ...boundScopes('hx_fouling')])]
    .filter((s) => s !== avoid);
  const steps = [];
  for (let i = 0; i < n && candidates.length; i++) {
    steps.push({ id: `load-${i}`, type: 'load_step', asset: pick(candidates), onset: `+${hours(uniform(1, horizonH - 1))}`,
      development: 'linear', duration: hours(uniform(0.1, 1)), magnitude: +uniform(-0.3, 0.15).toFixed(2) });
  }
  return steps;
}

function weather() {
  return { air_temp_mean: +uniform(0, 28).toFixed(1), air_temp_amplitude: +uniform(2, 6).toFixed(1),
    wind_speed: +uniform(1.5, 6).toFixed(1), wind_from: Math.round(uniform(0, 360)), wind_variability: 10 };
}

for (let i = 0; i < N_FAULTS; i++) {
  const entry = CATALOG[i % CATALOG.length];
  const w = weather();
  const targets = entry.zone ? zoneTargets(entry) : assetTargets(entry);
  if (!targets.length) throw new Error(`no bound target for ${entry.fault}`);
  const target = pick(targets);
  const onsetH = uniform(1.5, 4);
  const durH = uniform(entry.dur_h[0], entry.dur_h[1]);
  // a tank overfill fails when the tank overflows (the simulator's failed label), up to about
  // 7 h after the inflow imbalance is fully developed at the smallest magnitude
  const horizonH = Math.ceil(onsetH + durH + (entry.fault === 'tank_overfill' ? 8 : 1.5));
  const fault = { id: 'fault', type: entry.fault, onset: `+${hours(onsetH)}`, development: pick(['linear', 'linear', 'exponential']),
    duration: hours(durH), magnitude: +uniform(entry.mag[0], entry.mag[1]).toFixed(3) };
  if (entry.zone) {
    if (entry.fault === 'confined_space_inerting') {
      fault.asset = target.detector.asset;
    } else {
      fault.leak = { ...leakNear(target.detector, w.wind_from), area: target.scope };
      fault.substance = target.detector.gas;
    }
  } else {
    fault.asset = target.scope;
  }
  const faults = [fault];
  if (rand() < 0.4) faults.push(...loadSteps(1, horizonH, target.scope));
  if (rand() < 0.3) faults.push(...sensorFaults(1, horizonH));
  const id = `f${String(i).padStart(3, '0')}-${entry.fault}`;
  const scenario = { format: 'anjian-scenario', version: 1, name: id, weather: w, noise: +uniform(0.7, 1.6).toFixed(2), faults };
  writeFileSync(join(out, `${id}.json`), JSON.stringify(scenario, null, 1));
  manifest.push({ id, kind: 'fault', scenario: `${id}.json`, sim_seed: 1000 + Math.floor(rand() * 1e9), duration_h: horizonH,
    fault: entry.fault, expected_mode: target.mode, scope: target.scope, scope_type: entry.zone ? 'zone' : 'asset',
    onset_h: onsetH, development_h: durH });
}

for (let d = 0; d < N_NORMAL; d++) {
  const id = `n${String(d).padStart(3, '0')}-normal`;
  const faults = [...sensorFaults(2 + Math.floor(rand() * 3), 24), ...loadSteps(1 + Math.floor(rand() * 2), 24, '')];
  const scenario = { format: 'anjian-scenario', version: 1, name: id, weather: weather(), noise: +uniform(0.7, 1.6).toFixed(2), faults };
  writeFileSync(join(out, `${id}.json`), JSON.stringify(scenario, null, 1));
  manifest.push({ id, kind: 'normal', scenario: `${id}.json`, sim_seed: 1000 + Math.floor(rand() * 1e9), duration_h: 24 });
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1));
console.error(`gen: ${N_FAULTS} fault runs, ${N_NORMAL} normal days -> ${out}`);
