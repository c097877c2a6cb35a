// Control room (#/control-room[?incident=ID&state=…&kind=…]): the incidents of the
// failure-mode reasoner (docs/reasoning.md) as a control-room operator works them.
//
// Left: the incidents ranked by the server (priority, live evidence, confidence), coloured by
// priority like the alarm list, early warning and diagnosis marked, sensor checks drawn as
// secondary cards and filterable; below it the site plan with every area coloured by the
// highest priority of its active incidents (asset incidents through the asset's area).
// Right: the selected incident — its figures (confidence, time to failure), the operator's
// actions (acknowledge, take into handling, resolve with a comment, review with root cause
// and lessons; shown with the permissions incidents.operate / incidents.review), the
// evidence chain drawn on a timeline (one lane per piece of evidence: since when it is
// present, how far from its baseline against the threshold; the timeline's entries and the
// confidence above it, the predicted failure time), the recommended actions and the
// procedure, the trends of the evidence tags (trendview.js), the alarm fragments folded into
// the incident (collapsed) and its record. Everything follows the live incident feed
// (../incidentfeed.js: SSE "incident" events with polling fallback).
import { h, s } from '../dom.js';
import { t, getLang, enumLabel, pickName } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, panel, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fmtDateTime, timeTicks, trendChart } from '../chart.js';
import { getObj, fetchAll, prime } from '../lookup.js';
import { loadEcharts } from '../echarts-loader.js';
import { trendView } from '../trendview.js';
import { PRIORITIES, PRIO_RANK } from '../alarmfeed.js';
import {
  subscribe, onIncidentEvent, activeIncidents, applyIncident, reloadIncidents, isUnackIncident,
  INCIDENT_STATES, ACTIVE_STATES,
} from '../incidentfeed.js';

const OPERATE = ['incidents', 'operate'].join('.');
const REVIEW = ['incidents', 'review'].join('.');
export const STATE_FILTERS = ['active', ...INCIDENT_STATES, 'all'];
export const KIND_FILTERS = ['', 'process', 'sensor_check'];
const TREND_WINDOWS = [['1h', 3600], ['8h', 8 * 3600], ['24h', 86400], ['7d', 7 * 86400]];
const DETAIL_RELOAD_MS = 300;
const NARROW = '(max-width: 1100px)';

const perm = (user, p) => ((user && user.permissions) || []).includes(p);
const ms = (iso) => (iso ? Date.parse(iso) : NaN);
const isNum = (v) => v !== null && v !== undefined && Number.isFinite(+v);
const pct = (c) => (isNum(c) ? `${num(c * 100, 1)}%` : DASH);

/** The incident's name in the console's language. */
export function incidentName(inc) {
  if (!inc) return '';
  return getLang() === 'en' ? inc.name || inc.name_zh || inc.mode : inc.name_zh || inc.name || inc.mode;
}

function ttfText(hours) {
  if (!isNum(hours)) return DASH;
  if (hours < 1) return t('cr.ttf_minutes', { n: num(Math.max(1, Math.round(hours * 60)), 0) });
  return t('cr.ttf_hours', { n: num(hours, 1) });
}

/** The time to failure counted from now: the predicted failure time less now (negative: passed). */
function ttfFromNow(inc) {
  const fail = failureAt(inc);
  return Number.isFinite(fail) ? (fail - Date.now()) / 3600e3 : NaN;
}

/** "≈ 2.1 h" from now, or "past the predicted time" once it has passed. */
function ttfNowText(inc) {
  const h = ttfFromNow(inc);
  if (!Number.isFinite(h)) return DASH;
  return h <= 0 ? t('cr.ttf_passed') : ttfText(h);
}

/** Predicted failure time (ms): the last change plus the time to failure, while it applies. */
function failureAt(inc) {
  if (!inc || !isNum(inc.ttf_hours) || !inc.is_evidence_active || !ACTIVE_STATES.includes(inc.state)) return NaN;
  return ms(inc.updated) + inc.ttf_hours * 3600e3;
}

function fmtClock(msv, withSeconds = false) {
  return new Intl.DateTimeFormat(getLang(), {
    hour: '2-digit', minute: '2-digit', second: withSeconds ? '2-digit' : undefined, hourCycle: 'h23',
  }).format(new Date(msv));
}

export function incPrioBadge(p) {
  return h('span', { class: `prio-badge prio-${p}`, 'data-testid': 'incident-priority' }, enumLabel('alarm_priority', p));
}
export function levelBadge(level) {
  return h('span', { class: `level-badge lvl-${level}`, 'data-testid': 'incident-level', 'data-level': level }, enumLabel('incident_level', level));
}
export function incStateBadge(state) {
  return h('span', { class: `state-badge ist-${state}`, 'data-testid': 'incident-state', 'data-state': state }, enumLabel('incident_state', state));
}

/** A message for a failed action: the server's text (it names the state on 409), with a hint by status. */
function actionError(e) {
  const key = e.status === 409 ? 'cr.err_conflict' : e.status === 403 ? 'error.no_permission_title'
    : e.status === 400 ? 'cr.err_invalid' : e.status === 0 ? 'error.network_title' : 'cr.err_action';
  return `${t(key)}${e.message && e.status !== 0 ? `: ${e.message}` : ''}`;
}

async function postAction(id, action, body) {
  const inc = await api(`/incidents/${id}/${action}`, { method: 'POST', body: body || {} });
  applyIncident(inc);
  return inc;
}

// ---- evidence: wording ---------------------------------------------------------------------

const signalLabel = (e) => (e.signal ? enumLabel('signal_role', e.signal) : enumLabel('evidence_term', e.term));

/** {reading, delta, base, rule} of a piece of evidence as text (unit: its tag's unit). */
export function evidenceFigures(e, unit = '') {
  const u = unit ? ` ${unit}` : '';
  const signed = (v, d = 2) => `${v > 0 ? '+' : ''}${num(v, d)}`;
  const cmp = { '>=': '≥', '<=': '≤' }[e.cmp] || e.cmp;
  const rule = e.cmp && isNum(e.threshold)
    ? `${enumLabel('evidence_term', e.term)} ${cmp} ${num(e.threshold)}${e.term === 'relative' ? '%' : ''}`
    : enumLabel('evidence_term', e.term);
  const out = { reading: DASH, delta: DASH, base: DASH, rule };
  const v = isNum(e.value) ? +e.value : null;
  const x = isNum(e.expected) ? +e.expected : null;
  if (x !== null) out.base = `${num(x, 2)}${u}`;
  if (v === null) return out;
  switch (e.term) {
    case 'deviation':
      out.delta = `${signed(v)}${u}`;
      if (x !== null) out.reading = `${num(x + v, 2)}${u}`;
      break;
    case 'relative':
      out.delta = `${signed(v, 1)}%`;
      if (x !== null) out.reading = `${num(x * (1 + v / 100), 2)}${u}`;
      break;
    case 'ratio':
      out.delta = `×${num(v, 2)}`;
      if (x !== null) out.reading = `${num(x * v, 2)}${u}`;
      break;
    case 'level':
      out.reading = `${num(v, 2)}${u}`;
      out.delta = out.reading;
      break;
    case 'slope':
      out.delta = t('cr.per_hour', { v: `${signed(v)}${u}` });
      break;
    case 'before':
      out.delta = t('alarms.seconds', { n: num(v, 0) });
      break;
    default:
      out.delta = num(v, 2);
  }
  return out;
}

/** How far the value is towards (1) and beyond the threshold: 0..2, or null when not comparable. */
export function thresholdShare(e) {
  if (!isNum(e.value) || !isNum(e.threshold) || !e.cmp) return null;
  const v = +e.value;
  const th = +e.threshold;
  if (v === 0 || th === 0 || Math.sign(v) !== Math.sign(th)) return v === 0 || Math.sign(v) !== Math.sign(th) ? 0 : null;
  const r = e.cmp.startsWith('>') ? v / th : th / v;
  return Math.max(0, Math.min(2, r));
}

function meter(e) {
  const share = thresholdShare(e);
  if (share === null) return null;
  return h('span', { class: `ev-meter${e.state === 'present' ? ' on' : ''}`, title: `${num(share * 100, 0)}%`, 'aria-hidden': 'true' },
    h('span', { class: 'ev-meter-fill', style: `width:${(share * 50).toFixed(1)}%` }),
    h('span', { class: 'ev-meter-mark' }));
}

// ---- evidence chain: the intervals ----------------------------------------------------------

/**
 * The evidence chain over time, from the snapshots the reasoner left in the timeline and the
 * incident's latest one: [{e, view, intervals: [{from, to|null}]}] in rule order. e is the
 * latest state of the piece; view the latest snapshot that had a tag and a value (while the
 * piece was present, if ever): once the data stops, the pieces turn unknown without either.
 * to = null: still present (drawn to the right edge).
 */
export function chainIntervals(inc) {
  const snaps = [];
  for (const en of inc.timeline || []) {
    if (en.detail && Array.isArray(en.detail.evidence)) snaps.push({ t: ms(en.t), ev: en.detail.evidence });
  }
  snaps.push({ t: ms(inc.updated), ev: inc.evidence || [] });
  snaps.sort((a, b) => a.t - b.t);
  const live = inc.is_evidence_active && ACTIVE_STATES.includes(inc.state);
  // evidence still present when the incident was resolved: it ends with the incident
  const endOf = inc.evidence_cleared ? ms(inc.evidence_cleared)
    : Math.max(ms(inc.updated), inc.resolved_at ? ms(inc.resolved_at) : -Infinity);
  return (inc.evidence || []).map((latest) => {
    const intervals = [];
    let open = null;
    let view = null;
    let viewPresent = false;
    for (const sn of snaps) {
      const e = sn.ev.find((x) => x.id === latest.id);
      if (!e) continue;
      const since = ms(e.since);
      if (e.state === 'present' || (!viewPresent && (e.tag_id || isNum(e.value)))) {
        view = e;
        viewPresent = e.state === 'present';
      }
      if (e.state === 'present') {
        if (!open) open = { from: Number.isFinite(since) ? since : sn.t, to: null };
      } else if (open) {
        open.to = Math.max(open.from, Number.isFinite(since) ? since : sn.t);
        intervals.push(open);
        open = null;
      }
    }
    if (open) {
      if (!live) open.to = Math.max(open.from, endOf);
      intervals.push(open);
    }
    return { e: latest, view: view || latest, intervals };
  });
}

/** The confidence after each of the reasoner's changes: [{t, c, level}]. */
function confidenceSteps(inc) {
  const out = [];
  for (const en of inc.timeline || []) {
    if (en.actor !== 'reasoner' || !en.detail || !isNum(en.detail.confidence)) continue;
    out.push({ t: ms(en.t), c: +en.detail.confidence, level: en.detail.level });
  }
  if (!out.length && Number.isFinite(ms(inc.opened))) out.push({ t: ms(inc.opened), c: inc.confidence, level: inc.level });
  return out.sort((a, b) => a.t - b.t);
}

// ---- evidence chain: the time axis ------------------------------------------------------------

const BREAK_PX = 22;
const GAP_MIN_MS = 20 * 60e3;

/**
 * A time scale over [x0, x1] px for the given times, with the long quiet gaps (longer than
 * 20 min and a quarter of the span: e.g. between the reasoner's evidence and a person's
 * acknowledgement hours later) cut out and drawn as breaks.
 * → {x(ms), segs: [{a, b, x0, x1}], breaks: [x], from, to}
 */
export function brokenScale(times, x0, x1) {
  const ts = [...new Set(times.filter(Number.isFinite))].sort((a, b) => a - b);
  if (!ts.length) { const now = Date.now(); ts.push(now - 3600e3, now); }
  const span = Math.max(ts[ts.length - 1] - ts[0], 60e3);
  const clusters = [[ts[0], ts[0]]];
  for (let i = 1; i < ts.length; i++) {
    const gap = ts[i] - ts[i - 1];
    if (gap > GAP_MIN_MS && gap > 0.25 * span) clusters.push([ts[i], ts[i]]);
    else clusters[clusters.length - 1][1] = ts[i];
  }
  const padded = clusters.map(([a, b]) => {
    const pad = Math.max(60e3, (b - a) * 0.08);
    return [a - pad, b + pad];
  });
  const width = Math.max(40, x1 - x0 - (padded.length - 1) * BREAK_PX);
  // a lone moment (now, the predicted failure) gets a narrow fixed slot, the rest share the width
  const isPoint = clusters.map(([a, b]) => b - a < 120e3 && clusters.length > 1);
  const pointPx = Math.min(48, width / (2 * clusters.length));
  const rest = Math.max(20, width - pointPx * isPoint.filter(Boolean).length);
  const total = padded.reduce((acc, [a, b], i) => acc + (isPoint[i] ? 0 : b - a), 0) || 1;
  const nWide = isPoint.filter((p) => !p).length;
  let shares = padded.map(([a, b], i) => (isPoint[i] ? 0 : Math.max((b - a) / total, nWide > 1 ? 0.2 : 1)));
  const sum = shares.reduce((a, b) => a + b, 0) || 1;
  shares = shares.map((v) => v / sum);
  const segs = [];
  const breaks = [];
  let x = x0;
  padded.forEach(([a, b], i) => {
    if (i) { breaks.push(x + BREAK_PX / 2); x += BREAK_PX; }
    const w = isPoint[i] ? pointPx : shares[i] * rest;
    segs.push({ a, b, x0: x, x1: x + w });
    x += w;
  });
  const scale = (tm) => {
    if (!Number.isFinite(tm)) return NaN;
    if (tm <= segs[0].a) return segs[0].x0;
    for (let i = 0; i < segs.length; i++) {
      const sg = segs[i];
      if (tm <= sg.b) return sg.x0 + ((tm - sg.a) / (sg.b - sg.a || 1)) * (sg.x1 - sg.x0);
      if (i + 1 < segs.length && tm < segs[i + 1].a) return sg.x1 + BREAK_PX / 2;
    }
    return segs[segs.length - 1].x1;
  };
  return { x: scale, segs, breaks, from: segs[0].a, to: segs[segs.length - 1].b };
}

// ---- evidence chain: the drawing ---------------------------------------------------------------

/** About how wide a text is drawn (px): CJK characters are square, the rest about half. */
function textWidth(text, size) {
  let w = 0;
  for (const ch of String(text)) w += ch.charCodeAt(0) > 0x2e80 ? size : size * 0.56;
  return w;
}

const MARK_KINDS = ['opened', 'level', 'evidence_cleared', 'evidence_returned', 'acknowledged', 'in_handling', 'resolved', 'reviewed', 'comment'];

/** evidenceChain() → {el, update(inc, units), destroy()}: the inline-SVG timeline of the chain. */
export function evidenceChain() {
  const svg = s('svg', { class: 'chain-chart', role: 'img', 'data-testid': 'cr-chain', 'data-lanes': 0 });
  const tip = h('div', { class: 'trend-tip', hidden: true, 'data-testid': 'cr-chain-tip' });
  const el = h('div', { class: 'trend-wrap chain-wrap' }, svg, tip);
  let last = null;
  let drawn = 0;
  const width = () => Math.max(280, Math.round(el.clientWidth || 640));

  function hover(node, lines) {
    node.addEventListener('pointerenter', () => {
      tip.replaceChildren(...lines.map((l, i) => h('div', { class: i ? 'tip-line' : 'tip-time' }, l)));
      tip.hidden = false;
      const box = svg.getBoundingClientRect();
      const nb = node.getBoundingClientRect();
      tip.style.left = `${Math.max(0, Math.min(box.width - 220, nb.left - box.left))}px`;
      tip.style.top = `${Math.max(0, nb.bottom - box.top + 4)}px`;
    });
    node.addEventListener('pointerleave', () => { tip.hidden = true; });
  }

  function draw() {
    if (!last) return;
    const { inc, units } = last;
    const W = width();
    drawn = W;
    const narrow = W < 560;
    const M = { left: narrow ? 104 : 176, right: narrow ? 10 : 18, top: 24 };
    const ROW_EVENTS = 34;
    const LANE = narrow ? 44 : 40;
    const CONF = 46;
    const chain = chainIntervals(inc);
    const steps = confidenceSteps(inc);
    const marks = (inc.timeline || []).filter((en) => MARK_KINDS.includes(en.kind)).map((en) => ({ ...en, ms: ms(en.t) }));
    const fail = failureAt(inc);
    const live = inc.is_evidence_active && ACTIVE_STATES.includes(inc.state);
    const now = Date.now();
    const times = live ? [now] : [];
    for (const { intervals } of chain) for (const iv of intervals) { times.push(iv.from); if (iv.to !== null) times.push(iv.to); }
    for (const m of marks) times.push(m.ms);
    times.push(ms(inc.opened), ms(inc.diagnosed), ms(inc.evidence_cleared), fail);
    const sc = brokenScale(times, M.left, W - M.right);
    const X = sc.x;
    const right = W - M.right;
    // while the evidence is present the bars run until now (or their latest start, for data stamped ahead)
    let liveEnd = X(now);
    for (const { intervals } of chain) for (const iv of intervals) if (iv.to === null) liveEnd = Math.max(liveEnd, X(iv.from) + 3);
    const yEvents = M.top;
    const yLanes = yEvents + ROW_EVENTS;
    const yConf = yLanes + chain.length * LANE + 6;
    const H = yConf + CONF + (live ? 20 : 8);
    const f = (v) => (+v).toFixed(1);
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    svg.setAttribute('aria-label', t('cr.chain_label', { name: incidentName(inc) }));
    svg.setAttribute('data-lanes', chain.length);
    svg.setAttribute('data-breaks', sc.breaks.length);
    svg.replaceChildren();

    // the time axis: ticks per segment, breaks between them
    const axis = s('g', { class: 'axis' });
    for (const sg of sc.segs) {
      if (sg.x1 - sg.x0 < 70) continue; // a lone moment: its guide line has the label
      const { ticks, step } = timeTicks(sg.a, sg.b, sg.x1 - sg.x0, narrow ? 52 : 84);
      for (const tk of ticks) {
        const x = f(X(tk));
        axis.append(s('line', { class: 'grid-line v', x1: x, x2: x, y1: M.top - 4, y2: H - 6 }),
          s('text', { x, y: 14, 'text-anchor': 'middle' }, fmtClock(tk, step < 60000)));
      }
    }
    svg.append(axis);
    for (const bx of sc.breaks) {
      svg.append(s('g', { class: 'axis-break', 'data-testid': 'cr-chain-break' },
        s('rect', { x: f(bx - BREAK_PX / 2 + 3), y: M.top - 6, width: BREAK_PX - 6, height: H - M.top }),
        s('path', { d: `M${f(bx - 5)},${M.top - 2} l4,-6 l3,8 l4,-6` }),
        s('text', { x: f(bx), y: 14, 'text-anchor': 'middle' }, '≈')));
    }

    // row labels
    const labels = s('g', { class: 'row-label' });
    labels.append(s('text', { x: 6, y: yEvents + 20 }, t('cr.chain_events')));
    labels.append(s('text', { x: 6, y: yConf + 18 }, t('cr.confidence')));
    svg.append(labels);
    svg.append(s('line', { class: 'row-sep', x1: 0, x2: W, y1: yLanes - 2, y2: yLanes - 2 }),
      s('line', { class: 'row-sep', x1: 0, x2: W, y1: yConf, y2: yConf }));

    // guide lines: first early warning, diagnosis, evidence cleared, predicted failure
    const guide = (tm, cls, label, testid) => {
      if (!Number.isFinite(tm)) return;
      const x = f(X(tm));
      svg.append(s('g', { class: `guide ${cls}`, 'data-testid': testid },
        s('line', { x1: x, x2: x, y1: yEvents, y2: yConf + CONF }),
        label ? s('text', { x: f(+x + 3), y: yConf + CONF + 4, 'text-anchor': +x > W - 90 ? 'end' : 'start' }, label) : null));
    };
    guide(ms(inc.opened), 'g-open', null, 'cr-guide-opened');
    guide(ms(inc.diagnosed), 'g-diag', null, 'cr-guide-diagnosed');
    guide(ms(inc.evidence_cleared), 'g-clear', null, 'cr-guide-cleared');
    let failSpan = null;
    if (Number.isFinite(fail)) {
      const x = X(fail);
      const label = t('cr.failure_at', { time: fmtClock(fail) });
      failSpan = [x - 3 - textWidth(label, 11), x - 3];
      svg.append(s('g', { class: 'guide g-fail', 'data-testid': 'cr-guide-failure' },
        s('line', { x1: f(x), x2: f(x), y1: yEvents, y2: yConf + CONF }),
        s('text', { x: f(x - 3), y: yEvents + 10, 'text-anchor': 'end' }, label)));
    }

    // the events row: one marker per timeline entry
    const evRow = s('g', { class: 'marks' });
    const placed = [[], failSpan ? [failSpan] : []]; // label spans [x0, x1] on the two label levels (the upper one has the failure's)
    const xs = marks.map((m) => X(m.ms));
    for (const [mi, m] of marks.entries()) {
      const x = xs[mi];
      const lvl = m.detail && m.detail.level;
      const cls = m.kind === 'opened' || m.kind === 'level' || m.kind === 'evidence_returned' ? `mk-${lvl || 'early_warning'}` : `mk-${m.kind}`;
      const y = yEvents + 18;
      let shape;
      if (m.actor === 'reasoner') shape = s('path', { d: `M${f(x)},${y - 7} l7,7 l-7,7 l-7,-7z` });
      else shape = s('circle', { cx: f(x), cy: y, r: 6 });
      const g = s('g', { class: `mark ${cls}`, 'data-testid': 'cr-mark', 'data-kind': m.kind, tabindex: 0 }, shape);
      // a short label where there is room: right of the marker, or above it
      const text = m.kind === 'level' || m.kind === 'opened' ? enumLabel('incident_level', lvl || 'early_warning') : enumLabel('timeline_kind', m.kind);
      const span = [x + 9, x + 9 + textWidth(text, 11)];
      const free = (lv) => span[1] <= W && !placed[lv].some(([a, b]) => a < span[1] + 4 && span[0] < b + 4)
        && (lv === 1 || !xs.some((ox, j) => j !== mi && ox > x && ox - 8 < span[1]));
      const lv = free(0) ? 0 : free(1) ? 1 : -1;
      if (lv >= 0) {
        g.append(s('text', { x: f(span[0]), y: lv ? y - 8 : y + 4 }, text));
        placed[lv].push(span);
      }
      const lines = [fmtDateTime(m.ms), `${enumLabel('timeline_kind', m.kind)} · ${m.actor === 'reasoner' ? t('cr.actor_reasoner') : m.actor}`];
      if (m.detail && isNum(m.detail.confidence)) lines.push(`${t('cr.confidence')} ${pct(m.detail.confidence)}`);
      if (m.detail && m.detail.comment) lines.push(m.detail.comment);
      hover(g, lines);
      evRow.append(g);
    }
    svg.append(evRow);

    if (live) {
      const x = f(liveEnd);
      svg.append(s('g', { class: 'guide g-now', 'data-testid': 'cr-guide-now' },
        s('line', { x1: x, x2: x, y1: yEvents, y2: yConf + CONF }),
        s('text', { x, y: yConf + CONF + 14, 'text-anchor': 'middle' }, t('cr.now'))));
    }

    // one lane per piece of evidence
    chain.forEach(({ e, view, intervals }, i) => {
      const y = yLanes + i * LANE;
      const unit = units.get(view.tag_id) || '';
      const fig = evidenceFigures(view, unit);
      const tag = view.tag || '';
      const g = s('g', {
        class: `lane ev-${e.state}`, 'data-testid': 'cr-lane', 'data-evidence': e.id, 'data-state': e.state,
        'data-tag': tag, 'data-since': e.since || '', 'data-present': intervals.length ? intervals.map((iv) => new Date(iv.from).toISOString()).join(',') : '',
      });
      if (i % 2) g.append(s('rect', { class: 'lane-bg', x: 0, y, width: W, height: LANE }));
      g.append(s('text', { class: 'lane-name', x: 6, y: y + 16 }, signalLabel(e)),
        s('text', { class: 'lane-tag', x: 6, y: y + 30 }, tag ? (narrow ? tag.split('.').slice(-1)[0] : tag) : e.id));
      const barY = y + LANE - 17;
      if (!intervals.length) {
        g.append(s('line', { class: 'lane-none', x1: M.left, x2: right, y1: barY + 5, y2: barY + 5 }),
          s('text', { class: 'lane-note', x: M.left + 4, y: barY - 3 },
            `${enumLabel('evidence_state', e.state)}${isNum(e.value) ? ` · ${fig.delta}` : ''}`));
      }
      intervals.forEach((iv, k) => {
        const x0 = X(iv.from);
        const x1 = iv.to === null ? liveEnd : Math.max(X(iv.to), x0 + 3);
        const bar = s('rect', { class: `cr-bar prio-${inc.priority}${iv.to === null ? ' ongoing' : ''}`, 'data-testid': 'cr-bar',
          x: f(x0), y: barY, width: f(Math.max(3, x1 - x0)), height: 10, rx: 2 });
        g.append(bar, s('circle', { class: 'bar-start', cx: f(x0), cy: barY + 5, r: 4.5 }));
        if (iv.to === null) g.append(s('path', { class: 'bar-arrow', d: `M${f(x1 - 1)},${barY - 2} l6,7 l-6,7z` }));
        if (k === intervals.length - 1) {
          const txt = narrow ? `${fmtClock(iv.from)} ${fig.delta}`
            : `${fmtClock(iv.from, true)} · ${fig.delta}${fig.base !== DASH ? ` (${t('cr.baseline')} ${fig.base})` : ''} · ${fig.rule}`;
          const tx = Math.min(x0, right - textWidth(txt, 11.5));
          g.append(s('text', { class: 'lane-note', x: f(Math.max(M.left + 2, tx)), y: barY - 3 }, txt));
        }
        hover(bar, [`${signalLabel(e)} · ${tag || e.id}`,
          `${t('cr.present_since')} ${fmtDateTime(iv.from)}${iv.to !== null ? ` – ${fmtDateTime(iv.to)}` : ''}`,
          `${t('cr.col_value')} ${fig.delta}${fig.reading !== DASH && fig.reading !== fig.delta ? ` = ${fig.reading}` : ''}`,
          `${t('cr.baseline')} ${fig.base} · ${fig.rule}`, `${t('cr.col_lr')} ${num(e.lr)}`]);
      });
      svg.append(g);
    });

    // confidence: a step line 0..100 %
    const cy = (c) => yConf + CONF - 6 - c * (CONF - 14);
    const conf = s('g', { class: 'conf', 'data-testid': 'cr-confidence' });
    conf.append(s('line', { class: 'conf-ref', x1: M.left, x2: right, y1: f(cy(0.5)), y2: f(cy(0.5)) }),
      s('text', { class: 'conf-axis', x: M.left - 4, y: f(cy(0.5) + 4), 'text-anchor': 'end' }, '50%'));
    if (steps.length) {
      let d = `M${f(X(steps[0].t))},${f(cy(steps[0].c))}`;
      for (let i = 1; i < steps.length; i++) d += `H${f(X(steps[i].t))}V${f(cy(steps[i].c))}`;
      const endX = live ? liveEnd : X(steps[steps.length - 1].t);
      d += `H${f(endX)}`;
      conf.append(s('path', { class: 'conf-line', d }));
      let lastX = -1e9;
      for (const st of steps) {
        const x = X(st.t);
        conf.append(s('circle', { class: `conf-dot lvl-${st.level}`, cx: f(x), cy: f(cy(st.c)), r: 3 }));
        if (x - lastX > 40) {
          conf.append(s('text', { class: 'conf-val', x: f(x + 4), y: f(cy(st.c) - 4) }, pct(st.c)));
          lastX = x;
        }
      }
    }
    svg.append(conf);
  }

  const ro = typeof ResizeObserver === 'function'
    ? new ResizeObserver(() => { if (last && Math.abs(width() - drawn) > 2) draw(); }) : null;
  if (ro) ro.observe(el);
  return { el, update(inc, units) { last = { inc, units: units || new Map() }; draw(); }, destroy() { if (ro) ro.disconnect(); } };
}

// ---- the site plan coloured by incidents --------------------------------------------------------

function asPolygon(poly) {
  if (typeof poly === 'string') { try { return JSON.parse(poly); } catch { return null; } }
  return poly;
}
const okPoly = (p) => Array.isArray(p) && p.length >= 3 && p.every((q) => Array.isArray(q) && q.length >= 2 && isNum(q[0]) && isNum(q[1]));

/** The highest priority among incidents (lowest rank). */
function topPriority(list) {
  let best = null;
  for (const i of list) if (!best || (PRIO_RANK[i.priority] ?? 9) < (PRIO_RANK[best] ?? 9)) best = i.priority;
  return best;
}

/** siteMap({onPick}) → {el, update(incidents, selectedId)}: every area of a site, coloured by its active incidents. */
function siteMap({ onPick }) {
  const body = h('div', { class: 'cr-map-body' }, loading());
  const siteSel = h('select', { 'data-testid': 'cr-map-site', 'aria-label': t('field.site'), hidden: true });
  const el = h('div', { class: 'cr-map', 'data-testid': 'cr-map' }, h('div', { class: 'cr-map-tools' }, siteSel), body);
  let areas = null;
  let sites = [];
  let siteId = null;
  let pinned = false;
  let lastArgs = null;
  const assets = new Map(); // asset id → asset (area_id, x, y, code)

  Promise.all([fetchAll('/areas', {}, 1000), fetchAll('/sites', {}, 100).catch(() => [])]).then(([a, st]) => {
    prime('areas', a);
    areas = a;
    sites = st;
    if (sites.length > 1) {
      siteSel.replaceChildren(...sites.map((x) => h('option', { value: String(x.id) }, pickName(x))));
      siteSel.hidden = false;
    }
    if (lastArgs) update(...lastArgs);
  }).catch((e) => { body.replaceChildren(problemBox(e)); });
  siteSel.addEventListener('change', () => { siteId = Number(siteSel.value); pinned = true; if (lastArgs) update(...lastArgs); });

  function areaOf(inc) {
    if (inc.scope_type === 'area') return inc.scope_id;
    const a = assets.get(inc.scope_id);
    return a ? a.area_id : undefined;
  }

  function update(incidents, selectedId) {
    lastArgs = [incidents, selectedId];
    if (!areas) return;
    // asset incidents: their asset's area and position (fetched once)
    const missing = incidents.filter((i) => i.scope_type === 'asset' && !assets.has(i.scope_id));
    if (missing.length) {
      Promise.all(missing.map((i) => getObj('assets', i.scope_id).then((a) => assets.set(i.scope_id, a || { area_id: null }))))
        .then(() => { if (lastArgs) update(...lastArgs); });
    }
    const sel = incidents.find((i) => i.id === selectedId);
    if (!pinned) siteId = (sel && sel.site_id) || (incidents[0] && incidents[0].site_id) || (areas[0] && areas[0].site_id) || null;
    if (siteSel.options.length) siteSel.value = String(siteId);
    const mine = areas.filter((a) => a.site_id === siteId && okPoly(asPolygon(a.polygon)));
    if (!mine.length) { body.replaceChildren(h('p', { class: 'muted', 'data-testid': 'cr-map-none' }, t('cr.map_none'))); return; }
    const byArea = new Map();
    for (const i of incidents) {
      const aid = areaOf(i);
      if (aid === undefined || aid === null) continue;
      if (!byArea.has(aid)) byArea.set(aid, []);
      byArea.get(aid).push(i);
    }
    const pts = [];
    for (const a of mine) for (const p of asPolygon(a.polygon)) pts.push([+p[0], +p[1]]);
    let minX = Math.min(...pts.map((p) => p[0])), maxX = Math.max(...pts.map((p) => p[0]));
    let minY = Math.min(...pts.map((p) => p[1])), maxY = Math.max(...pts.map((p) => p[1]));
    const pad = Math.max(maxX - minX, maxY - minY, 10) * 0.03;
    minX -= pad; maxX += pad; minY -= pad; maxY += pad;
    const w = maxX - minX;
    const hh = maxY - minY;
    const X = (x) => (+x - minX).toFixed(2);
    const Y = (y) => (maxY - +y).toFixed(2);
    const unit = Math.max(w, hh) / 100;
    const svg = s('svg', { class: 'site-map', viewBox: `0 0 ${w.toFixed(2)} ${hh.toFixed(2)}`, role: 'img', 'aria-label': t('cr.map'), preserveAspectRatio: 'xMidYMid meet' });
    for (const a of mine) {
      const poly = asPolygon(a.polygon);
      const list = byArea.get(a.id) || [];
      const prio = topPriority(list);
      const hasSel = list.some((i) => i.id === selectedId);
      const g = s('g', {
        class: `cr-area${prio ? ` prio-${prio}` : ''}${hasSel ? ' is-selected' : ''}${a.kind === 'road' ? ' is-road' : ''}`,
        'data-testid': 'cr-map-area', 'data-area-id': a.id, 'data-code': a.code, 'data-priority': prio || '', 'data-count': list.length,
        tabindex: list.length ? 0 : null,
      },
      s('polygon', { points: poly.map((p) => `${X(p[0])},${Y(p[1])}`).join(' ') }),
      s('title', null, `${a.code} ${pickName(a)}${list.length ? ` · ${t('cr.map_area_count', { n: list.length })}` : ''}`));
      if (a.kind !== 'road') {
        const cx = poly.reduce((acc, p) => acc + +p[0], 0) / poly.length;
        const cyv = poly.reduce((acc, p) => acc + +p[1], 0) / poly.length;
        g.append(s('text', { class: 'area-label', x: X(cx), y: Y(cyv), 'text-anchor': 'middle', 'font-size': (unit * 3.2).toFixed(2) }, a.code));
        const ys = poly.map((p) => +p[1]);
        if (list.length && Math.max(...ys) - Math.min(...ys) > 14 * unit) {
          g.append(s('text', { class: 'area-count', x: X(cx), y: (+Y(cyv) + unit * 4.2).toFixed(2), 'text-anchor': 'middle', 'font-size': (unit * 3).toFixed(2) },
            t('cr.map_area_count', { n: list.length })));
        }
      }
      if (list.length) {
        const pick = () => onPick(list.slice().sort((x, y) => (PRIO_RANK[x.priority] ?? 9) - (PRIO_RANK[y.priority] ?? 9))[0].id);
        g.addEventListener('click', pick);
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
      }
      svg.append(g);
    }
    // the assets of asset incidents, where they stand
    for (const i of incidents) {
      if (i.scope_type !== 'asset') continue;
      const a = assets.get(i.scope_id);
      if (!a || !isNum(a.x) || !isNum(a.y) || a.x === null || a.y === null) continue;
      const mk = s('circle', {
        class: `cr-asset prio-${i.priority}${isUnackIncident(i) ? ' is-unack' : ''}${i.id === selectedId ? ' is-selected' : ''}`,
        'data-testid': 'cr-map-asset', 'data-incident-id': i.id, cx: X(a.x), cy: Y(a.y), r: (unit * 1.6).toFixed(2),
      }, s('title', null, `${i.scope_code} · ${incidentName(i)}`));
      mk.addEventListener('click', (ev) => { ev.stopPropagation(); onPick(i.id); });
      svg.append(mk);
    }
    const legend = h('div', { class: 'map-legend' },
      PRIORITIES.map((p) => h('span', null, h('i', { class: `lg-prio prio-${p}` }), enumLabel('alarm_priority', p))),
      h('span', null, h('i', { class: 'lg-none' }), t('cr.map_quiet')));
    body.replaceChildren(h('figure', { class: 'map-figure' }, svg, legend));
  }

  return { el, update };
}

// ---- the trends of the evidence tags --------------------------------------------------------------

/**
 * trendsPanel({isAlive}) → {el, show(inc), destroy()}: one trend at a time (each holds a
 * stream), started once the panel scrolls into view (or a tag is picked): a trend opened
 * while a replay floods its tag with points reloads itself over and over (trendview.js).
 */
function trendsPanel({ isAlive }) {
  const buttons = h('div', { class: 'seg cr-trend-tags', role: 'group', 'aria-label': t('cr.trend_tag') });
  const status = h('p', { class: 'trend-status small', role: 'status', 'data-testid': 'cr-trend-status' });
  const body = h('div', { class: 'trend-body' });
  const el = panel('cr.trends', h('div', null, buttons, body, status), {
    testid: 'cr-trends', cls: 'trend-panel',
    extra: h('a', { class: 'btn act', 'data-testid': 'cr-trend-open', href: '#', hidden: true }, t('cr.trend_open')),
  });
  const openLink = el.querySelector('[data-testid="cr-trend-open"]');
  let view = null;
  let key = '';
  let current = null;
  let win = 3600;
  let stopped = false;
  let pending = null;  // the tag to show once the panel is in view
  let inView = typeof IntersectionObserver !== 'function';
  const io = inView ? null : new IntersectionObserver((entries) => {
    inView = entries.some((e) => e.isIntersecting);
    if (inView && pending !== null) { const tg = pending; pending = null; showTag(tg); }
  });
  if (io) io.observe(el);

  function stopView() { if (view) view.destroy(); view = null; }

  async function showTag(tagId) {
    pending = null;
    current = tagId;
    for (const b of buttons.children) b.setAttribute('aria-pressed', String(b.getAttribute('data-tag-id') === String(tagId)));
    stopView();
    openLink.href = `#/tags/${tagId}`;
    openLink.hidden = false;
    body.replaceChildren(h('div', { class: 'trend-loading' }, h('span', { class: 'spinner' })));
    const [tag, echarts] = await Promise.all([getObj('tags', tagId), loadEcharts()]);
    if (stopped || current !== tagId || !isAlive()) return;
    if (!tag) { body.replaceChildren(h('p', { class: 'muted' }, t('error.load_failed'))); return; }
    const alive = () => !stopped && current === tagId && isAlive();
    const onStatus = (text, isError) => { status.textContent = text; status.classList.toggle('error', !!isError); };
    if (echarts) {
      view = trendView({ echarts, tag, win, onStatus, isAlive: alive });
      body.replaceChildren(view.el);
      view.start();
      return;
    }
    // without ECharts: the plain SVG chart of the window, once
    const chart = trendChart({ unit: tag.unit || '', rangeLo: tag.range_lo, rangeHi: tag.range_hi, label: t('trend.chart_label', { key: tag.key }) });
    body.replaceChildren(h('p', { class: 'trend-note small' }, t('trend.fallback')), chart.el);
    const to = Date.now();
    const from = to - win * 1000;
    try {
      const tr = await api(`/tags/${tag.id}/trend`, { params: { from: new Date(from).toISOString(), to: new Date(to + 1000).toISOString(), points: Math.max(40, Math.min(4000, chart.width())) } });
      if (alive()) chart.update({ points: (tr && tr.points) || [], from, to: to + 1000 });
    } catch (e) { onStatus(`${t('trend.load_failed')}${e.message ? `: ${e.message}` : ''}`, true); }
  }

  function show(inc) {
    const tags = [];
    const seen = new Set();
    const ordered = chainIntervals(inc).sort((a, b) => (a.intervals.length ? 0 : 1) - (b.intervals.length ? 0 : 1)).map((c) => c.view);
    for (const e of ordered) {
      if (!e.tag_id || seen.has(e.tag_id)) continue;
      seen.add(e.tag_id);
      tags.push(e);
    }
    const k = `${inc.id}|${tags.map((e) => e.tag_id).join(',')}`;
    if (k === key) return;
    key = k;
    // a window that shows the evidence appearing: from a little before the first piece until now
    const first = Math.min(...chainIntervals(inc).flatMap((c) => c.intervals.map((iv) => iv.from)), ms(inc.opened));
    const need = Number.isFinite(first) ? (Date.now() - first) / 1000 + 900 : 3600;
    win = (TREND_WINDOWS.find((w) => w[1] >= need) || TREND_WINDOWS[TREND_WINDOWS.length - 1])[1];
    if (!tags.length) {
      stopView();
      buttons.replaceChildren();
      openLink.hidden = true;
      body.replaceChildren(h('p', { class: 'muted' }, t('cr.trend_none')));
      return;
    }
    buttons.replaceChildren(...tags.map((e) => h('button', {
      type: 'button', class: 'seg-btn', 'data-testid': 'cr-trend-tag', 'data-tag-id': e.tag_id, 'data-tag': e.tag || '',
      'aria-pressed': 'false', title: e.tag || '', onclick: () => showTag(e.tag_id),
    }, signalLabel(e))));
    const keep = tags.some((e) => e.tag_id === current) ? current : tags[0].tag_id;
    current = null;
    stopView();
    if (inView) { showTag(keep); return; }
    pending = keep;
    for (const b of buttons.children) b.setAttribute('aria-pressed', String(b.getAttribute('data-tag-id') === String(keep)));
    body.replaceChildren(h('div', { class: 'trend-loading' }, h('span', { class: 'spinner' })));
  }

  return { el, show, destroy() { stopped = true; stopView(); if (io) io.disconnect(); } };
}

// ---- dialogs -----------------------------------------------------------------------------------------

/**
 * A dialog with text areas: fields [{name, label, placeholder, required}]. submit(values)
 * posts and may throw ApiError (shown in the dialog); resolves after it closes.
 */
function textDialog({ testid, title, hint, fields: defs, submitLabel, submit }) {
  const err = h('p', { class: 'form-error', role: 'alert', 'data-testid': `${testid}-error`, hidden: true });
  const inputs = defs.map((d) => h('textarea', {
    rows: 3, maxlength: 4000, 'data-testid': `${testid}-${d.name}`, placeholder: d.placeholder || '',
    'aria-required': d.required ? 'true' : null,
  }));
  const submitBtn = h('button', { type: 'submit', class: 'btn primary', 'data-testid': `${testid}-submit` }, submitLabel);
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': `${testid}-cancel` }, t('alarms.cancel'));
  const form = h('form', { class: 'dialog-form', method: 'dialog' },
    h('h2', null, title),
    hint ? h('p', { class: 'muted small' }, hint) : null,
    defs.map((d, i) => h('label', { class: 'form-row' }, h('span', null, d.label), inputs[i])),
    err,
    h('div', { class: 'dialog-buttons' }, cancel, submitBtn));
  const dlg = h('dialog', { class: 'dialog', 'data-testid': testid }, form);
  document.body.append(dlg);
  const close = () => { dlg.close(); dlg.remove(); };
  cancel.addEventListener('click', close);
  dlg.addEventListener('cancel', () => dlg.remove());
  window.addEventListener('hashchange', () => { if (dlg.isConnected) close(); }, { once: true });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = {};
    for (let i = 0; i < defs.length; i++) {
      const v = inputs[i].value.trim();
      if (defs[i].required && !v) { err.textContent = t('cr.required', { field: defs[i].label }); err.hidden = false; inputs[i].focus(); return; }
      if (v) values[defs[i].name] = v;
    }
    submitBtn.disabled = true;
    try {
      await submit(values);
      close();
    } catch (e) {
      err.textContent = actionError(e);
      err.hidden = false;
    } finally {
      submitBtn.disabled = false;
    }
  });
  dlg.showModal();
  inputs[0].focus();
}

// ---- the page -------------------------------------------------------------------------------------------

export async function render(ctx) {
  ctx.setTitle(t('cr.title'));
  const q = ctx.query;
  const vals = {
    state: STATE_FILTERS.includes(q.state) ? q.state : 'active',
    kind: KIND_FILTERS.includes(q.kind) ? q.kind : '',
    incident: /^\d+$/.test(q.incident || '') ? Number(q.incident) : null,
  };
  const operate = perm(ctx.user, OPERATE);
  const review = perm(ctx.user, REVIEW);
  let stopped = false;
  const isAlive = () => !stopped && ctx.isCurrent();
  const sync = () => ctx.setQuery({ incident: vals.incident || '', state: vals.state === 'active' ? '' : vals.state, kind: vals.kind });

  // ---- page frame
  const status = h('span', { class: 'feed-status', 'data-testid': 'cr-feed-status', role: 'status' });
  const errBox = h('div', { class: 'form-error action-error', role: 'alert', 'data-testid': 'cr-action-error', hidden: true });
  const showError = (msg) => {
    errBox.replaceChildren(h('span', null, msg),
      h('button', { type: 'button', class: 'icon-btn close-err', 'aria-label': t('alarms.dismiss'), html: icons.close, onclick: () => { errBox.hidden = true; } }));
    errBox.hidden = false;
  };

  const stateSel = h('select', { 'data-testid': 'cr-filter-state', 'aria-label': t('cr.filter_state') },
    STATE_FILTERS.map((st) => h('option', { value: st, selected: vals.state === st },
      st === 'active' ? t('cr.state_active') : st === 'all' ? t('cr.state_all') : enumLabel('incident_state', st))));
  stateSel.addEventListener('change', () => { vals.state = stateSel.value; sync(); loadList(); });
  const kindBtns = KIND_FILTERS.map((k) => {
    const b = h('button', { type: 'button', class: 'seg-btn', 'data-testid': `cr-kind-${k || 'all'}`, 'aria-pressed': String(vals.kind === k) },
      k ? enumLabel('incident_kind', k) : t('list.all'));
    b.addEventListener('click', () => { vals.kind = k; for (const x of kindBtns) x.setAttribute('aria-pressed', String(x === b)); sync(); paintList(); });
    return b;
  });
  const listEl = h('ul', { class: 'cr-list', 'data-testid': 'cr-list', 'aria-label': t('cr.list') });
  const listEmpty = h('div', { class: 'empty', 'data-testid': 'cr-empty', hidden: true });
  const listProblem = h('div', { class: 'list-message', hidden: true });
  const count = h('span', { class: 'list-status', 'data-testid': 'cr-count' });
  const listPanel = h('section', { class: 'panel cr-list-panel', 'data-testid': 'cr-list-panel' },
    h('header', { class: 'panel-head' }, h('h2', null, t('cr.list')), count),
    h('div', { class: 'toolbar cr-tools' }, h('label', { class: 'filter' }, stateSel),
      h('div', { class: 'seg', role: 'group', 'aria-label': t('cr.filter_kind') }, kindBtns)),
    listProblem, listEl, listEmpty);
  const map = siteMap({ onPick: (id) => select(id, { scroll: true }) });
  const detail = h('div', { class: 'cr-detail', 'data-testid': 'cr-detail', 'aria-live': 'polite' });
  ctx.main.append(
    pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('cr.title') }], title: t('cr.title'), sub: t('cr.sub'), extra: status }),
    errBox,
    h('div', { class: 'cr-layout', 'data-testid': 'cr-page' },
      h('div', { class: 'cr-side' }, listPanel, panel('cr.map', map.el, { testid: 'cr-map-panel' })),
      detail));

  // ---- the list
  let listItems = [];   // as shown (state filter applied by the server, kind here)
  let listLoaded = false;
  let listSeq = 0;
  let listTimer = 0;

  async function loadList() {
    clearTimeout(listTimer);
    if (vals.state === 'active') { listItems = activeIncidents(); listLoaded = feedLoaded; paintList(); return; }
    const my = ++listSeq;
    try {
      const data = await api('/incidents', { params: { state: vals.state, limit: 500 } });
      if (my !== listSeq || !isAlive()) return;
      listItems = (data && data.items) || [];
      listLoaded = true;
      listProblem.hidden = true;
    } catch (e) {
      if (my !== listSeq || !isAlive()) return;
      listProblem.replaceChildren(problemBox(e, { retry: loadList }));
      listProblem.hidden = false;
    }
    paintList();
  }
  const loadListSoon = () => { clearTimeout(listTimer); listTimer = setTimeout(loadList, DETAIL_RELOAD_MS); };

  function card(inc) {
    const sensor = inc.kind === 'sensor_check';
    const unack = isUnackIncident(inc);
    const li = h('li', {
      class: `cr-item prio-${inc.priority}${unack ? ' is-unack' : ''}${sensor ? ' is-sensor' : ''}${inc.id === vals.incident ? ' is-selected' : ''}${inc.is_evidence_active ? '' : ' is-cleared'}`,
      tabindex: 0, role: 'button', 'aria-pressed': String(inc.id === vals.incident),
      'data-testid': 'cr-incident', 'data-id': inc.id, 'data-kind': inc.kind, 'data-state': inc.state, 'data-level': inc.level,
      'data-priority': inc.priority, 'data-mode': inc.mode, 'data-scope': inc.scope_code,
    },
    h('div', { class: 'cr-item-top' },
      h('span', { class: 'unack-mark', title: unack ? t('cr.unacked') : '' }),
      incPrioBadge(inc.priority), sensor ? h('span', { class: 'chip subtle' }, enumLabel('incident_kind', inc.kind)) : levelBadge(inc.level),
      incStateBadge(inc.state)),
    h('div', { class: 'cr-item-name' }, h('strong', null, incidentName(inc)), ' ', h('span', { class: 'code' }, inc.scope_code)),
    h('div', { class: 'cr-item-figs' },
      h('span', { class: 'conf-bar', title: t('cr.confidence') }, h('span', { style: `width:${(Math.max(0, Math.min(1, inc.confidence || 0)) * 100).toFixed(1)}%` })),
      h('span', { class: 'conf-num' }, pct(inc.confidence)),
      !sensor && Number.isFinite(failureAt(inc))
        ? h('span', { class: 'ttf' }, ttfFromNow(inc) > 0 ? `${t('cr.ttf')} ${ttfText(ttfFromNow(inc))}` : t('cr.ttf_passed')) : null,
      inc.is_evidence_active ? null : h('span', { class: 'muted' }, t('cr.evidence_cleared')),
      h('span', { class: 'muted when' }, fmtDateTime(ms(inc.opened)))));
    li.addEventListener('click', () => select(inc.id, { scroll: true }));
    li.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(inc.id, { scroll: true }); } });
    return li;
  }

  function paintList() {
    if (!isAlive()) return;
    const shown = listItems.filter((i) => !vals.kind || i.kind === vals.kind);
    listEl.replaceChildren(...shown.map(card));
    listEmpty.textContent = vals.state === 'active' && !vals.kind ? t('cr.none_active') : t('cr.none');
    listEmpty.hidden = !listLoaded || shown.length > 0;
    count.textContent = listLoaded ? t('cr.count', { n: shown.length }) : t('list.loading');
    map.update(activeIncidents(), vals.incident);
    if (!vals.incident && shown.length && !window.matchMedia(NARROW).matches) select(shown[0].id);
  }

  // ---- the detail
  let cur = null;       // the incident shown (GET /incidents/{id})
  let detailSeq = 0;
  let detailTimer = 0;
  const units = new Map(); // tag id → unit
  const chain = evidenceChain();
  const trends = trendsPanel({ isAlive });
  let figures = null;

  function select(id, { scroll = false } = {}) {
    if (vals.incident === id && cur && cur.id === id) return;
    vals.incident = id;
    sync();
    for (const li of listEl.children) {
      const on = Number(li.getAttribute('data-id')) === id;
      li.classList.toggle('is-selected', on);
      li.setAttribute('aria-pressed', String(on));
    }
    map.update(activeIncidents(), id);
    loadDetail(true);
    if (scroll && window.matchMedia(NARROW).matches) detail.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  async function loadDetail(fresh = false) {
    clearTimeout(detailTimer);
    const id = vals.incident;
    if (!id) { detail.replaceChildren(h('div', { class: 'empty cr-pick' }, t('cr.pick'))); return; }
    const my = ++detailSeq;
    if (fresh) detail.replaceChildren(loading());
    let inc;
    try {
      inc = await api(`/incidents/${id}`);
    } catch (e) {
      if (my !== detailSeq || !isAlive()) return;
      if (fresh || !cur || cur.id !== id) { cur = null; detail.replaceChildren(problemBox(e)); }
      return;
    }
    if (my !== detailSeq || !isAlive()) return;
    // the units of the evidence tags
    const need = [...new Set(chainIntervals(inc).map((c) => c.view.tag_id).filter((x) => x && !units.has(x)))];
    if (need.length) {
      await Promise.all(need.map((tid) => getObj('tags', tid).then((tg) => units.set(tid, (tg && tg.unit) || ''))));
      if (my !== detailSeq || !isAlive()) return;
    }
    drawDetail(inc, fresh || !cur || cur.id !== inc.id);
  }
  const loadDetailSoon = () => { clearTimeout(detailTimer); detailTimer = setTimeout(() => loadDetail(false), DETAIL_RELOAD_MS); };

  function scopeLink(inc) {
    const family = inc.scope_type === 'area' ? 'areas' : 'assets';
    const a = h('a', { href: `#/${family}/${inc.scope_id}`, class: 'code', 'data-testid': 'cr-scope' }, inc.scope_code);
    const name = h('span', { class: 'muted' });
    getObj(family, inc.scope_id).then((o) => { if (o) name.textContent = ` ${pickName(o)}`; });
    return [h('span', { class: 'muted' }, `${t(inc.scope_type === 'area' ? 'field.area' : 'field.asset')} `), a, name];
  }

  function figure(label, value, testid, cls = '') {
    return h('div', { class: `cr-fig ${cls}`, 'data-testid': testid }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'cr-fig-value' }, value));
  }

  function actionsBar(inc) {
    if (!operate && !review) return null;
    const comment = h('input', { type: 'text', class: 'comment-input', maxlength: 4000, 'data-testid': 'cr-comment', placeholder: t('cr.comment_ph'), 'aria-label': t('cr.comment') });
    const done = (res) => { errBox.hidden = true; comment.value = ''; if (res) drawDetail(res, false); };
    const run = (action, btn) => async () => {
      btn.disabled = true;
      try {
        const c = comment.value.trim();
        if (action === 'comment' && !c) { showError(t('cr.required', { field: t('cr.comment') })); comment.focus(); return; }
        done(await postAction(inc.id, action, c ? { comment: c } : {}));
      } catch (e) {
        showError(actionError(e));
      } finally {
        btn.disabled = false;
      }
    };
    const mk = (action, labelKey, cls = '') => {
      const b = h('button', { type: 'button', class: `btn act ${cls}`, 'data-testid': `cr-act-${action}` }, t(labelKey));
      if (action === 'resolve') {
        b.addEventListener('click', () => textDialog({
          testid: 'cr-resolve-dialog', title: t('cr.resolve_title'), hint: t('cr.resolve_hint'), submitLabel: t('cr.resolve'),
          fields: [{ name: 'comment', label: t('cr.resolve_comment'), placeholder: t('cr.resolve_ph'), required: true }],
          submit: async (v) => done(await postAction(inc.id, 'resolve', v)),
        }));
      } else if (action === 'review') {
        b.addEventListener('click', () => textDialog({
          testid: 'cr-review-dialog', title: t('cr.review_title'), hint: t('cr.review_hint'), submitLabel: t('cr.review'),
          fields: [{ name: 'root_cause', label: t('cr.root_cause'), placeholder: t('cr.root_cause_ph'), required: true },
            { name: 'lessons', label: t('cr.lessons'), placeholder: t('cr.lessons_ph'), required: true }],
          submit: async (v) => done(await postAction(inc.id, 'review', v)),
        }));
      } else {
        b.addEventListener('click', run(action, b));
      }
      return b;
    };
    const btns = [];
    if (operate) {
      if (inc.state === 'open') btns.push(mk('acknowledge', 'cr.acknowledge', 'primary'));
      if (inc.state === 'open' || inc.state === 'acknowledged') btns.push(mk('handle', 'cr.handle', inc.state === 'acknowledged' ? 'primary' : ''));
      if (ACTIVE_STATES.includes(inc.state)) btns.push(mk('resolve', 'cr.resolve', inc.state === 'in_handling' ? 'primary' : ''));
    }
    if (review && inc.state === 'resolved') btns.push(mk('review', 'cr.review', 'primary'));
    if (operate) btns.push(mk('comment', 'cr.add_comment'));
    return panel('cr.actions', h('div', { class: 'detail-actions' }, operate ? comment : null, btns,
      operate ? h('span', { class: 'muted small' }, t('cr.comment_hint')) : null), { testid: 'cr-actions' });
  }

  function evidenceTable(inc) {
    const rows = chainIntervals(inc).map(({ e, view }) => {
      const fig = evidenceFigures(view, units.get(view.tag_id) || '');
      const stale = view !== e && !isNum(e.value);
      return h('tr', { 'data-testid': 'cr-evidence-row', 'data-evidence': e.id, 'data-state': e.state, class: `ev-${e.state}` },
        h('td', null, h('span', { class: 'tag-cell', title: e.id }, h('strong', null, signalLabel(e)),
          view.tag_id ? h('a', { href: `#/tags/${view.tag_id}`, class: 'code ev-tag' }, view.tag || `#${view.tag_id}`) : h('span', { class: 'code ev-tag' }, e.id))),
        h('td', null, h('span', { class: `ev-state ev-${e.state}`, title: e.state === 'unknown' ? t('cr.unknown_hint') : null }, enumLabel('evidence_state', e.state)),
          h('span', { class: 'name-other' }, e.since ? fmtDateTime(ms(e.since)) : '')),
        h('td', { class: `num${stale ? ' stale' : ''}`, title: stale ? t('cr.last_known') : null },
          h('span', { class: 'ev-delta' }, fig.delta), meter(view),
          h('span', { class: 'name-other' }, [fig.reading !== fig.delta && fig.reading !== DASH ? fig.reading : '', fig.base !== DASH ? ` ${t('cr.baseline')} ${fig.base}` : '',
            stale ? ` · ${t('cr.last_known')}` : ''].join(''))),
        h('td', { class: 'minor rule-cell' }, fig.rule),
        h('td', { class: 'num minor' }, num(e.lr)));
    });
    return h('div', { class: 'table-wrap' }, h('table', { class: 'grid cr-evidence', 'data-testid': 'cr-evidence' },
      h('thead', null, h('tr', null, ['cr.col_evidence', 'cr.col_state', 'cr.col_value', 'cr.col_rule', 'cr.col_lr']
        .map((k, i) => h('th', { class: [i === 2 || i === 4 ? 'num' : '', i === 3 || i === 4 ? 'minor' : ''].join(' ') }, t(k))))),
      h('tbody', null, rows)));
  }

  function actionsList(inc) {
    const lang = getLang();
    const items = (inc.actions || []).map((a) => h('li', { 'data-testid': 'cr-rec-action' }, (lang === 'en' ? a.en : a.zh || a.en) || ''));
    return h('div', { class: 'cr-rec' },
      items.length ? h('ol', { class: 'cr-rec-list' }, items) : h('p', { class: 'muted' }, t('cr.no_actions')),
      h('p', { class: 'cr-ref', 'data-testid': 'cr-reference' }, h('span', { class: 'muted' }, `${t('cr.reference')}: `), inc.reference || DASH));
  }

  function suppressedBlock(inc) {
    let list = inc.suppressed_alarms || [];
    const body = h('div', { class: 'cr-sup-body' });
    const countChip = h('span', { class: 'chip', 'data-testid': 'cr-suppressed-count' }, String(list.length));
    const det = h('details', { class: 'panel cr-sup', 'data-testid': 'cr-suppressed', 'data-count': list.length },
      h('summary', { class: 'panel-head' }, h('h2', null, t('cr.suppressed')), countChip),
      body);
    det.addEventListener('toggle', async () => {
      if (!det.open) return;
      // the journal is written a moment after the engine decides: ask again when opened
      body.replaceChildren(loading());
      try {
        const fresh = await api(`/incidents/${inc.id}`);
        list = fresh.suppressed_alarms || [];
      } catch { /* show what we have */ }
      if (!det.isConnected) return;
      countChip.textContent = String(list.length);
      det.setAttribute('data-count', list.length);
      body.replaceChildren(h('p', { class: 'muted small' }, t('cr.suppressed_hint')));
      if (!list.length) { body.append(h('div', { class: 'empty' }, t('cr.suppressed_none'))); return; }
      body.append(h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', null, h('tr', null, ['alarms.col_time', 'alarms.col_tag', 'alarms.col_kind', 'alarms.col_priority', 'alarms.transition', 'alarms.col_value']
          .map((k, i) => h('th', { class: i === 2 ? 'minor' : i === 5 ? 'num' : '' }, t(k))))),
        h('tbody', null, list.map((f) => h('tr', { 'data-testid': 'cr-suppressed-row' },
          h('td', { class: 'date' }, fmtDateTime(ms(f.t))),
          h('td', null, h('a', { href: `#/alarms/${f.alarm_id}`, class: 'code' }, f.tag_key)),
          h('td', { class: 'minor' }, enumLabel('alarm_kind', f.alarm_kind)),
          h('td', null, incPrioBadge(f.priority)),
          h('td', null, enumLabel('alarm_state', f.from), ' → ', h('span', { class: `state-badge st-${f.to}` }, enumLabel('alarm_state', f.to)),
            h('span', { class: 'name-other' }, ` ${enumLabel('alarm_cause', f.cause)}`)),
          h('td', { class: 'num' }, `${num(f.value)} / ${num(f.limit)}`)))))));
    });
    return det;
  }

  function recordList(inc) {
    const items = (inc.timeline || []).map((en) => {
      const d = en.detail || {};
      const bits = [];
      if (en.actor === 'reasoner') {
        if (d.from && d.level) bits.push(`${enumLabel('incident_level', d.from)} → ${enumLabel('incident_level', d.level)}`);
        else if (d.level) bits.push(enumLabel('incident_level', d.level));
        if (isNum(d.confidence)) bits.push(`${t('cr.confidence')} ${pct(d.confidence)}`);
        if (Array.isArray(d.evidence)) bits.push(t('cr.n_present', { n: d.evidence.filter((e) => e.state === 'present').length }));
      } else if (d.from) {
        bits.push(`${enumLabel('incident_state', d.from)} → ${enumLabel('timeline_kind', en.kind)}`);
      }
      return h('li', { class: `cr-rec-item k-${en.kind}`, 'data-testid': 'cr-record', 'data-kind': en.kind },
        h('span', { class: 'date' }, fmtDateTime(ms(en.t))),
        h('span', { class: `chip rk-${en.kind}` }, enumLabel('timeline_kind', en.kind)),
        h('span', { class: 'cr-rec-actor' }, en.actor === 'reasoner' ? t('cr.actor_reasoner') : en.actor),
        bits.length ? h('span', { class: 'muted' }, bits.join(' · ')) : null,
        d.comment ? h('div', { class: 'cr-rec-text' }, d.comment) : null,
        d.root_cause ? h('div', { class: 'cr-rec-text' }, h('span', { class: 'muted' }, `${t('cr.root_cause')}: `), d.root_cause) : null,
        d.lessons ? h('div', { class: 'cr-rec-text' }, h('span', { class: 'muted' }, `${t('cr.lessons')}: `), d.lessons) : null);
    });
    return items.length ? h('ol', { class: 'cr-record' }, items) : h('div', { class: 'empty' }, t('cr.record_none'));
  }

  function drawDetail(inc, fresh) {
    const prevScroll = window.scrollY;
    cur = inc;
    ctx.setTitle(`${inc.scope_code} ${incidentName(inc)}`);
    const sensor = inc.kind === 'sensor_check';
    const fail = failureAt(inc);
    figures = h('div', { class: 'cr-figs' },
      figure(t('cr.confidence'), [h('span', { 'data-testid': 'cr-confidence-value' }, pct(inc.confidence)),
        inc.peak_confidence > inc.confidence + 1e-9 ? h('span', { class: 'muted small' }, ` ${t('cr.peak', { v: pct(inc.peak_confidence) })}`) : null], 'cr-fig-confidence'),
      figure(t('cr.ttf'), sensor ? DASH : [h('span', { 'data-testid': 'cr-ttf-value', class: ttfFromNow(inc) <= 0 ? 'is-passed' : null }, ttfNowText(inc)),
        Number.isFinite(fail) ? h('span', { class: 'muted small cr-fig-note' }, t('cr.failure_at_eval', { time: fmtDateTime(fail), ttf: ttfText(inc.ttf_hours) })) : null],
      'cr-fig-ttf', Number.isFinite(fail) ? 'is-warn' : ''),
      figure(t('cr.opened'), fmtDateTime(ms(inc.opened)), 'cr-fig-opened'),
      figure(t('cr.diagnosed'), inc.diagnosed ? fmtDateTime(ms(inc.diagnosed)) : DASH, 'cr-fig-diagnosed'),
      figure(t('cr.evidence'), !inc.is_evidence_active ? t('cr.evidence_cleared_at', { time: fmtDateTime(ms(inc.evidence_cleared || inc.updated)) })
        : ACTIVE_STATES.includes(inc.state) ? t('cr.evidence_active') : t('cr.evidence_at_close'), 'cr-fig-evidence'));
    const who = [['acknowledged_by', 'acknowledged_at', 'acknowledged'], ['handled_by', 'handled_at', 'in_handling'], ['resolved_by', 'resolved_at', 'resolved'], ['reviewed_by', 'reviewed_at', 'reviewed']]
      .filter(([b]) => inc[b]).map(([b, a, k]) => h('span', { class: 'cr-who' }, `${enumLabel('timeline_kind', k)}: ${inc[b]} · ${fmtDateTime(ms(inc[a]))}`));
    const head = h('section', { class: `panel cr-head prio-${inc.priority}${sensor ? ' is-sensor' : ''}`, 'data-testid': 'cr-head', 'data-id': inc.id, 'data-state': inc.state, 'data-level': inc.level },
      h('div', { class: 'cr-head-top' },
        h('div', { class: 'chips' }, incPrioBadge(inc.priority), sensor ? h('span', { class: 'chip' }, enumLabel('incident_kind', inc.kind)) : levelBadge(inc.level), incStateBadge(inc.state)),
        h('span', { class: 'muted small code' }, `#${inc.id} · ${inc.mode}`)),
      h('h2', { class: 'cr-name', 'data-testid': 'cr-detail-name' }, incidentName(inc)),
      h('p', { class: 'cr-scope' }, scopeLink(inc)),
      figures,
      who.length ? h('p', { class: 'cr-whos small' }, who) : null);
    chain.update(inc, units);
    trends.show(inc);
    const review = inc.root_cause || inc.lessons ? panel('cr.review_panel', h('dl', { class: 'fields' },
      h('div', { class: 'field' }, h('dt', null, t('cr.root_cause')), h('dd', { 'data-testid': 'cr-root-cause' }, inc.root_cause || DASH)),
      h('div', { class: 'field' }, h('dt', null, t('cr.lessons')), h('dd', null, inc.lessons || DASH))), { testid: 'cr-review' }) : null;
    const openSup = detail.querySelector('[data-testid="cr-suppressed"]');
    const supWasOpen = openSup ? openSup.open : false;
    const sup = suppressedBlock(inc);
    detail.replaceChildren(...[
      head,
      actionsBar(inc),
      panel('cr.chain', h('div', null, chain.el, h('p', { class: 'small muted cr-chain-legend' }, t('cr.chain_legend')), evidenceTable(inc)), { testid: 'cr-chain-panel' }),
      h('div', { class: 'detail-grid cr-pair' },
        panel('cr.recommended', actionsList(inc), { testid: 'cr-recommended' }),
        panel('cr.record', recordList(inc), { testid: 'cr-record-panel' })),
      review,
      trends.el,
      sup].filter(Boolean));
    if (supWasOpen) sup.open = true;
    chain.update(inc, units); // now that it is in the page: its width
    if (!fresh) window.scrollTo(0, prevScroll);
    // the list card of this incident follows
    const li = listEl.querySelector(`[data-testid="cr-incident"][data-id="${inc.id}"]`);
    if (li && (li.getAttribute('data-state') !== inc.state || li.getAttribute('data-level') !== inc.level)) {
      const idx = listItems.findIndex((i) => i.id === inc.id);
      if (idx >= 0) { const { timeline, suppressed_alarms: sa, ...item } = inc; listItems[idx] = item; }
      li.replaceWith(card(listItems[idx] || inc));
    }
  }

  // ---- live
  let feedLoaded = false;
  let unsub = null;
  let unsubEvents = null;
  let cleaned = false;
  function cleanup() { // the route changed (or the language: the page is drawn again)
    if (cleaned) return;
    cleaned = true;
    stopped = true;
    if (unsub) unsub();
    if (unsubEvents) unsubEvents();
    clearTimeout(detailTimer);
    clearTimeout(listTimer);
    chain.destroy();
    trends.destroy();
  }
  unsub = subscribe((feed) => {
    if (!isAlive()) { cleanup(); return; }
    feedLoaded = feed.loaded;
    status.className = `feed-status fs-${feed.status}`;
    status.textContent = t(`alarms.feed_${feed.status}`);
    if (vals.state === 'active') {
      if (feed.error && !feed.loaded) { listProblem.replaceChildren(problemBox(feed.error, { retry: reloadIncidents })); listProblem.hidden = false; return; }
      listProblem.hidden = true;
      listItems = activeIncidents();
      listLoaded = feed.loaded;
      paintList();
    } else {
      map.update(activeIncidents(), vals.incident);
    }
  });
  unsubEvents = onIncidentEvent((ev) => {
    if (!isAlive()) { cleanup(); return; }
    if (ev && ev.incident_id === vals.incident) loadDetailSoon();
    if (vals.state !== 'active') loadListSoon();
  });
  if (cleaned) unsub(); // (not alive any more by the time it subscribed)
  window.addEventListener('hashchange', cleanup, { once: true });

  if (vals.state !== 'active') loadList();
  loadDetail(true);
  window.__ajControlRoom = { incident: () => (cur ? cur.id : null), state: () => (cur ? cur.state : null) };
}
