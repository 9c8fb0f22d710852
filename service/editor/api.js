// kakehashi glossary editor: shared state, DOM helpers and the API client.
// Every value from the API reaches the page through textContent / createElement only.

import { fmtDate, locale, t } from "./i18n.js";

export const TOKEN_KEY = "kakehashi.editor.token";
export const GLOSSARY_KEY = "kakehashi.editor.glossary";
export const DEFAULT_LANGS = ["en", "zh", "ko", "fr", "de", "es"];
export const LANG_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
export const PAGE_SIZE = 25;
const ROOT = new URL("..", window.location.href); // the service root, also behind a prefix

export const $ = (id) => document.getElementById(id);

export const state = {
  token: null,
  me: null, // the answer of /v1/whoami
  glossaries: [],
  glossary: null,
  q: "",
  status: "",
  offset: 0,
  total: 0,
  items: [],
  entry: null, // the entry as last read from the server (null for a new one)
  extraLangs: [],
  suggestions: [],
  tab: "entries",
};

// Functions of one view that another view calls (filled in by main.js), so that the modules
// need not import each other in a circle: opening an entry from an error, signing out on 401.
export const actions = {
  openEntry: async (_id) => {},
  signOut: (_announce) => {},
  changed: async () => {},
  switchTab: (_name) => {},
};

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "hidden" || key === "disabled" || key === "checked") node[key] = true;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// Language names and dates in the page's language (i18n.js).
export function langName(code) {
  try {
    const name = new Intl.DisplayNames([locale()], { type: "language" }).of(code);
    return name && name !== code ? name : "";
  } catch (_) {
    return "";
  }
}

export function when(value) {
  return fmtDate(value);
}

export function plural(n, word, many) {
  return `${n} ${n === 1 ? word : many || word + "s"}`;
}

export class ApiFailure extends Error {
  constructor(status, code, message, details, etag) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.etag = etag;
  }
}

export function apiUrl(path, query) {
  const url = new URL(path, ROOT);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url;
}

export function glossaryPath(...parts) {
  return ["v1/glossaries", state.glossary, ...parts].map((p, i) => (i ? encodeURIComponent(p) : p)).join("/");
}

// One request; `options.body` is sent as JSON, `options.form` (a FormData) as multipart.
// Returns the parsed JSON answer, or the Response itself with `options.raw`.
export async function api(method, path, options = {}) {
  const headers = { Accept: options.raw ? "*/*" : "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let body;
  if (options.form !== undefined) body = options.form; // the browser sets the boundary
  else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  if (options.etag) headers["If-Match"] = options.etag;
  let response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch (err) {
    throw new ApiFailure(0, "network", t("api.network", { message: err.message }));
  }
  if (response.ok && options.raw) return response;
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data && data.error ? data.error : {};
    throw new ApiFailure(
      response.status,
      error.code || `http_${response.status}`,
      error.message || `${response.status} ${response.statusText || "error"}`.trim(),
      error.details,
      response.headers.get("ETag"),
    );
  }
  return data;
}
