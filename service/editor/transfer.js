// Import (check the file with a dry run, then apply) and export, through the same endpoints
// as the API: POST /v1/glossaries/{g}/import (multipart upload) and GET .../export.

import { $, ApiFailure, actions, api, clear, el, glossaryPath, plural, state } from "./api.js";
import { clearMessages, say, showError } from "./messages.js";
import { refreshOpenEntry } from "./entry.js";

const MSG = "import-msg";
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

function sourceList(title, sources, cls) {
  if (!sources.length) return null;
  const shown = sources.slice(0, 50);
  return el(
    "div",
    { class: `import-group ${cls}` },
    el("h4", { text: `${title} (${sources.length})` }),
    el("ul", { class: "import-sources" }, shown.map((s) => el("li", { lang: "ja", text: s }))),
    sources.length > shown.length ? el("p", { class: "muted small", text: `… and ${sources.length - shown.length} more` }) : null,
  );
}

function renderOutcome(outcome) {
  const box = clear($("import-out"));
  const verb = outcome.applied ? "Imported" : "The file would change";
  box.append(
    el(
      "p",
      { class: "import-summary" },
      el("strong", { text: `${verb}: ` }),
      `${outcome.added.length} added, ${outcome.changed.length} changed, ${outcome.removed.length} removed, ${outcome.unchanged} unchanged`,
      el("span", { class: "muted small", text: ` (format ${outcome.format})` }),
      outcome.applied ? ` · ${plural(outcome.jobs, "translation job")} queued.` : ".",
    ),
    ...[
      sourceList("Added", outcome.added, "added"),
      sourceList("Changed", outcome.changed, "changed"),
      sourceList("Removed", outcome.removed, "removed"),
    ].filter(Boolean),
  );
}

// The lines to fix, as a table; returns the error to show without them (not listed twice).
function renderLineErrors(err) {
  const box = clear($("import-out"));
  const lines = err instanceof ApiFailure && Array.isArray(err.details) ? err.details.filter((d) => d && d.line !== undefined) : [];
  if (!lines.length) return err;
  box.append(
    el("h4", { class: "error", text: `${plural(lines.length, "line")} to fix; nothing was imported` }),
    el(
      "table",
      { class: "line-errors" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Line" }), el("th", { scope: "col", text: "Problem" }))),
      el("tbody", {}, lines.map((d) => el("tr", {}, el("td", { text: String(d.line) }), el("td", { text: d.message })))),
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
    showError(new Error("choose a glossary file first"), "Nothing to check", MSG);
    $("i-file").focus();
    return;
  }
  const button = $("i-check");
  button.disabled = true;
  try {
    const outcome = await upload(chosen, true);
    renderOutcome(outcome);
    const changes = outcome.added.length + outcome.changed.length + outcome.removed.length;
    if (changes) {
      checked = chosen;
      $("i-apply").disabled = false;
      say(`The file is valid: ${plural(changes, "entry", "entries")} would change. Review the list, then apply.`, MSG);
    } else {
      say("The file is valid and changes nothing in this glossary.", MSG);
    }
  } catch (err) {
    showError(renderLineErrors(err), "The file cannot be imported", MSG);
  } finally {
    button.disabled = false;
  }
}

export async function applyImport() {
  const chosen = options();
  if (!sameOptions(checked, chosen)) {
    $("i-apply").disabled = true;
    showError(new Error("the file or the options changed since the check: check it again"), "Not imported", MSG);
    return;
  }
  const button = $("i-apply");
  button.disabled = true;
  try {
    const outcome = await upload(chosen, false);
    checked = null;
    renderOutcome(outcome);
    say(`Imported ${chosen.file.name} into ${state.glossary}: ${outcome.added.length} added, ${outcome.changed.length} changed, ${outcome.removed.length} removed.`, MSG);
    await actions.changed();
    await refreshOpenEntry();
  } catch (err) {
    showError(renderLineErrors(err), "The import failed; nothing was applied", MSG);
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
    say(`Downloaded ${name} (${plural(blob.size, "byte")}).`, "export-msg");
  } catch (err) {
    showError(err, "Could not export", "export-msg");
  } finally {
    button.disabled = false;
  }
}

export function resetTransfer() {
  checked = null;
  $("i-apply").disabled = true;
  clear($("import-out"));
}
