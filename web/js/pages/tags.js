// Tags list (search, filter by kind and area) and tag detail (current value, live trend with
// zoom on ECharts — trendview.js — or, when ECharts is not installed, the plain SVG chart
// refreshed every 5 s; CSV download of what the chart shows).
import { h } from '../dom.js';
import { t, pickName, otherName, enumLabel } from '../i18n.js';
import { listView } from '../list.js';
import { pageHeader, panel, fields, problemBox, code, loading, chip, nameCell } from '../ui.js';
import { range, xy, text, num } from '../format.js';
import { fetchObj, refCell, prime } from '../lookup.js';
import { areaOptions } from './assets.js';
import { api, API_BASE, buildQuery } from '../api.js';
import { trendChart, fmtDateTime } from '../chart.js';
import { loadEcharts } from '../echarts-loader.js';
import { trendView } from '../trendview.js';

export const TAG_KINDS = ['temperature', 'pressure', 'differential_pressure', 'flow', 'level', 'vibration',
  'gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct', 'ir_temperature', 'current', 'voltage', 'power', 'speed',
  'position', 'humidity', 'wind_speed', 'wind_direction', 'status', 'count'];

function roleCell(x) {
  if (!x.role) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'role-cell', title: x.role }, enumLabel('signal_role', x.role));
}

export function tagColumns({ asset = true, area = true, roleFirst = false } = {}) {
  const role = { label: 'field.role', cell: roleCell };
  return [
    { label: 'field.key', cls: 'code-col', cell: (x) => h('a', { href: `#/tags/${x.id}`, class: 'code' }, x.key) },
    roleFirst ? role : null,
    { label: 'field.name', minor: roleFirst, cell: nameCell },
    { label: 'field.tag_kind', minor: roleFirst, cell: (x) => h('span', { class: `kind kind-${x.kind}` }, enumLabel('tag_kind', x.kind)) },
    { label: 'field.unit', cls: 'unit', cell: (x) => text(x.unit) },
    { label: 'field.range', cls: 'num', cell: (x) => range(x.range_lo, x.range_hi) },
    asset ? { label: 'field.asset', cell: (x) => refCell('assets', x.asset_id, { withCode: true }) } : null,
    roleFirst ? null : role,
    area ? { label: 'field.area', minor: true, cell: (x) => refCell('areas', x.area_id) } : null,
  ].filter(Boolean);
}

export async function renderList(ctx) {
  ctx.setTitle(t('nav.tags'));
  ctx.main.append(pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.tags') }], title: t('tags.title') }));
  ctx.main.append(listView({
    path: '/tags',
    values: ctx.query,
    onValues: ctx.setQuery,
    filters: [
      { name: 'kind', label: 'field.tag_kind', options: async () => TAG_KINDS.map((k) => ({ value: k, label: enumLabel('tag_kind', k) })) },
      { name: 'area_id', label: 'field.area', options: areaOptions },
    ],
    rowTestId: 'tag-row',
    rowHref: (x) => `#/tags/${x.id}`,
    columns: tagColumns(),
    after: (items) => prime('tags', items),
  }));
}

export async function renderDetail(ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('nav.tags'));
  const holder = loading();
  ctx.main.append(holder);
  let tag;
  try {
    tag = await fetchObj('tags', id);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    holder.replaceWith(pageHeader({ crumbs: [{ href: '#/tags', label: t('nav.tags') }], title: `#${id}` }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  ctx.setTitle(`${tag.key} ${pickName(tag)}`);
  const isGas = tag.kind === 'gas_toxic_ppm' || tag.kind === 'gas_combustible_lel' || tag.gas;
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/tags', label: t('nav.tags') }, { label: tag.key }],
    title: [h('span', { class: 'code title-code' }, tag.key), ' ', pickName(tag)],
    titleTestId: 'tag-heading',
    sub: otherName(tag) || null,
    extra: chip(enumLabel('tag_kind', tag.kind), 'big'),
  }));
  ctx.main.append(trendPanel(ctx, tag));
  ctx.main.append(h('div', { class: 'detail-grid' },
    panel('tag.info', fields([
      ['field.key', code(tag.key)],
      ['field.name', pickName(tag)],
      ['field.other_name', text(otherName(tag))],
      ['field.tag_kind', enumLabel('tag_kind', tag.kind)],
      ['field.unit', text(tag.unit)],
      ['field.range', range(tag.range_lo, tag.range_hi, tag.unit)],
    ], 'tag-fields')),
    panel('tag.where', fields([
      ['field.asset', refCell('assets', tag.asset_id, { withCode: true })],
      ['field.role', tag.role ? [enumLabel('signal_role', tag.role), ' ', h('span', { class: 'code muted' }, tag.role)] : '—'],
      ['field.area', refCell('areas', tag.area_id)],
      ['field.site', refCell('sites', tag.site_id, { link: false })],
      ['field.position', xy(tag.x, tag.y)],
      isGas ? ['field.gas', text(tag.gas)] : null,
      isGas ? ['field.oel', tag.oel === null || tag.oel === undefined ? '—' : num(tag.oel)] : null,
    ], 'tag-where'))));
}

// ---- live trend and current value ----------------------------------------------------

export const TREND_WINDOWS = [['10m', 600], ['1h', 3600], ['8h', 8 * 3600], ['24h', 24 * 3600], ['7d', 7 * 24 * 3600]];
export const TREND_REFRESH_MS = 5000;
const QUALITY_CLASS = { good: 'ok', uncertain: 'warn', bad: 'bad' };
const iso = (ms) => new Date(ms).toISOString();

function currentValue(p, unit) {
  if (!p) return h('div', { class: 'current-value none' }, h('span', { class: 'muted', 'data-testid': 'tag-current-value', 'data-empty': '' }, t('trend.no_data_hour')));
  const ms = p.t_ns ? p.t_ns / 1e6 : Date.parse(p.t);
  const hasV = p.v !== null && Number.isFinite(p.v);
  return h('div', { class: 'current-value' },
    h('span', { class: 'cv-label' }, t('trend.current')),
    h('span', { class: `cv-value q-${p.q}`, 'data-testid': 'tag-current-value', 'data-quality': p.q },
      hasV ? num(p.v) : t('trend.no_value'), hasV && unit ? h('span', { class: 'cv-unit' }, unit) : null),
    h('span', { class: `badge ${QUALITY_CLASS[p.q] || ''}`, 'data-testid': 'tag-current-quality' }, t(`quality.${p.q}`)),
    h('span', { class: 'cv-time muted', 'data-testid': 'tag-current-time' }, fmtDateTime(ms)));
}

/**
 * The fallback when ECharts is missing: the SVG chart (chart.js) of the window, reloaded every
 * 5 s. Same shape as trendView(): {el, start(), setWindow(sec), range(), destroy()}.
 */
function svgTrendView({ tag, win, onCurrent, onStatus, isAlive }) {
  let timer = 0;
  let busy = false;
  let again = false;
  let stopped = false;
  const chart = trendChart({ unit: tag.unit || '', rangeLo: tag.range_lo, rangeHi: tag.range_hi, label: t('trend.chart_label', { key: tag.key }) });
  const alive = () => !stopped && isAlive() && chart.el.isConnected;
  const destroy = () => { stopped = true; clearTimeout(timer); chart.destroy(); };

  async function refresh() {
    if (!alive()) { destroy(); return; }
    if (busy) { again = true; return; }
    busy = true;
    clearTimeout(timer);
    const w = win;
    const to = Date.now();
    const from = to - w * 1000;
    try {
      const points = Math.max(40, Math.min(4000, chart.width()));
      const trend = api(`/tags/${tag.id}/trend`, { params: { from: iso(from), to: iso(to + 1000), points } });
      // the current value: the last point of the last hour (the trend has it when the window is ≥ 1 h)
      const last = w >= 3600 ? null
        : api(`/tags/${tag.id}/trend`, { params: { from: iso(to - 3600 * 1000), to: iso(to + 1000), points: 4 } });
      const [tr, lh] = await Promise.all([trend, last]);
      if (!alive()) return;
      const pts = (tr && tr.points) || [];
      const tail = (lh ? lh.points : pts) || [];
      const p = tail.length ? tail[tail.length - 1] : null;
      const recent = p && (p.t_ns ? p.t_ns / 1e6 : Date.parse(p.t)) >= to - 3600 * 1000 ? p : null;
      if (w === win) {
        chart.update({ points: pts, from, to: to + 1000 });
        onCurrent(recent);
        onStatus(tr && tr.truncated ? t('trend.truncated') : t('trend.auto_refresh'), false);
      }
    } catch (e) {
      if (!alive()) return;
      onStatus(`${t('trend.load_failed')}${e && e.message ? `: ${e.message}` : ''}`, true);
    } finally {
      busy = false;
    }
    if (!alive()) { destroy(); return; }
    if (again) { again = false; refresh(); return; }
    timer = setTimeout(refresh, TREND_REFRESH_MS);
  }

  return {
    el: chart.el,
    start: () => refresh(),
    setWindow(sec) { win = sec; clearTimeout(timer); refresh(); },
    range: () => { const now = Date.now(); return [now - win * 1000, now]; },
    destroy,
  };
}

/** The trend panel: current value, window buttons, CSV link and the chart (ECharts or the SVG fallback). */
function trendPanel(ctx, tag) {
  let win = 3600;
  let view = null;
  let stopped = false;
  const cur = h('div', { class: 'current-holder' }, h('div', { class: 'current-value none' }, h('span', { class: 'spinner' })));
  const status = h('p', { class: 'trend-status small', role: 'status', 'data-testid': 'trend-status' });
  const note = h('p', { class: 'trend-note small', 'data-testid': 'trend-fallback-note', hidden: true }, t('trend.fallback'));
  const body = h('div', { class: 'trend-body' }, h('div', { class: 'trend-loading' }, h('span', { class: 'spinner' })));
  const csv = h('a', { class: 'btn', 'data-testid': 'trend-csv', href: '#' }, t('trend.download_csv'));
  const buttons = TREND_WINDOWS.map(([name, sec]) => h('button', {
    type: 'button', class: 'seg-btn', 'data-testid': `trend-window-${name}`, 'aria-pressed': String(sec === win),
    onclick: () => {
      if (win === sec) return;
      win = sec;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b === buttonOf(sec)));
      if (view) view.setWindow(sec);
      setCsv();
    },
  }, t(`trend.window_${name}`)));
  const buttonOf = (sec) => buttons[TREND_WINDOWS.findIndex((w) => w[1] === sec)];

  // the CSV of what the chart shows (the zoomed range when zoomed), up to when the link is clicked
  function setCsv() {
    const now = Date.now();
    const [from, to] = view ? view.range() : [now - win * 1000, now];
    const stamp = iso(to).slice(0, 19).replace(/[-:]/g, '');
    csv.href = `${API_BASE}/tags/${tag.id}/history${buildQuery({ from: iso(from), to: iso(to + 1000), format: 'csv', limit: 100000 })}`;
    csv.setAttribute('download', `${tag.key}_${TREND_WINDOWS.find((w) => w[1] === win)[0]}_${stamp}.csv`);
  }
  csv.addEventListener('click', setCsv);
  setCsv();

  const isAlive = () => !stopped && ctx.isCurrent();
  const stop = () => { stopped = true; if (view) view.destroy(); };
  window.addEventListener('hashchange', stop, { once: true });
  const opts = {
    tag,
    onCurrent: (p) => cur.replaceChildren(currentValue(p, tag.unit)),
    onStatus: (text, isError) => { status.textContent = text; status.classList.toggle('error', !!isError); },
    isAlive,
  };

  // after the panel is in the page (the chart needs its width)
  setTimeout(async () => {
    const echarts = await loadEcharts();
    if (!isAlive() || !body.isConnected) return;
    view = echarts ? trendView({ ...opts, echarts, win }) : svgTrendView({ ...opts, win });
    note.hidden = !!echarts;
    body.replaceChildren(view.el);
    view.start();
  }, 0);

  return panel('trend.title', h('div', null, cur, note, body, status), {
    testid: 'tag-trend-panel', cls: 'trend-panel',
    extra: h('div', { class: 'trend-tools' },
      h('div', { class: 'seg', role: 'group', 'aria-label': t('trend.window') }, buttons), csv),
  });
}
