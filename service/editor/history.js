// An entry's history (who changed which field) and its usage (articles and sentences).

import { $, ApiFailure, api, clear, el, glossaryPath, plural, state, when } from "./api.js";
import { showError } from "./messages.js";
import { has, t } from "./i18n.js";

// Values as labelled rows, for conflicts and history.
function flatten(values) {
  const rows = new Map();
  if (!values) return rows;
  if (values.source !== undefined) rows.set(t("entry.source"), values.source);
  for (const lang of Object.keys(values.targets || {}).sort()) rows.set(`Rendering (${lang})`, values.targets[lang]);
  if (values.aliases !== undefined) rows.set(t("entry.aliases"), (values.aliases || []).join(", "));
  if (values.note !== undefined) rows.set(t("entry.note"), values.note || "");
  if (values.status !== undefined) rows.set(t("entries.status"), t(`status.${values.status}`));
  if (values.do_not_translate !== undefined) rows.set(t("entry.dnt"), t(values.do_not_translate ? "common.yes" : "common.no"));
  if (values.case_sensitive !== undefined) rows.set(t("entry.case"), t(values.case_sensitive ? "common.yes" : "common.no"));
  return rows;
}

// [label, value in each version] for the fields that differ between the versions.
export function changedRows(...versions) {
  const flat = versions.map(flatten);
  const labels = [];
  for (const rows of flat) for (const label of rows.keys()) if (!labels.includes(label)) labels.push(label);
  return labels
    .filter((label) => new Set(flat.map((rows) => rows.get(label) ?? "")).size > 1)
    .map((label) => [label, ...flat.map((rows) => rows.get(label) ?? "")]);
}

export function valueCell(text) {
  return text === "" ? el("td", { class: "muted", text: "—" }) : el("td", { text });
}

export async function loadExtras(entry) {
  const history = clear($("history"));
  const usage = clear($("usage"));
  history.append(el("p", { class: "muted", text: t("common.loading") }));
  usage.append(el("p", { class: "muted", text: t("common.loading") }));
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
    history.append(el("p", { class: "muted", text: t("history.noneWhy", { message: historyResult.reason.message }) }));
  } else {
    history.append(el("p", { class: "error", text: historyResult.reason.message }));
    showError(historyResult.reason, t("history.loadFailed"), "extra-msg");
  }
  if (usageResult.status === "fulfilled") renderUsage(usageResult.value, entry);
  else {
    usage.append(el("p", { class: "error", text: usageResult.reason.message }));
    showError(usageResult.reason, t("history.usageFailed"), "extra-msg");
  }
}

function renderHistory(rows) {
  const box = $("history");
  if (!rows.length) {
    box.append(el("p", { class: "muted", text: t("history.none") }));
    return;
  }
  const list = el("ol", { class: "history" });
  for (const row of rows) {
    const changes = changedRows(row.before, row.after);
    const table = changes.length
      ? el(
          "table",
          { class: "diff" },
          el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("history.field") }), el("th", { scope: "col", text: t("history.before") }), el("th", { scope: "col", text: t("history.after") }))),
          el("tbody", {}, changes.map(([label, before, after]) => el("tr", {}, el("th", { scope: "row", text: label }), valueCell(before), valueCell(after)))),
        )
      : el("p", { class: "muted small", text: t("history.noChange") });
    list.append(
      el(
        "li",
        {},
        el("div", { class: "history-head" }, el("span", { class: "badge", text: has(`action.${row.action}`) ? t(`action.${row.action}`) : row.action }), " ", el("strong", { text: row.actor }), " ", el("time", { datetime: row.at, text: when(row.at) })),
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
    box.append(el("p", { class: "muted", text: t("history.noUsage") }));
    return;
  }
  const spellings = [entry.source, ...entry.aliases];
  const list = el("ul", { class: "usage" });
  for (const article of rows) {
    list.append(
      el(
        "li",
        {},
        el("div", {}, el("strong", { lang: "ja", text: article.title }), el("span", { class: "muted small", text: ` ${article.article_id} · ${t("review.revision", { n: article.revision })}` })),
        el("ul", { class: "sentences" }, article.sentences.map((s) => el("li", { lang: "ja" }, highlighted(s, spellings)))),
      ),
    );
  }
  box.append(el("p", { class: "muted small", text: t("common.articles", { n: rows.length }) }), list);
}
