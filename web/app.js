// anjian console: boot, session, hash routing. No framework, no build step.
import { h } from './js/dom.js';
import { t, onLangChange } from './js/i18n.js';
import { api, setCsrf, onUnauthorized } from './js/api.js';
import { buildShell } from './js/shell.js';
import { clearCache } from './js/lookup.js';
import { renderLogin } from './js/pages/login.js';
import { pageHeader, problemBox } from './js/ui.js';
import * as home from './js/pages/home.js';
import * as areas from './js/pages/areas.js';
import * as assets from './js/pages/assets.js';
import * as tags from './js/pages/tags.js';
import * as connections from './js/pages/connections.js';
import * as people from './js/pages/people.js';
import * as alarms from './js/pages/alarms.js';
import * as alarmKpi from './js/pages/alarmkpi.js';
import * as controlRoom from './js/pages/controlroom.js';
import * as permits from './js/pages/permits.js';
import * as permit from './js/pages/permit.js';
import * as hazards from './js/pages/hazards.js';
import * as hazard from './js/pages/hazard.js';
import * as hazardReport from './js/pages/hazardreport.js';
import * as preventionKpi from './js/pages/preventionkpi.js';
import * as risks from './js/pages/risks.js';
import * as riskMap from './js/pages/riskmap.js';
import * as riskCard from './js/pages/riskcard.js';
import * as majorHazards from './js/pages/majorhazards.js';
import * as inspections from './js/pages/inspections.js';
import * as inspection from './js/pages/inspection.js';
import { startFeed, stopFeed } from './js/alarmfeed.js';
import { startIncidentFeed, stopIncidentFeed } from './js/incidentfeed.js';

const ROUTES = [
  { re: /^\/$/, nav: 'home', page: home.render },
  { re: /^\/control-room$/, nav: 'control-room', page: controlRoom.render },
  { re: /^\/areas$/, nav: 'areas', page: areas.renderList },
  { re: /^\/areas\/(\d+)$/, nav: 'areas', page: areas.renderDetail },
  { re: /^\/assets$/, nav: 'assets', page: assets.renderList },
  { re: /^\/assets\/(\d+)$/, nav: 'assets', page: assets.renderDetail },
  { re: /^\/tags$/, nav: 'tags', page: tags.renderList },
  { re: /^\/tags\/(\d+)$/, nav: 'tags', page: tags.renderDetail },
  { re: /^\/connections$/, nav: 'connections', page: connections.render },
  { re: /^\/people$/, nav: 'people', page: people.renderList },
  { re: /^\/people\/(\d+)$/, nav: 'people', page: people.renderDetail },
  { re: /^\/alarms$/, nav: 'alarms', page: alarms.renderList },
  { re: /^\/alarms\/(\d+)$/, nav: 'alarms', page: alarms.renderDetail },
  { re: /^\/alarm-kpi$/, nav: 'alarm-kpi', page: alarmKpi.render },
  { re: /^\/permits$/, nav: 'permits', page: permits.renderBoard },
  { re: /^\/permits\/(\d+)$/, nav: 'permits', page: permit.renderDetail },
  { re: /^\/permits\/(\d+)\/print$/, nav: 'permits', page: permit.renderPrint },
  { re: /^\/my-permits$/, nav: 'my-permits', page: permit.renderMine },
  { re: /^\/hazards$/, nav: 'hazards', page: hazards.renderList },
  { re: /^\/hazards\/report$/, nav: 'hazard-report', page: hazardReport.renderReport },
  { re: /^\/hazards\/(\d+)$/, nav: 'hazards', page: hazard.renderDetail },
  { re: /^\/prevention-kpi$/, nav: 'prevention-kpi', page: preventionKpi.render },
  { re: /^\/risk-map$/, nav: 'risk-map', page: riskMap.renderMap },
  { re: /^\/risks$/, nav: 'risks', page: risks.renderList },
  { re: /^\/risks\/(\d+)\/card$/, nav: 'risks', page: riskCard.renderCard },
  { re: /^\/major-hazards$/, nav: 'major-hazards', page: majorHazards.render },
  { re: /^\/inspections$/, nav: 'inspections', page: inspections.renderList },
  { re: /^\/inspections\/tasks\/(\d+)$/, nav: 'inspections', page: inspection.renderTask },
  { re: /^\/my-inspections$/, nav: 'my-inspections', page: inspection.renderMine },
];

const app = document.getElementById('app');
const state = { user: null, shell: null, seq: 0, notice: null };

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const i = raw.indexOf('?');
  let p = i < 0 ? raw : raw.slice(0, i);
  const qs = i < 0 ? '' : raw.slice(i + 1);
  try { p = decodeURIComponent(p); } catch { /* keep as is */ }
  let path = p.startsWith('/') ? p : `/${p}`;
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const query = Object.fromEntries(new URLSearchParams(qs));
  return { path, query };
}

function queryString(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function showLogin(notice) {
  if (state.shell) { state.shell.destroy(); state.shell = null; }
  stopFeed();
  stopIncidentFeed();
  state.seq++;
  renderLogin(app, {
    notice,
    onSuccess: (res) => {
      setCsrf(res.csrf_token);
      state.user = res.user;
      if (parseHash().path === '/login') location.replace('#/');
      route();
    },
  });
}

async function logout() {
  try { await api('/auth/logout', { method: 'POST', quiet401: true }); } catch { /* already gone */ }
  state.user = null;
  setCsrf('');
  clearCache();
  history.replaceState(null, '', '#/');
  showLogin('login.signed_out');
}

async function route() {
  if (!state.user) { showLogin(state.notice); state.notice = null; return; }
  const { path, query } = parseHash();
  if (path === '/login') { location.replace('#/'); return; }
  if (!state.shell) {
    startFeed();
    startIncidentFeed(state.user);
    state.shell = buildShell({ user: state.user, onLogout: logout });
    app.replaceChildren(state.shell.root);
  }
  const shell = state.shell;
  const my = ++state.seq;
  let match = null;
  let params = [];
  for (const r of ROUTES) {
    const m = path.match(r.re);
    if (m) { match = r; params = m.slice(1); break; }
  }
  shell.setActive(match ? match.nav : '');
  shell.closeNav();
  const main = shell.main;
  main.replaceChildren();
  main.scrollTop = 0;
  window.scrollTo(0, 0);
  const ctx = {
    main, params, query, path, user: state.user,
    isCurrent: () => my === state.seq,
    setTitle: (title) => { if (my === state.seq) document.title = `${title} · ${t('app.title')}`; },
    setQuery: (values) => { if (my === state.seq) history.replaceState(null, '', `#${path}${queryString(values)}`); },
  };
  if (!match) {
    ctx.setTitle(t('error.not_found_title'));
    main.append(pageHeader({ title: t('error.not_found_title') }),
      h('div', { class: 'problem' }, h('p', null, t('error.page_not_found')), h('a', { href: '#/', class: 'btn' }, t('nav.home'))));
    return;
  }
  try {
    await match.page(ctx);
  } catch (e) {
    console.error(e);
    if (ctx.isCurrent()) main.append(problemBox(e));
  }
}

onUnauthorized(() => {
  if (!state.user) return;
  state.user = null;
  setCsrf('');
  clearCache();
  showLogin('login.session_expired');
});

onLangChange(() => {
  if (state.shell) { state.shell.destroy(); state.shell = null; }
  route();
});

window.addEventListener('hashchange', () => route());

async function boot() {
  document.title = t('app.title');
  try {
    const me = await api('/auth/me', { quiet401: true });
    state.user = me.user;
    if (me.csrf_token) setCsrf(me.csrf_token);
  } catch (e) {
    state.user = null;
    if (e.status !== 401) state.notice = e.status === 0 ? 'error.network_body' : null;
  }
  route();
}

boot();
