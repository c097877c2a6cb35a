// One work permit (#/permits/ID), its print view (#/permits/ID/print) and the phone view of
// the signed-in user's permits (#/my-permits).
//
// The permit page: number, type and grade, state, the grading and why, validity; the action
// buttons the server allows now (allowed_events: submit, confirm measures, record gas,
// approve, start, pause, resume, complete, close, archive, cancel, void, stop work); the
// approval chain with who signed, when and how far from the work; the safety measures with
// confirm boxes; the gas analyses with a hand-entry form and "take from live detectors";
// workers and attendant with check-in by badge UID (an NFC phone fills the field), people
// inside a confined space with in/out; conflicts with other permits; the permit's record.
// A refusal (HTTP 409, error.details.refusal) shows in a box at the top, in words from the
// catalogue (permit.refusal.<code>) with the server's own sentence. The page follows the
// permit events of the server's stream: an interlock that pauses the work shows at once.
import { h } from '../dom.js';
import { t, getLang, enumLabel, pickName } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, panel, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll } from '../lookup.js';
import { qrSvg } from '../qr.js';
import {
  loadCatalogue, txt, fmtTime, permitStateBadge, alertBadge, isAlert, refusalBox, refusalText, conflictLine, permitAction,
  permitRequest, permitTypeName, permitGradeName, roleName, livePage, feedStatusEl, isNum, STEPS, GASES,
  GAS_UNITS, permitForm, formData, ACTIVE_STATES, gasNameOf, fill, fromLocalInput,
} from './permits.js';

const PRINT_ICON = '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M7 9V3h10v6"/><rect x="3" y="9" width="18" height="8" rx="1.5"/><path d="M7 14h10v7H7z"/></svg>';
/** "user:2:pt-safety" → "pt-safety"; "system:interlock" → the system, in words. */
export function actorName(a) {
  if (!a) return '';
  const m = /^user:\d+:(.+)$/.exec(a);
  if (m) return m[1];
  if (/^system(:|$)/.test(a)) return t('permit.actor_system');
  return a;
}
const personName = (o) => (o ? pickName({ name: o.name, name_en: o.name_en, code: o.code }) : '');

/** The people of the plant model by id (empty when the user may not read them). */
let peopleCache = null;
function peopleById() {
  if (!peopleCache) {
    peopleCache = fetchAll('/people', {}, 2000).then((list) => new Map(list.map((p) => [p.id, p]))).catch(() => new Map());
    setTimeout(() => { peopleCache = null; }, 60000);
  }
  return peopleCache;
}

function fieldValue(fd, v, people) {
  if (v === undefined || v === null || v === '') return DASH;
  const person = (id) => {
    const p = people.get(Number(id));
    return p ? `${pickName(p)}` : `#${id}`;
  };
  switch (fd && fd.type) {
    case 'bool': return t(v ? 'permit.yes' : 'permit.no');
    case 'enum': {
      const o = (fd.options || []).find((x) => x.id === v);
      return o ? txt(o.label) : String(v);
    }
    case 'datetime': return fmtTime(v);
    case 'number': return `${num(v)}${fd.unit ? ` ${fd.unit}` : ''}`;
    case 'geo_point': return v && typeof v === 'object' ? `${num(v.x, 1)}, ${num(v.y, 1)}` : String(v);
    case 'person': return person(v);
    case 'people': return Array.isArray(v) ? v.map(person).join(getLang() === 'en' ? ', ' : t('permit.list_sep')) : String(v);
    default: return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

function verdictBadge(v, testid = 'gas-verdict') {
  if (!v) return h('span', { class: 'muted' }, DASH);
  return h('span', { class: `verdict ${v === 'pass' ? 'v-ok' : 'v-bad'}`, 'data-testid': testid, 'data-verdict': v }, enumLabel('permit_verdict', v));
}

function readingText(r) {
  const lim = isNum(r.limit) ? ` (${t('permit.gas_limit', { v: num(r.limit, 2), unit: r.unit || '' })})` : '';
  return `${enumLabel('permit_gas', r.gas)} ${num(r.value, 2)} ${r.unit || ''}${lim}`;
}

/** Opens a dialog; run(values) does the request and throws to keep it open with the refusal. */
function actionDialog({ title, hint, testid, fields: fieldDefs, submitLabel, danger, run }) {
  const err = h('div', { 'data-testid': `${testid}-error` });
  const inputs = {};
  const rows = fieldDefs.map((fd) => {
    const el = fd.kind === 'textarea'
      ? h('textarea', { rows: 3, maxlength: 500, 'data-testid': `${testid}-${fd.name}`, placeholder: fd.placeholder || '' })
      : h('input', { type: fd.kind || 'text', step: fd.step, value: fd.value ?? '', 'data-testid': `${testid}-${fd.name}` });
    if (fd.kind === 'textarea' && fd.value) el.value = fd.value;
    inputs[fd.name] = el;
    return h('label', { class: 'form-row' }, h('span', null, fd.label, fd.required ? ' *' : ''), el);
  });
  const submit = h('button', { type: 'submit', class: `btn ${danger ? 'danger' : 'primary'}`, 'data-testid': `${testid}-submit` }, submitLabel);
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': `${testid}-cancel` }, t('permit.cancel_form'));
  const form = h('form', { class: 'dialog-form', method: 'dialog' }, h('h2', null, title), hint ? h('p', { class: 'muted small' }, hint) : null,
    rows, err, h('div', { class: 'dialog-buttons' }, cancel, submit));
  const dlg = h('dialog', { class: 'dialog', 'data-testid': testid }, form);
  document.body.append(dlg);
  const close = () => { dlg.close(); dlg.remove(); };
  cancel.addEventListener('click', close);
  dlg.addEventListener('cancel', () => dlg.remove());
  window.addEventListener('hashchange', () => { if (dlg.isConnected) close(); }, { once: true });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const fd of fieldDefs) {
      const v = inputs[fd.name].value.trim();
      if (fd.required && !v) {
        fill(err, h('p', { class: 'form-error', role: 'alert' }, t('permit.required', { field: fd.label })));
        inputs[fd.name].focus();
        return;
      }
      values[fd.name] = fd.kind === 'number' ? (v === '' ? undefined : Number(v)) : v;
    }
    submit.disabled = true;
    try {
      await run(values);
      close();
    } catch (e) {
      fill(err, refusalBox(e));
    } finally {
      submit.disabled = false;
    }
  });
  dlg.showModal();
  const first = rows.length ? inputs[fieldDefs[0].name] : submit;
  first.focus();
}

const REASON_ACTIONS = { pause: 'pause', cancel: 'cancel', void: 'void', stop_work: 'stop-work' };
const PLAIN_ACTIONS = ['submit', 'start', 'resume', 'complete', 'close', 'archive'];
/** Buttons in the order of the work; cls: the look. */
const ACTION_BUTTONS = [
  ['submit', 'primary'], ['edit', ''], ['confirm_measures', ''], ['record_gas', ''], ['approve', 'primary'],
  ['start', 'primary'], ['resume', 'primary'], ['pause', 'warn'], ['complete', 'primary'], ['close', 'primary'],
  ['archive', ''], ['cancel', 'danger'], ['void', 'danger'], ['stop_work', 'danger'],
];

/** The steps of a permit up to now, as a bar. */
function stepsBar(p) {
  const stateIdx = STEPS.indexOf(p.state === 'paused' ? 'in_progress' : p.state);
  const off = !STEPS.includes(p.state) && p.state !== 'paused';
  return h('ol', { class: `permit-steps${off ? ' is-off' : ''}`, 'data-testid': 'permit-steps' },
    STEPS.map((st, i) => h('li', { class: i < stateIdx ? 'done' : i === stateIdx ? 'now' : '', 'data-step': st },
      h('span', { class: 'step-dot' }, i < stateIdx ? '✓' : String(i + 1)),
      h('span', { class: 'step-label' }, enumLabel('permit_step', st)))));
}

// ---- the permit page -----------------------------------------------------------------------

export async function renderDetail(ctx) {
  const id = Number(ctx.params[0]);
  ctx.setTitle(t('permit.title'));
  const holder = loading();
  const crumbs = [{ href: '#/', label: t('nav.home') }, { href: '#/permits', label: t('permit.board_title') }];
  ctx.main.append(holder);
  let cat;
  let p;
  try {
    [cat, p] = await Promise.all([loadCatalogue(), permitRequest(`/permits/${id}`)]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(pageHeader({ crumbs, title: `#${id}` }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const people = await peopleById();
  const status = feedStatusEl();
  const errBox = h('div', { class: 'permit-error', 'data-testid': 'permit-error-holder' });
  const body = h('div', { class: 'permit-page', 'data-testid': 'permit-page' });
  holder.replaceWith(body);

  // controls that keep what the user typed across redraws
  const badge = h('input', { type: 'text', class: 'badge-input', inputmode: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: 32,
    'data-testid': 'permit-badge', placeholder: t('permit.badge_ph'), 'aria-label': t('permit.badge') });
  const measureChecks = new Set();
  const gasRows = [];
  let editing = false;

  const showError = (e) => fill(errBox, refusalBox(e, { onClose: () => errBox.replaceChildren() }));
  const clearError = () => errBox.replaceChildren();

  async function act(fn) {
    try {
      const next = await fn();
      clearError();
      if (next && next.id) { p = next; draw(); } else await reload();
      return true;
    } catch (e) {
      showError(e);
      errBox.scrollIntoView({ block: 'nearest' });
      return false;
    }
  }

  let busy = false;
  let again = false;
  async function reload() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const next = await permitRequest(`/permits/${id}`);
      if (!ctx.isCurrent()) return;
      p = next;
      draw();
    } catch (e) {
      if (ctx.isCurrent()) showError(e);
    } finally {
      busy = false;
      if (again) { again = false; reload(); }
    }
  }

  const allowed = () => new Set(p.allowed_events || []);
  const ty = () => cat.byCode.get(p.type) || { fields: [], checklist: [], hazards: [], grades: [] };

  function actionBar() {
    const ok = allowed();
    const btns = [];
    for (const [ev, cls] of ACTION_BUTTONS) {
      if (!ok.has(ev)) continue;
      const b = h('button', { type: 'button', class: `btn act-btn ${cls}`, 'data-testid': `permit-act-${ev}` }, t(`permit.act_${ev}`));
      b.addEventListener('click', () => onAction(ev, b));
      btns.push(b);
    }
    return h('div', { class: 'detail-actions permit-actions', 'data-testid': 'permit-actions' },
      btns.length ? btns : h('span', { class: 'muted' }, t('permit.no_actions')));
  }

  async function onAction(ev, btn) {
    if (PLAIN_ACTIONS.includes(ev)) {
      btn.disabled = true;
      await act(() => permitAction(id, ev, {}));
      btn.disabled = false;
      return;
    }
    if (REASON_ACTIONS[ev]) {
      actionDialog({
        title: t(`permit.act_${ev}`), hint: t(`permit.hint_${ev}`), testid: 'permit-reason-dialog', danger: ev !== 'pause',
        submitLabel: t(`permit.act_${ev}`),
        fields: [{ name: 'reason', label: t('permit.reason'), kind: 'textarea', required: true }],
        run: async ({ reason }) => { const next = await permitAction(id, REASON_ACTIONS[ev], { reason }); p = next; clearError(); draw(); },
      });
      return;
    }
    if (ev === 'approve') {
      const role = p.next_role ? roleName(cat, p.next_role, (p.chain || []).find((c) => c.role === p.next_role)?.role_name) : '';
      actionDialog({
        title: t('permit.act_approve'), hint: t('permit.approve_hint', { role: role || DASH, m: num(p.geofence_m, 0) }), testid: 'permit-approve-dialog',
        submitLabel: t('permit.act_approve'),
        fields: [
          { name: 'x', label: t('permit.approve_x'), kind: 'number', step: '0.1', value: isNum(p.x) ? p.x : '', required: true },
          { name: 'y', label: t('permit.approve_y'), kind: 'number', step: '0.1', value: isNum(p.y) ? p.y : '', required: true },
          { name: 'comment', label: t('permit.comment'), kind: 'textarea' },
        ],
        run: async ({ x, y, comment }) => {
          const next = await permitAction(id, 'approve', comment ? { x, y, comment } : { x, y });
          p = next; clearError(); draw();
        },
      });
      return;
    }
    if (ev === 'edit') { editing = true; draw(); return; }
    const target = ev === 'confirm_measures' ? 'permit-measures' : ev === 'record_gas' ? 'permit-gas' : '';
    const el = target && body.querySelector(`[data-testid="${target}"]`);
    if (el) { el.scrollIntoView({ block: 'start', behavior: 'smooth' }); const f = el.querySelector('input, select, button'); if (f) f.focus({ preventScroll: true }); }
  }

  // ---- panels ----

  function headPanel() {
    const alert = isAlert(p);
    const cause = (p.interlock && p.interlock.active && p.interlock.cause) || p.suspended_cause || '';
    return h('section', {
      class: `panel permit-head pst-${p.state}${alert ? ' is-alert' : ''}`, 'data-testid': 'permit-head',
      'data-id': p.id, 'data-state': p.state, 'data-alert': alert ? '1' : '0', 'data-cause': cause,
      'data-interlock': p.interlock && p.interlock.active ? '1' : '0',
    },
    h('div', { class: 'permit-head-top' },
      h('div', { class: 'permit-head-names' },
        h('span', { class: 'permit-type-name', 'data-testid': 'permit-type-name' }, permitTypeName(cat, p)),
        p.grade ? h('span', { class: 'grade-badge', 'data-testid': 'permit-grade', 'data-grade': p.grade }, permitGradeName(cat, p)) : null,
        permitStateBadge(p.state)),
      h('span', { class: 'chips' }, status.el,
        h('a', { class: 'btn', href: `#/permits/${p.id}/print`, 'data-testid': 'permit-print-link' }, h('span', { html: PRINT_ICON }), t('permit.print')))),
    h('p', { class: 'permit-title-text', 'data-testid': 'permit-title' }, p.title || DASH),
    alert ? h('div', { class: 'permit-banner', role: 'alert', 'data-testid': 'permit-banner', 'data-cause': cause },
      h('span', { class: 'problem-icon', html: icons.alert }),
      h('div', null,
        h('strong', null, t('permit.banner', { cause: enumLabel('permit_cause', cause) || DASH })),
        h('p', { 'data-testid': 'permit-banner-text' }, bannerText()))) : null,
    h('div', { class: 'permit-facts' },
      fact('permit.validity', `${fmtTime(p.valid_from)} – ${fmtTime(p.valid_to)}`, 'permit-validity'),
      fact('permit.place', [p.area_code, p.asset_code, isNum(p.x) ? `(${num(p.x, 1)}, ${num(p.y, 1)})` : ''].filter(Boolean).join(' · ') || DASH),
      fact('permit.geofence', isNum(p.geofence_m) ? t('permit.distance_m', { n: num(p.geofence_m, 0) }) : DASH),
      fact('permit.attendant', p.attendant ? `${personName(p.attendant)}${p.attendant.present ? ` · ${t('permit.present')}` : ''}` : DASH),
      p.type === 'confined_space' || +p.people_inside > 0 ? fact('permit.people_inside', num(p.people_inside || 0, 0), 'permit-people-inside') : null,
      fact('permit.gas_latest', p.gas_latest ? verdictBadge(p.gas_latest.verdict || p.gas_latest, 'permit-gas-latest') : DASH)),
    stepsBar(p));
  }

  /** What holds the work: the detector and its reading, or what a resume needs. */
  function bannerText() {
    const il = p.interlock || {};
    const d = il.detail || {};
    const parts = [];
    if (il.active) {
      const reading = isNum(d.value) ? `${num(d.value, 2)} ${d.unit || ''}`.trim() : DASH;
      const limit = isNum(d.limit) ? `${num(d.limit, 2)} ${d.unit || ''}`.trim() : DASH;
      parts.push(d.tag_key ? t('permit.banner_detector', { tag: d.tag_key, value: reading, limit }) : t('permit.banner_interlock'));
    } else if (p.state === 'paused') {
      parts.push(t('permit.banner_cleared'));
    }
    if (p.paused_since) parts.push(t('permit.banner_paused', { since: fmtTime(p.paused_since, true) }));
    return parts.join(' · ');
  }

  function fact(label, value, testid) {
    return h('div', { class: 'permit-fact', 'data-testid': testid }, h('span', { class: 'kpi-label' }, t(label)), h('span', { class: 'permit-fact-value' }, value));
  }

  function gradingPanel() {
    const g = p.grading || {};
    const reasons = (g.reasons || []).map((r) => enumLabel('permit_reason', r));
    const grades = ty().grades || [];
    const gname = (code) => { const x = grades.find((y) => y.code === code); return x ? txt(x.name) : code; };
    const rows = [
      ['permit.number', h('span', { class: 'code', 'data-testid': 'permit-number' }, p.number || `#${p.id}`)],
      ['permit.type', permitTypeName(cat, p)],
      ['permit.grade', p.grade ? permitGradeName(cat, p) : DASH],
      g.base_grade ? ['permit.base_grade', gname(g.base_grade)] : null,
      ['permit.raised_by', reasons.length ? reasons.join(getLang() === 'en' ? ', ' : t('permit.list_sep')) : t('permit.not_raised')],
      g.text && getLang() === 'en' ? ['permit.grading_text', h('span', { 'data-testid': 'permit-grading-text' }, g.text)] : null, // the server's words are English
      ['permit.valid_from', fmtTime(p.valid_from)],
      ['permit.valid_to', fmtTime(p.valid_to)],
      gasNameOf(p) ? ['permit.gas_name', enumLabel('permit_gas', gasNameOf(p))] : null,
      isNum(p.wind_mps) ? ['permit.wind', `${num(p.wind_mps, 1)} m/s`] : null,
      ['permit.created', `${fmtTime(p.created_at)}${p.created_by ? ` · ${p.created_by}` : ''}`],
      p.submitted_at ? ['permit.submitted_at', fmtTime(p.submitted_at)] : null,
      p.issued_at ? ['permit.issued_at', fmtTime(p.issued_at)] : null,
      p.started_at ? ['permit.started_at', fmtTime(p.started_at)] : null,
      p.completed_at ? ['permit.completed_at', fmtTime(p.completed_at)] : null,
      p.closed_at ? ['permit.closed_at', fmtTime(p.closed_at)] : null,
    ].filter(Boolean);
    return panel('permit.grading', h('dl', { class: 'fields', 'data-testid': 'permit-grading' },
      rows.map(([k, v]) => h('div', { class: 'field' }, h('dt', null, t(k)), h('dd', null, v)))), { testid: 'permit-grading-panel' });
  }

  function chainPanel() {
    const chain = p.chain || [];
    if (!chain.length) return panel('permit.chain', h('p', { class: 'muted' }, t('permit.chain_none')), { testid: 'permit-chain' });
    return panel('permit.chain', h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, ['permit.chain_role', 'permit.chain_by', 'permit.chain_at', 'permit.chain_where'].map((k) => h('th', null, t(k))))),
      h('tbody', null, chain.map((c, i) => h('tr', {
        class: c.approved_at ? 'is-done' : c.role === p.next_role ? 'is-next' : '', 'data-testid': 'permit-chain-row', 'data-role': c.role, 'data-done': c.approved_at ? '1' : '0',
      },
      h('td', null, h('span', { class: 'chain-n' }, String(i + 1)), ' ', roleName(cat, c.role, c.role_name)),
      h('td', null, c.approved_by || (c.role === p.next_role ? h('span', { class: 'chip subtle' }, t('permit.chain_waiting')) : DASH)),
      h('td', { class: 'date' }, fmtTime(c.approved_at)),
      h('td', { class: 'num' }, isNum(c.x) ? `${num(c.x, 1)}, ${num(c.y, 1)}` : DASH,
        isNum(c.distance_m) ? h('span', { class: 'name-other' }, t('permit.distance_from_work', { n: num(c.distance_m, 1) })) : null)))))),
    { testid: 'permit-chain' });
  }

  function measuresPanel() {
    const items = (p.measures && p.measures.length) ? p.measures : (ty().checklist || []).map((c) => ({ id: c.id, text: c.text }));
    const canConfirm = allowed().has('confirm_measures');
    const open = items.filter((m) => !m.confirmed_at);
    const boxes = [];
    const rows = items.map((m, i) => {
      const done = !!m.confirmed_at;
      const box = h('input', { type: 'checkbox', checked: done || measureChecks.has(m.id), disabled: done || !canConfirm, 'data-testid': 'permit-measure-box', 'data-measure': m.id });
      if (!done) boxes.push({ box, id: m.id });
      box.addEventListener('change', () => { if (box.checked) measureChecks.add(m.id); else measureChecks.delete(m.id); });
      return h('tr', { 'data-testid': 'permit-measure', 'data-measure': m.id, 'data-confirmed': done ? '1' : '0', class: done ? 'is-done' : '' },
        h('td', { class: 'num' }, String(i + 1)),
        h('td', { class: 'check-col' }, h('label', { class: 'big-check' }, box)),
        h('td', null, txt(m.text)),
        h('td', null, m.confirmed_by || DASH),
        h('td', { class: 'date minor' }, fmtTime(m.confirmed_at)));
    });
    const all = h('button', { type: 'button', class: 'btn', 'data-testid': 'permit-measures-all', disabled: !canConfirm || !open.length }, t('permit.measures_all'));
    all.addEventListener('click', () => { for (const b of boxes) { b.box.checked = true; measureChecks.add(b.id); } });
    const send = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'permit-measures-confirm', disabled: !canConfirm || !open.length }, t('permit.measures_confirm'));
    send.addEventListener('click', async () => {
      const ids = boxes.filter((b) => b.box.checked).map((b) => b.id);
      if (!ids.length) { showError({ status: 400, message: t('permit.measures_pick') }); return; }
      send.disabled = true;
      if (await act(() => permitAction(id, 'measures', { confirmed: ids }))) measureChecks.clear();
      send.disabled = false;
    });
    const done = items.length - open.length;
    return panel('permit.measures', h('div', null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid measures-grid' },
        h('thead', null, h('tr', null, h('th', { class: 'num' }, '#'), h('th', null, t('permit.measure_ok')), h('th', null, t('permit.measure')),
          h('th', null, t('permit.confirmed_by')), h('th', { class: 'minor' }, t('permit.confirmed_at')))),
        h('tbody', null, rows))),
      canConfirm ? h('div', { class: 'detail-actions panel-foot' }, all, send) : null),
    { testid: 'permit-measures', extra: h('span', { class: 'muted small', 'data-testid': 'permit-measures-count' }, t('permit.measures_count', { done, n: items.length })) });
  }

  function gasRow(init) {
    const gas = h('select', { 'data-testid': `gas-gas-${gasRows.length}`, 'aria-label': t('permit.gas') },
      GASES.map((g) => h('option', { value: g, selected: g === init.gas }, enumLabel('permit_gas', g))));
    const value = h('input', { type: 'number', step: 'any', min: '0', 'data-testid': `gas-value-${gasRows.length}`, 'aria-label': t('permit.gas_value'), value: init.value ?? '' });
    const unit = h('select', { 'data-testid': `gas-unit-${gasRows.length}`, 'aria-label': t('permit.gas_unit') },
      GAS_UNITS.map((u) => h('option', { value: u, selected: u === init.unit }, u)));
    const oel = h('input', { type: 'number', step: 'any', min: '0', 'data-testid': `gas-oel-${gasRows.length}`, 'aria-label': t('permit.gas_oel'), placeholder: t('permit.gas_oel') });
    const syncOel = () => { oel.hidden = unit.value !== 'ppm'; };
    unit.addEventListener('change', syncOel);
    gas.addEventListener('change', () => { if (gas.value === 'O2') { unit.value = '%vol'; syncOel(); } });
    syncOel();
    const row = { gas, value, unit, oel, el: h('div', { class: 'gas-row' }, gas, value, unit, oel) };
    gasRows.push(row);
    return row;
  }
  const gasRowsEl = h('div', { class: 'gas-rows', 'data-testid': 'gas-rows' });
  const sampledAt = h('input', { type: 'datetime-local', 'data-testid': 'gas-sampled-at', 'aria-label': t('permit.gas_sampled_at') });
  const monitorNote = h('input', { type: 'text', class: 'comment-input', maxlength: 500, 'data-testid': 'permit-monitoring-note', placeholder: t('permit.monitoring_ph'), 'aria-label': t('permit.monitoring') });
  function resetGasRows() {
    gasRows.length = 0;
    const main = gasNameOf(p) || (p.type === 'confined_space' ? 'methane' : 'methanol');
    const rows = [gasRow({ gas: main, unit: '%LEL' })];
    if (p.type === 'confined_space') rows.push(gasRow({ gas: 'O2', unit: '%vol' }));
    fill(gasRowsEl, rows.map((r) => r.el));
  }
  resetGasRows();

  function gasPanel() {
    const samples = (p.gas_samples || []).slice().sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    const canRecord = allowed().has('record_gas');
    const g = ty().gas || {};
    const table = samples.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid gas-grid' },
      h('thead', null, h('tr', null, ['permit.gas_at', 'permit.gas_source', 'permit.gas_readings', 'permit.gas_verdict', 'permit.gas_by'].map((k, i) => h('th', { class: i === 4 ? 'minor' : '' }, t(k))))),
      h('tbody', null, samples.map((sm) => h('tr', { 'data-testid': 'gas-sample', 'data-id': sm.id, 'data-verdict': sm.verdict, 'data-source': sm.source },
        h('td', { class: 'date' }, fmtTime(sm.at, true)),
        h('td', null, enumLabel('permit_gas_source', sm.source)),
        h('td', null, (sm.readings || []).map((r) => h('div', { class: `gas-reading${r.verdict && r.verdict !== 'pass' ? ' is-bad' : ''}` },
          readingText(r), r.tag_key ? h('span', { class: 'name-other' }, `${r.tag_key}${isNum(r.distance_m) ? ` · ${t('permit.distance_m', { n: num(r.distance_m, 1) })}` : ''}`) : null))),
        h('td', null, verdictBadge(sm.verdict)),
        h('td', { class: 'minor' }, sm.by || DASH)))))) : h('p', { class: 'muted', 'data-testid': 'gas-none' }, t('permit.gas_none'));
    const add = h('button', { type: 'button', class: 'btn', 'data-testid': 'gas-add-row' }, t('permit.gas_add'));
    add.addEventListener('click', () => gasRowsEl.append(gasRow({ gas: 'O2', unit: '%vol' }).el));
    const record = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'gas-record' }, t('permit.gas_record'));
    record.addEventListener('click', async () => {
      const readings = [];
      for (const r of gasRows) {
        if (r.value.value === '') continue;
        const rd = { gas: r.gas.value, value: Number(r.value.value), unit: r.unit.value };
        if (r.unit.value === 'ppm' && r.oel.value !== '') rd.oel = Number(r.oel.value);
        readings.push(rd);
      }
      if (!readings.length) { showError({ status: 400, message: t('permit.gas_enter') }); return; }
      record.disabled = true;
      const body2 = { readings };
      if (isNum(p.x)) { body2.x = p.x; body2.y = p.y; }
      const at = fromLocalInput(sampledAt.value);
      if (at) body2.sampled_at = at;
      if (await act(() => permitAction(id, 'gas-samples', body2))) { resetGasRows(); sampledAt.value = ''; }
      record.disabled = false;
    });
    const live = h('button', { type: 'button', class: 'btn', 'data-testid': 'gas-from-detectors' }, t('permit.gas_detectors'));
    live.addEventListener('click', async () => { live.disabled = true; await act(() => permitAction(id, 'gas-samples', { source: 'detectors' })); live.disabled = false; });
    const rules = [
      g.sample_max_age_min ? t('permit.gas_rule_age', { n: g.sample_max_age_min }) : null,
      g.sample_distance_m_max ? t('permit.gas_rule_distance', { n: g.sample_distance_m_max }) : null,
      g.record_interval_min ? t('permit.gas_rule_interval', { n: g.record_interval_min }) : null,
      p.monitoring_due_at ? t('permit.gas_due', { time: fmtTime(p.monitoring_due_at) }) : null,
    ].filter(Boolean);
    return panel('permit.gas', h('div', null,
      rules.length ? h('p', { class: 'muted small', 'data-testid': 'gas-rules' }, rules.join(' · ')) : null,
      table,
      canRecord ? h('div', { class: 'gas-form', 'data-testid': 'gas-form' },
        h('h3', null, t('permit.gas_manual')),
        gasRowsEl,
        h('label', { class: 'gas-at' }, h('span', { class: 'muted small' }, t('permit.gas_sampled_at')), sampledAt),
        h('div', { class: 'detail-actions' }, add, record, h('span', { class: 'muted small' }, t('permit.or')), live)) : null,
      monitoringForm()),
    { testid: 'permit-gas', extra: g.is_required === false ? h('span', { class: 'muted small' }, t('permit.gas_not_required')) : null });
  }

  /** The periodic monitoring record of work in progress (confined space: every 2 h). */
  function monitoringForm() {
    if (!['in_progress', 'paused'].includes(p.state) || !allowed().has('pause')) return null;
    const save = h('button', { type: 'button', class: 'btn', 'data-testid': 'permit-monitoring-save' }, t('permit.monitoring_save'));
    save.addEventListener('click', async () => {
      const note = monitorNote.value.trim();
      if (!note) { monitorNote.focus(); return; }
      save.disabled = true;
      if (await act(() => permitAction(id, 'monitoring', { note }))) monitorNote.value = '';
      save.disabled = false;
    });
    return h('div', { class: 'gas-form', 'data-testid': 'permit-monitoring' }, h('h3', null, t('permit.monitoring')),
      h('div', { class: 'detail-actions' }, monitorNote, save));
  }

  function nfcButton() {
    if (!('NDEFReader' in window)) return null;
    const b = h('button', { type: 'button', class: 'btn', 'data-testid': 'permit-nfc' }, t('permit.nfc_read'));
    b.addEventListener('click', async () => {
      try {
        const reader = new window.NDEFReader();
        await reader.scan();
        reader.addEventListener('reading', (ev) => { badge.value = String(ev.serialNumber || '').replace(/:/g, '').toUpperCase(); badge.focus(); }, { once: true });
      } catch (e) { showError({ status: 0, message: String(e && e.message) }); }
    });
    return b;
  }

  function peoplePanel() {
    const ok = allowed();
    const started = ['issued', 'in_progress', 'paused'].includes(p.state) || ok.has('start');
    const btn = (label, testid, path, extra = {}) => {
      const b = h('button', { type: 'button', class: `btn ${extra.cls || ''}`, 'data-testid': testid }, t(label));
      b.addEventListener('click', async () => {
        const uid = badge.value.trim().replace(/[:\s-]/g, '').toUpperCase();
        if (!uid) { showError({ status: 400, message: t('permit.badge_enter') }); badge.focus(); return; }
        b.disabled = true;
        if (await act(() => permitAction(id, path, { badge_uid: uid, ...(extra.body || {}) }))) badge.value = '';
        b.disabled = false;
      });
      return b;
    };
    const confined = p.type === 'confined_space' || (p.entries && p.entries.length) || +p.people_inside > 0;
    const workers = p.workers || [];
    const a = p.attendant;
    const certCell = (c) => {
      if (!c) return h('span', { class: 'muted' }, DASH);
      return h('span', { class: 'name-cell' },
        h('span', { class: `badge ${c.ok ? 'ok' : 'bad'}`, 'data-testid': 'permit-cert', 'data-ok': c.ok ? '1' : '0' },
          `${enumLabel('cert_type', c.type)}${c.ok ? '' : ` · ${c.problem ? enumLabel('permit_cert_problem', c.problem) : t('permit.cert_bad')}`}`),
        h('span', { class: 'name-other' }, [c.number, c.expires_on ? t('permit.cert_expires', { d: c.expires_on }) : ''].filter(Boolean).join(' · ')));
    };
    const rows = workers.map((w) => h('tr', { 'data-testid': 'permit-worker', 'data-person-id': w.person_id, 'data-in': w.checked_in_at && !w.checked_out_at ? '1' : '0' },
      h('td', null, h('span', { class: 'name-cell' }, personName(w), h('span', { class: 'name-other' }, t('permit.worker')))),
      h('td', { class: 'code minor' }, w.badge_uid || DASH),
      h('td', null, certCell(w.certificate)),
      h('td', null, w.checked_in_at ? h('span', { class: 'badge ok' }, t('permit.checked_in_at', { time: fmtTime(w.checked_in_at) })) : h('span', { class: 'muted' }, t('permit.not_checked_in'))),
      h('td', { class: 'date minor' }, fmtTime(w.checked_out_at))));
    if (a) {
      rows.push(h('tr', { 'data-testid': 'permit-attendant', 'data-person-id': a.person_id, 'data-in': a.checked_in_at ? '1' : '0', 'data-present': a.present ? '1' : '0', class: 'is-attendant' },
        h('td', null, h('span', { class: 'name-cell' }, personName(a), h('span', { class: 'name-other' }, t('permit.attendant')))),
        h('td', { class: 'code minor' }, a.badge_uid || DASH),
        h('td', null, a.present ? h('span', { class: 'badge ok' }, t('permit.present')) : h('span', { class: 'badge warn' }, t('permit.absent')),
          isNum(a.x) ? h('span', { class: 'name-other' }, `${num(a.x, 1)}, ${num(a.y, 1)}`) : null),
        h('td', null, a.checked_in_at ? h('span', { class: 'badge ok' }, t('permit.checked_in_at', { time: fmtTime(a.checked_in_at) })) : h('span', { class: 'muted' }, t('permit.not_checked_in'))),
        h('td', { class: 'minor' }, DASH)));
    }
    const entries = (p.entries || []).slice().sort((x, y) => Date.parse(y.at) - Date.parse(x.at));
    return panel('permit.people', h('div', null,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', null, h('tr', null, ['permit.person', 'permit.badge', 'permit.certificate', 'permit.check_in', 'permit.check_out'].map((k, i) => h('th', { class: i === 1 || i === 4 ? 'minor' : '' }, t(k))))),
        h('tbody', null, rows))),
      h('div', { class: 'badge-bar', 'data-testid': 'permit-badge-bar' },
        h('label', { class: 'badge-label' }, t('permit.badge'), badge),
        nfcButton(),
        btn('permit.check_in_btn', 'permit-check-in', 'check-in', { cls: 'primary' }),
        started || workers.some((w) => w.checked_in_at) ? btn('permit.check_out_btn', 'permit-check-out', 'check-out') : null,
        confined ? btn('permit.entry_in', 'permit-entry-in', 'entries', { body: { direction: 'in' } }) : null,
        confined ? btn('permit.entry_out', 'permit-entry-out', 'entries', { body: { direction: 'out' } }) : null),
      h('p', { class: 'muted small' }, t('permit.badge_hint')),
      confined ? h('div', { class: 'inside-box', 'data-testid': 'permit-inside' },
        h('span', { class: 'inside-n' }, num(p.people_inside || 0, 0)), h('span', null, t('permit.inside_label')),
        entries.length ? h('ul', { class: 'entries' }, entries.slice(0, 20).map((en) => h('li', { 'data-testid': 'permit-entry', 'data-direction': en.direction },
          h('span', { class: 'date' }, fmtTime(en.at, true)), ' ', en.name || `#${en.person_id}`, ' ', enumLabel('permit_direction', en.direction)))) : null) : null),
    { testid: 'permit-people' });
  }

  function conflictsPanel() {
    const list = p.conflicts || [];
    if (!list.length) return null;
    return panel('permit.conflicts', h('ul', { class: 'conflict-list' }, list.map((c) => h('li', null, conflictLine(c)))), { testid: 'permit-conflicts' });
  }

  function fieldsPanel() {
    const defs = new Map((ty().fields || []).map((fd) => [fd.id, fd]));
    const fields = p.fields || {};
    const ids = [...(ty().fields || []).map((fd) => fd.id).filter((k) => k in fields), ...Object.keys(fields).filter((k) => !defs.has(k))];
    const hazards = (p.hazards || []).map((hz) => (typeof hz === 'string' ? (ty().hazards || []).find((x) => x.id === hz) || { id: hz, text: hz } : hz));
    return panel('permit.form', h('div', null,
      h('dl', { class: 'fields', 'data-testid': 'permit-fields' }, ids.map((k) => {
        const fd = defs.get(k);
        return h('div', { class: 'field', 'data-field': k }, h('dt', null, fd ? txt(fd.label) : k), h('dd', null, fieldValue(fd, fields[k], people)));
      })),
      hazards.length ? h('div', { class: 'hazards' }, h('h3', null, t('permit.hazards')),
        h('ul', { class: 'hazard-list', 'data-testid': 'permit-hazards' }, hazards.map((hz) => h('li', { 'data-hazard': hz.id }, txt(hz.text))))) : null),
    { testid: 'permit-form-panel' });
  }

  /** An event's detail in words: the facts people read, not the record's internals. */
  function detailText(d) {
    if (d === null || d === undefined || d === '') return '';
    if (typeof d !== 'object') return String(d);
    const out = [];
    const u = d.unit || '';
    for (const [k, v] of Object.entries(d)) {
      if (v === null || v === undefined || v === '') continue;
      switch (k) {
        case 'refusal': out.push(refusalText(v) || String(v)); break;
        case 'message': if (!refusalText(d.refusal)) out.push(String(v)); break;
        case 'kind': case 'cause': out.push(enumLabel('permit_cause', v)); break;
        case 'tag_key':
          out.push(`${v}${isNum(d.value) ? ` = ${num(d.value, 2)} ${u}` : ''}${isNum(d.limit) ? ` (${t('permit.gas_limit', { v: num(d.limit, 2), unit: u })})` : ''}`);
          break;
        case 'readings': if (Array.isArray(v)) out.push(v.map(readingText).join(', ')); break;
        case 'verdict': out.push(enumLabel('permit_verdict', v)); break;
        case 'source': out.push(enumLabel('permit_gas_source', v)); break;
        case 'confirmed': if (Array.isArray(v)) out.push(t('permit.detail_confirmed', { n: v.length })); break;
        case 'role': out.push(v === 'worker' ? t('permit.worker') : v === 'attendant' ? t('permit.attendant') : roleName(cat, v)); break;
        case 'next_role': out.push(t('permit.detail_next', { role: roleName(cat, v) })); break;
        case 'person_id': { const pp = people.get(Number(v)); out.push(pp ? pickName(pp) : `#${v}`); break; }
        case 'distance_m': if (isNum(v)) out.push(t('permit.distance_from_work', { n: num(v, 1) })); break;
        case 'direction': out.push(enumLabel('permit_direction', v)); break;
        case 'problem': out.push(enumLabel('permit_cert_problem', v)); break;
        case 'people_inside': out.push(t('permit.inside_n', { n: v })); break;
        case 'reason': case 'comment': case 'note': case 'text': out.push(String(v)); break;
        default: break; // ids, sequence numbers, grading internals
      }
    }
    return out.join(' · ');
  }

  function timelinePanel() {
    const events = (p.events || []).slice().sort((x, y) => Date.parse(y.at) - Date.parse(x.at) || (y.id || 0) - (x.id || 0));
    return panel('permit.timeline', events.length ? h('ol', { class: 'cr-record permit-record', 'data-testid': 'permit-timeline' },
      events.map((en) => h('li', { class: 'cr-rec-item', 'data-testid': 'permit-event', 'data-kind': en.kind },
        h('span', { class: 'date' }, fmtTime(en.at, true)),
        h('span', { class: `chip ek-${en.kind}` }, enumLabel('permit_event', en.kind)),
        h('span', { class: 'cr-rec-actor' }, actorName(en.actor) || DASH),
        en.detail ? h('span', { class: 'cr-rec-text' }, detailText(en.detail)) : null)))
      : h('p', { class: 'muted' }, t('permit.timeline_none')), { testid: 'permit-timeline-panel' });
  }

  function editPanel(data) {
    const f = permitForm({
      cat, sites: data.sites, areas: data.areas, people: data.people, permit: p,
      onSaved: (next) => { editing = false; p = next; clearError(); draw(); },
      onCancel: () => { editing = false; draw(); },
    });
    return panel('permit.edit_title', f.el, { testid: 'permit-edit-panel', extra: h('span', { class: 'muted small' }, t('permit.edit_hint')) });
  }

  let formDataCache = null;
  function draw() {
    ctx.setTitle(`${p.number || `#${p.id}`} ${permitTypeName(cat, p)}`);
    const editHolder = h('div');
    if (editing) {
      if (!formDataCache) formDataCache = formData();
      formDataCache.then((d) => { if (editing && editHolder.isConnected) fill(editHolder, editPanel(d)); }).catch((e) => fill(editHolder, problemBox(e)));
    }
    body.setAttribute('data-state', p.state);
    const focused = document.activeElement;
    fill(body, [
      pageHeader({ crumbs: [...crumbs, { label: p.number || `#${p.id}` }], title: [h('span', { class: 'code title-code' }, p.number || `#${p.id}`), ' ', permitTypeName(cat, p)], titleTestId: 'permit-heading' }),
      errBox,
      headPanel(),
      panel('permit.actions', actionBar(), { testid: 'permit-actions-panel' }),
      editHolder,
      h('div', { class: 'detail-grid' }, gradingPanel(), chainPanel()),
      measuresPanel(),
      gasPanel(),
      peoplePanel(),
      conflictsPanel(),
      h('div', { class: 'detail-grid' }, fieldsPanel(), timelinePanel())].filter(Boolean));
    if (focused === badge) badge.focus();
    status.paint();
  }

  draw();
  let timer = 0;
  livePage(ctx, (ev) => {
    status.paint();
    if (ev && Number(ev.permit_id) !== id) return;
    clearTimeout(timer);
    timer = setTimeout(reload, ev ? 100 : 0);
  });
}

// ---- print view --------------------------------------------------------------------------

/** "动火作业" → "动火安全作业票"; "Hot work" → "Hot work permit". */
export function printTitle(typeName) {
  const suffix = t('permit.print_strip');
  const base = typeName.endsWith(suffix) ? typeName.slice(0, -suffix.length) : typeName;
  return t('permit.print_title', { type: base });
}

export async function renderPrint(ctx) {
  const id = Number(ctx.params[0]);
  ctx.setTitle(t('permit.print'));
  const holder = loading();
  ctx.main.append(holder);
  let cat;
  let p;
  let people;
  try {
    [cat, p, people] = await Promise.all([loadCatalogue(), permitRequest(`/permits/${id}`), peopleById()]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const ty = cat.byCode.get(p.type) || { fields: [], checklist: [], grades: [] };
  const typeNm = permitTypeName(cat, p);
  ctx.setTitle(`${p.number} ${printTitle(typeNm)}`);
  const f = p.fields || {};
  const defs = new Map((ty.fields || []).map((fd) => [fd.id, fd]));
  const val = (k) => (k in f ? fieldValue(defs.get(k), f[k], people) : '');
  const url = `${location.origin}/#/permits/${p.id}`;
  const cell = (label, value, attrs = {}) => [h('th', { scope: 'row' }, label), h('td', attrs, value === '' || value === undefined || value === null ? '' : value)];
  const events = p.events || [];
  const lastBy = (kinds) => { for (let i = events.length - 1; i >= 0; i--) if (kinds.includes(events[i].kind)) return events[i]; return null; };
  const closing = lastBy(['close', 'closed']);
  const completing = lastBy(['complete', 'completed']);
  const SHOWN = new Set(['work_location', 'work_content', 'work_unit', 'site_position', 'workers', 'entrants', 'riggers', 'attendant', 'planned_start', 'planned_end', 'work_leader', 'briefed_by']);
  const otherFields = (ty.fields || []).filter((fd) => !SHOWN.has(fd.id) && fd.id in f);
  const workers = p.workers || [];
  const samples = (p.gas_samples || []).slice().sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const gasRows = [];
  for (const sm of samples) {
    for (const r of sm.readings || []) {
      gasRows.push(h('tr', null,
        h('td', null, fmtTime(sm.at)),
        h('td', null, r.tag_key || (isNum(sm.x) ? `${num(sm.x, 1)}, ${num(sm.y, 1)}` : enumLabel('permit_gas_source', sm.source))),
        h('td', null, enumLabel('permit_gas', r.gas)),
        h('td', { class: 'num' }, `${num(r.value, 2)} ${r.unit || ''}`),
        h('td', null, enumLabel('permit_verdict', r.verdict || sm.verdict)),
        h('td', null, sm.by || enumLabel('permit_gas_source', sm.source))));
    }
  }
  while (gasRows.length < 3) gasRows.push(h('tr', { class: 'blank' }, [0, 1, 2, 3, 4, 5].map(() => h('td', null, ''))));
  const measures = (p.measures && p.measures.length) ? p.measures : (ty.checklist || []).map((c) => ({ id: c.id, text: c.text }));
  const hazards = (p.hazards || []).map((hz) => (typeof hz === 'string' ? (ty.hazards || []).find((x) => x.id === hz) || { id: hz, text: hz } : hz));
  const chain = p.chain || [];
  const sep = getLang() === 'en' ? ', ' : t('permit.list_sep');
  const attendant = p.attendant ? personName(p.attendant) : val('attendant');

  const sheet = h('article', { class: 'print-sheet', 'data-testid': 'permit-print' },
    h('header', { class: 'print-head' },
      h('div', { class: 'print-title-box' },
        h('h1', { class: 'print-title', 'data-testid': 'permit-print-title' }, printTitle(typeNm)),
        h('p', { class: 'print-sub' }, t('permit.print_standard', { standard: cat.standard || 'GB 30871-2022' }))),
      h('figure', { class: 'print-qr' },
        h('div', { class: 'qr-box', 'data-testid': 'permit-qr', 'data-url': url, html: qrSvg(url, { title: url, testid: 'permit-qr-svg' }) }),
        h('figcaption', null, t('permit.print_qr')))),
    h('div', { class: 'print-meta' },
      h('span', null, t('permit.number'), ': ', h('strong', { class: 'code', 'data-testid': 'permit-print-number' }, p.number || `#${p.id}`)),
      h('span', null, t('permit.grade'), ': ', h('strong', null, p.grade ? permitGradeName(cat, p) : DASH)),
      h('span', null, t('permit.state'), ': ', enumLabel('permit_state', p.state))),
    h('table', { class: 'print-table' },
      h('colgroup', null, h('col', { class: 'c-label' }), h('col'), h('col', { class: 'c-label' }), h('col')),
      h('tbody', null,
        h('tr', null, cell(t('permit.print_unit'), val('work_unit')), cell(t('permit.print_applicant'), `${p.created_by || ''} ${p.created_at ? fmtTime(p.created_at) : ''}`.trim())),
        h('tr', null, cell(t('permit.print_location'), [val('work_location') || p.title, p.area_code, p.asset_code].filter(Boolean).join(' · ')),
          cell(t('permit.position'), isNum(p.x) ? `${num(p.x, 1)}, ${num(p.y, 1)} (${t('permit.distance_m', { n: num(p.geofence_m, 0) })})` : '')),
        h('tr', null, cell(t('permit.print_content'), val('work_content') || p.title || '', { colspan: 3 })),
        otherFields.length ? h('tr', null, h('th', { scope: 'row' }, t('permit.print_details')), h('td', { colspan: 3 },
          h('dl', { class: 'print-fields' }, otherFields.map((fd) => h('div', null, h('dt', null, txt(fd.label)), h('dd', null, fieldValue(fd, f[fd.id], people))))))) : null,
        h('tr', null, cell(t('permit.print_workers'), workers.map((w) => `${personName(w)}${w.certificate && w.certificate.number ? ` (${w.certificate.number})` : ''}`).join(sep) || val('workers') || val('entrants'), { colspan: 3 })),
        h('tr', null, cell(t('permit.print_leader'), val('work_leader')), cell(t('permit.attendant'), attendant)),
        h('tr', null, cell(t('permit.print_period'), t('permit.print_from_to', { from: fmtTime(p.valid_from), to: fmtTime(p.valid_to) }), { colspan: 3 })),
        h('tr', null, cell(t('permit.hazards'), hazards.map((hz) => txt(hz.text)).join(t('permit.print_hazard_sep')) || '', { colspan: 3 })),
        h('tr', null, cell(t('permit.print_grading'), [p.grade ? permitGradeName(cat, p) : '', ((p.grading && p.grading.reasons) || []).map((r) => enumLabel('permit_reason', r)).join(sep)].filter(Boolean).join(' · '), { colspan: 3 })))),
    h('h2', { class: 'print-section' }, t('permit.gas')),
    h('table', { class: 'print-table print-grid', 'data-testid': 'permit-print-gas' },
      h('thead', null, h('tr', null, ['permit.gas_at', 'permit.print_gas_place', 'permit.print_gas_item', 'permit.gas_value', 'permit.gas_verdict', 'permit.print_analyst'].map((k) => h('th', null, t(k))))),
      h('tbody', null, gasRows)),
    h('h2', { class: 'print-section' }, t('permit.measures')),
    h('table', { class: 'print-table print-grid', 'data-testid': 'permit-print-measures' },
      h('thead', null, h('tr', null, h('th', { class: 'n' }, t('permit.print_no')), h('th', null, t('permit.measure')), h('th', { class: 'yn' }, t('permit.print_involved')), h('th', { class: 'who' }, t('permit.print_confirmer')))),
      h('tbody', null, measures.map((m, i) => h('tr', null,
        h('td', { class: 'n' }, String(i + 1)), h('td', null, txt(m.text)),
        h('td', { class: 'yn' }, m.confirmed_at ? '✓' : ''), h('td', { class: 'who' }, m.confirmed_by || ''))))),
    h('h2', { class: 'print-section' }, t('permit.print_signatures')),
    h('div', { class: 'print-signs', 'data-testid': 'permit-print-signs' },
      h('div', { class: 'sign-box' }, h('div', { class: 'sign-role' }, t('permit.print_briefing')),
        h('div', null, t('permit.print_sign'), ': ', val('briefed_by')), h('div', null, t('permit.print_time'), ': ', p.submitted_at ? fmtTime(p.submitted_at) : '')),
      chain.map((c) => h('div', { class: 'sign-box' }, h('div', { class: 'sign-role' }, roleName(cat, c.role, c.role_name)),
        h('div', null, t('permit.print_sign'), ': ', c.approved_by || ''), h('div', null, t('permit.print_time'), ': ', c.approved_at ? fmtTime(c.approved_at) : ''))),
      h('div', { class: 'sign-box' }, h('div', { class: 'sign-role' }, t('permit.attendant')),
        h('div', null, t('permit.print_sign'), ': ', attendant || ''), h('div', null, t('permit.print_time'), ': ', p.attendant && p.attendant.checked_in_at ? fmtTime(p.attendant.checked_in_at) : '')),
      h('div', { class: 'sign-box wide' }, h('div', { class: 'sign-role' }, t('permit.print_acceptance')),
        h('div', null, t('permit.print_completed'), ': ', p.completed_at ? fmtTime(p.completed_at) : '', completing && completing.actor ? ` · ${actorName(completing.actor)}` : ''),
        h('div', null, t('permit.print_sign'), ': ', closing && closing.actor ? actorName(closing.actor) : ''),
        h('div', null, t('permit.print_time'), ': ', p.closed_at ? fmtTime(p.closed_at) : ''))),
    h('footer', { class: 'print-foot' }, t('permit.print_foot', { url, time: fmtTime(new Date().toISOString()) })));

  holder.replaceWith(h('div', { class: 'print-page' },
    h('div', { class: 'print-tools no-print' },
      h('a', { class: 'btn', href: `#/permits/${p.id}`, 'data-testid': 'permit-print-back' }, h('span', { html: icons.chevronLeft }), t('permit.print_back')),
      h('button', { type: 'button', class: 'btn primary', 'data-testid': 'permit-print-button', onclick: () => window.print() }, h('span', { html: PRINT_ICON }), t('permit.print_now'))),
    sheet));
}

// ---- phone view: my permits -----------------------------------------------------------------

export async function renderMine(ctx) {
  ctx.setTitle(t('nav.my_permits'));
  const status = feedStatusEl();
  const list = h('div', { class: 'my-permits', 'data-testid': 'my-permits' }, loading());
  ctx.main.append(pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.my_permits') }], title: t('nav.my_permits'), extra: status.el }),
    h('p', { class: 'page-sub my-sub' }, t('permit.mine_sub')), list);
  let cat;
  try { cat = await loadCatalogue(); } catch (e) { fill(list, problemBox(e)); return; }
  const badges = new Map(); // permit id → the badge input (kept across redraws)
  const errs = new Map();
  const me = ctx.user || {};

  function card(p) {
    const ok = new Set(p.allowed_events || []);
    if (!badges.has(p.id)) badges.set(p.id, h('input', { type: 'text', class: 'badge-input big', autocomplete: 'off', spellcheck: 'false', maxlength: 32, 'data-testid': 'my-badge', placeholder: t('permit.badge_ph'), 'aria-label': t('permit.badge') }));
    const badge = badges.get(p.id);
    const err = errs.get(p.id) || h('div', { 'data-testid': 'my-error' });
    errs.set(p.id, err);
    const run = async (fn, btn) => {
      btn.disabled = true;
      try { await fn(); err.replaceChildren(); await load(); } catch (e) { fill(err, refusalBox(e, { onClose: () => err.replaceChildren() })); } finally { btn.disabled = false; }
    };
    const checkIn = h('button', { type: 'button', class: 'btn primary big', 'data-testid': 'my-check-in' }, t('permit.check_in_btn'));
    checkIn.addEventListener('click', () => {
      const uid = badge.value.trim().replace(/[:\s-]/g, '').toUpperCase();
      if (!uid) { fill(err, h('p', { class: 'form-error' }, t('permit.badge_enter'))); badge.focus(); return; }
      run(() => permitAction(p.id, 'check-in', { badge_uid: uid }), checkIn);
    });
    const isAttendant = p.attendant && (me.person_id === undefined || me.person_id === null || Number(me.person_id) === Number(p.attendant.person_id));
    const stop = ok.has('stop_work') && p.state === 'in_progress' && isAttendant ? h('button', { type: 'button', class: 'btn stop-btn', 'data-testid': 'my-stop-work' }, t('permit.act_stop_work')) : null;
    if (stop) {
      stop.addEventListener('click', () => actionDialog({
        title: t('permit.act_stop_work'), hint: t('permit.hint_stop_work'), testid: 'permit-reason-dialog', danger: true, submitLabel: t('permit.act_stop_work'),
        fields: [{ name: 'reason', label: t('permit.reason'), kind: 'textarea', required: true }],
        run: async ({ reason }) => { await permitAction(p.id, 'stop-work', { reason }); await load(); },
      }));
    }
    const alert = isAlert(p);
    return h('article', { class: `my-card pst-${p.state}${alert ? ' is-alert' : ''}`, 'data-testid': 'my-permit', 'data-id': p.id, 'data-state': p.state },
      h('header', { class: 'my-card-head' },
        h('a', { class: 'code my-number', href: `#/permits/${p.id}` }, p.number || `#${p.id}`),
        permitStateBadge(p.state)),
      h('div', { class: 'my-type' }, permitTypeName(cat, p), p.grade ? ` · ${permitGradeName(cat, p)}` : ''),
      h('div', { class: 'my-title' }, p.title || DASH),
      alertBadge(p),
      h('div', { class: 'muted small' }, `${fmtTime(p.valid_from)} – ${fmtTime(p.valid_to)}`, p.area_code ? ` · ${p.area_code}` : ''),
      stepsBar(p),
      stop,
      ACTIVE_STATES.includes(p.state) || ok.has('start') ? h('div', { class: 'my-checkin' }, badge, checkIn) : null,
      err,
      h('a', { class: 'btn block', href: `#/permits/${p.id}` }, t('permit.open')));
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    try {
      const r = await api('/permits', { params: { mine: 1, state: 'all' } });
      const items = ((r && r.items) || []).filter((p) => !['archived', 'cancelled'].includes(p.state));
      // the full permits: what may be done now (allowed_events)
      const full = await Promise.all(items.slice(0, 30).map((p) => permitRequest(`/permits/${p.id}`).catch(() => p)));
      if (my !== seq || !ctx.isCurrent()) return;
      const order = (p) => (ACTIVE_STATES.includes(p.state) ? 0 : ['completed', 'closed', 'archived', 'void', 'cancelled'].includes(p.state) ? 2 : 1);
      full.sort((a, b) => order(a) - order(b) || Date.parse(b.valid_from) - Date.parse(a.valid_from));
      const focused = document.activeElement;
      fill(list, (full.length ? full.map(card) : [h('div', { class: 'empty', 'data-testid': 'my-none' }, t('permit.mine_none'))]));
      if (focused && focused.isConnected) focused.focus();
    } catch (e) {
      if (my === seq && ctx.isCurrent()) fill(list, problemBox(e, { retry: load }));
    }
    status.paint();
  }
  let timer = 0;
  livePage(ctx, () => { status.paint(); clearTimeout(timer); timer = setTimeout(load, 200); });
  await load();
}
