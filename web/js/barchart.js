// Small inline-SVG charts for the alarm KPI page (no library): a bar chart of counts per
// period with a threshold line, and a stacked share bar. Each returns {el, update(data),
// destroy()} so another renderer (e.g. ECharts) could take its place behind the same calls.
import { s, h } from './dom.js';
import { niceStep, fmtDateTime } from './chart.js';
import { num } from './format.js';
import { getLang } from './i18n.js';

const M = { left: 40, right: 10, top: 12, bottom: 24 };

function fmtTick(ms, periodMs) {
  const opts = periodMs >= 3600e3 ? { month: 'numeric', day: 'numeric', hour: '2-digit', hourCycle: 'h23' }
    : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return new Intl.DateTimeFormat(getLang(), opts).format(new Date(ms));
}

/**
 * barChart({label, testid}) → {el, update({start_ms, period_ms, counts, threshold, thresholdLabel}), destroy()}
 * Bars above the threshold are drawn as "flood" bars; the threshold is a dashed line.
 */
export function barChart({ label = '', testid = 'kpi-bars' } = {}) {
  const svg = s('svg', { class: 'bar-chart', role: 'img', 'aria-label': label, 'data-testid': testid, 'data-bars': 0 });
  const tip = h('div', { class: 'trend-tip', hidden: true });
  const el = h('div', { class: 'trend-wrap' }, svg, tip);
  let last = null;
  let drawnWidth = 0;
  const width = () => Math.max(260, Math.round(el.clientWidth || 600));

  function draw() {
    if (!last) return;
    const { start_ms: start, period_ms: period, counts = [], threshold } = last;
    const W = width();
    const H = W < 520 ? 180 : 230;
    drawnWidth = W;
    const pw = W - M.left - M.right;
    const ph = H - M.top - M.bottom;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    svg.replaceChildren();
    const max = Math.max(1, ...counts, Number.isFinite(threshold) ? threshold * 1.2 : 0);
    const step = niceStep(max, 4);
    const top = Math.ceil(max / step) * step;
    const Y = (v) => M.top + ph - (v / top) * ph;
    const axis = s('g', { class: 'axis' });
    for (let v = 0; v <= top + 1e-9; v += step) {
      axis.append(s('line', { class: 'grid-line', x1: M.left, x2: M.left + pw, y1: Y(v), y2: Y(v) }),
        s('text', { x: M.left - 6, y: Y(v) + 4, 'text-anchor': 'end' }, num(v)));
    }
    svg.append(axis);
    const n = counts.length;
    const bw = n ? pw / n : pw;
    const bars = s('g', { class: 'bars' });
    counts.forEach((c, i) => {
      if (!c) return;
      const x = M.left + i * bw;
      const over = Number.isFinite(threshold) && c > threshold;
      const r = s('rect', { class: over ? 'bar over' : 'bar', x: x + (bw > 3 ? 0.5 : 0), y: Y(c), width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: Math.max(0, Y(0) - Y(c)) });
      r.addEventListener('pointerenter', () => {
        tip.replaceChildren(h('div', { class: 'tip-time' }, fmtDateTime(start + i * period)), h('div', { class: 'tip-value' }, num(c)));
        tip.hidden = false;
        const box = svg.getBoundingClientRect();
        const sx = box.width / W;
        tip.style.left = `${Math.max(0, Math.min(box.width - 120, x * sx))}px`;
        tip.style.top = '0px';
      });
      r.addEventListener('pointerleave', () => { tip.hidden = true; });
      bars.append(r);
    });
    svg.append(bars);
    // time ticks: about one per 110 px
    const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(pw / 110))));
    const ticks = s('g', { class: 'axis' });
    for (let i = 0; i < n; i += every) {
      ticks.append(s('text', { x: M.left + i * bw, y: H - 6, 'text-anchor': 'start' }, fmtTick(start + i * period, period)));
    }
    svg.append(ticks);
    if (Number.isFinite(threshold)) {
      svg.append(s('line', { class: 'threshold', x1: M.left, x2: M.left + pw, y1: Y(threshold), y2: Y(threshold), 'data-testid': `${testid}-threshold` }),
        s('text', { class: 'threshold-label', x: M.left + pw - 4, y: Y(threshold) - 4, 'text-anchor': 'end' }, last.thresholdLabel || ''));
    }
    svg.append(s('rect', { class: 'plot-frame', x: M.left, y: M.top, width: pw, height: ph }));
    svg.setAttribute('data-bars', n);
  }

  const ro = typeof ResizeObserver === 'function'
    ? new ResizeObserver(() => { if (last && Math.abs(width() - drawnWidth) > 2) draw(); }) : null;
  if (ro) ro.observe(el);
  return { el, update(data) { last = data; draw(); }, destroy() { if (ro) ro.disconnect(); } };
}

/** shareBar([{key, label, share, cls}]) → a horizontal stacked bar (HTML) with a legend. */
export function shareBar(parts, { testid = 'kpi-priority-bar' } = {}) {
  const bar = h('div', { class: 'share-bar', 'data-testid': testid },
    parts.filter((p) => p.share > 0).map((p) => h('span', {
      class: `share-seg ${p.cls || ''}`, style: `width:${(p.share * 100).toFixed(2)}%`,
      title: `${p.label} ${num(p.share * 100, 1)}%`,
    })));
  const legend = h('div', { class: 'share-legend' }, parts.map((p) => h('span', { class: 'share-item' },
    h('i', { class: `share-dot ${p.cls || ''}` }), `${p.label} `, h('strong', null, `${num(p.share * 100, 1)}%`),
    p.count !== undefined ? h('span', { class: 'muted' }, ` (${num(p.count, 0)})`) : null,
    p.target ? h('span', { class: 'muted small' }, ` ${p.target}`) : null)));
  return h('div', { class: 'share-wrap' }, bar, legend);
}
