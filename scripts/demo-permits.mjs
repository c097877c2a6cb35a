// demo-permits.mjs — puts a few work permits on the demo plant's board (scripts/demo.sh):
// an approver account for 范俊杰 (E2002) holding every approval role, then a hot work in
// progress at the reaction unit, an issued confined-space entry into R-201, a submitted
// blind-plate job at the tank farm and a draft work at height. Idempotent: it does nothing
// when the site already has permits. Usage: node scripts/demo-permits.mjs URL ADMIN_PASSWORD_FILE
// APPROVER_PASSWORD_FILE
import { readFileSync } from 'node:fs';

const [url, adminFile, approverFile] = process.argv.slice(2);
const iso = (ms) => new Date(ms).toISOString();

async function call(token, method, path, body) {
  const r = await fetch(url + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function login(username, password) {
  const r = await fetch(url + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }) });
  if (!r.ok) throw new Error(`login ${username}: ${r.status}`);
  return (await r.json()).token;
}

for (let i = 0; ; i++) { // the server starts after this script
  try { if ((await fetch(url + '/healthz')).ok) break; } catch { /* not yet */ }
  if (i > 600) throw new Error('the server did not come up');
  await new Promise((r) => setTimeout(r, 200));
}
const admin = await login('admin', readFileSync(adminFile, 'utf8').trim());
const site = (await call(admin, 'GET', '/api/v1/sites')).items[0];
if ((await call(admin, 'GET', '/api/v1/permits?state=all&limit=1')).items.length) process.exit(0);
const people = (await call(admin, 'GET', '/api/v1/people?limit=500')).items;
const certs = (await call(admin, 'GET', '/api/v1/certificates?limit=500')).items;
const cat = await call(admin, 'GET', '/api/v1/permit-types');
const person = (code) => people.find((p) => p.code === code);
const holder = (type) => people.find((p) => certs.some((c) => c.person_id === p.id && c.type === type && c.expires_on > '2027'));
const approver = person('E2002');
for (const r of cat.roles) await call(admin, 'PUT', '/api/v1/permit-roles', { role: r.code, person_ids: [approver.id] });
await call(admin, 'POST', '/api/v1/users', { username: 'fan.junjie', display_name: '范俊杰', password: readFileSync(approverFile, 'utf8').trim(),
  roles: ['approver', 'unit_leader'], person_id: approver.id });
const boss = await login('fan.junjie', readFileSync(approverFile, 'utf8').trim());

function fields(code, extra) {
  const out = {};
  for (const f of cat.types.find((t) => t.code === code).fields) {
    if (!f.is_required || ['person', 'people', 'geo_point'].includes(f.type) || f.id.startsWith('planned_')) continue;
    out[f.id] = f.type === 'number' ? 1 : f.type === 'bool' ? false : f.type === 'enum' ? f.options[0].id : f.label.zh;
  }
  return { ...out, ...extra };
}

async function permit(code, title, x, y, extra, worker, to) {
  const now = Date.now();
  let p = await call(admin, 'POST', '/api/v1/permits', { site_id: site.id, type: code, title, x, y,
    valid_from: iso(now - 60000), valid_to: iso(now + 6 * 3600000), fields: fields(code, extra),
    attendant_id: person('E2202').id, worker_ids: [worker.id] });
  const id = p.id;
  const step = async (path, body = {}, who = admin) => { p = await call(who, 'POST', `/api/v1/permits/${id}/${path}`, body); };
  if (to === 'draft') return;
  await step('submit');
  if (to === 'submitted') return;
  await step('measures', { confirmed: p.measures.map((m) => m.id) });
  if (cat.types.find((t) => t.code === code).gas.is_required)
    await step('gas-samples', { readings: code === 'confined_space'
      ? [{ gas: 'O2', value: 20.9, unit: '%vol' }, { gas: 'methanol', value: 0.05, unit: '%vol' }]
      : [{ gas: 'methanol', value: 0.05, unit: '%vol' }], x, y });
  while (p.state !== 'issued') await step('approve', { x: x + 2, y: y + 1, comment: '现场确认' }, boss);
  if (to === 'issued') return;
  await step('check-in', { badge_uid: worker.badge_uid });
  await step('check-in', { badge_uid: person('E2202').badge_uid });
  await step('start');
}

await permit('hot_work', 'R-201 出料管线法兰焊接', 120, 300, { in_fire_explosion_area: true, work_location: '反应装置区 R-201 出料管线' },
  holder('welding_cutting'), 'in_progress');
await permit('confined_space', 'R-203 反应釜清釜作业', 160, 245, { space_name: 'R-203 反应釜' }, holder('confined_space'), 'issued');
await permit('blind_plate', 'T-103 进料线盲板抽堵', 170, 70, {}, holder('hazchem_process'), 'submitted');
await permit('height', '管廊仪表电缆桥架检修', 60, 200, { work_height: 6 }, holder('work_at_height'), 'draft');
console.log('[demo] four work permits on the board');
