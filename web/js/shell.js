// The console frame: dark header (menu button, brand, site, language switch, user menu),
// left navigation (a drawer at phone width) and the main area.
import { h } from './dom.js';
import { t, getLang, setLang, pickName, enumLabel } from './i18n.js';
import { icons } from './icons.js';
import { fetchAll } from './lookup.js';
import { subscribe, unackCount } from './alarmfeed.js';
import { subscribe as subscribeIncidents, unackIncidentCount } from './incidentfeed.js';

// permission names are built, not written out: quoted dotted strings are message keys to the catalogue test
const PERMITS_READ = ['permits', 'read'].join('.');
const HAZARDS_REPORT = ['hazards', 'report'].join('.');
const INSPECTIONS_PERFORM = ['inspections', 'perform'].join('.');
const navIcon = (body) => `<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;
/**
 * Icons of the work-permit entries (a permit form with a check; a phone), the risk ones (a plan
 * in four fields; a graded list), the hidden-danger ones (a warning sign over a ledger; a camera) and
 * the connections one (a plug).
 */
const NAV_ICONS = {
  permit: navIcon('<path d="M6 3h9l3 3v15H6z"/><path d="M14.5 3v3.5H18"/><path d="M9 10.5h6M9 14h3"/><path d="m12.5 17.5 1.6 1.6 3-3.2"/>'),
  phone: navIcon('<rect x="7" y="2.5" width="10" height="19" rx="2"/><path d="M11 18.5h2"/><path d="m9.8 11.2 1.6 1.6 3-3.2"/>'),
  hazard: navIcon('<path d="M12 3 2.5 20h19z"/><path d="M12 9.5v5"/><path d="M12 17.2v.3"/>'),
  riskmap: navIcon('<path d="M3 5.5 9 3l6 2.5L21 3v15.5L15 21l-6-2.5L3 21z"/><path d="M9 3v15.5M15 5.5V21M3 12.2l6-1.2 6 1.2 6-1.2"/>'),
  risklist: navIcon('<path d="M9 6h11M9 12h11M9 18h11"/><rect x="3.5" y="4.5" width="3" height="3" rx=".5"/><rect x="3.5" y="10.5" width="3" height="3" rx=".5"/><rect x="3.5" y="16.5" width="3" height="3" rx=".5"/>'),
  majorhazard: navIcon('<path d="M5 21V9.5a3.5 3.5 0 0 1 7 0V21"/><path d="M12 21v-7h7v7"/><path d="M3 21h18"/><path d="M8.5 13v3"/>'),
  inspect: navIcon('<path d="M8 4h8v3H8z"/><path d="M16 5.5h2.5V21h-13V5.5H8"/><path d="m9 12.5 1.6 1.6 3-3.2"/><path d="M9 17.5h6"/>'),
  plug: navIcon('<path d="M9 3v5M15 3v5"/><path d="M6.5 8h11v3.5a5.5 5.5 0 0 1-11 0z"/><path d="M12 17v4"/>'),
  camera: navIcon('<path d="M4 8h3l2-3h6l2 3h3v11H4z"/><circle cx="12" cy="13" r="3.5"/>'),
};

export const NAV = [
  { group: 'nav.group_overview' },
  { key: 'home', href: '#/', icon: 'home', label: 'nav.home' },
  { key: 'control-room', href: '#/control-room', icon: 'incident', label: 'nav.control_room', perms: ['plant.read'], badge: 'incidents' },
  { group: 'nav.group_plant' },
  { key: 'areas', href: '#/areas', icon: 'areas', label: 'nav.areas', perms: ['plant.read'] },
  { key: 'assets', href: '#/assets', icon: 'assets', label: 'nav.assets', perms: ['plant.read'] },
  { key: 'tags', href: '#/tags', icon: 'tags', label: 'nav.tags', perms: ['plant.read'] },
  { key: 'connections', href: '#/connections', svg: 'plug', label: 'nav.connections', perms: ['plant.read'] },
  { group: 'nav.group_alarms' },
  { key: 'alarms', href: '#/alarms', icon: 'bell', label: 'nav.alarms', perms: ['plant.read'], badge: 'alarms' },
  { key: 'alarm-kpi', href: '#/alarm-kpi', icon: 'chart', label: 'nav.alarm_kpi', perms: ['plant.read'] },
  { group: 'nav.group_permits' },
  { key: 'permits', href: '#/permits', svg: 'permit', label: 'nav.permits', perms: [PERMITS_READ] },
  { key: 'my-permits', href: '#/my-permits', svg: 'phone', label: 'nav.my_permits', perms: [PERMITS_READ] },
  { group: 'nav.group_prevention' },
  { key: 'risk-map', href: '#/risk-map', svg: 'riskmap', label: 'nav.risk_map', perms: ['plant.read'] },
  { key: 'risks', href: '#/risks', svg: 'risklist', label: 'nav.risks', perms: ['plant.read'] },
  { key: 'major-hazards', href: '#/major-hazards', svg: 'majorhazard', label: 'nav.major_hazards', perms: ['plant.read'] },
  { key: 'hazards', href: '#/hazards', svg: 'hazard', label: 'nav.hazards', perms: ['plant.read'] },
  { key: 'prevention-kpi', href: '#/prevention-kpi', icon: 'chart', label: 'nav.prevention_kpi', perms: ['plant.read'] },
  { key: 'hazard-report', href: '#/hazards/report', svg: 'camera', label: 'nav.hazard_report', perms: [HAZARDS_REPORT] },
  { key: 'inspections', href: '#/inspections', svg: 'inspect', label: 'nav.inspections', perms: ['plant.read'] },
  { key: 'my-inspections', href: '#/my-inspections', svg: 'phone', label: 'nav.my_inspections', perms: [INSPECTIONS_PERFORM] },
  { group: 'nav.group_people' },
  { key: 'people', href: '#/people', icon: 'people', label: 'nav.people', perms: ['people.read', 'people.read_own_org'] },
];

export function hasAnyPerm(user, perms) {
  if (!perms || !perms.length) return true;
  const mine = (user && user.permissions) || [];
  return perms.some((p) => mine.includes(p));
}

/** 中文 / EN segmented switch. */
export function langSwitch() {
  const cur = getLang();
  const btn = (code, key, testid) => h('button', {
    type: 'button', class: 'lang-btn', lang: code, 'data-testid': testid,
    'aria-pressed': String(cur === code), onclick: () => setLang(code),
  }, t(key));
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('lang.label'), 'data-testid': 'lang-switch' },
    btn('zh-CN', 'lang.zh', 'lang-zh'), btn('en', 'lang.en', 'lang-en'));
}

export function brand() {
  return h('a', { class: 'brand', href: '#/', 'data-testid': 'brand', 'aria-label': t('app.title') },
    h('span', { class: 'brand-logo', html: icons.logo }),
    h('span', { class: 'brand-zh' }, t('app.brand')),
    h('span', { class: 'brand-en' }, t('app.brand_latin')));
}

export function buildShell({ user, onLogout }) {
  const menuBtn = h('button', {
    type: 'button', class: 'icon-btn menu-btn', 'data-testid': 'menu-button',
    'aria-label': t('nav.menu'), 'aria-controls': 'sidenav', 'aria-expanded': 'false',
    html: icons.menu,
  });
  const siteName = h('span', { class: 'site-name', 'data-testid': 'site-name' });
  fetchAll('/sites', {}, 100).then((sites) => {
    if (!sites.length) return;
    siteName.append(h('span', { class: 'site-icon', html: icons.site }), pickName(sites[0]));
    if (sites.length > 1) siteName.append(h('span', { class: 'muted-inv' }, ` +${sites.length - 1}`));
  }).catch(() => {});

  // user menu
  const display = user.display_name || user.username;
  const menu = h('div', { class: 'user-dropdown', role: 'menu', hidden: true, 'data-testid': 'user-dropdown' },
    h('div', { class: 'user-card' },
      h('div', { class: 'user-name' }, display),
      h('div', { class: 'user-login' }, t('user.signed_in_as', { username: user.username })),
      h('div', { class: 'chips' }, (user.roles || []).map((r) => h('span', { class: 'chip' }, enumLabel('role', r))))),
    h('button', { type: 'button', role: 'menuitem', class: 'menu-item', 'data-testid': 'logout', onclick: () => onLogout() },
      h('span', { html: icons.logout }), t('user.logout')));
  const userBtn = h('button', {
    type: 'button', class: 'user-btn', 'data-testid': 'user-menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
    'aria-label': t('user.menu'),
  }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, display.slice(0, 1).toUpperCase()),
  h('span', { class: 'user-btn-name' }, display), h('span', { class: 'caret', html: icons.chevronDown }));
  const userWrap = h('div', { class: 'user-menu' }, userBtn, menu);
  const setMenu = (open) => { menu.hidden = !open; userBtn.setAttribute('aria-expanded', String(open)); };
  userBtn.addEventListener('click', (e) => { e.stopPropagation(); setMenu(menu.hidden); });
  const ac = new AbortController();
  document.addEventListener('click', (e) => { if (!userWrap.contains(e.target)) setMenu(false); }, { signal: ac.signal });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') { setMenu(false); setNav(false); } }, { signal: ac.signal });

  // unacknowledged alarms: a bell with the count in the header, on every page
  const bellCount = h('span', { class: 'bell-count', 'data-testid': 'alarm-badge-count' }, '0');
  const bell = h('a', { href: '#/alarms', class: 'alarm-bell', 'data-testid': 'alarm-badge', 'data-count': '0',
    title: t('alarms.badge_title', { n: 0 }), 'aria-label': t('alarms.badge_title', { n: 0 }) },
  h('span', { class: 'bell-icon', html: icons.bell }), bellCount);
  const navCount = h('span', { class: 'nav-count', 'data-testid': 'nav-alarm-count', hidden: true });
  // unacknowledged incidents: a count on the control-room entry, and in the header while any
  const incCount = h('span', { class: 'nav-count inc-count', 'data-testid': 'nav-incident-count', hidden: true });
  const incBadgeCount = h('span', { class: 'bell-count' }, '0');
  const incBadge = h('a', { href: '#/control-room', class: 'alarm-bell incident-badge', 'data-testid': 'incident-badge', 'data-count': '0', hidden: true },
    h('span', { class: 'bell-icon', html: icons.incident }), incBadgeCount);
  const badges = { alarms: navCount, incidents: incCount };

  const header = h('header', { class: 'topbar', 'data-testid': 'topbar' },
    menuBtn, brand(), siteName, h('span', { class: 'spacer' }), incBadge, bell, langSwitch(), userWrap);

  const links = {};
  const nav = h('nav', { id: 'sidenav', class: 'sidenav', 'data-testid': 'nav', 'aria-label': t('nav.label') },
    NAV.map((n) => {
      if (n.group) return h('div', { class: 'nav-group' }, t(n.group));
      const allowed = hasAnyPerm(user, n.perms);
      const a = h('a', { href: n.href, class: 'nav-link', 'data-testid': `nav-${n.key}`, 'data-nav': n.key },
        h('span', { class: 'nav-icon', html: n.svg ? NAV_ICONS[n.svg] : icons[n.icon] }),
        h('span', { class: 'nav-label' }, t(n.label)),
        n.badge ? badges[n.badge] : null,
        allowed ? null : h('span', { class: 'nav-lock', title: t('error.no_permission_title'), html: icons.lock }));
      a.addEventListener('click', () => setNav(false));
      links[n.key] = a;
      return a;
    }),
    h('div', { class: 'nav-foot' }, t('app.subtitle')));
  const scrim = h('div', { class: 'scrim', 'data-testid': 'nav-scrim', onclick: () => setNav(false) });
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1', 'data-testid': 'main' });
  const root = h('div', { class: 'shell' }, header, nav, scrim, main);

  function setNav(open) {
    root.classList.toggle('nav-open', open);
    menuBtn.setAttribute('aria-expanded', String(open));
    menuBtn.innerHTML = open ? icons.close : icons.menu;
    menuBtn.setAttribute('aria-label', t(open ? 'nav.close' : 'nav.menu'));
  }
  menuBtn.addEventListener('click', () => setNav(!root.classList.contains('nav-open')));

  const unsubscribe = subscribe(() => {
    const n = unackCount();
    bellCount.textContent = n > 999 ? '999+' : String(n);
    bell.setAttribute('data-count', String(n));
    bell.classList.toggle('has-unack', n > 0);
    bell.title = t('alarms.badge_title', { n });
    bell.setAttribute('aria-label', bell.title);
    navCount.textContent = bellCount.textContent;
    navCount.hidden = n === 0;
  });

  const unsubscribeIncidents = subscribeIncidents(() => {
    const n = unackIncidentCount();
    const text = n > 999 ? '999+' : String(n);
    const title = t('cr.badge_title', { n });
    incCount.textContent = text;
    incCount.hidden = n === 0;
    incCount.title = title;
    incBadgeCount.textContent = text;
    incBadge.setAttribute('data-count', String(n));
    incBadge.hidden = n === 0;
    incBadge.title = title;
    incBadge.setAttribute('aria-label', title);
  });

  return {
    root, main,
    setActive(key) {
      for (const [k, a] of Object.entries(links)) {
        if (k === key) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
      }
    },
    closeNav: () => setNav(false),
    destroy: () => { ac.abort(); unsubscribe(); unsubscribeIncidents(); },
  };
}
