// Alarm KPI page (#/alarm-kpi): alarm system performance of one operator console (a set of
// areas) over 24 h, 7 d or 30 d from GET /api/v1/alarm-kpi (ISA-18.2 clause 16, EEMUA 191).
// Cards carry the server's verdict colour (ok / warn / bad / no data); the bar chart shows
// alarms per 10 min (flood threshold line) or per hour (busy-hour line); the top-10 bad
// actors and the priority distribution follow. The response is read defensively: any part
// may be missing.
import { h } from '../dom.js';
import { t, enumLabel } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, panel, problemBox } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll, prime } from '../lookup.js';
import { pickName } from '../i18n.js';
import { fmtDateTime } from '../chart.js';
import { barChart, shareBar } from '../barchart.js';
import { PRIORITIES } from '../alarmfeed.js';

export const KPI_WINDOWS = [['24h', 86400], ['7d', 7 * 86400], ['30d', 30 * 86400]];
const FLOOD_10MIN = 10;  // EEMUA 191 / ISA-18.2: more than 10 alarms in 10 min
const BUSY_HOUR = 30;    // ISA-18.2: hours with more than 30 alarms
const VERDICTS = { ok: 'ok', good: 'ok', acceptable: 'ok', warn: 'warn', warning: 'warn', manageable: 'warn', bad: 'bad', overloaded: 'bad', unacceptable: 'bad' };

/** 'ok' | 'warn' | 'bad' | 'no_data' from whatever the server sends. */
export function verdictOf(v) {
  if (v === null || v === undefined || v === '') return 'no_data';
  const k = String(v).toLowerCase().replace(/^aj_kpi_/, '');
  return VERDICTS[k] || 'no_data';
}
const nsOrIso = (v) => (typeof v === 'number' ? (v > 1e14 ? v / 1e6 : v) : v ? Date.parse(v) : NaN);
const pct = (x) => (Number.isFinite(x) ? `${num(x * 100, 1)}%` : DASH);

function card(testid, labelKey, value, verdict, note) {
  const vd = verdictOf(verdict);
  return h('div', { class: `kpi-card v-${vd}`, 'data-testid': testid, 'data-verdict': vd },
    h('div', { class: 'kpi-label' }, t(labelKey)),
    h('div', { class: 'kpi-value' }, value),
    h('div', { class: 'kpi-foot' }, h('span', { class: `verdict v-${vd}` }, t(`kpi.verdict_${vd}`)), note ? h('span', { class: 'muted' }, note) : null));
}

export async function render(ctx) {
  ctx.setTitle(t('kpi.title'));
  const q = ctx.query;
  let win = KPI_WINDOWS.find((w) => w[0] === q.window) ? q.window : '24h';
  let series = q.series === 'hour' ? 'hour' : '10min';
  const picked = new Set((q.areas || '').split(',').filter(Boolean));

  // area (console) picker: checkboxes in a drop-down
  const areaLabel = h('span', null, t('kpi.areas_all'));
  const areaList = h('div', { class: 'area-pick-list', 'data-testid': 'kpi-area-list' }, h('span', { class: 'spinner' }));
  const picker = h('details', { class: 'area-pick', 'data-testid': 'kpi-areas' },
    h('summary', { class: 'btn' }, h('span', { class: 'muted' }, `${t('kpi.console')}: `), areaLabel), areaList);
  let areaNames = new Map();
  const paintAreaLabel = () => {
    areaLabel.textContent = !picked.size ? t('kpi.areas_all')
      : picked.size === 1 ? areaNames.get([...picked][0]) || t('kpi.areas_n', { n: 1 }) : t('kpi.areas_n', { n: picked.size });
  };
  fetchAll('/areas', {}, 1000).then((areas) => {
    prime('areas', areas);
    areaNames = new Map(areas.map((a) => [String(a.id), `${a.code} ${pickName(a)}`]));
    areaList.replaceChildren(...areas.map((a) => {
      const cb = h('input', { type: 'checkbox', value: String(a.id), checked: picked.has(String(a.id)), 'data-testid': `kpi-area-${a.id}` });
      cb.addEventListener('change', () => { if (cb.checked) picked.add(cb.value); else picked.delete(cb.value); paintAreaLabel(); changed(); });
      return h('label', { class: 'area-pick-item' }, cb, h('span', { class: 'code' }, a.code), ' ', pickName(a));
    }));
    paintAreaLabel();
  }).catch(() => { areaList.replaceChildren(h('span', { class: 'muted' }, t('error.load_failed'))); });

  const winButtons = KPI_WINDOWS.map(([name]) => {
    const b = h('button', { type: 'button', class: 'seg-btn', 'data-testid': `kpi-window-${name}`, 'aria-pressed': String(name === win) }, t(`kpi.window_${name}`));
    b.addEventListener('click', () => { win = name; for (const x of winButtons) x.setAttribute('aria-pressed', String(x === b)); changed(); });
    return b;
  });
  const serButtons = [['10min', 'kpi.per_10min'], ['hour', 'kpi.per_hour']].map(([name, key]) => {
    const b = h('button', { type: 'button', class: 'seg-btn', 'data-testid': `kpi-series-${name}`, 'aria-pressed': String(name === series) }, t(key));
    b.addEventListener('click', () => { series = name; for (const x of serButtons) x.setAttribute('aria-pressed', String(x === b)); drawChart(); sync(); });
    return b;
  });

  const body = h('div', { class: 'kpi-body', 'data-testid': 'kpi-body' });
  const chart = barChart({ label: t('kpi.chart_title'), testid: 'kpi-bars' });
  const chartNote = h('p', { class: 'small muted' });
  const status = h('span', { class: 'list-status', 'data-testid': 'kpi-status', role: 'status' });
  ctx.main.append(
    pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('kpi.title') }], title: t('kpi.title'), sub: t('kpi.sub') }),
    h('div', { class: 'toolbar kpi-tools panel' }, picker,
      h('div', { class: 'seg', role: 'group', 'aria-label': t('kpi.window') }, winButtons), status),
    h('div', { 'data-testid': 'kpi-page' }, body));
  const onDoc = (e) => { if (!picker.contains(e.target)) picker.open = false; };
  document.addEventListener('click', onDoc);
  window.addEventListener('hashchange', () => { document.removeEventListener('click', onDoc); chart.destroy(); }, { once: true });

  let data = null;
  let seq = 0;
  const sync = () => ctx.setQuery({ window: win === '24h' ? '' : win, series: series === '10min' ? '' : series, areas: [...picked].join(',') });
  function changed() { sync(); load(); }

  function drawChart() {
    if (!data) return;
    const s10 = data.series_10min || {};
    const sh = data.series_hour || {};
    const tg = data.targets || {};
    const src = series === 'hour' ? sh : s10;
    const period = series === 'hour' ? 3600e3 : 600e3;
    const threshold = series === 'hour' ? Number(tg.busy_hour_count ?? BUSY_HOUR) : Number(tg.flood_10min_count ?? FLOOD_10MIN);
    const startMs = nsOrIso(src.start_ns ?? src.start);
    chart.update({ start_ms: Number.isFinite(startMs) ? startMs : Date.now(), period_ms: period, counts: Array.isArray(src.counts) ? src.counts : [],
      threshold, thresholdLabel: t(series === 'hour' ? 'kpi.busy_line' : 'kpi.flood_line', { n: threshold }) });
    chartNote.textContent = t(series === 'hour' ? 'kpi.chart_note_hour' : 'kpi.chart_note_10min', { n: threshold });
  }

  function draw() {
    const d = data;
    const load = d.load || {};
    const fl = d.flood || {};
    const ba = d.bad_actors || {};
    const ch = d.chattering || {};
    const st = d.stale || {};
    const pr = d.priority || {};
    const top = Array.isArray(ba.top) ? ba.top : [];
    const cards = h('div', { class: 'kpi-cards', 'data-testid': 'kpi-cards' },
      card('kpi-card-per-hour', 'kpi.rate_hour', num(load.per_hour, 2), load.verdict_per_hour, t('kpi.target_hour')),
      card('kpi-card-per-10min', 'kpi.rate_10min', num(load.per_10min, 2), load.verdict_per_10min, t('kpi.target_10min')),
      card('kpi-card-flood', 'kpi.flood_share', pct(fl.share), fl.verdict,
        t('kpi.flood_periods', { n: num(fl.n_flood_periods ?? 0, 0), total: num(fl.n_complete_periods ?? 0, 0) })),
      card('kpi-card-peak', 'kpi.peak', num(fl.peak_count, 0), fl.verdict_peak,
        fl.peak_start || fl.peak_start_ns ? fmtDateTime(nsOrIso(fl.peak_start_ns ?? fl.peak_start)) : t('kpi.target_peak')),
      card('kpi-card-bad-actors', 'kpi.top10_share', pct(ba.share), ba.verdict, t('kpi.target_top')),
      card('kpi-card-chattering', 'kpi.chattering', num(ch.n_chattering, 0), ch.verdict, t('kpi.target_chattering')),
      card('kpi-card-stale', 'kpi.stale', num(st.n_stale, 0), st.verdict, t('kpi.target_stale')),
      card('kpi-card-priority', 'kpi.priority', num(load.n_alarms, 0), pr.verdict, t('kpi.n_alarms')));
    const counts = pr.counts || {};
    const shares = pr.shares || {};
    const total = PRIORITIES.reduce((a, p) => a + (Number(counts[p]) || 0), 0);
    const parts = PRIORITIES.map((p) => ({
      key: p, label: enumLabel('alarm_priority', p), cls: `prio-${p}`, count: Number(counts[p]) || 0,
      share: Number.isFinite(shares[p]) ? shares[p] : total ? (Number(counts[p]) || 0) / total : 0,
    }));
    const topTable = top.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'kpi-bad-actors' },
      h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, t('alarms.col_tag')), h('th', null, t('alarms.col_kind')),
        h('th', { class: 'num' }, t('kpi.activations')), h('th', { class: 'num' }, t('kpi.share')))),
      h('tbody', null, top.map((r, i) => h('tr', { 'data-testid': 'kpi-bad-actor-row' },
        h('td', null, String(i + 1)),
        h('td', null, h('a', { href: `#/alarms/${r.alarm_id}`, class: 'code' }, r.tag_key || `#${r.alarm_id}`)),
        h('td', null, enumLabel('alarm_kind', r.kind)),
        h('td', { class: 'num' }, num(r.n_activations, 0)),
        h('td', { class: 'num' }, pct(r.share)))))))
      : h('div', { class: 'empty' }, t('kpi.no_bad_actors'));
    body.replaceChildren(cards,
      panel('kpi.chart_title', h('div', null, chart.el, chartNote), { testid: 'kpi-chart', cls: 'trend-panel',
        extra: h('div', { class: 'trend-tools' }, h('div', { class: 'seg', role: 'group', 'aria-label': t('kpi.chart_title') }, serButtons)) }),
      h('div', { class: 'detail-grid' },
        panel('kpi.bad_actors', topTable, { testid: 'kpi-bad-actors-panel' }),
        panel('kpi.priority_dist', h('div', null, shareBar(parts), h('p', { class: 'small muted' }, t('kpi.priority_target'))), { testid: 'kpi-priority' })));
    setTimeout(drawChart, 0); // after the chart is in the page (it needs its width)
  }

  async function load() {
    const my = ++seq;
    const to = new Date();
    const from = new Date(to.getTime() - KPI_WINDOWS.find((w) => w[0] === win)[1] * 1000);
    status.textContent = t('list.loading');
    body.setAttribute('aria-busy', 'true');
    try {
      const d = await api('/alarm-kpi', { params: { from: from.toISOString(), to: to.toISOString(), area_ids: [...picked].join(',') } });
      if (my !== seq || !ctx.isCurrent()) return;
      data = d || {};
      status.textContent = t('kpi.window_text', { from: fmtDateTime(from.getTime()), to: fmtDateTime(to.getTime()) });
      draw();
    } catch (e) {
      if (my !== seq || !ctx.isCurrent()) return;
      data = null;
      status.textContent = '';
      body.replaceChildren(e.status === 404
        ? h('div', { class: 'problem perm', 'data-testid': 'kpi-no-data', role: 'status' },
          h('div', null, h('strong', null, t('kpi.no_data_title')), h('p', null, t('kpi.no_data_body'))))
        : problemBox(e, { retry: load }));
    } finally {
      if (my === seq) body.setAttribute('aria-busy', 'false');
    }
  }
  load();
}
