// Live alarm list (#/alarms) and alarm detail (#/alarms/ID). The list shows the standing
// alarms of the shared feed (../alarmfeed.js: SSE with polling fallback), coloured by
// priority, unacknowledged rows marked; filters and sort are applied in the browser.
// Actions (acknowledge, shelve, unshelve, reset) POST to /alarms/{id}/...; the answer's live
// status updates the row at once, the event that follows confirms it. Alarms suppressed by
// design (folded into an incident of the failure-mode reasoner) are hidden unless asked for;
// a suppressed row links to its incident (the suppressor of its latest suppress entry).
import { h } from '../dom.js';
import { t, getLang, enumLabel } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, panel, fields, problemBox, loading, code } from '../ui.js';
import { num, text, DASH } from '../format.js';
import { fmtDateTime } from '../chart.js';
import { areaOptions } from './assets.js';
import { getObj } from '../lookup.js';
import {
  subscribe, alarms, isUnack, applyLive, reload, isSoundOn, setSound, PRIORITIES, PRIO_RANK,
} from '../alarmfeed.js';

const OPERATE = ['alarms', 'operate'].join('.');
export const STATES = ['unack', 'acked', 'rtn_unack', 'latched', 'shelved', 'suppressed', 'out_of_service'];
export const SHELVE_MINUTES = [15, 30, 60, 120, 240, 480];

export const canOperate = (user) => ((user && user.permissions) || []).includes(OPERATE);
const nameOf = (a) => (getLang() === 'en' ? a.tag_name_en || a.tag_name : a.tag_name || a.tag_name_en) || '';
const msOf = (a) => (a.since_ns ? a.since_ns / 1e6 : a.since ? Date.parse(a.since) : 0);

// alarm id → {at, promise of incident|null}: the incident that suppressed the alarm (from its
// journal), looked up again after SUPPRESSOR_TTL_MS (a later incident may suppress it again)
const suppressors = new Map();
const SUPPRESSOR_TTL_MS = 30000;
/** The incident a suppressed alarm is folded into, or null when unknown (not an incident, gone). */
export function suppressorOf(a) {
  const hit = suppressors.get(a.id);
  if (hit && Date.now() - hit.at < SUPPRESSOR_TTL_MS) return hit.promise;
  const promise = api(`/alarms/${a.id}`).then((full) => {
    const entries = (full && full.journal) || [];
    let sid = null;
    for (const e of entries) if (e.cause === 'suppress' && e.suppressor_id) sid = e.suppressor_id;
    return sid ? getObj('incidents', sid) : null;
  }).catch(() => null);
  suppressors.set(a.id, { at: Date.now(), promise });
  return promise;
}

export function prioBadge(p) {
  return h('span', { class: `prio-badge prio-${p}`, 'data-testid': 'alarm-priority' }, enumLabel('alarm_priority', p));
}
export function stateBadge(s) {
  return h('span', { class: `state-badge st-${s}`, 'data-testid': 'alarm-state', 'data-state': s }, enumLabel('alarm_state', s));
}
function valueLimit(a) {
  const unit = a.unit ? ` ${a.unit}` : '';
  const v = a.value === null || a.value === undefined ? DASH : num(a.value);
  const l = a.limit === null || a.limit === undefined ? DASH : num(a.limit);
  return h('span', { class: 'vl' }, h('strong', null, v), h('span', { class: 'muted' }, ` / ${l}${unit}`));
}

/** A message for a failed action: the server's text, with a hint by status. */
function actionError(e) {
  const key = e.status === 409 ? 'alarms.err_conflict' : e.status === 403 ? 'error.no_permission_title'
    : e.status === 400 ? 'alarms.err_invalid' : e.status === 0 ? 'error.network_title' : 'alarms.err_action';
  return `${t(key)}${e.message && e.status !== 0 ? `: ${e.message}` : ''}`;
}

/** POST an action; returns the live status or throws ApiError. */
async function act(id, action, body) {
  const live = await api(`/alarms/${id}/${action}`, { method: 'POST', body: body || {} });
  applyLive(id, live);
  return live;
}

// ---- shelve dialog --------------------------------------------------------------------

/** Opens the shelve dialog for alarm a; resolves after it closes. */
export function shelveDialog(a, onDone) {
  const err = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'shelve-error', hidden: true });
  const kindTimed = h('input', { type: 'radio', name: 'shelve-kind', value: 'timed', checked: true, 'data-testid': 'shelve-kind-timed' });
  const kindOne = h('input', { type: 'radio', name: 'shelve-kind', value: 'one_shot', 'data-testid': 'shelve-kind-one_shot' });
  const dur = h('select', { 'data-testid': 'shelve-duration', 'aria-label': t('alarms.shelve_duration') },
    SHELVE_MINUTES.map((m) => h('option', { value: m * 60, selected: m === 60 },
      m < 60 ? t('alarms.minutes', { n: m }) : t('alarms.hours', { n: m / 60 }))));
  const reason = h('textarea', { rows: 3, 'aria-required': 'true', maxlength: 500, 'data-testid': 'shelve-reason', placeholder: t('alarms.shelve_reason_ph') });
  const submit = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'shelve-submit' }, t('alarms.shelve'));
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'shelve-cancel' }, t('alarms.cancel'));
  const syncKind = () => { dur.disabled = !kindTimed.checked; };
  kindTimed.addEventListener('change', syncKind);
  kindOne.addEventListener('change', syncKind);
  const form = h('form', { class: 'dialog-form', method: 'dialog' },
    h('h2', null, t('alarms.shelve_title')),
    h('p', { class: 'muted small' }, h('span', { class: 'code' }, a.tag_key), ' ', enumLabel('alarm_kind', a.kind), ' · ', t('alarms.shelve_hint')),
    h('fieldset', { class: 'radio-row' }, h('legend', null, t('alarms.shelve_kind')),
      h('label', null, kindTimed, t('alarms.shelve_timed')), dur,
      h('label', null, kindOne, t('alarms.shelve_one_shot'))),
    h('label', { class: 'form-row' }, h('span', null, t('alarms.shelve_reason')), reason),
    err,
    h('div', { class: 'dialog-buttons' }, cancel, submit));
  const dlg = h('dialog', { class: 'dialog', 'data-testid': 'shelve-dialog' }, form);
  document.body.append(dlg);
  const close = () => { dlg.close(); dlg.remove(); };
  cancel.addEventListener('click', close);
  dlg.addEventListener('cancel', () => dlg.remove());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const comment = reason.value.trim();
    if (!comment) { err.textContent = t('alarms.shelve_reason_required'); err.hidden = false; reason.focus(); return; }
    const body = kindTimed.checked ? { kind: 'timed', duration_s: Number(dur.value), comment } : { kind: 'one_shot', comment };
    submit.disabled = true;
    try {
      await act(a.id, 'shelve', body);
      close();
      if (onDone) onDone();
    } catch (e) {
      err.textContent = actionError(e);
      err.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  dlg.showModal();
  reason.focus();
}

/** The action buttons allowed in state a.state. */
function actionButtons(a, { onError, onDone, comment } = {}) {
  const run = (action, btn) => async () => {
    btn.disabled = true;
    try {
      const c = comment ? comment() : '';
      await act(a.id, action, c ? { comment: c } : {});
      if (onDone) onDone();
    } catch (e) {
      if (onError) onError(actionError(e));
    } finally {
      btn.disabled = false;
    }
  };
  const mk = (action, labelKey, cls = '') => {
    const b = h('button', { type: 'button', class: `btn act ${cls}`, 'data-testid': `alarm-${action}` }, t(labelKey));
    b.addEventListener('click', action === 'shelve' ? () => shelveDialog(a, onDone) : run(action, b));
    return b;
  };
  const out = [];
  if (isUnack(a)) out.push(mk('ack', 'alarms.ack', 'primary'));
  if (a.state === 'latched') out.push(mk('reset', 'alarms.reset'));
  if (a.state === 'shelved') out.push(mk('unshelve', 'alarms.unshelve'));
  else if (a.state !== 'out_of_service') out.push(mk('shelve', 'alarms.shelve'));
  return out;
}

// ---- list page ------------------------------------------------------------------------

export async function renderList(ctx) {
  ctx.setTitle(t('alarms.title'));
  const q = ctx.query;
  const vals = { priority: q.priority || '', state: q.state || '', area_id: q.area_id || '', q: q.q || '', sort: q.sort || 'priority', suppressed: q.suppressed === '1' ? '1' : '' };
  const operate = canOperate(ctx.user);

  const sel = (name, labelKey, options) => {
    const s = h('select', { 'data-testid': `alarm-filter-${name}`, 'aria-label': t(labelKey) },
      options.map(([v, l]) => h('option', { value: v, selected: vals[name] === v }, l)));
    s.addEventListener('change', () => { vals[name] = s.value; changed(); });
    return h('label', { class: 'filter' }, s);
  };
  const all = (k) => `${t(k)}: ${t('list.all')}`;
  const areaSel = sel('area_id', 'field.area', [['', all('field.area')]]);
  areaOptions().then((opts) => {
    const s = areaSel.firstChild;
    for (const o of opts) s.append(h('option', { value: o.value, selected: vals.area_id === o.value }, o.label));
  }).catch(() => {});
  const search = h('input', { type: 'search', class: 'search-input', value: vals.q, 'data-testid': 'alarm-search',
    placeholder: t('alarms.search_placeholder'), 'aria-label': t('list.search'), autocomplete: 'off' });
  search.addEventListener('input', () => { vals.q = search.value.trim(); changed(); });
  const soundBtn = h('button', { type: 'button', class: 'btn sound-btn', 'data-testid': 'alarm-sound' });
  const paintSound = () => {
    const on = isSoundOn();
    soundBtn.setAttribute('aria-pressed', String(on));
    soundBtn.replaceChildren(h('span', { html: on ? icons.sound : icons.mute }), t(on ? 'alarms.sound_on' : 'alarms.sound_off'));
  };
  soundBtn.addEventListener('click', () => { setSound(!isSoundOn()); paintSound(); });
  paintSound();
  const supBox = h('input', { type: 'checkbox', checked: vals.suppressed === '1', 'data-testid': 'alarm-show-suppressed' });
  const supText = h('span', null, t('alarms.show_suppressed', { n: 0 }));
  supBox.addEventListener('change', () => { vals.suppressed = supBox.checked ? '1' : ''; changed(); });
  const supToggle = h('label', { class: 'suppress-toggle', 'data-testid': 'alarm-suppressed-toggle' }, supBox, supText);

  const toolbar = h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'search-box' }, h('span', { class: 'search-icon', html: icons.search }), search),
    sel('priority', 'alarms.col_priority', [['', all('alarms.col_priority')], ...PRIORITIES.map((p) => [p, enumLabel('alarm_priority', p)])]),
    sel('state', 'alarms.col_state', [['', all('alarms.col_state')], ['unack_any', t('alarms.state_unack_any')],
      ...STATES.map((s) => [s, enumLabel('alarm_state', s)])]),
    areaSel,
    sel('sort', 'alarms.sort', [['priority', t('alarms.sort_priority')], ['time', t('alarms.sort_time')]]),
    supToggle,
    soundBtn);

  const status = h('span', { class: 'feed-status', 'data-testid': 'alarm-feed-status', role: 'status' });
  const count = h('span', { class: 'list-status', 'data-testid': 'alarm-count' });
  const errBox = h('div', { class: 'form-error action-error', role: 'alert', 'data-testid': 'alarm-action-error', hidden: true });
  const showError = (msg) => {
    errBox.replaceChildren(h('span', null, msg),
      h('button', { type: 'button', class: 'icon-btn close-err', 'aria-label': t('alarms.dismiss'), html: icons.close, onclick: () => { errBox.hidden = true; } }));
    errBox.hidden = false;
  };

  const cols = ['alarms.col_time', 'alarms.col_tag', 'alarms.col_kind', 'alarms.col_value', 'alarms.col_priority', 'alarms.col_state'];
  const thead = h('thead', null, h('tr', null, h('th', { class: 'mark-col', 'aria-hidden': 'true' }),
    cols.map((k, i) => h('th', { scope: 'col', class: i === 2 || i === 0 ? 'minor-phone' : '' }, t(k))),
    operate ? h('th', { scope: 'col' }, t('alarms.col_actions')) : null));
  const tbody = h('tbody', { 'data-testid': 'alarm-list-body' });
  const table = h('table', { class: 'grid alarm-grid', 'data-testid': 'alarm-table' }, thead, tbody);
  const empty = h('div', { class: 'empty', 'data-testid': 'alarm-empty', hidden: true }, t('alarms.none'));
  const problem = h('div', { class: 'list-message', hidden: true });

  ctx.main.append(
    pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('alarms.title') }], title: t('alarms.title'), extra: status }),
    errBox,
    h('section', { class: 'list alarm-list', 'data-testid': 'alarm-page' }, toolbar,
      h('div', { class: 'table-wrap' }, table), empty, problem,
      h('div', { class: 'pager' }, count, h('span', { class: 'muted small legend' }, t('alarms.legend')))));

  const rows = new Map(); // id → {item, tr}

  function rowOf(a) {
    const unack = isUnack(a);
    const tr = h('tr', {
      class: `alarm-row link-row prio-${a.priority}${unack ? ' is-unack' : ''}`, tabindex: 0,
      'data-testid': 'alarm-row', 'data-id': a.id, 'data-state': a.state, 'data-priority': a.priority, 'data-tag-key': a.tag_key,
    },
    h('td', { class: 'mark-col' }, h('span', { class: 'unack-mark', title: unack ? t('alarms.unacked') : '' })),
    h('td', { class: 'date minor-phone' }, a.since ? fmtDateTime(msOf(a)) : DASH),
    h('td', null, h('span', { class: 'tag-cell' }, h('a', { href: `#/alarms/${a.id}`, class: 'code' }, a.tag_key || `#${a.tag_id}`),
      h('span', { class: 'name-other' }, nameOf(a)), a.state === 'suppressed' ? incidentLink(a) : null)),
    h('td', { class: 'kind-cell minor-phone' }, enumLabel('alarm_kind', a.kind)),
    h('td', { class: 'num' }, valueLimit(a)),
    h('td', null, prioBadge(a.priority)),
    h('td', null, stateBadge(a.state)),
    operate ? h('td', { class: 'actions' }, actionButtons(a, { onError: showError, onDone: () => { errBox.hidden = true; } })) : null);
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button, input, select')) return;
      location.hash = `#/alarms/${a.id}`;
    });
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) location.hash = `#/alarms/${a.id}`; });
    return tr;
  }

  function incidentLink(a) {
    const holder = h('span', { class: 'sup-link', 'data-testid': 'alarm-suppressor' });
    suppressorOf(a).then((inc) => {
      if (!inc) return;
      const name = getLang() === 'en' ? inc.name : inc.name_zh || inc.name;
      holder.append(h('a', { href: `#/control-room?incident=${inc.id}`, 'data-testid': 'alarm-incident-link', 'data-incident-id': inc.id, title: name },
        t('alarms.suppressed_by', { id: inc.id }), ` · ${inc.scope_code} ${name}`));
    });
    return holder;
  }

  function visible(a) {
    if (a.state === 'suppressed' && !vals.suppressed && vals.state !== 'suppressed') return false;
    if (vals.priority && a.priority !== vals.priority) return false;
    if (vals.state === 'unack_any' ? !isUnack(a) : vals.state && a.state !== vals.state) return false;
    if (vals.area_id && String(a.area_id) !== vals.area_id) return false;
    if (vals.q) {
      const hay = `${a.tag_key || ''} ${a.tag_name || ''} ${a.tag_name_en || ''} ${enumLabel('alarm_kind', a.kind)}`.toLowerCase();
      if (!hay.includes(vals.q.toLowerCase())) return false;
    }
    return true;
  }
  const byTime = (x, y) => msOf(y) - msOf(x) || y.id - x.id;
  const byPrio = (x, y) => (PRIO_RANK[x.priority] ?? 9) - (PRIO_RANK[y.priority] ?? 9) || byTime(x, y);

  function paint(feed) {
    if (!ctx.isCurrent() || !tbody.isConnected && rows.size) return;
    status.className = `feed-status fs-${feed.status}`;
    status.textContent = t(`alarms.feed_${feed.status}`);
    if (feed.error && !feed.loaded) {
      problem.replaceChildren(problemBox(feed.error, { retry: reload }));
      problem.hidden = false;
      return;
    }
    problem.hidden = true;
    const list = alarms().filter(visible).sort(vals.sort === 'time' ? byTime : byPrio);
    const keep = new Set();
    const ordered = list.map((a) => {
      keep.add(a.id);
      const r = rows.get(a.id);
      if (r && r.item === a) return r.tr;
      const tr = rowOf(a);
      if (r) r.tr.replaceWith(tr);
      rows.set(a.id, { item: a, tr });
      return tr;
    });
    for (const [id, r] of rows) if (!keep.has(id)) { r.tr.remove(); rows.delete(id); }
    ordered.forEach((tr, i) => { if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] || null); });
    empty.hidden = !feed.loaded || list.length > 0;
    const total = alarms().length;
    supText.textContent = t('alarms.show_suppressed', { n: alarms().filter((a) => a.state === 'suppressed').length });
    count.textContent = feed.loaded ? t('alarms.count', { n: list.length, total }) : t('list.loading');
  }

  function changed() {
    ctx.setQuery({ ...vals, sort: vals.sort === 'priority' ? '' : vals.sort, suppressed: vals.suppressed });
    for (const r of rows.values()) r.tr.remove();
    rows.clear();
    paint(feedRef);
  }

  let feedRef = null;
  const unsub = subscribe((feed) => {
    feedRef = feed;
    if (!ctx.isCurrent()) { unsub && unsub(); return; }
    paint(feed);
  });
  window.addEventListener('hashchange', () => unsub(), { once: true });
}

// ---- detail page ----------------------------------------------------------------------

export async function renderDetail(ctx) {
  const id = Number(ctx.params[0]);
  ctx.setTitle(t('alarms.title'));
  const holder = loading();
  ctx.main.append(holder);
  const crumbs = [{ href: '#/', label: t('nav.home') }, { href: '#/alarms', label: t('alarms.title') }];
  const operate = canOperate(ctx.user);
  const body = h('div', { 'data-testid': 'alarm-detail' });
  const errBox = h('div', { class: 'form-error action-error', role: 'alert', 'data-testid': 'alarm-action-error', hidden: true });
  const comment = h('input', { type: 'text', class: 'comment-input', maxlength: 500, 'data-testid': 'alarm-comment', placeholder: t('alarms.comment_ph'), 'aria-label': t('alarms.comment') });
  let first = true;
  let busy = false;
  let again = false;

  async function load() {
    if (busy) { again = true; return; }
    busy = true;
    let a;
    try {
      a = await api(`/alarms/${id}`);
    } catch (e) {
      busy = false;
      if (!ctx.isCurrent()) return;
      if (first) { holder.replaceWith(pageHeader({ crumbs, title: `#${id}` }), problemBox(e)); first = false; }
      return;
    }
    busy = false;
    if (!ctx.isCurrent()) return;
    if (first) { holder.replaceWith(body); first = false; }
    draw(a);
    if (again) { again = false; load(); }
  }

  function draw(a) {
    ctx.setTitle(`${a.tag_key} ${enumLabel('alarm_kind', a.kind)}`);
    const live = a.live || {};
    const st = live.state || a.state;
    const cur = { ...a, state: st };
    const d = a.definition || {};
    const yes = (v) => (v === undefined || v === null ? DASH : t(v ? 'alarms.yes' : 'alarms.no'));
    const sec = (v) => (v === undefined || v === null ? DASH : t('alarms.seconds', { n: num(v) }));
    const unit = a.unit ? ` ${a.unit}` : '';
    body.replaceChildren(
      pageHeader({
        crumbs: [...crumbs, { label: a.tag_key }],
        title: [h('span', { class: 'code title-code' }, a.tag_key), ' ', enumLabel('alarm_kind', a.kind)],
        titleTestId: 'alarm-heading',
        sub: nameOf(a) || null,
        extra: h('span', { class: 'chips' }, prioBadge(a.priority), stateBadge(st)),
      }),
      errBox,
      operate ? panel('alarms.actions', h('div', { class: 'detail-actions' }, comment,
        actionButtons(cur, { comment: () => comment.value.trim(), onError: (m) => { errBox.textContent = m; errBox.hidden = false; },
          onDone: () => { errBox.hidden = true; comment.value = ''; load(); } }),
        live.state === 'out_of_service' ? null : h('span', { class: 'muted small' }, t('alarms.comment_hint'))), { testid: 'alarm-actions' }) : null,
      h('div', { class: 'detail-grid' },
        panel('alarms.live', fields([
          ['alarms.col_state', stateBadge(st)],
          ['alarms.condition', yes(live.is_condition_active ?? a.is_condition_active)],
          ['alarms.col_value', `${num(live.value ?? a.value)}${unit}`],
          ['alarms.since', a.since ? fmtDateTime(msOf(a)) : DASH],
          ['alarms.shelved_until', live.shelve_until ? fmtDateTime(Date.parse(live.shelve_until)) : DASH],
          ['alarms.chattering', yes(live.is_chattering)],
          ['alarms.quality_good', yes(live.is_quality_good)],
        ], 'alarm-live')),
        panel('alarms.definition', fields([
          ['field.key', h('a', { href: `#/tags/${a.tag_id}`, class: 'code' }, a.tag_key)],
          ['alarms.col_kind', enumLabel('alarm_kind', d.kind || a.kind)],
          ['alarms.col_priority', prioBadge(d.priority || a.priority)],
          ['alarms.setpoint', `${num(d.setpoint ?? a.limit)}${unit}`],
          ['alarms.deadband', `${num(d.deadband)}${unit}`],
          ['alarms.on_delay', sec(d.on_delay_s)],
          ['alarms.off_delay', sec(d.off_delay_s)],
          d.roc_window_s ? ['alarms.roc_window', sec(d.roc_window_s)] : null,
          ['alarms.latched', yes(d.is_latched)],
          ['alarms.shelve_max', sec(d.shelve_max_s)],
          ['alarms.basis', text(d.basis || a.basis)],
          ['alarms.source', text(d.source || a.source)],
        ], 'alarm-definition'))),
      panel('alarms.journal', journalTable(a.journal || []), { testid: 'alarm-journal' }));
  }

  let seen;
  const unsub = subscribe((feed) => {
    if (!ctx.isCurrent()) { if (unsub) unsub(); return; }
    const item = feed.items.get(id);
    if (item === seen) return;
    seen = item;
    if (!first) load();
  });
  window.addEventListener('hashchange', () => unsub(), { once: true });
  await load();
}

function journalTable(entries) {
  if (!entries.length) return h('div', { class: 'empty' }, t('alarms.journal_empty'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
    h('thead', null, h('tr', null, ['alarms.col_time', 'alarms.transition', 'alarms.cause', 'alarms.col_value', 'alarms.user', 'alarms.comment']
      .map((k, i) => h('th', { class: i === 2 ? 'minor' : '' }, t(k))))),
    h('tbody', null, entries.slice().sort((x, y) => (y.t_ns || 0) - (x.t_ns || 0) || (y.id || 0) - (x.id || 0)).map((e) => h('tr', { 'data-testid': 'journal-row' },
      h('td', { class: 'date' }, fmtDateTime(e.t_ns ? e.t_ns / 1e6 : Date.parse(e.t))),
      h('td', null, enumLabel('alarm_state', e.from), ' → ', h('span', { class: `state-badge st-${e.to}` }, enumLabel('alarm_state', e.to))),
      h('td', { class: 'minor' }, enumLabel('alarm_cause', e.cause)),
      h('td', { class: 'num' }, num(e.value)),
      h('td', null, text(e.user && typeof e.user === 'object' ? e.user.username || e.user.display_name : e.user)),
      h('td', null, text(e.comment) === DASH ? DASH : code(e.comment)))))));
}
