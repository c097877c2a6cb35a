// Login page: username, password; the API's refusal shown in the current language.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { langSwitch, brand } from '../shell.js';

/**
 * renderLogin(container, {notice, onSuccess(loginResponse)})
 * notice: message key shown above the form (session expired, signed out).
 */
export function renderLogin(container, { notice, onSuccess }) {
  document.title = `${t('login.title')} · ${t('app.title')}`;
  const user = h('input', {
    id: 'login-username', name: 'username', type: 'text', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false', 'data-testid': 'login-username',
  });
  const pass = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    'data-testid': 'login-password',
  });
  const error = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'login-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn primary block', 'data-testid': 'login-submit' }, t('login.submit'));

  const showError = (msg, detail) => {
    error.replaceChildren(h('span', null, msg));
    if (detail) error.title = detail; else error.removeAttribute('title');
    error.hidden = false;
  };

  const form = h('form', { class: 'login-form', 'data-testid': 'login-form', novalidate: true },
    h('h1', { class: 'login-title', 'data-testid': 'login-title' }, t('login.title')),
    h('p', { class: 'login-hint' }, t('login.hint')),
    notice ? h('div', { class: 'form-notice', 'data-testid': 'login-notice' }, t(notice)) : null,
    h('div', { class: 'form-row' }, h('label', { for: 'login-username', 'data-testid': 'login-username-label' }, t('login.username')), user),
    h('div', { class: 'form-row' }, h('label', { for: 'login-password', 'data-testid': 'login-password-label' }, t('login.password')), pass),
    error,
    submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    const username = user.value.trim();
    const password = pass.value;
    if (!username || !password) {
      showError(t('login.error_required'));
      (username ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.submitting');
    try {
      const res = await api('/auth/login', { method: 'POST', body: { username, password }, quiet401: true });
      onSuccess(res);
    } catch (err) {
      submit.disabled = false;
      submit.textContent = t('login.submit');
      if (!(err instanceof ApiError)) { showError(t('error.load_failed'), String(err)); return; }
      if (err.status === 401) showError(t('login.error_credentials'), err.message);
      else if (err.status === 429) {
        showError(err.retryAfter ? t('login.error_throttled', { seconds: err.retryAfter }) : t('login.error_throttled_nowait'), err.message);
      } else if (err.status === 0) showError(t('error.network_body'));
      else if (err.status === 403) showError(t('login.error_disabled'), err.message);
      else showError(err.message || t('error.load_failed'));
      pass.select();
    }
  });

  const page = h('div', { class: 'login-page', 'data-testid': 'login-page' },
    h('header', { class: 'login-top' }, brand(), h('span', { class: 'spacer' }), langSwitch()),
    h('div', { class: 'login-center' },
      h('div', { class: 'login-card' },
        h('div', { class: 'login-product' },
          h('div', { class: 'login-product-name' }, t('app.title')),
          h('div', { class: 'login-product-sub' }, t('app.subtitle'))),
        form)),
    h('footer', { class: 'login-foot' }, t('login.footer')));
  container.replaceChildren(page);
  user.focus();
}
