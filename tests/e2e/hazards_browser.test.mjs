// Browser test of the hidden-danger pages (web/js/pages/hazards.js, hazard.js,
// hazardreport.js; docs/hazards.md): the closed loop 排查 → 登记 → 整改 → 验收 → 销号 clicked
// through in headless Chromium against a real `anjian serve` that lib/server.mjs starts on
// SQLite.
//
// Set up through the API: the demo plant and four accounts tied to people of the plant — a
// reporter (worker), a fixer (unit leader), a safety manager and a second unit leader. Then in
// the browser: the reporter, on a phone (390×844), reports a leak in the pump house with a
// real PNG photo and sees the new number; the safety manager (desktop) finds it on the
// ledger, tries to register it as major without the plan (refused in words), then registers it
// as general with the fixer as assignee and a deadline a week away; the fixer records the
// rectification with a text and a photo and tries to accept his own work (refused in words:
// self-acceptance); the safety manager accepts and closes it: the badge says 已销号 and every
// photo renders.
//
//   cd tests/e2e && node --test hazards_browser.test.mjs
//   ANJIAN_BIN             the anjian binary (default <repo>/build/anjian)
//   ANJIAN_CHROMIUM        browser path (default /usr/bin/chromium)
//   ANJIAN_ARTIFACTS       optional folder for screenshots console-hazard-*.png
//   ANJIAN_UPDATE_DOC_IMG  =1: also write docs/img/hazard-report-phone.png (the filled report at phone width)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { launchBrowser, screenshot, CHROMIUM_PATH } from './lib/browser.mjs';
import { startServer, login, api, ROOT, BIN, cleanup } from './lib/server.mjs';

const missing = !existsSync(BIN) ? `no anjian binary at ${BIN} (set ANJIAN_BIN)` : !existsSync(CHROMIUM_PATH) ? `no browser at ${CHROMIUM_PATH}` : '';
if (missing) console.log(`# hazard browser test skipped: ${missing}`);

async function loadCatalogue() {
  const src = await readFile(join(ROOT, 'web', 'messages.js'), 'utf8');
  return (await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(src)}`)).messages;
}

// ---- a real PNG: w×h, RGB, drawn by fn(x, y) → [r, g, b] ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(w, h, fn) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8 bits, RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < w; x++) raw.set(fn(x, y), y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
// the leak: a grey floor with a dark puddle; the rectification: a clean floor with a drip tray
const LEAK_PNG = png(240, 180, (x, y) => (((x - 120) ** 2) / 3 + (y - 110) ** 2 < 1500 ? [40, 34, 20] : (x + y) % 40 < 2 ? [150, 150, 150] : [196, 198, 200]));
const FIXED_PNG = png(240, 180, (x, y) => (x > 70 && x < 170 && y > 90 && y < 130 ? [220, 160, 30] : (x + y) % 40 < 2 ? [160, 160, 160] : [214, 216, 218]));

// Codes of the hazard API contract (docs/hazards.md) the console translates: checked without a server.
const STATES = ['reported', 'registered', 'rectified', 'accepted', 'closed'];
const REFUSALS = ['plan_required', 'not_assignee', 'evidence_required', 'self_acceptance', 'reason_required', 'wrong_state'];
const CATEGORIES = ['leak', 'fire', 'electrical', 'housekeeping', 'guard', 'ppe', 'equipment', 'other'];
const PLAN = ['target', 'method', 'funds_materials', 'people_in_charge', 'deadline', 'safety_measures', 'emergency_plan'];
const EVENTS = ['report', 'photo', 'register', 'rectify', 'reject', 'accept', 'close', 'overdue', 'escalated'];

describe('hazard message catalogue', () => {
  test('every state, refusal, category, plan part and event of the contract has its words', async () => {
    const m = await loadCatalogue();
    for (const st of STATES) assert.ok(`hazard_state.${st}` in m && `hazard_step.${st}` in m, `hazard_state.${st}`);
    for (const r of REFUSALS) assert.ok(`hazard.refusal.${r}` in m, `hazard.refusal.${r}`);
    for (const c of CATEGORIES) assert.ok(`hazard_cat.${c}` in m, `hazard_cat.${c}`);
    for (const p of PLAN) assert.ok(`hazard.plan_${p}` in m && `hazard.plan_ph_${p}` in m, `hazard.plan_${p}`);
    for (const e of EVENTS) assert.ok(`hazard_event.${e}` in m, `hazard_event.${e}`);
    for (const a of ['register', 'rectify', 'accept', 'reject', 'close', 'photo']) assert.ok(`hazard.act_${a}` in m, `hazard.act_${a}`);
    for (const s of ['report', 'rectification', 'acceptance']) assert.ok(`hazard_stage.${s}` in m, `hazard_stage.${s}`);
    for (const g of ['general', 'major']) assert.ok(`hazard_grade.${g}` in m && `hazard_grade_short.${g}` in m, `hazard_grade.${g}`);
    // the real terms of 隐患排查治理
    const zh = (k) => m[k]['zh-CN'];
    assert.equal(zh('hazard_grade.general'), '一般隐患');
    assert.equal(zh('hazard_grade.major'), '重大隐患');
    assert.equal(zh('hazard_state.closed'), '已销号');
    assert.equal(zh('hazard.deadline'), '整改期限');
    assert.ok(zh('hazard.assignee').includes('责任人'));
    assert.ok(zh('hazard.plan').includes('治理方案'));
    const parts = { target: '目标和任务', method: '方法和措施', funds_materials: '经费和物资', people_in_charge: '机构和人员', deadline: '时限和要求', safety_measures: '安全措施', emergency_plan: '应急预案' };
    for (const [p, words] of Object.entries(parts)) assert.ok(zh(`hazard.plan_${p}`).includes(words), `hazard.plan_${p}: ${words}`);
    assert.ok(zh('hazard.refusal.self_acceptance').includes('验收'));
  });
});

describe('hidden dangers in headless chromium', { skip: missing || false, timeout: 120_000 }, () => {
  let srv;
  let admin;
  let M;
  let site;
  let area;
  let hazardId = 0;
  let number = '';
  let repeatId = 0;
  let lead2Page = null;
  const users = {};
  const browsers = [];
  const errors = [];
  const call = (method, path, body, token = admin.token) => api(srv.url, token, method, `/api/v1${path}`, body);
  const ok = async (method, path, body, token) => {
    const r = await call(method, path, body, token);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} answered ${r.status}: ${r.text}`);
    return r.body;
  };
  const pw = (name) => `Pw-${name}-2026!hz`;

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
  const headState = (page, state) => page.waitForSelector(`[data-testid="hazard-head"][data-state="${state}"]`, { timeout: 15_000 });
  /** Waits for every photo of the page to load; returns their natural widths. */
  async function photoWidths(page) {
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="hazard-photo"]')].every((i) => i.complete), null, { timeout: 15_000 });
    return page.$$eval('[data-testid="hazard-photo"]', (imgs) => imgs.map((i) => i.naturalWidth));
  }
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  before(async () => {
    M = await loadCatalogue();
    srv = await startServer('sqlite');
    admin = await login(srv.url, 'admin', srv.adminPassword);
    assert.equal(admin.status, 200);
    const imp = await call('POST', '/plant/import', readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
    assert.equal(imp.status, 200, imp.text);
    site = (await ok('GET', '/sites')).items[0];
    area = (await ok('GET', '/areas?limit=500')).items.find((a) => a.code === 'PH1');
    assert.ok(area, 'the pump house PH1');
    const people = (await ok('GET', '/people?limit=500')).items;
    for (const [name, roles, code] of [['reporter', ['worker'], 'E2203'], ['fixer', ['unit_leader'], 'E2101'],
      ['safety', ['safety_manager'], 'E2002'], ['lead2', ['unit_leader'], 'E2102']]) {
      const p = people.find((x) => x.code === code);
      assert.ok(p, `person ${code}`);
      const u = await ok('POST', '/users', { username: name, display_name: name, password: pw(name), roles, person_id: p.id });
      users[name] = { id: u.id, person: p.id };
    }
  });

  after(async () => {
    for (const b of browsers) await b.close();
    if (srv) { await srv.stop(); cleanup(srv.db); }
  });

  test('the reporter reports a leak from a phone, with a photo, and sees the number', { timeout: 60_000 }, async () => {
    const page = await signedIn('reporter', '/hazards/report', { width: 390, height: 844 });
    await tid(page, 'hr-form').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await tid(page, 'hr-site').inputValue(), String(site.id), 'the first site is preselected');
    await tid(page, 'hr-area').selectOption(String(area.id));
    // the equipment of the area is offered once the area is chosen
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="hr-asset"] option').length > 1, null, { timeout: 10_000 });
    const pump = await page.$$eval('[data-testid="hr-asset"] option', (os) => (os.find((o) => o.textContent.startsWith('P-102')) || {}).value || '');
    if (pump) await tid(page, 'hr-asset').selectOption(pump);
    await tid(page, 'hr-category').selectOption('leak');
    await tid(page, 'hr-description').fill('P-102 机封滴漏，地面有油迹');
    await tid(page, 'hr-photos').setInputFiles({ name: 'leak.png', mimeType: 'image/png', buffer: LEAK_PNG });
    await page.waitForFunction(() => document.querySelector('[data-testid="hr-photos-item"] img')?.src.startsWith('data:image/png'), null, { timeout: 10_000 });
    assert.equal(await tid(page, 'hr-photos-count').textContent(), M['hazard.photos_chosen']['zh-CN'].replace('{n}', '1'));
    // a phone page: no sideways scroll, large touch targets
    assert.ok(await overflow(page) <= 1, `report page wider than the phone by ${await overflow(page)}px`);
    for (const id of ['hr-submit', 'hr-category', 'hr-area', 'hr-place-point']) {
      const box = await tid(page, id).boundingBox();
      assert.ok(box.height >= 44, `${id}: a large touch target (${box.height}px)`);
    }
    await screenshot(page, 'hazard-report-phone');
    if (process.env.ANJIAN_UPDATE_DOC_IMG === '1') {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'hazard-report-phone.png'), fullPage: true });
    }
    // "use a point" swaps the area for x, y
    await tid(page, 'hr-place-point').click();
    await tid(page, 'hr-x').waitFor({ state: 'visible' });
    await tid(page, 'hr-place-area').click();
    await tid(page, 'hr-area').waitFor({ state: 'visible' });
    await tid(page, 'hr-submit').click();
    await tid(page, 'hr-done').waitFor({ state: 'visible', timeout: 15_000 });
    number = (await tid(page, 'hr-number').textContent()).trim();
    assert.match(number, /^YH-\d{8}-\d{4}$/);
    hazardId = Number(await tid(page, 'hr-done').getAttribute('data-id'));
    assert.ok((await tid(page, 'hr-photo-result').textContent()).includes(M['hazard.photos_sent']['zh-CN'].replace('{n}', '1')));
    await screenshot(page, 'hazard-reported-phone');
    const hz = await ok('GET', `/hazards/${hazardId}`);
    assert.equal(hz.number, number);
    assert.equal(hz.state, 'reported');
    assert.equal(hz.area_id, area.id);
    assert.equal(hz.category, 'leak');
    assert.deepEqual(hz.photos.map((p) => [p.stage, p.content_type, p.bytes]), [['report', 'image/png', LEAK_PNG.length]]);
    // the ledger fits the phone too
    await tid(page, 'hr-open').click();
    await headState(page, 'reported');
    assert.deepEqual(await photoWidths(page), [240]);
    await page.goto(`${srv.url}/#/hazards`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(`[data-testid="hazard-row"][data-id="${hazardId}"]`, { timeout: 15_000 });
    assert.ok(await overflow(page) <= 1, `ledger wider than the phone by ${await overflow(page)}px`);
    await screenshot(page, 'hazard-ledger-phone');
  });

  test('the safety manager registers it: major needs the plan, general with assignee and deadline', { timeout: 60_000 }, async () => {
    const page = await signedIn('safety', '/hazards');
    const row = page.locator(`[data-testid="hazard-row"][data-id="${hazardId}"]`);
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await row.getAttribute('data-state'), 'reported');
    assert.equal((await row.locator('[data-testid="hazard-row-state"]').textContent()).trim(), M['hazard_state.reported']['zh-CN']);
    await tid(page, 'hazard-kpi-rectification').waitFor({ state: 'visible' });
    assert.equal((await tid(page, 'nav-hazards').textContent()).trim(), M['nav.hazards']['zh-CN']);
    // the repeats filter hides it (a first report), the state filter keeps it
    await tid(page, 'hazard-filter-repeat').check();
    await tid(page, 'hazard-empty').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(page.url(), /repeat=1/);
    await tid(page, 'hazard-filter-repeat').uncheck();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, 'hazard-ledger');
    await row.click();
    await page.waitForURL(new RegExp(`#/hazards/${hazardId}$`));
    await headState(page, 'reported');
    assert.equal((await tid(page, 'hazard-number').textContent()).trim(), number);
    assert.deepEqual(await photoWidths(page), [240]);
    await tid(page, 'hazard-act-register').click();
    await tid(page, 'hz-register-form').waitFor({ state: 'visible' });
    // major without the plan: refused, in words
    await tid(page, 'hz-reg-grade-major').click();
    await tid(page, 'hz-plan').waitFor({ state: 'visible' });
    await tid(page, 'hz-reg-assignee').fill(String(users.fixer.id));
    await tid(page, 'hz-reg-submit').click();
    const refusal = tid(page, 'hazard-refusal');
    await refusal.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await refusal.getAttribute('data-refusal'), 'plan_required');
    assert.ok((await refusal.textContent()).includes(M['hazard.refusal.plan_required']['zh-CN']));
    await screenshot(page, 'hazard-plan-required');
    // general: the assignee and the deadline a week away
    await tid(page, 'hz-reg-grade-general').click();
    await tid(page, 'hz-plan').waitFor({ state: 'hidden' });
    const week = new Date(Date.now() + 7 * 86400e3);
    const p2 = (n) => String(n).padStart(2, '0');
    await tid(page, 'hz-reg-deadline').fill(`${week.getFullYear()}-${p2(week.getMonth() + 1)}-${p2(week.getDate())}T17:30`);
    await tid(page, 'hz-reg-submit').click();
    await headState(page, 'registered');
    await tid(page, 'hazard-refusal').waitFor({ state: 'detached' });
    assert.equal(await tid(page, 'hazard-head').getAttribute('data-grade'), 'general');
    assert.equal((await tid(page, 'hazard-assignee').locator('.permit-fact-value').textContent()).trim(), 'fixer');
    const hz = await ok('GET', `/hazards/${hazardId}`);
    assert.equal(hz.assignee_id, users.fixer.id);
    assert.equal(hz.grade, 'general');
    const days = (Date.parse(hz.deadline) - Date.now()) / 86400e3;
    assert.ok(days > 6 && days < 8, `deadline in a week (${days.toFixed(2)} d)`);
    // the refused attempt is not on the record; the registration is
    assert.deepEqual(hz.events.map((e) => e.kind), ['report', 'photo', 'register']);
  });

  test('the fixer rectifies on his phone with a photo and may not accept his own work', { timeout: 60_000 }, async () => {
    const page = await signedIn('fixer', `/hazards/${hazardId}`, { width: 390, height: 844 });
    await headState(page, 'registered');
    await tid(page, 'hazard-act-rectify').click();
    await tid(page, 'hz-rectify-form').waitFor({ state: 'visible' });
    assert.ok(await overflow(page) <= 1, `hazard page wider than the phone by ${await overflow(page)}px`);
    assert.ok((await tid(page, 'hz-rect-submit').boundingBox()).height >= 44, 'a large submit button');
    await tid(page, 'hz-rect-text').fill('更换机封，试车 2 h 无泄漏；地面油迹已清理，设置接油盘');
    await tid(page, 'hz-rect-photos').setInputFiles({ name: 'fixed.png', mimeType: 'image/png', buffer: FIXED_PNG });
    await page.waitForFunction(() => document.querySelector('[data-testid="hz-rect-photos-item"] img')?.src.startsWith('data:image/png'), null, { timeout: 10_000 });
    await tid(page, 'hz-rect-submit').click();
    await headState(page, 'rectified');
    await page.waitForSelector('[data-testid="hazard-photo"][data-stage="rectification"]', { timeout: 15_000 });
    assert.deepEqual(await photoWidths(page), [240, 240]);
    // his own acceptance: the button is there, the server refuses, the page says why
    await tid(page, 'hazard-act-accept').click();
    await tid(page, 'hz-accept-submit').click();
    const refusal = tid(page, 'hazard-refusal');
    await refusal.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await refusal.getAttribute('data-refusal'), 'self_acceptance');
    assert.ok((await refusal.textContent()).includes(M['hazard.refusal.self_acceptance']['zh-CN']), 'the refusal in the catalogue’s words');
    assert.equal(await tid(page, 'hazard-head').getAttribute('data-state'), 'rectified');
    assert.ok(await overflow(page) <= 1, `hazard page wider than the phone by ${await overflow(page)}px`);
    await screenshot(page, 'hazard-self-acceptance-phone');
    const hz = await ok('GET', `/hazards/${hazardId}`);
    assert.equal(hz.state, 'rectified');
    assert.equal(hz.rectified_by, 'fixer');
    assert.deepEqual(hz.photos.map((p) => p.stage), ['report', 'rectification']);
  });

  test('the safety manager accepts and closes it: 已销号, the photos render', { timeout: 60_000 }, async () => {
    const page = await signedIn('safety', `/hazards/${hazardId}`);
    await headState(page, 'rectified');
    await tid(page, 'hazard-act-accept').click();
    await tid(page, 'hz-accept-comment').fill('现场验收合格');
    await tid(page, 'hz-accept-submit').click();
    await headState(page, 'accepted');
    await tid(page, 'hazard-act-close').click();
    await headState(page, 'closed');
    assert.equal((await tid(page, 'hazard-state').textContent()).trim(), '已销号');
    assert.equal(await page.locator('[data-testid="hazard-act-close"], [data-testid="hazard-act-photo"]').count(), 0, 'nothing left to do');
    const widths = await photoWidths(page);
    assert.equal(widths.length, 2);
    assert.ok(widths.every((w) => w > 0), `photos render: ${widths}`);
    const kinds = await page.$$eval('[data-testid="hazard-event"]', (els) => els.map((e) => e.getAttribute('data-kind')));
    assert.deepEqual(kinds, ['report', 'photo', 'register', 'rectify', 'photo', 'accept', 'close']);
    await screenshot(page, 'hazard-closed');
    // in English
    await tid(page, 'lang-en').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="hazard-state"]')?.textContent.trim() === 'Closed', null, { timeout: 10_000 });
    await tid(page, 'lang-zh').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="hazard-state"]')?.textContent.trim() === '已销号', null, { timeout: 10_000 });
    // the ledger: closed, and the rectification rate counts it
    await page.goto(`${srv.url}/#/hazards?state=all`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(`[data-testid="hazard-row"][data-id="${hazardId}"][data-state="closed"]`, { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="hazard-kpi-rectification-value"]')?.textContent.trim() === '100%', null, { timeout: 10_000 });
    const hz = await ok('GET', `/hazards/${hazardId}`);
    assert.equal(hz.state, 'closed');
    assert.equal(hz.accepted_by, 'safety');
    const audit = await ok('GET', `/audit?object_type=hazard&object_id=${hazardId}&limit=100`);
    for (const a of ['hazards.report', 'hazards.photo', 'hazards.register', 'hazards.rectify', 'hazards.accept', 'hazards.close']) {
      assert.ok(audit.items.some((x) => x.action === a), `${a} audited`);
    }
  });

  test('the ledger marks overdue hazards red and links a repeat to the first report', { timeout: 60_000 }, async () => {
    const reporter = await login(srv.url, 'reporter', pw('reporter'));
    const safety = await login(srv.url, 'safety', pw('safety'));
    // the same leak again at the same place: a repeat of the first report
    const again = await ok('POST', '/hazards', { site_id: site.id, area_id: area.id, category: 'leak', description: 'P-102 机封又滴漏' }, reporter.token);
    assert.equal(again.repeat_of_id, hazardId);
    // a guard missing, registered with a deadline that passes at once
    const guard = await ok('POST', '/hazards', { site_id: site.id, category: 'guard', description: '联轴器护罩缺失', x: 30, y: 250 }, reporter.token);
    await ok('POST', `/hazards/${guard.id}/register`, { grade: 'general', assignee_id: users.fixer.id,
      deadline: new Date(Date.now() + 1000).toISOString() }, safety.token);
    await new Promise((r) => setTimeout(r, 1500));
    const page = await signedIn('lead2', '/hazards?overdue=1');
    const late = page.locator(`[data-testid="hazard-row"][data-id="${guard.id}"]`);
    await late.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await late.getAttribute('data-overdue'), '1');
    assert.equal(await page.locator('[data-testid="hazard-row"]').count(), 1, 'only the overdue one');
    assert.equal((await late.locator('[data-testid="hazard-overdue"]').textContent()).trim(), M['hazard.overdue']['zh-CN']);
    const color = await late.locator('[data-testid="hazard-row-deadline"]').evaluate((el) => getComputedStyle(el).color);
    assert.equal(color, 'rgb(180, 35, 24)', 'the deadline of an overdue hazard is red');
    assert.ok((await late.textContent()).includes(M['hazard.point_xy']['zh-CN'].replace('{x}', '30').replace('{y}', '250')), 'a point as the place');
    await tid(page, 'hazard-kpi-overdue-value').waitFor({ state: 'visible' });
    assert.equal((await tid(page, 'hazard-kpi-overdue-value').textContent()).trim(), '1');
    await screenshot(page, 'hazard-ledger-overdue');
    // repeats only: both sides of the chain; the repeat links to the first report
    await tid(page, 'hazard-filter-overdue').uncheck();
    await tid(page, 'hazard-filter-state').selectOption('all');
    await tid(page, 'hazard-filter-repeat').check();
    const rep = page.locator(`[data-testid="hazard-row"][data-id="${again.id}"]`);
    await rep.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForSelector(`[data-testid="hazard-row"][data-id="${hazardId}"] [data-testid="hazard-repeat-count"]`);
    const link = rep.locator('[data-testid="hazard-repeat-link"]');
    assert.ok((await link.textContent()).includes(number), 'the link names the first report');
    await link.click();
    await page.waitForURL(new RegExp(`#/hazards/${hazardId}$`));
    await headState(page, 'closed');
    await tid(page, 'hazard-repeat-count').waitFor({ state: 'visible' });
    repeatId = again.id;
    lead2Page = page;
  });

  test('a major hazard is registered with its seven-part plan; a rejection needs a reason', { timeout: 60_000 }, async () => {
    const page = lead2Page;
    await page.goto(`${srv.url}/#/hazards/${repeatId}`, { waitUntil: 'domcontentloaded' });
    await headState(page, 'reported');
    await tid(page, 'hazard-act-register').click();
    await tid(page, 'hz-reg-grade-major').click();
    const plan = { target: '消除 P-102 机封反复泄漏', method: '停泵更换集装式机械密封，加装冲洗', funds_materials: '集装式机封 1 套，预算 2.4 万元',
      people_in_charge: '设备部 彭亮', deadline: '30 日内完成，试车 2 h 无泄漏', safety_measures: '切断电源挂牌，上下游阀门关闭加盲板', emergency_plan: '泵房泄漏现场处置方案' };
    for (const [part, text] of Object.entries(plan)) await tid(page, `hz-plan-${part}`).fill(text);
    await tid(page, 'hz-reg-assignee').fill(String(users.fixer.id));
    await tid(page, 'hz-reg-submit').click();
    await headState(page, 'registered');
    assert.equal(await tid(page, 'hazard-head').getAttribute('data-grade'), 'major');
    assert.equal(await page.locator('[data-testid="hazard-plan"] [data-part]').count(), 7);
    assert.equal((await page.locator('[data-testid="hazard-plan"] [data-part="method"] dd').textContent()).trim(), plan.method);
    const hz = await ok('GET', `/hazards/${repeatId}`);
    assert.deepEqual(hz.plan, plan);
    const days = (Date.parse(hz.deadline) - Date.now()) / 86400e3;
    assert.ok(days > 28 && days < 32, `a major hazard's proposed deadline: 30 days (${days.toFixed(1)} d)`);
    // rectified (through the API), then rejected: first without a reason
    const fixer = await login(srv.url, 'fixer', pw('fixer'));
    await ok('POST', `/hazards/${repeatId}/rectify`, { rectification: '已更换机封' }, fixer.token);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await headState(page, 'rectified');
    await tid(page, 'hazard-act-reject').click();
    await tid(page, 'hz-reject-submit').click();
    const refusal = tid(page, 'hazard-refusal');
    await refusal.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await refusal.getAttribute('data-refusal'), 'reason_required');
    assert.ok((await refusal.textContent()).includes(M['hazard.refusal.reason_required']['zh-CN']));
    await tid(page, 'hz-reject-reason').fill('冲洗管线未恢复，地面油迹未清理');
    await tid(page, 'hz-reject-submit').click();
    await headState(page, 'registered');
    await page.waitForSelector('[data-testid="hazard-event"][data-kind="reject"]');
    assert.ok((await page.locator('[data-testid="hazard-event"][data-kind="reject"]').textContent()).includes('冲洗管线未恢复'));
    await tid(page, 'hazard-rejected').waitFor({ state: 'visible' });
    assert.equal(await tid(page, 'hazard-accepted').count(), 0, 'a rejection is not an acceptance');
    await screenshot(page, 'hazard-major-rejected');
  });

  test('no uncaught script error', () => {
    assert.deepEqual(errors, []);
  });
});
