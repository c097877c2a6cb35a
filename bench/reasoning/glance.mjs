// glance.mjs — the table "Results at a glance" of docs/failure-modes.md: every library scenario
// replayed over the whole plant on simulator seeds 1–6 (fouling, six days, is not included).
// usage: node bench/reasoning/glance.mjs BIN   (prints the table rows; labels go to /tmp)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
const BIN = process.argv[2];
const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const S = [
  ['seal-failure-P-101', '10h', 'pump_seal_failure@P-101'], ['bearing-wear-P-107', '9h', 'pump_bearing_wear@P-107'],
  ['cavitation-P-102', '8h', 'pump_cavitation@P-102'], ['motor-overheat-M-P301', '8h', 'motor_overheating@M-P301'],
  ['bearing-wear-M-P104', '9h', 'motor_bearing_wear@M-P104'], ['compressor-surge-K-201', '5h', 'compressor_surge@K-201'],
  ['bearing-wear-K-301', '9h', 'compressor_bearing_wear@K-301'], ['tank-overfill-T-102', '6h', 'tank_overfill@T-102'],
  ['reactor-cooling-loss-R-203', '6h', 'reactor_cooling_loss@R-203'], ['hx-tube-leak-E-201', '8h', 'hx_tube_leak@E-201'],
  ['flange-micro-leak-P-103', '6h', 'flange_micro_leak@PH1'], ['h2s-release-sump', '5h', 'toxic_gas_release@UT1'],
  ['confined-space-inerting-sump', '6h', 'confined_space_oxygen_depletion@UT1'],
];
for (const [name, dur, expect] of S) {
  const ew = [], dx = [], other = new Set(); let reached = 0, failedAt = null, incs = [];
  for (let seed = 1; seed <= 6; seed++) {
    const lab = `/tmp/aj-glance-${name}-${seed}.labels`;
    const r = spawnSync(BIN, ['reason', 'replay', '--plant', `${ROOT}/plants/demo-chemical.json`, '--rules', `${ROOT}/rules`,
      '--scenario', `${ROOT}/scenarios/${name}.json`, '--duration', dur, '--seed', String(seed), '--labels', lab], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const out = r.stdout.split('\n').filter(Boolean).map(JSON.parse);
    const labels = readFileSync(lab, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
    const f = labels.find((l) => l.phase === 'failed' && !l.operational);
    const tf = f ? Date.parse(f.t) : NaN; failedAt = f ? f.t : null;
    const mine = out.filter((o) => `${o.mode}@${o.scope}` === expect && o.level !== 'none');
    if (mine.length) reached++;
    const w = mine.find((o) => o.level !== 'none'), d = mine.find((o) => o.level === 'diagnosis');
    if (w) ew.push(Math.round((tf - Date.parse(w.t)) / 60e3));
    if (d) dx.push(Math.round((tf - Date.parse(d.t)) / 60e3));
    incs.push(out.filter((o) => `${o.mode}@${o.scope}` === expect && o.from === 'none' && o.level !== 'none').length);
    for (const o of out) if (o.level !== 'none' && `${o.mode}@${o.scope}` !== expect) other.add(`${o.mode}@${o.scope}`);
  }
  const rng = (a) => a.length ? `${Math.min(...a)} – ${Math.max(...a)}` : '—';
  console.log(`| ${name} (failed ${failedAt ? failedAt.slice(11, 16) : '—'}) | ${expect}, ${reached}/6 | ${rng(ew)} (${ew.filter((x) => x > 0).length}/6 before) | ${rng(dx)} | ${other.size ? [...other].join(', ') : 'none'} | ${rng(incs)} |`);
}
