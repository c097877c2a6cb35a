// The four-colour risk map (安全风险四色分布图, docs/risk.md): #/risk-map?site_id=&area_id=.
//
// GET /risk-map?site_id= gives every area of the site with its outline, its highest residual
// risk level with the level's hex, the count of risk points per level, and the legend. Each
// area is drawn from its outline, filled with its level's colour (red 重大, orange 较大, yellow
// 一般, blue 低); an area without risk points is light grey and hatched; roads without risk
// points are drawn light and dashed. Labels: the area's code and name. Hover an area for its
// counts per level; click it for the same and its risk points (GET /risk-points?area_id=),
// each linked to its notification card. The sheet — title block (site, date), map with north
// arrow and scale, legend — prints on one landscape A4 page (style.css: @page risk-map).
import { h, s } from '../dom.js';
import { t, pickName } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH, todayIso } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill, asPolygon, okPoly, insidePolygon } from './permits.js';
import { LEVELS, NONE_FILL, levelBadge, levelName, levelShort, legendName, kindName, paintLevel, inkOn, canWriteRisks } from './risks.js';

const PRINT_ICON = '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M7 9V3h10v6"/><rect x="3" y="9" width="18" height="8" rx="1.5"/><path d="M7 14h10v7H7z"/></svg>';
const ROAD_FILL = '#F7F8FA';

/** Area-weighted centroid of a polygon (vertex mean when degenerate), moved inside if it falls out. */
function labelPoint(poly) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [x0, y0] = [+poly[j][0], +poly[j][1]];
    const [x1, y1] = [+poly[i][0], +poly[i][1]];
    const f = x0 * y1 - x1 * y0;
    a += f; cx += (x0 + x1) * f; cy += (y0 + y1) * f;
  }
  let p = Math.abs(a) > 1e-9 ? [cx / (3 * a), cy / (3 * a)]
    : [poly.reduce((acc, q) => acc + +q[0], 0) / poly.length, poly.reduce((acc, q) => acc + +q[1], 0) / poly.length];
  if (!insidePolygon(p[0], p[1], poly)) {
    // the middle of the widest inside run on the horizontal line through the centroid
    const xs = [];
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = [+poly[i][0], +poly[i][1]];
      const [xj, yj] = [+poly[j][0], +poly[j][1]];
      if ((yi > p[1]) !== (yj > p[1])) xs.push(xi + ((p[1] - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((u, v) => u - v);
    let best = 0;
    for (let k = 0; k + 1 < xs.length; k += 2) if (xs[k + 1] - xs[k] > best) { best = xs[k + 1] - xs[k]; p = [(xs[k] + xs[k + 1]) / 2, p[1]]; }
  }
  return p;
}

/** The width of the polygon at the label's height (for fitting the label). */
function widthAt(poly, y) {
  const xs = [];
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = [+poly[i][0], +poly[i][1]];
    const [xj, yj] = [+poly[j][0], +poly[j][1]];
    if ((yi > y) !== (yj > y)) xs.push(xi + ((y - yi) * (xj - xi)) / (yj - yi));
  }
  xs.sort((u, v) => u - v);
  let best = 0;
  for (let k = 0; k + 1 < xs.length; k += 2) best = Math.max(best, xs[k + 1] - xs[k]);
  return best;
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

/** Counts of an area's risk points by level, as "重大 1 · 一般 2" (all four with zero too when full). */
function countsText(counts, full = false) {
  const c = counts || {};
  const parts = LEVELS.filter((lv) => full || +c[lv] > 0).map((lv) => `${levelShort(lv)} ${num(c[lv] || 0, 0)}`);
  return parts.length ? parts.join(' · ') : t('risk.map_no_points');
}
const totalOf = (counts) => LEVELS.reduce((n, lv) => n + (+((counts || {})[lv]) || 0), 0);

/**
 * The map's SVG. areas: of GET /risk-map, kinds: area id → kind (roads are drawn apart).
 * onSelect(area) on a click; onHover(area | null, event).
 */
function mapSvg(areas, kinds, { selectedId, onSelect, onHover }) {
  const drawn = areas.map((a) => ({ a, poly: asPolygon(a.polygon) })).filter((x) => okPoly(x.poly));
  if (!drawn.length) return null;
  const pts = drawn.flatMap((x) => x.poly.map((q) => [+q[0], +q[1]]));
  let minX = Math.min(...pts.map((p) => p[0])), maxX = Math.max(...pts.map((p) => p[0]));
  let minY = Math.min(...pts.map((p) => p[1])), maxY = Math.max(...pts.map((p) => p[1]));
  const pad = Math.max(maxX - minX, maxY - minY, 20) * 0.04;
  minX -= pad; maxX += pad; minY -= pad; maxY += pad * 2.2; // room for the north arrow and the scale
  const w = maxX - minX, hh = maxY - minY;
  const X = (x) => (+x - minX).toFixed(2);
  const Y = (y) => (maxY - +y).toFixed(2); // north up
  const unit = Math.max(w, hh) / 100;
  const d = (poly) => `M${poly.map((q) => `${X(q[0])} ${Y(q[1])}`).join('L')}Z`;
  const svg = s('svg', {
    class: 'risk-map-svg', viewBox: `0 0 ${w.toFixed(2)} ${hh.toFixed(2)}`, role: 'img', 'aria-label': t('risk.map_title'),
    preserveAspectRatio: 'xMidYMid meet', 'data-testid': 'risk-map-svg', 'data-areas': drawn.length,
  },
  s('defs', null,
    s('pattern', { id: 'rm-hatch', width: (unit * 1.6).toFixed(2), height: (unit * 1.6).toFixed(2), patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('line', { x1: 0, y1: 0, x2: 0, y2: (unit * 1.6).toFixed(2), stroke: '#A9B2BC', 'stroke-width': (unit * 0.25).toFixed(2) }))),
  s('rect', { class: 'rm-ground', x: 0, y: 0, width: w.toFixed(2), height: hh.toFixed(2) }));
  // roads under the rest
  const isRoad = (x) => kinds.get(x.a.id) === 'road';
  const order = [...drawn.filter(isRoad), ...drawn.filter((x) => !isRoad(x))];
  for (const { a, poly } of order) {
    const road = isRoad({ a });
    const level = a.level || '';
    const hex = level ? a.hex : road ? ROAD_FILL : NONE_FILL;
    const g = s('g', {
      class: `rm-area${road ? ' is-road' : ''}${level ? ` rl-${level}` : ' is-none'}${a.id === selectedId ? ' is-selected' : ''}`,
      'data-testid': 'risk-map-area-group', 'data-area-id': a.id, 'data-code': a.code, tabindex: 0, role: 'button',
      'aria-label': `${a.code} ${pickName(a)} · ${levelName(level)}`,
    },
    s('path', {
      class: 'rm-fill', d: d(poly), fill: hex, 'data-testid': 'risk-map-area', 'data-code': a.code, 'data-area-id': a.id,
      'data-level': level, 'data-total': totalOf(a.counts),
    }),
    !level && !road ? s('path', { class: 'rm-hatch', d: d(poly), fill: 'url(#rm-hatch)' }) : null,
    s('title', null, `${a.code} ${pickName(a)} · ${levelName(level)} · ${countsText(a.counts)}`));
    if (!road || level) {
      const [lx, ly] = labelPoint(poly);
      const width = widthAt(poly, ly) || unit * 20;
      const nm = pickName(a);
      let fsCode = Math.min(unit * 3.1, (width * 0.9) / Math.max(3, a.code.length * 0.62));
      let fsName = Math.min(unit * 2.4, (width * 0.9) / Math.max(2, [...nm].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 1 : 0.56), 0)));
      // the lines must fit the height of the area too
      const ys = poly.map((q) => +q[1]);
      const room = (Math.max(...ys) - Math.min(...ys)) * 0.8;
      const need = fsCode + fsName * 1.25 + (totalOf(a.counts) ? fsName * 1.2 : 0);
      if (need > room) { fsCode *= room / need; fsName *= room / need; }
      const ink = level ? inkOn(a.hex) : '#2b3846';
      const halo = ink === '#ffffff' ? 'rgba(0,0,0,0.55)' : 'rgba(255,255,255,0.85)';
      const total = totalOf(a.counts);
      g.append(s('text', { class: 'rm-label', x: X(lx), y: (+Y(ly) - fsName * 0.35).toFixed(2), 'text-anchor': 'middle', fill: ink, stroke: halo },
        s('tspan', { class: 'rm-code', x: X(lx), 'font-size': fsCode.toFixed(2) }, a.code),
        s('tspan', { class: 'rm-name', x: X(lx), dy: (fsName * 1.25).toFixed(2), 'font-size': fsName.toFixed(2) }, nm),
        total ? s('tspan', { class: 'rm-count', x: X(lx), dy: (fsName * 1.2).toFixed(2), 'font-size': (fsName * 0.82).toFixed(2) }, t('risk.map_points_n', { n: total })) : null));
    }
    g.addEventListener('click', () => onSelect && onSelect(a));
    g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); onSelect && onSelect(a); } });
    g.addEventListener('mousemove', (ev) => onHover && onHover(a, ev));
    g.addEventListener('mouseleave', () => onHover && onHover(null));
    svg.append(g);
  }
  // north arrow (top right) and scale bar (bottom left)
  const nx = w - unit * 5, ny = unit * 3;
  svg.append(s('g', { class: 'rm-north', 'aria-hidden': 'true' },
    s('path', { d: `M${nx.toFixed(2)} ${ny.toFixed(2)}l${(unit * 1.6).toFixed(2)} ${(unit * 4.6).toFixed(2)}l${(-unit * 1.6).toFixed(2)} ${(-unit * 1.2).toFixed(2)}l${(-unit * 1.6).toFixed(2)} ${(unit * 1.2).toFixed(2)}Z` }),
    s('text', { x: nx.toFixed(2), y: (ny + unit * 7.4).toFixed(2), 'text-anchor': 'middle', 'font-size': (unit * 2.4).toFixed(2) }, 'N')));
  const step = niceStep(Math.max(w, hh) / 6);
  const by = hh - unit * 2.2;
  svg.append(s('g', { class: 'rm-scale', 'aria-hidden': 'true' },
    s('path', { d: `M${(unit * 2).toFixed(2)} ${(by - unit * 0.8).toFixed(2)}v${(unit * 0.8).toFixed(2)}h${step.toFixed(2)}v${(-unit * 0.8).toFixed(2)}` }),
    s('text', { x: (unit * 2).toFixed(2), y: (by - unit * 1.3).toFixed(2), 'font-size': (unit * 2).toFixed(2) }, t('area.map_scale', { m: step }))));
  return svg;
}

export async function renderMap(ctx) {
  ctx.setTitle(t('risk.map_title'));
  const crumbs = [{ href: '#/', label: t('nav.home') }, { label: t('risk.map_title') }];
  const printBtn = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'risk-map-print', onclick: () => window.print() },
    h('span', { html: PRINT_ICON }), t('risk.print'));
  ctx.main.append(pageHeader({
    crumbs, title: t('risk.map_title'), sub: t('risk.map_sub'),
    extra: h('div', { class: 'detail-actions no-print' }, h('a', { class: 'btn', href: '#/risks', 'data-testid': 'risk-map-to-register' }, t('risk.to_register')), printBtn),
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
  if (!sites.length) { holder.replaceWith(h('div', { class: 'empty', 'data-testid': 'risk-map-no-site' }, t('risk.map_no_site'))); return; }
  const site = sites.find((x) => String(x.id) === String(ctx.query.site_id)) || sites[0];
  let map, areaList;
  try {
    [map, areaList] = await Promise.all([
      api('/risk-map', { params: { site_id: site.id } }),
      fetchAll('/areas', { site_id: site.id }, 2000).catch(() => []),
    ]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const kinds = new Map(areaList.map((a) => [a.id, a.kind]));
  const areas = (map && map.areas) || [];
  const legend = (map && map.legend) || [];
  let selected = areas.find((a) => String(a.id) === String(ctx.query.area_id)) || null;

  // the sheet: title block, map, legend
  const siteName = pickName(map.site || site);
  const pointsBy = Object.fromEntries(LEVELS.map((lv) => [lv, areas.reduce((n, a) => n + (+((a.counts || {})[lv]) || 0), 0)]));
  const areasBy = Object.fromEntries(LEVELS.map((lv) => [lv, areas.filter((a) => a.level === lv).length]));
  const noneCount = areas.filter((a) => !a.level && kinds.get(a.id) !== 'road').length;
  const tip = h('div', { class: 'rm-tip', 'data-testid': 'risk-map-tip', hidden: true, role: 'tooltip' });
  const figure = h('figure', { class: 'rm-figure' });
  const sheet = h('article', { class: 'rm-sheet', 'data-testid': 'risk-map' },
    h('header', { class: 'rm-title-block' },
      h('div', { class: 'rm-titles' },
        h('h2', { class: 'rm-title', 'data-testid': 'risk-map-title' }, t('risk.map_sheet_title', { site: siteName })),
        h('p', { class: 'rm-sub' },
          h('span', { 'data-testid': 'risk-map-date' }, t('risk.map_date', { date: todayIso() })),
          h('span', null, t('risk.map_basis')))),
      h('table', { class: 'rm-stats', 'data-testid': 'risk-map-stats' },
        h('thead', null, h('tr', null, h('th', null, ''), LEVELS.map((lv) => h('th', { 'data-level': lv }, levelShort(lv))))),
        h('tbody', null,
          h('tr', null, h('th', { scope: 'row' }, t('risk.map_stat_areas')), LEVELS.map((lv) => h('td', { 'data-level': lv }, num(areasBy[lv], 0)))),
          h('tr', null, h('th', { scope: 'row' }, t('risk.map_stat_points')), LEVELS.map((lv) => h('td', { 'data-level': lv }, num(pointsBy[lv], 0))))))),
    figure,
    h('footer', { class: 'rm-legend', 'data-testid': 'risk-map-legend' },
      h('span', { class: 'rm-legend-title' }, t('risk.legend')),
      legend.map((l) => h('span', { class: 'rm-lg', 'data-testid': 'risk-map-legend-item', 'data-level': l.level, 'data-hex': l.hex },
        paintLevel(h('i', { class: `rm-swatch rl-${l.level}` }), l.hex), legendName(l),
        h('span', { class: 'muted' }, t('risk.map_legend_n', { n: areasBy[l.level] || 0 })))),
      h('span', { class: 'rm-lg', 'data-testid': 'risk-map-legend-none', 'data-level': '' },
        h('i', { class: 'rm-swatch is-none' }), t('risk.map_legend_none'), h('span', { class: 'muted' }, t('risk.map_legend_n', { n: noneCount })))));

  // beside the sheet (not printed): the selected area, its counts and risk points
  const side = h('aside', { class: 'rm-side no-print', 'data-testid': 'risk-map-detail' });
  let seq = 0;
  async function paintSide() {
    const my = ++seq;
    if (!selected) {
      fill(side, h('div', { class: 'panel' },
        h('header', { class: 'panel-head' }, h('h2', null, t('risk.map_overview'))),
        h('div', { class: 'panel-body' },
          h('p', { class: 'muted small' }, t('risk.map_click_hint')),
          h('ul', { class: 'rm-area-list' }, areas.filter((a) => totalOf(a.counts) > 0).map((a) => {
            const li = h('li', { class: 'rm-area-item' },
              h('button', { type: 'button', class: 'linklike', 'data-testid': 'risk-map-area-link', 'data-code': a.code, onclick: () => select(a) },
                h('span', { class: 'code' }, a.code), ' ', pickName(a)),
              levelBadge({ level: a.level, hex: a.hex }, '', { testid: 'risk-map-area-level', showScore: false }));
            return li;
          })))));
      return;
    }
    const a = selected;
    const list = h('ul', { class: 'rm-points', 'data-testid': 'risk-map-points' }, loading());
    fill(side, h('div', { class: 'panel', 'data-testid': 'risk-map-area-detail', 'data-code': a.code },
      h('header', { class: 'panel-head' },
        h('h2', null, h('span', { class: 'code' }, a.code), ' ', pickName(a)),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('risk.map_clear'), title: t('risk.map_clear'), 'data-testid': 'risk-map-clear', onclick: () => select(null), html: '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"><path d="M6 6l12 12M18 6 6 18"/></svg>' })),
      h('div', { class: 'panel-body' },
        h('div', { class: 'rm-area-level' }, h('span', { class: 'muted small' }, t('risk.map_area_level')), ' ',
          levelBadge({ level: a.level, hex: a.hex }, '', { testid: 'risk-map-detail-level', showScore: false, long: true })),
        h('table', { class: 'rm-counts', 'data-testid': 'risk-map-counts' },
          h('tbody', null, LEVELS.map((lv) => h('tr', { 'data-level': lv },
            h('th', { scope: 'row' }, h('i', { class: `risk-dot rl-${lv}` }), levelName(lv)),
            h('td', { class: 'num', 'data-testid': `risk-map-count-${lv}` }, num((a.counts || {})[lv] || 0, 0)))))),
        h('h3', { class: 'rm-points-title' }, t('risk.map_points')),
        list,
        h('p', { class: 'small' }, h('a', { href: `#/risks?area_id=${a.id}`, 'data-testid': 'risk-map-area-register' }, t('risk.map_open_register')),
          canWriteRisks(ctx.user) ? [' · ', h('a', { href: `#/risks?area_id=${a.id}&new=1` }, t('risk.new'))] : null))));
    try {
      const r = await api('/risk-points', { params: { area_id: a.id, limit: 2000 } });
      if (my !== seq || !ctx.isCurrent()) return;
      const items = (r && r.items) || [];
      fill(list, items.length ? items.map((rp) => h('li', { class: 'rm-point', 'data-testid': 'risk-map-point', 'data-id': rp.id, 'data-level': rp.residual_level || '' },
        levelBadge(rp.residual, rp.method, { testid: 'risk-map-point-level' }),
        h('span', { class: 'rm-point-text' },
          h('a', { href: `#/risks/${rp.id}/card`, 'data-testid': 'risk-map-point-link' }, rp.name),
          h('span', { class: 'muted small' }, [kindName(rp.kind), rp.asset_code, rp.owner_name].filter(Boolean).join(' · ') || DASH))))
        : h('li', { class: 'muted', 'data-testid': 'risk-map-points-none' }, t('risk.map_no_points')));
    } catch (e) {
      if (my === seq && ctx.isCurrent()) fill(list, h('li', null, problemBox(e)));
    }
  }

  function paintMap() {
    const svg = mapSvg(areas, kinds, { selectedId: selected ? selected.id : null, onSelect: select, onHover: hover });
    fill(figure, svg || h('p', { class: 'muted', 'data-testid': 'risk-map-none' }, t('risk.map_no_outline')), tip);
  }
  function select(a) {
    selected = a;
    ctx.setQuery({ site_id: sites.length > 1 ? site.id : '', area_id: a ? a.id : '' });
    for (const g of figure.querySelectorAll('.rm-area')) g.classList.toggle('is-selected', !!a && g.getAttribute('data-area-id') === String(a.id));
    paintSide();
    if (a && window.matchMedia('(max-width: 1100px)').matches) side.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
  function hover(a, ev) {
    if (!a) { tip.hidden = true; return; }
    fill(tip, h('strong', null, `${a.code} ${pickName(a)}`),
      h('div', { class: 'rm-tip-level' }, levelName(a.level || '')),
      h('div', { 'data-testid': 'risk-map-tip-counts' }, countsText(a.counts, true)));
    tip.hidden = false;
    const box = figure.getBoundingClientRect();
    const x = ev.clientX - box.left, y = ev.clientY - box.top;
    const tw = tip.offsetWidth || 180, th = tip.offsetHeight || 60;
    tip.style.left = `${Math.max(0, Math.min(box.width - tw, x + 14))}px`;
    tip.style.top = `${Math.max(0, y + 16 + th > box.height ? y - th - 10 : y + 16)}px`;
  }

  const siteSel = sites.length > 1 ? h('select', { class: 'no-print', 'data-testid': 'risk-map-site', 'aria-label': t('field.site') },
    sites.map((x) => h('option', { value: String(x.id), selected: x.id === site.id }, pickName(x)))) : null;
  if (siteSel) siteSel.addEventListener('change', () => { location.hash = `#/risk-map?site_id=${siteSel.value}`; });
  holder.replaceWith(h('div', { class: 'rm-page', 'data-testid': 'risk-map-page' },
    siteSel ? h('div', { class: 'toolbar rm-tools no-print' }, h('label', { class: 'filter' }, siteSel)) : null,
    h('div', { class: 'rm-layout' }, sheet, side)));
  paintMap();
  paintSide();
}
