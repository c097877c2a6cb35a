// Overview: greeting, sites, quick links with counts (one cheap list call per family).
import { h } from '../dom.js';
import { t, pickName } from '../i18n.js';
import { api } from '../api.js';
import { icons } from '../icons.js';
import { pageHeader, panel, problemBox, code } from '../ui.js';
import { latlon, text } from '../format.js';
import { fetchAll } from '../lookup.js';

const TILES = [
  { key: 'areas', path: '/areas', icon: 'areas', label: 'nav.areas', desc: 'home.areas_desc' },
  { key: 'assets', path: '/assets', icon: 'assets', label: 'nav.assets', desc: 'home.assets_desc' },
  { key: 'tags', path: '/tags', icon: 'tags', label: 'nav.tags', desc: 'home.tags_desc' },
  { key: 'people', path: '/people', icon: 'people', label: 'nav.people', desc: 'home.people_desc' },
];


/** Count: the API's total (count=true), else the items seen ("1+" style). */
async function count(path) {
  const data = await api(path, { params: { limit: 1, count: 'true' } });
  if (data && Number.isFinite(data.total)) return String(data.total);
  const n = (data && data.items ? data.items.length : 0);
  return data && data.next_cursor ? `${n}+` : String(n);
}

export async function render(ctx) {
  const { main, user } = ctx;
  ctx.setTitle(t('nav.home'));
  const name = user.display_name || user.username;
  main.append(pageHeader({ title: t('home.title'), sub: t('home.welcome', { name }) }));

  const tiles = h('div', { class: 'tiles', 'data-testid': 'home-tiles' }, TILES.map((tile) => {
    const n = h('span', { class: 'tile-count', 'data-testid': `count-${tile.key}` }, '…');
    count(tile.path).then((v) => { n.textContent = v; }).catch((e) => {
      n.replaceChildren(e.status === 403 ? h('span', { class: 'tile-lock', title: t('error.no_permission_title'), html: icons.lock }) : '—');
    });
    return h('a', { class: 'tile', href: `#/${tile.key}`, 'data-testid': `tile-${tile.key}` },
      h('span', { class: 'tile-icon', html: icons[tile.icon] }),
      h('span', { class: 'tile-text' }, h('span', { class: 'tile-label' }, t(tile.label)), h('span', { class: 'tile-desc' }, t(tile.desc))),
      n);
  }));
  main.append(h('div', { class: 'home', 'data-testid': 'home-page' }, tiles));

  const sitesBody = h('div', null, h('p', { class: 'muted' }, t('list.loading')));
  main.append(panel('home.sites', sitesBody, { testid: 'home-sites' }));
  try {
    const sites = await fetchAll('/sites', {}, 100);
    if (!ctx.isCurrent()) return;
    if (!sites.length) { sitesBody.replaceChildren(h('p', { class: 'muted' }, t('home.no_sites'))); return; }
    sitesBody.replaceChildren(h('div', { class: 'site-cards' }, sites.map((s) => h('div', { class: 'site-card', 'data-testid': 'site-card' },
      h('div', { class: 'site-card-name' }, pickName(s)),
      h('dl', { class: 'fields compact' },
        h('div', { class: 'field' }, h('dt', null, t('field.code')), h('dd', null, code(s.code))),
        h('div', { class: 'field' }, h('dt', null, t('field.timezone')), h('dd', null, text(s.timezone))),
        h('div', { class: 'field' }, h('dt', null, t('field.latlon')), h('dd', null, latlon(s.lat, s.lon)))),
      h('a', { class: 'link-more', href: `#/areas?site_id=${s.id}` }, t('home.site_areas'))))));
  } catch (e) {
    if (ctx.isCurrent()) sitesBody.replaceChildren(problemBox(e));
  }
}
