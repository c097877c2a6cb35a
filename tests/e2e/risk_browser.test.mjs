// Browser test of the risk pages (web/js/pages/riskmap.js, risks.js, riskcard.js; docs/risk.md,
// docs/console.md): the four-colour map, the register with its form, the notification card,
// in headless Chromium against a real `anjian serve` that lib/server.mjs starts on SQLite.
//
// Set up through the API: the demo plant, a safety manager and a worker tied to people of the
// plant, and risk points in several areas so that all four colours appear — PU1 major (and a
// general one), TF1 significant, UT1 general, WH1 low, the other areas none; one point's review
// is made overdue in the database. Then in the browser: each area's path on the map has its
// level's fill (the API's hex; light grey for none), the legend reads 重大/较大/一般/低, a hover
// tells PU1's counts per level and a click lists its points; the map prints as one landscape
// A4 page. The register lists every point with its badges (the overdue review marked), filters
// by level, refuses a residual risk above the inherent one with the server's sentence, and adds
// a point through the form (the live preview, then the new row with its level badge). The card
// shows the level band, the hazards and the measures by kind, and prints as one portrait page.
//
//   cd tests/e2e && node --test risk_browser.test.mjs
//   ANJIAN_BIN             the anjian binary (default <repo>/build/anjian)
//   ANJIAN_CHROMIUM        browser path (default /usr/bin/chromium)
//   ANJIAN_ARTIFACTS       optional folder for screenshots console-risk-*.png
//   ANJIAN_UPDATE_DOC_IMG  =1: also write docs/img/risk-map.png and docs/img/risk-card.png
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, screenshot, CHROMIUM_PATH } from './lib/browser.mjs';
import { startServer, login, api, sql, ROOT, BIN, cleanup } from './lib/server.mjs';

const missing = !existsSync(BIN) ? `no anjian binary at ${BIN} (set ANJIAN_BIN)` : !existsSync(CHROMIUM_PATH) ? `no browser at ${CHROMIUM_PATH}` : '';
if (missing) console.log(`# risk browser test skipped: ${missing}`);
const UPDATE_DOC_IMG = process.env.ANJIAN_UPDATE_DOC_IMG === '1';

async function loadCatalogue() {
  const src = await readFile(join(ROOT, 'web', 'messages.js'), 'utf8');
  return (await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(src)}`)).messages;
}

// Codes of the register API (docs/risk.md) the console translates.
const LEVELS = ['major', 'significant', 'general', 'low'];
const KINDS = ['area', 'equipment', 'operation'];
const MEASURES = ['engineering', 'management', 'training', 'ppe', 'emergency'];
const CONTROL = ['company', 'department', 'workshop', 'crew'];
const LEC = { l: [10, 6, 3, 1, 0.5, 0.2, 0.1], e: [10, 6, 3, 2, 1, 0.5], c: [100, 40, 15, 7, 3, 1] };
const HEX = { major: '#FF0000', significant: '#FF8C00', general: '#FFFF00', low: '#0000FF' };
const NONE_FILL = '#E4E7EB';

/** Pages of a PDF and the size of the first (points). */
function pdfPages(buf) {
  const text = buf.toString('latin1');
  const pages = (text.match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
  const m = /\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(text);
  return { pages, width: m ? +m[3] - +m[1] : 0, height: m ? +m[4] - +m[2] : 0 };
}

describe('risk message catalogue', () => {
  test('every code of the register has its words, in the real terms of 双重预防', async () => {
    const m = await loadCatalogue();
    for (const lv of LEVELS) assert.ok(`risk_level.${lv}` in m && `risk_level_short.${lv}` in m, `risk_level.${lv}`);
    for (const k of KINDS) assert.ok(`risk_kind.${k}` in m, `risk_kind.${k}`);
    for (const k of MEASURES) assert.ok(`risk_measure.${k}` in m, `risk_measure.${k}`);
    for (const c of CONTROL) assert.ok(`risk_control.${c}` in m, `risk_control.${c}`);
    for (const meth of ['lec', 'matrix']) assert.ok(`risk_method.${meth}` in m && `risk_method_long.${meth}` in m, `risk_method.${meth}`);
    for (const [f, vals] of Object.entries(LEC)) for (const v of vals) assert.ok(`risk_lec_${f}.${String(v).replace('.', '_')}` in m, `LEC ${f} ${v}`);
    for (const f of ['likelihood', 'severity']) for (let v = 1; v <= 5; v++) assert.ok(`risk_matrix_${f}.${v}` in m, `matrix ${f} ${v}`);
    const zh = (k) => m[k]['zh-CN'];
    assert.deepEqual(LEVELS.map((lv) => zh(`risk_level.${lv}`)), ['重大风险', '较大风险', '一般风险', '低风险']);
    assert.deepEqual(MEASURES.map((k) => zh(`risk_measure.${k}`)), ['工程技术措施', '管理措施', '培训教育措施', '个体防护措施', '应急处置措施']);
    assert.deepEqual(CONTROL.map((c) => zh(`risk_control.${c}`)), ['公司级', '部门级', '车间级', '班组级']);
    assert.equal(zh('risk.card_title'), '安全风险告知卡');
    assert.equal(zh('risk.map_title'), '安全风险四色分布图');
    assert.equal(zh('risk.inherent'), '固有风险');
    assert.equal(zh('risk.residual'), '残余风险');
    assert.equal(zh('risk.measures'), '管控措施');
    assert.equal(zh('risk.control_level'), '管控层级');
    assert.equal(zh('risk.method'), '评价方法');
    assert.equal(zh('risk.card_hazards'), '危险因素');
    assert.ok(zh('risk.owner').includes('责任人'));
    assert.ok(zh('risk.hazards').includes('危险因素'));
    assert.ok(zh('risk_method_long.lec').includes('LEC') && zh('risk_method.matrix').includes('风险矩阵'));
    assert.equal(zh('risk_lec_l.0_5'), '很不可能，可以设想');
    assert.equal(zh('risk_lec_c.40'), '灾难，数人死亡');
  });
});

describe('risk pages in headless chromium', { skip: missing || false, timeout: 120_000 }, () => {
  let srv;
  let admin;
  let M;
  let site;
  let areas;
  let owner;
  let mapApi;
  const points = {};
  const browsers = [];
  const errors = [];
  const call = (method, path, body, token = admin.token) => api(srv.url, token, method, `/api/v1${path}`, body);
  const ok = async (method, path, body) => {
    const r = await call(method, path, body);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} answered ${r.status}: ${r.text}`);
    return r.body;
  };
  const pw = (name) => `Pw-${name}-2026!rk`;
  const tid = (page, id) => page.locator(`[data-testid="${id}"]`);
  const zh = (k) => M[k]['zh-CN'];

  async function signedIn(name, path, viewport = { width: 1200, height: 800 }) {
    const b = await launchBrowser({ viewport });
    browsers.push(b);
    b.page.on('pageerror', (e) => errors.push(`${name}: ${e}`));
    const page = b.page;
    await page.goto(`${srv.url}/#${path}`, { waitUntil: 'domcontentloaded' });
    await tid(page, 'login-username').fill(name);
    await tid(page, 'login-password').fill(pw(name));
    await tid(page, 'login-submit').click();
    await tid(page, 'topbar').waitFor({ state: 'visible', timeout: 30_000 });
    return page;
  }

  const point = (code, name, method, inherent, residual, extra = {}) => ok('POST', '/risk-points', {
    site_id: site.id, area_id: areas[code].id, kind: 'equipment', name, method, inherent, residual,
    hazards: ['物料泄漏遇点火源引发火灾爆炸'], control_level: 'workshop', owner_id: owner.id,
    measures: [{ kind: 'engineering', text: '可燃气体检测报警与紧急切断联锁', control_level: 'workshop', owner_id: owner.id }], ...extra,
  });

  before(async () => {
    M = await loadCatalogue();
    srv = await startServer('sqlite');
    admin = await login(srv.url, 'admin', srv.adminPassword);
    assert.equal(admin.status, 200);
    const imp = await call('POST', '/plant/import', readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
    assert.equal(imp.status, 200, imp.text);
    site = (await ok('GET', '/sites')).items[0];
    areas = Object.fromEntries((await ok('GET', '/areas?limit=500')).items.map((a) => [a.code, a]));
    const people = (await ok('GET', '/people?limit=500')).items;
    owner = people.find((p) => p.code === 'E2002');
    for (const [name, roles, code] of [['safety', ['safety_manager'], 'E2002'], ['worker', ['worker'], 'E2203']]) {
      const p = people.find((x) => x.code === code);
      assert.ok(p, `person ${code}`);
      await ok('POST', '/users', { username: name, display_name: name, password: pw(name), roles, person_id: p.id });
    }
    const reactor = (await ok('GET', `/assets?area_id=${areas.PU1.id}&limit=100`)).items.find((a) => a.code === 'R-201');
    // PU1: major (R 20) with a measure of every kind, and a general one
    points.pu1 = await point('PU1', 'R-201 加氢反应釜', 'matrix', { likelihood: 5, severity: 5 }, { likelihood: 4, severity: 5 }, {
      asset_id: reactor ? reactor.id : undefined, description: '反应失控超温超压，物料泄漏引发火灾、爆炸，可能造成多人伤亡',
      hazards: ['冷却水中断导致反应失控', '法兰密封失效导致氢气泄漏', '静电积聚引燃可燃气体'],
      measures: [
        { kind: 'engineering', text: '反应温度、压力高高联锁切断进料', control_level: 'company', owner_id: owner.id },
        { kind: 'management', text: '严格执行工艺操作规程和工艺卡片', control_level: 'workshop', owner_id: owner.id },
        { kind: 'training', text: '岗位人员每季度开展反应失控应急培训', control_level: 'department' },
        { kind: 'ppe', text: '佩戴防静电工作服和便携式气体检测仪', control_level: 'crew' },
        { kind: 'emergency', text: '紧急泄压并启动装置区应急预案', control_level: 'workshop', owner_id: owner.id },
      ],
    });
    points.pu1b = await point('PU1', 'P-201 进料泵', 'matrix', { likelihood: 2, severity: 3 }, { likelihood: 2, severity: 3 });
    points.tf1 = await point('TF1', 'T-101 甲醇储罐', 'lec', { l: 3, e: 6, c: 40 }, { l: 1, e: 6, c: 40 }); // 720 → 240
    points.ut1 = await point('UT1', '空压站', 'matrix', { likelihood: 4, severity: 4 }, { likelihood: 2, severity: 4 }); // 16 → 8
    points.wh1 = await point('WH1', '危化品库房', 'lec', { l: 3, e: 3, c: 7 }, { l: 3, e: 3, c: 7 }); // 63 low
    assert.deepEqual([points.pu1, points.pu1b, points.tf1, points.ut1, points.wh1].map((p) => p.residual_level), ['major', 'general', 'significant', 'general', 'low']);
    // the store's review date of the low point lies in the past: the register marks it
    sql(srv.db, `UPDATE risk_points SET next_review_on = '2025-01-15' WHERE id = ${points.wh1.id}`);
    mapApi = await ok('GET', `/risk-map?site_id=${site.id}`);
  });

  after(async () => {
    for (const b of browsers) await b.close();
    if (srv) { await srv.stop(); cleanup(srv.db); }
  });

  test('the four-colour map: fills from the API, legend, counts on hover, points on click, one landscape page', { timeout: 60_000 }, async () => {
    const page = await signedIn('safety', '/risk-map');
    await tid(page, 'risk-map-svg').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal((await tid(page, 'nav-risk-map').textContent()).trim(), zh('nav.risk_map'));
    assert.equal(await tid(page, 'nav-risk-map').getAttribute('aria-current'), 'page');
    const fills = Object.fromEntries(await page.$$eval('path[data-testid="risk-map-area"]', (ps) => ps.map((p) => [p.getAttribute('data-code'), p.getAttribute('fill')])));
    const want = { PU1: 'major', TF1: 'significant', UT1: 'general', WH1: 'low' };
    for (const a of mapApi.areas) {
      if (a.code === 'RD1') continue; // the road: drawn light and dashed
      const level = want[a.code] || null;
      assert.equal(a.level, level, `API level of ${a.code}`);
      assert.equal(fills[a.code], level ? HEX[level] : NONE_FILL, `fill of ${a.code}`);
      if (level) assert.equal(fills[a.code], a.hex, `${a.code}: the API's hex`);
    }
    assert.equal(Object.keys(fills).length, mapApi.areas.length, 'every area is drawn');
    // areas without risk points are hatched
    assert.equal(await page.locator('g[data-code="CR1"] .rm-hatch').count(), 1);
    assert.equal(await page.locator('g[data-code="PU1"] .rm-hatch').count(), 0);
    // the legend, from the API's legend
    const legend = await page.$$eval('[data-testid="risk-map-legend-item"]', (els) => els.map((e) => [e.getAttribute('data-level'), e.getAttribute('data-hex'), e.textContent]));
    assert.deepEqual(legend.map((l) => l[0]), LEVELS);
    assert.deepEqual(legend.map((l) => l[1]), LEVELS.map((lv) => HEX[lv]));
    ['重大', '较大', '一般', '低'].forEach((w, i) => assert.ok(legend[i][2].includes(w), `legend ${i}: ${legend[i][2]}`));
    assert.ok((await tid(page, 'risk-map-title').textContent()).includes(`${site.name}安全风险四色分布图`));
    // hover: PU1's counts per level
    await page.locator('path[data-testid="risk-map-area"][data-code="PU1"]').hover();
    await tid(page, 'risk-map-tip').waitFor({ state: 'visible' });
    assert.equal((await tid(page, 'risk-map-tip-counts').textContent()).trim(), '重大 1 · 较大 0 · 一般 1 · 低 0');
    // click: the counts and its risk points
    await page.locator('path[data-testid="risk-map-area"][data-code="PU1"]').click();
    await page.waitForSelector('[data-testid="risk-map-area-detail"][data-code="PU1"]');
    await page.waitForSelector('[data-testid="risk-map-point"]');
    assert.match(page.url(), new RegExp(`area_id=${areas.PU1.id}`));
    const listed = await page.$$eval('[data-testid="risk-map-point"]', (els) => els.map((e) => [Number(e.getAttribute('data-id')), e.getAttribute('data-level'), e.textContent]));
    assert.deepEqual(listed.map((x) => x[0]).sort(), [points.pu1.id, points.pu1b.id].sort());
    assert.ok(listed.find((x) => x[0] === points.pu1.id)[2].includes('R-201 加氢反应釜'));
    assert.equal(listed.find((x) => x[0] === points.pu1.id)[1], 'major');
    assert.equal((await tid(page, 'risk-map-count-major').textContent()).trim(), '1');
    assert.equal((await tid(page, 'risk-map-count-general').textContent()).trim(), '1');
    assert.equal(await page.locator('g.rm-area.is-selected').getAttribute('data-code'), 'PU1');
    await page.mouse.move(5, 5);
    await screenshot(page, 'risk-map');
    if (UPDATE_DOC_IMG) {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'risk-map.png') });
    }
    // printed: the sheet alone on one landscape A4 page
    const pdf = pdfPages(await page.pdf({ preferCSSPageSize: true, printBackground: true }));
    assert.equal(pdf.pages, 1, 'the map prints on one page');
    assert.ok(pdf.width > pdf.height && Math.abs(pdf.width - 842) < 2 && Math.abs(pdf.height - 595) < 2, `landscape A4: ${pdf.width}×${pdf.height}`);
    // the point opens its card
    await page.locator(`[data-testid="risk-map-point"][data-id="${points.pu1.id}"] a`).click();
    await page.waitForURL(new RegExp(`#/risks/${points.pu1.id}/card$`));
    await tid(page, 'risk-card').waitFor({ state: 'visible' });
    // in English
    await page.goto(`${srv.url}/#/risk-map`);
    await tid(page, 'risk-map-svg').waitFor({ state: 'visible' });
    await tid(page, 'lang-en').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="risk-map-legend-item"]')?.textContent.includes('Major risk'), null, { timeout: 10_000 });
    await tid(page, 'lang-zh').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="risk-map-legend-item"]')?.textContent.includes('重大风险'), null, { timeout: 10_000 });
  });

  test('the register: badges, overdue review, filter; the form previews, shows a refusal and adds a point', { timeout: 60_000 }, async () => {
    const page = await signedIn('safety', '/risks');
    await page.waitForSelector('[data-testid="risk-row"]', { timeout: 20_000 });
    const rows = await page.$$eval('[data-testid="risk-row"]', (els) => els.map((e) => ({
      id: Number(e.getAttribute('data-id')), level: e.getAttribute('data-level'), area: e.getAttribute('data-area'), overdue: e.getAttribute('data-overdue'),
      inherent: e.querySelector('[data-testid="risk-badge-inherent"]').getAttribute('data-level'),
      residual: e.querySelector('[data-testid="risk-badge-residual"]').getAttribute('data-level'),
      hex: e.querySelector('[data-testid="risk-badge-residual"]').getAttribute('data-hex'),
      text: e.textContent,
    })));
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.map((r) => r.level), ['major', 'significant', 'general', 'general', 'low'], 'highest residual risk first');
    const tf1 = rows.find((r) => r.id === points.tf1.id);
    assert.deepEqual([tf1.inherent, tf1.residual, tf1.hex, tf1.area], ['major', 'significant', HEX.significant, 'TF1']);
    assert.ok(tf1.text.includes('D=720') && tf1.text.includes('D=240'), tf1.text);
    assert.ok(rows.find((r) => r.id === points.pu1.id).text.includes('R=20'));
    assert.deepEqual(rows.filter((r) => r.overdue === '1').map((r) => r.id), [points.wh1.id]);
    assert.equal(await page.locator(`[data-testid="risk-row"][data-id="${points.wh1.id}"] [data-testid="risk-overdue"]`).count(), 1);
    // the residual badge carries the server's colour
    const bg = await page.locator(`[data-testid="risk-row"][data-id="${points.pu1.id}"] [data-testid="risk-badge-residual"]`).evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(255, 0, 0)');
    // filter by level
    await tid(page, 'risk-filter-level').selectOption('general');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="risk-row"]')].every((r) => r.getAttribute('data-level') === 'general') && document.querySelectorAll('[data-testid="risk-row"]').length === 2);
    assert.match(page.url(), /level=general/);
    await tid(page, 'risk-filter-level').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="risk-row"]').length === 5);

    // the form: a loading-arm operation at LB1
    await tid(page, 'risk-new').click();
    await tid(page, 'risk-form').waitFor({ state: 'visible' });
    await tid(page, 'rf-kind').selectOption('operation');
    await tid(page, 'rf-area').selectOption(String(areas.LB1.id));
    await tid(page, 'rf-name').fill('LB1 甲醇装车作业');
    await tid(page, 'rf-description').fill('装车过程中鹤管脱落或溢流，甲醇泄漏遇静电火花引发火灾');
    await tid(page, 'rf-hazards').fill('鹤管与槽车连接不牢导致脱落泄漏\n装车流速过快产生静电\n\n液位失控导致溢流');
    await tid(page, 'rf-method-lec').click();
    // the inherent risk: a live preview with the bands of the server (D = 1 × 6 × 15 = 90: general)
    await tid(page, 'rf-inherent-l').selectOption('1');
    await tid(page, 'rf-inherent-e').selectOption('6');
    await tid(page, 'rf-inherent-c').selectOption('15');
    const preview = tid(page, 'rf-inherent-preview');
    assert.equal(await preview.getAttribute('data-score'), '90');
    assert.equal(await preview.getAttribute('data-level'), 'general');
    // a residual risk above the inherent one: warned here, refused by the server in its own words
    await tid(page, 'rf-residual-l').selectOption('6');
    await tid(page, 'rf-residual-e').selectOption('6');
    await tid(page, 'rf-residual-c').selectOption('15');
    assert.equal(await tid(page, 'rf-residual-preview').getAttribute('data-score'), '540');
    assert.equal(await tid(page, 'rf-residual-preview').getAttribute('data-level'), 'major');
    await tid(page, 'rf-residual-warning').waitFor({ state: 'visible' });
    await tid(page, 'rf-measure-text').first().fill('装车鹤管设置防溢流液位开关并与切断阀联锁');
    await tid(page, 'rf-submit').click();
    await tid(page, 'rf-error').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await tid(page, 'rf-error').getAttribute('data-status'), '400');
    assert.match(await tid(page, 'rf-error-server').textContent(), /residual: higher than the inherent risk/);
    await screenshot(page, 'risk-form-refused');
    // now right: inherent D = 6 × 6 × 15 = 540 (major), residual D = 1 × 6 × 15 = 90 (general)
    await tid(page, 'rf-inherent-l').selectOption('6');
    await tid(page, 'rf-residual-l').selectOption('1');
    assert.equal(await preview.getAttribute('data-level'), 'major');
    assert.equal(await tid(page, 'rf-residual-preview').getAttribute('data-level'), 'general');
    assert.ok((await tid(page, 'rf-residual-level').textContent()).includes('一般风险'));
    await tid(page, 'rf-residual-warning').waitFor({ state: 'hidden' });
    await tid(page, 'rf-measure-owner').first().selectOption(String(owner.id));
    await tid(page, 'rf-measure-add').click();
    await tid(page, 'rf-measure-kind').nth(1).selectOption('ppe');
    await tid(page, 'rf-measure-text').nth(1).fill('装车人员穿防静电服，作业前触摸静电释放球');
    await tid(page, 'rf-measure-level').nth(1).selectOption('crew');
    await tid(page, 'rf-control-level').selectOption('department');
    await tid(page, 'rf-owner').selectOption(String(owner.id));
    await tid(page, 'rf-review-days').fill('180');
    await tid(page, 'rf-submit').click();
    await tid(page, 'risk-form').waitFor({ state: 'detached', timeout: 10_000 });
    const fresh = page.locator('[data-testid="risk-row"].is-new');
    await fresh.waitFor({ state: 'visible', timeout: 10_000 });
    const id = Number(await fresh.getAttribute('data-id'));
    assert.equal(await fresh.getAttribute('data-level'), 'general');
    assert.equal(await fresh.getAttribute('data-area'), 'LB1');
    const badge = fresh.locator('[data-testid="risk-badge-residual"]');
    assert.equal(await badge.getAttribute('data-level'), 'general');
    assert.equal(await badge.getAttribute('data-hex'), HEX.general);
    assert.equal((await badge.textContent()).trim(), '一般 D=90');
    assert.equal((await fresh.locator('[data-testid="risk-badge-inherent"]').textContent()).trim(), '重大 D=540');
    assert.equal(await page.locator('[data-testid="risk-row"]').count(), 6);
    await screenshot(page, 'risk-register');
    const saved = await ok('GET', `/risk-points/${id}`);
    assert.equal(saved.kind, 'operation');
    assert.equal(saved.method, 'lec');
    assert.deepEqual(saved.hazards, ['鹤管与槽车连接不牢导致脱落泄漏', '装车流速过快产生静电', '液位失控导致溢流']);
    assert.deepEqual(saved.measures.map((x) => [x.kind, x.control_level, x.owner_id]), [['engineering', 'workshop', owner.id], ['ppe', 'crew', null]]);
    assert.equal(saved.control_level, 'department');
    assert.equal(saved.owner_id, owner.id);
    assert.equal(saved.review_cycle_days, 180);
    // the map follows: LB1 is yellow now
    await page.goto(`${srv.url}/#/risk-map`);
    await tid(page, 'risk-map-svg').waitFor({ state: 'visible' });
    assert.equal(await page.locator('path[data-testid="risk-map-area"][data-code="LB1"]').getAttribute('fill'), HEX.general);
  });

  test('the notification card: level band, hazards, measures by kind; one portrait page', { timeout: 60_000 }, async () => {
    const page = await signedIn('safety', `/risks/${points.pu1.id}/card`, { width: 1000, height: 1200 });
    await tid(page, 'risk-card').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal((await tid(page, 'risk-card-title').textContent()).trim(), '安全风险告知卡');
    assert.equal((await tid(page, 'risk-card-name').textContent()).trim(), 'R-201 加氢反应釜');
    assert.ok((await tid(page, 'risk-card-place').textContent()).includes('PU1'));
    const band = tid(page, 'risk-card-band');
    assert.equal(await band.getAttribute('data-level'), 'major');
    assert.ok((await band.textContent()).includes('重大风险'));
    assert.equal(await band.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(255, 0, 0)');
    assert.deepEqual(await page.$$eval('[data-testid="risk-card-hazard"]', (els) => els.map((e) => e.textContent)),
      ['冷却水中断导致反应失控', '法兰密封失效导致氢气泄漏', '静电积聚引燃可燃气体']);
    assert.ok((await tid(page, 'risk-card-description').textContent()).includes('反应失控'));
    const measures = await page.$$eval('[data-testid="risk-card-measure"]', (els) => els.map((e) => [e.getAttribute('data-kind'), e.textContent]));
    assert.deepEqual(measures.map((x) => x[0]), MEASURES, 'grouped by kind in the order of the card');
    assert.ok(measures[0][1].includes('工程技术措施') && measures[0][1].includes('公司级') && measures[0][1].includes(owner.name));
    assert.ok(measures[3][1].includes('个体防护措施') && measures[3][1].includes('班组级'));
    assert.equal((await tid(page, 'risk-card-owner').textContent()).trim(), owner.name);
    assert.equal((await tid(page, 'risk-card-control').textContent()).trim(), '车间级');
    assert.ok((await tid(page, 'risk-card').textContent()).includes('应急电话'));
    assert.ok((await tid(page, 'risk-card-residual').textContent()).includes('L=4 S=5'));
    await screenshot(page, 'risk-card');
    if (UPDATE_DOC_IMG) await tid(page, 'risk-card').screenshot({ path: join(ROOT, 'docs', 'img', 'risk-card.png') });
    const pdf = pdfPages(await page.pdf({ preferCSSPageSize: true, printBackground: true }));
    assert.equal(pdf.pages, 1, 'the card prints on one page');
    assert.ok(pdf.height > pdf.width && Math.abs(pdf.width - 595) < 2, `portrait A4: ${pdf.width}×${pdf.height}`);
  });

  test('a worker sees the map and the register but may not add risk points', { timeout: 30_000 }, async () => {
    const page = await signedIn('worker', '/risks');
    await page.waitForSelector('[data-testid="risk-row"]', { timeout: 20_000 });
    assert.equal(await tid(page, 'risk-new').count(), 0);
    await page.goto(`${srv.url}/#/risks?new=1`);
    await page.waitForSelector('[data-testid="risk-row"]');
    assert.equal(await tid(page, 'risk-form').count(), 0);
    assert.deepEqual(errors, [], 'no page errors');
  });
});
