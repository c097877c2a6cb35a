// reasoning_library.test.mjs — the failure-mode library (rules/*.rules) against the plant
// simulator, end to end through `anjian reason replay` (the server's reasoning and data-quality
// code, in-process; no database or server). For every fault scenario of the library (two
// simulator seeds each) exactly the expected incident appears: the right mode on the right
// asset or zone reaches diagnosis (or early warning, where docs/failure-modes.md says why)
// before the fault's `failed` label, and no other mode reaches early warning anywhere in the
// plant. The domain's seal example is one incident with its three pieces of evidence and high
// priority. A normal day and a day of sensor faults and a load change raise no process
// incident. Figures (lead times over more seeds, sensor checks): docs/failure-modes.md.
//
// The replays run two at a time (the whole file takes about a minute on two cores).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, assertNoSanitizerReport } from './lib/server.mjs';

const PLANT = join(ROOT, 'plants', 'demo-chemical.json');
const RULES = join(ROOT, 'rules');
const START_MS = Date.parse('2026-12-01T00:00:00Z');
const SEEDS = [1, 3];
const H = 3600e3;

/** Mode id → priority, read from the rules files (the language: docs/rules.md). */
function priorities() {
  const out = {};
  for (const f of readdirSync(RULES).filter((n) => n.endsWith('.rules'))) {
    let mode = null;
    for (const raw of readFileSync(join(RULES, f), 'utf8').split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      let m;
      if ((m = /^mode\s+(\w+)/.exec(line))) mode = m[1];
      else if (mode && (m = /^priority\s+(\w+)/.exec(line))) out[mode] = m[1];
      else if (line === 'end') mode = null;
    }
  }
  return out;
}
const PRIORITY = priorities();

// ---- running replays, two at a time ------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'aj-library-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

let running = 0;
const queue = [];
function pump() {
  while (running < 2 && queue.length) {
    const job = queue.shift();
    running++;
    job().finally(() => { running--; pump(); });
  }
}

/** Runs one replay; resolves with { changes, labels } (changes: the JSON lines of the run). */
function replay(scenario, duration, seed) {
  return new Promise((resolve, reject) => {
    queue.push(() => new Promise((done) => {
      const labels = join(work, `${scenario || 'normal'}-${seed}.jsonl`.replace(/[/\\]/g, '_'));
      const args = ['reason', 'replay', '--plant', PLANT, '--rules', RULES, '--duration', duration,
        '--seed', String(seed), '--labels', labels];
      if (scenario) args.push('--scenario', join(ROOT, 'scenarios', scenario));
      const p = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('error', (e) => { reject(e); done(); });
      p.on('exit', (code) => {
        try {
          assertNoSanitizerReport(`anjian ${args.join(' ')}`, err);
          if (code !== 0) throw new Error(`anjian ${args.join(' ')} exited ${code}:\n${err}`);
          const changes = out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((o) => o.mode);
          const text = readFileSync(labels, 'utf8');
          resolve({ changes, labels: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), stderr: err });
        } catch (e) {
          reject(e);
        }
        done();
      });
    }));
    pump();
  });
}

const hours = (iso) => (Date.parse(iso) - START_MS) / H;

/** Per mode@scope: incidents opened (none → a level), first early warning and diagnosis (h). */
function incidents(changes) {
  const by = new Map();
  for (const c of changes) {
    const key = `${c.mode}@${c.scope}`;
    if (!by.has(key)) by.set(key, { opened: 0, warn: null, diag: null, diagEvidence: null });
    const s = by.get(key);
    if (c.level === 'none') continue;
    if (c.from === 'none') s.opened++;
    if (s.warn === null) s.warn = hours(c.t);
    if (c.level === 'diagnosis' && s.diag === null) {
      s.diag = hours(c.t);
      s.diagEvidence = c.evidence.filter((e) => e.state === 'present').map((e) => e.id);
    }
  }
  for (const [k, s] of by) if (!s.opened) by.delete(k);
  return by;
}

/** The times (h) of the physical fault's onset and failed labels. */
function faultTimes(labels) {
  const physical = labels.filter((l) => !l.tag && !l.operational);
  const at = (phase) => {
    const l = physical.find((x) => x.phase === phase);
    return l ? hours(l.t) : null;
  };
  return { onset: at('onset'), failed: at('failed') };
}

// ---- the library ----------------------------------------------------------------------------

describe('the rules files', () => {
  it('check clean and hold at least 12 modes', () => {
    const files = readdirSync(RULES).filter((n) => n.endsWith('.rules')).map((n) => join(RULES, n));
    const r = spawnSync(BIN, ['rules', 'check', ...files], { encoding: 'utf8', timeout: 60000 });
    assertNoSanitizerReport('anjian rules check', r.stderr);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Object.keys(PRIORITY).length >= 12, JSON.stringify(PRIORITY));
  });
});

// scenario, run length, the one expected mode@scope, its priority; `diagnosis`: reaches
// diagnosis before the failed label (else: early warning before it, diagnosis later — see
// docs/failure-modes.md); `lead`: minutes of early warning before failed at least.
const FAULTS = [
  { file: 'seal-failure-P-101.json', duration: '10h', expect: 'pump_seal_failure@P-101', priority: 'high', diagnosis: true, lead: 60 },
  { file: 'bearing-wear-P-107.json', duration: '9h', expect: 'pump_bearing_wear@P-107', priority: 'medium', diagnosis: true, lead: 60 },
  { file: 'cavitation-P-102.json', duration: '8h', expect: 'pump_cavitation@P-102', priority: 'medium', diagnosis: true },
  { file: 'motor-overheat-M-P301.json', duration: '8h', expect: 'motor_overheating@M-P301', priority: 'high', diagnosis: true },
  { file: 'bearing-wear-M-P104.json', duration: '9h', expect: 'motor_bearing_wear@M-P104', priority: 'medium', diagnosis: true, lead: 60 },
  { file: 'compressor-surge-K-201.json', duration: '5h', expect: 'compressor_surge@K-201', priority: 'high', diagnosis: true },
  { file: 'bearing-wear-K-301.json', duration: '9h', expect: 'compressor_bearing_wear@K-301', priority: 'medium', diagnosis: true, lead: 60 },
  { file: 'tank-overfill-T-102.json', duration: '6h', expect: 'tank_overfill@T-102', priority: 'high', diagnosis: true },
  { file: 'reactor-cooling-loss-R-203.json', duration: '6h', expect: 'reactor_cooling_loss@R-203', priority: 'emergency', diagnosis: true },
  { file: 'hx-tube-leak-E-201.json', duration: '8h', expect: 'hx_tube_leak@E-201', priority: 'high', diagnosis: true },
  { file: 'hx-fouling-E-301.json', duration: '6d', expect: 'hx_fouling@E-301', priority: 'low', diagnosis: true, lead: 60 * 24 },
  { file: 'flange-micro-leak-P-103.json', duration: '6h', expect: 'flange_micro_leak@PH1', priority: 'high', diagnosis: false },
  { file: 'h2s-release-sump.json', duration: '5h', expect: 'toxic_gas_release@UT1', priority: 'emergency', diagnosis: true },
  { file: 'confined-space-inerting-sump.json', duration: '6h', expect: 'confined_space_oxygen_depletion@UT1', priority: 'emergency', diagnosis: true },
];

// start every run now; the tests below wait for theirs
const runs = new Map();
for (const f of FAULTS) for (const seed of SEEDS) runs.set(`${f.file}#${seed}`, replay(f.file, f.duration, seed));
const QUIET = [{ name: 'a normal day', file: null }, { name: 'a day of sensor faults and a load change', file: 'sensor-faults.json' }];
for (const q of QUIET) for (const seed of SEEDS) runs.set(`${q.file}#${seed}`, replay(q.file, '24h', seed));

describe('each fault scenario raises exactly its own incident, early', () => {
  for (const f of FAULTS) {
    for (const seed of SEEDS) {
      it(`${f.file} (seed ${seed}): ${f.expect}`, { timeout: 300000 }, async () => {
        const { changes, labels } = await runs.get(`${f.file}#${seed}`);
        const { failed } = faultTimes(labels);
        assert.ok(failed !== null, 'the scenario has a failed label');
        const inc = incidents(changes);
        const summary = JSON.stringify([...inc]);
        // no other mode reaches early warning anywhere in the plant (sensor checks are allowed)
        assert.deepEqual([...inc.keys()], [f.expect], summary);
        const s = inc.get(f.expect);
        assert.equal(PRIORITY[f.expect.split('@')[0]], f.priority);
        assert.ok(s.warn < failed, `early warning at ${s.warn.toFixed(2)} h, failed at ${failed.toFixed(2)} h`);
        if (f.lead) assert.ok((failed - s.warn) * 60 >= f.lead, `lead ${((failed - s.warn) * 60).toFixed(0)} min < ${f.lead}`);
        assert.ok(s.diag !== null, `${f.expect} never reaches diagnosis: ${summary}`);
        if (f.diagnosis) assert.ok(s.diag < failed, `diagnosis at ${s.diag.toFixed(2)} h, failed at ${failed.toFixed(2)} h`);
      });
    }
  }
});

describe('the domain example: P-101 mechanical seal failure', () => {
  for (const seed of SEEDS) {
    it(`is one high-priority incident with its three pieces of evidence (seed ${seed})`, { timeout: 300000 }, async () => {
      const { changes } = await runs.get(`seal-failure-P-101.json#${seed}`);
      const seal = incidents(changes).get('pump_seal_failure@P-101');
      assert.ok(seal, 'pump_seal_failure on P-101');
      assert.equal(seal.opened, 1, 'exactly one incident');
      assert.equal(PRIORITY.pump_seal_failure, 'high');
      for (const id of ['seal_hot', 'vib_2x_up', 'ir_hot_spot']) assert.ok(seal.diagEvidence.includes(id), `${id} in ${seal.diagEvidence}`);
      // the evidence names the pump's own tags
      const diag = changes.find((c) => c.mode === 'pump_seal_failure' && c.level === 'diagnosis');
      for (const e of diag.evidence) assert.ok(e.tag.startsWith('JS01.P-101.'), e.tag);
    });
  }
});

describe('no process incident without a process fault', () => {
  for (const q of QUIET) {
    for (const seed of SEEDS) {
      it(`${q.name}, 24 h (seed ${seed})`, { timeout: 300000 }, async () => {
        const { changes } = await runs.get(`${q.file}#${seed}`);
        const raised = changes.filter((c) => c.level !== 'none').map((c) => `${c.t} ${c.mode}@${c.scope} ${c.level}`);
        assert.deepEqual(raised, []);
      });
    }
  }
});
