// limits.mjs — the baseline of bench/reasoning: plain limit alarms as a plant would set them
// from normal operation, for every tag a failure mode watches.
//
// usage: node limits.mjs BINDINGS.jsonl PLANT.json STATS.json... > LIMITS.json
// Each STATS.json is `anjian reason replay --tag-stats` of a normal day (seeds the benchmark
// does not use otherwise; one cold and one hot day, so the limits hold all year, as a
// plant's must). Rule (documented in bench/README.md): H at the highest normal value plus
// 10 % of the instrument span, and L at the lowest normal value less 10 % of the span for
// pressures, flows, levels, currents and positions — when the limit lies inside the range;
// deadband 2 % of the span and a 5 s on-delay (EEMUA 191 practice against chattering);
// priority low. Gas detectors keep their GB/T 50493 defaults (the replay adds them by
// itself), oxygen too.
import { readFileSync } from 'node:fs';

const [bindingsFile, plantFile, ...statsFiles] = process.argv.slice(2);
const stats = {};
for (const f of statsFiles) {
  for (const [key, s] of Object.entries(JSON.parse(readFileSync(f, 'utf8')))) {
    const o = stats[key];
    stats[key] = o ? { min: Math.min(o.min, s.min), max: Math.max(o.max, s.max) } : { min: s.min, max: s.max };
  }
}
const plant = JSON.parse(readFileSync(plantFile, 'utf8'));
const watched = new Set(readFileSync(bindingsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .flatMap((b) => b.tags || []));
const GAS = new Set(['gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct']);
const FALLS = new Set(['pressure', 'differential_pressure', 'flow', 'level', 'current', 'position']);
const limits = {};
for (const t of plant.tags) {
  const s = stats[t.key];
  if (!watched.has(t.key) || !s || !t.range || GAS.has(t.kind) || t.kind === 'status') continue;
  const [lo, hi] = t.range;
  const span = hi - lo;
  const list = [];
  const h = s.max + 0.1 * span;
  const common = { priority: 'low', deadband: +(0.02 * span).toFixed(4), on_delay_s: 5 };
  if (h < hi) list.push({ kind: 'h', setpoint: +h.toFixed(4), ...common });
  const l = s.min - 0.1 * span;
  if (FALLS.has(t.kind) && l > lo) list.push({ kind: 'l', setpoint: +l.toFixed(4), ...common });
  if (list.length) limits[t.key] = list;
}
process.stdout.write(JSON.stringify(limits, null, 1));
console.error(`limits: ${Object.keys(limits).length} tags`);
