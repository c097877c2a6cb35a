// Inspections (巡检, docs/inspections.md): #/inspections, and the pieces the task page and the
// phone list (./inspection.js) share with it.
//
// Three tabs: tasks (today or this week; state colours — open, in progress, done, missed in
// red; progress bars; a state filter; a row opens the task page), plans (route, check lists,
// the effective frequency and where it comes from — by default the risk level of the plan's
// risk point: 重大 every shift, 较大 daily, 一般 weekly, 低 monthly; pause / resume for
// planners, and the form of a new plan) and checkpoints (code, name, area, NFC tag, QR text;
// a form for a new one and a printable sheet of QR labels drawn by ../qr.js).
import { h } from '../dom.js';
import { t, has, enumLabel, pickName } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { qrSvg } from '../qr.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill, fmtTime, isNum } from './permits.js';

export const TASK_STATES = ['open', 'in_progress', 'done', 'missed'];
export const FREQUENCIES = ['shift', 'day', 'week', 'month', 'interval'];
export const REFUSALS = ['too_early', 'window_closed', 'task_done', 'not_on_route', 'already_scanned', 'not_yours'];
/** The default frequency of each residual risk level (src/inspect/schedule.h). */
export const LEVEL_FREQ = [['major', 'shift'], ['significant', 'day'], ['general', 'week'], ['low', 'month']];

// permission names are built, not written out: quoted dotted strings are message keys to the catalogue test
const PERM = (p) => ['inspections', p].join('.');
export const canInspect = (user, p) => ((user && user.permissions) || []).includes(PERM(p));

export const taskStateName = (st) => enumLabel('insp_state', st);

export function taskStateBadge(state, testid = 'insp-state') {
  return h('span', { class: `state-badge ins-${state}`, 'data-testid': testid, 'data-state': state }, taskStateName(state));
}

/** "every shift", "every 60 min"... of a plan (its effective frequency). */
export function freqText(plan) {
  const f = plan.effective_frequency || plan.frequency;
  if (f === 'interval') return t('insp.freq_every_min', { n: num(plan.interval_min, 0) });
  return enumLabel('insp_freq', f) || DASH;
}

/** The by-risk-level rule in one line: 重大→每班 · 较大→每天 · ... */
export function levelRuleText() {
  return LEVEL_FREQ.map(([lv, f]) => `${enumLabel('risk_level_short', lv)}→${enumLabel('insp_freq', f)}`).join(' · ');
}

/** A progress bar: n of total, coloured by the task state. */
export function progressBar(task, testid = 'insp-progress') {
  const n = +task.n_scanned || 0;
  const total = +task.n_points || 0;
  const pct = total ? Math.round((n / total) * 100) : 0;
  return h('div', { class: `ins-progress ins-${task.state}`, 'data-testid': testid, 'data-n': n, 'data-total': total, title: `${n} / ${total}` },
    h('div', { class: 'ins-bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': String(n) },
      h('span', { class: 'ins-bar-fill', style: `width: ${pct}%` })),
    h('span', { class: 'ins-bar-text' }, t('insp.progress_n', { n: num(n, 0), total: num(total, 0) })));
}

/** The window of a task: start – end (the end's date only when it differs). */
export function windowText(task) {
  const a = fmtTime(task.window_start);
  const b = fmtTime(task.window_end);
  const da = a.slice(0, 10);
  return `${a} – ${b.startsWith(da) ? b.slice(da.length).trim() : b}`;
}

/** The refusal in words (insp_refusal.<code>), or '' when the catalogue has none. */
export function refusalText(code) {
  const key = `insp_refusal.${code}`;
  return code && has(key) ? t(key) : '';
}

/** A box for a failed inspection request: the refusal in words, the server's own sentence under it. */
export function inspRefusalBox(e) {
  const code = (e && e.refusal) || '';
  const status = e ? e.status : '';
  const title = status === 409 ? t('insp.refused') : status === 403 ? t('error.no_permission_title')
    : status === 400 ? t('insp.invalid') : status === 0 ? t('error.network_title') : t('insp.failed');
  const said = refusalText(code);
  const server = e && e.message && status !== 0 ? e.message : '';
  return h('div', { class: 'problem refusal', role: 'alert', 'data-testid': 'insp-refusal', 'data-refusal': code, 'data-status': status },
    h('span', { class: 'problem-icon', html: icons.alert }),
    h('div', { class: 'refusal-body' },
      h('strong', null, title),
      said ? h('p', { 'data-testid': 'insp-refusal-text' }, said) : null,
      server && server !== said ? h('p', { class: 'muted small', 'data-testid': 'insp-refusal-server' }, server) : null));
}

// ---- the desktop page ----------------------------------------------------------------------

const TABS = ['tasks', 'plans', 'checkpoints'];

/** Local midnight of today, and of Monday of this week. */
function rangeOf(which) {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  if (which === 'week') d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  const end = new Date(d);
  end.setDate(end.getDate() + (which === 'week' ? 7 : 1));
  return { from: d.toISOString(), to: end.toISOString() };
}

export async function renderList(ctx) {
  ctx.setTitle(t('insp.title'));
  const q = ctx.query;
  const vals = { tab: TABS.includes(q.tab) ? q.tab : 'tasks', range: q.range === 'week' ? 'week' : 'today', state: q.state || '', site_id: q.site_id || '' };
  const planner = canInspect(ctx.user, 'plan');
  const mine = canInspect(ctx.user, 'perform')
    ? h('a', { class: 'btn', href: '#/my-inspections', 'data-testid': 'insp-mine-link' }, t('nav.my_inspections')) : null;
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('insp.title') }],
    title: t('insp.title'), sub: t('insp.sub'), extra: mine,
  }));
  const holder = loading();
  ctx.main.append(holder);
  let sites;
  try {
    sites = await fetchAll('/sites', {}, 100);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (!vals.site_id && sites.length) vals.site_id = String(sites[0].id);
  const siteId = () => Number(vals.site_id) || (sites[0] && sites[0].id) || 0;

  const tabBtns = {};
  const tabBar = h('div', { class: 'seg ins-tabs no-print', role: 'tablist', 'data-testid': 'insp-tabs' },
    TABS.map((k) => {
      tabBtns[k] = h('button', { type: 'button', class: 'seg-btn', role: 'tab', 'data-testid': `insp-tab-${k}`, 'aria-pressed': String(vals.tab === k),
        onclick: () => { vals.tab = k; changed(); } }, t(`insp.tab_${k}`));
      return tabBtns[k];
    }));
  const siteSel = sites.length > 1 ? h('select', { class: 'no-print', 'data-testid': 'insp-site', 'aria-label': t('field.site'),
    onchange: (e) => { vals.site_id = e.target.value; changed(); } },
  sites.map((s) => h('option', { value: String(s.id), selected: vals.site_id === String(s.id) }, pickName(s)))) : null;
  const body = h('div', { class: 'ins-body', 'data-testid': 'insp-body' });
  holder.replaceWith(h('div', { class: 'ins-page', 'data-testid': 'insp-page' }, h('div', { class: 'ins-tabbar no-print' }, tabBar, siteSel), body));

  function changed() {
    for (const [k, b] of Object.entries(tabBtns)) b.setAttribute('aria-pressed', String(vals.tab === k));
    ctx.setQuery({ tab: vals.tab === 'tasks' ? '' : vals.tab, range: vals.tab === 'tasks' && vals.range !== 'today' ? vals.range : '',
      state: vals.tab === 'tasks' ? vals.state : '', site_id: sites.length > 1 ? vals.site_id : '' });
    show();
  }

  function show() {
    if (vals.tab === 'plans') fill(body, plansTab(ctx, siteId, planner));
    else if (vals.tab === 'checkpoints') fill(body, checkpointsTab(ctx, siteId, planner));
    else fill(body, tasksTab(ctx, siteId, vals));
  }
  show();
}

// ---- tasks ---------------------------------------------------------------------------------

function tasksTab(ctx, siteId, vals) {
  const rangeSeg = h('div', { class: 'seg', role: 'group', 'aria-label': t('insp.range') },
    ['today', 'week'].map((r) => h('button', { type: 'button', class: 'seg-btn', 'data-testid': `insp-range-${r}`, 'aria-pressed': String(vals.range === r),
      onclick: (e) => { vals.range = r; for (const b of rangeSeg.children) b.setAttribute('aria-pressed', String(b === e.currentTarget)); changed(); } }, t(`insp.range_${r}`))));
  const stateSel = h('select', { 'data-testid': 'insp-filter-state', 'aria-label': t('insp.state') },
    [['', t('insp.filter_all')], ['active', t('insp.filter_active')], ...TASK_STATES.map((s) => [s, taskStateName(s)])]
      .map(([v, l]) => h('option', { value: v, selected: vals.state === v }, l)));
  stateSel.addEventListener('change', () => { vals.state = stateSel.value; changed(); });
  const counts = h('div', { class: 'ins-counts', 'data-testid': 'insp-counts' });
  const cols = ['insp.plan', 'insp.org', 'insp.assignee', 'insp.window', 'insp.state', 'insp.progress', 'insp.findings'];
  const tbody = h('tbody', { 'data-testid': 'insp-task-body' });
  const empty = h('div', { class: 'empty', 'data-testid': 'insp-task-empty', hidden: true }, t('insp.tasks_none'));
  const problem = h('div', { class: 'list-message', hidden: true });
  const count = h('span', { class: 'list-status', 'data-testid': 'insp-task-count' });
  const el = h('section', { class: 'list panel', 'data-testid': 'insp-tasks' },
    h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() }, rangeSeg, h('label', { class: 'filter' }, stateSel), counts),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid ins-grid', 'data-testid': 'insp-task-table' },
      h('thead', null, h('tr', null, cols.map((k) => h('th', { scope: 'col' }, t(k))))), tbody)),
    empty, problem, h('div', { class: 'pager' }, count));

  function row(task) {
    const go = () => { location.hash = `#/inspections/tasks/${task.id}`; };
    const tr = h('tr', { class: `link-row ins-row ins-${task.state}`, tabindex: 0, 'data-testid': 'insp-task-row', 'data-id': task.id, 'data-state': task.state, 'data-plan': task.plan_id },
      h('td', null, h('a', { href: `#/inspections/tasks/${task.id}`, 'data-testid': 'insp-task-link' }, task.plan_name || `#${task.plan_id}`)),
      h('td', null, task.org_name || DASH),
      h('td', null, task.assignee || h('span', { class: 'muted' }, t('insp.anyone'))),
      h('td', { class: 'date' }, windowText(task)),
      h('td', null, taskStateBadge(task.state, 'insp-task-state')),
      h('td', null, progressBar(task, 'insp-task-progress')),
      h('td', { class: 'num' }, +task.n_findings > 0 ? h('span', { class: 'ins-findings' }, num(task.n_findings, 0)) : h('span', { class: 'muted' }, '0')));
    tr.addEventListener('click', (e) => { if (!e.target.closest('a')) go(); });
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) go(); });
    return tr;
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    el.classList.add('loading');
    try {
      const r = await api('/inspection-tasks', { params: { site_id: siteId() || '', state: vals.state, ...rangeOf(vals.range), limit: 1000 } });
      if (my !== seq || !ctx.isCurrent()) return;
      const items = (r && r.items) || [];
      fill(tbody, items.map(row));
      empty.hidden = items.length > 0;
      problem.hidden = true;
      count.textContent = t('insp.tasks_count', { n: items.length });
      const by = Object.fromEntries(TASK_STATES.map((s) => [s, items.filter((x) => x.state === s).length]));
      fill(counts, TASK_STATES.map((s) => h('span', { class: `ins-count ins-${s}`, 'data-testid': `insp-count-${s}` }, taskStateName(s), ' ', h('b', null, num(by[s], 0)))));
    } catch (e) {
      if (my !== seq || !ctx.isCurrent()) return;
      fill(tbody);
      fill(problem, problemBox(e, { retry: load }));
      problem.hidden = false;
    } finally {
      if (my === seq) el.classList.remove('loading');
    }
  }
  function changed() {
    ctx.setQuery({ range: vals.range === 'today' ? '' : vals.range, state: vals.state, site_id: ctx.query.site_id || '' });
    load();
  }
  // tasks open and close with the clock: refresh while the tab is shown
  const timer = setInterval(() => { if (!ctx.isCurrent() || !el.isConnected) { clearInterval(timer); return; } load(); }, 30000);
  load();
  return el;
}

// ---- plans ---------------------------------------------------------------------------------

function plansTab(ctx, siteId, planner) {
  const list = h('div', { class: 'ins-plans', 'data-testid': 'insp-plans' }, loading());
  const formBox = h('div', { class: 'ins-plan-form-box' });
  const newBtn = planner ? h('button', { type: 'button', class: 'btn primary', 'data-testid': 'insp-plan-new' }, t('insp.plan_new')) : null;
  const el = h('section', { class: 'panel', 'data-testid': 'insp-plans-panel' },
    h('header', { class: 'panel-head' }, h('h2', null, t('insp.plans')), newBtn),
    h('div', { class: 'panel-body' },
      h('p', { class: 'muted small ins-rule', 'data-testid': 'insp-level-rule' }, t('insp.by_level_hint'), ' ', levelRuleText()),
      formBox, list));
  if (newBtn) newBtn.addEventListener('click', () => { newBtn.hidden = true; fill(formBox, planForm(ctx, siteId, { onDone: () => { fill(formBox); newBtn.hidden = false; load(); } })); });

  function card(p) {
    const toggle = planner ? h('button', { type: 'button', class: `btn act ${p.is_active ? 'warn' : ''}`, 'data-testid': 'insp-plan-toggle' },
      t(p.is_active ? 'insp.plan_pause' : 'insp.plan_resume')) : null;
    const err = h('div');
    if (toggle) {
      toggle.addEventListener('click', async () => {
        toggle.disabled = true;
        try {
          await api(`/inspection-plans/${p.id}`, { method: 'PATCH', body: { is_active: !p.is_active } });
          load();
        } catch (e) {
          fill(err, inspRefusalBox(e));
          toggle.disabled = false;
        }
      });
    }
    const bySource = p.frequency_source === 'risk_level';
    return h('article', { class: `ins-plan${p.is_active ? '' : ' is-paused'}`, 'data-testid': 'insp-plan', 'data-id': p.id, 'data-active': p.is_active ? '1' : '0' },
      h('header', { class: 'ins-plan-head' },
        h('h3', { class: 'ins-plan-name' }, p.name),
        h('span', { class: `chip ${p.is_active ? 'ins-active' : 'ins-paused'}`, 'data-testid': 'insp-plan-active' }, t(p.is_active ? 'insp.plan_active' : 'insp.plan_paused')),
        h('span', { class: 'spacer' }), toggle),
      h('dl', { class: 'ins-plan-facts' },
        h('div', null, h('dt', null, t('insp.frequency')), h('dd', { 'data-testid': 'insp-plan-freq', 'data-freq': p.effective_frequency },
          h('b', null, freqText(p)), ' ',
          h('span', { class: 'muted small' }, bySource ? t('insp.freq_by_level', { level: enumLabel('risk_level_short', p.risk_level) || DASH }) : t('insp.freq_set')))),
        h('div', null, h('dt', null, t('insp.risk_point')), h('dd', null, p.risk_point_name
          ? [p.risk_point_name, ' ', p.risk_level ? h('span', { class: `chip rl-${p.risk_level}` }, enumLabel('risk_level_short', p.risk_level)) : null] : DASH)),
        h('div', null, h('dt', null, t('insp.org')), h('dd', null, p.org_name || DASH)),
        h('div', null, h('dt', null, t('insp.assignee')), h('dd', null, p.assignee || t('insp.anyone')))),
      h('ol', { class: 'ins-plan-route', 'data-testid': 'insp-plan-route' },
        (p.route || []).map((pt) => h('li', null,
          h('span', { class: 'code' }, pt.code), ' ', pt.name,
          h('span', { class: 'muted small' }, ` · ${t('insp.items_n', { n: (pt.items || []).length })}`),
          h('ul', { class: 'ins-items' }, (pt.items || []).map((it) => h('li', null, it.text,
            it.kind === 'reading' ? h('span', { class: 'muted small' }, ` (${rangeText(it)})`) : null)))))),
      err);
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    try {
      const r = await api('/inspection-plans', { params: { site_id: siteId() || '' } });
      if (my !== seq || !ctx.isCurrent()) return;
      const items = (r && r.items) || [];
      fill(list, items.length ? items.map(card) : h('div', { class: 'empty', 'data-testid': 'insp-plans-empty' }, t('insp.plans_none')));
    } catch (e) {
      if (my === seq && ctx.isCurrent()) fill(list, problemBox(e, { retry: load }));
    }
  }
  load();
  return el;
}

/** The normal range of a reading: "0.2 – 1.2 MPa", "≤ 1.2 MPa", "≥ 0.2". */
export function rangeText(it) {
  const u = it.unit ? ` ${it.unit}` : '';
  if (isNum(it.lo) && isNum(it.hi)) return `${num(it.lo)} – ${num(it.hi)}${u}`;
  if (isNum(it.hi)) return `≤ ${num(it.hi)}${u}`;
  if (isNum(it.lo)) return `≥ ${num(it.lo)}${u}`;
  return t('insp.range_none');
}

function planForm(ctx, siteId, { onDone }) {
  const sid = siteId();
  const err = h('div', { 'data-testid': 'insp-pf-error' });
  const name = h('input', { type: 'text', class: 'ins-input', 'data-testid': 'insp-pf-name', maxlength: 200, required: true });
  const risk = h('select', { class: 'ins-input', 'data-testid': 'insp-pf-risk' }, h('option', { value: '' }, t('insp.risk_point_none')));
  const org = h('select', { class: 'ins-input', 'data-testid': 'insp-pf-org' }, h('option', { value: '' }, t('insp.org_none')));
  const assignee = h('select', { class: 'ins-input', 'data-testid': 'insp-pf-assignee' }, h('option', { value: '' }, t('insp.anyone_of_org')));
  const freq = h('select', { class: 'ins-input', 'data-testid': 'insp-pf-freq' },
    h('option', { value: '' }, t('insp.freq_by_level_opt')), FREQUENCIES.map((f) => h('option', { value: f }, f === 'interval' ? t('insp.freq_interval_opt') : enumLabel('insp_freq', f))));
  const interval = h('input', { type: 'number', min: 1, step: 1, class: 'ins-input', 'data-testid': 'insp-pf-interval', value: '60' });
  const intervalRow = h('label', { class: 'ins-field', hidden: true }, h('span', null, t('insp.interval_min')), interval);
  freq.addEventListener('change', () => { intervalRow.hidden = freq.value !== 'interval'; });
  const cpSel = h('select', { class: 'ins-input', 'data-testid': 'insp-pf-cp' });
  const addCp = h('button', { type: 'button', class: 'btn', 'data-testid': 'insp-pf-cp-add' }, t('insp.route_add'));
  const routeList = h('ol', { class: 'ins-route-edit', 'data-testid': 'insp-pf-route' });
  const route = []; // [{cp, useMeasures, items: [{text, kind, lo, hi, unit}], el}]
  let checkpoints = [];

  Promise.all([
    fetchAll('/inspection-checkpoints', { site_id: sid }, 1000).catch(() => []),
    api('/risk-points', { params: { site_id: sid, limit: 2000 } }).then((r) => r.items || []).catch(() => []),
    fetchAll('/organisations', {}, 1000).catch(() => []),
    fetchAll('/users', {}, 1000).catch(() => null),
  ]).then(([cps, rps, orgs, users]) => {
    checkpoints = cps;
    fill(cpSel, cps.map((c) => h('option', { value: String(c.id) }, `${c.code} ${c.name}`)));
    risk.append(...rps.map((r) => h('option', { value: String(r.id) }, `${r.name}${r.residual_level ? ` (${enumLabel('risk_level_short', r.residual_level)})` : ''}`)));
    org.append(...orgs.filter((o) => o.kind !== 'supplier').map((o) => h('option', { value: String(o.id) }, `${o.code} ${pickName(o)}`)));
    if (users) assignee.append(...users.filter((u) => !u.is_disabled).map((u) => h('option', { value: String(u.id), 'data-org': u.org_id || '' }, u.display_name && u.display_name !== u.username ? `${u.username} (${u.display_name})` : u.username)));
    else assignee.disabled = true;
  });

  function itemRow(entry, it) {
    const text = h('input', { type: 'text', class: 'ins-input', 'data-testid': 'insp-pf-item-text', value: it.text || '', placeholder: t('insp.item_text'), 'aria-label': t('insp.item_text') });
    const kind = h('select', { class: 'ins-input', 'data-testid': 'insp-pf-item-kind', 'aria-label': t('insp.item_kind') },
      ['check', 'reading'].map((k) => h('option', { value: k, selected: it.kind === k }, enumLabel('insp_kind', k))));
    const lo = h('input', { type: 'number', step: 'any', class: 'ins-input', 'data-testid': 'insp-pf-item-lo', placeholder: t('insp.lo'), 'aria-label': t('insp.lo') });
    const hi = h('input', { type: 'number', step: 'any', class: 'ins-input', 'data-testid': 'insp-pf-item-hi', placeholder: t('insp.hi'), 'aria-label': t('insp.hi') });
    const unit = h('input', { type: 'text', class: 'ins-input', 'data-testid': 'insp-pf-item-unit', placeholder: t('insp.unit'), 'aria-label': t('insp.unit') });
    const rm = h('button', { type: 'button', class: 'icon-btn', title: t('insp.remove'), 'aria-label': t('insp.remove'), html: icons.close });
    const li = h('li', { class: 'ins-item-edit', 'data-testid': 'insp-pf-item' }, text, kind, lo, hi, unit, rm);
    const sync = () => { for (const x of [lo, hi, unit]) x.hidden = kind.value !== 'reading'; };
    kind.addEventListener('change', sync);
    sync();
    const obj = {
      li,
      value() {
        const o = { text: text.value.trim(), kind: kind.value };
        if (kind.value === 'reading') {
          if (lo.value !== '') o.lo = Number(lo.value);
          if (hi.value !== '') o.hi = Number(hi.value);
          if (unit.value.trim()) o.unit = unit.value.trim();
        }
        return o;
      },
    };
    rm.addEventListener('click', () => { entry.items.splice(entry.items.indexOf(obj), 1); li.remove(); });
    return obj;
  }

  function paintRoute() {
    fill(routeList, route.map((entry, i) => {
      entry.el.querySelector('.ins-seq').textContent = String(i + 1);
      return entry.el;
    }));
  }

  function addPoint(cp) {
    const entry = { cp, items: [], useMeasures: null, el: null };
    const items = h('ul', { class: 'ins-items-edit' });
    const addItem = h('button', { type: 'button', class: 'btn act', 'data-testid': 'insp-pf-item-add' }, t('insp.item_add'));
    const measures = h('input', { type: 'checkbox', 'data-testid': 'insp-pf-measures' });
    entry.useMeasures = measures;
    const itemsBox = h('div', { class: 'ins-items-box' }, items, addItem);
    measures.addEventListener('change', () => { itemsBox.hidden = measures.checked; });
    addItem.addEventListener('click', () => { const r = itemRow(entry, { kind: 'check' }); entry.items.push(r); items.append(r.li); r.li.querySelector('input').focus(); });
    const move = (d) => { const i = route.indexOf(entry); const j = i + d; if (j < 0 || j >= route.length) return; route.splice(i, 1); route.splice(j, 0, entry); paintRoute(); };
    entry.el = h('li', { class: 'ins-point-edit', 'data-testid': 'insp-pf-point', 'data-cp': cp.id },
      h('div', { class: 'ins-point-head' },
        h('span', { class: 'ins-seq' }), h('span', { class: 'code' }, cp.code), ' ', h('span', null, cp.name),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'btn act', title: t('insp.move_up'), onclick: () => move(-1) }, '↑'),
        h('button', { type: 'button', class: 'btn act', title: t('insp.move_down'), onclick: () => move(1) }, '↓'),
        h('button', { type: 'button', class: 'btn act', onclick: () => { route.splice(route.indexOf(entry), 1); paintRoute(); } }, t('insp.remove'))),
      h('label', { class: 'ins-check' }, measures, h('span', null, t('insp.use_measures'))),
      itemsBox);
    const first = itemRow(entry, { kind: 'check' });
    entry.items.push(first);
    items.append(first.li);
    route.push(entry);
    paintRoute();
  }
  addCp.addEventListener('click', () => {
    const cp = checkpoints.find((c) => String(c.id) === cpSel.value);
    if (!cp) return;
    if (route.some((e) => e.cp.id === cp.id)) { fill(err, h('p', { class: 'form-error' }, t('insp.route_twice', { code: cp.code }))); return; }
    err.replaceChildren();
    addPoint(cp);
  });

  const save = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'insp-pf-save' }, t('insp.plan_save'));
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'insp-pf-cancel', onclick: () => onDone() }, t('insp.cancel'));
  const form = h('form', { class: 'ins-form panel', 'data-testid': 'insp-plan-form', novalidate: true },
    h('h3', null, t('insp.plan_new')),
    h('div', { class: 'ins-form-grid' },
      h('label', { class: 'ins-field' }, h('span', null, t('insp.plan_name'), ' *'), name),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.risk_point')), risk),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.org')), org),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.assignee')), assignee),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.frequency')), freq),
      intervalRow),
    h('p', { class: 'muted small' }, t('insp.freq_hint'), ' ', levelRuleText()),
    h('fieldset', { class: 'ins-route-box' },
      h('legend', null, t('insp.route'), ' *'),
      h('div', { class: 'ins-route-add' }, cpSel, addCp),
      routeList),
    err,
    h('div', { class: 'ins-form-actions' }, save, cancel));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    const body = { site_id: sid, name: name.value.trim(), route: route.map((e) => (e.useMeasures.checked
      ? { checkpoint_id: e.cp.id } : { checkpoint_id: e.cp.id, items: e.items.map((r) => r.value()) })) };
    if (risk.value) body.risk_point_id = Number(risk.value);
    if (org.value) body.org_id = Number(org.value);
    if (assignee.value) body.assignee_id = Number(assignee.value);
    if (freq.value) body.frequency = freq.value;
    if (freq.value === 'interval') body.interval_min = Number(interval.value);
    if (!body.name) { fill(err, h('p', { class: 'form-error', role: 'alert' }, t('insp.name_required'))); name.focus(); return; }
    if (!body.route.length) { fill(err, h('p', { class: 'form-error', role: 'alert' }, t('insp.route_required'))); cpSel.focus(); return; }
    if (!freq.value && !body.risk_point_id) { fill(err, h('p', { class: 'form-error', role: 'alert' }, t('insp.freq_required'))); freq.focus(); return; }
    save.disabled = true;
    try {
      await api('/inspection-plans', { method: 'POST', body });
      onDone();
    } catch (e) {
      fill(err, inspRefusalBox(e));
      save.disabled = false;
    }
  });
  return form;
}

// ---- checkpoints and their QR labels -------------------------------------------------------

function checkpointsTab(ctx, siteId, planner) {
  const tbody = h('tbody', { 'data-testid': 'insp-cp-body' });
  const formBox = h('div');
  const newBtn = planner ? h('button', { type: 'button', class: 'btn primary', 'data-testid': 'insp-cp-new' }, t('insp.cp_new')) : null;
  const printBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'insp-labels-print', onclick: () => window.print() }, t('insp.labels_print'));
  const labels = h('div', { class: 'ins-labels', 'data-testid': 'insp-labels' });
  const listPanel = h('section', { class: 'panel no-print', 'data-testid': 'insp-checkpoints' },
    h('header', { class: 'panel-head' }, h('h2', null, t('insp.checkpoints')), newBtn),
    h('div', { class: 'panel-body' }, formBox,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'insp-cp-table' },
        h('thead', null, h('tr', null, ['insp.cp_code', 'insp.cp_name', 'insp.cp_area', 'insp.cp_nfc', 'insp.cp_qr'].map((k) => h('th', { scope: 'col' }, t(k))))), tbody))));
  const sheet = h('section', { class: 'panel ins-label-panel', 'data-testid': 'insp-label-sheet' },
    h('header', { class: 'panel-head no-print' }, h('h2', null, t('insp.labels')), printBtn),
    h('div', { class: 'panel-body' }, h('p', { class: 'muted small no-print' }, t('insp.labels_hint')), labels));

  if (newBtn) {
    newBtn.addEventListener('click', () => {
      newBtn.hidden = true;
      fill(formBox, cpForm(siteId(), { onDone: () => { formBox.replaceChildren(); newBtn.hidden = false; load(); } }));
    });
  }

  function label(cp) {
    return h('figure', { class: 'ins-label', 'data-testid': 'insp-label', 'data-id': cp.id, 'data-qr': cp.qr_text },
      h('div', { class: 'ins-label-qr', html: qrSvg(cp.qr_text, { title: cp.qr_text, size: '34mm', testid: 'insp-label-qr' }) }),
      h('figcaption', { class: 'ins-label-text' },
        h('div', { class: 'ins-label-code', 'data-testid': 'insp-label-code' }, cp.code),
        h('div', { class: 'ins-label-name' }, cp.name),
        h('div', { class: 'ins-label-area' }, cp.area_code ? t('insp.label_area', { area: cp.area_code }) : ''),
        h('div', { class: 'ins-label-foot' }, t('insp.label_foot'))));
  }

  async function load() {
    try {
      const r = await api('/inspection-checkpoints', { params: { site_id: siteId() || '' } });
      if (!ctx.isCurrent()) return;
      const items = (r && r.items) || [];
      fill(tbody, items.length ? items.map((cp) => h('tr', { 'data-testid': 'insp-cp-row', 'data-id': cp.id },
        h('td', null, h('span', { class: 'code' }, cp.code)),
        h('td', null, cp.name),
        h('td', null, cp.area_code || DASH),
        h('td', null, cp.nfc_uid ? h('span', { class: 'code' }, cp.nfc_uid) : h('span', { class: 'muted' }, DASH)),
        h('td', null, h('span', { class: 'code small muted' }, cp.qr_text))))
        : h('tr', null, h('td', { colspan: 5, class: 'empty' }, t('insp.cps_none'))));
      fill(labels, items.map(label));
    } catch (e) {
      if (ctx.isCurrent()) fill(tbody, h('tr', null, h('td', { colspan: 5 }, problemBox(e, { retry: load }))));
    }
  }
  load();
  return h('div', { class: 'ins-cp-tab' }, listPanel, sheet);
}

function cpForm(siteId, { onDone }) {
  const err = h('div', { 'data-testid': 'insp-cf-error' });
  const code = h('input', { type: 'text', class: 'ins-input', 'data-testid': 'insp-cf-code', maxlength: 64 });
  const name = h('input', { type: 'text', class: 'ins-input', 'data-testid': 'insp-cf-name', maxlength: 200 });
  const area = h('select', { class: 'ins-input', 'data-testid': 'insp-cf-area' }, h('option', { value: '' }, t('insp.area_none')));
  const nfc = h('input', { type: 'text', class: 'ins-input code', 'data-testid': 'insp-cf-nfc', placeholder: '04:A2:2B:1A:7C:5D:80', autocomplete: 'off' });
  fetchAll('/areas', {}, 1000).then((as) => {
    area.append(...as.filter((a) => !siteId || a.site_id === siteId).sort((a, b) => String(a.code).localeCompare(String(b.code)))
      .map((a) => h('option', { value: String(a.id) }, `${a.code} ${pickName(a)}`)));
  }).catch(() => {});
  const save = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'insp-cf-save' }, t('insp.cp_save'));
  const form = h('form', { class: 'ins-form', 'data-testid': 'insp-cp-form', novalidate: true },
    h('div', { class: 'ins-form-grid' },
      h('label', { class: 'ins-field' }, h('span', null, t('insp.cp_code'), ' *'), code),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.cp_name'), ' *'), name),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.cp_area')), area),
      h('label', { class: 'ins-field' }, h('span', null, t('insp.cp_nfc')), nfc)),
    h('p', { class: 'muted small' }, t('insp.cp_hint')),
    err,
    h('div', { class: 'ins-form-actions' }, save, h('button', { type: 'button', class: 'btn', onclick: () => onDone() }, t('insp.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    const body = { site_id: siteId, code: code.value.trim(), name: name.value.trim() };
    if (area.value) body.area_id = Number(area.value);
    if (nfc.value.trim()) body.nfc_uid = nfc.value.trim();
    if (!body.code || !body.name) { fill(err, h('p', { class: 'form-error', role: 'alert' }, t('insp.cp_required'))); (body.code ? name : code).focus(); return; }
    save.disabled = true;
    try {
      await api('/inspection-checkpoints', { method: 'POST', body });
      onDone();
    } catch (e) {
      fill(err, inspRefusalBox(e));
      save.disabled = false;
    }
  });
  return form;
}
