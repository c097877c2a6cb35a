// Browser test of the inspection pages (web/js/pages/inspections.js, inspection.js;
// docs/inspections.md) in headless Chromium against a real `anjian serve` that
// lib/server.mjs starts on SQLite.
//
// Set up through the API: the demo plant, a planner (safety manager) and an operator of the
// central control room, three checkpoints (two on the route: one by its NFC tag, one by its
// QR label; one off the route), a plan with a four-hour interval assigned to the operator,
// and a one-minute plan nobody walks (paused after its first task, which is then missed).
// Then at phone width, as the operator: my inspections → the task; a code off the route is
// refused in words and nothing is written; the first point by its NFC UID (typed as a phone
// reads it: lower case, colons), the check list answered → the point is done and the next
// one highlighted; the second point by its QR text, a pressure reading above its range
// (marked as typed) and a finding → the hidden danger's number, the task done; the scans
// and the hazard checked through the API. At desktop width, as the planner: the task list
// (done, the missed one red, the state filter), the plans (pause and resume, a new plan by
// the form with the risk point's control measures and the frequency by risk level), the
// checkpoints (a new one by the form, a duplicate NFC tag refused) and the QR label sheet,
// whose label is screenshotted and read back with jsQR to the checkpoint's QR text.
//
//   cd tests/e2e && node --test inspections_browser.test.mjs
//   ANJIAN_BIN             the anjian binary (default <repo>/build/anjian)
//   ANJIAN_CHROMIUM        browser path (default /usr/bin/chromium)
//   ANJIAN_ARTIFACTS       optional folder for screenshots console-insp-*.png
//   ANJIAN_UPDATE_DOC_IMG  =1: also write docs/img/inspection-phone.png (the check list at
//                          phone width) and docs/img/inspections.png (the task list)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import jsQR from 'jsqr';
import { launchBrowser, screenshot, CHROMIUM_PATH } from './lib/browser.mjs';
import { startServer, login, api, ROOT, BIN, cleanup } from './lib/server.mjs';

const missing = !existsSync(BIN) ? `no anjian binary at ${BIN} (set ANJIAN_BIN)` : !existsSync(CHROMIUM_PATH) ? `no browser at ${CHROMIUM_PATH}` : '';
if (missing) console.log(`# inspection browser test skipped: ${missing}`);

async function loadCatalogue() {
  const src = await readFile(join(ROOT, 'web', 'messages.js'), 'utf8');
  return (await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(src)}`)).messages;
}

// Codes of the inspection API contract (docs/inspections.md) the console translates.
const STATES = ['open', 'in_progress', 'done', 'missed'];
const REFUSALS = ['too_early', 'window_closed', 'task_done', 'not_on_route', 'already_scanned', 'not_yours'];
const FREQS = ['shift', 'day', 'week', 'month', 'interval'];

/** A PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes them) → {width, height, data: RGBA}. */
function decodePng(buf) {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let type = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString('ascii', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth 8');
      type = body[9];
      assert.ok(type === 2 || type === 6, `colour type ${type}`);
      assert.equal(body[12], 0, 'not interlaced');
    } else if (kind === 'IDAT') idat.push(body);
    else if (kind === 'IEND') break;
    pos += 12 + len;
  }
  const bpp = type === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = new Uint8ClampedArray(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = Uint8Array.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let p = 0;
      if (f === 1) p = a;
      else if (f === 2) p = b;
      else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) {
        const pa = Math.abs(b - c); const pb = Math.abs(a - c); const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + p) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = line[x * bpp]; out[o + 1] = line[x * bpp + 1]; out[o + 2] = line[x * bpp + 2];
      out[o + 3] = bpp === 4 ? line[x * bpp + 3] : 255;
    }
    prev = line;
  }
  return { width, height, data: out };
}

describe('inspection message catalogue', () => {
  test('every task state, refusal and frequency of the contract has its words', async () => {
    const m = await loadCatalogue();
    for (const s of STATES) assert.ok(`insp_state.${s}` in m, `insp_state.${s}`);
    for (const r of REFUSALS) assert.ok(`insp_refusal.${r}` in m, `insp_refusal.${r}`);
    for (const f of FREQS) assert.ok(`insp_freq.${f}` in m, `insp_freq.${f}`);
    assert.equal(m['insp_refusal.not_on_route']['zh-CN'], '此点不在本任务路线上');
    assert.equal(m['insp_state.missed']['zh-CN'], '漏检');
    assert.equal(m['insp_freq.shift']['zh-CN'], '每班');
  });
});

describe('inspections in headless chromium', { skip: missing || false, timeout: 400_000 }, () => {
  let srv;
  let admin;
  let M;
  let site;
  let areas;
  let orgs;
  let plan;
  let minutePlan;
  let risk;
  let task;
  let hazardId = 0;
  let hazardNumber = '';
  const cps = {};
  const users = {};
  const browsers = [];
  const errors = [];
  const call = (method, path, body, token = admin.token) => api(srv.url, token, method, `/api/v1${path}`, body);
  const ok = async (method, path, body, token) => {
    const r = await call(method, path, body, token);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} answered ${r.status}: ${r.text}`);
    return r.body;
  };
  const pw = (name) => `Pw-${name}-2026!xj`;
  const zh = (k) => M[k]['zh-CN'];
  async function until(what, fn, ms = 30_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** A browser signed in as the user, at the address (path after #), with its own session. */
  async function signedIn(name, path, viewport = { width: 1366, height: 860 }) {
    const b = await launchBrowser({ viewport });
    browsers.push(b);
    b.page.on('pageerror', (e) => errors.push(`${name}: ${e}`));
    const page = b.page;
    await page.goto(`${srv.url}/#${path}`, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid="login-username"]').fill(name);
    await page.locator('[data-testid="login-password"]').fill(pw(name));
    await page.locator('[data-testid="login-submit"]').click();
    await page.locator('[data-testid="topbar"]').waitFor({ state: 'visible', timeout: 30_000 });
    return page;
  }
  const tid = (page, id) => page.locator(`[data-testid="${id}"]`);
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const point = (page, code) => page.locator(`[data-testid="insp-point"][data-code="${code}"]`);

  before(async () => {
    M = await loadCatalogue();
    srv = await startServer('sqlite');
    admin = await login(srv.url, 'admin', srv.adminPassword);
    assert.equal(admin.status, 200);
    const imp = await call('POST', '/plant/import', readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
    assert.equal(imp.status, 200, imp.text);
    site = (await ok('GET', '/sites')).items[0];
    areas = Object.fromEntries((await ok('GET', '/areas?limit=500')).items.map((a) => [a.code, a]));
    orgs = Object.fromEntries((await ok('GET', '/organisations?limit=100')).items.map((o) => [o.code, o]));
    const people = (await ok('GET', '/people?limit=500')).items;
    for (const [name, roles, code, org] of [['planner', ['safety_manager'], 'E1002', 'SAFETY'], ['op1', ['operator'], 'E2103', 'CCR']]) {
      const p = people.find((x) => x.code === code);
      assert.ok(p, `person ${code}`);
      const u = await ok('POST', '/users', { username: name, display_name: name, password: pw(name), roles, person_id: p.id, org_id: orgs[org].id });
      users[name] = { id: u.id, ...(await login(srv.url, name, pw(name))) };
    }
    for (const [code, area, uid] of [['XJ-01', 'TF1', '04:A2:2B:1A:7C:5D:80'], ['XJ-02', 'TF1', null], ['XJ-03', 'PU1', '0A0B0C0D']]) {
      cps[code] = await ok('POST', '/inspection-checkpoints', { site_id: site.id, code, name: `巡检点 ${code}`, area_id: areas[area].id,
        ...(uid ? { nfc_uid: uid } : {}) }, users.planner.token);
    }
    risk = await ok('POST', '/risk-points', { site_id: site.id, area_id: areas.TF1.id, kind: 'equipment', name: '液氨储罐区', hazards: ['泄漏中毒'],
      method: 'matrix', inherent: { likelihood: 5, severity: 5 }, residual: { likelihood: 4, severity: 5 }, control_level: 'workshop', review_cycle_days: 180,
      measures: [{ kind: 'engineering', text: '氨气检测报警仪完好', control_level: 'workshop' }, { kind: 'management', text: '储罐液位在正常范围', control_level: 'crew' }] });
    assert.equal(risk.residual_level, 'major');
    // a one-minute round nobody walks: its first task is found missed at the end of its minute
    minutePlan = await ok('POST', '/inspection-plans', { site_id: site.id, name: '每分钟巡检（无人执行）', frequency: 'interval', interval_min: 1,
      org_id: orgs.SAFETY.id, assignee_id: users.planner.id, route: [{ checkpoint_id: cps['XJ-03'].id, items: [{ text: '现场无异常', kind: 'check' }] }] }, users.planner.token);
    // the round of the test: four-hour windows, the operator's
    plan = await ok('POST', '/inspection-plans', { site_id: site.id, name: '液氨罐区巡检', frequency: 'interval', interval_min: 240,
      org_id: orgs.CCR.id, assignee_id: users.op1.id, route: [
        { checkpoint_id: cps['XJ-01'].id, items: [{ text: '氨气检测报警仪完好', kind: 'check' }, { text: '无跑冒滴漏', kind: 'check' }] },
        { checkpoint_id: cps['XJ-02'].id, items: [{ text: '罐压', kind: 'reading', lo: 0.2, hi: 1.2, unit: 'MPa' }, { text: '液位计指示正常', kind: 'check' }] }] }, users.planner.token);
    await until('the first minute task', async () => (await ok('GET', `/inspection-tasks?plan_id=${minutePlan.id}`)).items.length > 0);
    await ok('PATCH', `/inspection-plans/${minutePlan.id}`, { is_active: false }, users.planner.token);
    // the engine makes the task of the current window; one that closes within four minutes is
    // not waited out: the test takes the next one
    task = await until('the task of the plan', async () => (await ok('GET', `/inspection-tasks?plan_id=${plan.id}`)).items
      .find((x) => Date.parse(x.window_end) - Date.now() > 4 * 60e3), 6 * 60e3);
    assert.deepEqual([task.state, task.n_points, task.assignee], ['open', 2, 'op1']);
  });

  after(async () => {
    for (const b of browsers) await b.close();
    if (srv) { await srv.stop(); cleanup(srv.db); }
  });

  test('the operator walks the round on a phone: NFC, then QR with a reading out of range and a finding', { timeout: 120_000 }, async () => {
    const page = await signedIn('op1', '/my-inspections', { width: 390, height: 844 });
    const card = page.locator(`[data-testid="insp-my-task"][data-id="${task.id}"]`);
    await card.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await card.getAttribute('data-state'), 'open');
    assert.equal(await page.locator('[data-testid="insp-my-task"]').count(), 1, 'only the operator’s own task');
    assert.equal((await tid(page, 'nav-my-inspections').textContent()).trim(), zh('nav.my_inspections'));
    assert.ok(await overflow(page) <= 1, `my inspections wider than the phone by ${await overflow(page)}px`);
    await screenshot(page, 'insp-mine-phone');
    await card.click();
    await page.waitForURL(new RegExp(`#/inspections/tasks/${task.id}$`));
    await tid(page, 'insp-task-head').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await tid(page, 'insp-task-state').getAttribute('data-state'), 'open');
    assert.equal(await point(page, 'XJ-01').getAttribute('data-state'), 'next');
    assert.equal(await point(page, 'XJ-02').getAttribute('data-state'), 'todo');
    // headless Chromium has neither Web NFC nor a camera: the code field is there, and large
    const code = tid(page, 'insp-code');
    assert.ok((await code.boundingBox()).height >= 44, 'a large code field');

    // a checkpoint off the route: refused by name, in words; nothing written
    await code.fill('0a:0b:0c:0d');
    await code.press('Enter');
    const refusal = tid(page, 'insp-refusal');
    await refusal.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await refusal.getAttribute('data-refusal'), 'not_on_route');
    assert.equal((await tid(page, 'insp-refusal-text').textContent()).trim(), zh('insp_refusal.not_on_route'));
    assert.match(await tid(page, 'insp-refusal-server').textContent(), /XJ-03 is not on its route/);
    assert.equal((await ok('GET', `/inspection-tasks/${task.id}`)).n_scanned, 0);

    // the first point, by its NFC tag as the phone reads it
    await tid(page, 'insp-code').fill('04:a2:2b:1a:7c:5d:80');
    await tid(page, 'insp-code-go').click();
    const list = tid(page, 'insp-checklist');
    await list.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await list.getAttribute('data-code'), 'XJ-01');
    assert.equal(await page.locator('[data-testid="insp-item"]').count(), 2);
    // not answered: said so, nothing sent
    await tid(page, 'insp-submit').click();
    await tid(page, 'insp-check-missing').waitFor({ state: 'visible' });
    const items = page.locator('[data-testid="insp-item"]');
    for (let i = 0; i < 2; i++) {
      const b = items.nth(i).locator('[data-testid="insp-item-ok"]');
      assert.ok((await b.boundingBox()).height >= 44, 'a large 正常 button');
      await b.click();
      assert.equal(await b.getAttribute('aria-pressed'), 'true');
    }
    // a wrong answer corrected: 异常 then 正常
    await items.nth(1).locator('[data-testid="insp-item-bad"]').click();
    assert.equal(await items.nth(1).getAttribute('data-out'), '1');
    await items.nth(1).locator('[data-testid="insp-item-ok"]').click();
    assert.equal(await items.nth(1).getAttribute('data-out'), '0');
    await items.nth(1).locator('[data-testid="insp-item-note"]').fill('法兰处无结霜');
    assert.ok((await tid(page, 'insp-submit').boundingBox()).height >= 48, 'a large submit button');
    await tid(page, 'insp-submit').click();
    const res = tid(page, 'insp-result');
    await res.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await res.getAttribute('data-code'), 'XJ-01');
    assert.equal(await res.getAttribute('data-abnormal'), '0');
    await page.waitForSelector('[data-testid="insp-point"][data-code="XJ-01"][data-state="done"]');
    assert.equal(await point(page, 'XJ-02').getAttribute('data-state'), 'next');
    assert.equal(await tid(page, 'insp-task-state').getAttribute('data-state'), 'in_progress');
    assert.equal(await tid(page, 'insp-task-progress').getAttribute('data-n'), '1');
    assert.ok((await point(page, 'XJ-01').locator('[data-testid="insp-point-scan"]').textContent()).includes('op1'), 'who scanned');

    // the second point, by its QR text: the pressure above its range, and a finding
    await tid(page, 'insp-code').fill(cps['XJ-02'].qr_text);
    await tid(page, 'insp-code').press('Enter');
    await page.waitForSelector('[data-testid="insp-checklist"][data-code="XJ-02"]');
    const reading = page.locator('[data-testid="insp-item"][data-kind="reading"]');
    assert.ok((await reading.locator('[data-testid="insp-item-range"]').textContent()).includes('0.2 – 1.2 MPa'), 'the normal range shown');
    const value = reading.locator('[data-testid="insp-item-value"]');
    await value.fill('1.5');
    assert.equal(await reading.getAttribute('data-out'), '1', 'out of range as typed');
    await reading.locator('[data-testid="insp-item-out"]').waitFor({ state: 'visible' });
    assert.equal(await value.evaluate((el) => getComputedStyle(el).color), 'rgb(180, 35, 24)', 'the value in red');
    await value.fill('0.8');
    assert.equal(await reading.getAttribute('data-out'), '0');
    await reading.locator('[data-testid="insp-item-out"]').waitFor({ state: 'hidden' });
    await value.fill('1.5');
    assert.equal(await reading.getAttribute('data-out'), '1');
    await page.locator('[data-testid="insp-item"][data-kind="check"] [data-testid="insp-item-ok"]').click();
    await tid(page, 'insp-finding-on').check();
    await tid(page, 'insp-finding-category').selectOption('equipment');
    await tid(page, 'insp-finding-description').fill('2# 液氨罐压力 1.5 MPa 超上限');
    await tid(page, 'insp-finding-cause').fill('安全阀起跳压力偏高');
    await screenshot(page, 'insp-checklist-phone');
    assert.ok(await overflow(page) <= 1, `task page wider than the phone by ${await overflow(page)}px`);
    if (process.env.ANJIAN_UPDATE_DOC_IMG === '1') {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'inspection-phone.png'), fullPage: true });
    }
    await tid(page, 'insp-submit').click();
    const link = tid(page, 'insp-hazard-link');
    await link.waitFor({ state: 'visible', timeout: 10_000 });
    hazardNumber = (await link.textContent()).trim();
    assert.match(hazardNumber, /^YH-\d{8}-\d{4}$/);
    hazardId = Number(await link.getAttribute('data-id'));
    assert.equal(await tid(page, 'insp-result').getAttribute('data-abnormal'), '1');
    await tid(page, 'insp-all-done').waitFor({ state: 'visible' });
    assert.equal(await tid(page, 'insp-task-state').getAttribute('data-state'), 'done');
    await page.waitForSelector('[data-testid="insp-point"][data-code="XJ-02"][data-state="done"][data-abnormal="1"]');
    assert.equal((await point(page, 'XJ-02').locator('[data-testid="insp-point-hazard"]').textContent()).trim(), hazardNumber);
    await tid(page, 'insp-scan-closed').waitFor({ state: 'visible' });
    assert.equal(await tid(page, 'insp-code').count(), 0, 'no more scans on a done task');
    assert.ok(await overflow(page) <= 1, `task page wider than the phone by ${await overflow(page)}px`);
    await screenshot(page, 'insp-done-phone');

    // what the server keeps: the scans with the answers entered, and the hazard
    const t = await ok('GET', `/inspection-tasks/${task.id}`);
    assert.deepEqual([t.state, t.n_scanned, t.n_findings], ['done', 2, 1]);
    const [s1, s2] = t.route.map((p) => p.scan);
    assert.deepEqual([s1.method, s1.username, s1.n_abnormal, s1.hazard_id], ['nfc', 'op1', 0, null]);
    assert.deepEqual(s1.results.map((r) => [r.ok, r.note ?? null, r.abnormal]), [[true, null, false], [true, '法兰处无结霜', false]]);
    assert.deepEqual([s2.method, s2.username, s2.n_abnormal, s2.hazard_id, s2.hazard_number], ['qr', 'op1', 1, hazardId, hazardNumber]);
    assert.deepEqual(s2.results.map((r) => [r.value ?? null, r.ok ?? null, r.abnormal]), [[1.5, null, true], [null, true, false]]);
    const hz = await ok('GET', `/hazards/${hazardId}`);
    assert.deepEqual([hz.number, hz.source, hz.state, hz.category, hz.area_code, hz.reported_by], [hazardNumber, 'inspection', 'reported', 'equipment', 'TF1', 'op1']);
    assert.equal(hz.description, '2# 液氨罐压力 1.5 MPa 超上限');
    assert.equal(hz.cause, '安全阀起跳压力偏高');
    assert.equal(hz.events[0].detail.checkpoint, 'XJ-02');
    // the hazard link opens the hazard
    await link.click();
    await page.waitForURL(new RegExp(`#/hazards/${hazardId}$`));
    await page.waitForSelector('[data-testid="hazard-head"][data-state="reported"]', { timeout: 15_000 });
    // my inspections: nothing left to do
    await page.goto(`${srv.url}/#/my-inspections`, { waitUntil: 'domcontentloaded' });
    await tid(page, 'insp-mine-empty').waitFor({ state: 'visible', timeout: 15_000 });
  });

  test('the planner sees the task done and the missed one red, pauses a plan and makes one by the form', { timeout: 150_000 }, async () => {
    const missedTask = await until('the minute task missed', async () => (await ok('GET', `/inspection-tasks?plan_id=${minutePlan.id}&state=missed`)).items[0], 100_000);
    const page = await signedIn('planner', '/inspections');
    const row = page.locator(`[data-testid="insp-task-row"][data-id="${task.id}"]`);
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal((await tid(page, 'nav-inspections').textContent()).trim(), zh('nav.inspections'));
    assert.equal(await row.getAttribute('data-state'), 'done');
    assert.equal((await row.locator('[data-testid="insp-task-state"]').textContent()).trim(), zh('insp_state.done'));
    assert.deepEqual([await row.locator('[data-testid="insp-task-progress"]').getAttribute('data-n'), await row.locator('[data-testid="insp-task-progress"]').getAttribute('data-total')], ['2', '2']);
    const late = page.locator(`[data-testid="insp-task-row"][data-id="${missedTask.id}"]`);
    await late.waitFor({ state: 'visible' });
    assert.equal(await late.getAttribute('data-state'), 'missed');
    assert.equal(await late.locator('[data-testid="insp-task-state"]').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(180, 35, 24)', 'missed is red');
    await screenshot(page, 'insp-tasks');
    if (process.env.ANJIAN_UPDATE_DOC_IMG === '1') {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'inspections.png') });
    }
    // the state filter
    await tid(page, 'insp-filter-state').selectOption('missed');
    await page.waitForFunction((id) => !document.querySelector(`[data-testid="insp-task-row"][data-id="${id}"]`), task.id, { timeout: 10_000 });
    assert.ok(await page.locator('[data-testid="insp-task-row"]').count() >= 1);
    assert.equal(await page.locator('[data-testid="insp-task-row"]:not([data-state="missed"])').count(), 0, 'only missed tasks');
    assert.match(page.url(), /state=missed/);
    await tid(page, 'insp-filter-state').selectOption('done');
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.locator('[data-testid="insp-task-row"]').count(), 1);
    // the row opens the task page: done, its hazard linked
    await row.click();
    await page.waitForURL(new RegExp(`#/inspections/tasks/${task.id}$`));
    await tid(page, 'insp-task-head').waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await tid(page, 'insp-task-state').getAttribute('data-state'), 'done');
    assert.equal((await tid(page, 'insp-point-hazard').textContent()).trim(), hazardNumber);

    // plans: pause and resume
    await page.goto(`${srv.url}/#/inspections?tab=plans`, { waitUntil: 'domcontentloaded' });
    const card = page.locator(`[data-testid="insp-plan"][data-id="${plan.id}"]`);
    await card.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await card.getAttribute('data-active'), '1');
    assert.equal((await card.locator('[data-testid="insp-plan-freq"] b').textContent()).trim(), M['insp.freq_every_min']['zh-CN'].replace('{n}', '240'));
    assert.deepEqual(await card.locator('[data-testid="insp-plan-route"] > li .code').allTextContents(), ['XJ-01', 'XJ-02']);
    assert.ok((await tid(page, 'insp-level-rule').textContent()).includes('重大→每班'), 'the by-risk-level rule');
    await card.locator('[data-testid="insp-plan-toggle"]').click();
    await page.waitForSelector(`[data-testid="insp-plan"][data-id="${plan.id}"][data-active="0"]`, { timeout: 10_000 });
    assert.equal((await ok('GET', `/inspection-plans/${plan.id}`)).is_active, false);
    await page.locator(`[data-testid="insp-plan"][data-id="${plan.id}"] [data-testid="insp-plan-toggle"]`).click();
    await page.waitForSelector(`[data-testid="insp-plan"][data-id="${plan.id}"][data-active="1"]`, { timeout: 10_000 });
    assert.equal((await ok('GET', `/inspection-plans/${plan.id}`)).is_active, true);

    // a new plan by the form: the risk point's control measures at XJ-01, an own item at XJ-03,
    // the frequency by risk level (重大 → every shift)
    await tid(page, 'insp-plan-new').click();
    const form = tid(page, 'insp-plan-form');
    await form.waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="insp-pf-cp"] option').length >= 3
      && document.querySelectorAll('[data-testid="insp-pf-risk"] option').length >= 2, null, { timeout: 10_000 });
    await tid(page, 'insp-pf-name').fill('储罐区每班巡检');
    await tid(page, 'insp-pf-risk').selectOption(String(risk.id));
    await tid(page, 'insp-pf-org').selectOption(String(orgs.CCR.id));
    assert.equal(await tid(page, 'insp-pf-freq').inputValue(), '', 'by risk level unless chosen');
    await tid(page, 'insp-pf-cp').selectOption(String(cps['XJ-01'].id));
    await tid(page, 'insp-pf-cp-add').click();
    await tid(page, 'insp-pf-cp').selectOption(String(cps['XJ-03'].id));
    await tid(page, 'insp-pf-cp-add').click();
    const pts = page.locator('[data-testid="insp-pf-point"]');
    assert.equal(await pts.count(), 2);
    await pts.nth(0).locator('[data-testid="insp-pf-measures"]').check();
    await pts.nth(1).locator('[data-testid="insp-pf-item-text"]').fill('阀门无泄漏');
    await pts.nth(1).locator('[data-testid="insp-pf-item-add"]').click();
    const second = pts.nth(1).locator('[data-testid="insp-pf-item"]').nth(1);
    await second.locator('[data-testid="insp-pf-item-text"]').fill('泵出口压力');
    await second.locator('[data-testid="insp-pf-item-kind"]').selectOption('reading');
    await second.locator('[data-testid="insp-pf-item-lo"]').fill('0.3');
    await second.locator('[data-testid="insp-pf-item-hi"]').fill('0.9');
    await second.locator('[data-testid="insp-pf-item-unit"]').fill('MPa');
    await screenshot(page, 'insp-plan-form');
    await tid(page, 'insp-pf-save').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    const plans = (await ok('GET', `/inspection-plans?site_id=${site.id}`)).items;
    const made = plans.find((p) => p.name === '储罐区每班巡检');
    assert.ok(made, 'the plan was made');
    assert.deepEqual([made.risk_point_id, made.org_id, made.frequency_source, made.effective_frequency], [risk.id, orgs.CCR.id, 'risk_level', 'shift']);
    assert.deepEqual(made.route.map((p) => p.code), ['XJ-01', 'XJ-03']);
    assert.deepEqual(made.route[0].items.map((x) => [x.text, x.measure_id]), [['氨气检测报警仪完好', risk.measures[0].id], ['储罐液位在正常范围', risk.measures[1].id]]);
    assert.deepEqual(made.route[1].items, [{ text: '阀门无泄漏', kind: 'check' }, { text: '泵出口压力', kind: 'reading', lo: 0.3, hi: 0.9, unit: 'MPa' }]);
    const madeCard = page.locator(`[data-testid="insp-plan"][data-id="${made.id}"]`);
    await madeCard.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await madeCard.locator('[data-testid="insp-plan-freq"]').getAttribute('data-freq'), 'shift');
    assert.ok((await madeCard.locator('[data-testid="insp-plan-freq"]').textContent()).includes(zh('insp_freq.shift')));
    // in English
    await tid(page, 'lang-en').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="insp-tab-plans"]')?.textContent.trim() === 'Plans', null, { timeout: 10_000 });
    await tid(page, 'lang-zh').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="insp-tab-plans"]')?.textContent.trim() === '巡检计划', null, { timeout: 10_000 });
  });

  test('checkpoints: a new one by the form, a duplicate tag refused, and QR labels that read back', { timeout: 90_000 }, async () => {
    const page = await signedIn('planner', '/inspections?tab=checkpoints');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="insp-cp-row"]').length === 3, null, { timeout: 15_000 });
    await tid(page, 'insp-cp-new').click();
    await tid(page, 'insp-cp-form').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="insp-cf-area"] option').length > 1, null, { timeout: 10_000 });
    // the tag of XJ-01 again: refused with the server's words
    await tid(page, 'insp-cf-code').fill('XJ-04');
    await tid(page, 'insp-cf-name').fill('泵房出口');
    await tid(page, 'insp-cf-area').selectOption(String(areas.PH1.id));
    await tid(page, 'insp-cf-nfc').fill('04a22b1a7c5d80');
    await tid(page, 'insp-cf-save').click();
    const refusal = tid(page, 'insp-refusal');
    await refusal.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await refusal.textContent(), /04A22B1A7C5D80/);
    await tid(page, 'insp-cf-nfc').fill('de:ad:be:ef');
    await tid(page, 'insp-cf-save').click();
    await tid(page, 'insp-cp-form').waitFor({ state: 'detached', timeout: 10_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="insp-cp-row"]').length === 4, null, { timeout: 10_000 });
    const made = (await ok('GET', `/inspection-checkpoints?site_id=${site.id}`)).items.find((c) => c.code === 'XJ-04');
    assert.deepEqual([made.name, made.area_code, made.nfc_uid], ['泵房出口', 'PH1', 'DEADBEEF']);
    // the label sheet: one label per checkpoint; the label of XJ-02 as it is drawn, read by jsQR
    assert.equal(await page.locator('[data-testid="insp-label"]').count(), 4);
    const label = page.locator(`[data-testid="insp-label"][data-id="${cps['XJ-02'].id}"]`);
    assert.equal((await label.locator('[data-testid="insp-label-code"]').textContent()).trim(), 'XJ-02');
    assert.ok((await label.textContent()).includes('巡检点 XJ-02'));
    await label.scrollIntoViewIfNeeded();
    const png = decodePng(await label.locator('.ins-label-qr').screenshot());
    const read = jsQR(png.data, png.width, png.height);
    assert.ok(read, `the label's QR code decodes (${png.width}×${png.height} px)`);
    assert.equal(read.data, cps['XJ-02'].qr_text);
    // printed: the labels, not the console around them
    await page.emulateMedia({ media: 'print' });
    assert.equal(await tid(page, 'insp-checkpoints').isVisible(), false, 'the list is not printed');
    assert.equal(await tid(page, 'insp-tabs').isVisible(), false, 'the tabs are not printed');
    assert.equal(await tid(page, 'topbar').isVisible(), false, 'the header is not printed');
    assert.ok(await label.isVisible(), 'the labels are printed');
    await screenshot(page, 'insp-labels-print');
    await page.emulateMedia({ media: 'screen' });
  });

  test('no uncaught script error', () => {
    assert.deepEqual(errors, []);
  });
});
