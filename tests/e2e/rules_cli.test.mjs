// rules_cli.test.mjs — `anjian rules check FILE...` end to end: a valid file (exit 0, one
// summary line per file on stdout), invalid files (exit 1, every error as FILE:LINE:COLUMN on
// stderr, valid files still summarised), mode ids duplicated across files, standard input,
// an unreadable or too large file, and usage errors (exit 2). Needs no database or server.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, assertNoSanitizerReport } from './lib/server.mjs';

const dir = mkdtempSync(join(tmpdir(), 'aj-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file into the test directory; returns its path. */
function file(name, content) {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Runs `anjian ...args` (optionally with stdin); returns { status, stdout, stderr }. */
function run(args, input) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', input, timeout: 60000 });
  assertNoSanitizerReport(`anjian ${args.join(' ')}`, r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PUMP = `# centrifugal pump failure modes
mode pump_seal_failure
  name "Mechanical seal failure precursor" zh "机械密封失效前兆"
  on asset centrifugal_pump
  priority high
  prior 0.001
  signal seal_temp = seal_temp
  signal vib_2x = vib_2x
  signal ir_max = ir_max
  signal current = motor_current optional
  load current
  evidence seal_hot: deviation(seal_temp) > 6 for 5m lr 12
  evidence vib_up: ratio(vib_2x) >= 2.5 for 5m lr 10
  evidence ir_spot: deviation(ir_max) > 4 for 2m lr 8
  evidence seal_rising: slope(seal_temp, 30m) > 3 lr 3
  evidence together: within(30m: seal_hot, vib_up, ir_spot) lr 4
  evidence seal_first: before(seal_hot, vib_up, 1h) lr 1.5
  evidence repeated: count(seal_hot, 2h) >= 3 lr 2
  evidence rel: relative(seal_temp) > 15% lr 2
  evidence hot: level(seal_temp) > 80 lr 5
  warn 0.5
  diagnose 0.9
  corroborate 2
  action "Start the standby pump and isolate P-101" zh "启动备用泵并隔离"
  action "Inspect the mechanical seal"
  reference "SOP-PUMP-07"
  ttf seal_temp deviation 20
end

mode pump_bearing_wear
  name "Bearing wear" zh "轴承磨损"
  on asset centrifugal_pump
  priority medium
  signal bt = bearing_temp
  signal v1 = vib_1x
  evidence warm: deviation(bt) > 8 for 10m lr 6
  evidence shaky: ratio(v1) > 1.8 for 10m lr 5
end

mode pump_cavitation
  name "Cavitation" zh "汽蚀"
  on asset centrifugal_pump
  priority medium
  signal ps = suction_pressure
  signal f = flow
  evidence low_suction: deviation(ps) < -0.05 for 1m lr 6
  evidence flow_drop: relative(f) < -20% for 1m lr 4
end
`;

const ZONE = `mode toxic_release
  name "Toxic gas release" zh "有毒气体泄漏"
  on zone
  priority emergency
  signal h2s = kind gas_toxic_ppm gas H2S
  evidence high: level(h2s) > 10 for 30s lr 50
end
`;

// Line 3: unknown template (column 12); line 7: unknown signal (column 27); line 8: unknown
// evidence (column 37); line 9 (the end): no "priority".
const BAD = `mode pump_seal_failure
  name "Seal" zh "密封"
  on asset centrifugal_pum
  signal seal_temp = seal_temp
  signal vib = vib_2x
  evidence vib_up: ratio(vib) >= 2.5 lr 10
  evidence hot: deviation(seal_tmp) > 6 lr 12
  evidence both: within(5m: vib_up, later) lr 2
end
`;

describe('anjian rules check', () => {
  it('accepts a valid file and prints its modes', () => {
    const pump = file('pump.rules', PUMP);
    const r = run(['rules', 'check', pump]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${pump}: 3 modes (pump_seal_failure, pump_bearing_wear, pump_cavitation)\n`);
    assert.equal(r.stderr, '');
  });

  it('checks several files, one summary line each', () => {
    const pump = file('pump2.rules', PUMP);
    const zone = file('zone.rules', ZONE);
    const r = run(['rules', 'check', pump, zone]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      `${pump}: 3 modes (pump_seal_failure, pump_bearing_wear, pump_cavitation)`,
      `${zone}: 1 mode (toxic_release)`,
    ]);
  });

  it('reports every error of a bad file as FILE:LINE:COLUMN and exits 1', () => {
    const bad = file('bad.rules', BAD);
    const zone = file('zone-ok.rules', ZONE);
    const r = run(['rules', 'check', bad, zone]);
    assert.equal(r.status, 1);
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `${bad}:3:12: unknown template "centrifugal_pum" (expected one of centrifugal_pump, compressor, storage_tank, reactor, heat_exchanger, pipe_rack, motor, loading_arm, gas_detector_group, valve)`,
      `${bad}:7:27: unknown signal "seal_tmp" in deviation()`,
      `${bad}:8:37: unknown evidence "later" in within()`,
      `${bad}:9:1: mode "pump_seal_failure" has no "priority" statement`,
    ]);
    // the valid file is still checked and summarised
    assert.equal(r.stdout, `${zone}: 1 mode (toxic_release)\n`);
  });

  it('refuses a mode id defined in two files, naming both places', () => {
    const a = file('a.rules', ZONE);
    const b = file('b.rules', `# again\n${ZONE}`);
    const r = run(['rules', 'check', a, b]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, `${a}: 1 mode (toxic_release)\n`);
    assert.equal(r.stderr, `${b}:2:6: duplicate mode "toxic_release" (first in ${a}:1:6)\n`);
  });

  it('reads standard input for "-"', () => {
    const ok = run(['rules', 'check', '-'], ZONE);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, '<stdin>: 1 mode (toxic_release)\n');
    const bad = run(['rules', 'check', '-'], 'mode m\n  priority urgent\n');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^<stdin>:1:1: mode "m" has no "end"\n/m);
    assert.match(bad.stderr, /^<stdin>:2:12: unknown priority "urgent" \(expected emergency, high, medium or low\)$/m);
  });

  it('fails on a missing file, an empty file and a file over 1 MiB', () => {
    const missing = join(dir, 'missing.rules');
    const r = run(['rules', 'check', missing]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `${missing}: cannot read: No such file or directory\n`);
    const empty = file('empty.rules', '# nothing yet\n');
    const e = run(['rules', 'check', empty]);
    assert.equal(e.status, 1);
    assert.equal(e.stderr, `${empty}:1:1: no mode in the file\n`);
    const big = file('big.rules', `${ZONE}${'#'.repeat(1024 * 1024)}\n`);
    const b = run(['rules', 'check', big]);
    assert.equal(b.status, 1);
    assert.equal(b.stderr, `${big}:1:1: file too big (at most 1048576 bytes)\n`);
  });

  it('stops after 50 errors and says so', () => {
    const many = file('many.rules', `mode m\n${'  bogus\n'.repeat(80)}end\n`);
    const r = run(['rules', 'check', many]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 51);
    assert.equal(lines[0], `${many}:2:3: unknown statement "bogus"`);
    assert.equal(lines[50], `${many}: too many errors; stopped after 50`);
  });

  it('has usage errors and help', () => {
    for (const args of [['rules'], ['rules', 'check'], ['rules', 'verify'], ['rules', 'check', '--strict', 'x']]) {
      const r = run(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /usage: anjian rules check FILE\.\.\./);
      assert.equal(r.stdout, '');
    }
    for (const args of [['rules', 'check', '--help'], ['rules', '--help'], ['rules', 'check', 'x.rules', '-h']]) {
      const r = run(args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /usage: anjian rules check FILE\.\.\./);
      assert.match(r.stdout, /FILE:LINE:COLUMN/);
    }
    const top = run(['--help']);
    assert.match(top.stdout, /rules check +check failure-mode rules files/);
    // after "--" a name that starts with "-" is a file
    file('-odd.rules', ZONE);
    const r = spawnSync(BIN, ['rules', 'check', '--', '-odd.rules'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '-odd.rules: 1 mode (toxic_release)\n');
  });
});
