// The JSON API client. The session is the HttpOnly cookie aj_session set by the server;
// the CSRF token from login or /auth/me lives in sessionStorage and goes out as
// X-CSRF-Token on every non-GET request.

export const API_BASE = '/api/v1';
const CSRF_KEY = 'anjian.csrf';

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code || `HTTP ${status}`);
    this.status = status;          // 0 for a network failure
    this.code = code || '';
    this.retryAfter = retryAfter;  // seconds, when the server said so
    this.details = null;           // error.details of the answer (e.g. a permit's refusal)
    this.refusal = '';             // error.details.refusal: the rule that refused a permit event
  }
}

let unauthorizedHandler = null;
/** Called with the error when a request (other than login/me) answers 401. */
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

export function setCsrf(token) {
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch { /* ignore */ }
}
export function getCsrf() {
  try { return sessionStorage.getItem(CSRF_KEY) || ''; } catch { return ''; }
}

export function buildQuery(params) {
  const q = new URLSearchParams();
  if (params) for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    q.set(k, String(v));
  }
  const str = q.toString();
  return str ? `?${str}` : '';
}

/** api('/assets', {params: {q: 'P-1'}}) → parsed JSON; throws ApiError. */
export async function api(path, { method = 'GET', params, body, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = getCsrf();
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res;
  try {
    res = await fetch(API_BASE + path + buildQuery(params), init);
  } catch (e) {
    throw new ApiError(0, 'network', e && e.message);
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const ra = parseInt(res.headers.get('Retry-After') || '', 10);
    const e = new ApiError(res.status, err.code, err.message, Number.isFinite(ra) ? ra : undefined);
    e.details = err.details || null;
    e.refusal = (err.details && err.details.refusal) || '';
    if (res.status === 401 && !quiet401 && unauthorizedHandler) unauthorizedHandler(e);
    throw e;
  }
  return data;
}
