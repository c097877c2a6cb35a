// The hidden-danger ledger (隐患排查治理, docs/hazards.md): #/hazards, and the pieces the
// hazard page (./hazard.js) and the phone report (./hazardreport.js) share with it.
//
// The ledger: a KPI strip (GET /hazard-kpi: rectification rate, on-time rate, overdue, repeat
// rate), filters (state: open / all / one state; overdue only; repeats only; site), and the
// list newest first — number with the description, state, grade, category, place (area code
// or x, y), reported by and when, assignee, deadline (red when overdue) and the repeat marker
// with a link to the first hazard of its chain. "Report a hazard" opens the phone page.
import { h } from '../dom.js';
import { t, has, enumLabel, pickName } from '../i18n.js';
import { api, API_BASE, ApiError, getCsrf } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill, fmtTime, isNum } from './permits.js';

export const HAZARD_STATES = ['reported', 'registered', 'rectified', 'accepted', 'closed'];
/** Common categories of a report (codes stored by the server; words in messages.js). */
export const CATEGORIES = ['leak', 'fire', 'electrical', 'housekeeping', 'guard', 'ppe', 'equipment', 'other'];
export const GRADES = ['general', 'major'];
/** The parts of the remediation plan of a major hazard (治理方案), in the order of the rules. */
export const PLAN_PARTS = ['target', 'method', 'funds_materials', 'people_in_charge', 'deadline', 'safety_measures', 'emergency_plan'];
/** The steps of the closed loop, as the step bar shows them. */
export const STEPS = ['reported', 'registered', 'rectified', 'accepted', 'closed'];
export const PHOTO_BYTES_MAX = 8 * 1024 * 1024;
export const PHOTO_TYPES = ['image/jpeg', 'image/png'];
/** A text field of the API holds at most 4000 bytes: 1300 characters of Chinese. */
export const TEXT_MAX = 1300;

// permission names are built, not written out: quoted dotted strings are message keys to the catalogue test
const PERM = (p) => ['hazards', p].join('.');
export const canHazard = (user, p) => ((user && user.permissions) || []).includes(PERM(p));
export const canAdminUsers = (user) => ((user && user.permissions) || []).includes(['users', 'admin'].join('.'));

export const categoryName = (code) => enumLabel('hazard_cat', code) || DASH;
export const gradeName = (g) => (g ? enumLabel('hazard_grade', g) : t('hazard.grade_none'));

/** The refusal in words (hazard.refusal.<code>), or '' when the catalogue has none. */
export function hazardRefusalText(code) {
  const key = `hazard.refusal.${code}`;
  return code && has(key) ? t(key) : '';
}

/** A box for a failed hazard action: the refusal in words, the server's own sentence under it. */
export function hazardRefusalBox(e, { onClose } = {}) {
  const code = (e && e.refusal) || '';
  const status = e ? e.status : '';
  const title = status === 409 ? t('hazard.refused') : status === 403 ? t('error.no_permission_title')
    : status === 400 ? t('hazard.invalid') : status === 413 ? t('hazard.photo_too_big_title')
      : status === 415 ? t('hazard.photo_type_title') : status === 0 ? t('error.network_title') : t('hazard.failed');
  const said = hazardRefusalText(code);
  const server = e && e.message && status !== 0 ? e.message : '';
  return h('div', { class: 'problem refusal', role: 'alert', 'data-testid': 'hazard-refusal', 'data-refusal': code, 'data-status': status },
    h('span', { class: 'problem-icon', html: icons.alert }),
    h('div', { class: 'refusal-body' },
      h('strong', null, title),
      said ? h('p', { 'data-testid': 'hazard-refusal-text' }, said) : null,
      server && server !== said ? h('p', { class: 'muted small', 'data-testid': 'hazard-refusal-server' }, server) : null),
    onClose ? h('button', { type: 'button', class: 'icon-btn close-err', 'aria-label': t('hazard.dismiss'), html: icons.close, onclick: onClose }) : null);
}

export function hazardStateBadge(state, testid = 'hazard-state') {
  return h('span', { class: `state-badge hst-${state}`, 'data-testid': testid, 'data-state': state }, enumLabel('hazard_state', state));
}

export function gradeBadge(grade, testid = 'hazard-grade') {
  if (!grade) return h('span', { class: 'hz-grade is-none', 'data-testid': testid, 'data-grade': '' }, t('hazard.grade_none'));
  return h('span', { class: `hz-grade g-${grade}`, 'data-testid': testid, 'data-grade': grade }, enumLabel('hazard_grade_short', grade));
}

/** Where the hazard is: area code (and asset), else the point x, y on the site plan. */
export function placeText(hz) {
  const parts = [hz.area_code, hz.asset_code].filter(Boolean);
  if (parts.length) return parts.join(' · ');
  if (isNum(hz.x) && isNum(hz.y)) return t('hazard.point_xy', { x: num(hz.x, 1), y: num(hz.y, 1) });
  return DASH;
}

/** "user:2:safety" → "safety"; "system:escalation" → the system, in words. */
export function actorName(a) {
  if (!a) return '';
  const m = /^user:\d+:(.+)$/.exec(a);
  if (m) return m[1];
  if (/^system(:|$)/.test(a)) return t('hazard.actor_system');
  return a;
}

/** The address of a stored photo: same origin, so an <img> sends the session cookie. */
export const photoUrl = (id) => `${API_BASE}/hazard-photos/${encodeURIComponent(id)}`;

/**
 * POSTs one photo (a File or Blob) to /hazards/{id}/photos?stage=…: the image itself as the
 * body, its type as Content-Type, the CSRF token as api() sends it. Resolves the answer
 * ({photos}); throws an ApiError like api() (413 too big, 415 not JPEG/PNG, 409 closed...).
 */
export async function uploadPhoto(hazardId, file, stage = 'report') {
  const headers = { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' };
  const csrf = getCsrf();
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(`${API_BASE}/hazards/${encodeURIComponent(hazardId)}/photos?stage=${encodeURIComponent(stage)}`, {
      method: 'POST', headers, body: file, credentials: 'same-origin', cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', e && e.message);
  }
  const text = await res.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const e = new ApiError(res.status, err.code, err.message);
    e.details = err.details || null;
    e.refusal = (err.details && err.details.refusal) || '';
    throw e;
  }
  return data;
}

/** Why a file will not be accepted before sending it ('' when it looks fine). */
export function photoProblem(file) {
  if (!file) return '';
  if (file.size > PHOTO_BYTES_MAX) return t('hazard.photo_too_big', { mb: num(file.size / 1048576, 1) });
  if (file.type && !PHOTO_TYPES.includes(file.type)) return t('hazard.photo_type');
  if (!file.size) return t('hazard.photo_empty');
  return '';
}

/**
 * A photo picker: a big button over <input type=file accept=image/* capture=environment
 * multiple>, and thumbnails of the chosen files (data: URLs: the server's CSP allows those,
 * not blob:), each with a remove button. {el, input, files(), clear(), mark(file, state, text)}.
 */
export function photoPicker({ testid, label = 'hazard.photos_add', capture = true } = {}) {
  const chosen = [];
  const input = h('input', {
    type: 'file', accept: 'image/*', multiple: true, capture: capture ? 'environment' : null,
    class: 'hz-file', 'data-testid': testid, 'aria-label': t(label),
  });
  const list = h('ul', { class: 'hz-thumbs', 'data-testid': `${testid}-list` });
  const count = h('span', { class: 'muted small', 'data-testid': `${testid}-count` });
  const button = h('label', { class: 'btn hz-photo-btn' }, h('span', { class: 'hz-cam', html: CAMERA_ICON }), h('span', null, t(label)), input);
  function paint() {
    fill(list, chosen.map((c) => c.el));
    count.textContent = chosen.length ? t('hazard.photos_chosen', { n: chosen.length }) : '';
  }
  input.addEventListener('change', () => {
    for (const f of Array.from(input.files || [])) {
      const img = h('img', { alt: f.name, class: 'hz-thumb-img' });
      const status = h('span', { class: 'hz-thumb-status' });
      const problem = photoProblem(f);
      if (problem) status.textContent = problem;
      const rm = h('button', { type: 'button', class: 'hz-thumb-rm', 'aria-label': t('hazard.photo_remove'), title: t('hazard.photo_remove'), html: icons.close });
      const item = { file: f, el: null, status, problem };
      item.el = h('li', { class: `hz-thumb${problem ? ' is-bad' : ''}`, 'data-testid': `${testid}-item`, 'data-name': f.name }, img, status, rm);
      rm.addEventListener('click', () => { chosen.splice(chosen.indexOf(item), 1); paint(); });
      if (!problem && f.size <= PHOTO_BYTES_MAX) {
        const rd = new FileReader();
        rd.addEventListener('load', () => { img.src = String(rd.result); });
        rd.readAsDataURL(f);
      }
      chosen.push(item);
    }
    input.value = ''; // the same photo may be chosen again after a removal
    paint();
  });
  paint();
  return {
    el: h('div', { class: 'hz-picker' }, h('div', { class: 'hz-picker-bar' }, button, count), list),
    input,
    files: () => chosen.filter((c) => !c.problem).map((c) => c.file),
    clear: () => { chosen.length = 0; paint(); },
    /** Marks a file's thumbnail: state 'sending' | 'ok' | 'bad' with an optional text. */
    mark(file, state, text = '') {
      const c = chosen.find((x) => x.file === file);
      if (!c) return;
      c.el.classList.remove('is-sending', 'is-ok', 'is-bad');
      c.el.classList.add(`is-${state}`);
      c.el.setAttribute('data-state', state);
      c.status.textContent = text;
    },
  };
}

export const CAMERA_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M4 8h3l2-3h6l2 3h3v11H4z"/><circle cx="12" cy="13" r="3.5"/></svg>';

/** Uploads the files one by one (marking each); resolves {ok, failed: [{file, error}]}. */
export async function uploadAll(hazardId, picker, stage) {
  let ok = 0;
  const failed = [];
  for (const f of picker.files()) {
    picker.mark(f, 'sending', t('hazard.photo_sending'));
    try {
      await uploadPhoto(hazardId, f, stage);
      picker.mark(f, 'ok', t('hazard.photo_sent'));
      ok++;
    } catch (e) {
      const why = e.status === 413 ? t('hazard.photo_too_big_title') : e.status === 415 ? t('hazard.photo_type') : (e.message || t('hazard.failed'));
      picker.mark(f, 'bad', why);
      failed.push({ file: f, error: e });
    }
  }
  return { ok, failed };
}

// ---- the ledger ------------------------------------------------------------------------------

const pct = (v) => (isNum(v) ? `${num(+v * 100, 1)}%` : DASH);

function kpiStrip() {
  const el = h('div', { class: 'kpi-cards hz-kpis', 'data-testid': 'hazard-kpi' }, loading());
  const card = (testid, label, value, vd, note) => h('div', { class: `kpi-card v-${vd}`, 'data-testid': testid, 'data-verdict': vd },
    h('div', { class: 'kpi-label' }, t(label)),
    h('div', { class: 'kpi-value', 'data-testid': `${testid}-value` }, value),
    h('div', { class: 'kpi-foot' }, note ? h('span', { class: 'muted' }, note) : null));
  async function load() {
    try {
      const k = (await api('/hazard-kpi')) || {};
      const total = +k.total || 0;
      const rr = isNum(k.rectification_rate) ? +k.rectification_rate : null;
      const ot = isNum(k.on_time_rate) ? +k.on_time_rate : null;
      const rep = isNum(k.repeat_rate) ? +k.repeat_rate : null;
      fill(el,
        card('hazard-kpi-rectification', 'hazard.kpi_rectification', pct(rr), rr === null ? 'none' : rr >= 0.9 ? 'ok' : 'warn',
          t('hazard.kpi_rectification_note', { done: num(k.rectified || 0, 0), total: num(total, 0) })),
        card('hazard-kpi-on-time', 'hazard.kpi_on_time', pct(ot), ot === null ? 'none' : ot >= 0.9 ? 'ok' : ot >= 0.6 ? 'warn' : 'bad',
          t('hazard.kpi_on_time_note', { n: num(k.on_time || 0, 0), done: num(k.rectified || 0, 0) })),
        card('hazard-kpi-overdue', 'hazard.kpi_overdue', num(k.overdue || 0, 0), +k.overdue > 0 ? 'bad' : 'ok', t('hazard.kpi_overdue_note')),
        card('hazard-kpi-repeat', 'hazard.kpi_repeat', pct(rep), rep === null ? 'none' : rep > 0.1 ? 'warn' : 'ok',
          t('hazard.kpi_repeat_note', { n: num(k.repeats || 0, 0), major: num(k.major || 0, 0) })));
    } catch (e) {
      fill(el, problemBox(e));
    }
  }
  load();
  return { el, load };
}

export async function renderList(ctx) {
  ctx.setTitle(t('hazard.ledger_title'));
  const q = ctx.query;
  const vals = { state: q.state || 'open', overdue: q.overdue === '1', repeat: q.repeat === '1', site_id: q.site_id || '' };
  const report = canHazard(ctx.user, 'report')
    ? h('a', { class: 'btn primary hz-report-btn', href: '#/hazards/report', 'data-testid': 'hazard-report-btn' }, h('span', { class: 'hz-cam', html: CAMERA_ICON }), t('hazard.report_btn'))
    : null;
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('hazard.ledger_title') }],
    title: t('hazard.ledger_title'), sub: t('hazard.ledger_sub'), extra: report,
  }));
  const kpis = kpiStrip();
  ctx.main.append(kpis.el);

  const sites = await fetchAll('/sites', {}, 100).catch(() => []);
  if (!ctx.isCurrent()) return;

  const stateSel = h('select', { 'data-testid': 'hazard-filter-state', 'aria-label': t('hazard.state') },
    [['open', t('hazard.filter_open')], ['all', t('hazard.filter_all')], ...HAZARD_STATES.map((st) => [st, enumLabel('hazard_state', st)])]
      .map(([v, l]) => h('option', { value: v, selected: vals.state === v }, l)));
  const check = (name, label) => {
    const box = h('input', { type: 'checkbox', checked: vals[name], 'data-testid': `hazard-filter-${name}` });
    box.addEventListener('change', () => { vals[name] = box.checked; changed(); });
    return h('label', { class: 'hz-check' }, box, h('span', null, t(label)));
  };
  stateSel.addEventListener('change', () => { vals.state = stateSel.value; changed(); });
  const siteSel = sites.length > 1 ? h('select', { 'data-testid': 'hazard-filter-site', 'aria-label': t('field.site') },
    h('option', { value: '' }, `${t('field.site')}: ${t('list.all')}`),
    sites.map((s) => h('option', { value: String(s.id), selected: vals.site_id === String(s.id) }, pickName(s)))) : null;
  if (siteSel) siteSel.addEventListener('change', () => { vals.site_id = siteSel.value; changed(); });
  const toolbar = h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() },
    siteSel ? h('label', { class: 'filter' }, siteSel) : null,
    h('label', { class: 'filter' }, stateSel),
    check('overdue', 'hazard.filter_overdue'),
    check('repeat', 'hazard.filter_repeat'));

  const cols = [
    ['hazard.number', ''], ['hazard.state', ''], ['hazard.grade', ''], ['hazard.category', 'minor'], ['hazard.place', 'minor'],
    ['hazard.reported', 'minor'], ['hazard.assignee', 'minor'], ['hazard.deadline', ''], ['hazard.repeat', ''],
  ];
  const tbody = h('tbody', { 'data-testid': 'hazard-list-body' });
  const table = h('table', { class: 'grid hazard-grid', 'data-testid': 'hazard-table' },
    h('thead', null, h('tr', null, cols.map(([k, cls]) => h('th', { scope: 'col', class: cls }, t(k))))), tbody);
  const empty = h('div', { class: 'empty', 'data-testid': 'hazard-empty', hidden: true }, t('hazard.none'));
  const count = h('span', { class: 'list-status', 'data-testid': 'hazard-count' });
  const listProblem = h('div', { class: 'list-message', hidden: true });
  const listEl = h('section', { class: 'list panel', 'data-testid': 'hazard-ledger' },
    toolbar, h('div', { class: 'table-wrap' }, table), empty, listProblem, h('div', { class: 'pager' }, count));
  ctx.main.append(listEl);

  let items = [];
  const numbers = new Map(); // hazard id → number (for the repeat links)

  function row(hz) {
    const overdue = !!hz.is_overdue;
    const go = () => { location.hash = `#/hazards/${hz.id}`; };
    const firstNo = hz.repeat_of_id ? numbers.get(hz.repeat_of_id) || `#${hz.repeat_of_id}` : '';
    const tr = h('tr', {
      class: `link-row hazard-row hst-${hz.state}${overdue ? ' is-overdue' : ''}${hz.grade === 'major' ? ' is-major' : ''}`, tabindex: 0,
      'data-testid': 'hazard-row', 'data-id': hz.id, 'data-state': hz.state, 'data-grade': hz.grade || '',
      'data-overdue': overdue ? '1' : '0', 'data-repeat': hz.is_repeat || +hz.n_repeats > 0 ? '1' : '0',
    },
    h('td', null, h('span', { class: 'name-cell' },
      h('a', { href: `#/hazards/${hz.id}`, class: 'code hz-number', 'data-testid': 'hazard-link' }, hz.number || `#${hz.id}`),
      h('span', { class: 'hz-desc' }, hz.description || DASH),
      h('span', { class: 'hz-phone-place' }, placeText(hz)))), // the place column folds away on a phone
    h('td', null, hazardStateBadge(hz.state, 'hazard-row-state')),
    h('td', null, gradeBadge(hz.grade, 'hazard-row-grade')),
    h('td', { class: 'minor' }, categoryName(hz.category)),
    h('td', { class: 'hz-place minor' }, placeText(hz)),
    h('td', { class: 'minor' }, h('span', { class: 'name-cell' }, hz.reported_by || DASH, h('span', { class: 'name-other' }, fmtTime(hz.reported)))),
    h('td', { class: 'minor' }, hz.assignee || DASH),
    h('td', { class: `date${overdue ? ' hz-overdue' : ''}`, 'data-testid': 'hazard-row-deadline' },
      hz.deadline ? fmtTime(hz.deadline) : DASH,
      overdue ? h('span', { class: 'hz-overdue-badge', 'data-testid': 'hazard-overdue' }, t('hazard.overdue')) : null),
    h('td', null,
      hz.repeat_of_id ? h('a', { class: 'hz-repeat-badge', href: `#/hazards/${hz.repeat_of_id}`, 'data-testid': 'hazard-repeat-link', 'data-first': hz.repeat_of_id,
        title: t('hazard.repeat_of', { number: firstNo }) }, t('hazard.repeat_mark'), ' ', h('span', { class: 'code' }, firstNo)) : null,
      +hz.n_repeats > 0 ? h('span', { class: 'hz-repeat-badge is-first', 'data-testid': 'hazard-repeat-count', title: t('hazard.repeats_n', { n: hz.n_repeats }) },
        t('hazard.repeats_short', { n: hz.n_repeats })) : null,
      !hz.repeat_of_id && !(+hz.n_repeats > 0) ? h('span', { class: 'muted' }, DASH) : null));
    tr.addEventListener('click', (e) => { if (!e.target.closest('a')) go(); });
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) go(); });
    return tr;
  }

  function paint() {
    for (const hz of items) numbers.set(hz.id, hz.number);
    fill(tbody, items.map(row));
    empty.hidden = items.length > 0;
    count.textContent = t('hazard.count', { n: items.length });
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    listEl.classList.add('loading');
    try {
      const r = await api('/hazards', { params: { state: vals.state, overdue: vals.overdue ? 1 : '', repeat: vals.repeat ? 1 : '', site_id: vals.site_id, limit: 1000 } });
      if (my !== seq || !ctx.isCurrent()) return;
      items = (r && r.items) || [];
      // the first hazard of a chain may be outside the filter: fetch its number for the link
      const missing = [...new Set(items.map((x) => x.repeat_of_id).filter((id) => id && !numbers.has(id) && !items.some((y) => y.id === id)))];
      await Promise.all(missing.slice(0, 50).map((id) => api(`/hazards/${id}`).then((x) => numbers.set(id, x.number)).catch(() => {})));
      if (my !== seq || !ctx.isCurrent()) return;
      listProblem.hidden = true;
    } catch (e) {
      if (my !== seq || !ctx.isCurrent()) return;
      items = [];
      fill(listProblem, problemBox(e, { retry: load }));
      listProblem.hidden = false;
    } finally {
      if (my === seq) listEl.classList.remove('loading');
    }
    paint();
  }

  function changed() {
    ctx.setQuery({ state: vals.state === 'open' ? '' : vals.state, overdue: vals.overdue ? '1' : '', repeat: vals.repeat ? '1' : '', site_id: vals.site_id });
    load();
  }

  // overdue comes with the clock: refresh while the ledger is open
  const timer = setInterval(() => { if (!ctx.isCurrent()) { clearInterval(timer); return; } load(); kpis.load(); }, 60000);
  await load();
}
