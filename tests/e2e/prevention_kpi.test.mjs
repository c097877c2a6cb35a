// prevention_kpi.test.mjs — hidden-danger KPIs by department and period and the regulator
// export (src/api/prevention_kpi.c, docs/hazards.md "KPIs and the regulator export"), in the
// running server on each backend.
//
// Ten hazards go through the closed loop by the API (report → register → rectify → accept →
// close), assigned to people of two departments (生产部, 设备部) and to nobody or to someone
// without one, then are moved into January and February 2025 by SQL (reported, deadline,
// rectified, accepted, closed times), including one reported at 01:00 on 1 February in
// Shanghai — still 31 January in UTC — and one just outside the range. The test computes every
// expected number itself from that table with the documented definitions and compares: totals,
// each department, each month (March empty but present), ISO weeks, days. Then the 400s and
// 404 of bad parameters, the period cap, another enterprise seeing nothing; the export as CSV
// (parsed here: BOM, quotes, newline, the formula guard) and as XLSX (read back with exceljs:
// exact cells of both header rows and the rows), its file name and its audit record.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { backends, startServer, login, api, cleanup, cliOk, sql, ROOT } from './lib/server.mjs';

const PLANT = JSON.parse(readFileSync(join(ROOT, 'plants', 'demo-chemical.json'), 'utf8'));
const PW = 'Pw-kpi-export-2026!';
const L = (s) => Date.parse(`${s}:00+08:00`); // a local (Asia/Shanghai) time "2025-01-05T10:00"
const localText = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ');
const localMonth = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 7);

const PLAN = { target: '消除反应釜 R-101 法兰泄漏', method: '停车更换法兰垫片并做气密试验', funds_materials: '垫片 2 套，预算 0.8 万元',
  people_in_charge: '设备部 检修班', deadline: '2025-02-20 前完成', safety_measures: '置换合格，加盲板，办理动火作业票', emergency_plan: '反应工段泄漏现场处置方案' };
const TRICKY = '=SUM(A1:A9) 泵体,"密封"渗漏\n第二行 @note';

// The table: who is assigned, when things happened (local), and the outcome flags the test
// derives from it. fixer: 'A' 生产部, 'B' 设备部, 'S' the safety manager (no organisation),
// null: never registered. inRange: reported in [2025-01-01, 2025-04-01) local.
const CASES = [
  { tag: 'h1', fixer: 'A', reported: '2025-01-05T10:00', deadline: '2025-01-10T18:00', rectified: '2025-01-08T09:00', accepted: '2025-01-09T09:00', closed: '2025-01-09T10:00', category: 'leak', text: '管线法兰滴漏' },
  { tag: 'h2', fixer: 'A', reported: '2025-01-20T08:00', deadline: '2025-01-25T18:00', rectified: '2025-01-28T09:00', accepted: '2025-01-29T09:00', category: 'guard', text: TRICKY },
  { tag: 'h3', fixer: 'B', reported: '2025-02-01T01:00', deadline: '2025-02-05T18:00', category: 'leak', area: true, text: '反应釜 R-101 法兰泄漏' },
  { tag: 'h4', fixer: 'B', reported: '2025-02-10T14:00', deadline: '2025-02-20T18:00', rectified: '2025-02-15T09:00', accepted: '2025-02-16T09:00', category: 'leak', area: true, major: true, text: '反应釜 R-101 法兰再次泄漏' },
  { tag: 'h5', fixer: 'S', reported: '2025-02-12T11:00', deadline: '2025-02-14T18:00', rectified: '2025-02-13T09:00', accepted: '2025-02-13T15:00', category: 'fire', text: '灭火器压力不足' },
  { tag: 'h6', fixer: null, reported: '2025-02-20T16:00', category: 'ppe', text: '未戴安全帽' },
  { tag: 'h7', fixer: 'A', reported: '2025-01-01T00:30', deadline: '2025-03-10T18:00', category: 'electrical', text: '配电箱门未关' },
  { tag: 'h8', fixer: 'B', reported: '2025-01-15T09:00', deadline: '2025-01-18T18:00', rectified: '2025-01-18T19:00', accepted: '2025-01-19T09:00', category: 'equipment', text: '泵地脚螺栓松动' },
  { tag: 'h9', fixer: 'B', reported: '2025-02-03T09:00', deadline: '2025-02-06T18:00', rectified: '2025-02-05T09:00', category: 'guard', text: '平台护栏缺失，待验收' },
  { tag: 'out', fixer: 'A', reported: '2024-12-31T20:00', deadline: '2025-01-02T18:00', category: 'housekeeping', text: '范围外：去年的隐患' },
];
const FROM = '2025-01-01';
const TO = '2025-03-31'; // a date: the whole day, up to 2025-04-01 00:00 local
const FROM_MS = L('2025-01-01T00:00');
const TO_MS = L('2025-04-01T00:00');

/** The definitions of docs/hazards.md, judged at asOf. */
function outcome(c, asOf) {
  const ms = (k) => (c[k] ? L(c[k]) : null);
  const rectified = ms('accepted') !== null && ms('accepted') <= asOf;
  return {
    rectified,
    on_time: rectified && ms('rectified') !== null && ms('deadline') !== null && ms('rectified') <= ms('deadline'),
    overdue: ms('deadline') !== null && ms('deadline') <= asOf && !rectified,
    repeat: c.tag === 'h4',
    major: !!c.major,
  };
}
function tally(cases, asOf) {
  const t = { total: 0, rectified: 0, on_time: 0, overdue: 0, repeats: 0, major: 0 };
  for (const c of cases) {
    const o = outcome(c, asOf);
    t.total++;
    t.rectified += o.rectified; t.on_time += o.on_time; t.overdue += o.overdue; t.repeats += o.repeat; t.major += o.major;
  }
  t.rectification_rate = t.total ? t.rectified / t.total : null;
  t.on_time_rate = t.rectified ? t.on_time / t.rectified : null;
  t.repeat_rate = t.total ? t.repeats / t.total : null;
  return t;
}
const COUNT_KEYS = ['total', 'rectified', 'on_time', 'overdue', 'repeats', 'major', 'rectification_rate', 'on_time_rate', 'repeat_rate'];
function assertCounts(got, want, what) {
  for (const k of COUNT_KEYS) {
    if (want[k] === null) assert.equal(got[k], null, `${what}.${k}`);
    else assert.ok(Math.abs(got[k] - want[k]) < 1e-9, `${what}.${k}: got ${got[k]}, want ${want[k]}`);
  }
}

/** RFC 4180 parser (quotes, doubled quotes, CR/LF inside quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i++; continue; }
      cell += ch; i++; continue;
    }
    if (ch === '"' && cell === '') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(cell); cell = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    assert.notEqual(ch, '"', `stray quote at ${i}`);
    assert.ok(ch !== '\n' && ch !== '\r', `bare line break outside quotes at ${i}`);
    cell += ch; i++;
  }
  assert.equal(cell, '', 'the last row ends in CRLF');
  assert.equal(row.length, 0);
  return rows;
}

const ZH = ['编号', '发现时间', '位置/区域', '类别', '等级', '描述', '整改责任人', '责任部门', '整改期限', '整改完成时间', '验收人', '验收时间', '销号时间', '状态', '是否逾期', '是否重复',
  '治理目标和任务', '治理方法和措施', '经费和物资', '负责治理的机构和人员', '治理时限和要求', '安全措施', '应急预案'];
const CAT = { leak: '泄漏', guard: '防护设施', fire: '消防', ppe: '劳动防护', electrical: '电气', equipment: '设备', housekeeping: '现场管理' };
const STATE = { reported: '已上报', registered: '已登记', rectified: '已整改', accepted: '已验收', closed: '已销号' };

for (const backend of backends()) {
  describe(`hazard KPIs by department and period, regulator export (${backend})`, { timeout: 300_000 }, () => {
    let srv, admin, site, area, orgA, orgB;
    const users = {};
    const byTag = {};
    const A = (method, path, body, who = admin) => api(srv.url, who.token, method, path, body);
    const ok = async (method, path, body, who, status = 200) => {
      const r = await A(method, path, body, who);
      assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
      return r.body;
    };

    before(async () => {
      srv = await startServer(backend);
      admin = await login(srv.url, 'admin', srv.adminPassword);
      assert.equal((await A('POST', '/api/v1/plant/import', JSON.stringify(PLANT))).status, 200);
      site = (await A('GET', '/api/v1/sites')).body.items[0];
      area = (await A('GET', '/api/v1/areas?limit=100')).body.items.find((x) => x.code === 'PH1');
      const orgs = (await A('GET', '/api/v1/organisations?limit=100')).body.items;
      orgA = orgs.find((o) => o.code === 'PROD');
      orgB = orgs.find((o) => o.code === 'MAINT');
      const mk = async (name, display, roles, org) => {
        const r = await A('POST', '/api/v1/users', { username: name, display_name: display, password: PW, roles, ...(org ? { org_id: org.id } : {}) });
        assert.equal(r.status, 201, r.text);
        users[name] = { ...(await login(srv.url, name, PW)), id: r.body.id, display };
      };
      await mk('reporter', '王巡检', ['worker'], null);
      await mk('fixA', '李生产', ['unit_leader'], orgA);
      await mk('fixB', '赵设备', ['unit_leader'], orgB);
      await mk('safety', '陈安全', ['safety_manager'], null);
      await mk('lead2', '周班长', ['unit_leader'], orgA);
      const fixers = { A: users.fixA, B: users.fixB, S: users.safety };
      for (const c of CASES) {
        const place = c.area ? { area_id: area.id } : { x: 10 + CASES.indexOf(c) * 7, y: 20 };
        const h = await ok('POST', '/api/v1/hazards', { site_id: site.id, category: c.category, description: c.text, ...place }, users.reporter, 201);
        byTag[c.tag] = h;
        if (!c.fixer) continue;
        const fixer = fixers[c.fixer];
        await ok('POST', `/api/v1/hazards/${h.id}/register`, { grade: c.major ? 'major' : 'general', assignee_id: fixer.id,
          deadline: new Date(L(c.deadline)).toISOString(), ...(c.major ? { plan: PLAN } : {}) }, users.safety);
        if (!c.rectified) continue;
        await ok('POST', `/api/v1/hazards/${h.id}/rectify`, { rectification: '已整改' }, fixer);
        if (!c.accepted) continue;
        await ok('POST', `/api/v1/hazards/${h.id}/accept`, {}, fixer === users.safety ? users.lead2 : users.safety);
        if (c.closed) await ok('POST', `/api/v1/hazards/${h.id}/close`, undefined, users.safety);
      }
      assert.equal(byTag.h4.repeat_of_id, byTag.h3.id, 'h4 repeats h3 (same area and category)');
      // into the past: the times the table says
      for (const c of CASES) {
        const set = [['reported_ms', c.reported], ['registered_ms', c.fixer ? c.reported : null], ['deadline_ms', c.deadline],
          ['rectified_ms', c.rectified], ['accepted_ms', c.accepted], ['closed_ms', c.closed]]
          .filter(([, v]) => v).map(([k, v]) => `${k} = ${L(v)}`);
        sql(srv.db, `UPDATE hazards SET ${set.join(', ')} WHERE id = ${byTag[c.tag].id}`);
      }
    });

    after(async () => {
      const r = await srv.stop();
      assert.equal(r.code, 0, srv.log());
      cleanup(srv.db);
    });

    const inRange = CASES.filter((c) => L(c.reported) >= FROM_MS && L(c.reported) < TO_MS);
    const asOf = Math.min(Date.now(), TO_MS - 1);

    it('counts the totals of the range as defined, judged at its end', async () => {
      assert.equal(inRange.length, 9);
      const k = await ok('GET', `/api/v1/hazard-kpi?from=${FROM}&to=${TO}`);
      assertCounts(k, tally(inRange, asOf), 'totals');
      assert.equal(Date.parse(k.from), FROM_MS);
      assert.equal(Date.parse(k.to), TO_MS);
      assert.equal(Date.parse(k.as_of), TO_MS - 1);
      assert.equal(k.groups, undefined);
      // the same numbers with RFC 3339 bounds; without bounds every hazard up to now
      const k2 = await ok('GET', `/api/v1/hazard-kpi?from=${encodeURIComponent(new Date(FROM_MS).toISOString())}&to=${encodeURIComponent(new Date(TO_MS).toISOString())}`);
      assertCounts(k2, tally(inRange, asOf), 'totals (RFC 3339)');
      const all = await ok('GET', '/api/v1/hazard-kpi');
      assertCounts(all, tally(CASES, Date.now()), 'all time');
      // judged at an earlier end: on 2025-01-26 h2 is overdue and h1 rectified
      const jan = await ok('GET', `/api/v1/hazard-kpi?from=2025-01-01&to=2025-01-25`);
      const janCases = CASES.filter((c) => L(c.reported) >= FROM_MS && L(c.reported) < L('2025-01-26T00:00'));
      assertCounts(jan, tally(janCases, L('2025-01-26T00:00') - 1), 'January to the 25th');
      assert.equal(jan.overdue, 1); // h2 (deadline the 25th 18:00, accepted the 29th)
      assert.equal(jan.rectified, 2); // h1 and h8 (an hour late: not on time)
      assert.equal(jan.on_time, 1);
    });

    it('groups by department: the assignee\'s organisation, the rest unassigned', async () => {
      const k = await ok('GET', `/api/v1/hazard-kpi?from=${FROM}&to=${TO}&group=department`);
      assert.equal(k.group, 'department');
      const want = {
        [`org:${orgA.id}`]: inRange.filter((c) => c.fixer === 'A'),
        [`org:${orgB.id}`]: inRange.filter((c) => c.fixer === 'B'),
        unassigned: inRange.filter((c) => c.fixer === 'S' || c.fixer === null),
      };
      assert.deepEqual(k.groups.map((g) => g.key).sort(), Object.keys(want).sort());
      assert.equal(k.groups[k.groups.length - 1].key, 'unassigned');
      for (const g of k.groups) assertCounts(g, tally(want[g.key], asOf), g.key);
      const a = k.groups.find((g) => g.key === `org:${orgA.id}`);
      assert.equal(a.label, '生产部');
      assert.equal(a.code, 'PROD');
      assert.equal(a.org_id, orgA.id);
      const sum = (f) => k.groups.reduce((s, g) => s + g[f], 0);
      for (const f of ['total', 'rectified', 'on_time', 'overdue', 'repeats', 'major']) assert.equal(sum(f), k[f], `sum of ${f}`);
    });

    it('groups by calendar month in the site\'s zone, empty months included', async () => {
      const k = await ok('GET', `/api/v1/hazard-kpi?from=${FROM}&to=${TO}&group=period&period=month`);
      assert.equal(k.period, 'month');
      assert.deepEqual(k.groups.map((g) => g.label), ['2025-01', '2025-02', '2025-03']);
      assert.deepEqual(k.groups.map((g) => g.key), ['2025-01-01', '2025-02-01', '2025-03-01']);
      assert.equal(Date.parse(k.groups[1].start), L('2025-02-01T00:00'));
      assert.equal(Date.parse(k.groups[1].end), L('2025-03-01T00:00'));
      for (const g of k.groups) assertCounts(g, tally(inRange.filter((c) => localMonth(L(c.reported)) === g.label), asOf), g.label);
      // h3 (01:00 on 1 February in Shanghai, 31 January in UTC) counts in February
      assert.equal(k.groups[1].total, 5);
      assert.equal(k.groups[2].total, 0);
      assert.equal(k.groups[2].rectification_rate, null);
    });

    it('groups by ISO week (from Monday) and by day', async () => {
      let k = await ok('GET', `/api/v1/hazard-kpi?from=2025-01-01&to=2025-01-31&group=period&period=week`);
      assert.deepEqual(k.groups.map((g) => g.key), ['2024-12-30', '2025-01-06', '2025-01-13', '2025-01-20', '2025-01-27']);
      assert.deepEqual(k.groups.map((g) => g.label), ['2025-W01', '2025-W02', '2025-W03', '2025-W04', '2025-W05']);
      const weekOf = (c) => k.groups.findIndex((g) => L(c.reported) >= Date.parse(g.start) && L(c.reported) < Date.parse(g.end));
      const janAsOf = L('2025-02-01T00:00') - 1;
      for (const [i, g] of k.groups.entries()) {
        assertCounts(g, tally(CASES.filter((c) => L(c.reported) >= FROM_MS && L(c.reported) < L('2025-02-01T00:00') && weekOf(c) === i), janAsOf), g.key);
      }
      assert.equal(k.groups[0].total, 2); // h1 and h7 (00:30 on New Year's Day)
      k = await ok('GET', `/api/v1/hazard-kpi?from=2025-01-31&to=2025-02-02&group=period&period=day`);
      assert.deepEqual(k.groups.map((g) => [g.key, g.total]), [['2025-01-31', 0], ['2025-02-01', 1], ['2025-02-02', 0]]);
      // a site given: the same site, the same numbers; a site out of reach: 404
      const s = await ok('GET', `/api/v1/hazard-kpi?from=${FROM}&to=${TO}&site_id=${site.id}`);
      assertCounts(s, tally(inRange, asOf), 'site');
    });

    it('answers bad parameters with a precise 400 (404 for a site out of reach)', async () => {
      for (const [q, status, re] of [
        ['group=team', 400, /group: department or period/],
        ['group=period&period=year&from=2025-01-01', 400, /period: day, week or month/],
        ['from=yesterday', 400, /from: an RFC 3339 time or a date/],
        ['from=2025-02-30', 400, /from: an RFC 3339 time or a date/],
        ['to=2025-13-01', 400, /to: an RFC 3339 time or a date/],
        ['from=2025-03-01&to=2025-02-01', 400, /to: must be after from/],
        ['group=period', 400, /from: required/],
        ['group=period&period=day&from=2020-01-01&to=2025-01-01', 400, /more than 400 periods of a day/],
        ['site_id=abc', 400, /site_id/],
        ['site_id=999999', 404, /site 999999 not found/],
      ]) {
        const r = await A('GET', `/api/v1/hazard-kpi?${q}`);
        assert.equal(r.status, status, `${q}: ${r.text}`);
        assert.match(r.body.error.message, re, q);
      }
      // at the cap it answers
      const r = await A('GET', '/api/v1/hazard-kpi?group=period&period=day&from=2024-01-01&to=2025-02-03');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.groups.length, 400);
      for (const [q, status, re] of [
        ['from=2025-01-01', 400, /format: csv or xlsx/],
        ['format=pdf&from=2025-01-01', 400, /format: csv or xlsx/],
        ['format=csv', 400, /from: required/],
        ['format=xlsx&from=2025-01-01&to=2024-01-01', 400, /to: must be after from/],
      ]) {
        const e = await A('GET', `/api/v1/hazards/export?${q}`);
        assert.equal(e.status, status, `${q}: ${e.text}`);
        assert.match(e.body.error.message, re, q);
      }
    });

    it('shows another enterprise nothing', async () => {
      cliOk(srv.db, ['admin', 'create-enterprise', '--code', 'OTHER', '--name', '别家化工']);
      cliOk(srv.db, ['admin', 'create-user', '--enterprise', 'OTHER', '--username', 'other-admin', '--roles', 'admin'], { ANJIAN_USER_PASSWORD: PW });
      const other = await login(srv.url, 'other-admin', PW);
      assert.equal(other.status, 200);
      const k = await ok('GET', `/api/v1/hazard-kpi?from=${FROM}&to=${TO}&group=department`, undefined, other);
      assert.equal(k.total, 0);
      assert.deepEqual(k.groups, []);
      const m = await ok('GET', `/api/v1/hazard-kpi?from=${FROM}&to=${TO}&group=period`, undefined, other);
      assert.deepEqual(m.groups.map((g) => g.total), [0, 0, 0]);
      assert.equal((await A('GET', `/api/v1/hazard-kpi?site_id=${site.id}`, undefined, other)).status, 404);
      const r = await fetch(`${srv.url}/api/v1/hazards/export?format=csv&from=${FROM}&to=${TO}`, { headers: { Authorization: `Bearer ${other.token}` } });
      assert.equal(r.status, 200);
      const rows = parseCsv((await r.text()).slice(1));
      assert.equal(rows.length, 2, 'the two header rows only');
      assert.equal((await fetch(`${srv.url}/api/v1/hazards/export?format=csv&from=${FROM}`)).status, 401);
    });

    /** The expected cells of one exported row, from the table and what the API says. */
    async function expectedRow(c) {
      const h = await ok('GET', `/api/v1/hazards/${byTag[c.tag].id}`);
      const fixer = { A: users.fixA, B: users.fixB, S: users.safety }[c.fixer];
      const accepter = c.accepted ? (c.fixer === 'S' ? users.lead2 : users.safety) : null;
      const o = outcome(c, Date.now());
      const lateFix = c.rectified && c.deadline && L(c.rectified) > L(c.deadline);
      return [h.number, localText(L(c.reported)), c.area ? `${area.code} ${area.name}` : `(${(10 + CASES.indexOf(c) * 7).toFixed(1)}, 20.0)`,
        CAT[c.category], !c.fixer ? '待定级' : c.major ? '重大' : '一般', c.text, fixer ? fixer.display : '',
        { A: '生产部', B: '设备部' }[c.fixer] || '', c.deadline ? localText(L(c.deadline)) : '', c.rectified ? localText(L(c.rectified)) : '',
        accepter ? accepter.display : '', c.accepted ? localText(L(c.accepted)) : '', c.closed ? localText(L(c.closed)) : '', STATE[h.state],
        o.overdue || lateFix ? '是' : '否', c.tag === 'h4' ? '是' : '否',
        ...['target', 'method', 'funds_materials', 'people_in_charge', 'deadline', 'safety_measures', 'emergency_plan'].map((p) => (c.major ? PLAN[p] : ''))];
    }
    const sorted = () => [...inRange].sort((a, b) => L(a.reported) - L(b.reported));

    it('exports the ledger as CSV: BOM, RFC 4180 quoting, the formula guard, audited', async () => {
      const r = await fetch(`${srv.url}/api/v1/hazards/export?format=csv&from=${FROM}&to=${TO}`, { headers: { Authorization: `Bearer ${users.safety.token}` } });
      assert.equal(r.status, 200, await r.clone().text());
      assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
      const cd = r.headers.get('content-disposition');
      assert.match(cd, /^attachment; filename="hazard-ledger-20250101-20250331\.csv"; filename\*=UTF-8''/);
      assert.equal(decodeURIComponent(cd.split("UTF-8''")[1]), '隐患台账-20250101-20250331.csv');
      const bytes = Buffer.from(await r.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      assert.ok(text.includes('"\'=SUM(A1:A9) 泵体,""密封""渗漏\n第二行 @note"'), 'quoted, quotes doubled, newline kept, guarded');
      const rows = parseCsv(text);
      assert.deepEqual(rows[0], ZH);
      assert.equal(rows[1][0], 'Number');
      assert.equal(rows[1][15], 'Repeat');
      assert.equal(rows.length, 2 + inRange.length);
      const cases = sorted();
      for (const [i, c] of cases.entries()) {
        const want = (await expectedRow(c)).map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v));
        assert.deepEqual(rows[2 + i], want, c.tag);
      }
      assert.equal(rows[2 + cases.findIndex((c) => c.tag === 'h2')][5], `'${TRICKY}`);
      const audit = await ok('GET', '/api/v1/audit?action=hazards.export&limit=10');
      const rec = audit.items.find((x) => x.actor.includes('safety') && x.object_type === 'hazard_export');
      assert.ok(rec, JSON.stringify(audit.items));
      assert.equal(rec.object_id, `${new Date(FROM_MS).toISOString()}/${new Date(TO_MS).toISOString()}`);
    });

    it('exports the ledger as an XLSX workbook that a spreadsheet library reads back', async () => {
      const before = (await ok('GET', '/api/v1/audit?action=hazards.export&limit=100')).items.length;
      const r = await fetch(`${srv.url}/api/v1/hazards/export?format=xlsx&from=${FROM}&to=${TO}`, { headers: { Authorization: `Bearer ${admin.token}` } });
      assert.equal(r.status, 200, await r.clone().text());
      assert.equal(r.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      assert.equal(decodeURIComponent(r.headers.get('content-disposition').split("UTF-8''")[1]), '隐患台账-20250101-20250331.xlsx');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await r.arrayBuffer()));
      assert.equal(wb.worksheets.length, 1);
      const ws = wb.worksheets[0];
      assert.equal(ws.name, '隐患台账');
      assert.equal(ws.rowCount, 2 + inRange.length);
      const cells = (n) => Array.from({ length: ZH.length }, (_, i) => {
        const v = ws.getRow(n).getCell(i + 1).value;
        return v === null || v === undefined ? '' : String(v);
      });
      assert.deepEqual(cells(1), ZH);
      assert.equal(ws.getRow(1).getCell(1).font?.bold, true);
      assert.equal(cells(2)[0], 'Number');
      assert.equal(cells(2)[22], 'Plan: emergency plan');
      for (const [i, c] of sorted().entries()) assert.deepEqual(cells(3 + i), await expectedRow(c), c.tag);
      // text, never a formula: the tricky description is kept as it is
      const h2 = 3 + sorted().findIndex((c) => c.tag === 'h2');
      assert.equal(ws.getRow(h2).getCell(6).value, TRICKY);
      assert.equal(ws.getRow(h2).getCell(6).formula, undefined);
      const audit = (await ok('GET', '/api/v1/audit?action=hazards.export&limit=100')).items;
      assert.equal(audit.length, before + 1);
      const rec = audit.find((x) => x.actor.includes(':admin'));
      assert.ok(rec, JSON.stringify(audit));
    });
  });
}
