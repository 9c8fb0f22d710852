// Search and the list of entries, a page at a time.

import { $, PAGE_SIZE, api, clear, el, glossaryPath, state } from "./api.js";
import { openEntry } from "./entry.js";
import { t } from "./i18n.js";

let listRequest = 0;

export async function loadEntries() {
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

export function renderEntries() {
  const tbody = clear($("entries-body"));
  if (!state.items.length) {
    tbody.append(el("tr", {}, el("td", { colspan: 3, class: "muted", text: t("list.none") })));
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
        el("td", { class: "renderings", text: entry.do_not_translate ? t("list.dnt") + " " + renderings : renderings }),
        el("td", {}, el("span", { class: `badge ${entry.status}`, text: t(`status.${entry.status}`) })),
      ),
    );
  }
  const first = state.total ? state.offset + 1 : 0;
  const last = Math.min(state.offset + state.items.length, state.total);
  $("page-info").textContent = t("list.page", { first, last, total: state.total });
  $("prev-page").disabled = state.offset <= 0;
  $("next-page").disabled = state.offset + PAGE_SIZE >= state.total;
}

export async function search() {
  state.q = $("search-q").value.trim();
  state.status = $("search-status").value;
  state.offset = 0;
  await loadEntries();
}

export async function page(step) {
  state.offset = Math.max(0, state.offset + step * PAGE_SIZE);
  await loadEntries();
}
