// Suggested spellings found in articles; accepting one makes it an alias of its entry.

import { $, actions, api, clear, el, glossaryPath, plural, state } from "./api.js";
import { say, showError } from "./messages.js";
import { isDirty, showEntryForm } from "./entry.js";
import { loadExtras } from "./history.js";

const MSG = "suggestions-msg";
let suggestionsRequest = 0;

export async function loadSuggestions() {
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
    showError(err, "Could not load the suggestions", MSG);
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
            el("td", {}, el("button", { type: "button", class: "link", lang: "ja", text: s.entry_source, onclick: () => actions.openEntry(s.entry_id) })),
            el("td", { text: `${s.count}×` }),
            el("td", { text: s.reason }),
            el("td", {}, el("button", { type: "button", "aria-label": `Accept ${s.spelling} as an alias of ${s.entry_source}`, text: "Accept", onclick: (ev) => acceptSuggestion(s, ev.currentTarget) })),
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
      `“${suggestion.spelling}” is now an alias of “${suggestion.entry_source}”.` +
        (articles ? ` ${plural(articles, "article")} affected, ${plural(result.jobs.length, "translation job")} queued.` : ""),
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
    showError(err, "Could not accept the suggestion", MSG);
  }
}
