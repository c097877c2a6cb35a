// score.mjs — scores a bench/reasoning run: the reasoner's incidents against the
// simulator's ground truth and against the baseline of plain limit alarms on the same data.
//
// usage: node score.mjs WORKDIR   (WORKDIR holds manifest.json, out/<id>.jsonl, out/<id>.labels)
// Prints a Markdown report and writes WORKDIR/report.json.
//
// Definitions (docs in bench/README.md "reasoning"):
//  - a fault run's window is [onset − 5 min, failed + 30 min]; "failed" is the simulator's
//    label of full development;
//  - detected: a process incident (early warning or diagnosis) opens on the fault's asset or
//    zone inside the window; named correctly: the highest level it reaches there belongs to
//    the fault's failure mode;
//  - lead time: failed − the first early warning of the right mode on the right scope;
//  - warning time: what the operator actually got per fault run — the lead time, or 0 when
//    the fault was missed or the warning came after the failure; its mean over all fault
//    runs is compared with the limit alarms' (the lead-time goal; the mean over runs that
//    both detected is reported too);
//  - baseline: the first activation of a plain limit alarm (bench limits + GB/T 50493 gas
//    defaults) on the tags the mode watches on that scope, inside the window; its lead time
//    is failed − that activation;
//  - incident: the first rise of a (mode, scope) in a run — the server keeps one incident
//    per mode and asset/zone until a person resolves it, and nobody does in a replay;
//  - false incident: an incident opened outside the window or on another scope or with
//    another mode (fault runs), any incident (normal days); counted per simulated day;
//  - operator-visible load: incidents opened + alarm activations not suppressed, against the
//    raw activations of the same alarms.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const bindings = readFileSync(join(dir, 'bindings.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const watched = (mode, scope) => {
  const b = bindings.find((x) => x.mode === mode && x.scope === scope);
  return new Set(b ? b.tags : []);
};
const lines = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const ms = (t) => Date.parse(t);
const RANK = { none: 0, early_warning: 1, diagnosis: 2 };
const pct = (a, b) => (b ? (100 * a) / b : NaN);
const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);
const p10 = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(0.1 * (s.length - 1))];
};

const perMode = {};
const totals = { runs: 0, detected: 0, named: 0, baseline_detected: 0, leads: [], base_leads: [], paired: [],
  false_incidents: 0, days: 0, raw_activations: 0, visible: 0, incidents: 0, missed: [], sensor_checks: 0,
  normal_days: 0, normal_false: 0, failed_runs: [], warn_time: [], base_warn_time: [],
  checks_normal: 0, checks_fault: 0, checks_merged: 0 };

for (const run of manifest) {
  const out = lines(join(dir, 'out', `${run.id}.jsonl`));
  const labels = lines(join(dir, 'out', `${run.id}.labels`));
  if (!existsSync(join(dir, 'out', `${run.id}.done`))) { totals.failed_runs.push(run.id); continue; }
  totals.days += run.duration_h / 24;
  // The server keeps one incident per mode and asset/zone until a person resolves it (nobody
  // does in a replay): a mode that falls back and rises again is the same incident. So an
  // incident is the first rise of each (mode, scope).
  const seen = new Set();
  const opens = out.filter((o) => {
    if (o.type !== 'reasoning' || o.from !== 'none' || o.level === 'none') return false;
    const key = `${o.mode}|${o.scope}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const raises = out.filter((o) => o.type === 'reasoning' && RANK[o.level] > RANK[o.from]);
  // sensor checks: one per (mode, scope) as the server keeps them; one whose mode later
  // rises on the same scope is resolved by the server as explained by that incident
  const checks = new Set(out.filter((o) => o.type === 'reasoning' && o.uncorroborated).map((o) => `${o.mode}|${o.scope}`));
  const raisedKeys = new Set(out.filter((o) => o.type === 'reasoning' && o.level !== 'none').map((o) => `${o.mode}|${o.scope}`));
  const merged = [...checks].filter((k) => raisedKeys.has(k)).length;
  if (run.kind === 'normal') totals.checks_normal += checks.size;
  else { totals.checks_fault += checks.size; totals.checks_merged += merged; }
  const acts = out.filter((o) => o.type === 'activation');
  if (run.kind === 'normal') {
    totals.normal_days += run.duration_h / 24;
    totals.normal_false += opens.length;
    totals.false_incidents += opens.length;
    continue;
  }
  const m = (perMode[run.expected_mode] ||= { runs: 0, detected: 0, named: 0, baseline: 0, leads: [], base_leads: [], dev_h: [], warn: [], base_warn: [] });
  m.runs++;
  totals.runs++;
  m.dev_h.push(run.development_h);
  const mine = labels.filter((l) => l.id === 'fault');
  const onset = mine.find((l) => l.phase === 'onset');
  const failed = mine.find((l) => l.phase === 'failed');
  const t0 = ms(onset.t) - 5 * 60e3;
  const tf = failed ? ms(failed.t) : ms(onset.t) + run.development_h * 3600e3;
  const t1 = tf + 30 * 60e3;
  const inWindow = (o) => ms(o.t) >= t0 && ms(o.t) <= t1 && o.scope === run.scope;
  const here = raises.filter(inWindow);
  const detected = here.length > 0;
  let best = null;
  for (const o of here) if (!best || RANK[o.level] > RANK[best.level]) best = o;
  const named = detected && best.mode === run.expected_mode;
  const first = here.find((o) => o.mode === run.expected_mode);
  if (detected) { m.detected++; totals.detected++; } else totals.missed.push(run.id);
  if (named) { m.named++; totals.named++; }
  const lead = first ? (tf - ms(first.t)) / 60e3 : null;
  if (lead !== null) { m.leads.push(lead); totals.leads.push(lead); }
  const warnTime = lead !== null && lead > 0 ? lead : 0;
  m.warn.push(warnTime);
  totals.warn_time.push(warnTime);
  // false: opened outside the window, elsewhere, or another mode
  totals.false_incidents += opens.filter((o) => !(inWindow(o) && o.mode === run.expected_mode)).length;
  // baseline: plain limit alarms on the tags the mode watches here
  const tags = watched(run.expected_mode, run.scope);
  const baseAct = acts.find((a) => tags.has(a.tag) && ms(a.t) >= t0 && ms(a.t) <= t1);
  const baseWarn = baseAct ? Math.max(0, (tf - ms(baseAct.t)) / 60e3) : 0;
  m.base_warn.push(baseWarn);
  totals.base_warn_time.push(baseWarn);
  if (baseAct) {
    m.baseline++;
    totals.baseline_detected++;
    const bl = (tf - ms(baseAct.t)) / 60e3;
    m.base_leads.push(bl);
    totals.base_leads.push(bl);
    if (lead !== null) totals.paired.push([lead, bl]);
  }
  totals.raw_activations += acts.length;
  totals.visible += acts.filter((a) => a.visible).length;
  totals.incidents += opens.length;
}

const rows = Object.entries(perMode).sort().map(([mode, m]) => ({
  mode, runs: m.runs, detection: pct(m.detected, m.runs), naming: pct(m.named, m.runs),
  lead_mean: mean(m.leads), lead_p10: p10(m.leads), base_detection: pct(m.baseline, m.runs),
  base_lead_mean: mean(m.base_leads), base_lead_p10: p10(m.base_leads), dev_h: mean(m.dev_h),
  warn_mean: mean(m.warn), base_warn_mean: mean(m.base_warn),
}));
const noFoul = (() => {
  const rs = rows.filter((r) => r.mode !== 'hx_fouling');
  const n = rs.reduce((s, r) => s + r.runs, 0);
  return { a: rs.reduce((s, r) => s + r.warn_mean * r.runs, 0) / n, b: rs.reduce((s, r) => s + r.base_warn_mean * r.runs, 0) / n };
})();
const reduction = totals.raw_activations ? 100 * (1 - (totals.visible + totals.incidents) / totals.raw_activations) : NaN;
const report = {
  runs: totals.runs, normal_days: totals.normal_days, simulated_days: totals.days,
  detection: pct(totals.detected, totals.runs), naming: pct(totals.named, totals.runs),
  false_per_day: totals.false_incidents / totals.days, false_on_normal_days: totals.normal_false,
  lead_mean: mean(totals.leads), lead_p10: p10(totals.leads),
  baseline_detection: pct(totals.baseline_detected, totals.runs), baseline_lead_mean: mean(totals.base_leads),
  baseline_lead_p10: p10(totals.base_leads),
  lead_ratio_paired: mean(totals.paired.map(([a])=>a)) / mean(totals.paired.map(([, b]) => b)),
  warn_time_mean: mean(totals.warn_time), warn_time_p10: p10(totals.warn_time),
  base_warn_time_mean: mean(totals.base_warn_time), base_warn_time_p10: p10(totals.base_warn_time),
  warn_time_ratio: mean(totals.warn_time) / mean(totals.base_warn_time),
  warn_time_ratio_without_fouling: noFoul.a / noFoul.b,
  raw_activations: totals.raw_activations, visible_activations: totals.visible, incidents: totals.incidents,
  reduction, sensor_checks_fault_runs: totals.checks_fault, sensor_checks_merged: totals.checks_merged,
  sensor_checks_normal_days: totals.checks_normal,
  reduction_counting_checks: totals.raw_activations
    ? 100 * (1 - (totals.visible + totals.incidents + totals.checks_fault - totals.checks_merged) / totals.raw_activations) : NaN, missed: totals.missed, failed_runs: totals.failed_runs, per_mode: rows,
};
writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 1));

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
console.log(`| mode | runs | mean development (h) | detected | named | lead mean / p10 (min) | warning time mean (min) | limit alarms: detected | lead mean / p10 (min) | warning time mean (min) |`);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(`| ${r.mode} | ${r.runs} | ${f(r.dev_h)} | ${f(r.detection)} % | ${f(r.naming)} % | ${f(r.lead_mean, 0)} / ${f(r.lead_p10, 0)} | ${f(r.warn_mean, 0)} | ${f(r.base_detection)} % | ${f(r.base_lead_mean, 0)} / ${f(r.base_lead_p10, 0)} | ${f(r.base_warn_mean, 0)} |`);
console.log(`| **all** | ${report.runs} | | **${f(report.detection)} %** | **${f(report.naming)} %** | **${f(report.lead_mean, 0)} / ${f(report.lead_p10, 0)}** | **${f(report.warn_time_mean, 0)}** | ${f(report.baseline_detection)} % | ${f(report.baseline_lead_mean, 0)} / ${f(report.baseline_lead_p10, 0)} | ${f(report.base_warn_time_mean, 0)} |`);
console.log('');
console.log(`false incidents: ${f(report.false_per_day, 3)} per simulated day (${f(report.simulated_days)} days; ${report.false_on_normal_days} on ${f(report.normal_days)} normal days with sensor faults and load changes)`);
console.log(`sensor checks (priority diagnostic, one per mode and asset/zone): ${report.sensor_checks_fault_runs} in fault runs, ${report.sensor_checks_merged} of them resolved as the first sign of the incident that followed; ${report.sensor_checks_normal_days} on the normal days (${f(report.sensor_checks_normal_days / report.normal_days, 2)} per day)`);
console.log(`warning time over all fault runs (a miss or a warning after the failure counts 0): reasoner ${f(report.warn_time_mean, 0)} min mean, limit alarms ${f(report.base_warn_time_mean, 0)} min: ${f(report.warn_time_ratio, 2)}x; without hx_fouling (days of development): ${f(noFoul.a, 0)} vs ${f(noFoul.b, 0)} min: ${f(noFoul.a / noFoul.b, 2)}x`);
console.log(`lead time, runs both detected: reasoner / limit alarms = ${f(report.lead_ratio_paired, 2)}x`);
console.log(`operator load in fault runs: ${report.raw_activations} raw limit-alarm activations vs ${report.visible_activations} visible + ${report.incidents} incidents: ${f(report.reduction)} % fewer (${f(report.reduction_counting_checks)} % fewer counting the sensor checks left open as visible too)`);
if (report.missed.length) console.log(`missed: ${report.missed.join(', ')}`);
if (report.failed_runs.length) console.log(`runs that did not finish: ${report.failed_runs.join(', ')}`);
