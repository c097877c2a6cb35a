// Hidden-danger KPIs by department and period (#/prevention-kpi; docs/hazards.md "KPIs and
// the regulator export"): GET /hazard-kpi?group=period and ?group=department over a range of
// dates (presets: 6 months, 12 months, this year; or two dates) and a period (month, week,
// day), for one site or all. Four tiles (rectification rate, on-time rate, overdue, repeat
// rate), two bar charts per period (the two rates; overdue and repeat counts — small inline
// SVG, redrawn to the width, so they fit a 390 px phone), the table by department with its
// rates, and links that download the regulator export (CSV or XLSX) of the same range.
// The response is read defensively: a missing rate shows a dash.
import { h, s } from '../dom.js';
import { t, pickName } from '../i18n.js';
import { api, API_BASE, buildQuery } from '../api.js';
import { pageHeader, panel, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll } from '../lookup.js';
import { niceStep } from '../chart.js';

export const PERIODS = ['month', 'week', 'day'];
/** Range presets: months back from this one (0: since 1 January). */
export const RANGES = [['6m', 6], ['12m', 12], ['ytd', 0]];
const COLORS = { rect: '#2f6fb2', ontime: '#2e9d57', overdue: '#c8372d', repeat: '#d99a00' };
const INPUT_STYLE = 'height:32px;border:1px solid #cfd6de;border-radius:4px;padding:0 6px;font-size:13px;background:#fff';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const pct = (v) => (isNum(v) ? `${num(v * 100, 1)}%` : DASH);
const pad = (n) => String(n).padStart(2, '0');
const ymd = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** [from, to] as local dates YYYY-MM-DD for a preset, ending today. */
export function presetRange(name, today = new Date()) {
  const months = (RANGES.find((r) => r[0] === name) || RANGES[0])[1];
  const from = months ? new Date(today.getFullYear(), today.getMonth() - (months - 1), 1) : new Date(today.getFullYear(), 0, 1);
  return [ymd(from), ymd(today)];
}

/**
 * groupedBars({testid, label, series: [{key, label, color}], max, fmt}) → {el, update({labels, values}), destroy()}
 * values[k][i] is series k in category i (null: no bar). A fixed max (rates: 1) or a nice one.
 */
export function groupedBars({ testid, label, series, max = null, fmt = (v) => num(v, 0) }) {
  const svg = s('svg', { class: 'bar-chart', role: 'img', 'aria-label': label, 'data-testid': testid, 'data-bars': 0 });
  const legend = h('div', { class: 'share-legend' }, series.map((x) => h('span', { class: 'share-item' },
    h('i', { class: 'share-dot', style: `background:${x.color}` }), x.label)));
  const el = h('div', { class: 'trend-wrap' }, svg, legend);
  let last = null;
  let drawnWidth = 0;
  const width = () => Math.max(280, Math.round(el.clientWidth || 600));

  function draw() {
    if (!last) return;
    const { labels, values } = last;
    const W = width();
    const H = W < 520 ? 190 : 240;
    const M = { left: W < 520 ? 36 : 44, right: 8, top: 12, bottom: 26 };
    drawnWidth = W;
    const pw = W - M.left - M.right;
    const ph = H - M.top - M.bottom;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    svg.replaceChildren();
    const seen = values.flat().filter(isNum);
    const step = max !== null ? max / 4 : Math.max(1, niceStep(Math.max(1, ...seen), 4)); // counts: whole steps
    const top = max !== null ? max : Math.max(step, Math.ceil(Math.max(1, ...seen) / step) * step);
    const Y = (v) => M.top + ph - (v / top) * ph;
    const axis = s('g', { class: 'axis' });
    for (let v = 0; v <= top + 1e-9; v += step) {
      axis.append(s('line', { class: 'grid-line', x1: M.left, x2: M.left + pw, y1: Y(v), y2: Y(v) }),
        s('text', { x: M.left - 5, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
    }
    svg.append(axis);
    const n = labels.length;
    const gw = pw / Math.max(1, n);
    const bw = Math.max(1, (gw * 0.78) / series.length);
    const bars = s('g', { class: 'bars' });
    let count = 0;
    for (let i = 0; i < n; i++) {
      series.forEach((x, k) => {
        const v = values[k][i];
        if (!isNum(v)) return;
        const y = Y(Math.min(v, top));
        bars.append(s('rect', {
          x: M.left + i * gw + gw * 0.11 + k * bw, y, width: Math.max(1, bw - (bw > 3 ? 1 : 0)), height: Math.max(0, Y(0) - y),
          fill: x.color, 'data-series': x.key, 'data-index': i, 'data-value': v,
        }, s('title', null, `${labels[i]} ${x.label}: ${fmt(v)}`)));
        count++;
      });
    }
    svg.append(bars);
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 58))));
    const ticks = s('g', { class: 'axis' });
    for (let i = 0; i < n; i += every) {
      ticks.append(s('text', { x: M.left + i * gw + gw / 2, y: H - 8, 'text-anchor': 'middle' }, labels[i]));
    }
    svg.append(ticks, s('rect', { class: 'plot-frame', x: M.left, y: M.top, width: pw, height: ph }));
    svg.setAttribute('data-bars', count);
    svg.setAttribute('data-groups', n);
  }

  const ro = typeof ResizeObserver === 'function'
    ? new ResizeObserver(() => { if (last && Math.abs(width() - drawnWidth) > 2) draw(); }) : null;
  if (ro) ro.observe(el);
  return { el, update(data) { last = data; draw(); }, destroy() { if (ro) ro.disconnect(); } };
}

function tile(testid, labelKey, value, vd, note) {
  return h('div', { class: `kpi-card v-${vd}`, 'data-testid': testid, 'data-verdict': vd },
    h('div', { class: 'kpi-label' }, t(labelKey)),
    h('div', { class: 'kpi-value', 'data-testid': `${testid}-value` }, value),
    h('div', { class: 'kpi-foot' }, note ? h('span', { class: 'muted' }, note) : null));
}

function tiles(k) {
  const rr = isNum(k.rectification_rate) ? k.rectification_rate : null;
  const ot = isNum(k.on_time_rate) ? k.on_time_rate : null;
  const rep = isNum(k.repeat_rate) ? k.repeat_rate : null;
  return h('div', { class: 'kpi-cards', 'data-testid': 'pkpi-tiles' },
    tile('pkpi-tile-rectification', 'hazard.kpi_rectification', pct(rr), rr === null ? 'none' : rr >= 0.9 ? 'ok' : 'warn',
      t('hazard.kpi_rectification_note', { done: num(k.rectified || 0, 0), total: num(k.total || 0, 0) })),
    tile('pkpi-tile-on-time', 'hazard.kpi_on_time', pct(ot), ot === null ? 'none' : ot >= 0.9 ? 'ok' : ot >= 0.6 ? 'warn' : 'bad',
      t('hazard.kpi_on_time_note', { n: num(k.on_time || 0, 0), done: num(k.rectified || 0, 0) })),
    tile('pkpi-tile-overdue', 'hazard.kpi_overdue', num(k.overdue || 0, 0), +k.overdue > 0 ? 'bad' : 'ok', t('pkpi.overdue_note')),
    tile('pkpi-tile-repeat', 'hazard.kpi_repeat', pct(rep), rep === null ? 'none' : rep > 0.1 ? 'warn' : 'ok',
      t('hazard.kpi_repeat_note', { n: num(k.repeats || 0, 0), major: num(k.major || 0, 0) })));
}

function deptLabel(g) {
  if (g.key === 'unassigned') return t('pkpi.unassigned');
  return pickName({ name: g.label, name_en: g.label_en }) || g.code || g.key;
}

function deptTable(groups) {
  if (!groups.length) return h('div', { class: 'empty', 'data-testid': 'pkpi-dept-empty' }, t('pkpi.none'));
  const cols = [['pkpi.col_dept', '', ''], ['pkpi.col_total', 'num', 'total'], ['pkpi.col_rectified', 'num minor', 'rectified'],
    ['hazard.kpi_rectification', 'num', 'rectification_rate'], ['pkpi.col_on_time', 'num minor', 'on_time'],
    ['hazard.kpi_on_time', 'num', 'on_time_rate'], ['pkpi.col_overdue', 'num', 'overdue'], ['pkpi.col_repeats', 'num minor', 'repeats'],
    ['hazard.kpi_repeat', 'num', 'repeat_rate'], ['pkpi.col_major', 'num minor', 'major']];
  const cell = (g, [, cls, f]) => {
    if (!f) return h('td', { 'data-col': 'dept' }, h('span', { class: 'name-cell' }, deptLabel(g), g.code ? h('span', { class: 'name-other code' }, g.code) : null));
    const v = g[f];
    return h('td', { class: cls, 'data-col': f }, f.endsWith('_rate') ? pct(v) : num(v || 0, 0));
  };
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'pkpi-dept-table' },
    h('thead', null, h('tr', null, cols.map(([k, cls]) => h('th', { scope: 'col', class: cls }, t(k))))),
    h('tbody', null, groups.map((g) => h('tr', { 'data-testid': 'pkpi-dept-row', 'data-key': g.key }, cols.map((c) => cell(g, c)))))));
}

export async function render(ctx) {
  ctx.setTitle(t('pkpi.title'));
  const q = ctx.query;
  const vals = {
    period: PERIODS.includes(q.period) ? q.period : 'month',
    range: RANGES.some((r) => r[0] === q.range) ? q.range : (q.from && q.to ? '' : '6m'),
    from: q.from || '', to: q.to || '', site_id: q.site_id || '',
  };
  if (vals.range) [vals.from, vals.to] = presetRange(vals.range);

  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/hazards', label: t('nav.hazards') }, { label: t('pkpi.title') }],
    title: t('pkpi.title'), sub: t('pkpi.sub'),
  }));
  const sites = await fetchAll('/sites', {}, 100).catch(() => []);
  if (!ctx.isCurrent()) return;

  const seg = (names, cur, key, onPick, testPrefix) => {
    const buttons = names.map((name) => {
      const b = h('button', { type: 'button', class: 'seg-btn', 'data-testid': `${testPrefix}-${name}`, 'aria-pressed': String(name === cur) }, t(`${key}_${name}`));
      b.addEventListener('click', () => { for (const x of buttons) x.setAttribute('aria-pressed', String(x === b)); onPick(name); });
      return b;
    });
    return { el: h('div', { class: 'seg', role: 'group', 'aria-label': t(key) }, buttons), buttons };
  };
  const fromIn = h('input', { type: 'date', value: vals.from, 'data-testid': 'pkpi-from', 'aria-label': t('pkpi.from'), style: INPUT_STYLE });
  const toIn = h('input', { type: 'date', value: vals.to, 'data-testid': 'pkpi-to', 'aria-label': t('pkpi.to'), style: INPUT_STYLE });
  const rangeSeg = seg(RANGES.map((r) => r[0]), vals.range, 'pkpi.range', (name) => {
    vals.range = name;
    [vals.from, vals.to] = presetRange(name);
    fromIn.value = vals.from;
    toIn.value = vals.to;
    changed();
  }, 'pkpi-range');
  const onDate = () => {
    if (!fromIn.value || !toIn.value) return;
    vals.range = '';
    vals.from = fromIn.value;
    vals.to = toIn.value;
    for (const b of rangeSeg.buttons) b.setAttribute('aria-pressed', 'false');
    changed();
  };
  fromIn.addEventListener('change', onDate);
  toIn.addEventListener('change', onDate);
  const periodSeg = seg(PERIODS, vals.period, 'pkpi.period', (name) => { vals.period = name; changed(); }, 'pkpi-period');
  const siteSel = sites.length > 1 ? h('select', { 'data-testid': 'pkpi-site', 'aria-label': t('field.site') },
    h('option', { value: '' }, `${t('field.site')}: ${t('list.all')}`),
    sites.map((x) => h('option', { value: String(x.id), selected: vals.site_id === String(x.id) }, pickName(x)))) : null;
  if (siteSel) siteSel.addEventListener('change', () => { vals.site_id = siteSel.value; changed(); });
  const csv = h('a', { class: 'btn', 'data-testid': 'pkpi-export-csv', download: '' }, t('pkpi.export_csv'));
  const xlsx = h('a', { class: 'btn primary', 'data-testid': 'pkpi-export-xlsx', download: '' }, t('pkpi.export_xlsx'));
  const status = h('span', { class: 'list-status', 'data-testid': 'pkpi-status', role: 'status' });
  const body = h('div', { 'data-testid': 'pkpi-body' }, loading());

  ctx.main.append(
    h('section', { class: 'panel', 'data-testid': 'pkpi-tools' },
      h('div', { class: 'toolbar' }, rangeSeg.el,
        h('label', { class: 'filter' }, fromIn), h('span', { class: 'muted' }, '–'), h('label', { class: 'filter' }, toIn),
        periodSeg.el, siteSel ? h('label', { class: 'filter' }, siteSel) : null),
      h('div', { class: 'toolbar' }, status, csv, xlsx)),
    body);

  const rates = groupedBars({ testid: 'pkpi-rates-chart', label: t('pkpi.chart_rates'), max: 1, fmt: (v) => `${num(v * 100, 0)}%`,
    series: [{ key: 'rectification_rate', label: t('hazard.kpi_rectification'), color: COLORS.rect },
      { key: 'on_time_rate', label: t('hazard.kpi_on_time'), color: COLORS.ontime }] });
  const counts = groupedBars({ testid: 'pkpi-counts-chart', label: t('pkpi.chart_counts'),
    series: [{ key: 'overdue', label: t('pkpi.col_overdue'), color: COLORS.overdue },
      { key: 'repeats', label: t('pkpi.col_repeats'), color: COLORS.repeat }] });
  window.addEventListener('hashchange', () => { rates.destroy(); counts.destroy(); }, { once: true });

  const exportHref = (format) => `${API_BASE}/hazards/export${buildQuery({ format, from: vals.from, to: vals.to, site_id: vals.site_id })}`;

  let seq = 0;
  async function load() {
    const my = ++seq;
    csv.href = exportHref('csv');
    xlsx.href = exportHref('xlsx');
    status.textContent = t('list.loading');
    body.setAttribute('aria-busy', 'true');
    const params = { from: vals.from, to: vals.to, site_id: vals.site_id };
    try {
      const [byPeriod, byDept] = await Promise.all([
        api('/hazard-kpi', { params: { ...params, group: 'period', period: vals.period } }),
        api('/hazard-kpi', { params: { ...params, group: 'department' } })]);
      if (my !== seq || !ctx.isCurrent()) return;
      const periods = (byPeriod && byPeriod.groups) || [];
      const depts = (byDept && byDept.groups) || [];
      status.textContent = t('pkpi.range_text', { from: vals.from, to: vals.to, n: num((byPeriod && byPeriod.total) || 0, 0) });
      body.replaceChildren(tiles(byPeriod || {}),
        panel('pkpi.chart_rates', rates.el, { testid: 'pkpi-rates', cls: 'trend-panel' }),
        panel('pkpi.chart_counts', counts.el, { testid: 'pkpi-counts', cls: 'trend-panel' }),
        panel('pkpi.by_dept', deptTable(depts), { testid: 'pkpi-dept' }),
        h('p', { class: 'small muted', 'data-testid': 'pkpi-definitions' }, t('pkpi.definitions')));
      const labels = periods.map((g) => g.label);
      // after the panels are in the page: the charts need their width
      setTimeout(() => {
        rates.update({ labels, values: [periods.map((g) => g.rectification_rate), periods.map((g) => g.on_time_rate)] });
        counts.update({ labels, values: [periods.map((g) => g.overdue), periods.map((g) => g.repeats)] });
      }, 0);
    } catch (e) {
      if (my !== seq || !ctx.isCurrent()) return;
      status.textContent = '';
      body.replaceChildren(problemBox(e, { retry: load }));
    } finally {
      if (my === seq) body.setAttribute('aria-busy', 'false');
    }
  }
  function changed() {
    ctx.setQuery({ period: vals.period === 'month' ? '' : vals.period, range: vals.range === '6m' ? '' : vals.range,
      from: vals.range ? '' : vals.from, to: vals.range ? '' : vals.to, site_id: vals.site_id });
    load();
  }
  await load();
}
