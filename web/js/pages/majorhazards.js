// Major hazard sources (重大危险源辨识与分级, GB 18218-2018; docs/risk.md "Major hazard sources in
// the register"): #/major-hazards?site_id=.
//
// GET /major-hazards gives every unit of the site with its items and two assessments: design
// (the declared design-maximum quantities) and live (the latest inventory readings as the
// engine counted them, each item with its source and, when the declared quantity counts, why).
// Each unit is a panel: code, name, kind, place; the design and the live grade as badges (一级
// red … 四级 blue, "not major" grey; the live one also "approaching" when S passed the unit's
// warning threshold), S, R and α of both; the items (substance or category, q, Q, q/Q, β, the
// live q and its source); the latest live alarms (GET /major-hazards/{id}/events). The form
// declares a unit: kind, code, name, area, people within 500 m, warning threshold, and its items,
// each a substance of Table 1 or a category of Table 2 picked from GET /gb18218, the quantity, and
// optionally an inventory tag with its conversion to tonnes. A refusal (400) shows the server's
// sentence. The server assesses; nothing is computed here.
import { h } from '../dom.js';
import { t, enumLabel, pickName, getLang } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill } from './permits.js';
import { paintLevel, canWriteRisks } from './risks.js';

/** Colours of the four grades (一级 the most severe) and of "not major". */
const GRADE_HEX = { 1: '#FF0000', 2: '#FF8C00', 3: '#FFFF00', 4: '#0000FF' };
const NOT_MAJOR_HEX = '#E4E7EB';
const APPROACHING_HEX = '#FFD8A8';
const EVENTS_SHOWN = 8;
const ITEMS_MAX = 128;

const nameOf = (x) => (x ? (getLang() === 'en' ? x.name_en || x.name_zh : x.name_zh || x.name_en) || '' : '');
const kindName = (k) => enumLabel('mh_kind', k) || DASH;

/** "一级重大危险源" / "非重大危险源" / "接近重大危险源" as a coloured badge. */
function gradeBadge(level, state, testid) {
  const approaching = !level && state === 'approaching';
  const label = level ? enumLabel('mh_level', String(level)) : approaching ? t('mh.state_approaching') : t('mh.not_major');
  const el = h('span', { class: `risk-badge mh-badge mh-level-${level || 0}`, 'data-testid': testid, 'data-level': String(level || 0), 'data-state': state || '' }, label);
  return paintLevel(el, level ? GRADE_HEX[level] : approaching ? APPROACHING_HEX : NOT_MAJOR_HEX);
}

/** "S = 1.400 · R = 8.00 · α = 2.0" */
function figures(a, testid) {
  if (!a) return h('span', { class: 'muted small', 'data-testid': testid }, t('mh.live_pending'));
  return h('span', { class: 'code mh-figures', 'data-testid': testid, 'data-s': String(a.s), 'data-r': String(a.r) },
    `S = ${num(a.s, 3)} · R = ${num(a.r, 2)} · α = ${num(a.alpha, 1)}`);
}

function itemName(it) {
  const main = it.substance_code ? nameOf(it) || it.substance : `${it.category} ${nameOf(it)}`;
  const beta = it.substance_code && it.category ? ` (β: ${it.category})` : '';
  return `${main}${beta}`;
}

function itemsTable(u) {
  const d = (u.design && u.design.items) || [];
  const l = (u.live && u.live.items) || [];
  const cols = ['mh.item', 'mh.q_design', 'mh.critical', 'mh.ratio', 'mh.beta', 'mh.q_live', 'mh.source'];
  return h('table', { class: 'grid mh-items', 'data-testid': 'mh-items' },
    h('thead', null, h('tr', null, cols.map((k, i) => h('th', { scope: 'col', class: i > 0 && i < 6 ? 'num' : '' }, t(k))))),
    h('tbody', null, u.items.map((it, i) => {
      const di = d[i] || {};
      const li = l[i];
      const source = !li ? DASH : li.source === 'tag' ? `${t('mh.source_tag')} ${it.tag_key || ''}` : li.reason ? `${t('mh.source_declared')}: ${li.reason}` : t('mh.source_declared');
      return h('tr', { 'data-testid': 'mh-item', 'data-source': li ? li.source : '' },
        h('td', null, itemName(it)),
        h('td', { class: 'num' }, num(it.q_t, 3)),
        h('td', { class: 'num' }, num(di.critical_t, 3)),
        h('td', { class: 'num' }, num(di.ratio, 3)),
        h('td', { class: 'num' }, num(di.beta, 1)),
        h('td', { class: 'num', 'data-testid': 'mh-item-live' }, li ? num(li.q_t, 3) : DASH),
        h('td', { class: 'small' }, source));
    })));
}

function eventsList(events) {
  if (!events.length) return h('p', { class: 'muted small', 'data-testid': 'mh-events-none' }, t('mh.events_none'));
  return h('ul', { class: 'mh-events', 'data-testid': 'mh-events' }, events.slice(0, EVENTS_SHOWN).map((e) =>
    h('li', { 'data-testid': 'mh-event', 'data-kind': e.kind },
      h('span', { class: 'code' }, new Date(e.at).toLocaleString()), ' ',
      h('strong', null, enumLabel('mh_event', e.kind)), ' ',
      h('span', { class: 'code' }, `S = ${num(e.s, 3)} · R = ${num(e.r, 2)}`),
      e.level_before !== e.level_after ? h('span', { class: 'muted small' }, ` ${gradeText(e.level_before)} → ${gradeText(e.level_after)}`) : null)));
}
const gradeText = (lv) => (lv ? enumLabel('mh_level', String(lv)) : t('mh.not_major'));

function unitPanel(u, events) {
  const live = u.live;
  return h('section', { class: 'panel mh-unit', 'data-testid': 'mh-unit', 'data-id': u.id, 'data-code': u.code },
    h('header', { class: 'panel-head' },
      h('h2', null, h('span', { class: 'code' }, u.code), ' ', u.name),
      h('span', { class: 'muted small' }, [kindName(u.kind), u.area_code, u.asset_code].filter(Boolean).join(' · '))),
    h('div', { class: 'panel-body' },
      h('dl', { class: 'fields' },
        h('div', { class: 'field' }, h('dt', null, t('mh.design')),
          h('dd', null, gradeBadge(u.design && u.design.level, '', 'mh-design-level'), ' ', figures(u.design, 'mh-design-figures'))),
        h('div', { class: 'field' }, h('dt', null, t('mh.live')),
          h('dd', null, live ? gradeBadge(live.level, live.state, 'mh-live-level') : null, ' ', figures(live, 'mh-live-figures'))),
        h('div', { class: 'field' }, h('dt', null, t('mh.people')),
          h('dd', null, `${num(u.people_500m, 0)} · ${t('mh.threshold')} ${num(u.warn_threshold, 2)}`))),
      u.problem ? h('p', { class: 'rf-warn small' }, u.problem) : null,
      itemsTable(u),
      h('h3', { class: 'small' }, t('mh.events')),
      eventsList(events)));
}

// ---- the form of a new unit ---------------------------------------------------------------------

function unitForm({ siteId, areas, tags, table }, { onSaved, onCancel }) {
  const errBox = h('div', { class: 'rf-error' });
  const showError = (e) => fill(errBox, h('div', { class: 'problem refusal', role: 'alert', 'data-testid': 'mh-error', 'data-status': e ? e.status : '' },
    h('span', { class: 'problem-icon', html: icons.alert }),
    h('div', { class: 'refusal-body' }, h('strong', null, t('mh.refused')), h('p', { 'data-testid': 'mh-error-server' }, (e && e.message) || ''))));
  const row = (label, control, required = false) => h('label', { class: 'hz-row' }, h('span', { class: 'hz-row-label' }, t(label), required ? ' *' : ''), control);
  const code = h('input', { type: 'text', maxlength: 64, 'data-testid': 'mh-code' });
  const name = h('input', { type: 'text', maxlength: 60, 'data-testid': 'mh-name' });
  const kind = h('select', { 'data-testid': 'mh-kind' }, ['storage', 'production'].map((k) => h('option', { value: k }, kindName(k))));
  const area = h('select', { 'data-testid': 'mh-area' }, h('option', { value: '' }, DASH),
    areas.filter((a) => a.site_id === siteId).map((a) => h('option', { value: String(a.id) }, `${a.code} ${pickName(a)}`)));
  const people = h('input', { type: 'number', min: 0, step: 1, value: '0', 'data-testid': 'mh-people' });
  const threshold = h('input', { type: 'number', min: 0.01, max: 0.99, step: 0.01, value: '0.9', 'data-testid': 'mh-threshold' });
  const subOptions = [
    h('optgroup', { label: t('mh.by_substance') }, table.substances.map((s) =>
      h('option', { value: `s:${s.code}` }, `${nameOf(s)} · Q ${num(s.critical_t, 3)} t · β ${num(s.beta, 1)}`))),
    h('optgroup', { label: t('mh.by_category') }, table.categories.map((c) =>
      h('option', { value: `c:${c.code}` }, `${c.code} ${nameOf(c)} · Q ${num(c.critical_t, 3)} t · β ${num(c.beta, 1)}`))),
  ];
  const rows = [];
  const list = h('div', { class: 'mh-form-items', 'data-testid': 'mh-form-items' });
  function addItem() {
    if (rows.length >= ITEMS_MAX) return;
    const what = h('select', { 'data-testid': 'mh-item-substance', 'aria-label': t('mh.item') }, subOptions.map((g) => g.cloneNode(true)));
    const q = h('input', { type: 'number', min: 0, step: 'any', 'data-testid': 'mh-item-q', 'aria-label': t('mh.q_design'), placeholder: 't' });
    const tag = h('select', { 'data-testid': 'mh-item-tag', 'aria-label': t('mh.tag') }, h('option', { value: '' }, t('mh.tag_none')),
      tags.map((x) => h('option', { value: String(x.id) }, `${x.key}${x.unit ? ` (${x.unit})` : ''}`)));
    const factor = h('input', { type: 'number', step: 'any', value: '1', 'data-testid': 'mh-item-factor', 'aria-label': t('mh.factor'), title: t('mh.factor') });
    const offset = h('input', { type: 'number', step: 'any', value: '0', 'data-testid': 'mh-item-offset', 'aria-label': t('mh.offset'), title: t('mh.offset') });
    const rm = h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('mh.item_remove'), html: icons.close });
    const r = { what, q, tag, factor, offset, el: h('div', { class: 'mh-form-item', 'data-testid': 'mh-form-item', style: 'display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin-bottom:6px' }, what, q, tag, factor, offset, rm) };
    rm.addEventListener('click', () => { rows.splice(rows.indexOf(r), 1); r.el.remove(); });
    rows.push(r);
    list.append(r.el);
  }
  const add = h('button', { type: 'button', class: 'btn', 'data-testid': 'mh-item-add', onclick: addItem }, '+ ', t('mh.item_add'));
  const submit = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'mh-submit' }, t('mh.save'));
  const form = h('form', { class: 'hz-form panel', 'data-testid': 'mh-form', novalidate: true },
    h('h3', null, t('mh.new_title')), h('p', { class: 'muted small' }, t('mh.new_hint')), errBox,
    h('div', { class: 'rf-cols' }, row('mh.kind', kind, true), row('mh.code', code, true), row('mh.name', name, true)),
    h('div', { class: 'rf-cols' }, row('mh.area', area), row('mh.people', people, true), row('mh.threshold', threshold)),
    h('fieldset', null, h('legend', null, t('mh.items')), h('p', { class: 'muted small' }, t('mh.items_hint')), list, h('div', null, add)),
    h('div', { class: 'detail-actions' }, submit, h('button', { type: 'button', class: 'btn', onclick: () => onCancel() }, t('mh.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errBox.replaceChildren();
    const body = {
      site_id: siteId, code: code.value.trim(), name: name.value.trim(), kind: kind.value,
      people_500m: Number(people.value), warn_threshold: Number(threshold.value),
      items: rows.map((r) => {
        const [k, c] = r.what.value.split(':');
        const o = k === 's' ? { substance: c } : { category: c };
        o.q_t = r.q.value === '' ? null : Number(r.q.value);
        if (r.tag.value) Object.assign(o, { tag_id: Number(r.tag.value), factor: Number(r.factor.value), offset_t: Number(r.offset.value) });
        return o;
      }),
    };
    if (area.value) body.area_id = Number(area.value);
    submit.disabled = true;
    try {
      onSaved(await api('/major-hazards', { method: 'POST', body }));
    } catch (e) {
      showError(e);
    } finally {
      submit.disabled = false;
    }
  });
  addItem();
  return form;
}

// ---- the page -------------------------------------------------------------------------------------

export async function render(ctx) {
  ctx.setTitle(t('mh.title'));
  const canWrite = canWriteRisks(ctx.user || {});
  const newBtn = canWrite ? h('button', { type: 'button', class: 'btn primary', 'data-testid': 'mh-new' }, '+ ', t('mh.new')) : null;
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('mh.title') }],
    title: t('mh.title'), sub: t('mh.sub'), extra: newBtn,
  }));
  const holder = loading();
  ctx.main.append(holder);
  let sites, areas, table;
  try {
    [sites, areas, table] = await Promise.all([fetchAll('/sites', {}, 100), fetchAll('/areas', {}, 2000), api('/gb18218')]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  const siteId = Number(ctx.query.site_id) || (sites[0] ? sites[0].id : 0);
  const formHolder = h('div');
  const listEl = h('div', { 'data-testid': 'mh-list' });
  ctx.main.append(formHolder, listEl);

  async function load() {
    try {
      const r = await api('/major-hazards', { params: { site_id: siteId || '' } });
      const units = (r && r.items) || [];
      const events = await Promise.all(units.map((u) => api(`/major-hazards/${u.id}/events`, { params: { limit: EVENTS_SHOWN } }).then((x) => x.items).catch(() => [])));
      if (!ctx.isCurrent()) return;
      fill(listEl, units.length ? units.map((u, i) => unitPanel(u, events[i])) : h('div', { class: 'empty', 'data-testid': 'mh-empty' }, t('mh.none')));
    } catch (e) {
      if (ctx.isCurrent()) fill(listEl, problemBox(e, { retry: load }));
    }
  }
  if (newBtn) {
    newBtn.addEventListener('click', async () => {
      newBtn.hidden = true;
      const tags = await fetchAll('/tags', { site_id: siteId }, 2000).catch(() => []);
      fill(formHolder, unitForm({ siteId, areas, tags, table }, {
        onSaved: () => { formHolder.replaceChildren(); newBtn.hidden = false; load(); },
        onCancel: () => { formHolder.replaceChildren(); newBtn.hidden = false; },
      }));
    });
  }
  await load();
}
