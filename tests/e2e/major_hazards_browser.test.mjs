// Browser test of the major hazard page (web/js/pages/majorhazards.js; docs/risk.md "Major
// hazard sources in the register"), in headless Chromium against a real `anjian serve` on
// SQLite. A unit is declared through the API — the hand-worked tank farm of docs/risk.md
// (NH₃ 8 t + Cl₂ 3 t, 120 people: S 1.4, R 8.0, level 4) — then #/major-hazards must show it
// with its design and live grade (四级重大危险源), S and R, and its two items; the nav entry
// sits under 双重预防 after the risk register.
//
//   cd tests/e2e && node --test major_hazards_browser.test.mjs
//   ANJIAN_BIN        the anjian binary (default <repo>/build/anjian)
//   ANJIAN_CHROMIUM   browser path (default /usr/bin/chromium)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser, CHROMIUM_PATH } from './lib/browser.mjs';
import { startServer, login, api, ROOT, BIN, cleanup } from './lib/server.mjs';

const missing = !existsSync(BIN) ? `no anjian binary at ${BIN} (set ANJIAN_BIN)` : !existsSync(CHROMIUM_PATH) ? `no browser at ${CHROMIUM_PATH}` : '';
if (missing) console.log(`# major hazard browser test skipped: ${missing}`);

async function loadCatalogue() {
  const src = await readFile(join(ROOT, 'web', 'messages.js'), 'utf8');
  return (await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(src)}`)).messages;
}

describe('major hazard page in headless chromium', { skip: missing || false, timeout: 120_000 }, () => {
  let srv, admin, M, unit, b;
  const call = (method, path, body) => api(srv.url, admin.token, method, `/api/v1${path}`, body);
  const tid = (page, id) => page.locator(`[data-testid="${id}"]`);

  before(async () => {
    M = await loadCatalogue();
    srv = await startServer('sqlite');
    admin = await login(srv.url, 'admin', srv.adminPassword);
    const imp = await call('POST', '/plant/import', readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
    assert.equal(imp.status, 200, imp.text);
    const site = (await call('GET', '/sites')).body.items[0];
    const r = await call('POST', '/major-hazards', {
      site_id: site.id, code: 'MH-TF2', name: '液氨液氯罐区', kind: 'storage', people_500m: 120,
      items: [{ substance: 'ammonia', q_t: 8 }, { substance: 'chlorine', q_t: 3 }],
    });
    assert.equal(r.status, 201, r.text);
    unit = r.body;
    for (let i = 0; i < 100 && !(await call('GET', `/major-hazards/${unit.id}`)).body.live; i++) await new Promise((res) => setTimeout(res, 100));
  });

  after(async () => {
    if (b) await b.close();
    if (srv) { await srv.stop(); cleanup(srv.db); }
  });

  test('#/major-hazards shows the unit with its grade, S and R, items and the live alarm', { timeout: 60_000 }, async () => {
    b = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    const page = b.page;
    await page.goto(`${srv.url}/#/major-hazards`, { waitUntil: 'domcontentloaded' });
    await tid(page, 'login-username').fill('admin');
    await tid(page, 'login-password').fill(srv.adminPassword);
    await tid(page, 'login-submit').click();
    const panel = page.locator(`[data-testid="mh-unit"][data-code="MH-TF2"]`);
    await panel.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await tid(page, 'nav-major-hazards').textContent()).trim(), M['nav.major_hazards']['zh-CN']);
    const design = panel.locator('[data-testid="mh-design-level"]');
    assert.equal(await design.getAttribute('data-level'), '4');
    assert.equal((await design.textContent()).trim(), M['mh_level.4']['zh-CN']);
    assert.equal(await panel.locator('[data-testid="mh-live-level"]').getAttribute('data-level'), '4');
    const fig = panel.locator('[data-testid="mh-design-figures"]');
    assert.ok(Math.abs(Number(await fig.getAttribute('data-s')) - 1.4) < 1e-9);
    assert.ok(Math.abs(Number(await fig.getAttribute('data-r')) - 8.0) < 1e-9);
    assert.equal(await panel.locator('[data-testid="mh-item"]').count(), 2);
    await panel.locator('[data-testid="mh-event"][data-kind="major"]').waitFor();
    assert.deepEqual(b.errors, []);
  });
});
