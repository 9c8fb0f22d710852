// One entry: the form, the impact of a change before it is saved, saving with If-Match (a 412
// opens the conflict screen of conflict.js), deleting.

import { $, ApiFailure, DEFAULT_LANGS, LANG_PATTERN, actions, api, clear, el, glossaryPath, langName, plural, state, when } from "./api.js";
import { clearMessages, say, showError } from "./messages.js";
import { loadExtras } from "./history.js";
import { conflict } from "./conflict.js";
import { renderEntries } from "./list.js";
import { t } from "./i18n.js";

export const SCALARS = ["source", "note", "status", "do_not_translate", "case_sensitive"];
const MSG = "entry-msg";

export function valuesOf(entry) {
  return {
    source: entry.source,
    targets: { ...entry.targets },
    aliases: [...entry.aliases],
    note: entry.note || "",
    status: entry.status,
    do_not_translate: Boolean(entry.do_not_translate),
    case_sensitive: Boolean(entry.case_sensitive),
  };
}

function emptyValues() {
  return { source: "", targets: {}, aliases: [], note: "", status: "approved", do_not_translate: false, case_sensitive: false };
}

function readForm() {
  const targets = {};
  for (const input of $("f-targets").querySelectorAll("input[data-lang]")) {
    const text = input.value.trim();
    if (text) targets[input.dataset.lang] = text;
  }
  const aliases = [];
  for (const line of $("f-aliases").value.split(/\r?\n/)) {
    const alias = line.trim();
    if (alias && !aliases.includes(alias)) aliases.push(alias);
  }
  return {
    source: $("f-source").value.trim(),
    targets,
    aliases,
    note: $("f-note").value,
    status: $("f-status").value,
    do_not_translate: $("f-dnt").checked,
    case_sensitive: $("f-case").checked,
  };
}

function sameTargets(a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if ((a[key] || "") !== (b[key] || "")) return false;
  return true;
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// The PATCH body taking `base` to `values` (only the fields that differ).
function patchBody(base, values) {
  const body = {};
  for (const key of SCALARS) if (values[key] !== base[key]) body[key] = values[key];
  if (!sameTargets(base.targets, values.targets)) body.targets = values.targets;
  if (!sameList(base.aliases, values.aliases)) body.aliases = values.aliases;
  return body;
}

// ---------------------------------------------------------------- the form

export function hideConflict() {
  const box = $("conflict");
  box.hidden = true;
  box.removeAttribute("role");
  clear(box);
}


export function isDirty() {
  if ($("entry-form").hidden) return false;
  const base = state.entry ? valuesOf(state.entry) : emptyValues();
  return Object.keys(patchBody(base, readForm())).length > 0;
}

export function confirmDiscard() {
  return !isDirty() || window.confirm(t("entry.discardAsk"));
}

export function renderTargets(values) {
  const box = clear($("f-targets"));
  const present = Object.keys(values.targets).filter((l) => !DEFAULT_LANGS.includes(l)).sort();
  const langs = [...DEFAULT_LANGS, ...present];
  for (const lang of state.extraLangs) if (!langs.includes(lang)) langs.push(lang);
  for (const lang of langs) {
    const id = `f-t-${lang}`;
    const name = langName(lang);
    box.append(
      el("label", { for: id, class: "lang" }, el("span", { class: "code", text: lang }), name ? ` ${name}` : ""),
      el("input", { id, type: "text", maxlength: 500, lang, "data-lang": lang, spellcheck: "true", value: values.targets[lang] || "" }),
    );
  }
}

function fillForm(values) {
  $("f-source").value = values.source;
  renderTargets(values);
  $("f-aliases").value = values.aliases.join("\n");
  $("f-note").value = values.note;
  $("f-status").value = values.status;
  $("f-dnt").checked = values.do_not_translate;
  $("f-case").checked = values.case_sensitive;
}

export function showEntryForm(entry, values) {
  state.entry = entry;
  $("no-entry").hidden = true;
  $("entry-form").hidden = false;
  hideConflict();
  clearImpact();
  $("entry-title").textContent = entry ? entry.source : t("entry.newTitle");
  $("entry-title").lang = entry ? "ja" : document.documentElement.lang;
  $("entry-meta").textContent = entry
    ? t("entry.meta", { revision: entry.revision, when: when(entry.updated_at), id: entry.id })
    : t("entry.metaNew", { glossary: state.glossary });
  $("delete").hidden = !entry;
  $("impact-check").hidden = !entry;
  $("revert").textContent = entry ? t("entry.revert") : t("entry.cancel");
  fillForm(values || (entry ? valuesOf(entry) : emptyValues()));
  $("entry-extra").hidden = !entry;
  renderEntries();
  if (values) scheduleImpact();
}

export function closeEntry() {
  state.entry = null;
  state.extraLangs = [];
  $("entry-form").hidden = true;
  $("entry-extra").hidden = true;
  $("no-entry").hidden = false;
  hideConflict();
  clearImpact();
}

let openRequest = 0;

export async function openEntry(id) {
  if (state.tab !== "entries") actions.switchTab("entries");
  if (state.entry && state.entry.id === id && !$("entry-form").hidden) {
    $("entry-title").focus();
    return;
  }
  if (!confirmDiscard()) return;
  state.extraLangs = [];
  const request = ++openRequest;
  let entry;
  try {
    entry = await api("GET", glossaryPath("entries", id));
  } catch (err) {
    if (request === openRequest) showError(err, t("entry.openFailed"), MSG);
    return;
  }
  if (request !== openRequest) return; // another entry was opened meanwhile
  clearMessages();
  showEntryForm(entry);
  $("entry-title").focus();
  await loadExtras(entry);
}

// After a change made elsewhere on the page (an import): the open entry and its history are
// read again, unless the editor is in the middle of editing it (their save then meets a 412).
export async function refreshOpenEntry() {
  if (!state.entry || $("entry-form").hidden || isDirty()) return;
  const id = state.entry.id;
  let entry;
  try {
    entry = await api("GET", glossaryPath("entries", id));
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) closeEntry();
    return;
  }
  if (!state.entry || state.entry.id !== id || isDirty()) return;
  showEntryForm(entry);
  await loadExtras(entry);
}

export function newEntry() {
  if (!state.glossary || !confirmDiscard()) return;
  state.extraLangs = [];
  clearMessages();
  showEntryForm(null);
  $("f-source").focus();
}

export function revert() {
  if (!confirmDiscard()) return;
  if (state.entry) {
    state.extraLangs = [];
    showEntryForm(state.entry);
    say(t("entry.reverted"), MSG);
  } else {
    closeEntry();
  }
}

export function addLanguage() {
  const input = $("f-new-lang");
  const lang = input.value.trim();
  if (!LANG_PATTERN.test(lang)) {
    showError(new Error(t("entry.badLang", { lang })), t("entry.addLangFailed"), MSG);
    input.focus();
    return;
  }
  const values = readForm();
  if (!state.extraLangs.includes(lang)) state.extraLangs.push(lang);
  renderTargets(values);
  input.value = "";
  const field = $(`f-t-${lang}`);
  if (field) field.focus();
}

// ---------------------------------------------------------------- impact before saving

let impactTimer = 0;
let impactRequest = 0;

export function clearImpact() {
  window.clearTimeout(impactTimer);
  impactRequest++;
  const box = $("impact");
  clear(box);
  box.hidden = true;
}

// Asked again a moment after each change to the form (and by the "What will this change?" button).
export function scheduleImpact() {
  window.clearTimeout(impactTimer);
  impactTimer = window.setTimeout(showImpact, 350);
}

export async function showImpact() {
  window.clearTimeout(impactTimer);
  if (!state.entry || $("entry-form").hidden) return;
  const body = patchBody(valuesOf(state.entry), readForm());
  const box = $("impact");
  if (!Object.keys(body).length) {
    clearImpact();
    return;
  }
  const request = ++impactRequest;
  const entryId = state.entry.id;
  let impact;
  try {
    impact = await api("POST", glossaryPath("entries", entryId, "impact"), { body });
  } catch (err) {
    if (request !== impactRequest) return;
    clear(box).append(el("p", { class: "error", text: t("entry.impactFailed", { message: err.message }) }));
    box.hidden = false;
    return;
  }
  if (request !== impactRequest || !state.entry || state.entry.id !== entryId) return;
  clear(box);
  box.hidden = false;
  if (!impact.articles) {
    box.append(el("p", { class: "impact-summary", text: t("entry.impactNone") }));
    return;
  }
  box.append(
    el("p", { class: "impact-summary" },
      el("strong", { text: t("entry.impactArticles", { n: impact.articles }) }),
      " " + t("entry.impactInto", { langs: impact.languages.join(", "), n: impact.jobs }),
      el("span", { class: "muted small", text: " " + t("entry.impactUse", { now: impact.using_now, after: impact.would_match }) }),
    ),
    el("ul", { class: "impact-list" }, impact.first.map((a) => el("li", {}, el("span", { lang: "ja", text: a.title }), el("span", { class: "muted small", text: ` ${a.article_id}` })))),
  );
  if (impact.articles > impact.first.length) {
    box.append(el("p", { class: "muted small", text: t("common.andMore", { n: impact.articles - impact.first.length }) }));
  }
}

// ---------------------------------------------------------------- saving and deleting

function afterChange(result, verb) {
  const articles = result.affected_articles.length;
  const jobs = result.jobs.length;
  const tail = articles ? " " + t("common.affected", { n: articles }) + " " + t("common.jobs", { n: jobs }) : "";
  say(`${verb}${tail}`, MSG);
}

export async function saveEntry() {
  if (!state.glossary) return;
  const values = readForm();
  if (!values.source) {
    showError(new Error(t("entry.sourceRequired")), t("entry.cannotSave"), MSG);
    $("f-source").focus();
    return;
  }
  const button = $("save");
  if (button.disabled) return; // a save is on its way
  button.disabled = true;
  let saved = null; // the entry as saved: the list, header and history are read again after
  try {
    if (!state.entry) {
      const result = await api("POST", glossaryPath("entries"), { body: values });
      state.extraLangs = [];
      showEntryForm(result.entry);
      afterChange(result, t("entry.created", { source: result.entry.source }));
      saved = result.entry;
    } else {
      const body = patchBody(valuesOf(state.entry), values);
      const original = state.entry;
      if (!Object.keys(body).length) {
        say(t("entry.nothingToSave"), MSG);
      } else {
        try {
          const result = await api("PATCH", glossaryPath("entries", original.id), { body, etag: original.etag });
          state.extraLangs = [];
          showEntryForm(result.entry);
          afterChange(result, t("entry.saved", { source: result.entry.source, revision: result.entry.revision }));
          saved = result.entry;
        } catch (err) {
          if (err instanceof ApiFailure && err.status === 412) await conflict(original, values);
          else throw err;
        }
      }
    }
  } catch (err) {
    showError(err, t("entry.saveFailed"), MSG);
  } finally {
    button.disabled = false;
  }
  if (saved) {
    await actions.changed();
    await loadExtras(saved);
  }
}

export async function deleteEntry() {
  const entry = state.entry;
  if (!entry) return;
  if (!window.confirm(t("entry.deleteAsk", { source: entry.source }))) return;
  try {
    const result = await api("DELETE", glossaryPath("entries", entry.id), { etag: entry.etag });
    closeEntry();
    afterChange(result, t("entry.deleted", { source: entry.source }));
    await actions.changed();
    $("new-entry").focus();
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 412) await conflict(entry, null);
    else showError(err, t("entry.deleteFailed"), MSG);
  }
}
