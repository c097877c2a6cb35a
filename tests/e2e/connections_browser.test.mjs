// Browser test of the connections page (web/js/pages/connections.js; docs/console.md
// "Connections"), in headless Chromium against a real `anjian serve` on SQLite and a real
// Modbus TCP peer (npm modbus-serial's ServerTCP on a loopback port, unit id 1).
//
// The server first runs without a map: #/connections shows the empty state. Then it runs
// with a three-point map polling the peer: the device's row (under Modbus TCP) shows what
// GET /api/v1/connections says — code, state 已连接 on a green badge, host:port, unit id,
// points, last success — and the nav entry sits under 装置台账. At phone width (390 px) the
// row is a card no wider than the screen. The peer is stopped: within a refresh or two the
// badge turns to 故障 (red) with the error text and its time, as the API says.
//
// Then it runs with an OPC UA map (one endpoint, security None, one item) on a node-opcua
// server (lib/opcua_peer.mjs): the endpoint's row is 已连接; its 浏览 button opens the browse
// dialog at Objects; Objects → Test shows T.Double with its value 3.141592653589793, type,
// status Good, node id ns=1;s=T.Double (copied to the clipboard) and its map item; the
// breadcrumb goes back up; at 390 px the dialog is a full-screen sheet with nothing wider than
// the screen; Esc closes it and the Browse button has the focus again. An operator (no
// plant.write) sees no Browse button.
//
//   cd tests/e2e && node --test connections_browser.test.mjs
//   ANJIAN_BIN             the anjian binary (default <repo>/build/anjian)
//   ANJIAN_CHROMIUM        browser path (default /usr/bin/chromium)
//   ANJIAN_UPDATE_DOC_IMG  =1: also write docs/img/connections.png (the page at 1366 px with
//                          the device failing) and docs/img/opcua-browse.png (the browse
//                          dialog at 1366 px in Objects/Test)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { launchBrowser, screenshot, CHROMIUM_PATH } from './lib/browser.mjs';
import { startServer, login, api, ROOT, BIN, cleanup, freePort, tempFile, cliOk } from './lib/server.mjs';
import { startUaServer } from './lib/opcua_peer.mjs';

const require = createRequire(import.meta.url);
const ModbusRTU = require('modbus-serial');

const missing = !existsSync(BIN) ? `no anjian binary at ${BIN} (set ANJIAN_BIN)` : !existsSync(CHROMIUM_PATH) ? `no browser at ${CHROMIUM_PATH}` : '';
if (missing) console.log(`# connections browser test skipped: ${missing}`);

async function loadCatalogue() {
  const src = await readFile(join(ROOT, 'web', 'messages.js'), 'utf8');
  return (await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(src)}`)).messages;
}

/** A modbus-serial ServerTCP on 127.0.0.1:port, unit id 1: holding 0 = 1234, 1-2 = 21.5 (float32), coil 0 on. */
async function startPeer(port) {
  const f = Buffer.alloc(4);
  f.writeFloatBE(21.5);
  const holding = [1234, f.readUInt16BE(0), f.readUInt16BE(2)];
  const server = new ModbusRTU.ServerTCP({
    getCoil: (a) => a === 0,
    getDiscreteInput: () => false,
    getInputRegister: () => 0,
    getHoldingRegister: (a) => holding[a] ?? 0,
  }, { host: '127.0.0.1', port, unitID: 1 });
  server.on('error', () => {});
  server.on('socketError', () => {});
  await new Promise((resolve, reject) => { server.on('initialized', resolve); server.on('serverError', reject); });
  return { stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const POINTS = [
  { tag: 'CN.PLC-7.status', table: 'holding', address: 0, type: 'uint16' },
  { tag: 'CN.PLC-7.temp', table: 'holding', address: 1, type: 'float32' },
  { tag: 'CN.PLC-7.run', table: 'coil', address: 0 },
];

function mapJson(port) {
  return JSON.stringify({
    format: 'anjian-modbus-map', version: 1,
    devices: [{ code: 'PLC-7', host: '127.0.0.1', port, unit_id: 1, timeout_ms: 300, retries: 0 }],
    groups: [{ code: 'fast', device: 'PLC-7', interval_ms: 200 }],
    points: POINTS.map((p) => ({ ...p, device: 'PLC-7', group: 'fast' })),
  });
}

/** An OPC UA map: endpoint UA-1 on the node-opcua server (security None), one item. */
function uaMapJson(uaPort) {
  return JSON.stringify({
    format: 'anjian-opcua-map', version: 1,
    endpoints: [{ code: 'UA-1', url: `opc.tcp://127.0.0.1:${uaPort}`, publishing_interval_ms: 250,
      items: [{ tag: 'CN.UA.double', node_id: 'ns=1;s=T.Double' }] }],
  });
}

describe('connections page in headless chromium', { skip: missing || false, timeout: 180_000 }, () => {
  let srv, admin, M, b, peer, port, site, work, uaStart, ua;
  const tid = (page, id) => page.locator(`[data-testid="${id}"]`);
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const device = async () => (await api(srv.url, admin.token, 'GET', '/api/v1/connections')).body.items.find((d) => d.code === 'PLC-7');

  /** Opens #/connections on the current server, signing in (as admin unless told) when the console asks. */
  async function open(page, user = 'admin', password = srv.adminPassword) {
    await page.goto(`${srv.url}/#/connections`, { waitUntil: 'domcontentloaded' });
    const form = tid(page, 'login-username');
    const list = page.locator('[data-testid="conn-empty"], [data-testid="conn-row"]').first();
    await Promise.race([form.waitFor({ state: 'visible' }), list.waitFor({ state: 'visible' })]);
    if (await form.isVisible()) {
      await form.fill(user);
      await tid(page, 'login-password').fill(password);
      await tid(page, 'login-submit').click();
    }
  }

  before(async () => {
    M = await loadCatalogue();
    port = await freePort();
    peer = await startPeer(port);
    work = mkdtempSync(join(tmpdir(), 'aj-conn-ua-'));
    uaStart = startUaServer(await freePort(), join(work, 'server-pki')); // awaited by the OPC UA case
    uaStart.catch(() => {});
    srv = await startServer('sqlite');
    admin = await login(srv.url, 'admin', srv.adminPassword);
    site = (await api(srv.url, admin.token, 'POST', '/api/v1/sites', { code: 'CN', name: '接入测试' })).body;
    for (const p of POINTS) {
      const r = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: p.tag, name: p.tag, kind: p.type ? 'count' : 'status' });
      assert.equal(r.status, 201, r.text);
    }
    b = await launchBrowser({ viewport: { width: 1366, height: 800 } });
  });

  after(async () => {
    if (b) await b.close();
    if (srv) { await srv.stop(); cleanup(srv.db); }
    if (peer) await peer.stop();
    if (!ua) ua = await uaStart.catch(() => null);
    if (ua) await ua.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('no map: the empty state says so', async () => {
    const page = b.page;
    await open(page);
    await tid(page, 'conn-empty').waitFor({ state: 'visible' });
    assert.match(await tid(page, 'conn-empty').textContent(), new RegExp(M['conn.none']['zh-CN']));
    assert.match(await tid(page, 'conn-empty').textContent(), /docs\/modbus\.md/);
    assert.equal((await tid(page, 'nav-connections').textContent()).trim(), M['nav.connections']['zh-CN']);
    assert.equal(await tid(page, 'conn-row').count(), 0);
  });

  test('a Modbus device: the row matches the API; the peer stops: the badge turns to failing', { timeout: 90_000 }, async () => {
    await srv.stop();
    srv = await startServer('sqlite', { db: srv.db, adminPassword: srv.adminPassword, args: ['--modbus-map', tempFile('map.json', mapJson(port)), '--modbus-enterprise', 'main'] });
    admin = await login(srv.url, 'admin', srv.adminPassword);
    for (let i = 0; i < 100 && (await device()).state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 100));
    const page = b.page;
    await open(page);
    const row = page.locator('[data-testid="conn-row"][data-code="PLC-7"]');
    await row.locator('[data-testid="conn-state"][data-state="connected"]').waitFor({ state: 'visible', timeout: 15_000 });
    const d = await device();
    assert.equal(await page.locator('[data-testid="conn-group"]').getAttribute('data-protocol'), 'modbus-tcp');
    assert.equal(await row.getAttribute('data-protocol'), d.protocol);
    const badge = row.locator('[data-testid="conn-state"]');
    assert.equal((await badge.textContent()).trim(), M['conn_state.connected']['zh-CN']);
    assert.equal(await badge.getAttribute('data-tone'), 'ok');
    assert.equal((await row.locator('[data-testid="conn-address"]').textContent()).trim(), `${d.host}:${d.port}`);
    assert.equal((await row.locator('[data-testid="conn-unit"]').textContent()).trim(), String(d.unit_id));
    const shownPoints = Number((await row.locator('[data-testid="conn-points"]').textContent()).replace(/[^\d]/g, ''));
    assert.ok(shownPoints > 0 && shownPoints <= d.points, `page ${shownPoints}, API ${d.points}`);
    const shownSuccess = await row.locator('[data-testid="conn-last-success"]').getAttribute('datetime');
    assert.ok(shownSuccess && Date.parse(shownSuccess) <= Date.parse(d.last_success), `page ${shownSuccess}, API ${d.last_success}`);

    // phone width: the row is a card, nothing wider than the screen
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await row.isVisible());
    assert.ok(await overflow(page) <= 1, `page wider than the phone by ${await overflow(page)}px`);
    await page.waitForTimeout(300); // the navigation drawer slides away (artifact only)
    await screenshot(page, 'connections-phone');
    await page.setViewportSize({ width: 1366, height: 800 });

    await peer.stop();
    peer = null;
    await row.locator('[data-testid="conn-state"][data-state="failing"]').waitFor({ state: 'visible', timeout: 20_000 });
    const f = await device();
    assert.equal(f.state, 'failing');
    assert.equal(await badge.getAttribute('data-tone'), 'bad');
    assert.equal((await badge.textContent()).trim(), M['conn_state.failing']['zh-CN']);
    const shownError = (await row.locator('[data-testid="conn-last-error"]').textContent()).trim();
    assert.match(shownError, /no connection to the device|no answer within the timeout/);
    assert.match(f.last_error, /no connection to the device|no answer within the timeout/);
    assert.ok(await row.locator('[data-testid="conn-last-error-at"]').getAttribute('datetime'));
    await screenshot(page, 'connections');
    if (process.env.ANJIAN_UPDATE_DOC_IMG === '1') {
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'connections.png') });
    }
    assert.deepEqual(b.errors, []);
  });

  test('an OPC UA endpoint: the browse dialog walks Objects → Test, shows T.Double, goes back up; fits a phone', { timeout: 90_000 }, async () => {
    ua = await uaStart;
    const tag = await api(srv.url, admin.token, 'POST', '/api/v1/tags', { site_id: site.id, key: 'CN.UA.double', name: 'CN.UA.double', kind: 'count' });
    assert.equal(tag.status, 201, tag.text);
    await srv.stop();
    srv = await startServer('sqlite', { db: srv.db, adminPassword: srv.adminPassword, args: ['--opcua-map', tempFile('uamap.json', uaMapJson(ua.info.port)),
      '--opcua-enterprise', 'main', '--opcua-pki-dir', join(work, 'anjian-pki')] });
    admin = await login(srv.url, 'admin', srv.adminPassword);
    const page = b.page;
    await page.setViewportSize({ width: 1366, height: 800 });
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
    await open(page);
    const row = page.locator('[data-testid="conn-row"][data-code="UA-1"]');
    await row.locator('[data-testid="conn-state"][data-state="connected"]').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await row.getAttribute('data-protocol'), 'opcua');

    // the dialog opens at Objects, the keyboard inside it
    await row.locator('[data-testid="conn-browse-btn"]').click();
    const dlg = tid(page, 'ua-browse');
    await dlg.waitFor({ state: 'visible' });
    assert.ok(await dlg.evaluate((d) => d.open && d.matches(':modal') && d.contains(document.activeElement)));
    assert.match(await tid(page, 'ua-title').textContent(), /UA-1/);
    const test = dlg.locator('[data-testid="ua-ref"][data-node-id="ns=1;s=Test"]');
    await test.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await test.getAttribute('data-node-class'), 'Object');
    assert.equal(await dlg.locator('[data-testid="ua-crumb"]').count(), 1);

    // Objects → Test: T.Double with its value, type, status, node id and map item
    await test.locator('[data-testid="ua-open"]').click();
    const dbl = dlg.locator('[data-testid="ua-ref"][data-node-id="ns=1;s=T.Double"]');
    await dbl.waitFor({ state: 'visible', timeout: 15_000 });
    const crumbs = dlg.locator('[data-testid="ua-crumb"]');
    assert.equal(await crumbs.count(), 2);
    assert.equal((await crumbs.nth(1).textContent()).trim(), 'Test');
    assert.equal(await crumbs.nth(1).getAttribute('aria-current'), 'location');
    assert.equal(await dbl.getAttribute('data-node-class'), 'Variable');
    assert.equal((await dbl.locator('[data-testid="ua-value"]').textContent()).trim(), '3.141592653589793');
    assert.equal((await dbl.locator('[data-testid="ua-type"]').textContent()).trim(), 'Double');
    assert.equal((await dbl.locator('[data-testid="ua-status"]').textContent()).trim(), 'Good');
    assert.ok(await dbl.locator('[data-testid="ua-source-time-at"]').getAttribute('datetime'));
    assert.equal((await dbl.locator('[data-testid="ua-node-id"]').textContent()).trim(), 'ns=1;s=T.Double');
    assert.equal((await dbl.locator('[data-testid="ua-class"]').textContent()).trim(), M['ua_class.variable']['zh-CN']);
    assert.deepEqual(JSON.parse(await dbl.locator('[data-testid="ua-snippet"]').textContent()), { tag: M['ua.tag_placeholder']['zh-CN'], node_id: 'ns=1;s=T.Double' });
    const str = dlg.locator('[data-testid="ua-ref"][data-node-id="ns=1;s=T.String"]');
    assert.equal((await str.locator('[data-testid="ua-value"]').textContent()).trim(), '安监 ✓');
    assert.equal((await str.locator('[data-testid="ua-note"]').textContent()).trim(), M['ua.note_not_number']['zh-CN']);
    await dbl.locator('[data-testid="ua-copy-id"]').click();
    await tid(page, 'ua-copy-note').filter({ hasText: 'ns=1;s=T.Double' }).waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'ns=1;s=T.Double');
    if (process.env.ANJIAN_UPDATE_DOC_IMG === '1') {
      await dlg.evaluate((d) => { // the list from the row above T.Double, for a tidy picture
        const body = d.querySelector('[data-testid="ua-body"]');
        const row = d.querySelector('[data-node-id="ns=1;s=T.Float"]') || d.querySelector('[data-node-id="ns=1;s=T.Double"]');
        body.scrollTop += row.getBoundingClientRect().top - body.getBoundingClientRect().top;
      });
      mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'img', 'opcua-browse.png') });
    }

    // phone width: a full-screen sheet, nothing wider than the screen
    await page.setViewportSize({ width: 390, height: 844 });
    const fit = await dlg.evaluate((d) => {
      const r = d.getBoundingClientRect();
      const wide = [...d.querySelectorAll('*')].filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > innerWidth + 1);
      return { left: r.left, width: r.width, height: r.height, scroll: d.scrollWidth - d.clientWidth,
        body: d.querySelector('[data-testid="ua-body"]').scrollWidth - d.querySelector('[data-testid="ua-body"]').clientWidth,
        wide: wide.slice(0, 3).map((e) => e.outerHTML.slice(0, 80)) };
    });
    assert.equal(fit.left, 0, JSON.stringify(fit));
    assert.equal(fit.width, 390, JSON.stringify(fit));
    assert.equal(fit.height, 844, JSON.stringify(fit));
    assert.ok(fit.scroll <= 0 && fit.body <= 0 && !fit.wide.length, JSON.stringify(fit));
    await screenshot(page, 'opcua-browse-phone');

    // the breadcrumb goes back up to Objects; Esc closes, the Browse button has the focus
    await crumbs.first().click();
    await test.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await crumbs.count(), 1);
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid), 'conn-browse-btn');
    await page.setViewportSize({ width: 1366, height: 800 });
    assert.deepEqual(b.errors, []);

    // an operator (plant.read, no plant.write) sees the endpoint but no Browse button
    const password = 'Op-Conn-2026!x';
    cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'main', '--username', 'conn-op', '--roles', 'operator'], { ANJIAN_USER_PASSWORD: password });
    const context = await b.browser.newContext({ viewport: { width: 1366, height: 800 }, locale: 'zh-CN' });
    try {
      const op = await context.newPage();
      await open(op, 'conn-op', password);
      await op.locator('[data-testid="conn-row"][data-code="UA-1"]').waitFor({ state: 'visible' });
      assert.equal(await op.locator('[data-testid="conn-browse-btn"]').count(), 0);
    } finally {
      await context.close();
    }
  });
});
