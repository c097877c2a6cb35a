// One inspection task, phone first (#/inspections/tasks/{id}), and the inspector's own list
// (#/my-inspections). docs/inspections.md.
//
// The task page: the window and the progress, the route as a list (points done with time,
// person, abnormal marks and the hazard of a finding; the next point highlighted), and the
// scan panel: "Scan NFC" through Web NFC (NDEFReader, the tag's serialNumber) and "Scan QR"
// through BarcodeDetector on the rear camera, where the browser has them, and always a code
// field (typed, pasted, or typed by a hardware scanner ending with Enter). Once a code is
// read the point's check list opens: checks as 正常 / 异常 toggles, readings as number fields
// with the normal range and out-of-range values marked as they are typed, a note per item,
// and "report a finding" (category, description, cause) that the server turns into a hidden
// danger with the scan. The answer: the point done, or the refusal by name in words.
//
// The code is matched to a checkpoint here (GET /inspection-checkpoints of the site: NFC UID
// in upper-case hex without separators, or the QR text) to open its check list; a code that
// is not a point still to do on this route goes to the server as it is, which judges the
// code before any answer: a refusal (not_on_route, already_scanned...) or an unknown code
// comes back in words and nothing is written.
import { h } from '../dom.js';
import { t, enumLabel } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num, DASH } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill, fmtTime, isNum } from './permits.js';
import { CATEGORIES, TEXT_MAX } from './hazards.js';
import { taskStateBadge, progressBar, windowText, inspRefusalBox, rangeText, canInspect } from './inspections.js';

const ACTIVE = ['open', 'in_progress'];

/** An NFC UID as the server keeps it: upper-case hex without separators. */
export const normUid = (s) => String(s || '').replace(/[^0-9a-fA-F]/g, '').toUpperCase();
/** How a code was read, by its look: the QR text of a checkpoint starts with AJCP:. */
export const methodOf = (code) => (/^AJCP:/i.test(code.trim()) ? 'qr' : 'nfc');

/** Is a reading outside its normal range? */
export function outOfRange(it, v) {
  if (!isNum(v)) return false;
  return (isNum(it.lo) && +v < +it.lo) || (isNum(it.hi) && +v > +it.hi);
}

// ---- the task page ---------------------------------------------------------------------------

export async function renderTask(ctx) {
  const id = ctx.params[0];
  ctx.setTitle(t('insp.task_title'));
  const crumbs = h('div');
  ctx.main.append(crumbs);
  const holder = loading();
  ctx.main.append(holder);
  let task;
  let checkpoints = [];
  try {
    task = await api(`/inspection-tasks/${id}`);
    checkpoints = await fetchAll('/inspection-checkpoints', { site_id: task.site_id }, 2000).catch(() => []);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.setTitle(`${task.plan_name} · ${t('insp.task_title')}`);
  crumbs.replaceWith(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') },
      canInspect(ctx.user, 'perform') ? { href: '#/my-inspections', label: t('nav.my_inspections') } : { href: '#/inspections', label: t('insp.title') },
      { label: task.plan_name }],
    title: task.plan_name, titleTestId: 'insp-task-title',
  }));
  const head = h('section', { class: 'panel ins-task-head', 'data-testid': 'insp-task-head' });
  const routeEl = h('ol', { class: 'ins-route', 'data-testid': 'insp-route' });
  const scanPanel = h('section', { class: 'panel ins-scan', 'data-testid': 'insp-scan' });
  const result = h('div', { class: 'ins-result', 'data-testid': 'insp-result-box', 'aria-live': 'polite' });
  holder.replaceWith(h('div', { class: 'ins-task-page', 'data-testid': 'insp-task-page' }, head, result, scanPanel,
    h('section', { class: 'panel' }, h('header', { class: 'panel-head' }, h('h2', null, t('insp.route'))), h('div', { class: 'panel-body' }, routeEl))));

  const nextPoint = () => (task.route || []).find((p) => !p.scan);
  const isActive = () => ACTIVE.includes(task.state);

  function paintHead() {
    head.setAttribute('data-state', task.state);
    fill(head, h('div', { class: 'panel-body ins-head-body' },
      h('div', { class: 'ins-head-row' }, taskStateBadge(task.state, 'insp-task-state'),
        +task.n_findings > 0 ? h('span', { class: 'chip ins-finding-chip', 'data-testid': 'insp-task-findings' }, t('insp.findings_n', { n: num(task.n_findings, 0) })) : null),
      h('div', { class: 'ins-head-window', 'data-testid': 'insp-task-window' }, h('span', { class: 'muted' }, t('insp.window'), ' '), windowText(task)),
      h('div', { class: 'ins-head-who muted small' }, [task.org_name, task.assignee || t('insp.anyone')].filter(Boolean).join(' · ')),
      progressBar(task, 'insp-task-progress')));
  }

  function paintRoute() {
    const next = isActive() ? nextPoint() : null;
    fill(routeEl, (task.route || []).map((pt, i) => {
      const sc = pt.scan;
      const st = sc ? 'done' : pt === next ? 'next' : 'todo';
      return h('li', { class: `ins-point is-${st}${sc && sc.n_abnormal ? ' is-abnormal' : ''}`, 'data-testid': 'insp-point', 'data-code': pt.code, 'data-state': st,
        'data-abnormal': sc ? String(sc.n_abnormal) : '' },
      h('span', { class: 'ins-point-seq', 'aria-hidden': 'true' }, sc ? '✓' : String(i + 1)),
      h('div', { class: 'ins-point-body' },
        h('div', { class: 'ins-point-name' }, h('span', { class: 'code' }, pt.code), ' ', pt.name,
          st === 'next' ? h('span', { class: 'chip ins-next-chip' }, t('insp.next_point')) : null),
        sc ? h('div', { class: 'ins-point-scan small', 'data-testid': 'insp-point-scan' },
          h('span', null, fmtTime(sc.at)), ' · ', h('span', null, sc.username), ' · ', h('span', null, enumLabel('insp_method', sc.method)),
          sc.n_abnormal ? h('span', { class: 'chip ins-abn-chip', 'data-testid': 'insp-point-abnormal' }, t('insp.abnormal_n', { n: num(sc.n_abnormal, 0) })) : h('span', { class: 'chip ins-ok-chip' }, t('insp.all_normal')),
          sc.hazard_id ? h('a', { class: 'ins-hazard-link', href: `#/hazards/${sc.hazard_id}`, 'data-testid': 'insp-point-hazard' }, sc.hazard_number || `#${sc.hazard_id}`) : null)
          : h('div', { class: 'muted small' }, t('insp.items_n', { n: (pt.items || []).length })),
        sc && sc.results ? h('ul', { class: 'ins-point-results small' }, sc.results.map((r) => h('li', { class: r.abnormal ? 'is-abnormal' : '' },
          r.item, ': ', isNum(r.value) ? num(r.value) : r.ok === true ? t('insp.ok') : r.ok === false ? t('insp.not_ok') : DASH,
          r.note ? h('span', { class: 'muted' }, ` — ${r.note}`) : null))) : null));
    }));
  }

  // ---- the scan panel ----
  let stopReader = null; // stops an NFC scan or the camera
  function stopReading() { if (stopReader) { stopReader(); stopReader = null; } }

  function paintScan() {
    stopReading();
    if (!isActive()) {
      fill(scanPanel, h('div', { class: 'panel-body ins-scan-closed', 'data-testid': 'insp-scan-closed' },
        t(task.state === 'done' ? 'insp.task_done_note' : 'insp.task_missed_note')));
      return;
    }
    if (!task.may_perform) {
      fill(scanPanel, h('div', { class: 'panel-body muted', 'data-testid': 'insp-scan-not-yours' }, t('insp.not_yours_note')));
      return;
    }
    const status = h('p', { class: 'ins-scan-status muted small', 'data-testid': 'insp-scan-status', 'aria-live': 'polite' });
    const video = h('video', { class: 'ins-video', playsinline: true, muted: true, hidden: true, 'data-testid': 'insp-video' });
    const buttons = [];
    if ('NDEFReader' in window) {
      const b = h('button', { type: 'button', class: 'btn primary big ins-scan-btn', 'data-testid': 'insp-scan-nfc' }, t('insp.scan_nfc'));
      b.addEventListener('click', () => startNfc(status));
      buttons.push(b);
    }
    if ('BarcodeDetector' in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      const b = h('button', { type: 'button', class: 'btn primary big ins-scan-btn', 'data-testid': 'insp-scan-qr' }, t('insp.scan_qr'));
      b.addEventListener('click', () => startCamera(status, video));
      buttons.push(b);
    }
    const code = h('input', { type: 'text', class: 'hr-input ins-code', 'data-testid': 'insp-code', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
      enterkeyhint: 'go', placeholder: t('insp.code_ph'), 'aria-label': t('insp.code') });
    const go = h('button', { type: 'submit', class: 'btn big', 'data-testid': 'insp-code-go' }, t('insp.code_go'));
    const codeForm = h('form', { class: 'ins-code-form', novalidate: true }, code, go);
    codeForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = code.value.trim();
      if (!v) { status.textContent = t('insp.code_required'); code.focus(); return; }
      gotCode(methodOf(v), v);
    });
    const next = nextPoint();
    fill(scanPanel, h('div', { class: 'panel-body ins-scan-body' },
      h('h2', { class: 'ins-scan-title' }, next ? t('insp.scan_next', { code: next.code, name: next.name }) : t('insp.scan_title')),
      buttons.length ? h('div', { class: 'ins-scan-btns' }, buttons) : h('p', { class: 'muted small', 'data-testid': 'insp-scan-no-reader' }, t('insp.no_reader')),
      video,
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('insp.code')), codeForm),
      status));
  }

  async function startNfc(status) {
    stopReading();
    try {
      const reader = new window.NDEFReader();
      const ac = new AbortController();
      stopReader = () => ac.abort();
      reader.addEventListener('reading', (ev) => { stopReading(); gotCode('nfc', ev.serialNumber || ''); }, { once: true, signal: ac.signal });
      reader.addEventListener('readingerror', () => { status.textContent = t('insp.nfc_unreadable'); }, { signal: ac.signal });
      await reader.scan({ signal: ac.signal });
      status.textContent = t('insp.nfc_hold');
    } catch (e) {
      status.textContent = t('insp.nfc_failed', { why: (e && e.message) || '' });
    }
  }

  async function startCamera(status, video) {
    stopReading();
    let stream = null;
    let timer = 0;
    let stopped = false;
    stopReader = () => { stopped = true; clearTimeout(timer); if (stream) for (const tr of stream.getTracks()) tr.stop(); video.srcObject = null; video.hidden = true; };
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (stopped) { for (const tr of stream.getTracks()) tr.stop(); return; }
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      status.textContent = t('insp.qr_aim');
      const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      const look = async () => {
        if (stopped) return;
        try {
          const found = await detector.detect(video);
          const hit = found.find((c) => c.rawValue);
          if (hit) { stopReading(); gotCode('qr', hit.rawValue); return; }
        } catch { /* a frame not ready yet */ }
        timer = setTimeout(look, 250);
      };
      look();
    } catch (e) {
      stopReading();
      status.textContent = t('insp.camera_failed', { why: (e && e.message) || '' });
    }
  }

  /** A code was read: open the check list of its point, or let the server say why not. */
  function gotCode(method, raw) {
    const codeText = String(raw).trim();
    const cp = checkpoints.find((c) => (method === 'qr' ? c.qr_text === codeText : c.nfc_uid && c.nfc_uid === normUid(codeText)));
    const pt = cp && (task.route || []).find((p) => p.checkpoint_id === cp.id && !p.scan);
    if (pt) { checklist(pt, method, codeText); return; }
    // not a point to do here (or not known to this page): the server judges the code first
    send({ method, code: codeText, results: [] }, null);
  }

  function checklist(pt, method, codeText) {
    const answers = (pt.items || []).map((it, i) => {
      const row = h('li', { class: 'ins-item', 'data-testid': 'insp-item', 'data-kind': it.kind, 'data-index': i });
      const note = h('input', { type: 'text', class: 'hr-input ins-note', 'data-testid': 'insp-item-note', maxlength: 500, placeholder: t('insp.note_ph'), 'aria-label': t('insp.note') });
      const a = { it, row, note, ok: null, input: null };
      if (it.kind === 'reading') {
        const input = h('input', { type: 'number', step: 'any', inputmode: 'decimal', class: 'hr-input ins-value', 'data-testid': 'insp-item-value', 'aria-label': it.text });
        const flag = h('span', { class: 'ins-out-flag', 'data-testid': 'insp-item-out', hidden: true }, t('insp.out_of_range'));
        const mark = () => {
          const out = input.value !== '' && outOfRange(it, input.value);
          row.classList.toggle('is-out', out);
          row.setAttribute('data-out', out ? '1' : '0');
          flag.hidden = !out;
        };
        input.addEventListener('input', mark);
        a.input = input;
        fill(row, h('div', { class: 'ins-item-text' }, it.text),
          h('div', { class: 'ins-item-range muted small', 'data-testid': 'insp-item-range' }, t('insp.normal_range'), ' ', rangeText(it)),
          h('div', { class: 'ins-value-row' }, input, it.unit ? h('span', { class: 'ins-unit' }, it.unit) : null, flag),
          note);
      } else {
        const okBtn = h('button', { type: 'button', class: 'ins-toggle is-ok', 'data-testid': 'insp-item-ok', 'aria-pressed': 'false' }, t('insp.ok'));
        const badBtn = h('button', { type: 'button', class: 'ins-toggle is-bad', 'data-testid': 'insp-item-bad', 'aria-pressed': 'false' }, t('insp.not_ok'));
        const set = (v) => {
          a.ok = v;
          okBtn.setAttribute('aria-pressed', String(v === true));
          badBtn.setAttribute('aria-pressed', String(v === false));
          row.classList.toggle('is-out', v === false);
          row.setAttribute('data-out', v === false ? '1' : '0');
        };
        okBtn.addEventListener('click', () => set(true));
        badBtn.addEventListener('click', () => set(false));
        fill(row, h('div', { class: 'ins-item-text' }, it.text), h('div', { class: 'ins-toggles', role: 'group', 'aria-label': it.text }, okBtn, badBtn), note);
      }
      return a;
    });
    // the finding: a hidden danger reported with the scan
    const findOn = h('input', { type: 'checkbox', 'data-testid': 'insp-finding-on' });
    const category = h('select', { class: 'hr-input', 'data-testid': 'insp-finding-category', 'aria-label': t('hazard.category') },
      h('option', { value: '' }, t('hazard.category_pick')), CATEGORIES.map((c) => h('option', { value: c }, enumLabel('hazard_cat', c))));
    const description = h('textarea', { class: 'hr-input hr-text', rows: 3, maxlength: TEXT_MAX, 'data-testid': 'insp-finding-description', placeholder: t('hazard.description_ph'), 'aria-label': t('hazard.description') });
    const cause = h('input', { type: 'text', class: 'hr-input', maxlength: TEXT_MAX, 'data-testid': 'insp-finding-cause', 'aria-label': t('insp.finding_cause') });
    const findBox = h('div', { class: 'ins-finding-body', hidden: true },
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.category'), ' *'), category),
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.description'), ' *'), description),
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('insp.finding_cause'), h('span', { class: 'muted small' }, ` ${t('hazard.optional')}`)), cause));
    findOn.addEventListener('change', () => { findBox.hidden = !findOn.checked; if (findOn.checked) category.focus(); });
    const err = h('div', { 'data-testid': 'insp-check-error' });
    const submit = h('button', { type: 'submit', class: 'btn primary hr-submit', 'data-testid': 'insp-submit' }, t('insp.submit'));
    const back = h('button', { type: 'button', class: 'btn big', 'data-testid': 'insp-check-cancel', onclick: () => { result.replaceChildren(); paintScan(); } }, t('insp.cancel'));
    const form = h('form', { class: 'panel-body ins-checklist', 'data-testid': 'insp-checklist', 'data-code': pt.code, novalidate: true },
      h('h2', { class: 'ins-scan-title' }, h('span', { class: 'code' }, pt.code), ' ', pt.name),
      h('p', { class: 'muted small', 'data-testid': 'insp-read-as' }, t('insp.read_as', { method: enumLabel('insp_method', method), code: codeText })),
      h('ol', { class: 'ins-items-list' }, answers.map((a) => a.row)),
      h('fieldset', { class: 'ins-finding' },
        h('legend', null, h('label', { class: 'ins-check' }, findOn, h('span', null, t('insp.finding_report')))),
        findBox),
      err,
      h('div', { class: 'ins-check-actions' }, submit, back));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      err.replaceChildren();
      const bad = (msg, focus) => { fill(err, h('p', { class: 'form-error', role: 'alert', 'data-testid': 'insp-check-missing' }, msg)); if (focus) focus.focus(); };
      const results = [];
      for (const [i, a] of answers.entries()) {
        const r = {};
        if (a.it.kind === 'reading') {
          if (a.input.value === '' || !Number.isFinite(+a.input.value)) { bad(t('insp.answer_missing', { n: i + 1 }), a.input); return; }
          r.value = Number(a.input.value);
        } else {
          if (a.ok === null) { bad(t('insp.answer_missing', { n: i + 1 }), a.row.querySelector('button')); return; }
          r.ok = a.ok;
        }
        if (a.note.value.trim()) r.note = a.note.value.trim();
        results.push(r);
      }
      const body = { method, code: codeText, results };
      if (findOn.checked) {
        if (!category.value) { bad(t('hazard.category_required'), category); return; }
        if (!description.value.trim()) { bad(t('hazard.description_required'), description); return; }
        body.finding = { category: category.value, description: description.value.trim() };
        if (cause.value.trim()) body.finding.cause = cause.value.trim();
      }
      send(body, submit);
    });
    stopReading();
    result.replaceChildren();
    fill(scanPanel, form);
    scanPanel.scrollIntoView({ block: 'start' });
  }

  async function send(body, button) {
    if (button) { button.disabled = true; button.textContent = t('insp.submitting'); }
    try {
      const r = await api(`/inspection-tasks/${id}/scans`, { method: 'POST', body });
      if (!ctx.isCurrent()) return;
      task = r;
      const sc = r.scan || {};
      fill(result, h('section', { class: `panel ins-scan-done${sc.n_abnormal ? ' is-abnormal' : ''}`, role: 'status', 'data-testid': 'insp-result', 'data-code': sc.checkpoint, 'data-abnormal': String(sc.n_abnormal || 0) },
        h('div', { class: 'panel-body' },
          h('p', { class: 'ins-done-title' }, h('span', { class: 'ins-done-icon', 'aria-hidden': 'true' }, '✓'), t('insp.scan_ok', { code: sc.checkpoint })),
          sc.n_abnormal ? h('p', { class: 'ins-abn-text' }, t('insp.abnormal_n', { n: num(sc.n_abnormal, 0) })) : null,
          sc.hazard_id ? h('p', { class: 'ins-hazard' }, t('insp.hazard_made'), ' ',
            h('a', { href: `#/hazards/${sc.hazard_id}`, class: 'code hr-number', 'data-testid': 'insp-hazard-link', 'data-id': sc.hazard_id }, sc.hazard_number)) : null,
          r.state === 'done' ? h('p', { class: 'ins-all-done', 'data-testid': 'insp-all-done' }, t('insp.task_complete')) : null)));
      paintAll();
    } catch (e) {
      if (!ctx.isCurrent()) return;
      fill(result, inspRefusalBox(e));
      if (button) { button.disabled = false; button.textContent = t('insp.submit'); }
      // the task may have moved on (closed, done by a colleague): show it as it is now
      if (e.status === 409) {
        try { task = await api(`/inspection-tasks/${id}`); } catch { /* keep what we have */ }
        if (!ctx.isCurrent()) return;
        paintHead();
        paintRoute();
        if (!button || !isActive()) paintScan();
      } else if (!button) {
        paintScan();
      }
    }
    result.scrollIntoView({ block: 'nearest' });
  }

  function paintAll() { paintHead(); paintRoute(); paintScan(); }
  paintAll();
  // leave the camera and the NFC reader off when the page goes
  const watch = setInterval(() => { if (!ctx.isCurrent()) { stopReading(); clearInterval(watch); } }, 500);
}

// ---- my inspections (phone) ------------------------------------------------------------------

export async function renderMine(ctx) {
  ctx.setTitle(t('nav.my_inspections'));
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { label: t('nav.my_inspections') }],
    title: t('nav.my_inspections'), sub: t('insp.mine_sub'),
  }));
  const list = h('div', { class: 'ins-mine', 'data-testid': 'insp-mine' }, loading());
  ctx.main.append(list);
  if (!canInspect(ctx.user, 'perform')) { fill(list, problemBox({ status: 403 })); return; }
  async function load() {
    try {
      const r = await api('/inspection-tasks', { params: { mine: 1, state: 'active', limit: 200 } });
      if (!ctx.isCurrent()) return;
      const items = ((r && r.items) || []).slice().sort((a, b) => Date.parse(a.window_end) - Date.parse(b.window_end));
      fill(list, items.length ? items.map((task) => h('a', { class: `ins-card ins-${task.state}`, href: `#/inspections/tasks/${task.id}`, 'data-testid': 'insp-my-task', 'data-id': task.id, 'data-state': task.state },
        h('div', { class: 'ins-card-head' }, h('span', { class: 'ins-card-name' }, task.plan_name), taskStateBadge(task.state, 'insp-my-state')),
        h('div', { class: 'muted small' }, t('insp.until', { time: fmtTime(task.window_end) })),
        progressBar(task, 'insp-my-progress'),
        h('span', { class: 'btn primary big ins-card-go' }, t(task.state === 'open' ? 'insp.start' : 'insp.continue'))))
        : h('div', { class: 'empty', 'data-testid': 'insp-mine-empty' }, t('insp.mine_none')));
    } catch (e) {
      if (ctx.isCurrent()) fill(list, problemBox(e, { retry: load }));
    }
  }
  const timer = setInterval(() => { if (!ctx.isCurrent()) { clearInterval(timer); return; } load(); }, 30000);
  await load();
}
