// The tag trend on ECharts: archive plus live points, with zoom.
//
// Data: the window [now − win, now] comes from GET /tags/{id}/trend (M4 downsampling of the
// archive and the not-yet-archived points) with about one point per pixel of the chart
// ("base"). Zooming (wheel or pinch inside the plot, the slider below it) re-queries the
// zoomed range at the same resolution once the zoom rests for ZOOM_DEBOUNCE_MS ("detail"),
// so 24 h zoomed to 5 min shows the raw points; the base stays as the overview around it.
// Points of this tag arrive on a second EventSource (/events?tags=ID&alarms=0&incidents=0; the alarm
// feed's stream has a fixed URL) and are appended ("live"). While the zoom reaches the
// window's end the view follows now (the axis slides every TICK_MS); zoomed into the past it
// stays put, live points still collected. After LIVE_MAX live points the window is reloaded
// from /trend. While the stream is down the window is reloaded every POLL_MS.
//
// Drawing: one line (a gap at bad points and missing values), bad points as red dots and
// uncertain ones as amber rings (two scatter series), the tag's H/HH/L/LL setpoints as
// dashed lines in their priority's colour, the unit on the value axis, a tooltip with the
// local time, value and quality. Colours come from the console's CSS variables.
//
// Lifetime: trendView() returns {el, start(), setWindow(sec), range(), destroy()}. The
// view destroys itself (chart disposed, stream closed, timers stopped) on the first tick
// after isAlive() turns false; the page also calls destroy() when the route changes.
import { h } from './dom.js';
import { t, getLang } from './i18n.js';
import { num } from './format.js';
import { api, API_BASE } from './api.js';
import { fmtDateTime, niceDomain } from './chart.js';

export const LIVE_MAX = 5000;         // live points kept before the window is reloaded
export const ZOOM_DEBOUNCE_MS = 300;  // quiet time after a zoom before the re-query
export const POLL_MS = 5000;          // reload period while the live stream is down
export const TICK_MS = 1000;          // the following view slides to now this often
export const STREAM_RETRY_MS = 30000; // a refused stream (401, 503...) is tried again after this
const POINTS_MIN = 40;                // /trend points= bounds (the API allows 4..20000)
const POINTS_MAX = 20000;
const FOLLOW_EPS = 0.2;               // % of the window: a zoom ending this close to it follows now
const LIMIT_KINDS = ['hh', 'h', 'l', 'll'];
const Q_CODE = { good: 0, uncertain: 1, bad: 2 };
const Q_NAME = ['good', 'uncertain', 'bad'];

const iso = (ms) => new Date(ms).toISOString();
const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const isNum = (v) => v !== null && v !== undefined && Number.isFinite(v);

/** A point of /trend ({t, t_ns, v, q}) or of the stream ({t, t_ns, value, quality}) → [ms, v|null, q]. */
export function toRow(p) {
  const ms = p.t_ns ? p.t_ns / 1e6 : Date.parse(p.t);
  const v = p.v !== undefined ? p.v : p.value;
  const q = Q_CODE[p.q !== undefined ? p.q : p.quality] ?? Q_CODE.good;
  return [ms, isNum(v) ? v : null, q];
}

/** The point shape of the current-value box. */
const rowPoint = (r) => (r ? { t_ns: r[0] * 1e6, v: r[1], q: Q_NAME[r[2]] } : null);

/**
 * Rows to show: the base outside the detail range, the detail inside it, then the live rows
 * after the last of those. All inputs in time order; the result is too.
 */
export function composeRows(base, detail, live) {
  let rows;
  if (detail) {
    rows = [];
    for (const r of base) if (r[0] < detail.from) rows.push(r);
    for (const r of detail.rows) rows.push(r);
    for (const r of base) if (r[0] > detail.to) rows.push(r);
  } else {
    rows = base.slice();
  }
  let last = rows.length ? rows[rows.length - 1][0] : -Infinity;
  for (const r of live) if (r[0] > last) { rows.push(r); last = r[0]; }
  return rows;
}

/** [lo, hi] of the value axis: the data, the alarm limits near it, rounded to nice steps. */
export function valueDomain(min, max, limits) {
  let lo = min;
  let hi = max;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    if (!limits.length) return [0, 1];
    lo = Math.min(...limits);
    hi = Math.max(...limits);
  }
  const span = Math.max(hi - lo, Math.abs(hi) * 0.2) || 1;
  for (const sp of limits) {
    if (sp >= lo - span && sp <= hi + span) { lo = Math.min(lo, sp); hi = Math.max(hi, sp); }
  }
  const [a, b] = niceDomain(lo, hi, 5);
  return [a, b];
}

function cssVar(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** The part of the tag's alarm definitions drawn as lines: [{kind, setpoint, priority}]. */
async function loadLimits(tagId) {
  const res = await api(`/tags/${tagId}/alarms`);
  return ((res && res.items) || [])
    .filter((a) => LIMIT_KINDS.includes(a.kind) && isNum(a.setpoint) && a.enabled !== false)
    .map((a) => ({ kind: a.kind, setpoint: a.setpoint, priority: a.priority || 'medium' }));
}

/**
 * trendView({echarts, tag, win, onCurrent, onStatus, isAlive}) → {el, start(), setWindow(sec), range(), destroy()}.
 * win: the window in s. onCurrent(point|null) gets the newest point; onStatus(text, isError)
 * the status line. The caller puts el in the page, then calls start().
 */
export function trendView({ echarts, tag, win = 3600, onCurrent = () => {}, onStatus = () => {}, isAlive = () => true }) {
  const unit = tag.unit || '';
  const el = h('div', {
    class: 'trend-echart', role: 'img', 'aria-label': t('trend.chart_label', { key: tag.key }),
    'data-testid': 'tag-trend', 'data-renderer': 'echarts', 'data-point-count': 0, 'data-window': win,
  });
  const resetBtn = h('button', {
    type: 'button', class: 'btn small trend-zoom-reset', 'data-testid': 'trend-zoom-reset', hidden: true,
    onclick: () => chart && chart.dispatchAction({ type: 'dataZoom', start: 0, end: 100 }),
  }, t('trend.zoom_reset'));
  const wrap = h('div', { class: 'trend-wrap trend-ewrap' }, el, resetBtn);

  const st = {
    win, from: 0, to: 0,
    baseWin: 0,             // the window of the loaded base (win until the reload answers)
    base: [], detail: null, live: [], rows: [],
    limits: [],
    zoom: { start: 0, end: 100 },
    following: true,
    stream: 'connecting',   // connecting | live | polling
    truncated: false,
    error: null,
    n_trend_requests: 0,
  };
  let chart = null;
  let es = null;
  let stopped = false;
  let baseSeq = 0;
  let detailSeq = 0;
  let zoomTimer = 0;
  let tickTimer = 0;
  let pollTimer = 0;
  let retryTimer = 0;
  let renderQueued = false;
  let ro = null;
  const narrow = () => el.clientWidth < 520;
  const pointsWanted = () => clamp(Math.round(el.clientWidth || 600), POINTS_MIN, POINTS_MAX);

  // ---- the chart ---------------------------------------------------------------------

  const colours = () => ({
    ink: cssVar('--ink-2', '#3a4756'),
    ink3: cssVar('--ink-3', '#66727f'),
    line: cssVar('--line', '#d5dbe2'),
    grid: cssVar('--line-soft', '#e6eaef'),
    panel: cssVar('--panel', '#ffffff'),
    accent: cssVar('--accent', '#1f6fd1'),
    bad: cssVar('--bad', '#b42318'),
    warn: '#c98a00',
    font: cssVar('--font', 'sans-serif'),
  });
  const prioColour = (p) => cssVar(`--p-${p}`, '#78909c');

  function tooltip(params) {
    const list = Array.isArray(params) ? params : [params];
    const p = list.find((x) => x.seriesId === 'line') || list[0];
    if (!p || !Array.isArray(p.value)) return '';
    const [ms, , q, raw] = p.value;
    const v = isNum(raw) ? `${num(raw)}${unit ? ` ${unit}` : ''}` : t('trend.no_value');
    return `<div class="tip-time">${esc(fmtDateTime(ms))}</div><div class="tip-value">${esc(v)}</div>`
      + (q ? `<div class="tip-q q-${Q_NAME[q]}">${esc(t(`quality.${Q_NAME[q]}`))}</div>` : '');
  }

  function markLine() {
    return {
      silent: true, symbol: 'none', animation: false,
      data: st.limits.map((l) => ({
        name: l.kind, yAxis: l.setpoint,
        lineStyle: { color: prioColour(l.priority), type: 'dashed', width: 1.4 },
        label: { formatter: `${l.kind.toUpperCase()} ${num(l.setpoint)}`, position: 'insideEndTop', color: prioColour(l.priority), fontSize: 11 },
      })),
    };
  }

  function baseOption() {
    const c = colours();
    const small = narrow();
    const axisLabel = { color: c.ink3, fontSize: 11 };
    const yDomain = (e) => valueDomain(e.min, e.max, st.limits.map((l) => l.setpoint));
    return {
      animation: false,
      textStyle: { fontFamily: c.font },
      grid: { left: small ? 44 : 58, right: small ? 10 : 20, top: 30, bottom: small ? 58 : 66 },
      tooltip: {
        trigger: 'axis', confine: true, className: 'trend-tip-ec',
        backgroundColor: 'rgba(16, 23, 31, 0.92)', borderWidth: 0, padding: [5, 8],
        textStyle: { color: '#e8eef5', fontSize: 12 },
        axisPointer: { type: 'line', lineStyle: { color: '#33414f', type: 'dashed' } },
        formatter: tooltip,
      },
      xAxis: {
        type: 'time', min: st.from, max: st.to, splitNumber: small ? 3 : 7,
        axisLine: { lineStyle: { color: c.line } },
        axisLabel: {
          ...axisLabel, hideOverlap: true,
          formatter: { year: '{yyyy}', month: '{MM}-{dd}', day: '{MM}-{dd}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}', millisecond: '{HH}:{mm}:{ss}' },
        },
        splitLine: { show: true, lineStyle: { color: c.grid } },
      },
      yAxis: {
        type: 'value', name: unit, nameGap: 10,
        nameTextStyle: { color: c.ink, fontWeight: 600, align: 'right' },
        min: (e) => yDomain(e)[0], max: (e) => yDomain(e)[1],
        axisLabel: { ...axisLabel, formatter: (v) => num(v, 6) },
        splitLine: { lineStyle: { color: c.grid } },
      },
      dataZoom: [
        { type: 'inside', id: 'inside', xAxisIndex: 0, filterMode: 'filter', start: st.zoom.start, end: st.zoom.end,
          minValueSpan: 10 * 1000, moveOnMouseMove: !small, moveOnMouseWheel: false },
        { type: 'slider', id: 'slider', xAxisIndex: 0, filterMode: 'filter', start: st.zoom.start, end: st.zoom.end,
          height: 20, bottom: 8, left: small ? 44 : 58, right: small ? 14 : 24, showDetail: !small, showDataShadow: false, brushSelect: false,
          borderColor: c.line, textStyle: { color: c.ink3, fontSize: 10 },
          labelFormatter: (v) => fmtDateTime(v) },
      ],
      series: [
        { id: 'line', type: 'line', name: tag.key, showSymbol: false, symbol: 'none', connectNulls: false,
          dimensions: ['t', 'v', 'q', 'raw'], encode: { x: 0, y: 1 }, lineStyle: { width: 1.6, color: c.accent },
          itemStyle: { color: c.accent }, data: [], markLine: markLine() },
        { id: 'bad', type: 'scatter', name: t('quality.bad'), symbolSize: 7, z: 5,
          dimensions: ['t', 'v', 'q', 'raw'], encode: { x: 0, y: 1 },
          itemStyle: { color: c.bad, borderColor: c.panel, borderWidth: 1 }, data: [] },
        { id: 'uncertain', type: 'scatter', name: t('quality.uncertain'), symbol: 'emptyCircle', symbolSize: 6, z: 4,
          dimensions: ['t', 'v', 'q', 'raw'], encode: { x: 0, y: 1 },
          itemStyle: { color: c.warn, borderWidth: 1.2 }, data: [] },
      ],
    };
  }

  /** Redraws the series from base, detail and live (now, or once per frame with later=true). */
  function render(later = false) {
    if (later) {
      if (!renderQueued) { renderQueued = true; requestAnimationFrame(() => { renderQueued = false; render(); }); }
      return;
    }
    if (!chart || stopped) return;
    const rows = composeRows(st.base, st.detail, st.live);
    st.rows = rows;
    const line = [];
    const bad = [];
    const unc = [];
    let floor = Infinity;
    for (const r of rows) if (r[1] !== null && r[1] < floor) floor = r[1];
    if (!Number.isFinite(floor)) floor = 0;
    for (const r of rows) {
      const [ms, v, q] = r;
      if (q === Q_CODE.bad) {
        line.push([ms, null, q, v]);
        bad.push([ms, v === null ? floor : v, q, v]);
        continue;
      }
      line.push([ms, v, q, v]);
      if (q === Q_CODE.uncertain && v !== null) unc.push([ms, v, q, v]);
    }
    chart.setOption({
      xAxis: { min: st.from, max: st.to },
      series: [{ id: 'line', data: line, markLine: markLine() }, { id: 'bad', data: bad }, { id: 'uncertain', data: unc }],
    });
    el.setAttribute('data-point-count', String(rows.length));
    el.setAttribute('data-bad-count', String(bad.length));
    el.setAttribute('data-live-count', String(st.live.length));
    el.setAttribute('data-limit-count', String(st.limits.length));
  }

  function status() {
    if (st.error) { onStatus(`${t('trend.load_failed')}${st.error.message ? `: ${st.error.message}` : ''}`, true); return; }
    let text = st.stream === 'polling' ? t('trend.stream_down') : st.following ? t('trend.live_hint') : t('trend.paused');
    if (st.truncated) text = `${t('trend.truncated')} ${text}`;
    onStatus(text, false);
  }

  // ---- data ----------------------------------------------------------------------------

  const isZoomed = () => st.zoom.start > 0.01 || st.zoom.end < 99.99;
  const zoomRange = () => {
    const span = st.to - st.from;
    return [st.from + (st.zoom.start / 100) * span, st.from + (st.zoom.end / 100) * span];
  };

  async function trend(from, to) {
    st.n_trend_requests++;
    const res = await api(`/tags/${tag.id}/trend`, { params: { from: iso(from), to: iso(to), points: pointsWanted() } });
    return { rows: ((res && res.points) || []).map(toRow), truncated: !!(res && res.truncated) };
  }

  /** Reloads the window (ending now while following) and the zoomed range, when zoomed. */
  async function loadBase() {
    const my = ++baseSeq;
    const now = Date.now();
    const moving = st.following || !st.from;
    const from = moving ? now - st.win * 1000 : st.from;
    const to = moving ? now : st.to;
    try {
      const tr = await trend(from, to + 1000);
      if (my !== baseSeq || !alive()) return;
      if (moving) {
        st.to = Math.max(to, st.to);
        st.from = st.to - st.win * 1000;
      }
      st.base = tr.rows;
      st.baseWin = st.win;
      st.truncated = tr.truncated;
      st.error = null;
      const last = st.base.length ? st.base[st.base.length - 1][0] : -Infinity;
      st.live = st.live.filter((r) => r[0] > last && r[0] >= from);
      if (isZoomed()) loadDetail(); else st.detail = null;
      render();
      status();
      showCurrent(now);
    } catch (e) {
      if (my !== baseSeq || !alive()) return;
      st.error = e;
      status();
    }
  }

  /** Re-queries the zoomed range at the chart's resolution (nothing to do when not zoomed). */
  async function loadDetail() {
    const my = ++detailSeq;
    if (!isZoomed()) { st.detail = null; render(); return; }
    const [a, b] = zoomRange();
    const margin = (b - a) * 0.05;
    const from = a - margin;
    const to = st.following ? Math.max(b, Date.now()) + 1000 : b + margin;
    try {
      const tr = await trend(from, to);
      if (my !== detailSeq || !alive()) return;
      st.detail = { from, to, rows: tr.rows };
      st.error = null;
      render();
      status();
    } catch (e) {
      if (my !== detailSeq || !alive()) return;
      st.error = e;
      status();
    }
  }

  /** The newest point in the current-value box (the last hour's when the window shows none). */
  async function showCurrent(now) {
    const rows = st.rows;
    const last = rows.length ? rows[rows.length - 1] : null;
    if (last && last[0] >= now - 3600 * 1000) { onCurrent(rowPoint(last)); return; }
    if (st.win >= 3600) { onCurrent(null); return; }
    try {
      const res = await api(`/tags/${tag.id}/trend`, { params: { from: iso(now - 3600 * 1000), to: iso(now + 1000), points: 4 } });
      if (!alive()) return;
      const pts = (res && res.points) || [];
      onCurrent(pts.length ? rowPoint(toRow(pts[pts.length - 1])) : null);
    } catch { /* the status line tells about the window's failure */ }
  }

  function addLive(row) {
    const rows = st.live;
    const last = rows.length ? rows[rows.length - 1][0] : -Infinity;
    if (row[0] <= last) return;
    rows.push(row);
    onCurrent(rowPoint(row));
    if (st.following) {
      st.to = Math.max(Date.now(), row[0]);
      st.from = st.to - st.win * 1000;
    }
    if (rows.length > LIVE_MAX) {
      // one reload at a time: a fast feed must not start one per point while it runs
      if (st.following && !st.isReloading) {
        st.isReloading = true;
        loadBase().finally(() => { st.isReloading = false; });
        return;
      }
      rows.splice(0, rows.length - LIVE_MAX);
    }
    render(true);
  }

  // ---- the live stream -------------------------------------------------------------------

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(() => { if (alive()) loadBase(); }, POLL_MS);
  }
  function stopPolling() { clearInterval(pollTimer); pollTimer = 0; }

  function connect() {
    if (stopped) return;
    if (typeof EventSource !== 'function') { st.stream = 'polling'; startPolling(); status(); return; }
    const me = new EventSource(`${API_BASE}/events?tags=${encodeURIComponent(tag.id)}&alarms=0&incidents=0`, { withCredentials: true });
    es = me;
    me.addEventListener('open', () => {
      if (es !== me || stopped) return;
      st.stream = 'live';
      stopPolling();
      loadBase(); // whatever came while the stream was not there
    });
    me.addEventListener('point', (ev) => {
      if (es !== me || stopped) return;
      let d;
      try { d = JSON.parse(ev.data); } catch { return; }
      if (!d || String(d.tag_id) !== String(tag.id)) return;
      addLive(toRow(d));
    });
    me.addEventListener('error', () => {
      if (es !== me || stopped) return;
      st.stream = 'polling';
      startPolling();
      status();
      if (me.readyState === EventSource.CLOSED) {
        es = null;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(connect, STREAM_RETRY_MS);
      }
    });
  }

  // ---- zoom, the clock, lifetime -----------------------------------------------------------

  function onZoom(ev) {
    const z = (ev && ev.batch && ev.batch[0]) || ev || {};
    let { start, end } = z;
    const span = st.to - st.from || 1;
    if (!isNum(start) && isNum(z.startValue)) start = ((z.startValue - st.from) / span) * 100;
    if (!isNum(end) && isNum(z.endValue)) end = ((z.endValue - st.from) / span) * 100;
    if (!isNum(start) || !isNum(end)) return;
    st.zoom = { start: clamp(start, 0, 100), end: clamp(end, 0, 100) };
    const following = st.zoom.end >= 100 - FOLLOW_EPS;
    if (following !== st.following) {
      st.following = following;
      if (following) { st.to = Date.now(); st.from = st.to - st.win * 1000; render(); }
      status();
    }
    resetBtn.hidden = !isZoomed();
    if (!isZoomed()) { ++detailSeq; clearTimeout(zoomTimer); st.detail = null; render(); return; }
    clearTimeout(zoomTimer);
    zoomTimer = setTimeout(loadDetail, ZOOM_DEBOUNCE_MS);
  }

  function tick() {
    if (!alive()) { destroy(); return; }
    if (st.following && st.from) {
      st.to = Math.max(Date.now(), st.to);
      st.from = st.to - st.win * 1000;
      chart.setOption({ xAxis: { min: st.from, max: st.to } });
    }
  }

  const alive = () => !stopped && isAlive() && el.isConnected;

  const hook = {
    get chart() { return chart; },
    points: () => st.rows.length,
    live: () => st.live.length,
    limits: () => st.limits.slice(),
    last: () => (st.rows.length ? st.rows[st.rows.length - 1].slice() : null),
    stream: () => st.stream,
    following: () => st.following,
    zoomed: () => isZoomed(),
    range: () => [st.from, st.to],
    loadedWindow: () => st.baseWin,
    counts: () => ({ base: st.base.length, live: st.live.length, rows: st.rows.length, detail: st.detail ? st.detail.rows.length : null,
      baseSpan: st.base.length ? [st.base[0][0], st.base[st.base.length - 1][0]] : null, liveSpan: st.live.length ? [st.live[0][0], st.live[st.live.length - 1][0]] : null }),
    detail: () => (st.detail ? { from: st.detail.from, to: st.detail.to, n: st.detail.rows.length } : null),
  };

  function start() {
    if (chart || stopped) return;
    chart = echarts.init(el, null, { renderer: 'canvas', locale: getLang() === 'en' ? 'EN' : 'ZH' });
    const now = Date.now();
    st.from = now - st.win * 1000;
    st.to = now;
    chart.setOption(baseOption());
    chart.on('datazoom', onZoom);
    window.__ajTrend = hook; // for the browser test and for poking at it in the devtools
    if (typeof ResizeObserver === 'function') {
      let w = el.clientWidth;
      ro = new ResizeObserver(() => {
        if (!chart || Math.abs(el.clientWidth - w) < 2) return;
        const was = w < 520;
        w = el.clientWidth;
        if (was !== w < 520) chart.setOption(baseOption()); // phone ↔ wide layout
        chart.resize();
        render();
      });
      ro.observe(el);
    }
    tickTimer = setInterval(tick, TICK_MS);
    status();
    loadLimits(tag.id).then((limits) => { st.limits = limits; render(); }).catch(() => {});
    connect();
    loadBase();
  }

  function setWindow(sec) {
    if (stopped) return;
    st.win = sec;
    el.setAttribute('data-window', String(sec));
    st.zoom = { start: 0, end: 100 };
    st.following = true;
    st.detail = null;
    ++detailSeq;
    clearTimeout(zoomTimer);
    resetBtn.hidden = true;
    if (chart) chart.setOption({ dataZoom: [{ id: 'inside', start: 0, end: 100 }, { id: 'slider', start: 0, end: 100 }] });
    loadBase();
  }

  function destroy() {
    if (stopped) return;
    stopped = true;
    ++baseSeq; ++detailSeq;
    clearTimeout(zoomTimer);
    clearInterval(tickTimer);
    clearTimeout(retryTimer);
    stopPolling();
    if (es) es.close();
    es = null;
    if (ro) ro.disconnect();
    if (chart) chart.dispose();
    chart = null;
    if (window.__ajTrend === hook) delete window.__ajTrend;
  }

  /** The time range on screen (the zoomed one when zoomed), in ms: for the CSV download. */
  const range = () => (isZoomed() ? zoomRange() : [st.from, st.to || Date.now()]).map(Math.round);

  return { el: wrap, start, setWindow, range, destroy };
}
