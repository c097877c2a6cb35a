// Plant connections (#/connections): the state of every connection anjian keeps itself, from
// GET /api/v1/connections (docs/modbus.md "Device state"; OPC UA endpoints and Sparkplug B
// nodes join the same list). Items are grouped by `protocol` — Modbus TCP, OPC UA, Sparkplug B,
// then any protocol this page does not know, shown with the common fields and its other
// fields as they come. Each item: code, state as a coloured badge (connected/online good,
// connecting/waiting-birth neutral, failing/offline bad, anything else neutral), last
// success, last error time and text, points, points per second, and the fields of its
// protocol that are present. Refreshed every REFRESH_MS; a failed refresh keeps the last
// list and says so. One table per protocol; at phone width each row becomes a card
// (web/style.css "connections"). The server reports; nothing is computed here but sums.
import { h } from '../dom.js';
import { t, has, getLang } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';

export const REFRESH_MS = 5000;

/** Badge colour of a state: ok (green), neutral (grey), bad (red). */
const STATE_TONE = {
  connected: 'ok', online: 'ok',
  connecting: 'neutral', 'waiting-birth': 'neutral',
  failing: 'bad', offline: 'bad',
};
export const stateTone = (state) => STATE_TONE[state] || 'neutral';

/** Fields every item has; the rest are the protocol's own. */
const COMMON = new Set(['protocol', 'code', 'state', 'last_success', 'last_error_at', 'last_error', 'points', 'points_per_second']);

const dash = (v) => (v === null || v === undefined || v === '' ? DASH : String(v));
const count = (v) => (Array.isArray(v) ? num(v.length, 0) : typeof v === 'number' ? num(v, 0) : dash(v));

/**
 * Known protocols: catalogue key of the heading, and the protocol's columns
 * [catalogue key, field names that must be present (any of), cell text, testid].
 */
const PROTOCOLS = [
  { id: 'modbus-tcp', label: 'conn.proto_modbus', cols: [
    ['conn.address', ['host', 'port'], (c) => `${dash(c.host)}:${dash(c.port)}`, 'conn-address'],
    ['conn.unit_id', ['unit_id'], (c) => dash(c.unit_id), 'conn-unit'],
    ['conn.polls', ['polls_ok', 'polls_failed'], (c) => `${num(c.polls_ok ?? 0, 0)} / ${num(c.polls_failed ?? 0, 0)}`, 'conn-polls'],
  ] },
  { id: 'opcua', label: 'conn.proto_opcua', cols: [
    ['conn.endpoint', ['endpoint_url'], (c) => dash(c.endpoint_url), 'conn-endpoint'],
    ['conn.security', ['security_policy', 'security_mode'], (c) => `${dash(c.security_policy)} · ${dash(c.security_mode)}`, 'conn-security'],
    ['conn.items', ['items'], (c) => count(c.items), 'conn-items'],
  ] },
  { id: 'sparkplug-b', label: 'conn.proto_sparkplug', cols: [
    ['conn.group', ['group'], (c) => dash(c.group), 'conn-group'],
    ['conn.node', ['node'], (c) => dash(c.node), 'conn-node'],
    ['conn.device', ['device'], (c) => dash(c.device), 'conn-device'],
    ['conn.seq_gaps', ['seq_gaps'], (c) => count(c.seq_gaps), 'conn-seq-gaps'],
    ['conn.rebirths', ['rebirths_requested'], (c) => count(c.rebirths_requested), 'conn-rebirths'],
  ] },
];

function timeText(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(getLang(), { dateStyle: 'short', timeStyle: 'medium' }).format(d);
}
const timeCell = (iso, testid) => h('time', { 'data-testid': testid, datetime: iso || false, title: iso || false }, timeText(iso));

export function stateBadge(state) {
  const tone = stateTone(state);
  const key = `conn_state.${String(state || '').replace(/-/g, '_')}`;
  const label = state ? (has(key) ? t(key) : String(state)) : DASH;
  return h('span', { class: `badge conn-badge ${tone}`, 'data-testid': 'conn-state', 'data-state': state || '', 'data-tone': tone }, label);
}

/** The fields an unknown protocol sends beyond the common ones, as "key: value". */
function otherFields(c) {
  const parts = Object.keys(c).filter((k) => !COMMON.has(k)).map((k) => {
    const v = c[k];
    return `${k}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : dash(v)}`;
  });
  return parts.length ? parts.join(' · ') : DASH;
}

/** One protocol's items as a table (cards at phone width: every cell carries its label). */
function protocolTable(items, proto) {
  const own = proto ? proto.cols.filter(([, fields]) => items.some((c) => fields.some((f) => f in c))) : [];
  const heads = [
    ['conn.code', ''], ['conn.state', ''], ...own.map(([k]) => [k, '']),
    ['conn.points', 'num'], ['conn.rate', 'num'], ['conn.last_success', ''], ['conn.last_error', ''],
    ...(proto ? [] : [['conn.other_fields', '']]),
  ];
  const cell = (labelKey, cls, testid, content) => h('td', { class: cls, 'data-label': t(labelKey), 'data-testid': testid }, content);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid conn-table' },
    h('thead', null, h('tr', null, heads.map(([k, cls]) => h('th', { scope: 'col', class: cls }, t(k))))),
    h('tbody', null, items.map((c) => h('tr', {
      'data-testid': 'conn-row', 'data-code': c.code || '', 'data-protocol': c.protocol || '', 'data-state': c.state || '',
    },
    h('th', { scope: 'row', class: 'conn-code', 'data-testid': 'conn-code' }, h('span', { class: 'code' }, dash(c.code))),
    cell('conn.state', '', 'conn-state-cell', stateBadge(c.state)),
    own.map(([k, , text, testid]) => cell(k, 'conn-field', testid, text(c))),
    cell('conn.points', 'num', 'conn-points', num(c.points ?? null, 0)),
    cell('conn.rate', 'num', 'conn-rate', num(c.points_per_second ?? null, 1)),
    cell('conn.last_success', 'date', 'conn-last-success-cell', timeCell(c.last_success, 'conn-last-success')),
    cell('conn.last_error', 'conn-error', 'conn-error-cell', c.last_error_at || c.last_error
      ? h('div', null, timeCell(c.last_error_at, 'conn-last-error-at'),
        h('div', { class: 'conn-error-text', 'data-testid': 'conn-last-error' }, dash(c.last_error)))
      : DASH),
    proto ? null : cell('conn.other_fields', 'conn-other', 'conn-other', otherFields(c)))))));
}

/** A panel per protocol: known ones in PROTOCOLS order, then unknown ones by name. */
function groups(items) {
  const byProto = new Map();
  for (const c of items) {
    const p = String(c.protocol || '');
    if (!byProto.has(p)) byProto.set(p, []);
    byProto.get(p).push(c);
  }
  const known = PROTOCOLS.filter((p) => byProto.has(p.id)).map((p) => [p.id, p]);
  const unknown = [...byProto.keys()].filter((id) => !PROTOCOLS.some((p) => p.id === id)).sort().map((id) => [id, null]);
  return [...known, ...unknown].map(([id, proto]) => {
    const list = byProto.get(id);
    const tones = { ok: 0, neutral: 0, bad: 0 };
    for (const c of list) tones[stateTone(c.state)]++;
    return h('section', { class: 'panel conn-group', 'data-testid': 'conn-group', 'data-protocol': id },
      h('header', { class: 'panel-head' },
        h('h2', null, proto ? t(proto.label) : id || t('conn.proto_unknown')),
        h('span', { class: 'muted small', 'data-testid': 'conn-group-summary' },
          t('conn.group_summary', { n: list.length, ok: tones.ok, bad: tones.bad }))),
      h('div', { class: 'panel-body' }, protocolTable(list, proto)));
  });
}

// ---- hook: OPC UA browse dialog ---------------------------------------------------------------
// OPC UA browse dialog: added with the OPC UA client. The lead builds it: it opens from an
// OPC UA endpoint of this page, browses the server's address space and picks nodes to map to
// tags. Until then the container below stays empty and this function does nothing.
/**
 * OPC UA browse dialog: added with the OPC UA client.
 * @param {HTMLElement} container the page's empty `[data-testid="conn-browse"]` element
 * @param {object|null} endpoint the OPC UA item of GET /api/v1/connections to browse (null: none chosen)
 */
export function openBrowseDialog(container, endpoint) {
  void container;
  void endpoint;
}

export async function render(ctx) {
  ctx.setTitle(t('conn.title'));
  const status = h('span', { class: 'list-status', 'data-testid': 'conn-status', role: 'status' });
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('conn.title') }],
    title: t('conn.title'), sub: t('conn.sub'),
  }));
  const body = h('div', { class: 'conn-body', 'data-testid': 'conn-list' }, loading());
  const browse = h('div', { class: 'conn-browse', 'data-testid': 'conn-browse' }); // OPC UA browse dialog: added with the OPC UA client
  ctx.main.append(h('div', { class: 'conn-tools' }, status), body, browse);

  let timer = 0;
  let hasList = false;
  let stopped = false;
  const stop = () => { stopped = true; clearTimeout(timer); };
  window.addEventListener('hashchange', stop, { once: true });

  async function load() {
    clearTimeout(timer);
    if (stopped || !ctx.isCurrent()) return;
    try {
      const r = await api('/connections');
      if (stopped || !ctx.isCurrent()) return;
      const items = (r && Array.isArray(r.items)) ? r.items : [];
      body.replaceChildren(...(items.length ? groups(items) : [h('div', { class: 'panel conn-empty', 'data-testid': 'conn-empty' },
        h('p', null, h('strong', null, t('conn.none'))), h('p', { class: 'muted' }, t('conn.none_hint')))]));
      hasList = true;
      status.textContent = t('conn.updated', { time: timeText(new Date().toISOString()), n: items.length });
      status.classList.remove('is-stale');
    } catch (e) {
      if (stopped || !ctx.isCurrent()) return;
      if (!hasList) { body.replaceChildren(problemBox(e, { retry: load })); }
      status.textContent = t('conn.refresh_failed');
      status.classList.add('is-stale');
      if (e.status === 401 || e.status === 403) return; // no point in asking again
    }
    timer = setTimeout(load, REFRESH_MS);
  }
  await load();
}
