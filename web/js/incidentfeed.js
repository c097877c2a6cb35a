// The live incident feed shared by every page: the active incidents of the failure-mode
// reasoner (GET /api/v1/incidents, state=active: open, acknowledged, in handling), kept
// current from the Server-Sent Events stream /api/v1/events (event "incident" = one change
// of one incident; the event names the incident, the list holds its state). The feed
// reloads the list shortly after each event (several events in a burst give one reload), on
// every (re)connect, and every POLL_MS while the stream is down. Listeners get the feed
// after each change (the shell's badge, the control-room page); event listeners also get
// the event itself (the control-room page reloads the incident it shows).
//
// The alarm feed (alarmfeed.js) keeps its own stream; this one asks for incident events
// only (/events?alarms=0).
import { api, API_BASE } from './api.js';

export const POLL_MS = 10000;
export const RELOAD_DEBOUNCE_MS = 250;
export const STREAM_RETRY_MS = 30000;
export const ACTIVE_STATES = ['open', 'acknowledged', 'in_handling'];
export const INCIDENT_STATES = ['open', 'acknowledged', 'in_handling', 'resolved', 'reviewed'];
const READ = ['plant', 'read'].join('.');

/** An incident nobody has acknowledged yet (sensor checks, priority diagnostic, not counted). */
export const isUnackIncident = (i) => i.state === 'open' && i.priority !== 'diagnostic';

const feed = {
  items: [],            // ranked as the server answers (priority, live evidence, confidence)
  byId: new Map(),
  listeners: new Set(),
  eventListeners: new Set(),
  es: null,
  pollTimer: 0,
  retryTimer: 0,
  reloadTimer: 0,
  loadSeq: 0,
  status: 'off',        // off | connecting | live | polling
  loaded: false,
  error: null,
  running: false,
  n_events: 0,
};

function notify() {
  for (const fn of feed.listeners) {
    try { fn(feed); } catch (e) { console.error(e); }
  }
}

/** fn(feed) after every change; returns the unsubscribe function. Called once at once. */
export function subscribe(fn) {
  feed.listeners.add(fn);
  fn(feed);
  return () => feed.listeners.delete(fn);
}

/** fn(event data) for every incident event of the stream; returns the unsubscribe function. */
export function onIncidentEvent(fn) {
  feed.eventListeners.add(fn);
  return () => feed.eventListeners.delete(fn);
}

export function activeIncidents() { return feed.items.slice(); }
export function incidentStatus() { return feed.status; }
export function unackIncidentCount() {
  let n = 0;
  for (const i of feed.items) if (isUnackIncident(i)) n++;
  return n;
}

function setItems(items) {
  feed.items = items;
  feed.byId = new Map(items.map((i) => [i.id, i]));
}

/** Reload the active list now. */
export async function reloadIncidents() {
  const my = ++feed.loadSeq;
  clearTimeout(feed.reloadTimer);
  feed.reloadTimer = 0;
  try {
    const data = await api('/incidents', { params: { state: 'active', limit: 500 } });
    if (my !== feed.loadSeq || !feed.running) return;
    setItems((data && data.items) || []);
    feed.loaded = true;
    feed.error = null;
  } catch (e) {
    if (my !== feed.loadSeq || !feed.running) return;
    feed.error = e;
  }
  notify();
}

function reloadSoon() {
  if (feed.reloadTimer) return;
  feed.reloadTimer = setTimeout(() => { feed.reloadTimer = 0; reloadIncidents(); }, RELOAD_DEBOUNCE_MS);
}

/** Put the incident an action answered into the list at once (the event that follows confirms it). */
export function applyIncident(inc) {
  if (!inc || inc.id === undefined) return;
  const active = ACTIVE_STATES.includes(inc.state);
  const { timeline, suppressed_alarms: sup, ...item } = inc;
  if (feed.byId.has(inc.id)) {
    setItems(active ? feed.items.map((i) => (i.id === inc.id ? item : i)) : feed.items.filter((i) => i.id !== inc.id));
  } else if (active) {
    setItems([...feed.items, item]);
    reloadSoon(); // its rank
  }
  notify();
}

function startPolling() {
  if (feed.pollTimer) return;
  feed.pollTimer = setInterval(reloadIncidents, POLL_MS);
}
function stopPolling() {
  clearInterval(feed.pollTimer);
  feed.pollTimer = 0;
}

function connect() {
  if (!feed.running || typeof EventSource !== 'function') { feed.status = 'polling'; startPolling(); return; }
  const es = new EventSource(`${API_BASE}/events?alarms=0`, { withCredentials: true }); // incidents only
  feed.es = es;
  feed.status = 'connecting';
  es.addEventListener('open', () => {
    if (feed.es !== es) return;
    feed.status = 'live';
    stopPolling();
    reloadIncidents(); // whatever changed while away (incident events are not replayed)
  });
  es.addEventListener('incident', (ev) => {
    if (feed.es !== es) return;
    let data;
    try { data = JSON.parse(ev.data); } catch { return; }
    feed.n_events++;
    for (const fn of feed.eventListeners) {
      try { fn(data); } catch (e) { console.error(e); }
    }
    reloadSoon();
  });
  es.addEventListener('error', () => {
    if (feed.es !== es) return;
    feed.status = 'polling';
    startPolling();
    notify();
    if (es.readyState === EventSource.CLOSED) { // refused (401, 503...): try again later
      feed.es = null;
      clearTimeout(feed.retryTimer);
      feed.retryTimer = setTimeout(connect, STREAM_RETRY_MS);
    }
  });
}

/** Start the feed after sign-in (only for users who may read the plant); idempotent. */
export function startIncidentFeed(user) {
  if (feed.running) return;
  if (!((user && user.permissions) || []).includes(READ)) return;
  feed.running = true;
  feed.loaded = false;
  setItems([]);
  reloadIncidents();
  connect();
  window.__ajIncidentFeed = { status: () => feed.status, events: () => feed.n_events, count: () => feed.items.length };
}

/** Stop it (sign-out). */
export function stopIncidentFeed() {
  feed.running = false;
  feed.loadSeq++;
  if (feed.es) feed.es.close();
  feed.es = null;
  stopPolling();
  clearTimeout(feed.retryTimer);
  clearTimeout(feed.reloadTimer);
  feed.reloadTimer = 0;
  setItems([]);
  feed.loaded = false;
  feed.status = 'off';
  notify();
}
