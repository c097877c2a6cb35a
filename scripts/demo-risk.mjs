// demo-risk.mjs — fills the demo plant's dual-prevention ledgers (scripts/demo.sh): risk
// points in every production area, so the four-colour map shows all four levels, a major
// hazard source, inspection rounds and a few hidden dangers at different steps of the closed
// loop. Idempotent: nothing is added when the register already has points. Usage: node scripts/demo-risk.mjs URL ADMIN_PASSWORD_FILE
import { readFileSync } from 'node:fs';

const [url, adminFile] = process.argv.slice(2);

async function call(token, method, path, body) {
  const r = await fetch(url + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

for (let i = 0; ; i++) {
  try { if ((await fetch(url + '/healthz')).ok) break; } catch { /* not yet */ }
  if (i > 600) throw new Error('the server did not come up');
  await new Promise((r) => setTimeout(r, 200));
}
const lr = await fetch(url + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: readFileSync(adminFile, 'utf8').trim() }) });
const admin = (await lr.json()).token;
const site = (await call(admin, 'GET', '/api/v1/sites')).items[0];
if ((await call(admin, 'GET', '/api/v1/risk-points?limit=1')).items.length) process.exit(0);
const areas = Object.fromEntries((await call(admin, 'GET', '/api/v1/areas?limit=100')).items.map((a) => [a.code, a]));
const people = (await call(admin, 'GET', '/api/v1/people?limit=500')).items;
const owner = people.find((p) => p.code === 'E2002') || people[0];
const M = (kind, text, level = 'workshop') => ({ kind, text, control_level: level, owner_id: owner.id });
const points = [
  ['PU1', 'operation', '加氢反应釜 R-201 操作', ['氢气泄漏遇点火源爆炸', '反应失控超温超压'], 'lec', { l: 3, e: 6, c: 100 }, { l: 1, e: 6, c: 100 },
    [M('engineering', '反应温度、压力高高联锁切断进料和加热'), M('engineering', '可燃气体检测报警'), M('emergency', '反应失控应急处置方案', 'department')]],
  ['TF1', 'equipment', '甲类罐区储罐', ['储罐泄漏引发火灾爆炸', '高液位溢罐'], 'lec', { l: 3, e: 6, c: 40 }, { l: 1, e: 6, c: 40 },
    [M('engineering', '高液位联锁切断进料'), M('management', '罐区巡检每 2 h 一次'), M('ppe', '防静电工作服', 'crew')]],
  ['TF2', 'equipment', '液氨储罐 T-109/T-110', ['液氨泄漏中毒'], 'matrix', { likelihood: 3, severity: 5 }, { likelihood: 2, severity: 5 },
    [M('engineering', '氨气检测报警与喷淋联锁'), M('emergency', '液氨泄漏现场处置方案', 'department')]],
  ['PH1', 'equipment', '罐区泵房机泵', ['机封泄漏引发火灾', '转动部件伤人'], 'matrix', { likelihood: 3, severity: 4 }, { likelihood: 2, severity: 4 },
    [M('engineering', '泵房可燃气体检测报警'), M('training', '机泵操作规程培训', 'crew')]],
  ['LB1', 'operation', '槽车装卸作业', ['装卸过程泄漏', '静电引燃'], 'lec', { l: 3, e: 6, c: 15 }, { l: 1, e: 6, c: 15 },
    [M('engineering', '静电接地报警仪'), M('management', '装卸作业票和监护')]],
  ['UT1', 'area', '污水处理集水池', ['硫化氢中毒', '受限空间窒息'], 'matrix', { likelihood: 2, severity: 5 }, { likelihood: 1, severity: 5 },
    [M('engineering', '硫化氢检测报警'), M('management', '受限空间作业审批')]],
  ['WH1', 'area', '危化品仓库', ['包装破损泄漏'], 'matrix', { likelihood: 2, severity: 3 }, { likelihood: 1, severity: 3 },
    [M('management', '分区分类存放'), M('emergency', '仓库泄漏应急处置卡', 'crew')]],
  ['FW1', 'area', '消防泵房', ['消防泵故障不能启动'], 'matrix', { likelihood: 1, severity: 4 }, { likelihood: 1, severity: 4 }, [M('management', '消防泵每周试车')]],
  ['CR1', 'area', '中控室', ['有毒气体经新风口进入'], 'matrix', { likelihood: 1, severity: 3 }, { likelihood: 1, severity: 3 }, [M('engineering', '新风口气体检测联锁关闭')]],
];
for (const [code, kind, name, hazards, method, inherent, residual, measures] of points) {
  if (!areas[code]) continue;
  await call(admin, 'POST', '/api/v1/risk-points', { site_id: site.id, area_id: areas[code].id, kind, name, hazards, method,
    inherent, residual, control_level: 'workshop', owner_id: owner.id, review_cycle_days: 365, measures });
}
const hz = async (code, category, description, x, y) => call(admin, 'POST', '/api/v1/hazards',
  { site_id: site.id, area_id: areas[code].id, category, description, x, y });
await hz('PH1', 'leak', 'P-102 机封滴漏，地面有油迹', 212, 150);
const h2 = await hz('TF1', 'housekeeping', '罐区防火堤内堆放杂物', 120, 60);
const me = (await call(admin, 'GET', '/api/v1/users')).items.find((u) => u.username === 'admin');
await call(admin, 'POST', `/api/v1/hazards/${h2.id}/register`, { grade: 'general', assignee_id: me.id,
  deadline: new Date(Date.now() + 3 * 86400000).toISOString() });
await hz('TF1', 'housekeeping', '防火堤内又见杂物', 130, 62);
// a major hazard source (GB 18218): the liquid-ammonia tanks T-109/T-110, live from their level
// gauges (0–3 m; about 10 t of NH₃ per metre of level), 25 t design maximum each
const levelTag = async (code) => (await call(admin, 'GET', `/api/v1/tags?key=${encodeURIComponent(`JS01.${code}.level`)}`)).items[0];
const tank = async (code) => {
  const tag = await levelTag(code);
  return { substance: 'ammonia', q_t: 25, note: code, ...(tag ? { tag_id: tag.id, factor: 10, offset_t: 0 } : {}) };
};
if (areas.TF2 && !(await call(admin, 'GET', '/api/v1/major-hazards')).items.length) {
  await call(admin, 'POST', '/api/v1/major-hazards', { site_id: site.id, area_id: areas.TF2.id, code: 'MH-TF2', name: '液氨罐区',
    kind: 'storage', people_500m: 120, warn_threshold: 0.9, items: [await tank('T-109'), await tank('T-110')] });
}
// inspections: checkpoints with NFC tags, a round every shift on the hydrogenation reactor
// (its major residual risk sets the frequency) and a two-hourly round of the tank farm with
// readings; the first point of the tank round is scanned
const orgs = Object.fromEntries((await call(admin, 'GET', '/api/v1/organisations?limit=100')).items.map((o) => [o.code, o]));
const cps = {};
for (const [code, area, name, uid, x, y] of [['XJ-PU1-01', 'PU1', 'R-201 反应釜平台', '04:11:22:33:44:55:01', 60, 40],
  ['XJ-TF1-01', 'TF1', '甲类罐区东侧防火堤', '04:11:22:33:44:55:02', 120, 60], ['XJ-TF2-01', 'TF2', '液氨罐 T-109/T-110', '04:11:22:33:44:55:03', 150, 60],
  ['XJ-PH1-01', 'PH1', '罐区泵房', '04:11:22:33:44:55:04', 212, 150]]) {
  if (!areas[area]) continue;
  cps[code] = await call(admin, 'POST', '/api/v1/inspection-checkpoints', { site_id: site.id, code, name, area_id: areas[area].id, nfc_uid: uid, x, y });
}
const riskOf = async (code) => (await call(admin, 'GET', `/api/v1/risk-points?area_id=${areas[code].id}`)).items[0];
if (cps['XJ-PU1-01']) {
  await call(admin, 'POST', '/api/v1/inspection-plans', { site_id: site.id, name: '加氢反应区每班巡检',
    risk_point_id: (await riskOf('PU1')).id, org_id: orgs.RXN && orgs.RXN.id, route: [{ checkpoint_id: cps['XJ-PU1-01'].id }] });
}
const route = [['XJ-TF1-01', [{ text: '防火堤内无杂物、无积液', kind: 'check' }, { text: '储罐液位', kind: 'reading', lo: 20, hi: 85, unit: '%' }]],
  ['XJ-TF2-01', [{ text: '氨气检测报警仪工作正常', kind: 'check' }, { text: '罐压', kind: 'reading', lo: 0.2, hi: 1.6, unit: 'MPa' }]],
  ['XJ-PH1-01', [{ text: '机泵无异响、无泄漏', kind: 'check' }, { text: '轴承温度', kind: 'reading', hi: 70, unit: '°C' }]]]
  .filter(([code]) => cps[code]).map(([code, items]) => ({ checkpoint_id: cps[code].id, items }));
if (route.length) {
  const plan = await call(admin, 'POST', '/api/v1/inspection-plans', { site_id: site.id, name: '罐区两小时巡检',
    frequency: 'interval', interval_min: 120, org_id: orgs.CCR && orgs.CCR.id, route });
  let task;
  for (let i = 0; i < 50 && !task; i++) {
    task = (await call(admin, 'GET', `/api/v1/inspection-tasks?plan_id=${plan.id}&state=active`)).items[0];
    if (!task) await new Promise((r) => setTimeout(r, 200));
  }
  if (task) await call(admin, 'POST', `/api/v1/inspection-tasks/${task.id}/scans`, { method: 'nfc',
    code: cps['XJ-TF1-01'] ? '04:11:22:33:44:55:02' : route[0].checkpoint_id, results: [{ ok: true }, { value: 62 }] });
}
console.log('[demo] risk register (four-colour map), a major hazard source, inspections and hidden dangers filled');
