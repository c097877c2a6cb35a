// Formatting of numbers, ranges, coordinates and certificate status.
import { getLang, t } from './i18n.js';
import { h } from './dom.js';

export const DASH = '—';

export function num(v, digits = 3) {
  if (v === null || v === undefined || v === '' || Number.isNaN(Number(v))) return DASH;
  return new Intl.NumberFormat(getLang(), { maximumFractionDigits: digits }).format(Number(v));
}

export function range(lo, hi, unit) {
  if ((lo === null || lo === undefined) && (hi === null || hi === undefined)) return DASH;
  const r = `${num(lo)} – ${num(hi)}`;
  return unit ? `${r} ${unit}` : r;
}

export function xy(x, y) {
  if (x === null || x === undefined || y === null || y === undefined) return DASH;
  return `${num(x, 1)}, ${num(y, 1)}`;
}

export function latlon(lat, lon) {
  if (lat === null || lat === undefined || lon === null || lon === undefined) return DASH;
  return `${num(lat, 5)}, ${num(lon, 5)}`;
}

export function text(v) {
  return v === null || v === undefined || v === '' ? DASH : String(v);
}

export function dateTime(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(getLang(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** Today as YYYY-MM-DD in local time. */
export function todayIso(now = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

function addDaysIso(iso, days) {
  const [y, m, d] = iso.split('-').map(Number);
  const dt = new Date(y, m - 1, d + days);
  return todayIso(dt);
}

export const REVIEW_WINDOW_DAYS = 60;

/**
 * 'expired' when expires_on is past; 'review_due' when the review (or expiry) falls within
 * the next 60 days or is already overdue; otherwise 'valid'.
 */
export function certStatus(cert, today = todayIso()) {
  const exp = cert && cert.expires_on ? String(cert.expires_on).slice(0, 10) : '';
  const rev = cert && cert.next_review_on ? String(cert.next_review_on).slice(0, 10) : '';
  if (exp && exp < today) return 'expired';
  const limit = addDaysIso(today, REVIEW_WINDOW_DAYS);
  if (rev && rev <= limit) return 'review_due';
  if (exp && exp <= limit) return 'review_due';
  return 'valid';
}

const STATUS_CLASS = { valid: 'ok', review_due: 'warn', expired: 'bad' };
const STATUS_ORDER = { expired: 0, review_due: 1, valid: 2 };

export function statusBadge(status, label) {
  return h('span', { class: `badge ${STATUS_CLASS[status] || ''}`, 'data-status': status },
    label || t(`cert.status.${status}`));
}

/** Worst status of a list of certificates, or '' when none. */
export function worstStatus(certs) {
  let worst = '';
  for (const c of certs || []) {
    const st = certStatus(c);
    if (!worst || STATUS_ORDER[st] < STATUS_ORDER[worst]) worst = st;
  }
  return worst;
}
