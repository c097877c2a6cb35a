// One hidden danger (#/hazards/ID): number, state and grade; where it is and what was found;
// the photos of each stage (GET /hazard-photos/{id}: same origin, the <img> sends the session
// cookie); the steps of the closed loop 排查 → 登记 → 整改 → 验收 → 销号; the remediation
// plan of a major hazard; the timeline; and the actions the state and the user's permissions
// allow, each an inline form: register (grade, assignee, deadline; for a major hazard the
// seven parts of the plan), rectify (what was done, photos of the rectification), accept
// (comment, photos), reject (reason), close; and adding photos while it is open. A refusal
// (HTTP 409, error.details.refusal) shows in words (hazard.refusal.<code>) with the server's
// own sentence under it.
import { h } from '../dom.js';
import { t, enumLabel, pickName } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, panel, problemBox, loading } from '../ui.js';
import { DASH } from '../format.js';
import { fetchAll, getObj } from '../lookup.js';
import { fill, fmtTime, isNum, toLocalInput, fromLocalInput } from './permits.js';
import {
  STEPS, PLAN_PARTS, GRADES, TEXT_MAX, canHazard, canAdminUsers, categoryName, gradeName, hazardStateBadge, gradeBadge,
  hazardRefusalBox, placeText, actorName, photoUrl, photoPicker, uploadAll,
} from './hazards.js';

const STAGES = ['report', 'rectification', 'acceptance'];
/** The photo stage that fits the hazard's state (what a photo added now shows). */
const stageFor = (state) => (state === 'reported' ? 'report' : state === 'registered' ? 'rectification' : 'acceptance');

function stepsBar(hz) {
  const idx = STEPS.indexOf(hz.state);
  return h('ol', { class: 'permit-steps hz-steps', 'data-testid': 'hazard-steps' },
    STEPS.map((st, i) => h('li', { class: i <= idx ? 'done' : i === idx + 1 ? 'now' : '', 'data-step': st },
      h('span', { class: 'step-dot' }, i <= idx ? '✓' : String(i + 1)),
      h('span', { class: 'step-label' }, enumLabel('hazard_step', st)))));
}

/** Accounts to assign: all users for an administrator, else the ones seen on the ledger and me. */
async function assigneeChoices(user) {
  if (canAdminUsers(user)) {
    const users = await fetchAll('/users', {}, 2000).catch(() => null);
    if (users) return { full: true, users: users.filter((u) => !u.is_disabled) };
  }
  const seen = new Map();
  if (user && user.id) seen.set(user.id, { id: user.id, username: user.username, display_name: user.display_name });
  try {
    const r = await api('/hazards', { params: { state: 'all', limit: 1000 } });
    for (const x of (r && r.items) || []) {
      if (x.assignee_id && !seen.has(x.assignee_id)) seen.set(x.assignee_id, { id: x.assignee_id, username: x.assignee || '' });
    }
  } catch { /* only me */ }
  return { full: false, users: [...seen.values()] };
}

const userLabel = (u) => (u.display_name && u.display_name !== u.username ? `${u.display_name} (${u.username})` : u.username || `#${u.id}`);

export async function renderDetail(ctx) {
  const id = Number(ctx.params[0]);
  ctx.setTitle(t('hazard.title'));
  const crumbs = [{ href: '#/', label: t('nav.home') }, { href: '#/hazards', label: t('hazard.ledger_title') }];
  const holder = loading();
  ctx.main.append(holder);
  let hz;
  try {
    hz = await api(`/hazards/${id}`);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(pageHeader({ crumbs, title: `#${id}` }), problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const user = ctx.user || {};
  const body = h('div', { class: 'hazard-page', 'data-testid': 'hazard-page' });
  holder.replaceWith(body);
  const errBox = h('div', { class: 'permit-error', 'data-testid': 'hazard-error-holder' });
  const showError = (e) => { fill(errBox, hazardRefusalBox(e, { onClose: () => errBox.replaceChildren() })); errBox.scrollIntoView({ block: 'nearest' }); };
  const clearError = () => errBox.replaceChildren();
  let open = ''; // the action whose form is open
  let area = null;
  if (hz.area_id) area = await getObj('areas', hz.area_id);
  let choices = null;

  async function reload() {
    try {
      const next = await api(`/hazards/${id}`);
      if (!ctx.isCurrent()) return;
      hz = next;
      draw();
    } catch (e) {
      if (ctx.isCurrent()) showError(e);
    }
  }

  /** Runs an action; the answer (the hazard) is drawn; photos follow; a refusal is shown. */
  async function act(btn, fn, { picker, stage } = {}) {
    if (btn) btn.disabled = true;
    try {
      const next = await fn();
      clearError();
      if (next && next.id) hz = next;
      if (picker && picker.files().length) {
        const r = await uploadAll(hz.id, picker, stage);
        if (r.failed.length) { open = ''; await reload(); showError(r.failed[0].error); return false; }
        await reload();
      }
      open = '';
      draw();
      return true;
    } catch (e) {
      showError(e);
      return false;
    } finally {
      if (btn) btn.disabled = false;
    }
  }

  // ---- permissions and what may be done now ----
  const me = Number(user.id);
  const may = {
    register: () => hz.state === 'reported' && canHazard(user, 'manage'),
    rectify: () => hz.state === 'registered' && canHazard(user, 'rectify') && (Number(hz.assignee_id) === me || canHazard(user, 'manage')),
    accept: () => hz.state === 'rectified' && canHazard(user, 'manage'),
    reject: () => hz.state === 'rectified' && canHazard(user, 'manage'),
    close: () => hz.state === 'accepted' && canHazard(user, 'manage'),
    photo: () => hz.state !== 'closed' && canHazard(user, 'report') && (hz.photos || []).length < 12,
  };
  const ACTIONS = [['register', 'primary'], ['rectify', 'primary'], ['accept', 'primary'], ['reject', 'danger'], ['close', 'primary'], ['photo', '']];

  function actionBar() {
    const btns = [];
    for (const [a, cls] of ACTIONS) {
      if (!may[a]()) continue;
      const b = h('button', { type: 'button', class: `btn act-btn ${cls}`, 'data-testid': `hazard-act-${a}`, 'aria-expanded': String(open === a) }, t(`hazard.act_${a}`));
      if (a === 'close') {
        b.addEventListener('click', () => act(b, () => api(`/hazards/${id}/close`, { method: 'POST', body: {} })));
      } else {
        b.addEventListener('click', () => { open = open === a ? '' : a; clearError(); draw(); });
      }
      btns.push(b);
    }
    const notes = [];
    if (hz.state === 'rectified' && canHazard(user, 'manage') && Number(hz.rectified_user_id) === me) notes.push(t('hazard.note_self'));
    if (hz.state === 'registered' && !may.rectify()) notes.push(t('hazard.note_assignee', { who: hz.assignee || DASH }));
    if (hz.state === 'reported' && !may.register()) notes.push(t('hazard.note_register'));
    if (hz.state === 'closed') notes.push(t('hazard.note_closed'));
    return h('div', null,
      h('div', { class: 'detail-actions permit-actions', 'data-testid': 'hazard-actions' },
        btns.length ? btns : h('span', { class: 'muted' }, t('hazard.no_actions'))),
      notes.map((n) => h('p', { class: 'muted small hz-note' }, n)),
      open ? formFor(open) : null);
  }

  // ---- the forms ----
  const row = (label, control, { required = false, hint = '' } = {}) => h('label', { class: 'hz-row' },
    h('span', { class: 'hz-row-label' }, t(label), required ? ' *' : ''), control, hint ? h('span', { class: 'muted small' }, hint) : null);
  const textarea = (testid, ph = '', rows = 3) => h('textarea', { rows, maxlength: TEXT_MAX, 'data-testid': testid, placeholder: ph });

  function registerForm() {
    const grade = { value: 'general' };
    const gradeBtns = GRADES.map((g) => {
      const b = h('button', { type: 'button', class: `seg-btn hz-grade-btn g-${g}`, 'data-testid': `hz-reg-grade-${g}`, 'aria-pressed': String(g === grade.value) }, enumLabel('hazard_grade', g));
      b.addEventListener('click', () => {
        grade.value = g;
        for (const x of gradeBtns) x.setAttribute('aria-pressed', String(x === b));
        plan.hidden = g !== 'major';
        if (!deadlineTouched) deadline.value = defaultDeadline(g);
      });
      return b;
    });
    const defaultDeadline = (g) => {
      const d = new Date(Date.now() + (g === 'major' ? 30 : 7) * 86400000);
      d.setHours(18, 0, 0, 0);
      return toLocalInput(d);
    };
    let deadlineTouched = false;
    const deadline = h('input', { type: 'datetime-local', 'data-testid': 'hz-reg-deadline', value: defaultDeadline('general') });
    deadline.addEventListener('input', () => { deadlineTouched = true; });
    const assigneeHolder = h('div', { class: 'hz-assignee' }, loading());
    let assignee = null;
    const paintAssignee = (c) => {
      if (c.full) {
        assignee = h('select', { 'data-testid': 'hz-reg-assignee' }, h('option', { value: '' }, t('hazard.assignee_pick')),
          c.users.map((u) => h('option', { value: String(u.id) }, `${userLabel(u)}${(u.roles || []).length ? ` · ${u.roles.map((r) => enumLabel('role', r)).join(', ')}` : ''}`)));
        fill(assigneeHolder, assignee);
      } else {
        const listId = `hz-assignees-${id}`;
        assignee = h('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', list: listId, 'data-testid': 'hz-reg-assignee', placeholder: t('hazard.assignee_id_ph') });
        fill(assigneeHolder, assignee,
          h('datalist', { id: listId }, c.users.map((u) => h('option', { value: String(u.id), label: userLabel(u) }))),
          h('span', { class: 'muted small' }, t('hazard.assignee_id_hint')),
          c.users.length ? h('span', { class: 'hz-known' }, c.users.map((u) => {
            const b = h('button', { type: 'button', class: 'chip subtle hz-known-user', 'data-testid': 'hz-reg-known', 'data-user-id': u.id }, `${userLabel(u)} · #${u.id}`);
            b.addEventListener('click', () => { assignee.value = String(u.id); });
            return b;
          })) : null);
      }
    };
    if (choices) paintAssignee(choices);
    else assigneeChoices(user).then((c) => { choices = c; if (assigneeHolder.isConnected || open === 'register') paintAssignee(c); });
    const cause = h('input', { type: 'text', maxlength: 200, 'data-testid': 'hz-reg-cause', placeholder: t('hazard.cause_ph'), value: hz.cause || '' });
    const parts = {};
    const plan = h('fieldset', { class: 'hz-plan-form', 'data-testid': 'hz-plan', hidden: true },
      h('legend', null, t('hazard.plan')),
      h('p', { class: 'muted small' }, t('hazard.plan_hint')),
      PLAN_PARTS.map((p) => {
        parts[p] = textarea(`hz-plan-${p}`, t(`hazard.plan_ph_${p}`), 2);
        return row(`hazard.plan_${p}`, parts[p], { required: true });
      }));
    const submit = h('button', { type: 'submit', class: 'btn primary big', 'data-testid': 'hz-reg-submit' }, t('hazard.act_register'));
    const form = h('form', { class: 'hz-form', 'data-testid': 'hz-register-form' },
      h('h3', null, t('hazard.register_title')),
      h('p', { class: 'muted small' }, t('hazard.register_hint')),
      row('hazard.grade', h('div', { class: 'seg hz-grade-seg', role: 'group' }, gradeBtns), { required: true }),
      row('hazard.assignee', assigneeHolder, { required: true }),
      row('hazard.deadline', deadline, { required: true }),
      row('hazard.cause', cause),
      plan,
      h('div', { class: 'detail-actions' }, submit, cancelBtn()));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const aid = assignee ? Number(assignee.value) : 0;
      if (!aid) { showError({ status: 400, message: t('hazard.assignee_required') }); if (assignee) assignee.focus(); return; }
      const dl = fromLocalInput(deadline.value);
      if (!dl) { showError({ status: 400, message: t('hazard.deadline_required') }); deadline.focus(); return; }
      const b = { grade: grade.value, assignee_id: aid, deadline: dl };
      if (cause.value.trim()) b.cause = cause.value.trim();
      if (grade.value === 'major') {
        b.plan = {};
        for (const p of PLAN_PARTS) b.plan[p] = parts[p].value.trim();
      }
      act(submit, () => api(`/hazards/${id}/register`, { method: 'POST', body: b }));
    });
    return form;
  }

  function rectifyForm() {
    const what = textarea('hz-rect-text', t('hazard.rectification_ph'), 4);
    const picker = photoPicker({ testid: 'hz-rect-photos', label: 'hazard.photos_rectification' });
    const submit = h('button', { type: 'submit', class: 'btn primary big', 'data-testid': 'hz-rect-submit' }, t('hazard.act_rectify'));
    const form = h('form', { class: 'hz-form', 'data-testid': 'hz-rectify-form' },
      h('h3', null, t('hazard.rectify_title')),
      hz.deadline ? h('p', { class: `small ${hz.is_overdue ? 'hz-overdue' : 'muted'}` }, t('hazard.deadline_is', { time: fmtTime(hz.deadline) })) : null,
      row('hazard.rectification', what, { required: true }),
      picker.el,
      h('div', { class: 'detail-actions' }, submit, cancelBtn()));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = what.value.trim();
      act(submit, () => api(`/hazards/${id}/rectify`, { method: 'POST', body: text ? { rectification: text } : {} }), { picker, stage: 'rectification' });
    });
    return form;
  }

  function acceptForm() {
    const comment = textarea('hz-accept-comment', t('hazard.accept_ph'), 2);
    const picker = photoPicker({ testid: 'hz-accept-photos', label: 'hazard.photos_acceptance' });
    const submit = h('button', { type: 'submit', class: 'btn primary big', 'data-testid': 'hz-accept-submit' }, t('hazard.act_accept'));
    const form = h('form', { class: 'hz-form', 'data-testid': 'hz-accept-form' },
      h('h3', null, t('hazard.accept_title')),
      h('p', { class: 'muted small' }, t('hazard.accept_hint')),
      row('hazard.comment', comment), picker.el,
      h('div', { class: 'detail-actions' }, submit, cancelBtn()));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const c = comment.value.trim();
      act(submit, () => api(`/hazards/${id}/accept`, { method: 'POST', body: c ? { comment: c } : {} }), { picker, stage: 'acceptance' });
    });
    return form;
  }

  function rejectForm() {
    const reason = textarea('hz-reject-reason', t('hazard.reject_ph'), 3);
    const submit = h('button', { type: 'submit', class: 'btn danger big', 'data-testid': 'hz-reject-submit' }, t('hazard.act_reject'));
    const form = h('form', { class: 'hz-form', 'data-testid': 'hz-reject-form' },
      h('h3', null, t('hazard.reject_title')),
      h('p', { class: 'muted small' }, t('hazard.reject_hint')),
      row('hazard.reason', reason, { required: true }),
      h('div', { class: 'detail-actions' }, submit, cancelBtn()));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const r = reason.value.trim();
      act(submit, () => api(`/hazards/${id}/reject`, { method: 'POST', body: r ? { reason: r } : {} }));
    });
    return form;
  }

  function photoForm() {
    const stage = h('select', { 'data-testid': 'hz-photo-stage', 'aria-label': t('hazard.photo_stage') },
      STAGES.map((s) => h('option', { value: s, selected: s === stageFor(hz.state) }, enumLabel('hazard_stage', s))));
    const picker = photoPicker({ testid: 'hz-add-photos', label: 'hazard.photos_add' });
    const submit = h('button', { type: 'submit', class: 'btn primary big', 'data-testid': 'hz-photo-submit' }, t('hazard.photos_upload'));
    const form = h('form', { class: 'hz-form', 'data-testid': 'hz-photo-form' },
      h('h3', null, t('hazard.act_photo')),
      row('hazard.photo_stage', stage), picker.el,
      h('div', { class: 'detail-actions' }, submit, cancelBtn()));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!picker.files().length) { showError({ status: 400, message: t('hazard.photos_none_chosen') }); return; }
      act(submit, async () => null, { picker, stage: stage.value });
    });
    return form;
  }

  function cancelBtn() {
    return h('button', { type: 'button', class: 'btn big', 'data-testid': 'hz-form-cancel', onclick: () => { open = ''; clearError(); draw(); } }, t('hazard.cancel'));
  }

  function formFor(a) {
    switch (a) {
      case 'register': return registerForm();
      case 'rectify': return rectifyForm();
      case 'accept': return acceptForm();
      case 'reject': return rejectForm();
      case 'photo': return photoForm();
      default: return null;
    }
  }

  // ---- panels ----
  function fact(label, value, testid, cls = '') {
    return h('div', { class: `permit-fact ${cls}`, 'data-testid': testid }, h('span', { class: 'kpi-label' }, t(label)), h('span', { class: 'permit-fact-value' }, value));
  }

  /** The area (linked, with its name), the equipment and the point, whichever are known. */
  function placeNodes() {
    const parts = [
      area ? h('a', { href: `#/areas/${area.id}` }, `${area.code} ${pickName(area)}`) : hz.area_code || null,
      hz.asset_code ? h('a', { href: `#/assets/${hz.asset_id}`, class: 'code' }, hz.asset_code) : null,
      isNum(hz.x) && isNum(hz.y) ? h('span', { class: hz.area_id || hz.asset_id ? 'muted' : '' }, placeText({ x: hz.x, y: hz.y })) : null,
    ].filter(Boolean);
    return parts.length ? parts.flatMap((x, i) => (i ? [' · ', x] : [x])) : DASH;
  }

  function headPanel() {
    const overdue = !!hz.is_overdue;
    return h('section', {
      class: `panel hazard-head hst-${hz.state}${overdue ? ' is-overdue' : ''}${hz.grade === 'major' ? ' is-major' : ''}`, 'data-testid': 'hazard-head',
      'data-id': hz.id, 'data-state': hz.state, 'data-grade': hz.grade || '', 'data-overdue': overdue ? '1' : '0',
    },
    h('div', { class: 'permit-head-top' },
      h('div', { class: 'permit-head-names' },
        h('span', { class: 'code hz-head-number', 'data-testid': 'hazard-number' }, hz.number || `#${hz.id}`),
        hazardStateBadge(hz.state),
        gradeBadge(hz.grade),
        overdue ? h('span', { class: 'hz-overdue-badge', 'data-testid': 'hazard-overdue' }, t('hazard.overdue')) : null,
        +hz.escalation > 1 ? h('span', { class: 'hz-overdue-badge', 'data-testid': 'hazard-escalation' }, t('hazard.escalated_to', { level: hz.escalation })) : null),
      h('span', { class: 'chips' },
        hz.repeat_of_id ? h('a', { class: 'hz-repeat-badge', href: `#/hazards/${hz.repeat_of_id}`, 'data-testid': 'hazard-repeat-link' }, t('hazard.repeat_of_link')) : null,
        +hz.n_repeats > 0 ? h('a', { class: 'hz-repeat-badge is-first', href: '#/hazards?repeat=1&state=all', 'data-testid': 'hazard-repeat-count' }, t('hazard.repeats_n', { n: hz.n_repeats })) : null)),
    h('p', { class: 'hz-description', 'data-testid': 'hazard-description' }, hz.description || DASH),
    h('div', { class: 'permit-facts hz-facts' },
      fact('hazard.place', placeNodes(), 'hazard-place'),
      fact('hazard.category', categoryName(hz.category), 'hazard-category'),
      fact('hazard.reported', `${hz.reported_by || DASH} · ${fmtTime(hz.reported)}`, 'hazard-reported'),
      fact('hazard.grade', gradeName(hz.grade), 'hazard-grade-text'),
      fact('hazard.assignee', hz.assignee || DASH, 'hazard-assignee'),
      fact('hazard.deadline', hz.deadline ? fmtTime(hz.deadline) : DASH, 'hazard-deadline', overdue ? 'hz-overdue' : ''),
      hz.cause ? fact('hazard.cause', hz.cause, 'hazard-cause') : null,
      hz.source && hz.source !== 'report' ? fact('hazard.source', enumLabel('hazard_source', hz.source), 'hazard-source') : null),
    stepsBar(hz));
  }

  function photosPanel() {
    const photos = hz.photos || [];
    if (!photos.length) return panel('hazard.photos', h('p', { class: 'muted', 'data-testid': 'hazard-photos-none' }, t('hazard.photos_none')), { testid: 'hazard-photos' });
    return panel('hazard.photos', h('div', { class: 'hz-gallery' }, STAGES.map((st) => {
      const mine = photos.filter((p) => p.stage === st);
      if (!mine.length) return null;
      return h('div', { class: 'hz-stage', 'data-stage': st },
        h('h3', null, enumLabel('hazard_stage', st), h('span', { class: 'muted small' }, ` · ${mine.length}`)),
        h('div', { class: 'hz-photos' }, mine.map((p) => h('a', { href: photoUrl(p.id), target: '_blank', rel: 'noopener', class: 'hz-photo-link', title: `${p.by_user || ''} · ${fmtTime(p.created)}` },
          h('img', { src: photoUrl(p.id), alt: t('hazard.photo_alt', { stage: enumLabel('hazard_stage', st), n: p.id }), class: 'hz-photo',
            'data-testid': 'hazard-photo', 'data-stage': st, 'data-id': p.id })))));
    })), { testid: 'hazard-photos', extra: h('span', { class: 'muted small' }, t('hazard.photos_n', { n: photos.length })) });
  }

  function workPanel() {
    const rows = [];
    const f = (label, value, testid) => rows.push(h('div', { class: 'field', 'data-testid': testid }, h('dt', null, t(label)), h('dd', null, value)));
    if (hz.registered) f('hazard.registered', `${hz.registered_by || DASH} · ${fmtTime(hz.registered)}`, 'hazard-registered');
    if (hz.rectification) f('hazard.rectification', h('span', { class: 'hz-pre' }, hz.rectification), 'hazard-rectification');
    if (hz.rectified) f('hazard.rectified', `${hz.rectified_by || DASH} · ${fmtTime(hz.rectified)}`, 'hazard-rectified');
    if (hz.accepted) f('hazard.accepted', `${hz.accepted_by || DASH} · ${fmtTime(hz.accepted)}`, 'hazard-accepted');
    // the last rejection comes from the timeline (who, when, why) while the hazard is open again
    const rejected = [...(hz.events || [])].reverse().find((ev) => ev.kind === 'reject');
    if (rejected && hz.state !== 'accepted' && hz.state !== 'closed') {
      const who = String(rejected.actor || '').split(':').pop() || DASH;
      const why = rejected.detail && rejected.detail.reason ? ` · ${rejected.detail.reason}` : '';
      f('hazard.last_rejected', `${who} · ${fmtTime(rejected.at)}${why}`, 'hazard-rejected');
    }
    if (hz.closed) f('hazard.closed', `${hz.closed_by || DASH} · ${fmtTime(hz.closed)}`, 'hazard-closed');
    if (!rows.length) return null;
    return panel('hazard.work', h('dl', { class: 'fields' }, rows), { testid: 'hazard-work' });
  }

  function planPanel() {
    const plan = hz.plan && typeof hz.plan === 'object' ? hz.plan : null;
    if (!plan && hz.grade !== 'major') return null;
    return panel('hazard.plan', plan ? h('dl', { class: 'fields hz-plan', 'data-testid': 'hazard-plan' },
      PLAN_PARTS.map((p) => h('div', { class: 'field', 'data-part': p }, h('dt', null, t(`hazard.plan_${p}`)), h('dd', { class: 'hz-pre' }, plan[p] || DASH))))
      : h('p', { class: 'muted' }, t('hazard.plan_none')), { testid: 'hazard-plan-panel' });
  }

  function detailText(ev) {
    const d = ev.detail;
    if (!d || typeof d !== 'object') return d ? String(d) : '';
    const out = [];
    switch (ev.kind) {
      case 'report': if (d.category) out.push(categoryName(d.category)); if (d.repeat_of_id) out.push(t('hazard.repeat_of_link')); break;
      case 'photo': out.push(enumLabel('hazard_stage', d.stage)); break;
      case 'register':
        out.push(gradeName(d.grade));
        out.push(t('hazard.ev_assignee', { who: Number(d.assignee_id) === Number(hz.assignee_id) && hz.assignee ? hz.assignee : `#${d.assignee_id}` }));
        if (d.deadline) out.push(t('hazard.deadline_is', { time: fmtTime(d.deadline) }));
        break;
      case 'rectify': if (d.rectification) out.push(d.rectification); break;
      case 'accept': if (d.comment) out.push(d.comment); break;
      case 'reject': if (d.reason) out.push(d.reason); break;
      case 'overdue': case 'escalated':
        out.push(t('hazard.ev_level', { level: d.level }));
        if (d.notify) out.push(t('hazard.ev_notify', { who: d.notify === 'assignee' ? t('hazard.assignee') : enumLabel('role', d.notify) }));
        break;
      default: if (d.comment) out.push(d.comment); if (d.reason) out.push(d.reason);
    }
    return out.join(' · ');
  }

  function timelinePanel() {
    const events = (hz.events || []).slice().sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id || 0) - (b.id || 0));
    return panel('hazard.timeline', events.length ? h('ol', { class: 'cr-record hz-record', 'data-testid': 'hazard-timeline' },
      events.map((ev) => h('li', { class: 'cr-rec-item', 'data-testid': 'hazard-event', 'data-kind': ev.kind },
        h('span', { class: 'date' }, fmtTime(ev.at, true)),
        h('span', { class: `chip hek-${ev.kind}` }, enumLabel('hazard_event', ev.kind)),
        h('span', { class: 'cr-rec-actor' }, actorName(ev.actor) || DASH),
        h('span', { class: 'cr-rec-text' }, detailText(ev)))))
      : h('p', { class: 'muted' }, t('hazard.timeline_none')), { testid: 'hazard-timeline-panel' });
  }

  function draw() {
    ctx.setTitle(`${hz.number || `#${hz.id}`} ${t('hazard.title')}`);
    body.setAttribute('data-state', hz.state);
    const side = [workPanel(), planPanel()].filter(Boolean);
    fill(body, [
      pageHeader({ crumbs: [...crumbs, { label: hz.number || `#${hz.id}` }],
        title: [h('span', { class: 'code title-code' }, hz.number || `#${hz.id}`), ' ', hz.grade ? gradeName(hz.grade) : t('hazard.title')], titleTestId: 'hazard-heading' }),
      errBox,
      headPanel(),
      panel('hazard.actions', actionBar(), { testid: 'hazard-actions-panel' }),
      photosPanel(),
      side.length ? h('div', { class: 'detail-grid' }, h('div', null, side), timelinePanel()) : timelinePanel(),
    ].filter(Boolean));
  }

  draw();
}
