// Import (check the file with a dry run, then apply) and export, through the same endpoints
// as the API: POST /v1/glossaries/{g}/import (multipart upload) and GET .../export.

import { $, ApiFailure, actions, api, clear, el, glossaryPath, plural, state } from "./api.js";
import { clearMessages, say, showError } from "./messages.js";
import { refreshOpenEntry } from "./entry.js";
import { t } from "./i18n.js";

const MSG = "import-msg";

// The whole import's counts: the lists hold one page of entries (a large file answers with
// `counts` and the first page, not every name); an older answer without counts is counted.
function counted(outcome) {
  const c = outcome.counts;
  if (c) return { added: c.added, changed: c.changed, removed: c.removed, unchanged: c.unchanged };
  return {
    added: outcome.added.length,
    changed: outcome.changed.length,
    removed: outcome.removed.length,
    unchanged: outcome.unchanged,
  };
}
let checked = null; // the options of the last clean dry run: Apply sends exactly these

function options() {
  const file = $("i-file").files[0] || null;
  return {
    file,
    query: {
      format: $("i-format").value,
      target_lang: $("i-lang").value.trim(),
      replace: $("i-replace").checked ? "true" : "",
    },
  };
}

function sameOptions(a, b) {
  return a && b && a.file === b.file && JSON.stringify(a.query) === JSON.stringify(b.query);
}

export function importOptionsChanged() {
  if (!sameOptions(checked, options())) {
    checked = null;
    $("i-apply").disabled = true;
  }
}

function upload(chosen, dryRun) {
  const form = new FormData();
  form.append("file", chosen.file, chosen.file.name);
  return api("POST", glossaryPath("import"), { query: { ...chosen.query, dry_run: dryRun ? "true" : "" }, form });
}

// A changed entry is its term, or (when the service says what changes) the term with each
// field's value before and after: {source, fields: [{field, before, after}]}.
function changeItem(change) {
  if (!change || typeof change !== "object") return el("li", { lang: "ja", text: String(change) });
  const fields = Array.isArray(change.fields) ? change.fields : [];
  const show = (v) => (Array.isArray(v) ? v.join(", ") : v === null || v === undefined || v === "" ? "—" : String(v));
  return el(
    "li",
    {},
    el("span", { lang: "ja", text: change.source || change.term || "" }),
    fields.length
      ? el(
          "table",
          { class: "diff" },
          el("thead", {}, el("tr", {}, [t("history.field"), t("history.before"), t("history.after")].map((h) => el("th", { scope: "col", text: h })))),
          el("tbody", {}, fields.map((f) => el("tr", {}, el("th", { scope: "row", text: f.field }), el("td", { class: "before", text: show(f.before) }), el("td", { class: "after", text: show(f.after) })))),
        )
      : null,
  );
}

function sourceList(title, sources, cls) {
  if (!sources || !sources.length) return null;
  const shown = sources.slice(0, 50);
  return el(
    "div",
    { class: `import-group ${cls}` },
    el("h4", { text: t("transfer.group", { title, n: sources.length }) }),
    el("ul", { class: "import-sources" }, shown.map(changeItem)),
    sources.length > shown.length ? el("p", { class: "muted small", text: t("common.andMore", { n: sources.length - shown.length }) }) : null,
  );
}

// The re-translation the import causes, as single edits show it, when the service says.
function impactLine(impact) {
  if (!impact || typeof impact !== "object" || impact.articles === undefined) return null;
  return el("p", { class: "impact-summary" }, t("entry.impactArticles", { n: impact.articles }), " ", t("entry.impactInto", { langs: (impact.languages || []).join(", "), n: impact.jobs || 0 }));
}

function renderOutcome(outcome) {
  const box = clear($("import-out"));
  const verb = outcome.applied ? t("transfer.imported") : t("transfer.wouldChange");
  box.append(
    el(
      "p",
      { class: "import-summary" },
      el("strong", { text: `${verb}: ` }),
      t("transfer.counts", counted(outcome)),
      el("span", { class: "muted small", text: " " + t("transfer.formatIs", { format: outcome.format }) }),
      outcome.applied ? " · " + t("common.jobs", { n: outcome.jobs }) : ".",
    ),
    ...[
      impactLine(outcome.impact),
      sourceList(t("transfer.added"), outcome.added, "added"),
      sourceList(t("transfer.changed"), outcome.changed, "changed"),
      sourceList(t("transfer.removed"), outcome.removed, "removed"),
    ].filter(Boolean),
  );
}

// The lines to fix, as a table; returns the error to show without them (not listed twice).
function renderLineErrors(err) {
  const box = clear($("import-out"));
  const lines = err instanceof ApiFailure && Array.isArray(err.details) ? err.details.filter((d) => d && d.line !== undefined) : [];
  if (!lines.length) return err;
  box.append(
    el("h4", { class: "error", text: t("transfer.linesToFix", { n: lines.length }) }),
    el(
      "table",
      { class: "line-errors" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("transfer.line") }), el("th", { scope: "col", text: t("transfer.problem") }), el("th", { scope: "col", text: t("transfer.lineText") }))),
      el("tbody", {}, lines.map((d) => el("tr", {}, el("td", { text: String(d.line) }), el("td", { text: d.message }), el("td", {}, d.text !== undefined ? el("code", { text: String(d.text) }) : null)))),
    ),
  );
  return new ApiFailure(err.status, err.code, err.message, null, err.etag);
}

export async function checkImport() {
  const chosen = options();
  clearMessages();
  clear($("import-out"));
  checked = null;
  $("i-apply").disabled = true;
  if (!chosen.file) {
    showError(new Error(t("transfer.chooseFile")), t("transfer.nothingToCheck"), MSG);
    $("i-file").focus();
    return;
  }
  const button = $("i-check");
  button.disabled = true;
  try {
    const outcome = await upload(chosen, true);
    renderOutcome(outcome);
    const n = counted(outcome);
    const changes = n.added + n.changed + n.removed;
    if (changes) {
      checked = chosen;
      $("i-apply").disabled = false;
      say(t("transfer.valid", { n: changes }), MSG);
    } else {
      say(t("transfer.validNothing"), MSG);
    }
  } catch (err) {
    showError(renderLineErrors(err), t("transfer.cannotImport"), MSG);
  } finally {
    button.disabled = false;
  }
}

export async function applyImport() {
  const chosen = options();
  if (!sameOptions(checked, chosen)) {
    $("i-apply").disabled = true;
    showError(new Error(t("transfer.changedSince")), t("transfer.notImported"), MSG);
    return;
  }
  const button = $("i-apply");
  button.disabled = true;
  try {
    const outcome = await upload(chosen, false);
    checked = null;
    renderOutcome(outcome);
    say(t("transfer.done", { file: chosen.file.name, glossary: state.glossary, ...counted(outcome) }), MSG);
    await actions.changed();
    await refreshOpenEntry();
  } catch (err) {
    showError(renderLineErrors(err), t("transfer.failed"), MSG);
  }
}

// A download of the export, fetched with the token in the Authorization header (never in a URL).
export async function exportGlossary() {
  const format = $("e-format").value;
  const lang = $("e-lang").value.trim();
  const button = $("e-submit");
  button.disabled = true;
  try {
    const response = await api("GET", glossaryPath("export"), { query: { format, target_lang: lang }, raw: true });
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    const name = match ? match[1] : `${state.glossary}.${format}.txt`;
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
    say(t("transfer.downloaded", { name, n: blob.size }), "export-msg");
  } catch (err) {
    showError(err, t("transfer.exportFailed"), "export-msg");
  } finally {
    button.disabled = false;
  }
}

export function resetTransfer() {
  checked = null;
  $("i-apply").disabled = true;
  clear($("import-out"));
}
