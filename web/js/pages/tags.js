// Tags list (search, filter by kind and area) and tag detail.
import { h } from '../dom.js';
import { t, pickName, otherName, enumLabel } from '../i18n.js';
import { listView } from '../list.js';
import { pageHeader, panel, fields, problemBox, code, loading, chip, nameCell } from '../ui.js';
import { range, xy, text, num } from '../format.js';
import { fetchObj, refCell, prime } from '../lookup.js';
import { areaOptions } from './assets.js';

export const TAG_KINDS = ['temperature', 'pressure', 'differential_pressure', 'flow', 'level', 'vibration',
  'gas_combustible_lel', 'gas_toxic_ppm', 'oxygen_pct', 'ir_temperature', 'current', 'voltage', 'power', 'speed',
  'position', 'humidity', 'wind_speed', 'wind_direction', 'status', 'count'];

function roleCell(x) {
  if (!x.role) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'role-cell', title: x.role }, enumLabel('signal_role', x.role));
}

export function tagColumns({ asset = true, area = true, roleFirst = false } = {}) {
  const role = { label: 'field.role', cell: roleCell };
  return [
    { label: 'field.key', cls: 'code-col', cell: (x) => h('a', { href: `#/tags/${x.id}`, class: 'code' }, x.key) },
    roleFirst ? role : null,
    { label: 'field.name', minor: roleFirst, cell: nameCell },
    { label: 'field.tag_kind', minor: roleFirst, cell: (x) => h('span', { class: `kind kind-${x.kind}` }, enumLabel('tag_kind', x.kind)) },
    { label: 'field.unit', cls: 'unit', cell: (x) => text(x.unit) },
    { label: 'field.range', cls: 'num', cell: (x) => range(x.range_lo, x.range_hi) },
    asset ? { label: 'field.asset', cell: (x) => refCell('assets', x.asset_id, { withCode: true }) } : null,
    roleFirst ? null : role,
    area ? { label: 'field.area', minor: true, cell: (x) => refCell('areas', x.area_id) } : null,
  ].filter(Boolean);
}

export async function renderList(ctx) {
  ctx.setTitle(t('nav.tags'));
  ctx.main.append(pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.tags') }], title: t('tags.title') }));
  ctx.main.append(listView({
    path: '/tags',
    values: ctx.query,
    onValues: ctx.setQuery,
    filters: [
      { name: 'kind', label: 'field.tag_kind', options: async () => TAG_KINDS.map((k) => ({ value: k, label: enumLabel('tag_kind', k) })) },
      { name: 'area_id', label: 'field.area', options: areaOptions },
    ],
    rowTestId: 'tag-row',
    rowHref: (x) => `#/tags/${x.id}`,
    columns: tagColumns(),
    after: (items) => prime('tags', items),
  }));
}

export async function renderDetail(ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('nav.tags'));
  const holder = loading();
  ctx.main.append(holder);
  let tag;
  try {
    tag = await fetchObj('tags', id);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    holder.replaceWith(pageHeader({ crumbs: [{ href: '#/tags', label: t('nav.tags') }], title: `#${id}` }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  ctx.setTitle(`${tag.key} ${pickName(tag)}`);
  const isGas = tag.kind === 'gas_toxic_ppm' || tag.kind === 'gas_combustible_lel' || tag.gas;
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/tags', label: t('nav.tags') }, { label: tag.key }],
    title: [h('span', { class: 'code title-code' }, tag.key), ' ', pickName(tag)],
    titleTestId: 'tag-heading',
    sub: otherName(tag) || null,
    extra: chip(enumLabel('tag_kind', tag.kind), 'big'),
  }));
  ctx.main.append(h('div', { class: 'detail-grid' },
    panel('tag.info', fields([
      ['field.key', code(tag.key)],
      ['field.name', pickName(tag)],
      ['field.other_name', text(otherName(tag))],
      ['field.tag_kind', enumLabel('tag_kind', tag.kind)],
      ['field.unit', text(tag.unit)],
      ['field.range', range(tag.range_lo, tag.range_hi, tag.unit)],
    ], 'tag-fields')),
    panel('tag.where', fields([
      ['field.asset', refCell('assets', tag.asset_id, { withCode: true })],
      ['field.role', tag.role ? [enumLabel('signal_role', tag.role), ' ', h('span', { class: 'code muted' }, tag.role)] : '—'],
      ['field.area', refCell('areas', tag.area_id)],
      ['field.site', refCell('sites', tag.site_id, { link: false })],
      ['field.position', xy(tag.x, tag.y)],
      isGas ? ['field.gas', text(tag.gas)] : null,
      isGas ? ['field.oel', tag.oel === null || tag.oel === undefined ? '—' : num(tag.oel)] : null,
    ], 'tag-where'))));
}
