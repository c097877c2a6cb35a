// i18n: the one message catalogue (../messages.js), the current language and name picking.
// zh-CN is the default; the choice is kept in localStorage under LANG_KEY.
import { messages } from '../messages.js';

export const LANGS = ['zh-CN', 'en'];
export const LANG_KEY = 'anjian.lang';

function initialLang() {
  try {
    const v = localStorage.getItem(LANG_KEY);
    if (LANGS.includes(v)) return v;
  } catch { /* storage blocked: default */ }
  return 'zh-CN';
}

let lang = initialLang();
const listeners = new Set();

export function getLang() { return lang; }

export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try { localStorage.setItem(LANG_KEY, next); } catch { /* ignore */ }
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Whether the catalogue has a key. */
export function has(key) { return Object.prototype.hasOwnProperty.call(messages, key); }

/** The message for key in the current language; {name} placeholders filled from params. */
export function t(key, params) {
  const m = messages[key];
  if (!m) {
    console.warn('anjian: missing message', key);
    return key;
  }
  let s = m[lang] ?? m['zh-CN'] ?? m.en ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (all, k) => (params[k] ?? all));
  return s;
}

/** Translate a code of an enumeration (tag kind, template, role...): prefix.code, else the code itself. */
export function enumLabel(prefix, code) {
  if (code === null || code === undefined || code === '') return '';
  const key = `${prefix}.${code}`;
  return has(key) ? t(key) : String(code);
}

/** The object's name in the current language, falling back to the other one, then to its code. */
export function pickName(obj) {
  if (!obj) return '';
  const zh = obj.name || '';
  const en = obj.name_en || '';
  if (lang === 'en') return en || zh || obj.code || '';
  return zh || en || obj.code || '';
}

/** The name in the other language, when it differs (shown as a secondary line). */
export function otherName(obj) {
  if (!obj) return '';
  const main = pickName(obj);
  const other = lang === 'en' ? obj.name : obj.name_en;
  return other && other !== main ? other : '';
}

document.documentElement.lang = lang;
