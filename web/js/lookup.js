// Cached look-ups of single objects by id and of small option lists, so list rows can show
// names of areas, assets and organisations instead of bare ids.
import { api } from './api.js';
import { h } from './dom.js';
import { pickName } from './i18n.js';
import { DASH } from './format.js';

const objects = new Map();   // 'areas:3' → Promise<object|null>
const lists = new Map();     // '/areas?...' → Promise<items[]>

export function clearCache() { objects.clear(); lists.clear(); }

/** Put objects already fetched (e.g. from a list) into the cache. */
export function prime(family, items) {
  for (const it of items || []) {
    if (it && it.id !== undefined) objects.set(`${family}:${it.id}`, Promise.resolve(it));
  }
}

/** GET /family/id once per session; resolves null on any error. */
export function getObj(family, id) {
  if (id === null || id === undefined || id === '') return Promise.resolve(null);
  const key = `${family}:${id}`;
  if (!objects.has(key)) {
    objects.set(key, api(`/${family}/${encodeURIComponent(id)}`).catch(() => null));
  }
  return objects.get(key);
}

/** GET /family/id, replacing any cached copy (used by detail pages); throws ApiError. */
export async function fetchObj(family, id) {
  const obj = await api(`/${family}/${encodeURIComponent(id)}`);
  objects.set(`${family}:${id}`, Promise.resolve(obj));
  return obj;
}

/** All items of a list, following cursors, at most max items. Cached. Throws ApiError. */
export function fetchAll(path, params = {}, max = 1000) {
  const key = path + JSON.stringify(params) + max;
  if (!lists.has(key)) {
    const p = (async () => {
      const out = [];
      let cursor = null;
      do {
        const data = await api(path, { params: { ...params, limit: 100, cursor } });
        out.push(...(data.items || []));
        cursor = data.next_cursor;
      } while (cursor && out.length < max);
      return out;
    })();
    p.catch(() => lists.delete(key));
    lists.set(key, p);
  }
  return lists.get(key);
}

/**
 * A cell that shows the named object: link to its page, filled when the look-up resolves.
 * withCode shows "CODE name".
 */
export function refCell(family, id, { withCode = false, link = true } = {}) {
  if (id === null || id === undefined || id === '') return h('span', { class: 'muted' }, DASH);
  const span = h('span', { class: 'ref pending' }, `#${id}`);
  getObj(family, id).then((obj) => {
    span.classList.remove('pending');
    if (!obj) return;
    const name = pickName(obj);
    const label = withCode && obj.code ? [h('span', { class: 'code' }, obj.code), ' ', name] : [name];
    const el = link ? h('a', { href: `#/${family}/${obj.id}`, class: 'ref' }, ...label)
      : h('span', { class: 'ref' }, ...label);
    span.replaceWith(el);
  });
  return span;
}

/** Run fn over items with at most n in flight. */
export async function eachLimited(items, n, fn) {
  let i = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) {
      const item = items[i++];
      try { await fn(item); } catch { /* per-item failures are shown by fn */ }
    }
  });
  await Promise.all(workers);
}
