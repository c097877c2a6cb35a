// The risk notification card (安全风险告知卡) of one risk point: #/risks/{id}/card.
//
// From GET /risk-points/{id}: the title, the point's name and place, its (residual) risk level
// as a big band in the level's colour, the identified hazards (危险因素), the description (the
// possible consequences), the control measures grouped by kind (engineering, management,
// training, PPE, emergency) with their control level and owner, the point's control level and
// responsible person, the inherent and residual assessments with their factors, and a labelled
// blank line for the emergency telephone. Prints on one A4 portrait sheet (style.css).
import { h } from '../dom.js';
import { t, pickName } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH, todayIso } from '../format.js';
import { getObj } from '../lookup.js';
import { qrSvg } from '../qr.js';
import {
  MEASURE_KINDS, levelName, kindName, methodName, controlName, measureKindName, factorsText, scoreSymbol,
  paintLevel, levelBadge, isOverdue,
} from './risks.js';

const PRINT_ICON = '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M7 9V3h10v6"/><rect x="3" y="9" width="18" height="8" rx="1.5"/><path d="M7 14h10v7H7z"/></svg>';

/** The local date (YYYY-MM-DD) of an RFC 3339 time. */
function localDate(iso) {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime()) ? todayIso(d) : DASH;
}

export async function renderCard(ctx) {
  const id = Number(ctx.params[0]);
  ctx.setTitle(t('risk.card_title'));
  const crumbs = [{ href: '#/', label: t('nav.home') }, { href: '#/risks', label: t('risk.register_title') }];
  const holder = loading();
  ctx.main.append(holder);
  let rp;
  try {
    rp = await api(`/risk-points/${id}`);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(pageHeader({ crumbs, title: `#${id}` }), problemBox(e));
    return;
  }
  const [area, asset, site] = await Promise.all([getObj('areas', rp.area_id), getObj('assets', rp.asset_id), getObj('sites', rp.site_id)]);
  if (!ctx.isCurrent()) return;
  ctx.setTitle(`${rp.name} · ${t('risk.card_title')}`);

  const res = rp.residual || {};
  const inh = rp.inherent || {};
  const level = res.level && res.level !== 'none' ? res.level : rp.residual_level || '';
  const place = [area ? `${area.code} ${pickName(area)}` : rp.area_code, asset ? `${asset.code} ${pickName(asset)}` : rp.asset_code].filter(Boolean).join(' · ') || DASH;
  const url = `${location.origin}/#/risks/${rp.id}/card`;
  const cell = (label, value, attrs = {}) => [h('th', { scope: 'row' }, t(label)), h('td', attrs, value === '' || value === null || value === undefined ? DASH : value)];
  const assessment = (a) => (a && a.level ? [levelBadge(a, rp.method, { testid: null, showScore: true, long: true }), ' ',
    h('span', { class: 'rc-factors' }, factorsText(rp.method, a))] : DASH);

  // the measures, grouped by kind in the order of the card; every kind gets its row
  const byKind = new Map(MEASURE_KINDS.map((k) => [k, []]));
  for (const m of rp.measures || []) (byKind.get(m.kind) || byKind.set(m.kind, []).get(m.kind)).push(m);
  const measureRows = [];
  for (const [k, list] of byKind) {
    const rows = list.length ? list : [null];
    rows.forEach((m, i) => {
      measureRows.push(h('tr', { class: m ? '' : 'rc-empty', 'data-testid': m ? 'risk-card-measure' : 'risk-card-measure-none', 'data-kind': k },
        i === 0 ? h('th', { scope: 'rowgroup', rowspan: rows.length, class: 'rc-kind' }, measureKindName(k)) : null,
        h('td', { class: 'rc-measure-text' }, m ? m.text : DASH),
        h('td', { class: 'rc-measure-level' }, m ? controlName(m.control_level) : ''),
        h('td', { class: 'rc-measure-owner' }, m ? m.owner_name || DASH : '')));
    });
  }

  const band = paintLevel(h('div', { class: `rc-band rl-${level || 'none'}`, 'data-testid': 'risk-card-band', 'data-level': level, 'data-hex': res.hex || '' },
    h('span', { class: 'rc-band-label' }, t('risk.card_level')),
    h('span', { class: 'rc-band-level' }, levelName(level)),
    Number.isFinite(+res.score) ? h('span', { class: 'rc-band-score' }, `${scoreSymbol(rp.method)} = ${num(res.score, 2)}`) : null), res.hex);

  const sheet = h('article', { class: 'rc-sheet', 'data-testid': 'risk-card', 'data-id': rp.id },
    h('header', { class: 'rc-head' },
      h('div', { class: 'rc-head-text' },
        h('h1', { class: 'rc-title', 'data-testid': 'risk-card-title' }, t('risk.card_title')),
        h('p', { class: 'rc-site' }, site ? pickName(site) : '')),
      h('figure', { class: 'rc-qr' },
        h('div', { class: 'qr-box', 'data-testid': 'risk-card-qr', 'data-url': url, html: qrSvg(url, { title: url }) }),
        h('figcaption', null, t('risk.card_qr')))),
    h('table', { class: 'rc-table' },
      h('colgroup', null, h('col', { class: 'c-label' }), h('col'), h('col', { class: 'c-label' }), h('col')),
      h('tbody', null,
        h('tr', null, cell('risk.card_name', h('strong', { 'data-testid': 'risk-card-name' }, rp.name), { colspan: 3 })),
        h('tr', null, cell('risk.card_place', h('span', { 'data-testid': 'risk-card-place' }, place), { colspan: 3 })),
        h('tr', null, cell('risk.kind', kindName(rp.kind)), cell('risk.method', methodName(rp.method))))),
    band,
    h('table', { class: 'rc-table' },
      h('colgroup', null, h('col', { class: 'c-label' }), h('col')),
      h('tbody', null,
        h('tr', null, cell('risk.inherent', assessment(inh), { 'data-testid': 'risk-card-inherent' })),
        h('tr', null, cell('risk.residual', assessment(res), { 'data-testid': 'risk-card-residual' })))),
    h('h2', { class: 'rc-section' }, t('risk.card_hazards')),
    h('ol', { class: 'rc-hazards', 'data-testid': 'risk-card-hazards' },
      (rp.hazards || []).map((x) => h('li', { 'data-testid': 'risk-card-hazard' }, x))),
    h('h2', { class: 'rc-section' }, t('risk.card_consequences')),
    h('p', { class: 'rc-description', 'data-testid': 'risk-card-description' }, rp.description || DASH),
    h('h2', { class: 'rc-section' }, t('risk.card_measures')),
    h('table', { class: 'rc-table rc-measures', 'data-testid': 'risk-card-measures' },
      h('thead', null, h('tr', null,
        h('th', { class: 'rc-kind' }, t('risk.measure_kind')), h('th', null, t('risk.measure_text')),
        h('th', { class: 'rc-measure-level' }, t('risk.control_level')), h('th', { class: 'rc-measure-owner' }, t('risk.measure_owner')))),
      h('tbody', null, measureRows)),
    h('table', { class: 'rc-table rc-foot-table' },
      h('colgroup', null, h('col', { class: 'c-label' }), h('col'), h('col', { class: 'c-label' }), h('col')),
      h('tbody', null,
        h('tr', null, cell('risk.control_level', h('strong', { 'data-testid': 'risk-card-control' }, controlName(rp.control_level))),
          cell('risk.owner', h('strong', { 'data-testid': 'risk-card-owner' }, rp.owner_name || DASH))),
        h('tr', null, cell('risk.card_emergency_phone', h('span', { class: 'rc-blank', 'data-testid': 'risk-card-phone' }, '')),
          cell('risk.next_review', h('span', { class: isOverdue(rp) ? 'hz-overdue' : '' }, rp.next_review_on ? String(rp.next_review_on).slice(0, 10) : DASH))))),
    h('p', { class: 'rc-foot' }, t('risk.card_foot', { date: todayIso(), by: rp.updated_by || DASH, updated: localDate(rp.updated) })));

  holder.replaceWith(h('div', { class: 'rc-page', 'data-testid': 'risk-card-page' },
    pageHeader({ crumbs: [...crumbs, { label: rp.name }], title: t('risk.card_title') }),
    h('div', { class: 'print-tools no-print' },
      h('div', { class: 'detail-actions' },
        h('a', { class: 'btn', href: area ? `#/risks?area_id=${area.id}` : '#/risks' }, t('risk.card_back')),
        h('a', { class: 'btn', href: `#/risk-map${area ? `?area_id=${area.id}` : ''}` }, t('risk.to_map'))),
      h('button', { type: 'button', class: 'btn primary', 'data-testid': 'risk-card-print', onclick: () => window.print() }, h('span', { html: PRINT_ICON }), t('risk.print'))),
    sheet));
}
