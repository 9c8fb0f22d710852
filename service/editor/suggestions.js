// Suggested spellings found in articles; accepting one makes it an alias of its entry.

import { $, actions, api, clear, el, glossaryPath, plural, state } from "./api.js";
import { say, showError } from "./messages.js";
import { isDirty, showEntryForm } from "./entry.js";
import { loadExtras } from "./history.js";
import { t } from "./i18n.js";

const MSG = "suggestions-msg";
let suggestionsRequest = 0;

export async function loadSuggestions() {
  const box = clear($("suggestions"));
  if (!state.glossary) return;
  const request = ++suggestionsRequest;
  box.append(el("p", { class: "muted", text: t("common.loading") }));
  try {
    const found = await api("GET", glossaryPath("suggestions"));
    if (request !== suggestionsRequest) return;
    state.suggestions = found;
  } catch (err) {
    if (request !== suggestionsRequest) return;
    clear(box);
    showError(err, t("suggestions.loadFailed"), MSG);
    return;
  }
  renderSuggestions();
}

function renderSuggestions() {
  const box = clear($("suggestions"));
  if (!state.suggestions.length) {
    box.append(el("p", { class: "muted", text: t("suggestions.none") }));
    return;
  }
  box.append(
    el(
      "table",
      { class: "suggestions" },
      el("caption", { class: "sr-only", text: t("suggestions.title") }),
      el("thead", {}, el("tr", {}, [t("suggestions.spelling"), t("suggestions.variantOf"), t("suggestions.seen"), t("suggestions.why"), ""].map((h) => el("th", { scope: "col", text: h })))),
      el(
        "tbody",
        {},
        state.suggestions.map((s) =>
          el(
            "tr",
            {},
            el("td", { lang: "ja", class: "term", text: s.spelling }),
            el("td", {}, el("button", { type: "button", class: "link", lang: "ja", text: s.entry_source, onclick: () => actions.openEntry(s.entry_id) })),
            el("td", { text: t("suggestions.count", { n: s.count }) }),
            el("td", { text: s.reason }),
            el("td", {}, el("button", { type: "button", "aria-label": t("suggestions.acceptLabel", { spelling: s.spelling, entry: s.entry_source }), text: t("suggestions.accept"), onclick: (ev) => acceptSuggestion(s, ev.currentTarget) })),
          ),
        ),
      ),
    ),
  );
}

async function acceptSuggestion(suggestion, button) {
  button.disabled = true;
  try {
    const result = await api("POST", glossaryPath("suggestions", "accept"), {
      body: { entry_id: suggestion.entry_id, spelling: suggestion.spelling },
    });
    const articles = result.affected_articles.length;
    say(
      t("suggestions.accepted", { spelling: suggestion.spelling, entry: suggestion.entry_source }) +
        (articles ? " " + t("common.affected", { n: articles }) + " " + t("common.jobs", { n: result.jobs.length }) : ""),
      MSG,
    );
    if (state.entry && state.entry.id === suggestion.entry_id && !isDirty() && result.entry) {
      showEntryForm(result.entry);
      loadExtras(result.entry);
    }
    await loadSuggestions();
    await actions.changed();
    const next = $("suggestions").querySelector("tbody button:not(.link)");
    (next || $("refresh-suggestions")).focus();
  } catch (err) {
    button.disabled = false;
    showError(err, t("suggestions.acceptFailed"), MSG);
  }
}
