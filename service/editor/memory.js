// The Translation memory view: search the sentences editors corrected, change or delete one,
// and TMX import (checked first as a dry run, applied only on request) and export.

import { $, api, clear, el } from "./api.js";
import { fmtDate, t } from "./i18n.js";
import { say, showError } from "./messages.js";

const MSG = "memory-msg";
const IMPORT_MSG = "memory-import-msg";

export async function loadMemory() {
  const query = { q: $("m-q").value.trim(), lang: $("m-lang").value.trim() };
  try {
    render(await api("GET", "v1/memory", { query }));
  } catch (err) {
    showError(err, t("memory.loadFailed"), MSG);
  }
}

function render(entries) {
  $("memory-count").textContent = t("memory.count", { n: entries.length });
  const list = clear($("memory-list"));
  for (const entry of entries) {
    const id = `mem-${entry.id}`;
    const area = el("textarea", { id, class: "segment-text", rows: 2, lang: entry.lang });
    area.value = entry.translation;
    list.append(
      el(
        "div",
        { class: "memory-entry" + (entry.stale ? " stale" : ""), "data-id": entry.id },
        el("p", { class: "source", lang: "ja", text: entry.source }),
        el("label", { for: id, class: "small muted", text: t("memory.translationLabel", { lang: entry.lang }) }),
        area,
        el(
          "p",
          { class: "muted small" },
          entry.stale ? el("span", { class: "chip flag", text: t("memory.stale") }) : null,
          " ",
          t("memory.by", { who: entry.created_by || "—" }),
        ),
        el(
          "div",
          { class: "actions" },
          el("button", { type: "button", class: "secondary small", text: t("memory.save"), onclick: () => save(entry, area.value) }),
          el("button", { type: "button", class: "danger small", text: t("memory.delete"), onclick: () => remove(entry) }),
        ),
      ),
    );
  }
}

async function save(entry, text) {
  try {
    await api("PATCH", `v1/memory/${entry.id}`, { body: { translation: text } });
    say(t("memory.saved"), MSG);
    await loadMemory();
  } catch (err) {
    showError(err, t("memory.saveFailed"), MSG);
  }
}

async function remove(entry) {
  if (!window.confirm(t("memory.deleteAsk"))) return;
  try {
    await api("DELETE", `v1/memory/${entry.id}`);
    say(t("memory.deleted"), MSG);
    await loadMemory();
  } catch (err) {
    showError(err, t("memory.saveFailed"), MSG);
  }
}

async function upload(dryRun) {
  const file = $("m-file").files[0];
  if (!file) {
    showError(new Error(t("memory.noFile")), t("memory.importFailed"), IMPORT_MSG);
    return;
  }
  const form = new FormData();
  form.append("file", file);
  try {
    const done = await api("POST", "v1/memory/import", { form, query: { dry_run: dryRun ? "true" : "" } });
    const counts = { added: done.added || 0, changed: done.changed || 0, unchanged: done.unchanged || 0 };
    say(t(dryRun ? "memory.checked" : "memory.imported", counts), IMPORT_MSG);
    $("m-apply").disabled = !dryRun;
    if (!dryRun) await loadMemory();
  } catch (err) {
    $("m-apply").disabled = true;
    showError(err, t("memory.importFailed"), IMPORT_MSG);
  }
}

async function exportTmx() {
  try {
    const response = await api("GET", "v1/memory/export", { raw: true });
    const url = URL.createObjectURL(await response.blob());
    el("a", { href: url, download: "kakehashi-memory.tmx" }).click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (err) {
    showError(err, t("memory.exportFailed"), IMPORT_MSG);
  }
}

export function wireMemory() {
  $("memory-search").addEventListener("submit", (event) => {
    event.preventDefault();
    loadMemory();
  });
  $("memory-import").addEventListener("submit", (event) => {
    event.preventDefault();
    upload(true);
  });
  $("m-file").addEventListener("change", () => ($("m-apply").disabled = true));
  $("m-apply").addEventListener("click", () => upload(false));
  $("m-export").addEventListener("click", exportTmx);
}
