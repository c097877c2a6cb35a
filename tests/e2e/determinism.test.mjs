// determinism.test.mjs — the same simulator seed and scenario fed to the server in real
// time (×1) and as fast as possible produce the identical alarm journal (issue: "Real-time
// data", acceptance). Alarms are decided by event time only (docs/alarms.md), so the
// speed at which points arrive must not matter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, login, api, cleanup, tempFile, assertNoSanitizerReport, BIN, ROOT } from './lib/server.mjs';

const START = '2026-12-01T00:00:00Z';
const DURATION_S = 20;
const END_NS = BigInt(Date.parse(START)) * 1000000n + BigInt(DURATION_S) * 1000000000n;

// A sensor drift on one combustible-gas detector that crosses H (25 %LEL) and HH (50)
// and clears, and a large leak at tank T-101 whose plume reaches the detectors nearby.
const SCENARIO = {
  format: 'anjian-scenario', version: 1, name: 'determinism',
  faults: [
    { id: 'drift', type: 'drift', tag: 'JS01.GD-107.GT-1026', onset: '+2s', development: 'linear', duration: '6s', magnitude: 70, clear_at: '+12s' },
    { id: 'leak', type: 'flange_micro_leak', asset: 'T-101', onset: '+3s', development: 'step', magnitude: 400, clear_at: '+10s' },
  ],
};

function runSim(url, token, speed, scenarioPath) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ['sim', '--plant', join(ROOT, 'plants', 'demo-chemical.json'), '--scenario', scenarioPath,
      '--start', START, '--duration', `${DURATION_S}s`, '--step', '1s', '--seed', '7', '--speed', speed,
      '--url', url, '--token', token], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code) => {
      assertNoSanitizerReport('anjian sim', err);
      if (code === 0) resolve(err); else reject(new Error(`anjian sim exited ${code}:\n${err}`));
    });
  });
}

async function journalOf(speed, scenarioPath) {
  const srv = await startServer('sqlite');
  try {
    const admin = await login(srv.url, 'admin', srv.adminPassword);
    const plant = readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8');
    const imp = await api(srv.url, admin.token, 'POST', '/api/v1/plant/import', plant);
    assert.equal(imp.status, 200, imp.text);
    await runSim(srv.url, admin.token, speed, scenarioPath);
    // Let the engine apply everything and write its journal (flush every 500 ms).
    let last = -1;
    let items = [];
    for (let stable = 0; stable < 6;) {
      await new Promise((r) => setTimeout(r, 500));
      const r = await api(srv.url, admin.token, 'GET', '/api/v1/alarm-journal?limit=5000');
      assert.equal(r.status, 200, r.text);
      items = r.body.items;
      stable = items.length === last ? stable + 1 : 0;
      last = items.length;
    }
    // Entries up to the end of the simulated time (after it, the idle clock of a stopped
    // feed takes over: wall-clock dependent by design).
    return items.filter((e) => BigInt(e.t_ns) <= END_NS)
      .map((e) => [e.tag_key, e.kind, e.from, e.to, e.cause, e.t_ns, e.value, e.limit, e.is_chattering]);
  } finally {
    await srv.stop();
    cleanup(srv.db);
  }
}

describe('determinism', () => {
  it('the same seed at ×1 and as fast as possible gives identical alarm journals', { timeout: 180000 }, async () => {
    const scenarioPath = tempFile('scenario.json', JSON.stringify(SCENARIO));
    const fast = await journalOf('max', scenarioPath);
    const realTime = await journalOf('1', scenarioPath);
    assert.ok(fast.length >= 4, `the scenario raises alarms (got ${fast.length} entries)`);
    assert.ok(fast.some((e) => e[0] === 'JS01.GD-107.GT-1026' && e[1] === 'hh' && e[3] === 'unack'), 'HH raised');
    assert.ok(fast.some((e) => e[0] === 'JS01.GD-107.GT-1026' && e[1] === 'h' && e[3] === 'rtn_unack'), 'H returned');
    assert.deepEqual(realTime, fast);
  });
});
