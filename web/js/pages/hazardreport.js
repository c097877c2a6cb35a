// Report a hidden danger from a phone (#/hazards/report): in under a minute — the site (the
// first one preselected), the place (an area of the site, optionally its equipment, or "use a
// point": x, y on the site plan), a category, what was found, and photos straight from the
// camera (<input type=file accept=image/* capture=environment multiple>). Submit: POST
// /hazards, then each photo to /hazards/{id}/photos?stage=report with the image as the body;
// the new hazard's number is shown big, with a link to it and "report another". Large touch
// targets; no horizontal scroll at 390 px.
import { h } from '../dom.js';
import { t, enumLabel, pickName } from '../i18n.js';
import { api } from '../api.js';
import { pageHeader, problemBox, loading } from '../ui.js';
import { num } from '../format.js';
import { fetchAll } from '../lookup.js';
import { fill } from './permits.js';
import { CATEGORIES, TEXT_MAX, canHazard, hazardRefusalBox, photoPicker, uploadAll, CAMERA_ICON } from './hazards.js';

export async function renderReport(ctx) {
  ctx.setTitle(t('hazard.report_title'));
  ctx.main.append(pageHeader({
    crumbs: [{ href: '#/', label: t('nav.home') }, { href: '#/hazards', label: t('hazard.ledger_title') }, { label: t('hazard.report_title') }],
    title: t('hazard.report_title'), sub: t('hazard.report_sub'),
  }));
  const holder = loading();
  ctx.main.append(holder);
  if (!canHazard(ctx.user, 'report')) {
    holder.replaceWith(problemBox({ status: 403 }));
    return;
  }
  let sites;
  let areas;
  try {
    [sites, areas] = await Promise.all([fetchAll('/sites', {}, 100), fetchAll('/areas', {}, 1000).catch(() => [])]);
  } catch (e) {
    if (ctx.isCurrent()) holder.replaceWith(problemBox(e));
    return;
  }
  if (!ctx.isCurrent()) return;
  const page = h('div', { class: 'hz-report-page', 'data-testid': 'hazard-report-page' });
  holder.replaceWith(page);

  function form() {
    let usePoint = false;
    const err = h('div', { 'data-testid': 'hr-error' });
    const bad = (msg, focus) => { fill(err, h('p', { class: 'form-error', role: 'alert' }, msg)); if (focus) focus.focus(); err.scrollIntoView({ block: 'nearest' }); };
    const site = h('select', { class: 'hr-input', 'data-testid': 'hr-site', 'aria-label': t('field.site') },
      sites.map((s, i) => h('option', { value: String(s.id), selected: i === 0 }, pickName(s))));
    const area = h('select', { class: 'hr-input', 'data-testid': 'hr-area', 'aria-label': t('hazard.area') });
    const asset = h('select', { class: 'hr-input', 'data-testid': 'hr-asset', 'aria-label': t('hazard.asset') });
    const assetRow = h('label', { class: 'hr-row', hidden: true }, h('span', { class: 'hr-label' }, t('hazard.asset'), h('span', { class: 'muted small' }, ` ${t('hazard.optional')}`)), asset);
    const x = h('input', { type: 'number', step: 'any', inputmode: 'decimal', class: 'hr-input', 'data-testid': 'hr-x', placeholder: 'x', 'aria-label': t('hazard.x') });
    const y = h('input', { type: 'number', step: 'any', inputmode: 'decimal', class: 'hr-input', 'data-testid': 'hr-y', placeholder: 'y', 'aria-label': t('hazard.y') });
    const fillAreas = () => {
      const sid = Number(site.value);
      const mine = areas.filter((a) => !sid || a.site_id === sid).sort((a, b) => String(a.code).localeCompare(String(b.code)));
      fill(area, h('option', { value: '' }, t('hazard.area_pick')), mine.map((a) => h('option', { value: String(a.id) }, `${a.code} ${pickName(a)}`)));
      fillAssets();
    };
    let assetSeq = 0;
    const fillAssets = () => {
      const my = ++assetSeq;
      fill(asset, h('option', { value: '' }, t('hazard.asset_none')));
      assetRow.hidden = true;
      if (!area.value) return;
      fetchAll('/assets', { area_id: area.value }, 500).then((list) => {
        if (my !== assetSeq || !list.length) return;
        asset.append(...list.map((a) => h('option', { value: String(a.id) }, `${a.code} ${pickName(a)}`)));
        assetRow.hidden = false;
      }).catch(() => {});
    };
    site.addEventListener('change', fillAreas);
    area.addEventListener('change', fillAssets);
    fillAreas();

    const areaBox = h('div', { class: 'hr-place-area' }, area, assetRow);
    const pointBox = h('div', { class: 'hr-place-point', hidden: true },
      h('div', { class: 'hr-xy' },
        h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.x')), x),
        h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.y')), y)),
      h('p', { class: 'muted small' }, t('hazard.point_hint')));
    const modeBtn = (mode, label) => h('button', { type: 'button', class: 'seg-btn', 'data-testid': `hr-place-${mode}`, 'aria-pressed': String((mode === 'point') === usePoint) }, t(label));
    const byArea = modeBtn('area', 'hazard.place_area');
    const byPoint = modeBtn('point', 'hazard.place_point');
    const setMode = (point) => {
      usePoint = point;
      byArea.setAttribute('aria-pressed', String(!point));
      byPoint.setAttribute('aria-pressed', String(point));
      areaBox.hidden = point;
      pointBox.hidden = !point;
      (point ? x : area).focus();
    };
    byArea.addEventListener('click', () => setMode(false));
    byPoint.addEventListener('click', () => setMode(true));

    const category = h('select', { class: 'hr-input', 'data-testid': 'hr-category', 'aria-label': t('hazard.category'), required: true },
      h('option', { value: '' }, t('hazard.category_pick')), CATEGORIES.map((c) => h('option', { value: c }, enumLabel('hazard_cat', c))));
    const description = h('textarea', { class: 'hr-input hr-text', rows: 4, maxlength: TEXT_MAX, 'data-testid': 'hr-description', placeholder: t('hazard.description_ph'), 'aria-label': t('hazard.description') });
    const picker = photoPicker({ testid: 'hr-photos', label: 'hazard.photos_take' });
    const submit = h('button', { type: 'submit', class: 'btn primary hr-submit', 'data-testid': 'hr-submit' }, t('hazard.submit_report'));

    const el = h('form', { class: 'hr-form', 'data-testid': 'hr-form', novalidate: true },
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('field.site')), site),
      h('fieldset', { class: 'hr-row hr-place' },
        h('legend', { class: 'hr-label' }, t('hazard.place'), ' *'),
        h('div', { class: 'seg hr-seg', role: 'group', 'aria-label': t('hazard.place') }, byArea, byPoint),
        areaBox, pointBox),
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.category'), ' *'), category),
      h('label', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.description'), ' *'), description),
      h('div', { class: 'hr-row' }, h('span', { class: 'hr-label' }, t('hazard.photos')), picker.el),
      err,
      submit);

    el.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.replaceChildren();
      const body = { site_id: Number(site.value), category: category.value, description: description.value.trim() };
      if (!body.site_id) { bad(t('hazard.site_required'), site); return; }
      if (usePoint) {
        if (x.value === '' || y.value === '' || !Number.isFinite(+x.value) || !Number.isFinite(+y.value)) { bad(t('hazard.point_required'), x.value === '' ? x : y); return; }
        body.x = Number(x.value);
        body.y = Number(y.value);
      } else {
        if (!area.value) { bad(t('hazard.area_required'), area); return; }
        body.area_id = Number(area.value);
        if (asset.value) body.asset_id = Number(asset.value);
      }
      if (!body.category) { bad(t('hazard.category_required'), category); return; }
      if (!body.description) { bad(t('hazard.description_required'), description); return; }
      submit.disabled = true;
      submit.textContent = t('hazard.submitting');
      let hz;
      try {
        hz = await api('/hazards', { method: 'POST', body });
      } catch (e) {
        fill(err, hazardRefusalBox(e));
        submit.disabled = false;
        submit.textContent = t('hazard.submit_report');
        return;
      }
      const photos = await uploadAll(hz.id, picker, 'report');
      if (!ctx.isCurrent()) return;
      done(hz, photos);
    });
    return el;
  }

  function done(hz, photos) {
    const again = h('button', { type: 'button', class: 'btn big hr-again', 'data-testid': 'hr-again' }, h('span', { class: 'hz-cam', html: CAMERA_ICON }), t('hazard.report_another'));
    again.addEventListener('click', () => { fill(page, form()); window.scrollTo(0, 0); });
    fill(page, h('section', { class: 'panel hr-done', 'data-testid': 'hr-done', 'data-id': hz.id, role: 'status' },
      h('div', { class: 'hr-done-icon', 'aria-hidden': 'true' }, '✓'),
      h('p', { class: 'hr-done-title' }, t('hazard.reported_ok')),
      h('p', { class: 'hr-number code', 'data-testid': 'hr-number' }, hz.number),
      h('p', { class: 'muted' }, t('hazard.reported_next')),
      hz.repeat_of_id ? h('p', { class: 'hz-repeat-note', 'data-testid': 'hr-repeat' }, t('hazard.reported_repeat')) : null,
      photos.ok || photos.failed.length ? h('p', { class: photos.failed.length ? 'form-error' : 'muted', 'data-testid': 'hr-photo-result' },
        photos.failed.length ? t('hazard.photos_partly', { ok: num(photos.ok, 0), n: num(photos.ok + photos.failed.length, 0) }) : t('hazard.photos_sent', { n: num(photos.ok, 0) })) : null,
      h('div', { class: 'hr-done-actions' },
        h('a', { class: 'btn primary big', href: `#/hazards/${hz.id}`, 'data-testid': 'hr-open' }, t('hazard.open')),
        again)));
    window.scrollTo(0, 0);
  }

  fill(page, form());
}
