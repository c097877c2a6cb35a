// People list (search, organisation filter; organisation, roles, badge UID, certificates with
// a status badge) and person detail with the certificates table.
import { h } from '../dom.js';
import { t, pickName, otherName, enumLabel } from '../i18n.js';
import { listView } from '../list.js';
import { pageHeader, panel, fields, problemBox, code, loading, roleChips, nameCell } from '../ui.js';
import { text, certStatus, statusBadge, worstStatus, REVIEW_WINDOW_DAYS } from '../format.js';
import { fetchAll, fetchObj, refCell, prime, getObj, eachLimited } from '../lookup.js';

export const CERT_TYPES = ['electrical', 'welding_cutting', 'work_at_height', 'hazchem_process', 'lifting', 'confined_space', 'boiler_pressure_vessel', 'forklift'];

function orgOptions() {
  return fetchAll('/organisations', {}, 1000).then((orgs) => {
    prime('organisations', orgs);
    return orgs.map((o) => ({ value: String(o.id), label: `${pickName(o)} · ${enumLabel('org_kind', o.kind)}` }));
  });
}

/** Small badges, one per certificate, coloured by status. */
export function certBadges(certs) {
  if (!certs || !certs.length) return h('span', { class: 'muted' }, t('person.no_certs'));
  return h('span', { class: 'chips', 'data-testid': 'cert-badges', 'data-worst': worstStatus(certs) },
    certs.map((c) => {
      const st = certStatus(c);
      const b = statusBadge(st, enumLabel('cert_type', c.type));
      b.title = `${t(`cert.status.${st}`)} · ${c.number || ''} · ${t('field.expires_on')} ${c.expires_on || '—'}`;
      return b;
    }));
}

export async function renderList(ctx) {
  ctx.setTitle(t('nav.people'));
  ctx.main.append(pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.people') }], title: t('people.title') }));
  ctx.main.append(listView({
    path: '/people',
    values: ctx.query,
    onValues: ctx.setQuery,
    filters: [{ name: 'org_id', label: 'field.org', options: orgOptions }],
    rowTestId: 'person-row',
    rowHref: (p) => `#/people/${p.id}`,
    columns: [
      { label: 'field.person_code', cls: 'code-col', cell: (p) => h('a', { href: `#/people/${p.id}`, class: 'code' }, p.code) },
      { label: 'field.person_name', cell: nameCell },
      { label: 'field.org', minor: true, cell: (p) => refCell('organisations', p.org_id, { link: false }) },
      { label: 'field.department', minor: true, cell: (p) => text(p.department) },
      { label: 'field.roles', cell: (p) => roleChips(p.roles) },
      { label: 'field.badge', cls: 'code-col', minor: true, cell: (p) => code(p.badge_uid) },
      { label: 'field.certificates', cls: 'certs-col', cell: (p) => (Array.isArray(p.certificates) ? certBadges(p.certificates) : h('span', { class: 'muted pending' }, '…')) },
    ],
    after: (items, rows) => {
      // The list answer may not carry certificates: fetch each person (few at a time).
      const todo = items.map((p, i) => ({ p, row: rows[i] })).filter((x) => !Array.isArray(x.p.certificates));
      eachLimited(todo, 4, async ({ p, row }) => {
        const full = await getObj('people', p.id);
        const cell = row.querySelector('.certs-col');
        if (!cell || !row.isConnected) return;
        cell.replaceChildren(full && Array.isArray(full.certificates) ? certBadges(full.certificates) : h('span', { class: 'muted' }, '—'));
      });
    },
  }));
}

export async function renderDetail(ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('nav.people'));
  const holder = loading();
  ctx.main.append(holder);
  let p;
  try {
    p = await fetchObj('people', id);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    holder.replaceWith(pageHeader({ crumbs: [{ href: '#/people', label: t('nav.people') }], title: `#${id}` }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  ctx.setTitle(pickName(p));
  const certs = p.certificates || [];
  const worst = worstStatus(certs);
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/people', label: t('nav.people') }, { label: p.code }],
    title: [pickName(p), ' ', h('span', { class: 'code title-code' }, p.code)],
    titleTestId: 'person-heading',
    sub: otherName(p) || null,
    extra: worst ? statusBadge(worst) : null,
  }));
  ctx.main.append(h('div', { class: 'detail-grid' },
    panel('person.info', fields([
      ['field.person_code', code(p.code)],
      ['field.person_name', pickName(p)],
      ['field.other_name', text(otherName(p))],
      ['field.org', refCell('organisations', p.org_id, { link: false })],
      ['field.department', text(p.department)],
      ['field.roles', roleChips(p.roles)],
      ['field.badge', code(p.badge_uid)],
      ['field.phone', text(p.phone)],
    ], 'person-fields')),
    panel('person.cert_rules', h('div', { class: 'small' },
      h('p', null, t('person.cert_rules_text', { days: REVIEW_WINDOW_DAYS })),
      h('div', { class: 'chips' }, ['valid', 'review_due', 'expired'].map((st) => statusBadge(st)))))));

  const rows = certs.map((c) => {
    const st = certStatus(c);
    return h('tr', { 'data-testid': 'cert-row', 'data-status': st },
      h('td', null, enumLabel('cert_type', c.type)),
      h('td', { class: 'code-col' }, code(c.number)),
      h('td', { class: 'date minor' }, text(c.issued_on)),
      h('td', { class: 'date' }, text(c.expires_on)),
      h('td', { class: 'date' }, text(c.next_review_on)),
      h('td', null, statusBadge(st)));
  });
  const table = certs.length
    ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
      h('thead', null, h('tr', null,
        h('th', null, t('field.cert_type')), h('th', null, t('field.cert_number')), h('th', { class: 'minor' }, t('field.issued_on')),
        h('th', null, t('field.expires_on')), h('th', null, t('field.next_review_on')), h('th', null, t('field.status')))),
      h('tbody', { 'data-testid': 'cert-body' }, rows)))
    : h('div', { class: 'empty' }, t('person.no_certs'));
  ctx.main.append(panel('person.certificates', table, { testid: 'person-certs' }));
}
