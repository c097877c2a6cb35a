// Areas list and area detail (outline as inline SVG, its assets and tags).
import { h } from '../dom.js';
import { t, pickName, otherName, enumLabel } from '../i18n.js';
import { listView } from '../list.js';
import { pageHeader, panel, fields, problemBox, code, loading, nameCell } from '../ui.js';
import { latlon, text, num } from '../format.js';
import { fetchAll, fetchObj, refCell, prime } from '../lookup.js';
import { polygonThumb, areaMap } from '../areamap.js';
import { assetColumns } from './assets.js';
import { tagColumns } from './tags.js';

export const AREA_KINDS = ['tank_farm', 'process_unit', 'pump_house', 'loading_bay', 'utility', 'warehouse', 'control_room', 'office', 'road'];

function siteOptions() {
  return fetchAll('/sites', {}, 100).then((sites) => sites.map((s) => ({ value: String(s.id), label: pickName(s) })));
}

export async function renderList(ctx) {
  ctx.setTitle(t('nav.areas'));
  ctx.main.append(pageHeader({ crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.areas') }], title: t('areas.title') }));
  ctx.main.append(listView({
    path: '/areas',
    values: ctx.query,
    onValues: ctx.setQuery,
    filters: [{ name: 'site_id', label: 'field.site', options: siteOptions }],
    rowTestId: 'area-row',
    rowHref: (a) => `#/areas/${a.id}`,
    columns: [
      { label: 'field.outline', cls: 'thumb-col', minor: true, cell: (a) => polygonThumb(a.polygon) },
      { label: 'field.code', cls: 'code-col', cell: (a) => h('a', { href: `#/areas/${a.id}`, class: 'code' }, a.code) },
      { label: 'field.name', cell: nameCell },
      { label: 'field.area_kind', cell: (a) => enumLabel('area_kind', a.kind) || '—' },
      { label: 'field.site', minor: true, cell: (a) => refCell('sites', a.site_id, { link: false }) },
      { label: 'field.latlon', minor: true, cls: 'num', cell: (a) => latlon(a.lat, a.lon) },
    ],
    after: (items) => prime('areas', items),
  }));
}

export async function renderDetail(ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('nav.areas'));
  const holder = loading();
  ctx.main.append(holder);
  let area;
  try {
    area = await fetchObj('areas', id);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    holder.replaceWith(pageHeader({ crumbs: [{ href: '#/areas', label: t('nav.areas') }], title: `#${id}` }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  holder.remove();
  ctx.setTitle(`${area.code} ${pickName(area)}`);
  const head = pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/areas', label: t('nav.areas') }, { label: area.code }],
    title: [h('span', { class: 'code title-code' }, area.code), ' ', pickName(area)],
    titleTestId: 'area-heading',
    sub: otherName(area) || null,
    extra: area.kind ? h('span', { class: 'chip big' }, enumLabel('area_kind', area.kind)) : null,
  });
  const info = panel('area.info', fields([
    ['field.code', code(area.code)],
    ['field.name', pickName(area)],
    ['field.other_name', text(otherName(area))],
    ['field.area_kind', text(enumLabel('area_kind', area.kind))],
    ['field.site', refCell('sites', area.site_id, { link: false })],
    ['field.latlon', latlon(area.lat, area.lon)],
    ['field.vertices', Array.isArray(area.polygon) ? num(area.polygon.length) : '—'],
  ], 'area-fields'));
  const mapBody = h('div', { class: 'map-holder' }, loading());
  const map = panel('area.map', mapBody, { testid: 'area-map-panel' });
  ctx.main.append(head, h('div', { class: 'detail-grid' }, info, map));

  ctx.main.append(panel('area.assets', listView({
    path: '/assets', fixed: { area_id: area.id }, stateKey: 'area-assets', testPrefix: 'area-assets',
    rowTestId: 'area-asset-row', rowHref: (a) => `#/assets/${a.id}`, search: true, pageSize: 15,
    columns: assetColumns({ area: false }), emptyKey: 'area.no_assets',
  }), { testid: 'area-assets' }));
  ctx.main.append(panel('area.tags', listView({
    path: '/tags', fixed: { area_id: area.id }, stateKey: 'area-tags', testPrefix: 'area-tags',
    rowTestId: 'area-tag-row', rowHref: (x) => `#/tags/${x.id}`, search: true, pageSize: 15,
    columns: tagColumns({ area: false }), emptyKey: 'area.no_tags',
  }), { testid: 'area-tags' }));

  // Map points: the area's assets and tags (bounded).
  const [assets, tags] = await Promise.all([
    fetchAll('/assets', { area_id: area.id }, 500).catch(() => []),
    fetchAll('/tags', { area_id: area.id }, 1000).catch(() => []),
  ]);
  if (!ctx.isCurrent()) return;
  mapBody.replaceChildren(areaMap({ polygon: area.polygon, assets, tags }));
}
