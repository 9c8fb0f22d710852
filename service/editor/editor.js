// kakehashi glossary editor: vanilla ES2020, no dependencies.
// Every value from the API reaches the page through textContent / createElement only.
"use strict";

(() => {
  const TOKEN_KEY = "kakehashi.editor.token";
  const GLOSSARY_KEY = "kakehashi.editor.glossary";
  const DEFAULT_LANGS = ["en", "zh", "ko", "fr", "de", "es"];
  const LANG_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
  const PAGE_SIZE = 25;
  const ROOT = new URL("..", window.location.href); // the service root, also behind a prefix

  const $ = (id) => document.getElementById(id);

  const state = {
    token: null,
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

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, ...children) {
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

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  let languageNames = null;
  try {
    languageNames = new Intl.DisplayNames(["en"], { type: "language" });
  } catch (_) {
    languageNames = null;
  }
  function langName(code) {
    try {
      const name = languageNames ? languageNames.of(code) : "";
      return name && name !== code ? name : "";
    } catch (_) {
      return "";
    }
  }

  function when(value) {
    if (!value) return "";
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : value + "Z";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
  }

  // ---------------------------------------------------------------- messages

  function say(message) {
    const status = $("status");
    status.textContent = "";
    // A new text node in the live region so that repeated messages are announced again.
    window.setTimeout(() => {
      status.textContent = message;
    }, 30);
  }

  function hideError() {
    $("alert").hidden = true;
    clear($("alert-body"));
  }

  function detailLine(detail) {
    if (detail === null || typeof detail !== "object") return String(detail);
    if (detail.msg !== undefined) {
      const loc = Array.isArray(detail.loc) ? detail.loc.filter((p) => p !== "body").join(".") : "";
      return loc ? `${loc}: ${detail.msg}` : String(detail.msg);
    }
    if (detail.line !== undefined && detail.message !== undefined) {
      return `line ${detail.line}: ${detail.message}`;
    }
    return JSON.stringify(detail);
  }

  function showError(error, context) {
    const body = clear($("alert-body"));
    const message = error instanceof ApiFailure ? error.message : String(error && error.message ? error.message : error);
    body.append(
      el("strong", { text: context ? `${context}: ` : "Error: " }),
      el("span", { text: message }),
    );
    if (error instanceof ApiFailure && error.status) {
      body.append(el("span", { class: "muted", text: ` (${error.status} ${error.code})` }));
    }
    const details = error instanceof ApiFailure ? error.details : null;
    if (Array.isArray(details) && details.length) {
      body.append(el("ul", {}, details.slice(0, 20).map((d) => el("li", { text: detailLine(d) }))));
    } else if (details && typeof details === "object") {
      body.append(el("ul", {}, el("li", { text: JSON.stringify(details) })));
    }
    $("alert").hidden = false;
    if (error instanceof ApiFailure && error.status === 401) signOut(false);
  }

  // ---------------------------------------------------------------- API

  class ApiFailure extends Error {
    constructor(status, code, message, details, etag) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details;
      this.etag = etag;
    }
  }

  function apiUrl(path, query) {
    const url = new URL(path, ROOT);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
    return url;
  }

  function glossaryPath(...parts) {
    return ["v1/glossaries", state.glossary, ...parts].map((p, i) => (i ? encodeURIComponent(p) : p)).join("/");
  }

  async function api(method, path, options = {}) {
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.etag) headers["If-Match"] = options.etag;
    let response;
    try {
      response = await fetch(apiUrl(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
    } catch (err) {
      throw new ApiFailure(0, "network", `the service could not be reached (${err.message})`);
    }
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

  // ---------------------------------------------------------------- session

  function showLogin(visible) {
    $("login").hidden = !visible;
    $("app").hidden = visible;
    $("session").hidden = visible;
  }

  function signOut(announce = true) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(true);
    $("token-input").value = "";
    if (announce) {
      hideError();
      say("The token was forgotten.");
    }
    $("token-input").focus();
  }

  async function signIn(token) {
    state.token = token;
    try {
      await loadGlossaries();
    } catch (err) {
      state.token = null;
      showError(err, "The token was not accepted");
      return false;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    hideError();
    showLogin(false);
    loadTargets();
    return true;
  }

  // ---------------------------------------------------------------- glossaries

  async function loadGlossaries() {
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

  function glossaryInfo() {
    const g = state.glossaries.find((x) => x.name === state.glossary);
    $("glossary-info").textContent = g
      ? `${g.entries} entries · v${g.version}${g.description ? " · " + g.description : ""}`
      : "no glossary";
  }

  async function selectGlossary(name) {
    state.glossary = name;
    if (name) sessionStorage.setItem(GLOSSARY_KEY, name);
    glossaryInfo();
    state.offset = 0;
    closeEntry();
    state.suggestions = [];
    clear($("suggestions"));
    if (!name) {
      clear($("entries-body"));
      $("page-info").textContent = "No glossary exists yet.";
      return;
    }
    await loadEntries();
    if (state.tab === "suggestions") await loadSuggestions();
  }

  // ---------------------------------------------------------------- entries list

  let listRequest = 0;

  async function loadEntries() {
    if (!state.glossary) return;
    const tbody = $("entries-body");
    const request = ++listRequest;
    tbody.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", glossaryPath("entries"), {
        query: { q: state.q, status: state.status, limit: PAGE_SIZE, offset: state.offset },
      });
      if (request !== listRequest) return; // a newer search or page was asked for meanwhile
      state.total = page.total;
      state.items = page.items;
      renderEntries();
    } finally {
      tbody.removeAttribute("aria-busy");
    }
  }

  function renderEntries() {
    const tbody = clear($("entries-body"));
    if (!state.items.length) {
      tbody.append(el("tr", {}, el("td", { colspan: 3, class: "muted", text: "No entries match." })));
    }
    for (const entry of state.items) {
      const renderings = Object.entries(entry.targets)
        .map(([lang, text]) => `${lang}: ${text}`)
        .join(" · ");
      const current = state.entry && state.entry.id === entry.id;
      tbody.append(
        el(
          "tr",
          { class: current ? "selected" : "" },
          el(
            "td",
            {},
            el("button", {
              type: "button",
              class: "link",
              lang: "ja",
              "aria-current": current ? "true" : false,
              text: entry.source,
              onclick: () => openEntry(entry.id),
            }),
            entry.aliases.length ? el("div", { class: "muted small", lang: "ja", text: entry.aliases.join("、") }) : null,
          ),
          el("td", { class: "renderings", text: entry.do_not_translate ? "(do not translate) " + renderings : renderings }),
          el("td", {}, el("span", { class: `badge ${entry.status}`, text: entry.status })),
        ),
      );
    }
    const first = state.total ? state.offset + 1 : 0;
    const last = Math.min(state.offset + state.items.length, state.total);
    $("page-info").textContent = `${first}–${last} of ${state.total}`;
    $("prev-page").disabled = state.offset <= 0;
    $("next-page").disabled = state.offset + PAGE_SIZE >= state.total;
  }

  // ---------------------------------------------------------------- entry values

  const SCALARS = ["source", "note", "status", "do_not_translate", "case_sensitive"];

  function valuesOf(entry) {
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

  // An editor's edit as a set of changes, so that it can be re-applied on a newer version.
  function changeSet(base, values) {
    const set = { fields: {}, targets: {}, added: [], removed: [] };
    for (const key of SCALARS) if (values[key] !== base[key]) set.fields[key] = values[key];
    for (const lang of new Set([...Object.keys(base.targets), ...Object.keys(values.targets)])) {
      if ((base.targets[lang] || "") !== (values.targets[lang] || "")) set.targets[lang] = values.targets[lang] || null;
    }
    set.added = values.aliases.filter((a) => !base.aliases.includes(a));
    set.removed = base.aliases.filter((a) => !values.aliases.includes(a));
    return set;
  }

  function applyChangeSet(base, set) {
    const out = { ...base, ...set.fields, targets: { ...base.targets }, aliases: base.aliases.filter((a) => !set.removed.includes(a)) };
    for (const [lang, text] of Object.entries(set.targets)) {
      if (text === null) delete out.targets[lang];
      else out.targets[lang] = text;
    }
    for (const alias of set.added) if (!out.aliases.includes(alias)) out.aliases.push(alias);
    return out;
  }

  // Values as labelled rows, for conflicts and history.
  function flatten(values) {
    const rows = new Map();
    if (!values) return rows;
    if (values.source !== undefined) rows.set("Japanese term", values.source);
    for (const lang of Object.keys(values.targets || {}).sort()) rows.set(`Rendering (${lang})`, values.targets[lang]);
    if (values.aliases !== undefined) rows.set("Aliases", (values.aliases || []).join(", "));
    if (values.note !== undefined) rows.set("Note", values.note || "");
    if (values.status !== undefined) rows.set("Status", values.status);
    if (values.do_not_translate !== undefined) rows.set("Do not translate", values.do_not_translate ? "yes" : "no");
    if (values.case_sensitive !== undefined) rows.set("Case sensitive", values.case_sensitive ? "yes" : "no");
    return rows;
  }

  function changedRows(...versions) {
    const flat = versions.map(flatten);
    const labels = [];
    for (const rows of flat) for (const label of rows.keys()) if (!labels.includes(label)) labels.push(label);
    return labels
      .filter((label) => new Set(flat.map((rows) => rows.get(label) ?? "")).size > 1)
      .map((label) => [label, ...flat.map((rows) => rows.get(label) ?? "")]);
  }

  function valueCell(text) {
    return text === "" ? el("td", { class: "muted", text: "—" }) : el("td", { text });
  }

  // ---------------------------------------------------------------- entry form

  function isDirty() {
    if ($("entry-form").hidden) return false;
    const base = state.entry ? valuesOf(state.entry) : emptyValues();
    return Object.keys(patchBody(base, readForm())).length > 0;
  }

  function confirmDiscard() {
    return !isDirty() || window.confirm("Discard your unsaved changes to this entry?");
  }

  function renderTargets(values) {
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

  function showEntryForm(entry, values) {
    state.entry = entry;
    $("no-entry").hidden = true;
    $("entry-form").hidden = false;
    hideConflict();
    $("entry-title").textContent = entry ? entry.source : "New entry";
    $("entry-title").lang = entry ? "ja" : "en";
    $("entry-meta").textContent = entry
      ? `revision ${entry.revision} · updated ${when(entry.updated_at)} · id ${entry.id}`
      : `in glossary ${state.glossary}`;
    $("delete").hidden = !entry;
    $("revert").textContent = entry ? "Revert" : "Cancel";
    fillForm(values || (entry ? valuesOf(entry) : emptyValues()));
    $("entry-extra").hidden = !entry;
    renderEntries();
  }

  function closeEntry() {
    state.entry = null;
    state.extraLangs = [];
    $("entry-form").hidden = true;
    $("entry-extra").hidden = true;
    $("no-entry").hidden = false;
    hideConflict();
  }

  let openRequest = 0;

  async function openEntry(id) {
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
      if (request === openRequest) showError(err, "Could not open the entry");
      return;
    }
    if (request !== openRequest) return; // another entry was opened meanwhile
    hideError();
    showEntryForm(entry);
    $("entry-title").focus();
    await loadExtras(entry);
  }

  function newEntry() {
    if (!state.glossary || !confirmDiscard()) return;
    state.extraLangs = [];
    showEntryForm(null);
    $("f-source").focus();
  }

  async function loadExtras(entry) {
    const history = clear($("history"));
    const usage = clear($("usage"));
    history.append(el("p", { class: "muted", text: "Loading…" }));
    usage.append(el("p", { class: "muted", text: "Loading…" }));
    const [historyResult, usageResult] = await Promise.allSettled([
      api("GET", glossaryPath("entries", entry.id, "history")),
      api("GET", glossaryPath("entries", entry.id, "usage")),
    ]);
    if (!state.entry || state.entry.id !== entry.id) return;
    clear(history);
    clear(usage);
    if (historyResult.status === "fulfilled") renderHistory(historyResult.value);
    else if (historyResult.reason instanceof ApiFailure && historyResult.reason.status === 404) {
      // Entries loaded from a shipped glossary file have no history rows yet.
      history.append(el("p", { class: "muted", text: `No recorded change: ${historyResult.reason.message}.` }));
    } else {
      history.append(el("p", { class: "error", text: historyResult.reason.message }));
      showError(historyResult.reason, "Could not load the history");
    }
    if (usageResult.status === "fulfilled") renderUsage(usageResult.value, entry);
    else {
      usage.append(el("p", { class: "error", text: usageResult.reason.message }));
      showError(usageResult.reason, "Could not load the usage");
    }
  }

  function renderHistory(rows) {
    const box = $("history");
    if (!rows.length) {
      box.append(el("p", { class: "muted", text: "No history." }));
      return;
    }
    const list = el("ol", { class: "history" });
    for (const row of rows) {
      const changes = changedRows(row.before, row.after);
      const table = changes.length
        ? el(
            "table",
            { class: "diff" },
            el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Field" }), el("th", { scope: "col", text: "Before" }), el("th", { scope: "col", text: "After" }))),
            el("tbody", {}, changes.map(([label, before, after]) => el("tr", {}, el("th", { scope: "row", text: label }), valueCell(before), valueCell(after)))),
          )
        : el("p", { class: "muted small", text: "No visible change." });
      list.append(
        el(
          "li",
          {},
          el("div", { class: "history-head" }, el("span", { class: "badge", text: row.action }), " ", el("strong", { text: row.actor }), " ", el("time", { datetime: row.at, text: when(row.at) })),
          table,
        ),
      );
    }
    box.append(list);
  }

  function highlighted(sentence, spellings) {
    const parts = [];
    let rest = sentence;
    const sorted = spellings.filter(Boolean).sort((a, b) => b.length - a.length);
    while (rest) {
      let best = -1;
      let term = "";
      for (const spelling of sorted) {
        const at = rest.indexOf(spelling);
        if (at >= 0 && (best < 0 || at < best)) {
          best = at;
          term = spelling;
        }
      }
      if (best < 0) {
        parts.push(rest);
        break;
      }
      if (best > 0) parts.push(rest.slice(0, best));
      parts.push(el("mark", { text: term }));
      rest = rest.slice(best + term.length);
    }
    return parts;
  }

  function renderUsage(rows, entry) {
    const box = $("usage");
    if (!rows.length) {
      box.append(el("p", { class: "muted", text: "No published article uses this term." }));
      return;
    }
    const spellings = [entry.source, ...entry.aliases];
    const list = el("ul", { class: "usage" });
    for (const article of rows) {
      list.append(
        el(
          "li",
          {},
          el("div", {}, el("strong", { lang: "ja", text: article.title }), el("span", { class: "muted small", text: ` ${article.article_id} · revision ${article.revision}` })),
          el("ul", { class: "sentences" }, article.sentences.map((s) => el("li", { lang: "ja" }, highlighted(s, spellings)))),
        ),
      );
    }
    box.append(el("p", { class: "muted small", text: `${rows.length} article${rows.length === 1 ? "" : "s"}` }), list);
  }

  function afterChange(result, verb) {
    const articles = result.affected_articles.length;
    const jobs = result.jobs.length;
    const tail = articles ? ` ${articles} article${articles === 1 ? "" : "s"} affected, ${jobs} translation job${jobs === 1 ? "" : "s"} queued.` : "";
    say(`${verb}.${tail}`);
  }

  async function saveEntry() {
    if (!state.glossary) return;
    const values = readForm();
    if (!values.source) {
      showError(new Error("the Japanese term is required"), "Cannot save");
      $("f-source").focus();
      return;
    }
    const button = $("save");
    button.disabled = true;
    try {
      if (!state.entry) {
        const result = await api("POST", glossaryPath("entries"), { body: values });
        hideError();
        state.extraLangs = [];
        showEntryForm(result.entry);
        afterChange(result, `Created “${result.entry.source}”`);
        await refreshListAndCounts();
        await loadExtras(result.entry);
        return;
      }
      const body = patchBody(valuesOf(state.entry), values);
      if (!Object.keys(body).length) {
        say("Nothing to save: no field was changed.");
        return;
      }
      const original = state.entry;
      try {
        const result = await api("PATCH", glossaryPath("entries", original.id), { body, etag: original.etag });
        hideError();
        state.extraLangs = [];
        showEntryForm(result.entry);
        afterChange(result, `Saved “${result.entry.source}” (revision ${result.entry.revision})`);
        await refreshListAndCounts();
        await loadExtras(result.entry);
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 412) await conflict(original, values);
        else throw err;
      }
    } catch (err) {
      showError(err, "Could not save the entry");
    } finally {
      button.disabled = false;
    }
  }

  async function deleteEntry() {
    const entry = state.entry;
    if (!entry) return;
    if (!window.confirm(`Delete the entry “${entry.source}”? Articles using it will be translated again.`)) return;
    try {
      const result = await api("DELETE", glossaryPath("entries", entry.id), { etag: entry.etag });
      hideError();
      closeEntry();
      afterChange(result, `Deleted “${entry.source}”`);
      await refreshListAndCounts();
      $("new-entry").focus();
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 412) await conflict(entry, null);
      else showError(err, "Could not delete the entry");
    }
  }

  async function refreshListAndCounts() {
    try {
      const list = await api("GET", "v1/glossaries");
      state.glossaries = list;
      glossaryInfo();
      await loadEntries();
    } catch (err) {
      showError(err, "Could not refresh the list");
    }
  }

  // ---------------------------------------------------------------- conflicts (412)

  function hideConflict() {
    const box = $("conflict");
    box.hidden = true;
    box.removeAttribute("role");
    clear(box);
  }

  // `original`: the version the editor started from; `mine`: the editor's values (null: a delete).
  async function conflict(original, mine) {
    let current;
    try {
      current = await api("GET", glossaryPath("entries", original.id));
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 404) {
        showError(new Error("someone else deleted this entry while you were editing it"), "Not saved");
        closeEntry();
        await refreshListAndCounts();
      } else {
        showError(err, "Someone else changed this entry, and it could not be read again");
      }
      return;
    }
    hideError();
    const set = mine ? changeSet(valuesOf(original), mine) : null;
    const box = clear($("conflict"));
    box.setAttribute("role", "alert");
    box.append(
      el("h3", { text: "Someone else changed this entry" }),
      el("p", {
        text:
          `It is now at revision ${current.revision} (you opened revision ${original.revision}), last changed ${when(current.updated_at)}. ` +
          (mine ? "Your edit was not saved. Current values:" : "It was not deleted. Current values:"),
      }),
    );
    const headers = ["Field", "When you opened it", "Now"];
    const versions = [valuesOf(original), valuesOf(current)];
    if (mine) {
      headers.push("Your edit");
      versions.push(mine);
    }
    const rows = changedRows(...versions);
    box.append(
      el(
        "table",
        { class: "diff" },
        el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
        el(
          "tbody",
          {},
          rows.length
            ? rows.map(([label, opened, now, yours]) =>
                el(
                  "tr",
                  {},
                  el("th", { scope: "row", text: label }),
                  valueCell(opened),
                  valueCell(now),
                  mine ? (yours === opened ? el("td", { class: "muted", text: "(unchanged)" }) : valueCell(yours)) : null,
                ),
              )
            : el("tr", {}, el("td", { colspan: headers.length, class: "muted", text: "No field differs (only the revision changed)." })),
        ),
      ),
    );
    const actions = el("div", { class: "actions" });
    if (mine) {
      actions.append(
        el("button", {
          type: "button",
          text: "Re-apply my edit to the current version",
          onclick: () => {
            state.entry = current;
            const merged = applyChangeSet(valuesOf(current), set);
            showEntryForm(current, merged);
            say(`Your edit is applied to revision ${current.revision}. Review it and press Save.`);
            $("save").focus();
            loadExtras(current);
          },
        }),
        el("button", {
          type: "button",
          class: "secondary",
          text: "Discard my edit",
          onclick: () => {
            showEntryForm(current);
            say(`Showing revision ${current.revision}; your edit was discarded.`);
            $("entry-title").focus();
            loadExtras(current);
          },
        }),
      );
    } else {
      actions.append(
        el("button", {
          type: "button",
          text: "Show the current version",
          onclick: () => {
            showEntryForm(current);
            say(`Showing revision ${current.revision}. Delete again if you still mean to.`);
            $("entry-title").focus();
            loadExtras(current);
          },
        }),
      );
    }
    box.append(actions);
    box.hidden = false;
    box.querySelector("button").focus();
  }

  // ---------------------------------------------------------------- suggestions

  let suggestionsRequest = 0;

  async function loadSuggestions() {
    const box = clear($("suggestions"));
    if (!state.glossary) return;
    const request = ++suggestionsRequest;
    box.append(el("p", { class: "muted", text: "Loading…" }));
    try {
      const found = await api("GET", glossaryPath("suggestions"));
      if (request !== suggestionsRequest) return;
      state.suggestions = found;
    } catch (err) {
      if (request !== suggestionsRequest) return;
      clear(box);
      showError(err, "Could not load the suggestions");
      return;
    }
    renderSuggestions();
  }

  function renderSuggestions() {
    const box = clear($("suggestions"));
    if (!state.suggestions.length) {
      box.append(el("p", { class: "muted", text: "No suggestions for this glossary." }));
      return;
    }
    box.append(
      el(
        "table",
        { class: "suggestions" },
        el("caption", { class: "sr-only", text: "Suggested spellings" }),
        el("thead", {}, el("tr", {}, ["Spelling", "Variant of", "Seen", "Why", ""].map((h) => el("th", { scope: "col", text: h })))),
        el(
          "tbody",
          {},
          state.suggestions.map((s) =>
            el(
              "tr",
              {},
              el("td", { lang: "ja", class: "term", text: s.spelling }),
              el("td", {}, el("button", { type: "button", class: "link", lang: "ja", text: s.entry_source, onclick: () => openFromSuggestion(s.entry_id) })),
              el("td", { text: `${s.count}×` }),
              el("td", { text: s.reason }),
              el("td", {}, el("button", { type: "button", "aria-label": `Accept ${s.spelling} as an alias of ${s.entry_source}`, text: "Accept", onclick: (ev) => acceptSuggestion(s, ev.currentTarget) })),
            ),
          ),
        ),
      ),
    );
  }

  async function openFromSuggestion(id) {
    switchTab("entries");
    await openEntry(id);
  }

  async function acceptSuggestion(suggestion, button) {
    button.disabled = true;
    try {
      const result = await api("POST", glossaryPath("suggestions", "accept"), {
        body: { entry_id: suggestion.entry_id, spelling: suggestion.spelling },
      });
      hideError();
      afterChange(result, `“${suggestion.spelling}” is now an alias of “${suggestion.entry_source}”`);
      if (state.entry && state.entry.id === suggestion.entry_id && !isDirty() && result.entry) {
        showEntryForm(result.entry);
        loadExtras(result.entry);
      }
      await loadSuggestions();
      await loadEntries();
      const next = $("suggestions").querySelector("tbody button:not(.link)");
      (next || $("refresh-suggestions")).focus();
    } catch (err) {
      button.disabled = false;
      showError(err, "Could not accept the suggestion");
    }
  }

  // ---------------------------------------------------------------- preview

  async function loadTargets() {
    const select = $("p-target");
    let routes = null;
    try {
      const response = await fetch(apiUrl("readyz"), { credentials: "omit", cache: "no-store" });
      const data = await response.json();
      routes = data && data.models && data.models.routes ? data.models.routes : null;
    } catch (_) {
      routes = null;
    }
    clear(select);
    const langs = routes ? Object.keys(routes) : DEFAULT_LANGS;
    for (const lang of langs) {
      const name = langName(lang);
      const missing = routes && !routes[lang];
      const label = `${lang}${name ? " — " + name : ""}${missing ? " (no model installed)" : ""}`;
      select.append(el("option", { value: lang, text: label }));
    }
  }

  function termItem(term) {
    return el(
      "li",
      { class: term.present ? "term present" : "term missing" },
      el("span", { class: "badge " + (term.present ? "ok" : "bad"), text: term.present ? "present" : "missing" }),
      " ",
      el("span", { lang: "ja", text: term.source }),
      " → ",
      el("span", { text: term.target }),
      term.strategy ? el("span", { class: "muted small", text: ` (${term.strategy})` }) : null,
    );
  }

  function renderPreview(result, target) {
    const box = clear($("preview-out"));
    const route = (result.route || []).join(" → ");
    const missing = result.segments.reduce((n, s) => n + s.terms.filter((t) => !t.present).length, 0);
    box.append(
      el(
        "p",
        { class: "summary" },
        `${result.segments.length} segment${result.segments.length === 1 ? "" : "s"} · route ${route || target}`,
        result.needs_review
          ? el("span", { class: "badge bad", text: `needs review: ${(result.review_reasons || []).join(", ")}` })
          : el("span", { class: "badge ok", text: "no review needed" }),
        missing ? el("span", { class: "badge bad", text: `${missing} term${missing === 1 ? "" : "s"} missing` }) : null,
      ),
    );
    const plain = result.without_glossary ? result.without_glossary.segments : [];
    const rows = result.segments.map((segment, i) => {
      const other = plain[i];
      return el(
        "tr",
        { class: i > 0 && result.segments[i - 1].paragraph !== segment.paragraph ? "new-paragraph" : "" },
        el("td", { class: "source", lang: "ja", text: segment.source }),
        el(
          "td",
          { lang: target },
          el("div", { text: segment.translation }),
          segment.flags.length ? el("div", {}, segment.flags.map((f) => el("span", { class: "badge flag", text: f }))) : null,
          segment.terms.length ? el("ul", { class: "terms", lang: "en" }, segment.terms.map(termItem)) : null,
        ),
        el("td", { lang: target, class: "plain", text: other ? other.translation : "" }),
      );
    });
    box.append(
      el(
        "table",
        { class: "preview" },
        el("caption", { class: "sr-only", text: "Translation preview, sentence by sentence" }),
        el("thead", {}, el("tr", {}, ["Japanese", "With glossary", "Without glossary"].map((h) => el("th", { scope: "col", text: h })))),
        el("tbody", {}, rows),
      ),
    );
  }

  async function preview() {
    const text = $("p-text").value;
    const target = $("p-target").value;
    if (!text.trim()) {
      $("p-text").focus();
      return;
    }
    const body = { text, from: "ja", to: target, glossary: true, compare: true };
    if ($("p-only").checked && state.glossary) body.glossaries = [state.glossary];
    const button = $("p-submit");
    button.disabled = true;
    const box = clear($("preview-out"));
    box.append(el("p", { class: "muted", text: "Translating…" }));
    try {
      const result = await api("POST", "v1/translate", { body });
      hideError();
      renderPreview(result, target);
    } catch (err) {
      clear(box);
      showError(err, "Could not translate");
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- tabs

  function switchTab(name) {
    state.tab = name;
    for (const tab of document.querySelectorAll(".tab")) {
      const on = tab.dataset.tab === name;
      if (on) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
      $(`tab-${tab.dataset.tab}`).hidden = !on;
    }
    if (name === "suggestions") loadSuggestions();
  }

  // ---------------------------------------------------------------- wiring

  function guard(fn, context) {
    return async (event) => {
      try {
        await fn(event);
      } catch (err) {
        showError(err, context);
      }
    };
  }

  function wire() {
    $("token-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = $("token-input").value.trim();
      if (!token) return;
      if (await signIn(token)) {
        $("token-input").value = "";
        say("Signed in.");
        $("glossary-select").focus();
      }
    });
    $("sign-out").addEventListener("click", () => {
      if (confirmDiscard()) signOut(true);
    });
    $("alert-close").addEventListener("click", hideError);
    $("glossary-select").addEventListener(
      "change",
      guard(async (event) => {
        if (!confirmDiscard()) {
          event.target.value = state.glossary;
          return;
        }
        await selectGlossary(event.target.value);
      }, "Could not open the glossary"),
    );
    for (const tab of document.querySelectorAll(".tab")) {
      tab.addEventListener("click", () => switchTab(tab.dataset.tab));
    }
    $("search-form").addEventListener(
      "submit",
      guard(async (event) => {
        event.preventDefault();
        state.q = $("search-q").value.trim();
        state.status = $("search-status").value;
        state.offset = 0;
        await loadEntries();
        hideError();
      }, "Could not search"),
    );
    $("prev-page").addEventListener(
      "click",
      guard(async () => {
        state.offset = Math.max(0, state.offset - PAGE_SIZE);
        await loadEntries();
      }, "Could not load the page"),
    );
    $("next-page").addEventListener(
      "click",
      guard(async () => {
        state.offset += PAGE_SIZE;
        await loadEntries();
      }, "Could not load the page"),
    );
    $("new-entry").addEventListener("click", newEntry);
    $("entry-form").addEventListener("submit", (event) => {
      event.preventDefault();
      saveEntry();
    });
    $("entry-form").addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key === "s") {
        event.preventDefault();
        saveEntry();
      }
    });
    $("revert").addEventListener("click", () => {
      if (!confirmDiscard()) return;
      if (state.entry) {
        state.extraLangs = [];
        showEntryForm(state.entry);
        say("Reverted to the saved version.");
      } else {
        closeEntry();
      }
    });
    $("delete").addEventListener("click", deleteEntry);
    const addLang = () => {
      const input = $("f-new-lang");
      const lang = input.value.trim();
      if (!LANG_PATTERN.test(lang)) {
        showError(new Error(`“${lang}” is not a language code such as “it” or “pt-BR”`), "Cannot add the language");
        input.focus();
        return;
      }
      const values = readForm();
      if (!state.extraLangs.includes(lang)) state.extraLangs.push(lang);
      renderTargets(values);
      input.value = "";
      const field = $(`f-t-${lang}`);
      if (field) field.focus();
    };
    $("add-lang").addEventListener("click", addLang);
    $("f-new-lang").addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addLang();
      }
    });
    $("refresh-suggestions").addEventListener("click", loadSuggestions);
    $("preview-form").addEventListener("submit", (event) => {
      event.preventDefault();
      preview();
    });
    window.addEventListener("beforeunload", (event) => {
      if (isDirty()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  async function start() {
    wire();
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      showLogin(false);
      if (!(await signIn(token))) signOut(false);
    } else {
      showLogin(true);
    }
  }

  start();
})();
