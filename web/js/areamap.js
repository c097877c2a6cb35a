// Inline SVG of an area outline (polygon in site coordinates, metres, y up) with its assets
// and tags as points. No map tiles: the plant's own coordinate system.
import { s, h } from './dom.js';
import { t } from './i18n.js';

function asPolygon(poly) {
  if (typeof poly === 'string') {
    try { return JSON.parse(poly); } catch { return null; }
  }
  return poly;
}

function validPolygon(poly) {
  return Array.isArray(poly) && poly.length >= 3 &&
    poly.every((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(+p[0]) && Number.isFinite(+p[1]));
}

/** Thumbnail of a polygon for list rows (or an empty box). */
export function polygonThumb(polygon) {
  const poly = asPolygon(polygon);
  if (!validPolygon(poly)) return h('span', { class: 'muted' }, '—');
  const xs = poly.map((p) => +p[0]); const ys = poly.map((p) => +p[1]);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const pts = poly.map((p) => `${((+p[0] - minX) / span * 20 + 2).toFixed(2)},${((maxY - +p[1]) / span * 20 + 2).toFixed(2)}`).join(' ');
  return s('svg', { class: 'thumb', viewBox: '0 0 24 24', width: 24, height: 24, 'aria-hidden': 'true' },
    s('polygon', { points: pts }));
}

/**
 * areaMap({polygon, assets: [{id, code, x, y}], tags: [{id, key, x, y}]}) → element.
 * Returns an explanatory note when there is no polygon and no point.
 */
export function areaMap({ polygon: rawPolygon, assets = [], tags = [] }) {
  const polygon = asPolygon(rawPolygon);
  const hasPoly = validPolygon(polygon);
  const pts = [];
  const ok = (o) => o && Number.isFinite(+o.x) && Number.isFinite(+o.y) && o.x !== null && o.y !== null;
  const a = assets.filter(ok);
  const tg = tags.filter(ok);
  if (hasPoly) for (const p of polygon) pts.push([+p[0], +p[1]]);
  for (const o of [...a, ...tg]) pts.push([+o.x, +o.y]);
  if (!pts.length) return h('p', { class: 'muted', 'data-testid': 'area-map-none' }, t('area.map_none'));

  let minX = Math.min(...pts.map((p) => p[0])), maxX = Math.max(...pts.map((p) => p[0]));
  let minY = Math.min(...pts.map((p) => p[1])), maxY = Math.max(...pts.map((p) => p[1]));
  let w = maxX - minX, hgt = maxY - minY;
  const size = Math.max(w, hgt, 10);
  const pad = size * 0.08;
  minX -= pad; maxX += pad; minY -= pad; maxY += pad;
  w = maxX - minX; hgt = maxY - minY;
  const X = (x) => (+x - minX).toFixed(2);
  const Y = (y) => (maxY - +y).toFixed(2); // flip: north up
  const unit = Math.max(w, hgt) / 100;

  const svg = s('svg', {
    class: 'area-map', viewBox: `0 0 ${w.toFixed(2)} ${hgt.toFixed(2)}`, role: 'img',
    'aria-label': t('area.map'), 'data-testid': 'area-map', preserveAspectRatio: 'xMidYMid meet',
  });
  // grid every "nice" step
  const step = niceStep(Math.max(w, hgt) / 8);
  const grid = s('g', { class: 'grid-lines' });
  for (let gx = Math.ceil(minX / step) * step; gx <= maxX; gx += step) {
    grid.append(s('line', { x1: X(gx), x2: X(gx), y1: 0, y2: hgt.toFixed(2) }));
  }
  for (let gy = Math.ceil(minY / step) * step; gy <= maxY; gy += step) {
    grid.append(s('line', { x1: 0, x2: w.toFixed(2), y1: Y(gy), y2: Y(gy) }));
  }
  svg.append(grid);
  if (hasPoly) {
    svg.append(s('polygon', { class: 'outline', points: polygon.map((p) => `${X(p[0])},${Y(p[1])}`).join(' ') }));
  }
  const showLabels = a.length <= 25;
  for (const o of tg) {
    const r = unit * 0.7;
    svg.append(s('rect', { class: 'pt-tag', x: (+X(o.x) - r).toFixed(2), y: (+Y(o.y) - r).toFixed(2), width: (2 * r).toFixed(2), height: (2 * r).toFixed(2) },
      s('title', null, o.key || '')));
  }
  for (const o of a) {
    const link = s('a', { href: `#/assets/${o.id}` },
      s('circle', { class: 'pt-asset', cx: X(o.x), cy: Y(o.y), r: (unit * 1.2).toFixed(2) }),
      showLabels ? s('text', { class: 'pt-label', x: (+X(o.x) + unit * 1.8).toFixed(2), y: (+Y(o.y) + unit * 0.9).toFixed(2), 'font-size': (unit * 3).toFixed(2) }, o.code || '') : null,
      s('title', null, o.code || ''));
    svg.append(link);
  }
  // scale bar
  const barY = hgt - unit * 4;
  svg.append(s('g', { class: 'scale' },
    s('line', { x1: (unit * 3).toFixed(2), x2: (unit * 3 + step).toFixed(2), y1: barY.toFixed(2), y2: barY.toFixed(2) }),
    s('text', { x: (unit * 3).toFixed(2), y: (barY - unit * 1.5).toFixed(2), 'font-size': (unit * 2.8).toFixed(2) },
      t('area.map_scale', { m: step }))));

  const legend = h('div', { class: 'map-legend' },
    hasPoly ? h('span', null, h('i', { class: 'lg-outline' }), t('area.map_outline')) : null,
    h('span', null, h('i', { class: 'lg-asset' }), t('area.map_assets', { n: a.length })),
    tg.length ? h('span', null, h('i', { class: 'lg-tag' }), t('area.map_tags', { n: tg.length })) : null);
  return h('figure', { class: 'map-figure' }, svg, legend);
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}
