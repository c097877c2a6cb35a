// Shared page pieces: page header, panels, field lists, problem boxes, chips.
import { h } from './dom.js';
import { t, enumLabel, pickName, otherName } from './i18n.js';
import { icons } from './icons.js';

/** Page header: breadcrumbs [{href, label}], title (node or string), optional extra nodes. */
export function pageHeader({ crumbs = [], title, titleTestId = 'page-title', sub, extra }) {
  return h('header', { class: 'page-head' },
    crumbs.length ? h('nav', { class: 'crumbs', 'aria-label': t('ui.breadcrumbs') },
      crumbs.map((c, i) => [i ? h('span', { class: 'sep', 'aria-hidden': 'true' }, '/') : null,
        c.href ? h('a', { href: c.href }, c.label) : h('span', null, c.label)])) : null,
    h('div', { class: 'page-title-row' },
      h('h1', { class: 'page-title', 'data-testid': titleTestId }, title),
      extra || null),
    sub ? h('p', { class: 'page-sub' }, sub) : null);
}

export function panel(titleKey, body, { testid, extra, cls = '' } = {}) {
  return h('section', { class: `panel ${cls}`, 'data-testid': testid },
    titleKey ? h('header', { class: 'panel-head' }, h('h2', null, t(titleKey)), extra || null) : null,
    h('div', { class: 'panel-body' }, body));
}

/** Definition list from [[labelKey, value(Node|string)], ...]. */
export function fields(rows, testid) {
  return h('dl', { class: 'fields', 'data-testid': testid },
    rows.filter(Boolean).map(([k, v]) => h('div', { class: 'field' }, h('dt', null, t(k)), h('dd', null, v))));
}

export function chip(label, cls = '') {
  return h('span', { class: `chip ${cls}` }, label);
}

export function roleChips(roles) {
  return h('span', { class: 'chips' }, (roles || []).map((r) => chip(enumLabel('role', r))));
}

export function code(v) {
  return h('span', { class: 'code' }, v === null || v === undefined || v === '' ? '—' : String(v));
}

/** A box for a failed load: no permission (403), not found (404), offline, or other. */
export function problemBox(err, { retry } = {}) {
  const status = err && err.status;
  if (status === 403) {
    return h('div', { class: 'problem perm', 'data-testid': 'no-permission', role: 'alert' },
      h('span', { class: 'problem-icon', html: icons.lock }),
      h('div', null, h('strong', null, t('error.no_permission_title')), h('p', null, t('error.no_permission_body'))));
  }
  let titleKey = 'error.load_failed';
  let body = err && err.message ? err.message : '';
  if (status === 404) { titleKey = 'error.not_found_title'; body = t('error.not_found_body'); }
  else if (status === 0) { titleKey = 'error.network_title'; body = t('error.network_body'); }
  else if (status === 429) { body = t('error.throttled_body'); }
  return h('div', { class: 'problem', 'data-testid': 'load-error', role: 'alert' },
    h('span', { class: 'problem-icon', html: icons.alert }),
    h('div', null, h('strong', null, t(titleKey)), body ? h('p', null, body) : null,
      retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, t('ui.retry')) : null));
}

export function loading() {
  return h('div', { class: 'page-loading', 'aria-busy': 'true' }, h('span', { class: 'spinner' }), t('list.loading'));
}

/** Name in the current language with the other language as a muted second line. */
export function nameCell(obj) {
  const other = otherName(obj);
  return h('span', { class: 'name-cell' }, pickName(obj), other ? h('span', { class: 'name-other' }, other) : null);
}
