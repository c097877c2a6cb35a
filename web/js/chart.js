// A small inline-SVG line chart for a tag's trend (no library). The time axis is the window
// [from, to] in local time; the y axis is auto-scaled to the values with "nice" ticks; the
// instrument range is a light band; bad-quality points are red markers (not joined by the
// line); a crosshair with a tooltip follows the pointer (mouse or touch).
import { s, h } from './dom.js';
import { t, getLang } from './i18n.js';
import { num } from './format.js';

const M = { left: 54, right: 12, top: 10, bottom: 26 };

/** 1, 2, 2.5, 5 × 10^k step for about `count` intervals over `span`. */
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

/** [lo, hi, step] covering [min, max] with nice ticks. */
export function niceDomain(min, max, count) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1, 0.2];
  if (min === max) {
    const d = Math.abs(min) * 0.05 || 1;
    min -= d; max += d;
  }
  const pad = (max - min) * 0.05;
  const step = niceStep(max - min + 2 * pad, count);
  return [Math.floor((min - pad) / step) * step, Math.ceil((max + pad) / step) * step, step];
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
  .map((x) => x * 1000);

/** Tick times (ms) at local-time multiples of a step, about one per `px` pixels. */
export function timeTicks(from, to, width, px = 90) {
  const want = Math.max(2, Math.floor(width / px));
  const step = TIME_STEPS.find((st) => (to - from) / st <= want) || TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  const off = (ms) => new Date(ms).getTimezoneOffset() * 60000;
  let tk = Math.ceil((from - off(from)) / step) * step + off(from);
  for (; tk <= to && ticks.length < 100; tk += step) ticks.push(tk);
  return { ticks, step };
}

function fmtTime(ms, withSeconds) {
  return new Intl.DateTimeFormat(getLang(), {
    hour: '2-digit', minute: '2-digit', second: withSeconds ? '2-digit' : undefined, hourCycle: 'h23',
  }).format(new Date(ms));
}

function fmtDay(ms) {
  return new Intl.DateTimeFormat(getLang(), { month: 'numeric', day: 'numeric' }).format(new Date(ms));
}

export function fmtDateTime(ms) {
  return new Intl.DateTimeFormat(getLang(), {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(new Date(ms));
}

/**
 * trendChart({unit, rangeLo, rangeHi, label}) → {el, svg, update({points, from, to}), width(), destroy()}.
 * points: [{t, t_ns, v, q}] in time order; from/to: the window in ms.
 */
export function trendChart({ unit = '', rangeLo = null, rangeHi = null, label = '' } = {}) {
  const svg = s('svg', {
    class: 'trend-chart', role: 'img', 'aria-label': label, 'data-testid': 'tag-trend', 'data-point-count': 0,
  });
  const tip = h('div', { class: 'trend-tip', hidden: true, 'data-testid': 'trend-tooltip' });
  const el = h('div', { class: 'trend-wrap' }, svg, tip);
  let last = null;
  let drawnWidth = 0;

  const width = () => Math.max(260, Math.round(el.clientWidth || 600));

  function draw() {
    if (!last) return;
    const { points, from, to } = last;
    const W = width();
    const H = W < 520 ? 210 : 270;
    drawnWidth = W;
    const pw = W - M.left - M.right;
    const ph = H - M.top - M.bottom;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    svg.replaceChildren();

    const pts = points.map((p) => ({ ...p, ms: p.t_ns ? p.t_ns / 1e6 : Date.parse(p.t) }))
      .filter((p) => p.ms >= from - 1 && p.ms <= to + 1);
    const vals = pts.filter((p) => p.v !== null && Number.isFinite(p.v)).map((p) => p.v);
    const [lo, hi, step] = niceDomain(Math.min(...vals), Math.max(...vals), Math.max(3, Math.round(ph / 45)));
    const X = (ms) => M.left + ((ms - from) / (to - from || 1)) * pw;
    const Y = (v) => M.top + (1 - (v - lo) / (hi - lo || 1)) * ph;
    const f = (x) => x.toFixed(1);

    // instrument range band (clipped to the plot)
    const known = (x) => x !== null && x !== undefined && Number.isFinite(+x);
    if (known(rangeLo) || known(rangeHi)) {
      const top = known(rangeHi) ? Math.max(M.top, Y(+rangeHi)) : M.top;
      const bot = known(rangeLo) ? Math.min(M.top + ph, Y(+rangeLo)) : M.top + ph;
      if (bot > top) svg.append(s('rect', { class: 'range-band', x: M.left, y: f(top), width: pw, height: f(bot - top) }));
      for (const [v, key] of [[rangeHi, 'trend.range_hi'], [rangeLo, 'trend.range_lo']]) {
        if (!known(v) || +v < lo || +v > hi) continue;
        svg.append(s('line', { class: 'range-edge', x1: M.left, x2: M.left + pw, y1: f(Y(+v)), y2: f(Y(+v)) }),
          s('text', { class: 'range-label', x: M.left + pw - 4, y: f(Y(+v) + (key === 'trend.range_hi' ? 12 : -4)), 'text-anchor': 'end' },
            t(key, { v: num(v) })));
      }
    }

    // y grid and labels
    const grid = s('g', { class: 'axis' });
    for (let v = lo, i = 0; v <= hi + step / 2 && i < 50; v += step, i++) {
      const y = f(Y(v));
      grid.append(s('line', { class: 'grid-line', x1: M.left, x2: M.left + pw, y1: y, y2: y }),
        s('text', { x: M.left - 6, y: +y + 4, 'text-anchor': 'end' }, num(Math.round(v / step) * step, 6)));
    }
    if (unit) grid.append(s('text', { class: 'unit-label', x: 4, y: M.top + 8 }, unit));
    // time ticks (local time)
    const { ticks, step: tstep } = timeTicks(from, to, pw, pw < 420 ? 64 : 90);
    for (const tk of ticks) {
      const x = f(X(tk));
      const d = new Date(tk);
      const midnight = d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0;
      grid.append(s('line', { class: 'grid-line v', x1: x, x2: x, y1: M.top, y2: M.top + ph }),
        s('text', { x, y: H - 8, 'text-anchor': 'middle' }, midnight && tstep >= 3600000 ? fmtDay(tk) : fmtTime(tk, tstep < 60000)));
    }
    grid.append(s('rect', { class: 'plot-frame', x: M.left, y: M.top, width: pw, height: ph }));
    svg.append(grid);

    // the line: good and uncertain points; a gap at null values and bad points
    let d = '';
    let pen = false;
    let plotted = 0;
    const bad = [];
    const unc = [];
    for (const p of pts) {
      const hasV = p.v !== null && Number.isFinite(p.v);
      if (p.q === 'bad') { bad.push(p); plotted++; continue; }
      if (!hasV) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${f(X(p.ms))},${f(Y(p.v))}`;
      pen = true;
      plotted++;
      if (p.q === 'uncertain') unc.push(p);
    }
    if (d) svg.append(s('path', { class: 'trend-line', d }));
    for (const p of unc) svg.append(s('circle', { class: 'pt-uncertain', cx: f(X(p.ms)), cy: f(Y(p.v)), r: 2.5 }));
    for (const p of bad) {
      const y = p.v !== null && Number.isFinite(p.v) ? Y(p.v) : M.top + ph;
      svg.append(s('circle', { class: 'pt-bad', cx: f(X(p.ms)), cy: f(y), r: 3.5 }));
    }
    svg.setAttribute('data-point-count', plotted);
    if (!pts.length) {
      svg.append(s('text', { class: 'no-data', x: M.left + pw / 2, y: M.top + ph / 2, 'text-anchor': 'middle' }, t('trend.no_data_window')));
    }

    // crosshair
    const cross = s('g', { class: 'crosshair', visibility: 'hidden' },
      s('line', { x1: 0, x2: 0, y1: M.top, y2: M.top + ph }),
      s('circle', { r: 4 }));
    const hit = s('rect', { class: 'hit', x: M.left, y: M.top, width: pw, height: ph });
    svg.append(cross, hit);
    const show = (ev) => {
      if (!pts.length) return;
      const box = svg.getBoundingClientRect();
      const mx = ((ev.clientX - box.left) / (box.width || W)) * W;
      const ms = from + ((mx - M.left) / pw) * (to - from);
      let a = 0, b = pts.length - 1;
      while (b - a > 1) { const m = (a + b) >> 1; if (pts[m].ms < ms) a = m; else b = m; }
      const p = Math.abs(pts[a].ms - ms) <= Math.abs(pts[b].ms - ms) ? pts[a] : pts[b];
      const hasV = p.v !== null && Number.isFinite(p.v);
      const x = X(p.ms);
      const y = hasV ? Y(p.v) : M.top + ph;
      cross.setAttribute('visibility', 'visible');
      cross.setAttribute('class', `crosshair q-${p.q}`);
      cross.firstChild.setAttribute('x1', f(x)); cross.firstChild.setAttribute('x2', f(x));
      cross.lastChild.setAttribute('cx', f(x)); cross.lastChild.setAttribute('cy', f(y));
      tip.replaceChildren(
        h('div', { class: 'tip-time' }, fmtDateTime(p.ms)),
        h('div', { class: 'tip-value' }, hasV ? `${num(p.v)}${unit ? ` ${unit}` : ''}` : t('trend.no_value')),
        ...(p.q !== 'good' ? [h('div', { class: `tip-q q-${p.q}` }, t(`quality.${p.q}`))] : []));
      tip.hidden = false;
      const sx = box.width / W;
      const left = x * sx;
      const tw = tip.offsetWidth || 120;
      tip.style.left = `${Math.max(0, Math.min(box.width - tw, left > box.width / 2 ? left - tw - 10 : left + 10))}px`;
      tip.style.top = `${Math.max(0, Math.min(y * sx - 20, box.height - (tip.offsetHeight || 50)))}px`;
    };
    const hide = () => { cross.setAttribute('visibility', 'hidden'); tip.hidden = true; };
    hit.addEventListener('pointermove', show);
    hit.addEventListener('pointerdown', show);
    hit.addEventListener('pointerleave', hide);
  }

  const ro = typeof ResizeObserver === 'function'
    ? new ResizeObserver(() => { if (last && Math.abs(width() - drawnWidth) > 2) draw(); }) : null;
  if (ro) ro.observe(el);

  return {
    el, svg, width,
    update(data) { last = data; draw(); },
    destroy() { if (ro) ro.disconnect(); },
  };
}
