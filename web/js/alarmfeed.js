// The live alarm feed shared by every page: the set of standing (not normal) alarms, kept
// current from the Server-Sent Events stream /api/v1/events (event "alarm" = one journal
// entry). A full reload runs on every (re)connect; while the stream is down the set is
// reloaded every POLL_MS instead. Listeners get the whole set after each change (the shell's
// unacknowledged-count badge, the alarm list page). Optional sound: a short WebAudio beep
// for a new unacknowledged emergency or high alarm, off by default, kept in localStorage.
import { api, API_BASE } from './api.js';

export const POLL_MS = 10000;
export const SOUND_KEY = 'anjian.alarm_sound';
export const PRIORITIES = ['emergency', 'high', 'medium', 'low', 'diagnostic'];
export const PRIO_RANK = Object.fromEntries(PRIORITIES.map((p, i) => [p, i]));
export const UNACK_STATES = ['unack', 'rtn_unack'];
const SOUND_PRIORITIES = ['emergency', 'high'];

export const isUnack = (a) => UNACK_STATES.includes(a.state);

const feed = {
  items: new Map(),     // alarm id → item (replaced, never mutated, on every change)
  listeners: new Set(),
  es: null,
  pollTimer: 0,
  retryTimer: 0,
  loadSeq: 0,
  status: 'off',        // off | connecting | live | polling
  loaded: false,
  error: null,          // ApiError of the last failed load
  running: false,
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

export function alarms() { return [...feed.items.values()]; }
export function unackCount() {
  let n = 0;
  for (const a of feed.items.values()) if (isUnack(a) && a.priority !== 'diagnostic') n++;
  return n;
}
export function feedStatus() { return feed.status; }

/** Reload the whole set (GET /alarms?state=active). */
export async function reload() {
  const my = ++feed.loadSeq;
  try {
    const data = await api('/alarms', { params: { state: 'active', limit: 1000 } });
    if (my !== feed.loadSeq || !feed.running) return;
    feed.items = new Map(((data && data.items) || []).map((a) => [a.id, a]));
    feed.loaded = true;
    feed.error = null;
  } catch (e) {
    if (my !== feed.loadSeq || !feed.running) return;
    feed.error = e;
  }
  notify();
}

/** Apply the live status answered by an action (ack, shelve...) before the event arrives. */
export function applyLive(id, live) {
  const cur = feed.items.get(Number(id));
  if (!cur || !live || !live.state) return;
  if (live.state === 'normal') feed.items.delete(cur.id);
  else feed.items.set(cur.id, { ...cur, state: live.state, is_condition_active: live.is_condition_active ?? cur.is_condition_active });
  notify();
}

// Descriptive fields a journal entry does not carry: fetched once for a new alarm.
async function enrich(id) {
  try {
    const full = await api(`/alarms/${id}`);
    const cur = feed.items.get(id);
    if (!cur || !full) return;
    const { definition, live, journal, ...item } = full;
    // the entry we applied may be newer than the answer: keep its state and value
    feed.items.set(id, { ...item, state: cur.state, value: cur.value, is_condition_active: cur.is_condition_active,
      since: cur.since || item.since, since_ns: cur.since_ns || item.since_ns, pending: false });
    notify();
  } catch { /* the next reload fills it */ }
}

function applyEntry(e) {
  const id = e.alarm_id;
  if (id === undefined || id === null) return;
  const cur = feed.items.get(id);
  if (e.to === 'normal') {
    if (cur) { feed.items.delete(id); notify(); }
    return;
  }
  const activated = e.from === 'normal' || !cur;
  const next = {
    ...(cur || { id, tag_id: e.tag_id, tag_key: e.tag_key, pending: true }),
    kind: e.kind ?? cur?.kind,
    priority: e.priority ?? cur?.priority,
    limit: e.limit ?? cur?.limit,
    state: e.to,
    is_condition_active: e.is_condition_active,
    value: e.value ?? cur?.value ?? null,
  };
  if (activated && (e.from === 'normal' || !cur?.since)) { next.since = e.t; next.since_ns = e.t_ns; }
  feed.items.set(id, next);
  notify();
  if (!cur) enrich(id);
  if (e.from === 'normal' && e.to === 'unack' && SOUND_PRIORITIES.includes(next.priority)) beep(next.priority);
}

function startPolling() {
  if (feed.pollTimer) return;
  feed.pollTimer = setInterval(reload, POLL_MS);
}
function stopPolling() {
  clearInterval(feed.pollTimer);
  feed.pollTimer = 0;
}

function connect() {
  if (!feed.running || typeof EventSource !== 'function') { startPolling(); return; }
  const es = new EventSource(`${API_BASE}/events`, { withCredentials: true });
  feed.es = es;
  feed.status = 'connecting';
  es.addEventListener('open', () => {
    if (feed.es !== es) return;
    feed.status = 'live';
    stopPolling();
    reload(); // anything missed while away (the stream also replays by Last-Event-ID)
  });
  es.addEventListener('alarm', (ev) => {
    if (feed.es !== es) return;
    let entry;
    try { entry = JSON.parse(ev.data); } catch { return; }
    applyEntry(entry);
  });
  es.addEventListener('error', () => {
    if (feed.es !== es) return;
    feed.status = 'polling';
    startPolling();
    notify();
    if (es.readyState === EventSource.CLOSED) { // refused (e.g. 401/404): try again later
      feed.es = null;
      clearTimeout(feed.retryTimer);
      feed.retryTimer = setTimeout(connect, 30000);
    }
  });
}

/** Start the feed (after sign-in); idempotent. */
export function startFeed() {
  if (feed.running) return;
  feed.running = true;
  feed.loaded = false;
  feed.items = new Map();
  reload();
  connect();
  document.addEventListener('pointerdown', unlockAudio, { capture: true });
}

/** Stop it (sign-out). */
export function stopFeed() {
  feed.running = false;
  feed.loadSeq++;
  if (feed.es) feed.es.close();
  feed.es = null;
  stopPolling();
  clearTimeout(feed.retryTimer);
  feed.items = new Map();
  feed.loaded = false;
  feed.status = 'off';
  document.removeEventListener('pointerdown', unlockAudio, { capture: true });
  notify();
}

// ---- sound ---------------------------------------------------------------------------

let audio = null;

export function isSoundOn() {
  try { return localStorage.getItem(SOUND_KEY) === '1'; } catch { return false; }
}

export function setSound(on) {
  try { localStorage.setItem(SOUND_KEY, on ? '1' : '0'); } catch { /* ignore */ }
  if (on) { unlockAudio(); beep('high'); }
}

function unlockAudio() {
  if (!isSoundOn()) return;
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  if (!audio) audio = new Ctx();
  if (audio.state === 'suspended') audio.resume().catch(() => {});
}

/** Two short tones (three for emergency); silent when the sound is off or blocked. */
export function beep(priority) {
  if (!isSoundOn()) return;
  unlockAudio();
  if (!audio || audio.state !== 'running') return;
  const n = priority === 'emergency' ? 3 : 2;
  const freq = priority === 'emergency' ? 1046 : 880;
  const t0 = audio.currentTime + 0.02;
  for (let i = 0; i < n; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0 + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.15, t0 + i * 0.25 + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.25 + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(t0 + i * 0.25);
    osc.stop(t0 + i * 0.25 + 0.18);
  }
}
