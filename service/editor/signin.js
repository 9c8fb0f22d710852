// Sign-in: the token is checked with /v1/whoami before anything else is shown. Only editor and
// admin keys open the page; partner and publisher keys are refused with a message saying why
// (the page offers no read-only mode: those roles have the feeds and the API for reading).

import { $, GLOSSARY_KEY, TOKEN_KEY, api, clear, el, state } from "./api.js";
import { clearMessages, say, showError } from "./messages.js";
import { closeEntry } from "./entry.js";
import { loadEntries } from "./list.js";
import { loadSuggestions } from "./suggestions.js";
import { loadTargets } from "./preview.js";
import { t } from "./i18n.js";

export const EDITING_ROLES = ["editor", "admin"];

const REFUSALS = { partner: "signin.whyPartner", publisher: "signin.whyPublisher" };

export function showLogin(visible) {
  $("login").hidden = !visible;
  $("app").hidden = visible;
  $("session").hidden = visible;
}

export function signOut(announce = true) {
  state.token = null;
  state.me = null;
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin(true);
  $("token-input").value = "";
  if (announce) {
    clearMessages();
    say(t("signin.forgotten"), "login-msg");
  }
  $("token-input").focus();
}

// Resolves to true when the page opened; shows why not otherwise.
export async function signIn(token) {
  state.token = token;
  let me;
  try {
    me = await api("GET", "v1/whoami");
  } catch (err) {
    state.token = null;
    showError(err, t("signin.refused"), "login-msg");
    return false;
  }
  if (!EDITING_ROLES.includes(me.role)) {
    state.token = null;
    const why = t(REFUSALS[me.role] || "signin.whyOther");
    showError(
      new Error(t("signin.wrongRole", { name: me.name, role: me.role, why })),
      t("signin.notSignedIn"),
      "login-msg",
    );
    return false;
  }
  state.me = me;
  try {
    await loadGlossaries();
  } catch (err) {
    state.token = null;
    state.me = null;
    showError(err, t("signin.glossariesFailed"), "login-msg");
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  clearMessages();
  $("who").textContent = `${me.name} (${t(`role.${me.role}`)})`;
  for (const id of ["deliveries", "partner"]) document.querySelector(`.tab[data-tab="${id}"]`).hidden = me.role !== "admin";
  showLogin(false);
  loadTargets();
  return true;
}

export async function loadGlossaries() {
  const list = await api("GET", "v1/glossaries");
  state.glossaries = Array.isArray(list) ? list : [];
  const select = clear($("glossary-select"));
  for (const g of state.glossaries) {
    select.append(el("option", { value: g.name, text: g.name }));
  }
  const remembered = sessionStorage.getItem(GLOSSARY_KEY);
  const names = state.glossaries.map((g) => g.name);
  const chosen = names.includes(state.glossary)
    ? state.glossary
    : names.includes(remembered)
      ? remembered
      : names[0] || null;
  if (chosen) select.value = chosen;
  await selectGlossary(chosen);
}

export function glossaryInfo() {
  const g = state.glossaries.find((x) => x.name === state.glossary);
  $("glossary-info").textContent = g
    ? t("signin.info", { n: g.entries, version: g.version }) + (g.description ? " · " + g.description : "")
    : t("signin.noGlossary");
}

// The header's counts and version, read again after every change.
export async function refreshGlossaries() {
  const list = await api("GET", "v1/glossaries");
  state.glossaries = Array.isArray(list) ? list : [];
  glossaryInfo();
}

export async function selectGlossary(name) {
  state.glossary = name;
  if (name) sessionStorage.setItem(GLOSSARY_KEY, name);
  glossaryInfo();
  state.offset = 0;
  closeEntry();
  state.suggestions = [];
  clear($("suggestions"));
  if (!name) {
    clear($("entries-body"));
    $("page-info").textContent = t("signin.noGlossaries");
    return;
  }
  await loadEntries();
  if (state.tab === "suggestions") await loadSuggestions();
}
