// Assets list (filter by area, template, search) and asset detail (fields, parent and
// children, its tags with kind/unit/range/role).
import { h } from '../dom.js';
import { t, pickName, otherName, enumLabel } from '../i18n.js';
import { api } from '../api.js';
import { listView } from '../list.js';
import { pageHeader, panel, fields, problemBox, code, loading, chip, nameCell } from '../ui.js';
import { xy, text } from '../format.js';
import { fetchAll, fetchObj, refCell, prime } from '../lookup.js';
import { tagColumns } from './tags.js';

export const TEMPLATES = ['centrifugal_pump', 'compressor', 'storage_tank', 'reactor', 'heat_exchanger', 'pipe_rack', 'motor', 'loading_arm', 'gas_detector_group', 'valve'];

let templatesPromise = null;
/** The asset templates from the API (falls back to the built-in list of codes). */
export function templates() {
  if (!templatesPromise) {
    templatesPromise = api('/asset-templates').then((d) => (d && d.items) || [])
      .catch(() => { templatesPromise = null; return TEMPLATES.map((c) => ({ code: c, signal_roles: [] })); });
  }
  return templatesPromise;
}

export function areaOptions() {
  return fetchAll('/areas', {}, 1000).then((areas) => {
    prime('areas', areas);
    return areas.map((a) => ({ value: String(a.id), label: `${a.code} ${pickName(a)}` }));
  });
}

function templateOptions() {
  return templates().then((list) => list.map((tp) => ({ value: tp.code, label: enumLabel('template', tp.code) })));
}

export function assetColumns({ area = true, parent = true } = {}) {
  return [
    { label: 'field.code', cls: 'code-col', cell: (a) => h('a', { href: `#/assets/${a.id}`, class: 'code' }, a.code) },
    { label: 'field.name', cell: nameCell },
    { label: 'field.template', cell: (a) => enumLabel('template', a.template) || '—' },
    area ? { label: 'field.area', cell: (a) => refCell('areas', a.area_id) } : null,
    parent ? { label: 'field.parent', minor: true, cell: (a) => refCell('assets', a.parent_id, { withCode: true }) } : null,
    { label: 'field.position', minor: true, cls: 'num', cell: (a) => xy(a.x, a.y) },
  ].filter(Boolean);
}

export async function renderList(ctx) {
  ctx.setTitle(t('nav.assets'));
  ctx.main.append(pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.assets') }], title: t('assets.title') }));
  ctx.main.append(listView({
    path: '/assets',
    values: ctx.query,
    onValues: ctx.setQuery,
    filters: [
      { name: 'area_id', label: 'field.area', options: areaOptions },
      { name: 'template', label: 'field.template', options: templateOptions },
    ],
    rowTestId: 'asset-row',
    rowHref: (a) => `#/assets/${a.id}`,
    columns: assetColumns(),
    after: (items) => prime('assets', items),
  }));
}

export async function renderDetail(ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('nav.assets'));
  const holder = loading();
  ctx.main.append(holder);
  let asset;
  try {
    asset = await fetchObj('assets', id);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    holder.replaceWith(pageHeader({ crumbs: [{ href: '#/assets', label: t('nav.assets') }], title: `#${id}`, titleTestId: 'asset-heading' }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  ctx.setTitle(`${asset.code} ${pickName(asset)}`);
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/assets', label: t('nav.assets') }, { label: asset.code }],
    title: [h('span', { class: 'code title-code' }, asset.code), ' ', pickName(asset)],
    titleTestId: 'asset-heading',
    sub: otherName(asset) || null,
    extra: asset.template ? chip(enumLabel('template', asset.template), 'big') : null,
  }));

  const roles = h('span', { class: 'chips' }, '…');
  templates().then((list) => {
    const tp = list.find((x) => x.code === asset.template);
    roles.replaceChildren(...((tp && tp.signal_roles) || []).map((r) => chip(enumLabel('signal_role', r), 'subtle')));
    if (!roles.children.length) roles.textContent = '—';
  });

  ctx.main.append(h('div', { class: 'detail-grid' },
    panel('asset.info', fields([
      ['field.code', code(asset.code)],
      ['field.name', pickName(asset)],
      ['field.other_name', text(otherName(asset))],
      ['field.template', text(enumLabel('template', asset.template))],
      ['field.site', refCell('sites', asset.site_id, { link: false })],
      ['field.area', refCell('areas', asset.area_id)],
      ['field.parent', asset.parent_id ? refCell('assets', asset.parent_id, { withCode: true }) : h('span', { class: 'muted' }, t('asset.top_level'))],
      ['field.position', xy(asset.x, asset.y)],
    ], 'asset-fields')),
    panel('asset.signal_roles', h('div', null, h('p', { class: 'muted small' }, t('asset.signal_roles_hint')), roles))));

  ctx.main.append(panel('asset.tags', listView({
    path: '/tags', fixed: { asset_id: asset.id }, stateKey: 'asset-tags', testPrefix: 'asset-tags', search: false,
    rowTestId: 'asset-tag-row', rowHref: (x) => `#/tags/${x.id}`,
    columns: tagColumns({ asset: false, area: false, roleFirst: true }), emptyKey: 'asset.no_tags',
  }), { testid: 'asset-tags' }));

  ctx.main.append(panel('asset.children', listView({
    path: '/assets', fixed: { parent_id: asset.id }, stateKey: 'asset-children', testPrefix: 'asset-children', search: false,
    rowTestId: 'asset-child-row', rowHref: (a) => `#/assets/${a.id}`, pageSize: 20,
    columns: assetColumns({ area: false, parent: false }), emptyKey: 'asset.no_children',
  }), { testid: 'asset-children' }));
}
