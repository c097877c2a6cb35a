// The paged list: search box, filters, dense table, cursor paging with a stack of cursors.
// The API answers {items, next_cursor}; "previous page" pops the stack.
import { api } from './api.js';
import { h, debounce } from './dom.js';
import { t } from './i18n.js';
import { icons } from './icons.js';
import { problemBox } from './ui.js';

// Paging state survives re-renders (language switch, back navigation) for the same query.
const states = new Map();

/**
 * listView(opts) → element that loads itself.
 *  path        API path, e.g. '/assets'
 *  fixed       params always sent (e.g. {asset_id: 12})
 *  columns     [{label: 'msg.key', cell: (item) => Node|string, cls, minor}]
 *  filters     [{name, label: 'msg.key', options: () => Promise<[{value,label}]>}]
 *  search      show the search box (q)
 *  values      initial filter values incl. q (from the URL)
 *  onValues    called with the values whenever the user changes them (URL sync)
 *  rowTestId   data-testid of each row; rowHref(item) → '#/...'
 *  after       (items, rows) => void, after rows are rendered (lazy cells)
 *  testPrefix  prefix for the pager/search test ids when several lists share a page
 *  emptyKey    message key for "no rows"
 */
export function listView(opts) {
  const {
    path, fixed = {}, columns, filters = [], search = true, values = {}, onValues,
    rowTestId = 'row', rowHref, after, testPrefix = '', emptyKey = 'list.empty', pageSize = 50,
    stateKey = path,
  } = opts;
  const tid = (name) => (testPrefix ? `${testPrefix}-${name}` : name);
  const vals = {};
  for (const f of filters) vals[f.name] = values[f.name] || '';
  vals.q = values.q || '';

  const key = () => `${stateKey}|${JSON.stringify(fixed)}|${JSON.stringify(vals)}`;
  const state = () => {
    const k = key();
    if (!states.has(k)) states.set(k, { stack: [], cursor: null });
    return states.get(k);
  };

  let next = null;
  let seq = 0;

  // Toolbar
  const searchInput = search ? h('input', {
    type: 'search', class: 'search-input', value: vals.q, 'data-testid': tid('search-input'),
    placeholder: t('list.search_placeholder'), 'aria-label': t('list.search'), autocomplete: 'off',
    enterkeyhint: 'search',
  }) : null;
  const filterEls = filters.map((f) => {
    const sel = h('select', { 'data-testid': tid(`filter-${f.name}`), 'aria-label': t(f.label) },
      h('option', { value: '' }, `${t(f.label)}: ${t('list.all')}`));
    if (vals[f.name]) sel.append(h('option', { value: vals[f.name], selected: true }, vals[f.name]));
    Promise.resolve(f.options ? f.options() : []).then((options) => {
      const cur = vals[f.name];
      sel.replaceChildren(h('option', { value: '' }, `${t(f.label)}: ${t('list.all')}`));
      for (const o of options) sel.append(h('option', { value: o.value }, o.label));
      sel.value = cur;
      if (cur && sel.value !== String(cur)) { // unknown value: keep it selectable
        sel.append(h('option', { value: cur }, cur));
        sel.value = cur;
      }
    }).catch(() => { sel.disabled = true; });
    sel.addEventListener('change', () => { vals[f.name] = sel.value; changed(); });
    return h('label', { class: 'filter' }, sel);
  });
  const status = h('span', { class: 'list-status', 'aria-live': 'polite' });

  const toolbar = (search || filters.length) ? h('form', {
    class: 'toolbar', role: 'search',
    onsubmit: (e) => { e.preventDefault(); if (searchInput) { vals.q = searchInput.value.trim(); changed(); } },
  },
  searchInput ? h('div', { class: 'search-box' }, h('span', { class: 'search-icon', html: icons.search }), searchInput) : null,
  filterEls,
  h('button', { type: 'submit', class: 'btn', 'data-testid': tid('search-submit') }, t('list.search')),
  ) : null;

  if (searchInput) {
    const live = debounce(() => {
      const v = searchInput.value.trim();
      if (v !== vals.q) { vals.q = v; changed(); }
    }, 400);
    searchInput.addEventListener('input', live);
  }

  // Table
  const thead = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', { class: [c.cls, c.minor ? 'minor' : ''].filter(Boolean).join(' '), scope: 'col' }, t(c.label)))));
  const tbody = h('tbody', { 'data-testid': tid('list-body') });
  const table = h('table', { class: 'grid' }, thead, tbody);
  const wrap = h('div', { class: 'table-wrap' }, table);
  const message = h('div', { class: 'list-message', hidden: true });

  const prevBtn = h('button', { type: 'button', class: 'btn pager-btn', 'data-testid': tid('pager-prev'),
    onclick: () => { const st = state(); if (!st.stack.length) return; st.cursor = st.stack.pop(); load(); } },
  h('span', { html: icons.chevronLeft }), t('list.prev'));
  const nextBtn = h('button', { type: 'button', class: 'btn pager-btn', 'data-testid': tid('pager-next'),
    onclick: () => { if (!next) return; const st = state(); st.stack.push(st.cursor); st.cursor = next; load(); } },
  t('list.next'), h('span', { html: icons.chevronRight }));
  const pageLabel = h('span', { class: 'page-label', 'data-testid': tid('pager-page') });
  const pagerButtons = h('div', { class: 'pager-buttons' }, prevBtn, pageLabel, nextBtn);
  const pager = h('nav', { class: 'pager', 'aria-label': t('list.paging') }, status, pagerButtons);

  const root = h('section', { class: 'list', 'aria-busy': 'false' }, toolbar, wrap, message, pager);

  function changed() {
    if (onValues) onValues({ ...vals });
    const st = state();
    st.stack = []; st.cursor = null;
    load();
  }

  function showMessage(node) {
    message.replaceChildren(node);
    message.hidden = false;
  }

  async function load() {
    const my = ++seq;
    const st = state();
    root.setAttribute('aria-busy', 'true');
    root.classList.add('loading');
    if (!tbody.children.length) status.textContent = t('list.loading');
    prevBtn.disabled = true; nextBtn.disabled = true;
    let data;
    try {
      data = await api(path, { params: { ...fixed, ...vals, limit: pageSize, cursor: st.cursor } });
    } catch (e) {
      if (my !== seq) return;
      root.setAttribute('aria-busy', 'false');
      root.classList.remove('loading');
      tbody.replaceChildren();
      wrap.hidden = true; pager.hidden = true; status.textContent = '';
      if (toolbar && e.status === 403) toolbar.hidden = true;
      showMessage(problemBox(e, { retry: e.status === 403 ? null : load }));
      return;
    }
    if (my !== seq) return;
    root.setAttribute('aria-busy', 'false');
    root.classList.remove('loading');
    const items = (data && data.items) || [];
    next = (data && data.next_cursor) || null;
    const rows = items.map((item) => {
      const href = rowHref ? rowHref(item) : null;
      const tr = h('tr', { 'data-testid': rowTestId, 'data-id': item.id, class: href ? 'link-row' : '' },
        columns.map((c) => h('td', { class: [c.cls, c.minor ? 'minor' : ''].filter(Boolean).join(' ') }, c.cell(item))));
      if (href) {
        tr.tabIndex = 0;
        tr.addEventListener('click', (e) => {
          if (e.target.closest('a, button, input, select')) return;
          location.hash = href;
        });
        tr.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' && e.target === tr) location.hash = href;
        });
      }
      return tr;
    });
    tbody.replaceChildren(...rows);
    wrap.hidden = items.length === 0;
    message.hidden = true;
    if (!items.length) showMessage(h('div', { class: 'empty', 'data-testid': tid('list-empty') }, t(emptyKey)));
    const page = st.stack.length + 1;
    pageLabel.textContent = t('list.page', { n: page });
    status.textContent = items.length ? t('list.rows_on_page', { n: items.length }) : '';
    prevBtn.disabled = st.stack.length === 0;
    nextBtn.disabled = !next;
    pagerButtons.hidden = page === 1 && !next;
    pager.hidden = !items.length && page === 1;
    if (after) after(items, rows);
  }

  load();
  return root;
}
