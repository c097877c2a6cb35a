// The risk register (安全风险分级管控清单, docs/risk.md "The register API"): #/risks, and the
// pieces the four-colour map (./riskmap.js) and the notification card (./riskcard.js) share.
//
// The register: filters (area, residual level; site when there are several), the list of risk
// points — name, kind, area / equipment, method, inherent → residual risk as coloured badges
// with their scores, control level, owner, next review (red when overdue) — and the form of a
// new risk point: kind, area, optional equipment, name, description, the identified hazards
// one per line, the method (LEC: L, E, C from the method's values; the matrix: likelihood and
// severity 1–5) for the inherent and the residual risk with the score and level shown live
// (computed here with the bands of GET /risk-bands, only as a preview: the server scores),
// the control measures (kind, text, control level, owner), the control level, the owner and
// the review cycle. A refusal (400) shows the server's own sentence.
import { h } from '../dom.js';
import { t, enumLabel, pickName, getLang } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH, todayIso } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill, txt } from './permits.js';

/** Levels from the highest down (the order of the legend). */
export const LEVELS = ['major', 'significant', 'general', 'low'];
export const LEVEL_RANK = { low: 1, general: 2, significant: 3, major: 4 };
export const POINT_KINDS = ['area', 'equipment', 'operation'];
export const METHODS = ['lec', 'matrix'];
/** The kinds of control measures, in the order the card prints them. */
export const MEASURE_KINDS = ['engineering', 'management', 'training', 'ppe', 'emergency'];
export const CONTROL_LEVELS = ['company', 'department', 'workshop', 'crew'];
/** The factors each method allows (the server refuses any other value). */
export const FACTORS = {
  lec: [['l', [10, 6, 3, 1, 0.5, 0.2, 0.1]], ['e', [10, 6, 3, 2, 1, 0.5]], ['c', [100, 40, 15, 7, 3, 1]]],
  matrix: [['likelihood', [1, 2, 3, 4, 5]], ['severity', [1, 2, 3, 4, 5]]],
};
/** What the form proposes: an inherent risk and the residual one after typical measures. */
const DEFAULTS = {
  lec: { inherent: { l: 3, e: 6, c: 15 }, residual: { l: 1, e: 6, c: 15 } },
  matrix: { inherent: { likelihood: 3, severity: 4 }, residual: { likelihood: 2, severity: 4 } },
};
/** Texts of the API (hazards, measures, description) hold at most 2000 bytes: 650 characters of Chinese. */
export const TEXT_MAX = 650;
export const REVIEW_DAYS_DEFAULT = 365;
/** Areas without risk points on the map. */
export const NONE_FILL = '#E4E7EB';

// permission names are built, not written out: quoted dotted strings are message keys to the catalogue test
const RISKS_WRITE = ['risks', 'write'].join('.');
export const canWriteRisks = (user) => ((user && user.permissions) || []).includes(RISKS_WRITE);

export const levelName = (lv) => (lv ? enumLabel('risk_level', lv) : t('risk.level_none'));
export const levelShort = (lv) => (lv ? enumLabel('risk_level_short', lv) : t('risk.level_none'));
export const kindName = (k) => enumLabel('risk_kind', k) || DASH;
export const methodName = (m) => enumLabel('risk_method', m) || DASH;
export const controlName = (c) => (c ? enumLabel('risk_control', c) : DASH);
export const measureKindName = (k) => enumLabel('risk_measure', k) || DASH;
const valueCode = (v) => String(v).replace('.', '_');
/** The meaning of a factor value ("3 可能，但不经常"). */
export const factorLabel = (method, f, v) => `${num(v, 1)} ${enumLabel(`risk_${method}_${f}`, valueCode(v))}`;
/** D for LEC, R for the matrix. */
export const scoreSymbol = (method) => (method === 'matrix' ? 'R' : 'D');

/** White text on red and blue, black on orange and yellow (by the colour's luminance). */
export function inkOn(hex) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
  if (!m) return '#17202a';
  const lin = (c) => { const x = parseInt(c, 16) / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
  const lum = 0.2126 * lin(m[1]) + 0.7152 * lin(m[2]) + 0.0722 * lin(m[3]);
  return lum < 0.3 ? '#ffffff' : '#111111';
}

/** Colours a box with the level's hex (from the server), with the text colour that reads on it. */
export function paintLevel(el, hex) {
  if (!hex) return el;
  el.style.backgroundColor = hex;
  el.style.borderColor = hex;
  el.style.color = inkOn(hex);
  return el;
}

/**
 * A level badge: "较大 D=240". a: an assessment of the server ({level, hex, score}) or
 * {level, score} of the preview (coloured by its CSS class then).
 */
export function levelBadge(a, method, { testid = 'risk-badge', showScore = true, long = false } = {}) {
  const level = (a && a.level && a.level !== 'none') ? a.level : '';
  const label = long ? levelName(level) : levelShort(level);
  const score = showScore && a && Number.isFinite(+a.score) ? ` ${scoreSymbol(method)}=${num(a.score, 2)}` : '';
  const el = h('span', {
    class: `risk-badge rl-${level || 'none'}`, 'data-testid': testid, 'data-level': level, 'data-hex': (a && a.hex) || '',
    'data-score': a && Number.isFinite(+a.score) ? String(a.score) : '',
  }, label, score ? h('span', { class: 'risk-score' }, score) : null);
  return paintLevel(el, a && a.hex);
}

/** The score of the factors: D = L × E × C (exact: D × 20 is a whole number) or R = L × S. */
export function scoreOf(method, f) {
  if (!f) return null;
  if (method === 'lec') {
    if (![f.l, f.e, f.c].every((v) => Number.isFinite(+v))) return null;
    const d20 = Math.round(+f.l * 10) * Math.round(+f.e * 2) * +f.c; // L in tenths, E in halves
    return { score: d20 / 20, d20 };
  }
  if (!Number.isInteger(+f.likelihood) || !Number.isInteger(+f.severity)) return null;
  return { score: +f.likelihood * +f.severity };
}

/** The band of a score: LEC above < D ≤ max (the last band has no max); the matrix min ≤ R ≤ max. */
export function bandOf(bands, method, sc) {
  if (!bands || !sc) return null;
  const list = ((bands[method] && bands[method].bands) || []);
  if (method === 'lec') {
    for (const b of list) if (b.max === undefined || b.max === null || sc.d20 <= +b.max * 20) return b;
    return null;
  }
  return list.find((b) => +b.min <= sc.score && sc.score <= +b.max) || null;
}

/** The preview of an assessment: {score, level, band} (the server's answer is authoritative). */
export function assessLocally(bands, method, f) {
  const sc = scoreOf(method, f);
  if (!sc) return null;
  const b = bandOf(bands, method, sc);
  return { score: sc.score, level: b ? b.level : '', band: b };
}

export function isOverdue(rp, today = todayIso()) {
  return !!(rp && rp.next_review_on && String(rp.next_review_on).slice(0, 10) < today);
}

/** "PU1 反应装置区 · R-201" from the point and the areas by id. */
export function placeOf(rp, areasById) {
  const a = areasById && areasById.get(rp.area_id);
  const area = a ? `${a.code} ${pickName(a)}` : rp.area_code || '';
  return [area, rp.asset_code].filter(Boolean).join(' · ') || DASH;
}

/** The factors of an assessment in words: "L=3 E=6 C=40" or "L=4 S=5". */
export function factorsText(method, a) {
  if (!a) return '';
  return method === 'lec' ? `L=${num(a.l, 1)} E=${num(a.e, 1)} C=${num(a.c, 0)}` : `L=${num(a.likelihood, 0)} S=${num(a.severity, 0)}`;
}

const personLabel = (p) => `${pickName(p)}${p.code ? ` (${p.code})` : ''}`;

// ---- the form of a new risk point -------------------------------------------------------------

/**
 * The new-risk-point form. {el, reset()}; onSaved(point) after the server created it.
 * ctx: {sites, siteId, areas, people, bands}.
 */
function pointForm(ctx, { onSaved, onCancel }) {
  const { areas, people, bands } = ctx;
  const siteId = ctx.siteId;
  const errBox = h('div', { class: 'rf-error', 'data-testid': 'rf-error-holder' });
  const showError = (e) => {
    const server = e && e.message ? e.message : '';
    fill(errBox, h('div', { class: 'problem refusal', role: 'alert', 'data-testid': 'rf-error', 'data-status': e ? e.status : '' },
      h('span', { class: 'problem-icon', html: icons.alert }),
      h('div', { class: 'refusal-body' },
        h('strong', null, e && e.status === 400 ? t('risk.refused') : e && e.status === 403 ? t('error.no_permission_title') : t('risk.save_failed')),
        server ? h('p', { 'data-testid': 'rf-error-server' }, server) : null),
      h('button', { type: 'button', class: 'icon-btn close-err', 'aria-label': t('risk.dismiss'), html: icons.close, onclick: () => errBox.replaceChildren() })));
    errBox.scrollIntoView({ block: 'nearest' });
  };

  const row = (label, control, { required = false, hint = '', cls = '' } = {}) => h('label', { class: `hz-row ${cls}` },
    h('span', { class: 'hz-row-label' }, t(label), required ? ' *' : ''), control, hint ? h('span', { class: 'muted small' }, hint) : null);
  const select = (testid, options, value) => h('select', { 'data-testid': testid },
    options.map(([v, l]) => h('option', { value: String(v), selected: String(v) === String(value) }, l)));

  const kind = select('rf-kind', POINT_KINDS.map((k) => [k, kindName(k)]), 'equipment');
  const siteAreas = areas.filter((a) => !siteId || a.site_id === siteId);
  const area = select('rf-area', [['', t('risk.area_pick')], ...siteAreas.map((a) => [a.id, `${a.code} ${pickName(a)}`])], '');
  const asset = select('rf-asset', [['', t('risk.asset_none')]], '');
  area.addEventListener('change', async () => {
    fill(asset, h('option', { value: '' }, t('risk.asset_none')));
    if (!area.value) return;
    const want = area.value;
    const list = await fetchAll('/assets', { area_id: want }, 1000).catch(() => []);
    if (area.value !== want) return;
    fill(asset, h('option', { value: '' }, t('risk.asset_none')),
      list.map((x) => h('option', { value: String(x.id) }, `${x.code} ${pickName(x)}`)));
  });
  const name = h('input', { type: 'text', maxlength: 60, 'data-testid': 'rf-name', placeholder: t('risk.name_ph') });
  const description = h('textarea', { rows: 2, maxlength: TEXT_MAX, 'data-testid': 'rf-description', placeholder: t('risk.description_ph') });
  const hazards = h('textarea', { rows: 3, 'data-testid': 'rf-hazards', placeholder: t('risk.hazards_ph') });

  // method and the two assessments
  let method = 'lec';
  const values = { inherent: { ...DEFAULTS.lec.inherent }, residual: { ...DEFAULTS.lec.residual } };
  const methodBtns = METHODS.map((m) => {
    const b = h('button', { type: 'button', class: 'seg-btn', 'data-testid': `rf-method-${m}`, 'aria-pressed': String(m === method) }, enumLabel('risk_method_long', m));
    b.addEventListener('click', () => {
      if (method === m) return;
      method = m;
      for (const x of methodBtns) x.setAttribute('aria-pressed', String(x === b));
      values.inherent = { ...DEFAULTS[m].inherent };
      values.residual = { ...DEFAULTS[m].residual };
      paintAssessments();
    });
    return b;
  });
  const assessHolder = h('div', { class: 'rf-assess-grid' });
  const previews = {};

  function assessmentBlock(which) {
    const selects = FACTORS[method].map(([f, allowed]) => {
      const sel = h('select', { 'data-testid': `rf-${which}-${f}`, 'aria-label': t(`risk.factor_${method}_${f}`) },
        allowed.map((v) => h('option', { value: String(v), selected: +values[which][f] === v }, factorLabel(method, f, v))));
      sel.addEventListener('change', () => { values[which][f] = +sel.value; paintPreview(); });
      return h('label', { class: 'rf-factor' }, h('span', { class: 'rf-factor-name' }, t(`risk.factor_${method}_${f}`)), sel);
    });
    previews[which] = h('div', { class: 'rf-preview', 'data-testid': `rf-${which}-preview`, 'aria-live': 'polite' });
    return h('fieldset', { class: `rf-assess rf-${which}`, 'data-testid': `rf-${which}` },
      h('legend', null, t(`risk.${which}`), h('span', { class: 'muted small' }, ' ', t(`risk.${which}_hint`))),
      h('div', { class: 'rf-factors' }, selects),
      previews[which]);
  }

  function previewOf(which) {
    const a = assessLocally(bands, method, values[which]);
    const el = previews[which];
    if (!el) return a;
    const formula = method === 'lec'
      ? `D = ${num(values[which].l, 1)} × ${num(values[which].e, 1)} × ${num(values[which].c, 0)} = ${a ? num(a.score, 2) : '?'}`
      : `R = ${num(values[which].likelihood, 0)} × ${num(values[which].severity, 0)} = ${a ? num(a.score, 0) : '?'}`;
    el.setAttribute('data-level', a ? a.level : '');
    el.setAttribute('data-score', a ? String(a.score) : '');
    fill(el, h('span', { class: 'rf-formula code' }, formula),
      a && a.level ? levelBadge({ level: a.level }, method, { testid: `rf-${which}-level`, showScore: false, long: true }) : null,
      a && a.band ? h('span', { class: 'muted small' }, txt(a.band.name)) : null,
      bands ? null : h('span', { class: 'muted small' }, t('risk.bands_unknown')));
    return a;
  }
  const warn = h('p', { class: 'rf-warn small', 'data-testid': 'rf-residual-warning', hidden: true });
  function paintPreview() {
    const i = previewOf('inherent');
    const r = previewOf('residual');
    const above = i && r && i.level && r.level && LEVEL_RANK[r.level] > LEVEL_RANK[i.level];
    const lower = i && r && i.level && r.level && LEVEL_RANK[r.level] < LEVEL_RANK[i.level];
    warn.hidden = !above && !(lower && !measureRows.some((m) => m.text.value.trim()));
    warn.textContent = above ? t('risk.warn_residual_above') : t('risk.warn_needs_measures');
    warn.classList.toggle('is-bad', !!above);
  }
  function paintAssessments() {
    fill(assessHolder, assessmentBlock('inherent'), assessmentBlock('residual'));
    paintPreview();
  }

  // control measures
  const measureRows = [];
  const measureList = h('div', { class: 'rf-measures', 'data-testid': 'rf-measures' });
  const ownerOptions = (testid, label) => h('select', { 'data-testid': testid, 'aria-label': t(label) },
    h('option', { value: '' }, t('risk.owner_none')), people.map((p) => h('option', { value: String(p.id) }, personLabel(p))));
  function addMeasure(init = {}) {
    const mk = select('rf-measure-kind', MEASURE_KINDS.map((k) => [k, measureKindName(k)]), init.kind || 'engineering');
    mk.setAttribute('aria-label', t('risk.measure_kind'));
    const text = h('input', { type: 'text', maxlength: TEXT_MAX, 'data-testid': 'rf-measure-text', placeholder: t('risk.measure_ph'), 'aria-label': t('risk.measure_text') });
    text.addEventListener('input', () => paintPreview());
    const lv = select('rf-measure-level', CONTROL_LEVELS.map((c) => [c, controlName(c)]), init.control_level || 'workshop');
    lv.setAttribute('aria-label', t('risk.control_level'));
    const owner = ownerOptions('rf-measure-owner', 'risk.measure_owner');
    const rm = h('button', { type: 'button', class: 'icon-btn rf-measure-rm', 'data-testid': 'rf-measure-remove', 'aria-label': t('risk.measure_remove'), title: t('risk.measure_remove'), html: icons.close });
    const m = { kind: mk, text, level: lv, owner, el: null };
    m.el = h('div', { class: 'rf-measure', 'data-testid': 'rf-measure' }, mk, text, lv, owner, rm);
    rm.addEventListener('click', () => { measureRows.splice(measureRows.indexOf(m), 1); m.el.remove(); paintPreview(); });
    measureRows.push(m);
    measureList.append(m.el);
    return m;
  }
  const addBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'rf-measure-add' }, '+ ', t('risk.measure_add'));
  addBtn.addEventListener('click', () => addMeasure().text.focus());

  const controlLevel = select('rf-control-level', CONTROL_LEVELS.map((c) => [c, controlName(c)]), 'workshop');
  const owner = ownerOptions('rf-owner', 'risk.owner');
  const reviewDays = h('input', { type: 'number', min: 1, max: 3650, step: 1, value: String(REVIEW_DAYS_DEFAULT), 'data-testid': 'rf-review-days' });
  const submit = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'rf-submit' }, t('risk.save'));
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'rf-cancel', onclick: () => onCancel && onCancel() }, t('risk.cancel'));

  const form = h('form', { class: 'hz-form risk-form', 'data-testid': 'risk-form', novalidate: true },
    h('h3', null, t('risk.new_title')),
    h('p', { class: 'muted small' }, t('risk.new_hint')),
    errBox,
    h('div', { class: 'rf-cols' },
      row('risk.kind', kind, { required: true }),
      row('risk.area', area, { required: true }),
      row('risk.asset', asset)),
    row('risk.name', name, { required: true }),
    row('risk.description', description),
    row('risk.hazards', hazards, { required: true, hint: t('risk.hazards_hint') }),
    h('div', { class: 'hz-row' }, h('span', { class: 'hz-row-label' }, t('risk.method'), ' *'),
      h('div', { class: 'seg rf-method', role: 'group', 'aria-label': t('risk.method') }, methodBtns)),
    assessHolder,
    warn,
    h('fieldset', { class: 'rf-measures-box' },
      h('legend', null, t('risk.measures')),
      h('p', { class: 'muted small' }, t('risk.measures_hint')),
      measureList, h('div', null, addBtn)),
    h('div', { class: 'rf-cols' },
      row('risk.control_level', controlLevel, { required: true }),
      row('risk.owner', owner),
      row('risk.review_days', reviewDays, { hint: t('risk.review_days_hint') })),
    h('div', { class: 'detail-actions' }, submit, cancel));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errBox.replaceChildren();
    const lines = hazards.value.split('\n').map((x) => x.trim()).filter(Boolean);
    const missing = !area.value ? ['risk.area_required', area] : !name.value.trim() ? ['risk.name_required', name]
      : !lines.length ? ['risk.hazards_required', hazards] : null;
    if (missing) { showError({ status: 400, message: t(missing[0]) }); missing[1].focus(); return; }
    const days = Number(reviewDays.value);
    const body = {
      site_id: siteId, area_id: Number(area.value), kind: kind.value, name: name.value.trim(), hazards: lines, method,
      inherent: { ...values.inherent }, residual: { ...values.residual }, control_level: controlLevel.value,
      review_cycle_days: Number.isFinite(days) && reviewDays.value !== '' ? days : REVIEW_DAYS_DEFAULT,
      measures: measureRows.filter((m) => m.text.value.trim()).map((m) => {
        const o = { kind: m.kind.value, text: m.text.value.trim(), control_level: m.level.value };
        if (m.owner.value) o.owner_id = Number(m.owner.value);
        return o;
      }),
    };
    if (asset.value) body.asset_id = Number(asset.value);
    if (description.value.trim()) body.description = description.value.trim();
    if (owner.value) body.owner_id = Number(owner.value);
    submit.disabled = true;
    try {
      const saved = await api('/risk-points', { method: 'POST', body });
      onSaved && onSaved(saved);
    } catch (e) {
      showError(e);
    } finally {
      submit.disabled = false;
    }
  });

  addMeasure();
  paintAssessments();
  return { el: form };
}

// ---- the register ------------------------------------------------------------------------------

export async function renderList(ctx) {
  ctx.setTitle(t('risk.register_title'));
  const q = ctx.query;
  const user = ctx.user || {};
  const canWrite = canWriteRisks(user);
  const vals = { site_id: q.site_id || '', area_id: q.area_id || '', level: q.level || '' };
  let creating = canWrite && q.new === '1';
  const newBtn = canWrite ? h('button', { type: 'button', class: 'btn primary', 'data-testid': 'risk-new' }, '+ ', t('risk.new')) : null;
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('risk.register_title') }],
    title: t('risk.register_title'), sub: t('risk.register_sub'),
    extra: h('div', { class: 'detail-actions' },
      h('a', { class: 'btn', href: '#/risk-map', 'data-testid': 'risk-to-map' }, t('risk.to_map')), newBtn),
  }));
  const holder = loading();
  ctx.main.append(holder);
  let sites, areas, people, bands;
  try {
    [sites, areas, people, bands] = await Promise.all([
      fetchAll('/sites', {}, 100),
      fetchAll('/areas', {}, 2000),
      fetchAll('/people', {}, 2000).catch(() => []),
      api('/risk-bands').catch(() => null),
    ]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  const areasById = new Map(areas.map((a) => [a.id, a]));
  const siteIdOf = () => Number(vals.site_id) || (sites[0] ? sites[0].id : 0);

  // filters
  const siteSel = sites.length > 1 ? h('select', { 'data-testid': 'risk-filter-site', 'aria-label': t('field.site') },
    sites.map((s) => h('option', { value: String(s.id), selected: siteIdOf() === s.id }, pickName(s)))) : null;
  const areaSel = h('select', { 'data-testid': 'risk-filter-area', 'aria-label': t('risk.area') });
  const paintAreaSel = () => fill(areaSel, h('option', { value: '' }, `${t('risk.area')}: ${t('list.all')}`),
    areas.filter((a) => a.site_id === siteIdOf()).map((a) => h('option', { value: String(a.id), selected: vals.area_id === String(a.id) }, `${a.code} ${pickName(a)}`)));
  paintAreaSel();
  const levelSel = h('select', { 'data-testid': 'risk-filter-level', 'aria-label': t('risk.residual') },
    h('option', { value: '' }, `${t('risk.residual_level')}: ${t('list.all')}`),
    LEVELS.map((lv) => h('option', { value: lv, selected: vals.level === lv }, levelName(lv))));
  if (siteSel) siteSel.addEventListener('change', () => { vals.site_id = siteSel.value; vals.area_id = ''; paintAreaSel(); changed(); });
  areaSel.addEventListener('change', () => { vals.area_id = areaSel.value; changed(); });
  levelSel.addEventListener('change', () => { vals.level = levelSel.value; changed(); });

  // the form (in a panel above the list while open)
  const formHolder = h('div', { class: 'risk-form-holder', 'data-testid': 'risk-form-holder' });
  let lastNew = 0;
  function paintForm() {
    if (!creating) { formHolder.replaceChildren(); if (newBtn) newBtn.hidden = false; return; }
    if (newBtn) newBtn.hidden = true;
    const f = pointForm({ siteId: siteIdOf(), areas, people, bands }, {
      onSaved: (rp) => {
        lastNew = rp.id;
        creating = false;
        // the new point must be in the list: drop a filter that would hide it
        if (vals.level && vals.level !== rp.residual_level) { vals.level = ''; levelSel.value = ''; }
        if (vals.area_id && Number(vals.area_id) !== rp.area_id) { vals.area_id = ''; areaSel.value = ''; }
        ctx.setQuery(queryValues());
        paintForm();
        load();
      },
      onCancel: () => { creating = false; ctx.setQuery(queryValues()); paintForm(); },
    });
    fill(formHolder, f.el);
    f.el.scrollIntoView({ block: 'nearest' });
  }
  if (newBtn) newBtn.addEventListener('click', () => { creating = true; ctx.setQuery(queryValues()); paintForm(); });

  const cols = [
    ['risk.name', ''], ['risk.kind', 'minor'], ['risk.place', ''], ['risk.method', 'minor'], ['risk.inherent_residual', ''],
    ['risk.control_level', 'minor'], ['risk.owner', 'minor'], ['risk.next_review', ''], ['risk.card', 'minor'],
  ];
  const tbody = h('tbody', { 'data-testid': 'risk-list-body' });
  const table = h('table', { class: 'grid risk-grid', 'data-testid': 'risk-table' },
    h('thead', null, h('tr', null, cols.map(([k, cls]) => h('th', { scope: 'col', class: cls }, t(k))))), tbody);
  const empty = h('div', { class: 'empty', 'data-testid': 'risk-empty', hidden: true }, t('risk.none'));
  const count = h('span', { class: 'list-status', 'data-testid': 'risk-count' });
  const summary = h('span', { class: 'risk-summary', 'data-testid': 'risk-summary' });
  const listProblem = h('div', { class: 'list-message', hidden: true });
  const toolbar = h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() },
    siteSel ? h('label', { class: 'filter' }, siteSel) : null,
    h('label', { class: 'filter' }, areaSel),
    h('label', { class: 'filter' }, levelSel),
    summary);
  const listEl = h('section', { class: 'list panel', 'data-testid': 'risk-register' },
    toolbar, h('div', { class: 'table-wrap' }, table), empty, listProblem, h('div', { class: 'pager' }, count));
  ctx.main.append(formHolder, listEl);
  paintForm();

  const today = todayIso();
  function row(rp) {
    const overdue = isOverdue(rp, today);
    const go = () => { location.hash = `#/risks/${rp.id}/card`; };
    const tr = h('tr', {
      class: `link-row risk-row rl-row-${rp.residual_level || 'none'}${overdue ? ' is-overdue' : ''}${rp.id === lastNew ? ' is-new' : ''}`, tabindex: 0,
      'data-testid': 'risk-row', 'data-id': rp.id, 'data-level': rp.residual_level || '', 'data-area': rp.area_code || '', 'data-overdue': overdue ? '1' : '0',
    },
    h('td', null, h('span', { class: 'name-cell' },
      h('a', { href: `#/risks/${rp.id}/card`, class: 'risk-name', 'data-testid': 'risk-name' }, rp.name),
      rp.description ? h('span', { class: 'hz-desc' }, rp.description) : null)),
    h('td', { class: 'minor' }, kindName(rp.kind)),
    h('td', { class: 'risk-place' }, placeOf(rp, areasById)),
    h('td', { class: 'minor' }, methodName(rp.method)),
    h('td', { class: 'risk-levels' },
      levelBadge(rp.inherent, rp.method, { testid: 'risk-badge-inherent' }),
      h('span', { class: 'risk-arrow', 'aria-hidden': 'true' }, '→'),
      levelBadge(rp.residual, rp.method, { testid: 'risk-badge-residual' })),
    h('td', { class: 'minor' }, controlName(rp.control_level)),
    h('td', { class: 'minor' }, rp.owner_name || DASH),
    h('td', { class: `date${overdue ? ' hz-overdue' : ''}`, 'data-testid': 'risk-next-review' },
      rp.next_review_on ? String(rp.next_review_on).slice(0, 10) : DASH,
      overdue ? h('span', { class: 'hz-overdue-badge', 'data-testid': 'risk-overdue' }, t('risk.review_overdue')) : null),
    h('td', { class: 'minor' }, h('a', { href: `#/risks/${rp.id}/card`, 'data-testid': 'risk-card-link' }, t('risk.card_open'))));
    tr.addEventListener('click', (e) => { if (!e.target.closest('a')) go(); });
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) go(); });
    return tr;
  }

  let items = [];
  function paint() {
    fill(tbody, items.map(row));
    empty.hidden = items.length > 0;
    count.textContent = t('risk.count', { n: items.length });
    const by = Object.fromEntries(LEVELS.map((lv) => [lv, items.filter((x) => x.residual_level === lv).length]));
    fill(summary, LEVELS.map((lv) => h('span', { class: 'risk-sum-item', 'data-level': lv },
      h('i', { class: `risk-dot rl-${lv}` }), `${levelShort(lv)} ${by[lv]}`)));
    const fresh = tbody.querySelector('tr.is-new');
    if (fresh) fresh.scrollIntoView({ block: 'nearest' });
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    listEl.classList.add('loading');
    try {
      const r = await api('/risk-points', { params: { site_id: siteIdOf() || '', area_id: vals.area_id, level: vals.level, limit: 2000 } });
      if (my !== seq || !ctx.isCurrent()) return;
      items = ((r && r.items) || []).slice().sort((a, b) => (LEVEL_RANK[b.residual_level] || 0) - (LEVEL_RANK[a.residual_level] || 0) || a.id - b.id);
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
  const queryValues = () => ({ site_id: vals.site_id, area_id: vals.area_id, level: vals.level, new: creating ? '1' : '' });
  function changed() {
    ctx.setQuery(queryValues());
    load();
  }
  await load();
}

/** The language-dependent "name" of a legend entry of the map ({name_zh, name_en}). */
export function legendName(l) {
  return t('risk.legend_name', { name: getLang() === 'en' ? l.name_en || l.name_zh : l.name_zh || l.name_en });
}
