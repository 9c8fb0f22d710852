// One message catalogue per language (messages-en.json, messages-ja.json, served with the page):
// every string of the page goes through t(key, params). The language is the one chosen in the
// header (kept in localStorage), else the browser's first preferred one we have (Japanese for a
// Japanese browser), else English. Dates and numbers are formatted by Intl in that language.
// Static text in index.html names its key in data-i18n (data-i18n-placeholder, -aria-label,
// -title for attributes); applyStatic() fills them in.

const STORE_KEY = "kakehashi.editor.locale";
export const LOCALES = ["ja", "en"];
const catalogues = {};
let current = "en";
const listeners = [];

export function locale() {
  return current;
}

export function preferredLocale() {
  const stored = localStorage.getItem(STORE_KEY);
  if (LOCALES.includes(stored)) return stored;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LOCALES.includes(base)) return base;
  }
  return "en";
}

async function load(name) {
  if (catalogues[name]) return catalogues[name];
  const response = await fetch(new URL(`messages-${name}.json`, import.meta.url), { cache: "no-cache" });
  if (!response.ok) throw new Error(`the ${name} messages could not be loaded (${response.status})`);
  catalogues[name] = await response.json();
  return catalogues[name];
}

// Switches the page's language: static text at once, then every view that registered onLocale.
export async function setLocale(name, remember = false) {
  await load("en"); // the fallback for a key a translation lacks (a test keeps them complete)
  current = LOCALES.includes(name) ? name : "en";
  await load(current);
  if (remember) localStorage.setItem(STORE_KEY, current);
  document.documentElement.lang = current;
  applyStatic(document);
  for (const listener of listeners) listener(current);
}

export function onLocale(listener) {
  listeners.push(listener);
}

function lookup(key) {
  const own = catalogues[current] && catalogues[current][key];
  if (own !== undefined) return own;
  const fallback = catalogues.en && catalogues.en[key];
  return fallback !== undefined ? fallback : key;
}

export function has(key) {
  return Boolean(catalogues[current] && catalogues[current][key] !== undefined);
}

export function fmtNumber(value) {
  return new Intl.NumberFormat(current).format(value);
}

export function fmtDate(value) {
  if (!value) return "";
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

// A message: {name} is replaced by params.name (numbers formatted for the language); a message
// that is an object {one, other} is chosen by Intl.PluralRules on params.n.
export function t(key, params = {}) {
  let message = lookup(key);
  if (message && typeof message === "object") {
    const rule = new Intl.PluralRules(current).select(Number(params.n || 0));
    message = message[rule] !== undefined ? message[rule] : message.other;
  }
  return String(message).replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === "number" ? fmtNumber(value) : String(value);
  });
}

export function applyStatic(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const attr of ["placeholder", "aria-label", "title"]) {
    for (const node of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      node.setAttribute(attr, t(node.getAttribute(`data-i18n-${attr}`)));
    }
  }
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = t(title.dataset.i18n);
}
