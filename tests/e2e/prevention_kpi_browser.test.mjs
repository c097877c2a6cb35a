// Browser test of the hidden-danger KPI page (web/js/pages/preventionkpi.js, #/prevention-kpi;
// docs/hazards.md "KPIs and the regulator export") in headless Chromium against a real
// `anjian serve` on SQLite that lib/server.mjs starts.
//
// Set up through the API: the demo plant, a safety manager and two unit leaders of 生产部 and
// 设备部, six hazards taken through the closed loop and moved by SQL into January and
// February 2025. In the browser, at desktop width then at phone width (390×844): the page for
// 2025-01-01..2025-03-31 shows the four tiles, the two bar charts with one group per month
// (March empty) whose bars carry the numbers of GET /hazard-kpi?group=period, and the table by
// department with the numbers of ?group=department, formatted as the page formats them; a click
// on "weekly" redraws the charts with the weeks of the API; the export links download the CSV
// and the XLSX of the same range with the session cookie; the phone page has no sideways
// scroll and the charts fit the screen.
//
//   cd tests/e2e && node --test prevention_kpi_browser.test.mjs
//   ANJIAN_BIN             the anjian binary (default <repo>/build/anjian)
//   ANJIAN_CHROMIUM        browser path (default /usr/bin/chromium)
//   ANJIAN_ARTIFACTS       optional folder for screenshots console-prevention-kpi-*.png
//   ANJIAN_UPDATE_DOC_IMG  =1: also write docs/img/prevention-kpi.png (the desktop page)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, screenshot, CHROMIUM_PATH } from './lib/browser.mjs';
import { startServer, login, api, sql, ROOT, BIN, cleanup } from './lib/server.mjs';

const missing = !existsSync(BIN) ? `no anjian binary at ${BIN} (set ANJIAN_BIN)` : !existsSync(CHROMIUM_PATH) ? `no browser at ${CHROMIUM_PATH}` : '';
if (missing) console.log(`# prevention KPI browser test skipped: ${missing}`);

const PW = 'Pw-pkpi-browser-2026!';
const L = (s) => Date.parse(`${s}:00+08:00`);
const nf = (v, d) => new Intl.NumberFormat('zh-CN', { maximumFractionDigits: d }).format(v);
const pct = (v) => (v === null || v === undefined ? '—' : `${nf(v * 100, 1)}%`);
const RANGE = 'from=2025-01-01&to=2025-03-31';
const CASES = [
  { fixer: 'fixA', reported: '2025-01-05T10:00', deadline: '2025-01-10T18:00', rectified: '2025-01-08T09:00', accepted: '2025-01-09T09:00', closed: '2025-01-09T10:00' },
  { fixer: 'fixA', reported: '2025-01-20T08:00', deadline: '2025-01-25T18:00', rectified: '2025-01-28T09:00', accepted: '2025-01-29T09:00' },
  { fixer: 'fixB', reported: '2025-02-01T01:00', deadline: '2025-02-05T18:00', area: true },
  { fixer: 'fixB', reported: '2025-02-10T14:00', deadline: '2025-02-20T18:00', rectified: '2025-02-15T09:00', accepted: '2025-02-16T09:00', area: true },
  { fixer: 'fixB', reported: '2025-01-15T09:00', deadline: '2025-01-18T18:00', rectified: '2025-01-17T09:00', accepted: '2025-01-18T10:00' },
  { fixer: null, reported: '2025-02-20T16:00' },
];

describe('hidden-danger KPI page in headless chromium', { skip: missing || false, timeout: 180_000 }, () => {
  let srv;
  let admin;
  const users = {};
  const browsers = [];
  const errors = [];
  const call = (method, path, body, token = admin.token) => api(srv.url, token, method, `/api/v1${path}`, body);
  const ok = async (method, path, body, token) => {
    const r = await call(method, path, body, token);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} answered ${r.status}: ${r.text}`);
    return r.body;
  };

  async function signedIn(name, path, viewport) {
    const b = await launchBrowser({ viewport });
    browsers.push(b);
    b.page.on('pageerror', (e) => errors.push(`${name}: ${e}`));
    const page = b.page;
    await page.goto(`${srv.url}/#${path}`, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-testid="login-username"]').fill(name);
    await page.locator('[data-testid="login-password"]').fill(PW);
    await page.locator('[data-testid="login-submit"]').click();
    await page.locator('[data-testid="topbar"]').waitFor({ state: 'visible', timeout: 30_000 });
    return page;
  }
  const tid = (page, id) => page.locator(`[data-testid="${id}"]`);
  /** The bars of a chart: {series: [values by group index]} (missing bars: undefined). */
  const bars = (page, chart) => page.$$eval(`[data-testid="${chart}"] rect[data-series]`, (rs) => rs.map((r) =>
    [r.getAttribute('data-series'), Number(r.getAttribute('data-index')), Number(r.getAttribute('data-value'))]));

  before(async () => {
    srv = await startServer('sqlite');
    admin = await login(srv.url, 'admin', srv.adminPassword);
    const imp = await call('POST', '/plant/import', readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
    assert.equal(imp.status, 200, imp.text);
    const site = (await ok('GET', '/sites')).items[0];
    const area = (await ok('GET', '/areas?limit=500')).items.find((a) => a.code === 'PH1');
    const orgs = (await ok('GET', '/organisations?limit=100')).items;
    for (const [name, roles, org] of [['safety', ['safety_manager'], null], ['fixA', ['unit_leader'], 'PROD'], ['fixB', ['unit_leader'], 'MAINT']]) {
      const u = await ok('POST', '/users', { username: name, display_name: name, password: PW, roles, ...(org ? { org_id: orgs.find((o) => o.code === org).id } : {}) });
      users[name] = { id: u.id, token: (await login(srv.url, name, PW)).token };
    }
    for (const [i, c] of CASES.entries()) {
      const place = c.area ? { area_id: area.id } : { x: 10 + i * 5, y: 30 };
      const h = await ok('POST', '/hazards', { site_id: site.id, category: 'leak', description: `隐患 ${i + 1}`, ...place }, users.safety.token);
      if (c.fixer) {
        await ok('POST', `/hazards/${h.id}/register`, { grade: 'general', assignee_id: users[c.fixer].id, deadline: new Date(L(c.deadline)).toISOString() }, users.safety.token);
        if (c.rectified) await ok('POST', `/hazards/${h.id}/rectify`, { rectification: '已整改' }, users[c.fixer].token);
        if (c.accepted) await ok('POST', `/hazards/${h.id}/accept`, {}, users.safety.token);
        if (c.closed) await ok('POST', `/hazards/${h.id}/close`, undefined, users.safety.token);
      }
      c.id = h.id;
    }
    // into the past once all are reported (the repeat of the third is linked by the time of its report)
    for (const c of CASES) {
      const set = [['reported_ms', c.reported], ['deadline_ms', c.deadline], ['rectified_ms', c.rectified], ['accepted_ms', c.accepted], ['closed_ms', c.closed]]
        .filter(([, v]) => v).map(([k, v]) => `${k} = ${L(v)}`);
      sql(srv.db, `UPDATE hazards SET ${set.join(', ')} WHERE id = ${c.id}`);
    }
  });

  after(async () => {
    for (const b of browsers) await b.close();
    if (srv) { await srv.stop(); cleanup(srv.db); }
  });

  /** Checks tiles, charts and the department table against the API for the period. */
  async function checkPage(page, period) {
    const byPeriod = await ok('GET', `/hazard-kpi?${RANGE}&group=period&period=${period}`);
    const byDept = await ok('GET', `/hazard-kpi?${RANGE}&group=department`);
    await page.waitForFunction((n) => document.querySelector('[data-testid="pkpi-rates-chart"]')?.getAttribute('data-groups') === String(n),
      byPeriod.groups.length, { timeout: 15_000 });
    assert.equal(await tid(page, 'pkpi-tile-rectification-value').textContent(), pct(byPeriod.rectification_rate));
    assert.equal(await tid(page, 'pkpi-tile-on-time-value').textContent(), pct(byPeriod.on_time_rate));
    assert.equal(await tid(page, 'pkpi-tile-overdue-value').textContent(), nf(byPeriod.overdue, 0));
    assert.equal(await tid(page, 'pkpi-tile-repeat-value').textContent(), pct(byPeriod.repeat_rate));
    const want = (keys) => byPeriod.groups.flatMap((g, i) => keys.filter((k) => g[k] !== null).map((k) => [k, i, g[k]]));
    const sortBars = (a) => [...a].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
    assert.deepEqual(sortBars(await bars(page, 'pkpi-rates-chart')), sortBars(want(['rectification_rate', 'on_time_rate'])));
    assert.deepEqual(sortBars(await bars(page, 'pkpi-counts-chart')), sortBars(want(['overdue', 'repeats'])));
    const rows = await page.$$eval('[data-testid="pkpi-dept-row"]', (trs) => trs.map((tr) => ({
      key: tr.getAttribute('data-key'),
      cells: Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.getAttribute('data-col'), td.textContent])),
    })));
    assert.deepEqual(rows.map((r) => r.key), byDept.groups.map((g) => g.key));
    for (const [i, g] of byDept.groups.entries()) {
      const c = rows[i].cells;
      for (const f of ['total', 'rectified', 'on_time', 'overdue', 'repeats', 'major']) assert.equal(c[f], nf(g[f], 0), `${g.key}.${f}`);
      for (const f of ['rectification_rate', 'on_time_rate', 'repeat_rate']) assert.equal(c[f], pct(g[f]), `${g.key}.${f}`);
    }
    return { byPeriod, byDept };
  }

  test('desktop: tiles, charts per month and week, the department table, the downloads', { timeout: 90_000 }, async () => {
    const page = await signedIn('safety', `/prevention-kpi?${RANGE}`, { width: 1366, height: 900 });
    await tid(page, 'pkpi-dept-table').waitFor({ state: 'visible', timeout: 20_000 });
    const { byPeriod, byDept } = await checkPage(page, 'month');
    // the numbers are the case table's: 6 hazards, two departments and the unassigned one
    assert.equal(byPeriod.total, 6);
    assert.deepEqual(byPeriod.groups.map((g) => g.total), [3, 3, 0]);
    assert.equal(byDept.groups.length, 3);
    assert.equal(byPeriod.repeats, 1); // the fourth repeats the third (same area, same category)
    assert.equal(await tid(page, 'pkpi-rates-chart').getAttribute('data-groups'), '3');
    assert.ok(Number(await tid(page, 'pkpi-rates-chart').getAttribute('data-bars')) >= 3);
    const label = await page.$$eval('[data-testid="pkpi-dept-row"] td[data-col="dept"]', (tds) => tds.map((td) => td.textContent));
    assert.ok(label.some((x) => x.startsWith('生产部')), label.join('|'));
    // the nav entry is there and current
    assert.equal(await page.locator('a[href="#/prevention-kpi"]').count() >= 1, true);
    await screenshot(page, 'prevention-kpi');
    if (process.env.ANJIAN_UPDATE_DOC_IMG === '1') {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'prevention-kpi.png'), fullPage: true });
    }
    // the exports of the same range, with the session cookie
    const href = await tid(page, 'pkpi-export-xlsx').getAttribute('href');
    assert.match(href, /^\/api\/v1\/hazards\/export\?format=xlsx&from=2025-01-01&to=2025-03-31$/);
    const got = await page.evaluate(async (hrefs) => Promise.all(hrefs.map(async (u) => {
      const r = await fetch(u, { credentials: 'same-origin' });
      const b = new Uint8Array(await r.arrayBuffer());
      return [r.status, r.headers.get('content-type'), b.length, b[0], b[1]];
    })), [href, await tid(page, 'pkpi-export-csv').getAttribute('href')]);
    assert.deepEqual(got[0].slice(0, 2), [200, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
    assert.deepEqual(got[0].slice(3), [0x50, 0x4b]); // "PK": a ZIP
    assert.deepEqual([got[1][0], got[1][1], got[1][3]], [200, 'text/csv; charset=utf-8', 0xef]); // the BOM
    // weekly: the charts are redrawn with the API's weeks
    await tid(page, 'pkpi-period-week').click();
    await checkPage(page, 'week');
    assert.match(page.url(), /period=week/);
    await screenshot(page, 'prevention-kpi-week');
    assert.deepEqual(errors, []);
  });

  test('phone: the same numbers, no sideways scroll, charts within the screen', { timeout: 90_000 }, async () => {
    const page = await signedIn('safety', `/prevention-kpi?${RANGE}`, { width: 390, height: 844 });
    await tid(page, 'pkpi-dept-table').waitFor({ state: 'visible', timeout: 20_000 });
    await checkPage(page, 'month');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px`);
    for (const id of ['pkpi-rates-chart', 'pkpi-counts-chart']) {
      const box = await tid(page, id).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390 + 1, `${id} within the screen: ${JSON.stringify(box)}`);
    }
    await screenshot(page, 'prevention-kpi-phone');
    assert.deepEqual(errors, []);
  });
});
