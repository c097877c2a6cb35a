// Electronic work permits (GB 30871-2022 special operations): the permit board (#/permits)
// and the pieces the permit page (./permit.js) shares with it.
//
// The board: every permit of the site on the plant map — the areas drawn from their outlines,
// each permit a marker at its x, y coloured by state with a ring for its geofence, red while
// an interlock holds it or it is suspended, a dashed line between permits in conflict
// (SIMOPS) —, filters (type, grade, state), the list beside the map, a small metrics panel
// (approval lead time, suspensions, refusals), the latest notifications and the new-permit
// form (type from the catalogue GET /permit-types, the type's fields rendered from its field
// list, workers and attendant from /people, position picked on the map, validity window).
// Everything follows the server's event stream (event "permit" on /api/v1/events).
import { h, s, append } from '../dom.js';
import { t, getLang, has, enumLabel, pickName } from '../i18n.js';
import { api, API_BASE } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, panel, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll, prime } from '../lookup.js';

export const PERMIT_STATES = ['draft', 'submitted', 'measures_confirmed', 'gas_analysed', 'approving', 'issued',
  'in_progress', 'paused', 'completed', 'closed', 'archived', 'void', 'cancelled'];
export const ACTIVE_STATES = ['issued', 'in_progress', 'paused'];
/** States after the work: drawn small and grey, without their geofence. */
export const ENDED_STATES = ['completed', 'closed', 'archived', 'void', 'cancelled'];
/** States before issue, in order: the steps a permit goes through. */
export const STEPS = ['draft', 'submitted', 'measures_confirmed', 'gas_analysed', 'approving', 'issued', 'in_progress', 'completed', 'closed'];
/** The gases of a hand-entered analysis (codes of the server's gas table). */
export const GASES = ['methane', 'methanol', 'ethanol', 'isopropanol', 'acetone', 'toluene', 'benzene', 'xylene',
  'ethyl_acetate', 'propane', 'butane', 'ethylene', 'propylene', 'hydrogen', 'gasoline', 'CO', 'H2S', 'NH3', 'Cl2', 'O2'];
export const GAS_UNITS = ['%LEL', '%vol', 'ppm'];
/** The server's geofence when the form gives none (metres). */
export const DEFAULT_GEOFENCE_M = 50;

const PERM = (p) => ['permits', p].join('.');
export const can = (user, p) => ((user && user.permissions) || []).includes(PERM(p));
/** The flammable substance of a permit (gas.name in the full permit). */
export const gasNameOf = (p) => (p && (p.gas_name || (p.gas && p.gas.name))) || '';
export const isNum = (v) => v !== null && v !== undefined && v !== '' && Number.isFinite(+v);

/** Replaces the children of el (arrays flattened, null and false skipped). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A catalogue text {en, zh} in the console's language (the other one when missing). */
export function txt(o) {
  if (o === null || o === undefined) return '';
  if (typeof o === 'string') return o;
  return getLang() === 'en' ? o.en || o.zh || '' : o.zh || o.en || '';
}

/** Local date and time, minutes (seconds with sec = true). */
export function fmtTime(iso, sec = false) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(getLang(), {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    second: sec ? '2-digit' : undefined, hourCycle: 'h23',
  }).format(d);
}

/** 'YYYY-MM-DDTHH:MM' for a datetime-local input, in local time. */
export function toLocalInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
/** RFC 3339 (UTC) of a datetime-local value, or '' when empty or invalid. */
export function fromLocalInput(v) {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Minutes as "12 min" or "3.5 h". */
export function fmtMinutes(m) {
  if (!isNum(m)) return DASH;
  return +m < 90 ? t('permit.minutes', { n: num(m, 0) }) : t('permit.hours', { n: num(m / 60, 1) });
}

// ---- the catalogue -----------------------------------------------------------------------

let catalogue = null;
/** GET /permit-types once per session (again after a failure). */
export function loadCatalogue() {
  if (!catalogue) {
    catalogue = api('/permit-types').then((c) => {
      const types = (c && c.types) || [];
      const roles = new Map(((c && c.roles) || []).map((r) => [r.code, r]));
      return { ...c, types, roles, byCode: new Map(types.map((x) => [x.code, x])) };
    });
    catalogue.catch(() => { catalogue = null; });
  }
  return catalogue;
}

export function typeName(cat, code) {
  const ty = cat && cat.byCode.get(code);
  return ty ? txt(ty.name) : code || '';
}
export function gradeName(cat, type, grade) {
  const ty = cat && cat.byCode.get(type);
  const g = ty && (ty.grades || []).find((x) => x.code === grade);
  return g ? txt(g.name) : grade || '';
}
/** The type's name of a permit (its own type_name first). */
export function permitTypeName(cat, p) { return p.type_name ? txt(p.type_name) : typeName(cat, p.type); }
export function permitGradeName(cat, p) { return p.grade_name ? txt(p.grade_name) : gradeName(cat, p.type, p.grade); }
export function roleName(cat, code, name) {
  if (name) return txt(name);
  const r = cat && cat.roles.get(code);
  return r ? txt(r.name) : code || '';
}

// ---- requests ---------------------------------------------------------------------------

/**
 * api() for the permit pages; a refusal is in the thrown ApiError: details (error.details)
 * and refusal (error.details.refusal, '' when none).
 */
export async function permitRequest(path, { method = 'GET', body, params } = {}) {
  // permit events are POSTs with a JSON body ({} when there is nothing to say)
  return api(path, method === 'GET' ? { params } : { method, params, body: body === undefined ? {} : body });
}

export const permitAction = (id, action, body) => permitRequest(`/permits/${id}/${action}`, { method: 'POST', body: body || {} });

/** The text of a refusal code, or '' when the catalogue has none. */
export function refusalText(code) {
  const key = `permit.refusal.${code}`;
  return code && has(key) ? t(key) : '';
}

/** A box for a failed permit action: the refusal in words, the server's own message under it. */
export function refusalBox(e, { onClose } = {}) {
  const code = (e && e.refusal) || '';
  const title = e && e.status === 409 ? t('permit.refused') : e && e.status === 403 ? t('error.no_permission_title')
    : e && e.status === 400 ? t('permit.invalid') : e && e.status === 0 ? t('error.network_title') : t('permit.failed');
  const said = refusalText(code);
  const server = e && e.message && e.status !== 0 ? e.message : '';
  const conflicts = (e && e.details && Array.isArray(e.details.conflicts)) ? e.details.conflicts : [];
  return h('div', { class: 'problem refusal', role: 'alert', 'data-testid': 'permit-refusal', 'data-refusal': code, 'data-status': e ? e.status : '' },
    h('span', { class: 'problem-icon', html: icons.alert }),
    h('div', { class: 'refusal-body' },
      h('strong', null, title),
      said ? h('p', { 'data-testid': 'permit-refusal-text' }, said) : null,
      server && server !== said ? h('p', { class: 'muted small', 'data-testid': 'permit-refusal-server' }, server) : null,
      conflicts.length ? h('ul', { class: 'refusal-conflicts' }, conflicts.map((c) => h('li', null, conflictLine(c)))) : null),
    onClose ? h('button', { type: 'button', class: 'icon-btn close-err', 'aria-label': t('permit.dismiss'), html: icons.close, onclick: onClose }) : null);
}

/** One conflict (SIMOPS) in words, with a link to the other permit. */
export function conflictLine(c) {
  return h('span', { class: `conflict-line sev-${c.severity || 'flag'}`, 'data-testid': 'permit-conflict', 'data-kind': c.kind || '', 'data-severity': c.severity || '' },
    h('span', { class: `sev-badge sev-${c.severity || 'flag'}` }, enumLabel('permit_severity', c.severity || 'flag')), ' ',
    h('strong', null, enumLabel('permit_conflict', c.kind)), ' ',
    c.other_permit_id ? h('a', { href: `#/permits/${c.other_permit_id}`, class: 'code' }, c.other_number || `#${c.other_permit_id}`) : null,
    isNum(c.distance_m) ? h('span', { class: 'muted' }, ` · ${t('permit.distance_m', { n: num(c.distance_m, 1) })}`) : null,
    c.text ? h('span', { class: 'conflict-text' }, ` · ${txt(c.text)}`) : null);
}

// ---- badges --------------------------------------------------------------------------------

export function permitStateBadge(state, testid = 'permit-state') {
  return h('span', { class: `state-badge pst-${state}`, 'data-testid': testid, 'data-state': state }, enumLabel('permit_state', state));
}

/** Held by an interlock, or paused for a cause (gas, stop work...): the permit is drawn red. */
export const isAlert = (p) => !!((p.interlock && p.interlock.active) || (p.state === 'paused' && p.suspended_cause));

export function alertBadge(p) {
  if (!isAlert(p)) return null;
  const cause = (p.interlock && p.interlock.active && p.interlock.cause) || p.suspended_cause || '';
  return h('span', { class: 'alert-badge', 'data-testid': 'permit-alert', 'data-cause': cause },
    t('permit.suspended_by', { cause: enumLabel('permit_cause', cause) || DASH }));
}

// ---- live: the permit events of the server's stream ------------------------------------------

const feed = { es: null, listeners: new Set(), status: 'off', pollTimer: 0, retryTimer: 0, n: 0 };
export const POLL_MS = 10000;

function notify(data) {
  for (const fn of feed.listeners) {
    try { fn(data); } catch (e) { console.error(e); }
  }
}
function startPolling() {
  if (!feed.pollTimer) feed.pollTimer = setInterval(() => notify(null), POLL_MS);
}
function stopPolling() { clearInterval(feed.pollTimer); feed.pollTimer = 0; }

function connect() {
  if (!feed.listeners.size) return;
  if (typeof EventSource !== 'function') { feed.status = 'polling'; startPolling(); return; }
  const es = new EventSource(`${API_BASE}/events?alarms=0&incidents=0`, { withCredentials: true });
  feed.es = es;
  feed.status = 'connecting';
  es.addEventListener('open', () => {
    if (feed.es !== es) return;
    feed.status = 'live';
    stopPolling();
    notify(null); // whatever changed while away (permit events are not replayed)
  });
  es.addEventListener('permit', (ev) => {
    if (feed.es !== es) return;
    let data;
    try { data = JSON.parse(ev.data); } catch { return; }
    feed.n++;
    notify(data);
  });
  es.addEventListener('error', () => {
    if (feed.es !== es) return;
    feed.status = 'polling';
    startPolling();
    notify(null);
    if (es.readyState === EventSource.CLOSED) {
      feed.es = null;
      clearTimeout(feed.retryTimer);
      feed.retryTimer = setTimeout(connect, 30000);
    }
  });
}

function disconnect() {
  if (feed.es) feed.es.close();
  feed.es = null;
  stopPolling();
  clearTimeout(feed.retryTimer);
  feed.status = 'off';
}

/**
 * fn(event) for every permit event ({permit_id, number, change, state, cause, by}); fn(null)
 * after a (re)connect and every POLL_MS while the stream is down (reload everything).
 * The stream is open while anyone listens. Returns the unsubscribe function.
 */
export function onPermitEvent(fn) {
  feed.listeners.add(fn);
  if (!feed.es && feed.status === 'off') connect();
  window.__ajPermitFeed = { status: () => feed.status, events: () => feed.n };
  return () => {
    feed.listeners.delete(fn);
    if (!feed.listeners.size) disconnect();
  };
}
export const permitFeedStatus = () => feed.status;

/** Subscribes for the page's life: the subscription ends with the next route change. */
export function livePage(ctx, fn) {
  const unsub = onPermitEvent((ev) => {
    if (!ctx.isCurrent()) { unsub(); return; }
    fn(ev);
  });
  window.addEventListener('hashchange', () => setTimeout(() => { if (!ctx.isCurrent()) unsub(); }, 0), { once: true });
  return unsub;
}

export function feedStatusEl() {
  const el = h('span', { class: 'feed-status', 'data-testid': 'permit-feed-status', role: 'status' });
  const paint = () => {
    const st = feed.status === 'off' ? 'connecting' : feed.status;
    el.className = `feed-status fs-${st}`;
    el.textContent = t(`permit.feed_${st}`);
  };
  paint();
  return { el, paint };
}

// ---- geometry --------------------------------------------------------------------------------

export function asPolygon(poly) {
  if (typeof poly === 'string') { try { return JSON.parse(poly); } catch { return null; } }
  return poly;
}
export const okPoly = (p) => Array.isArray(p) && p.length >= 3 && p.every((q) => Array.isArray(q) && q.length >= 2 && isNum(q[0]) && isNum(q[1]));

/** Whether the point lies inside the polygon (even-odd rule). */
export function insidePolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = [+poly[i][0], +poly[i][1]];
    const [xj, yj] = [+poly[j][0], +poly[j][1]];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The area (not a road) whose outline holds the point, or null. */
export function areaAt(areas, siteId, x, y) {
  let road = null;
  for (const a of areas) {
    if (siteId && a.site_id !== siteId) continue;
    const poly = asPolygon(a.polygon);
    if (!okPoly(poly) || !insidePolygon(x, y, poly)) continue;
    if (a.kind === 'road') road = road || a; else return a;
  }
  return road;
}

/**
 * permitMap({onPick, onPoint}) → {el, update({areas, permits, siteId, selectedId, draft, picking})}.
 * The site's areas, and each permit a marker at its x, y with its geofence ring. draft: a
 * position being chosen for a new permit; picking: a click on the map calls onPoint(x, y).
 */
export function permitMap({ onPick, onPoint, testid = 'permit-map' } = {}) {
  const el = h('div', { class: 'pm-map', 'data-testid': testid });
  let view = null; // {minX, maxY, w, hh}
  let svgEl = null;
  let picking = false;
  let zoom = 'work'; // work: fitted to the permits and their geofences; site: the whole site
  let lastArgs = null;
  const zoomBtn = (mode, label) => {
    const b = h('button', { type: 'button', class: 'seg-btn', 'data-testid': `permit-map-zoom-${mode}` }, t(label));
    b.addEventListener('click', () => { zoom = mode; if (lastArgs) update(lastArgs); });
    return b;
  };
  const zoomBtns = { work: zoomBtn('work', 'permit.map_zoom_work'), site: zoomBtn('site', 'permit.map_zoom_site') };
  const zoomSeg = h('div', { class: 'seg pm-zoom', role: 'group', 'aria-label': t('permit.map_zoom') }, zoomBtns.work, zoomBtns.site);

  function toWorld(ev) {
    if (!svgEl || !view) return null;
    const ctm = svgEl.getScreenCTM();
    if (!ctm) return null;
    const pt = svgEl.createSVGPoint();
    pt.x = ev.clientX;
    pt.y = ev.clientY;
    const p = pt.matrixTransform(ctm.inverse());
    return { x: +(p.x + view.minX).toFixed(1), y: +(view.maxY - p.y).toFixed(1) };
  }

  function update(args) {
    lastArgs = args;
    const { areas = [], permits = [], siteId = null, selectedId = null, draft = null, picking: pick = false } = args;
    picking = pick;
    const mine = areas.filter((a) => (!siteId || a.site_id === siteId) && okPoly(asPolygon(a.polygon)));
    const placed = permits.filter((p) => isNum(p.x) && isNum(p.y));
    const pts = [];
    for (const a of mine) for (const q of asPolygon(a.polygon)) pts.push([+q[0], +q[1]]);
    for (const p of placed) pts.push([+p.x, +p.y]);
    if (draft && isNum(draft.x) && isNum(draft.y)) pts.push([+draft.x, +draft.y]);
    if (!pts.length) {
      svgEl = null;
      fill(el, h('p', { class: 'muted', 'data-testid': 'permit-map-none' }, t('permit.map_none')));
      return;
    }
    let minX = Math.min(...pts.map((p) => p[0])), maxX = Math.max(...pts.map((p) => p[0]));
    let minY = Math.min(...pts.map((p) => p[1])), maxY = Math.max(...pts.map((p) => p[1]));
    const pad = Math.max(maxX - minX, maxY - minY, 20) * 0.03;
    minX -= pad; maxX += pad; minY -= pad; maxY += pad;
    // fitted to the work: the open permits with their geofences (and the draft), at the site's proportions
    const work = placed.filter((p) => !ENDED_STATES.includes(p.state));
    const focus = [...(work.length ? work : placed)];
    if (draft && isNum(draft.x) && isNum(draft.y)) focus.push(draft);
    const fitted = zoom === 'work' && !picking && focus.length > 0;
    if (fitted) {
      const r = (p) => Math.max(20, isNum(p.geofence_m) ? +p.geofence_m : 0) * 1.1;
      let a = Math.min(...focus.map((p) => +p.x - r(p))), b = Math.max(...focus.map((p) => +p.x + r(p)));
      let c = Math.min(...focus.map((p) => +p.y - r(p))), d = Math.max(...focus.map((p) => +p.y + r(p)));
      const aspect = (maxX - minX) / (maxY - minY || 1);
      if ((b - a) / (d - c) < aspect) { const grow = ((d - c) * aspect - (b - a)) / 2; a -= grow; b += grow; }
      else { const grow = ((b - a) / aspect - (d - c)) / 2; c -= grow; d += grow; }
      if (b - a < maxX - minX) { minX = a; maxX = b; minY = c; maxY = d; }
    }
    zoomBtns.work.setAttribute('aria-pressed', String(zoom === 'work'));
    zoomBtns.site.setAttribute('aria-pressed', String(zoom === 'site'));
    zoomSeg.hidden = picking || !focus.length;
    const w = maxX - minX;
    const hh = maxY - minY;
    view = { minX, maxY, w, hh };
    const X = (x) => (+x - minX).toFixed(2);
    const Y = (y) => (maxY - +y).toFixed(2);
    const unit = Math.max(w, hh) / 100;
    const svg = s('svg', {
      class: `site-map permit-map${picking ? ' is-picking' : ''}`, viewBox: `0 0 ${w.toFixed(2)} ${hh.toFixed(2)}`, role: 'img',
      'aria-label': t('permit.map'), preserveAspectRatio: 'xMidYMid meet', 'data-markers': placed.length,
    });
    for (const a of mine) {
      const poly = asPolygon(a.polygon);
      const g = s('g', { class: `cr-area${a.kind === 'road' ? ' is-road' : ''}`, 'data-area-id': a.id, 'data-code': a.code },
        s('polygon', { points: poly.map((q) => `${X(q[0])},${Y(q[1])}`).join(' ') }),
        s('title', null, `${a.code} ${pickName(a)}`));
      if (a.kind !== 'road') {
        const cx = poly.reduce((acc, q) => acc + +q[0], 0) / poly.length;
        const cy = poly.reduce((acc, q) => acc + +q[1], 0) / poly.length;
        g.append(s('text', { class: 'area-label', x: X(cx), y: Y(cy), 'text-anchor': 'middle', 'font-size': (unit * 3).toFixed(2) }, a.code));
      }
      svg.append(g);
    }
    // layers: geofences under the conflict lines, under the markers
    const fences = s('g', { class: 'pm-fences' });
    svg.append(fences);
    // conflicts: a dashed line between the two permits (each pair once)
    const byId = new Map(placed.map((p) => [p.id, p]));
    const seen = new Set();
    for (const p of placed) {
      for (const c of p.conflicts || []) {
        const o = byId.get(c.other_permit_id);
        if (!o) continue;
        const key = [Math.min(p.id, o.id), Math.max(p.id, o.id)].join('-');
        if (seen.has(key)) continue;
        seen.add(key);
        svg.append(s('line', {
          class: `pm-conflict sev-${c.severity || 'flag'}`, 'data-testid': 'permit-map-conflict', 'data-pair': key,
          x1: X(p.x), y1: Y(p.y), x2: X(o.x), y2: Y(o.y),
        }, s('title', null, `${p.number} ↔ ${o.number} · ${enumLabel('permit_conflict', c.kind)}`)));
      }
    }
    // ended permits first (drawn under), then by urgency: the alerts get the clear label places
    const rank = (p) => (isAlert(p) ? 3 : ACTIVE_STATES.includes(p.state) ? 2 : ENDED_STATES.includes(p.state) ? 0 : 1);
    const order = [...placed].sort((a, b) => rank(a) - rank(b));
    const labels = []; // placed label boxes {x0, y0, x1, y1} in view units
    const fs = unit * 2.4;
    const labelAt = (p, text) => {
      const w = text.length * fs * 0.62;
      const cx = +X(p.x);
      const cy = +Y(p.y);
      const tries = [[2, -1.2], [2, 3.4], [2, -4.6], [2, 6.8], [-2 - w / unit, -1.2], [-2 - w / unit, 3.4], [2, -8], [2, 10.2]];
      let best = tries[0];
      for (const [dx, dy] of tries) {
        const box = { x0: cx + dx * unit, y0: cy + dy * unit - fs, x1: cx + dx * unit + w, y1: cy + dy * unit };
        if (!labels.some((o) => box.x0 < o.x1 && box.x1 > o.x0 && box.y0 < o.y1 && box.y1 > o.y0)) { best = [dx, dy]; labels.push(box); return best; }
      }
      return best;
    };
    const labelOf = new Map();
    for (const p of [...order].reverse()) { // the most urgent chooses first
      if (!ENDED_STATES.includes(p.state) || p.id === selectedId) labelOf.set(p.id, labelAt(p, p.number || `#${p.id}`));
    }
    for (const p of order) {
      const alert = isAlert(p);
      const cls = `pm-permit pst-${p.state}${alert ? ' is-alert' : ''}${p.id === selectedId ? ' is-selected' : ''}`;
      const g = s('g', { class: cls, 'data-testid': 'permit-marker', 'data-id': p.id, 'data-state': p.state, 'data-alert': alert ? '1' : '0', tabindex: 0 });
      const ended = ENDED_STATES.includes(p.state);
      if (!ended && isNum(p.geofence_m) && +p.geofence_m > 0) {
        fences.append(s('g', { class: cls }, s('circle', { class: 'pm-fence', cx: X(p.x), cy: Y(p.y), r: (+p.geofence_m).toFixed(2) })));
      }
      g.append(s('circle', { class: 'pm-dot', cx: X(p.x), cy: Y(p.y), r: (unit * (ended ? 0.9 : 1.3)).toFixed(2) }));
      const lb = labelOf.get(p.id);
      if (lb) {
        g.append(s('text', { class: 'pm-label', x: (+X(p.x) + unit * lb[0]).toFixed(2), y: (+Y(p.y) + unit * lb[1]).toFixed(2), 'font-size': fs.toFixed(2) },
          p.number || `#${p.id}`));
      }
      g.append(s('title', null, `${p.number || ''} · ${p.title || ''} · ${enumLabel('permit_state', p.state)}`));
      const go = () => onPick && onPick(p.id);
      g.addEventListener('click', (ev) => { ev.stopPropagation(); if (!picking) go(); });
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') go(); });
      svg.append(g);
    }
    if (draft && isNum(draft.x) && isNum(draft.y)) {
      svg.append(s('g', { class: 'pm-draft', 'data-testid': 'permit-map-draft' },
        isNum(draft.geofence_m) ? s('circle', { class: 'pm-fence', cx: X(draft.x), cy: Y(draft.y), r: (+draft.geofence_m).toFixed(2) }) : null,
        s('path', { d: `M${X(draft.x)} ${(+Y(draft.y) - unit * 2.5).toFixed(2)}v${(unit * 5).toFixed(2)}M${(+X(draft.x) - unit * 2.5).toFixed(2)} ${Y(draft.y)}h${(unit * 5).toFixed(2)}` })));
    }
    svg.addEventListener('click', (ev) => {
      if (!picking || !onPoint) return;
      const p = toWorld(ev);
      if (p) onPoint(p.x, p.y);
    });
    svgEl = svg;
    const legend = h('div', { class: 'map-legend' },
      ['approving', 'issued', 'in_progress', 'paused', 'completed'].map((st) => h('span', null, h('i', { class: `lg-permit pst-${st}` }), enumLabel('permit_state', st))),
      h('span', null, h('i', { class: 'lg-permit is-alert' }), t('permit.map_alert')),
      h('span', null, h('i', { class: 'lg-fence' }), t('permit.map_fence')),
      h('span', null, h('i', { class: 'lg-conflict' }), t('permit.map_conflict')));
    fill(el, [zoomSeg, h('figure', { class: 'map-figure' }, svg, legend),
      picking ? h('p', { class: 'pick-hint', 'data-testid': 'permit-pick-hint' }, t('permit.pick_hint')) : null].filter(Boolean));
  }

  return { el, update };
}

// ---- the permit form (new permit, and the edit of one before issue) -------------------------

/** Fields of the catalogue that are the permit's own data: filled from it, not asked twice. */
const LINKED = {
  site_position: 'xy', workers: 'workers', entrants: 'workers', riggers: 'workers',
  attendant: 'attendant', planned_start: 'from', planned_end: 'to',
};

const personLabel = (p) => `${p.code ? `${p.code} ` : ''}${pickName(p)}`;

/** A filterable list of checkboxes of people: {el, get() → ids, set(ids)}. */
/**
 * A filterable list of checkboxes of people: {el, get() → ids, set(ids), setNeeds(certTypes)}.
 * setNeeds: the certificate types the work needs; people holding one that is not expired
 * come first and are marked.
 */
function peoplePicker(people, { testid, selected = [] }) {
  const chosen = new Set(selected.map(Number));
  const filter = h('input', { type: 'search', class: 'pp-filter', placeholder: t('permit.people_filter'), 'aria-label': t('permit.people_filter'), 'data-testid': `${testid}-filter` });
  const count = h('span', { class: 'muted small', 'data-testid': `${testid}-count` });
  const today = new Date().toISOString().slice(0, 10);
  const items = people.map((p) => {
    const box = h('input', { type: 'checkbox', value: p.id, checked: chosen.has(p.id), 'data-testid': `${testid}-person`, 'data-person-id': p.id, 'data-badge': p.badge_uid || '' });
    box.addEventListener('change', () => { if (box.checked) chosen.add(p.id); else chosen.delete(p.id); paint(); });
    const certs = (p.certificates || []).map((c) => enumLabel('cert_type', c.type));
    const note = h('span', { class: 'muted small' }, certs.join(', '));
    const row = h('label', { class: 'pp-item' }, box, h('span', null, personLabel(p)), note);
    return { p, box, row, note, hay: `${p.code || ''} ${p.name || ''} ${p.name_en || ''} ${certs.join(' ')}`.toLowerCase() };
  });
  const list = h('div', { class: 'pp-list' }, items.map((i) => i.row));
  function paint() {
    const q = filter.value.trim().toLowerCase();
    for (const i of items) i.row.hidden = !!q && !i.hay.includes(q) && !chosen.has(i.p.id);
    count.textContent = t('permit.people_chosen', { n: chosen.size });
  }
  function setNeeds(types) {
    const need = new Set(types || []);
    const holds = (p) => (p.certificates || []).some((c) => need.has(c.type) && (!c.expires_on || String(c.expires_on).slice(0, 10) >= today));
    const sorted = need.size ? [...items].sort((a, b) => Number(holds(b.p)) - Number(holds(a.p))) : items;
    for (const i of sorted) {
      const ok = need.size > 0 && holds(i.p);
      i.row.classList.toggle('is-certified', ok);
      i.row.classList.toggle('is-uncertified', need.size > 0 && !ok);
      i.row.title = need.size && !ok ? t('permit.no_certificate') : '';
      list.append(i.row);
    }
  }
  filter.addEventListener('input', paint);
  paint();
  return {
    el: h('div', { class: 'people-picker', 'data-testid': testid }, h('div', { class: 'pp-tools' }, filter, count), list),
    get: () => [...chosen],
    set: (ids) => { chosen.clear(); for (const id of ids) chosen.add(Number(id)); for (const i of items) i.box.checked = chosen.has(i.p.id); paint(); },
    setNeeds,
  };
}

function personSelect(people, { testid, value, label, preferRole }) {
  const sorted = preferRole ? [...people].sort((a, b) => Number((b.roles || []).includes(preferRole)) - Number((a.roles || []).includes(preferRole))) : people;
  return h('select', { 'data-testid': testid, 'aria-label': label },
    h('option', { value: '' }, t('permit.choose')),
    sorted.map((p) => h('option', { value: p.id, selected: String(value) === String(p.id) },
      personLabel(p), preferRole && (p.roles || []).includes(preferRole) ? ` · ${enumLabel('role', preferRole)}` : '')));
}

/**
 * permitForm({cat, sites, areas, people, permit?, user, map?, onSaved, onCancel}) → {el, setPoint(x, y)}.
 * Without permit: POST /permits; with one: PATCH /permits/{id} (before issue the permit goes
 * back to draft and its approvals start over).
 */
export function permitForm({ cat, sites, areas, people, permit = null, onSaved, onCancel, onPoint }) {
  const editing = !!permit;
  const f = permit ? permit.fields || {} : {};
  const err = h('div', { class: 'form-holder', 'data-testid': 'permit-form-error' });
  const siteSel = h('select', { 'data-testid': 'pf-site', 'aria-label': t('field.site') },
    sites.map((x) => h('option', { value: x.id, selected: permit && permit.site_id === x.id }, pickName(x))));
  const typeSel = h('select', { 'data-testid': 'pf-type', 'aria-label': t('permit.type'), disabled: editing },
    h('option', { value: '' }, t('permit.choose')),
    cat.types.map((ty) => h('option', { value: ty.code, selected: permit && permit.type === ty.code }, txt(ty.name))));
  const title = h('input', { type: 'text', maxlength: 200, 'data-testid': 'pf-title', value: permit ? permit.title || '' : '', 'aria-label': t('permit.title_field') });
  const xIn = h('input', { type: 'number', step: '0.1', 'data-testid': 'pf-x', value: permit && isNum(permit.x) ? permit.x : '', 'aria-label': 'x' });
  const yIn = h('input', { type: 'number', step: '0.1', 'data-testid': 'pf-y', value: permit && isNum(permit.y) ? permit.y : '', 'aria-label': 'y' });
  const fence = h('input', { type: 'number', step: '1', min: '1', 'data-testid': 'pf-geofence', value: permit && isNum(permit.geofence_m) ? permit.geofence_m : '', placeholder: t('permit.geofence_default') });
  const areaSel = h('select', { 'data-testid': 'pf-area', 'aria-label': t('field.area') });
  const assetSel = h('select', { 'data-testid': 'pf-asset', 'aria-label': t('permit.asset') }, h('option', { value: '' }, t('permit.asset_none')));
  let assetSeq = 0;
  /** The assets of the chosen area (the equipment worked on: permits on the same one are flagged). */
  function fillAssets() {
    const my = ++assetSeq;
    const want = assetSel.value || (permit && permit.asset_id ? String(permit.asset_id) : '');
    if (!areaSel.value) { fill(assetSel, h('option', { value: '' }, t('permit.asset_none'))); return; }
    fetchAll('/assets', { area_id: areaSel.value }, 1000).then((list) => {
      if (my !== assetSeq) return;
      fill(assetSel, h('option', { value: '' }, t('permit.asset_none')),
        list.map((a) => h('option', { value: a.id }, `${a.code} ${pickName(a)}`)));
      assetSel.value = want;
    }).catch(() => {});
  }
  areaSel.addEventListener('change', fillAssets);
  const from = h('input', { type: 'datetime-local', 'data-testid': 'pf-valid-from', value: permit ? toLocalInput(new Date(permit.valid_from)) : '' });
  const to = h('input', { type: 'datetime-local', 'data-testid': 'pf-valid-to', value: permit ? toLocalInput(new Date(permit.valid_to)) : '' });
  const validHint = h('span', { class: 'muted small', 'data-testid': 'pf-validity-hint' });
  const attendantSel = personSelect(people, { testid: 'pf-attendant', value: permit && permit.attendant ? permit.attendant.person_id : '', label: t('permit.attendant'), preferRole: 'attendant' });
  const workers = peoplePicker(people, { testid: 'pf-workers', selected: permit ? (permit.workers || []).map((w) => w.person_id) : [] });
  const gasSel = h('select', { 'data-testid': 'pf-gas-name', 'aria-label': t('permit.gas_name') },
    h('option', { value: '' }, t('permit.choose')), GASES.map((g) => h('option', { value: g, selected: permit && gasNameOf(permit) === g }, enumLabel('permit_gas', g))));
  const wind = h('input', { type: 'number', step: '0.1', min: '0', 'data-testid': 'pf-wind', value: permit && isNum(permit.wind_mps) ? permit.wind_mps : '' });
  const served = h('input', { type: 'number', step: '1', min: '1', 'data-testid': 'pf-served', value: permit && permit.served_permit_id ? permit.served_permit_id : '' });
  const typeBody = h('div', { class: 'pf-type-body', 'data-testid': 'pf-type-body' });
  let inputs = {};   // field id → () => value | undefined
  let hazardBoxes = [];

  // a label around one control; a div around a group (a label would forward clicks to its first box)
  const rowOf = (labelText, control, { testid, required, note, wide, group } = {}) => h(group ? 'div' : 'label', { class: `pf-row${wide ? ' wide' : ''}`, 'data-testid': testid },
    h('span', { class: 'pf-label' }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control, note ? h('span', { class: 'muted small' }, note) : null);

  function fillAreas() {
    const siteId = Number(siteSel.value);
    const cur = areaSel.value || (permit && permit.area_id ? String(permit.area_id) : '');
    fill(areaSel, h('option', { value: '' }, t('permit.area_auto')),
      areas.filter((a) => a.site_id === siteId && a.kind !== 'road').map((a) => h('option', { value: a.id }, `${a.code} ${pickName(a)}`)));
    areaSel.value = cur;
    fillAssets();
  }

  function validity() {
    const ty = cat.byCode.get(typeSel.value);
    const grades = (ty && ty.grades) || [];
    const def = Math.min(...grades.map((g) => (g.validity && g.validity.default_h) || 8), 720);
    const max = Math.max(...grades.map((g) => (g.validity && g.validity.max_h) || 8), 1);
    return { def: Number.isFinite(def) ? def : 8, max };
  }

  function renderType() {
    const ty = cat.byCode.get(typeSel.value);
    inputs = {};
    hazardBoxes = [];
    if (!ty) { fill(typeBody, h('p', { class: 'muted' }, t('permit.choose_type'))); return; }
    workers.setNeeds(ty.certificates || []);
    const { def, max } = validity();
    validHint.textContent = t('permit.validity_hint', { def, max });
    if (!editing && !from.value) {
      const now = new Date();
      now.setSeconds(0, 0);
      from.value = toLocalInput(now);
      to.value = toLocalInput(new Date(now.getTime() + def * 3600e3));
    }
    const rows = [];
    for (const fd of ty.fields || []) {
      if (LINKED[fd.id]) continue;
      const id = fd.id;
      const cur = f[id];
      const label = txt(fd.label);
      const tid = `pf-field-${id}`;
      let control;
      switch (fd.type) {
        case 'number': {
          control = h('input', { type: 'number', step: 'any', 'data-testid': tid, value: isNum(cur) ? cur : '' });
          inputs[id] = () => (control.value === '' ? undefined : Number(control.value));
          if (fd.unit) control = h('span', { class: 'with-unit' }, control, h('span', { class: 'unit' }, fd.unit));
          break;
        }
        case 'datetime': {
          control = h('input', { type: 'datetime-local', 'data-testid': tid, value: cur ? toLocalInput(new Date(cur)) : '' });
          inputs[id] = () => fromLocalInput(control.value) || undefined;
          break;
        }
        case 'enum': {
          control = h('select', { 'data-testid': tid }, h('option', { value: '' }, t('permit.choose')),
            (fd.options || []).map((o) => h('option', { value: o.id, selected: cur === o.id }, txt(o.label))));
          inputs[id] = () => control.value || undefined;
          break;
        }
        case 'bool': {
          const box = h('input', { type: 'checkbox', 'data-testid': tid, checked: cur === true });
          inputs[id] = () => box.checked;
          rows.push(h('label', { class: 'pf-check' }, box, h('span', null, label)));
          continue;
        }
        case 'geo_point': {
          const gx = h('input', { type: 'number', step: '0.1', 'data-testid': `${tid}-x`, value: cur && isNum(cur.x) ? cur.x : '', 'aria-label': 'x' });
          const gy = h('input', { type: 'number', step: '0.1', 'data-testid': `${tid}-y`, value: cur && isNum(cur.y) ? cur.y : '', 'aria-label': 'y' });
          control = h('span', { class: 'xy-inputs' }, gx, gy);
          inputs[id] = () => (gx.value === '' || gy.value === '' ? undefined : { x: Number(gx.value), y: Number(gy.value) });
          break;
        }
        case 'person': {
          control = personSelect(people, { testid: tid, value: cur, label });
          inputs[id] = () => (control.value ? Number(control.value) : undefined);
          break;
        }
        case 'people': {
          const pk = peoplePicker(people, { testid: tid, selected: Array.isArray(cur) ? cur : [] });
          control = pk.el;
          inputs[id] = () => (pk.get().length ? pk.get() : undefined);
          rows.push(rowOf(label, control, { required: fd.is_required, wide: true, group: true }));
          continue;
        }
        default: {
          control = h('input', { type: 'text', maxlength: 1000, 'data-testid': tid, value: cur === undefined || cur === null ? '' : String(cur) });
          inputs[id] = () => (control.value.trim() ? control.value.trim() : undefined);
        }
      }
      rows.push(rowOf(label, control, { required: fd.is_required, group: fd.type === 'geo_point' }));
    }
    // a new permit starts from the type's typical hazards (what the server assumes when none are sent)
    const chosenHazards = new Set(permit ? (permit.hazards || []).map((x) => (typeof x === 'string' ? x : x.id)) : (ty.hazards || []).map((x) => x.id));
    const hazards = (ty.hazards || []).map((hz) => {
      const box = h('input', { type: 'checkbox', value: hz.id, checked: chosenHazards.has(hz.id), 'data-testid': 'pf-hazard', 'data-hazard': hz.id });
      hazardBoxes.push(box);
      return h('label', { class: 'pf-check' }, box, h('span', null, txt(hz.text)));
    });
    const gas = ty.gas && ty.gas.is_required;
    fill(typeBody,
      h('fieldset', { class: 'pf-set' }, h('legend', null, t('permit.form_fields', { type: txt(ty.name) })), h('div', { class: 'pf-grid' }, rows)),
      hazards.length ? h('fieldset', { class: 'pf-set' }, h('legend', null, t('permit.hazards')), h('div', { class: 'pf-checks' }, hazards)) : null,
      h('fieldset', { class: 'pf-set' }, h('legend', null, t('permit.form_conditions')), h('div', { class: 'pf-grid' },
        gas ? rowOf(t('permit.gas_name'), gasSel, { note: t('permit.gas_name_note') }) : null,
        ty.code === 'hot_work' ? rowOf(t('permit.wind'), h('span', { class: 'with-unit' }, wind, h('span', { class: 'unit' }, 'm/s')), { note: t('permit.wind_note') }) : null,
        ty.code === 'temporary_power' ? rowOf(t('permit.served_permit'), served, { note: t('permit.served_note') }) : null,
        rowOf(t('permit.grade'), h('span', { class: 'muted' }, t('permit.grade_by_server')))),
      ));
  }

  function setPoint(x, y) {
    xIn.value = x;
    yIn.value = y;
    const a = areaAt(areas, Number(siteSel.value), x, y);
    if (a && a.kind !== 'road' && areaSel.value !== String(a.id)) { areaSel.value = String(a.id); fillAssets(); }
    if (onPoint) onPoint(draft());
  }
  const draft = () => ({ x: xIn.value === '' ? null : +xIn.value, y: yIn.value === '' ? null : +yIn.value, geofence_m: fence.value === '' ? DEFAULT_GEOFENCE_M : +fence.value });
  for (const inp of [xIn, yIn, fence]) inp.addEventListener('input', () => { if (onPoint) onPoint(draft()); });
  xIn.addEventListener('change', () => { if (xIn.value !== '' && yIn.value !== '') setPoint(+xIn.value, +yIn.value); });
  yIn.addEventListener('change', () => { if (xIn.value !== '' && yIn.value !== '') setPoint(+xIn.value, +yIn.value); });

  typeSel.addEventListener('change', () => { from.value = ''; to.value = ''; renderType(); });
  siteSel.addEventListener('change', fillAreas);

  const save = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'pf-save' }, t(editing ? 'permit.save_changes' : 'permit.create'));
  const cancel = h('button', { type: 'button', class: 'btn', 'data-testid': 'pf-cancel', onclick: () => onCancel && onCancel() }, t('permit.cancel_form'));

  const form = h('form', { class: 'permit-form', 'data-testid': 'permit-form', novalidate: true },
    h('fieldset', { class: 'pf-set' }, h('legend', null, t('permit.form_basics')), h('div', { class: 'pf-grid' },
      sites.length > 1 ? rowOf(t('field.site'), siteSel) : null,
      rowOf(t('permit.type'), typeSel, { required: true }),
      rowOf(t('permit.title_field'), title, { required: true, wide: true }),
      rowOf(t('permit.position'), h('span', { class: 'xy-inputs' }, xIn, yIn), { required: true, note: t('permit.position_note'), group: true }),
      rowOf(t('field.area'), areaSel),
      rowOf(t('permit.asset'), assetSel),
      rowOf(t('permit.geofence'), h('span', { class: 'with-unit' }, fence, h('span', { class: 'unit' }, 'm'))),
      rowOf(t('permit.valid_from'), from, { required: true }),
      rowOf(t('permit.valid_to'), to, { required: true, note: validHint }),
      rowOf(t('permit.attendant'), attendantSel, { required: true }),
      rowOf(t('permit.workers'), workers.el, { required: true, wide: true, group: true }))),
    typeBody, err,
    h('div', { class: 'dialog-buttons' }, cancel, save));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    const ty = cat.byCode.get(typeSel.value);
    const missing = [];
    if (!ty) missing.push(t('permit.type'));
    if (!title.value.trim()) missing.push(t('permit.title_field'));
    if (xIn.value === '' || yIn.value === '') missing.push(t('permit.position'));
    if (!fromLocalInput(from.value) || !fromLocalInput(to.value)) missing.push(t('permit.validity'));
    if (!attendantSel.value) missing.push(t('permit.attendant'));
    if (!workers.get().length) missing.push(t('permit.workers'));
    if (missing.length) {
      fill(err, h('p', { class: 'form-error', role: 'alert', 'data-testid': 'pf-missing' }, t('permit.missing', { list: missing.join(getLang() === 'en' ? ', ' : t('permit.list_sep')) })));
      return;
    }
    const x = Number(xIn.value);
    const y = Number(yIn.value);
    const fields = {};
    for (const [id, get] of Object.entries(inputs)) {
      const v = get();
      if (v !== undefined) fields[id] = v;
    }
    // the catalogue's copies of the permit's own data
    for (const fd of ty.fields || []) {
      switch (LINKED[fd.id]) {
        case 'xy': fields[fd.id] = { x, y }; break;
        case 'workers': fields[fd.id] = workers.get(); break;
        case 'attendant': fields[fd.id] = Number(attendantSel.value); break;
        case 'from': fields[fd.id] = fromLocalInput(from.value); break;
        case 'to': fields[fd.id] = fromLocalInput(to.value); break;
        default: break;
      }
    }
    const body = {
      site_id: Number(siteSel.value), type: ty.code, title: title.value.trim(), x, y,
      valid_from: fromLocalInput(from.value), valid_to: fromLocalInput(to.value),
      fields, attendant_id: Number(attendantSel.value), worker_ids: workers.get(),
    };
    const hazards = hazardBoxes.filter((b) => b.checked).map((b) => b.value);
    if (hazards.length) body.hazards = hazards; // none ticked: the type's typical hazards
    if (areaSel.value) body.area_id = Number(areaSel.value);
    if (assetSel.value) body.asset_id = Number(assetSel.value);
    if (fence.value !== '') body.geofence_m = Number(fence.value);
    if (ty.gas && ty.gas.is_required && gasSel.value) body.gas_name = gasSel.value;
    if (ty.code === 'hot_work' && wind.value !== '') body.wind_mps = Number(wind.value);
    if (ty.code === 'temporary_power' && served.value !== '') body.served_permit_id = Number(served.value);
    if (editing) { delete body.site_id; delete body.type; } // fixed once drafted
    save.disabled = true;
    try {
      const saved = editing
        ? await permitRequest(`/permits/${permit.id}`, { method: 'PATCH', body })
        : await permitRequest('/permits', { method: 'POST', body });
      if (onSaved) onSaved(saved);
    } catch (e) {
      fill(err, refusalBox(e));
    } finally {
      save.disabled = false;
    }
  });

  fillAreas();
  renderType();
  if (onPoint) setTimeout(() => onPoint(draft()), 0);
  return { el: form, setPoint };
}

/** What the form needs besides the catalogue: sites, areas and people (people may be refused). */
export async function formData() {
  // a user who may not read the plant model or the people still sees the permits
  const [sites, areas, people] = await Promise.all([
    fetchAll('/sites', {}, 100).catch(() => []),
    fetchAll('/areas', {}, 1000).catch(() => []),
    fetchAll('/people', {}, 2000).catch(() => []),
  ]);
  prime('areas', areas);
  return { sites, areas, people };
}

// ---- the board -------------------------------------------------------------------------------

function metricsPanel(cat, siteId) {
  const body = h('div', { class: 'pm-metrics', 'data-testid': 'permit-metrics' }, loading());
  api('/permit-metrics', { params: { site_id: siteId || '' } }).then((m) => {
    const lt = (m && m.approval_lead_time) || {};
    const fig = (label, value, testid) => h('div', { class: 'pm-fig', 'data-testid': testid }, h('span', { class: 'kpi-label' }, t(label)), h('span', { class: 'pm-fig-value' }, value));
    const hist = (lt.histogram || []).filter((b) => isNum(b.count));
    const maxN = Math.max(1, ...hist.map((b) => +b.count));
    const list = (items, label, testid) => (items && items.length
      ? h('ul', { class: 'pm-counts', 'data-testid': testid }, items.map((it) => h('li', null, h('span', null, label(it)), h('strong', null, num(it.count, 0)))))
      : h('p', { class: 'muted small' }, t('permit.metrics_none')));
    fill(body,
      h('div', { class: 'pm-figs' },
        fig('permit.metrics_approvals', num(lt.count || 0, 0), 'permit-metric-count'),
        fig('permit.metrics_p50', fmtMinutes(lt.p50_min), 'permit-metric-p50'),
        fig('permit.metrics_p90', fmtMinutes(lt.p90_min), 'permit-metric-p90'),
        fig('permit.metrics_max', fmtMinutes(lt.max_min), 'permit-metric-max')),
      hist.length ? h('div', { class: 'pm-hist', role: 'img', 'aria-label': t('permit.metrics_histogram'), 'data-testid': 'permit-metric-histogram' },
        hist.map((b) => h('div', { class: 'pm-hist-col', title: `${isNum(b.le_min) ? `≤ ${fmtMinutes(b.le_min)}` : '∞'}: ${b.count}` },
          h('span', { class: 'pm-hist-n' }, +b.count ? num(b.count, 0) : ''),
          h('span', { class: 'pm-hist-bar', style: `height:${Math.round((+b.count / maxN) * 100)}%` }),
          h('span', { class: 'pm-hist-label' }, isNum(b.le_min) ? `≤${num(b.le_min, 0)}` : '∞')))) : null,
      hist.length ? h('p', { class: 'muted small pm-hist-caption' }, t('permit.metrics_histogram')) : null,
      h('div', { class: 'pm-lists' },
        h('div', null, h('h3', null, t('permit.metrics_by_type')), list(m.by_type_grade, (it) => `${typeName(cat, it.type)} · ${gradeName(cat, it.type, it.grade)}`, 'permit-metric-types')),
        h('div', null, h('h3', null, t('permit.metrics_suspensions')), list(m.suspensions, (it) => enumLabel('permit_cause', it.cause), 'permit-metric-suspensions')),
        h('div', null, h('h3', null, t('permit.metrics_refusals')), list(m.refusals, (it) => refusalText(it.refusal) || it.refusal, 'permit-metric-refusals'))));
  }).catch((e) => {
    fill(body, e.status === 404 ? h('p', { class: 'muted', 'data-testid': 'permit-metrics-none' }, t('permit.metrics_unavailable')) : problemBox(e));
  });
  return panel('permit.metrics', body, { testid: 'permit-metrics-panel' });
}

function notificationsPanel() {
  const body = h('div', { 'data-testid': 'permit-notifications' }, loading());
  const load = () => api('/notifications', { params: { limit: 20 } }).then((r) => {
    const items = ((r && r.items) || []).slice(0, 12);
    fill(body, items.length ? h('ul', { class: 'pm-notes' }, items.map((n) => h('li', { class: n.read_at ? 'is-read' : 'is-unread', 'data-testid': 'permit-notification', 'data-kind': n.kind },
      h('span', { class: 'date' }, fmtTime(n.created_at)), ' ',
      h('span', { class: `chip nk-${n.kind}` }, enumLabel('permit_note', n.kind)), ' ',
      n.permit_id ? h('a', { href: `#/permits/${n.permit_id}` }, n.text || `#${n.permit_id}`) : h('span', null, n.text || ''))))
      : h('p', { class: 'muted small' }, t('permit.notifications_none')));
  }).catch((e) => {
    fill(body, e.status === 404 ? h('p', { class: 'muted small' }, t('permit.notifications_none')) : problemBox(e));
  });
  load();
  return { el: panel('permit.notifications', body, { testid: 'permit-notifications-panel' }), load };
}

export async function renderBoard(ctx) {
  ctx.setTitle(t('permit.board_title'));
  const q = ctx.query;
  const vals = { type: q.type || '', grade: q.grade || '', state: q.state || 'active', site_id: q.site_id || '', id: q.id || '' };
  const holder = loading();
  const status = feedStatusEl();
  const apply = can(ctx.user, 'apply');
  const newBtn = apply ? h('a', { class: 'btn primary', href: '#/permits?new=1', 'data-testid': 'permit-new' }, t('permit.new')) : null;
  ctx.main.append(
    pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('permit.board_title') }], title: t('permit.board_title'),
      extra: h('span', { class: 'chips pm-head-tools' }, status.el, h('a', { class: 'btn', href: '#/my-permits', 'data-testid': 'permit-my-link' }, t('nav.my_permits')), newBtn) }),
    holder);

  let cat;
  let data;
  try {
    [cat, data] = await Promise.all([loadCatalogue(), formData()]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const { sites, areas, people } = data;
  let siteId = Number(vals.site_id) || (sites[0] && sites[0].id) || null;
  let permits = [];
  let selected = Number(vals.id) || null;
  let draft = null;
  const creating = q.new === '1' && apply;

  // filters
  const sel = (name, label, options) => {
    const el = h('select', { 'data-testid': `permit-filter-${name}`, 'aria-label': t(label) },
      options.map(([v, l]) => h('option', { value: v, selected: vals[name] === v }, l)));
    el.addEventListener('change', () => { vals[name] = el.value; if (name === 'type') { vals.grade = ''; fillGrades(); } changed(); });
    return el;
  };
  const all = (k) => `${t(k)}: ${t('list.all')}`;
  const typeSel = sel('type', 'permit.type', [['', all('permit.type')], ...cat.types.map((ty) => [ty.code, txt(ty.name)])]);
  const gradeSel = sel('grade', 'permit.grade', [['', all('permit.grade')]]);
  function fillGrades() {
    const types = vals.type ? [cat.byCode.get(vals.type)].filter(Boolean) : cat.types;
    const opts = [];
    for (const ty of types) for (const g of ty.grades || []) if (ty.grades.length > 1 || vals.type) opts.push([g.code, vals.type ? txt(g.name) : `${txt(ty.name)} · ${txt(g.name)}`]);
    const seen = new Set();
    fill(gradeSel, h('option', { value: '' }, all('permit.grade')),
      opts.filter(([v]) => !seen.has(v) && seen.add(v)).map(([v, l]) => h('option', { value: v, selected: vals.grade === v }, l)));
  }
  fillGrades();
  const stateSel = sel('state', 'permit.state', [['active', t('permit.state_active')], ['all', t('permit.state_all')],
    ...PERMIT_STATES.map((st) => [st, enumLabel('permit_state', st)])]);
  const siteSel = sites.length > 1 ? sel('site_id', 'field.site', sites.map((x) => [String(x.id), pickName(x)])) : null;
  if (siteSel) siteSel.value = String(siteId);
  const toolbar = h('form', { class: 'toolbar', onsubmit: (e) => e.preventDefault() },
    siteSel ? h('label', { class: 'filter' }, siteSel) : null,
    h('label', { class: 'filter' }, typeSel), h('label', { class: 'filter' }, gradeSel), h('label', { class: 'filter' }, stateSel));

  // map, list, form
  const map = permitMap({
    onPick: (id) => { location.hash = `#/permits/${id}`; },
    onPoint: (x, y) => { if (form) form.setPoint(x, y); },
  });
  const tbody = h('tbody', { 'data-testid': 'permit-list-body' });
  const cols = ['permit.number', 'permit.type', 'permit.state', 'permit.valid_to', 'permit.attendant'];
  const table = h('table', { class: 'grid permit-grid', 'data-testid': 'permit-table' },
    h('thead', null, h('tr', null, cols.map((k, i) => h('th', { scope: 'col', class: i >= 3 ? 'minor' : '' }, t(k))))), tbody);
  const empty = h('div', { class: 'empty', 'data-testid': 'permit-empty', hidden: true }, t('permit.none'));
  const count = h('span', { class: 'list-status', 'data-testid': 'permit-count' });
  const listProblem = h('div', { class: 'list-message', hidden: true });
  const formHolder = h('div', { 'data-testid': 'permit-form-holder' });
  let form = null;

  if (creating) {
    form = permitForm({
      cat, sites, areas, people,
      onSaved: (p) => { location.hash = `#/permits/${p.id}`; },
      onCancel: () => { location.hash = '#/permits'; },
      onPoint: (d) => { draft = d; paint(); },
    });
    formHolder.append(panel('permit.new_title', form.el, { testid: 'permit-new-panel', extra: h('span', { class: 'muted small' }, t('permit.pick_hint')) }));
  }

  const notes = notificationsPanel();
  const listEl = h('section', { class: 'list panel' }, toolbar, h('div', { class: 'table-wrap' }, table), empty, listProblem, h('div', { class: 'pager' }, count));
  // while a new permit is drafted the form takes the list's place beside the plan (a click on
  // the plan sets the work point); the list follows below
  const layout = h('div', { class: `pm-layout${creating ? ' is-creating' : ''}` },
    h('div', { class: 'pm-map-col' }, panel('permit.map', map.el, { testid: 'permit-map-panel' })),
    h('div', { class: 'pm-list-col' }, creating ? formHolder : listEl));
  holder.replaceWith(h('div', { 'data-testid': 'permit-board' }, layout, creating ? listEl : null,
    h('div', { class: 'detail-grid' }, metricsPanel(cat, siteId), notes.el)));

  function visible(p) {
    if (vals.grade && p.grade !== vals.grade) return false;
    if (siteId && p.site_id && p.site_id !== siteId) return false;
    return true;
  }

  function row(p) {
    const alert = isAlert(p);
    const tr = h('tr', {
      class: `link-row permit-row pst-${p.state}${alert ? ' is-alert' : ''}${p.id === selected ? ' is-selected' : ''}`, tabindex: 0,
      'data-testid': 'permit-row', 'data-id': p.id, 'data-state': p.state, 'data-type': p.type, 'data-grade': p.grade || '',
    },
    h('td', null, h('span', { class: 'name-cell' },
      h('a', { href: `#/permits/${p.id}`, class: 'code', 'data-testid': 'permit-link' }, p.number || `#${p.id}`),
      h('span', { class: 'permit-row-title' }, p.title || DASH, [p.area_code, p.asset_code].filter(Boolean).length ? h('span', { class: 'muted' }, ` · ${[p.area_code, p.asset_code].filter(Boolean).join(' · ')}`) : null))),
    h('td', null, h('span', { class: 'name-cell' }, typeName(cat, p.type), h('span', { class: 'name-other' }, gradeName(cat, p.type, p.grade)))),
    h('td', null, h('span', { class: 'state-cell' }, permitStateBadge(p.state), alertBadge(p),
      (p.conflicts || []).length ? h('span', { class: 'sev-badge sev-flag', title: t('permit.conflicts') }, `⚠ ${p.conflicts.length}`) : null)),
    h('td', { class: 'date minor' }, fmtTime(p.valid_to)),
    h('td', { class: 'minor' }, h('span', { class: 'name-cell' }, p.attendant ? pickName({ name: p.attendant.name, name_en: p.attendant.name_en }) : DASH,
      h('span', { class: 'name-other' }, `${t('permit.workers_n', { n: num(p.n_workers || 0, 0) })}${+p.people_inside ? ` · ${t('permit.inside_n', { n: p.people_inside })}` : ''}`))));
    tr.addEventListener('click', (e) => { if (!e.target.closest('a')) location.hash = `#/permits/${p.id}`; });
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target === tr) location.hash = `#/permits/${p.id}`; });
    tr.addEventListener('mouseenter', () => { selected = p.id; paintMap(); });
    return tr;
  }

  function paintMap() {
    map.update({ areas, permits: permits.filter(visible), siteId, selectedId: selected, draft: creating ? draft : null, picking: creating });
  }

  function paint() {
    const list = permits.filter(visible);
    fill(tbody, list.map(row));
    empty.hidden = list.length > 0;
    count.textContent = t('permit.count', { n: list.length });
    paintMap();
    status.paint();
  }

  let seq = 0;
  async function load() {
    const my = ++seq;
    try {
      const r = await api('/permits', { params: { state: vals.state, type: vals.type, site_id: siteId || '' } });
      if (my !== seq || !ctx.isCurrent()) return;
      permits = (r && r.items) || [];
      listProblem.hidden = true;
    } catch (e) {
      if (my !== seq || !ctx.isCurrent()) return;
      fill(listProblem, problemBox(e, { retry: load }));
      listProblem.hidden = false;
    }
    paint();
  }

  function changed() {
    siteId = Number(vals.site_id) || siteId;
    ctx.setQuery({ type: vals.type, grade: vals.grade, state: vals.state === 'active' ? '' : vals.state, site_id: vals.site_id, new: creating ? '1' : '' });
    load();
  }

  let reloadTimer = 0;
  livePage(ctx, () => {
    status.paint();
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => { load(); notes.load(); }, 200);
  });
  await load();
}
