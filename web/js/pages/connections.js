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
// With plant.write, each OPC UA endpoint has a Browse button that opens the browse dialog
// (openBrowseDialog below: the server's address space, node ids and map items to copy).
import { h } from '../dom.js';
import { t, has, getLang } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { icons } from '../icons.js';

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

/**
 * One protocol's items as a table (cards at phone width: every cell carries its label).
 * browse(c): opens the browse dialog of an OPC UA item (null: no Browse buttons).
 */
function protocolTable(items, proto, browse) {
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
    h('th', { scope: 'row', class: 'conn-code', 'data-testid': 'conn-code' }, h('span', { class: 'code' }, dash(c.code)),
      browse && c.protocol === 'opcua' && c.code ? h('button', {
        type: 'button', class: 'btn act conn-browse-btn', 'data-testid': 'conn-browse-btn', 'data-code': c.code,
        'aria-haspopup': 'dialog', title: t('conn.browse_title', { code: c.code }), onclick: () => browse(c),
      }, t('conn.browse')) : null),
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
function groups(items, browse) {
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
      h('div', { class: 'panel-body' }, protocolTable(list, proto, browse)));
  });
}

// ---- OPC UA browse dialog ---------------------------------------------------------------------
// Walks down an OPC UA endpoint's address space with POST /api/v1/opcua/browse (docs/opcua.md
// "Browsing"; permission plant.write), starting at the Objects folder: a breadcrumb of the path
// taken, the node's references (Objects and Views open on a click), each Variable with its
// current value, type, status and source time, its node id and a map item to copy. One browse
// request at a time for the whole page (BROWSE_CHAIN); the dialog stays usable while the server
// is slow and ignores an answer that arrives after it was closed. A modal <dialog>: Esc and the
// close button close it, focus goes back to the Browse button of the endpoint.

const BROWSE_PERM = 'plant.write';
export const canBrowse = (user) => ((user && user.permissions) || []).includes(BROWSE_PERM);

const OBJECTS_FOLDER = 'i=85';
/** Node classes whose children the dialog opens. */
const DESCEND = new Set(['Object', 'View']);
/** Built-in types whose (scalar) value can feed a tag (docs/opcua.md, step 4). */
const NUMERIC = new Set(['Boolean', 'SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Float', 'Double']);
const SLOW_MS = 2000;
const COPIED_MS = 1500;
const VALUE_MAX_CHARS = 200;
const ARRAY_SHOWN = 8;

const svg = (body) => `<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;
const CLASS_ICON = {
  Object: svg('<path d="M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2.5h8.5A1.5 1.5 0 0 1 21 9v9.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5z"/>'),
  Variable: svg('<path d="M3 12h4l3-7 4 14 3-7h4"/>'),
  Method: svg('<path d="M9 7 4 12l5 5M15 7l5 5-5 5"/>'),
  View: svg('<path d="M2 12s3.6-6.5 10-6.5S22 12 22 12s-3.6 6.5-10 6.5S2 12 2 12z"/><circle cx="12" cy="12" r="2.8"/>'),
  other: svg('<rect x="5" y="5" width="14" height="14" rx="2"/><path d="M9 12h6"/>'),
};
const classKey = (nc) => `ua_class.${String(nc || '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`;
const classLabel = (nc) => (has(classKey(nc)) ? t(classKey(nc)) : String(nc || DASH));

/** Status severity from the code's two top bits: Good, Uncertain, Bad. */
function statusTone(status) {
  const n = parseInt(String((status && status.code) || '0'), 16);
  const sev = Number.isFinite(n) ? n >>> 30 : 2;
  return sev === 0 ? 'ok' : sev === 1 ? 'warn' : 'bad';
}

/** A value of the browse answer as text (arrays shortened, long texts cut). */
export function uaValueText(v) {
  if (v === null || v === undefined) return DASH;
  let s;
  if (Array.isArray(v)) {
    const head = v.slice(0, ARRAY_SHOWN).map((x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)));
    s = `[${head.join(', ')}${v.length > ARRAY_SHOWN ? `, … (${v.length})` : ''}]`;
  } else s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > VALUE_MAX_CHARS ? `${s.slice(0, VALUE_MAX_CHARS - 1)}…` : s;
}

/** The map item for a variable, ready to paste into "items" (the tag key left to fill in). */
export function uaMapItem(ref) {
  const item = { tag: t('ua.tag_placeholder'), node_id: ref.node_id };
  if (ref.value && ref.value.is_array) item.index_range = '0';
  return JSON.stringify(item).replace(/","/g, '", "').replace(/":"/g, '": "');
}

// One browse request in flight for the page: each waits for the one before it.
let BROWSE_CHAIN = Promise.resolve();
function browseRequest(endpoint, nodeId) {
  const p = BROWSE_CHAIN.then(() => api('/opcua/browse', { method: 'POST', body: { endpoint, node_id: nodeId } }));
  BROWSE_CHAIN = p.catch(() => {});
  return p;
}

/** Copies text (navigator.clipboard), else selects el's text for Ctrl+C; says which in note. */
async function copyText(text, el, btn, note) {
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); copied = true; } catch { copied = false; }
  }
  if (!copied) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  note.textContent = copied ? t('ua.copied_text', { text }) : t('ua.selected');
  if (!btn.dataset.label) btn.dataset.label = btn.textContent;
  btn.textContent = copied ? t('ua.copied') : t('ua.selected_short');
  btn.classList.add('is-done');
  btn.dataset.copied = copied ? 'clipboard' : 'selected';
  clearTimeout(Number(btn.dataset.timer || 0));
  btn.dataset.timer = String(setTimeout(() => { btn.textContent = btn.dataset.label; btn.classList.remove('is-done'); }, COPIED_MS));
}

/** One reference of the answer as a list item; open(ref) descends into it. */
function referenceItem(ref, { open, note }) {
  const nc = ref.node_class || '';
  const canOpen = DESCEND.has(nc) && !ref.is_remote;
  const display = ref.display_name || ref.browse_name || ref.node_id;
  const names = h('span', { class: 'ua-names' },
    h('span', { class: 'ua-display', 'data-testid': 'ua-display-name' }, display),
    ref.browse_name && ref.browse_name !== display ? h('span', { class: 'ua-browse-name', 'data-testid': 'ua-browse-name' }, ref.browse_name) : null);
  const icon = h('span', { class: 'ua-icon', html: CLASS_ICON[nc] || CLASS_ICON.other });
  const head = canOpen
    ? h('button', { type: 'button', class: 'ua-open', 'data-testid': 'ua-open', 'aria-label': t('ua.open', { name: display }), onclick: () => open(ref) },
      icon, names, h('span', { class: 'ua-chev', html: icons.chevronRight }))
    : h('div', { class: 'ua-name' }, icon, names);
  const nodeId = h('code', { class: 'ua-node-id', 'data-testid': 'ua-node-id' }, ref.node_id);
  const li = h('li', {
    class: `ua-ref ua-c-${nc.toLowerCase() || 'other'}`, 'data-testid': 'ua-ref', 'data-node-id': ref.node_id, 'data-node-class': nc,
    'data-browse-name': ref.browse_name || '',
  },
  h('div', { class: 'ua-ref-head' }, head,
    h('span', { class: 'ua-class', 'data-testid': 'ua-class' }, classLabel(nc)),
    ref.is_remote ? h('span', { class: 'ua-class' }, t('ua.remote')) : null),
  h('div', { class: 'ua-ref-id' }, nodeId,
    nc === 'Variable' ? h('button', { type: 'button', class: 'btn ua-copy', 'data-testid': 'ua-copy-id', onclick: (e) => copyText(ref.node_id, nodeId, e.currentTarget, note) }, t('ua.copy_id')) : null));
  if (nc !== 'Variable') return li;

  const v = ref.value || null;
  const st = v && v.status;
  const type = v && v.type ? `${v.type}${v.is_array ? '[]' : ''}` : DASH;
  const pair = (key, content, testid) => h('span', { class: 'ua-val' }, h('span', { class: 'ua-val-label' }, t(key)), h('span', { 'data-testid': testid }, content));
  const valueText = v && 'value' in v ? uaValueText(v.value) : DASH;
  li.append(h('div', { class: 'ua-vals' },
    pair('ua.value', h('span', { class: 'ua-value', title: valueText.length > 40 ? valueText : false }, valueText), 'ua-value'),
    pair('ua.type', type, 'ua-type'),
    pair('ua.status', st ? h('span', { class: `badge ${statusTone(st)}`, title: st.code || false, 'data-code': st.code || '' }, st.name || st.code || DASH) : DASH, 'ua-status'),
    pair('ua.source_time', v && v.source_time ? timeCell(v.source_time, 'ua-source-time-at') : DASH, 'ua-source-time')));
  const snippetText = uaMapItem(ref);
  const snippet = h('code', { class: 'ua-snippet', 'data-testid': 'ua-snippet' }, snippetText);
  const why = !v || !v.type ? '' : v.is_array ? t('ua.note_array') : !NUMERIC.has(v.type) ? t('ua.note_not_number') : '';
  li.append(h('div', { class: 'ua-snippet-row' },
    h('span', { class: 'ua-val-label' }, t('ua.map_item')), snippet,
    h('button', { type: 'button', class: 'btn ua-copy', 'data-testid': 'ua-copy-item', onclick: (e) => copyText(snippetText, snippet, e.currentTarget, note) }, t('ua.copy_item')),
    why ? h('span', { class: 'ua-note', 'data-testid': 'ua-note' }, why) : null));
  return li;
}

/**
 * Opens the browse dialog of an OPC UA endpoint in container (the page's
 * `[data-testid="conn-browse"]`), replacing one already open; endpoint null just closes it.
 * returnFocus() names the element to focus after closing (the endpoint's Browse button).
 * @param {HTMLElement} container
 * @param {object|null} endpoint an OPC UA item of GET /api/v1/connections
 * @param {{returnFocus?: () => (HTMLElement|null)}} [opts]
 * @returns {HTMLDialogElement|null}
 */
export function openBrowseDialog(container, endpoint, { returnFocus } = {}) {
  for (const old of container.querySelectorAll('dialog')) { if (old.open) old.close(); old.remove(); }
  if (!endpoint) return null;
  const code = String(endpoint.code || '');
  let path = [{ nodeId: OBJECTS_FOLDER, name: t('ua.root') }];
  let busy = false;
  let closed = false;
  let slowTimer = 0;
  let refs = [];

  const titleId = `ua-browse-title-${Math.random().toString(36).slice(2, 8)}`;
  const title = h('h2', { id: titleId, tabindex: '-1', 'data-testid': 'ua-title' }, t('ua.title', { code }));
  const closeBtn = h('button', { type: 'button', class: 'icon-btn ua-close', 'data-testid': 'ua-close', 'aria-label': t('ua.close'), title: t('ua.close'), html: icons.close });
  const crumbs = h('ol', null);
  const filter = h('input', { type: 'search', class: 'ua-filter', 'data-testid': 'ua-filter', placeholder: t('ua.filter'), 'aria-label': t('ua.filter') });
  const countText = h('span', { class: 'muted small', 'data-testid': 'ua-count' });
  const tools = h('div', { class: 'ua-tools', hidden: true }, filter, countText);
  const note = h('p', { class: 'ua-copy-note', role: 'status', 'data-testid': 'ua-copy-note' });
  const body = h('div', { class: 'ua-body', 'data-testid': 'ua-body' });
  const dlg = h('dialog', { class: 'ua-dialog', 'data-testid': 'ua-browse', 'data-endpoint': code, 'aria-labelledby': titleId },
    h('div', { class: 'ua-head' },
      h('div', { class: 'ua-head-text' }, title,
        h('div', { class: 'ua-endpoint muted small' },
          h('span', { class: 'code' }, dash(endpoint.endpoint_url)), ' · ', `${dash(endpoint.security_policy)} · ${dash(endpoint.security_mode)}`)),
      closeBtn),
    h('nav', { class: 'ua-crumbs', 'aria-label': t('ua.path'), 'data-testid': 'ua-crumbs' }, crumbs),
    tools, body,
    h('div', { class: 'ua-foot' }, note, h('p', { class: 'muted small' }, t('ua.hint'))));

  function paintCrumbs() {
    crumbs.replaceChildren(...path.map((c, i) => h('li', null, i === path.length - 1
      ? h('span', { class: 'ua-crumb-here', tabindex: '-1', 'aria-current': 'location', 'data-testid': 'ua-crumb', 'data-node-id': c.nodeId }, c.name)
      : h('button', { type: 'button', class: 'ua-crumb', 'data-testid': 'ua-crumb', 'data-node-id': c.nodeId, disabled: busy,
        onclick: () => go(path.slice(0, i + 1), true) }, c.name))));
  }

  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const li of body.querySelectorAll('.ua-ref')) {
      const hit = !q || li.dataset.search.includes(q);
      li.hidden = !hit;
      if (hit) shown++;
    }
    countText.textContent = q ? t('ua.count_filtered', { n: shown, total: refs.length }) : t('ua.count', { n: refs.length });
    const none = body.querySelector('.ua-filter-none');
    if (none) none.hidden = shown > 0;
  }
  filter.addEventListener('input', applyFilter);

  function paintLoading() {
    tools.hidden = true;
    const msg = h('span', null, t('ua.loading'));
    body.replaceChildren(h('div', { class: 'ua-state page-loading', 'aria-busy': 'true', 'data-testid': 'ua-loading' }, h('span', { class: 'spinner' }), msg));
    const started = Date.now();
    clearInterval(slowTimer);
    slowTimer = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      if (Date.now() - started >= SLOW_MS) msg.textContent = t('ua.loading_slow', { s });
    }, 1000);
  }

  function paintError(e) {
    tools.hidden = true;
    const what = e.status === 0 ? t('error.network_body') : e.status === 403 ? t('error.no_permission_body') : (e.message || `HTTP ${e.status}`);
    body.replaceChildren(h('div', { class: 'ua-state' }, h('div', { class: 'problem', role: 'alert', 'data-testid': 'ua-error', 'data-status': String(e.status ?? '') },
      h('span', { class: 'problem-icon', html: icons.alert }),
      h('div', null, h('strong', null, t('ua.error_title')), h('p', { 'data-testid': 'ua-error-text' }, what),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'ua-retry', onclick: () => go(path, true) }, t('ui.retry'))))));
  }

  function paintList(r) {
    refs = Array.isArray(r && r.references) ? r.references : [];
    filter.value = '';
    const readError = r && r.read_error ? h('p', { class: 'form-error ua-read-error', role: 'status', 'data-testid': 'ua-read-error' }, t('ua.read_error', { msg: r.read_error })) : null;
    if (!refs.length) {
      tools.hidden = true;
      body.replaceChildren(...[readError, h('p', { class: 'empty ua-state', 'data-testid': 'ua-empty' }, t('ua.empty'))].filter(Boolean));
      return;
    }
    const list = h('ul', { class: 'ua-list', 'data-testid': 'ua-list' }, refs.map((ref) => {
      const li = referenceItem(ref, { open: (x) => go([...path, { nodeId: x.node_id, name: x.display_name || x.browse_name || x.node_id }], true), note });
      li.dataset.search = `${ref.display_name || ''}\n${ref.browse_name || ''}\n${ref.node_id || ''}`.toLowerCase();
      return li;
    }));
    body.replaceChildren(...[readError, list, h('p', { class: 'empty ua-filter-none', hidden: true }, t('ua.filter_none'))].filter(Boolean));
    body.scrollTop = 0;
    tools.hidden = false;
    applyFilter();
  }

  /** Browses the last node of next; refocus: the user moved, keep the keyboard in the dialog. */
  async function go(next, refocus) {
    if (busy || closed) return;
    busy = true;
    path = next;
    dlg.setAttribute('aria-busy', 'true');
    paintCrumbs();
    paintLoading();
    if (refocus) crumbs.querySelector('[aria-current]').focus();
    let r = null, err = null;
    try { r = await browseRequest(code, path[path.length - 1].nodeId); } catch (e) { err = e; }
    clearInterval(slowTimer);
    if (closed) return;
    busy = false;
    dlg.removeAttribute('aria-busy');
    paintCrumbs();
    if (err) paintError(err); else paintList(r);
    if (refocus || !dlg.contains(document.activeElement)) crumbs.querySelector('[aria-current]').focus();
  }

  function finish() {
    if (closed) return;
    closed = true;
    clearInterval(slowTimer);
    dlg.remove();
    const back = returnFocus ? returnFocus() : null;
    if (back && back.isConnected) back.focus();
  }
  closeBtn.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', finish);

  container.append(dlg);
  dlg.showModal();
  title.focus();
  go(path, false);
  return dlg;
}

export async function render(ctx) {
  ctx.setTitle(t('conn.title'));
  const status = h('span', { class: 'list-status', 'data-testid': 'conn-status', role: 'status' });
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('conn.title') }],
    title: t('conn.title'), sub: t('conn.sub'),
  }));
  const body = h('div', { class: 'conn-body', 'data-testid': 'conn-list' }, loading());
  const browseBox = h('div', { class: 'conn-browse', 'data-testid': 'conn-browse' }); // the OPC UA browse dialog lives here
  ctx.main.append(h('div', { class: 'conn-tools' }, status), body, browseBox);
  const browseButton = (code) => body.querySelector(`[data-testid="conn-browse-btn"][data-code="${CSS.escape(code)}"]`);
  const browse = canBrowse(ctx.user)
    ? (c) => openBrowseDialog(browseBox, c, { returnFocus: () => browseButton(c.code) })
    : null;

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
      // a refresh rebuilds the rows: keep the keyboard on a Browse button that had it
      const focused = document.activeElement && body.contains(document.activeElement) ? document.activeElement.dataset.code : undefined;
      body.replaceChildren(...(items.length ? groups(items, browse) : [h('div', { class: 'panel conn-empty', 'data-testid': 'conn-empty' },
        h('p', null, h('strong', null, t('conn.none'))), h('p', { class: 'muted' }, t('conn.none_hint')))]));
      hasList = true;
      if (focused) { const again = browseButton(focused); if (again) again.focus(); }
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
