// The Review view: the translations that need review (GET /v1/reviews), and for one of them a
// side-by-side editor, sentence by sentence: the Japanese with its glossary terms highlighted,
// the translation in a text box, the service's flags and term checks. "Approve as is" sends
// no corrections; "Approve with corrections" sends the sentences whose text was changed.
// Every value reaches the page through textContent / createElement (api.js's `el`).

import { $, api, clear, el, plural, when } from "./api.js";
import { say, showError } from "./messages.js";

const MSG = "review-msg";
const review = { items: [], cursor: null, item: null };

// The Japanese sentence with each glossary term in a <mark> (first occurrence of each).
function highlighted(source, terms) {
  const spans = [];
  for (const term of terms) {
    if (!term.source) continue;
    const at = source.indexOf(term.source);
    if (at < 0 || spans.some(([a, b]) => at < b && a < at + term.source.length)) continue;
    spans.push([at, at + term.source.length, term]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  const parts = [];
  let cursor = 0;
  for (const [a, b, term] of spans) {
    if (a > cursor) parts.push(source.slice(cursor, a));
    parts.push(
      el("mark", { class: term.present ? "term-ok" : "term-missing", title: `→ ${term.target}` }, source.slice(a, b)),
    );
    cursor = b;
  }
  if (cursor < source.length) parts.push(source.slice(cursor));
  return parts;
}

function termList(terms) {
  if (!terms.length) return null;
  return el(
    "ul",
    { class: "terms", lang: "en" },
    terms.map((t) =>
      el(
        "li",
        { class: t.present ? "term present" : "term missing" },
        el("span", { class: "badge " + (t.present ? "ok" : "bad"), text: t.present ? "present" : "missing" }),
        " ",
        el("span", { lang: "ja", text: t.source }),
        " → ",
        el("span", { text: t.target }),
      ),
    ),
  );
}

export async function loadReviews(more = false) {
  const query = { lang: $("r-lang").value.trim(), reason: $("r-reason").value.trim(), limit: 20 };
  if (more && review.cursor) query.cursor = review.cursor;
  try {
    const page = await api("GET", "v1/reviews", { query });
    review.items = more ? [...review.items, ...page.items] : page.items;
    review.cursor = page.next_cursor;
    renderList();
  } catch (err) {
    showError(err, "Could not load the review queue", MSG);
  }
}

function renderList() {
  const body = clear($("reviews-body"));
  $("review-count").textContent = review.items.length
    ? `${plural(review.items.length, "translation")} awaiting review${review.cursor ? " (more below)" : ""}`
    : "Nothing awaits review.";
  $("reviews-more").hidden = !review.cursor;
  for (const item of review.items) {
    body.append(
      el(
        "tr",
        {},
        el(
          "td",
          {},
          el("button", { type: "button", class: "link open-review", onclick: () => openReview(item) }, item.source_title),
          el("div", { class: "muted small", text: `${item.article_id} · revision ${item.revision}` }),
        ),
        el("td", { text: item.lang }),
        el("td", {}, item.reasons.map((r) => el("span", { class: "badge bad", text: r }))),
        el("td", { class: "muted small", text: when(item.updated_at) }),
      ),
    );
  }
}

function openReview(item) {
  review.item = item;
  const box = clear($("review-detail"));
  box.hidden = false;
  box.append(
    el("h3", { tabindex: "-1", class: "review-heading" }, `${item.source_title} → ${item.lang}`),
    el(
      "p",
      { class: "summary" },
      `${plural(item.segments.length, "sentence")} · ${plural(item.flagged.length, "flagged sentence")} · `,
      item.reasons.map((r) => el("span", { class: "badge bad review", text: r })),
    ),
  );
  const rows = item.segments.map((segment) =>
    el(
      "tr",
      { class: segment.flags.length ? "flagged" : "", "data-index": segment.index },
      el("td", { class: "number", text: String(segment.index + 1) }),
      el("td", { class: "muted small", text: segment.part }),
      el("td", { class: "source", lang: "ja" }, highlighted(segment.source, segment.terms)),
      el(
        "td",
        { lang: item.lang },
        el("label", { class: "sr-only", for: `seg-${segment.index}`, text: `Translation of sentence ${segment.index + 1}` }),
        el("textarea", { id: `seg-${segment.index}`, class: "segment-text", rows: 2, "data-original": segment.translation }),
        segment.flags.length ? el("div", {}, segment.flags.map((f) => el("span", { class: "badge flag", text: f }))) : null,
        termList(segment.terms),
      ),
    ),
  );
  box.append(
    el(
      "table",
      { class: "preview review-table" },
      el("caption", { class: "sr-only", text: "Sentences: Japanese beside the translation to correct" }),
      el("thead", {}, el("tr", {}, ["#", "Part", "Japanese", "Translation"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows),
    ),
    el(
      "div",
      { class: "row actions" },
      el("button", { type: "button", id: "approve-as-is", onclick: () => approve(false) }, "Approve as is"),
      el("button", { type: "button", id: "approve-corrected", onclick: () => approve(true) }, "Approve with corrections"),
    ),
  );
  // Text boxes get their values as properties, never as markup.
  for (const area of box.querySelectorAll("textarea.segment-text")) area.value = area.dataset.original;
  box.querySelector("h3.review-heading").focus();
}

function corrections() {
  const out = [];
  for (const area of $("review-detail").querySelectorAll("textarea.segment-text")) {
    if (area.value.trim() !== area.dataset.original.trim()) {
      out.push({ index: Number(area.closest("tr").dataset.index), translation: area.value.trim() });
    }
  }
  return out;
}

async function approve(withCorrections) {
  const item = review.item;
  if (!item) return;
  const segments = withCorrections ? corrections() : [];
  if (withCorrections && !segments.length) {
    showError(new Error("no sentence was changed: use “Approve as is”, or edit a translation first"), "Nothing to correct", MSG);
    return;
  }
  const path = `v1/reviews/${encodeURIComponent(item.article_id)}/${encodeURIComponent(item.lang)}/approve`;
  try {
    const done = await api("POST", path, { body: { segments } });
    clear($("review-detail")).hidden = true;
    review.item = null;
    say(
      `Approved ${item.article_id} (${item.lang})` +
        (done.corrected ? `: ${plural(done.corrected, "corrected sentence")}, remembered for next time.` : " as is."),
      MSG,
    );
    await loadReviews();
  } catch (err) {
    showError(err, "Could not approve the translation", MSG);
  }
}

export function wireReview() {
  $("review-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReviews();
  });
  $("reviews-more").addEventListener("click", () => loadReviews(true));
}
