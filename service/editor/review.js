// The Review view, the queue side: the translations awaiting review (GET /v1/reviews) beside the
// detail pane (review_detail.js), filters as choices with counts (GET /v1/reviews/facets), and
// the keyboard: j/k next/previous, n next flagged sentence, a approve, s skip.
// Every value reaches the page through textContent / createElement (api.js's `el`).

import { $, api, clear, el, state } from "./api.js";
import { fmtDate, t } from "./i18n.js";
import { showError } from "./messages.js";
import { reasonLabel } from "./reasons.js";
import { approveCurrent, confirmLeave, focusNextFlagged, isReviewDirty, openDetail, showNothing } from "./review_detail.js";

const MSG = "review-msg";
export const review = { items: [], cursor: null, item: null, facets: null };

function option(value, label, selected) {
  return el("option", { value, selected: selected || undefined }, label);
}

function fillSelect(id, counts, label) {
  const select = $(id);
  const chosen = select.value;
  clear(select).append(option("", t("review.anyCount", { n: review.facets ? review.facets.total : 0 }), !chosen));
  const names = Object.keys(counts).sort();
  if (chosen && !names.includes(chosen)) names.unshift(chosen);
  for (const name of names) {
    select.append(option(name, t("review.choice", { name: label(name), n: counts[name] || 0 }), name === chosen));
  }
}

async function loadFacets() {
  const lang = $("r-lang").value;
  review.facets = await api("GET", "v1/reviews/facets", { query: { lang } });
  fillSelect("r-lang", review.facets.langs, (code) => code);
  fillSelect("r-reason", review.facets.reasons, (code) => reasonLabel(code));
  fillSelect("r-category", review.facets.categories, (name) => name);
}

export async function loadReviews(more = false) {
  const query = { lang: $("r-lang").value, reason: $("r-reason").value, category: $("r-category").value, limit: 20 };
  if (more && review.cursor) query.cursor = review.cursor;
  try {
    if (!more) await loadFacets();
    const page = await api("GET", "v1/reviews", { query });
    review.items = more ? [...review.items, ...page.items] : page.items;
    review.cursor = page.next_cursor;
    renderList();
    if (!more && review.item && !review.items.some((i) => same(i, review.item))) showNothing();
  } catch (err) {
    showError(err, t("review.loadFailed"), MSG);
  }
}

const same = (a, b) => a && b && a.article_id === b.article_id && a.lang === b.lang;

export function renderList() {
  const list = clear($("reviews-list"));
  $("review-count").textContent = review.items.length
    ? t(review.cursor ? "review.countMore" : "review.count", { n: review.items.length })
    : t("review.nothing");
  $("reviews-more").hidden = !review.cursor;
  for (const item of review.items) {
    const current = same(item, review.item);
    list.append(
      el(
        "li",
        {},
        el(
          "button",
          {
            type: "button",
            class: "queue-item" + (current ? " current" : ""),
            "aria-current": current ? "true" : undefined,
            "data-article": item.article_id,
            "data-lang": item.lang,
            onclick: () => select(item),
          },
          el("span", { class: "queue-title", lang: "ja", text: item.source_title }),
          el(
            "span",
            { class: "queue-meta" },
            el("span", { class: "badge lang", text: item.lang }),
            " ",
            el("span", { class: "muted small", text: `${item.article_id} · ${fmtDate(item.updated_at)}` }),
          ),
          el(
            "span",
            { class: "queue-reasons" },
            item.reasons.map((r) => el("span", { class: "chip", text: reasonLabel(r) })),
          ),
        ),
      ),
    );
  }
}

export async function select(item) {
  if (same(item, review.item) || !confirmLeave()) return;
  review.item = item;
  renderList();
  openDetail(item);
}

// The next (or previous) translation of the queue; past the loaded page, the next page.
export async function move(step, after = review.item) {
  let at = after ? review.items.findIndex((i) => same(i, after)) : -1;
  if (at < 0 && step < 0) at = review.items.length;
  let next = review.items[at + step];
  if (!next && step > 0 && review.cursor) {
    await loadReviews(true);
    next = review.items[at + step];
  }
  if (next) await select(next);
}

// After a decision: the item leaves the list and the next one opens at once.
export async function decided(item) {
  const at = review.items.findIndex((i) => same(i, item));
  review.items = review.items.filter((i) => !same(i, item));
  review.item = null;
  const next = review.items[Math.max(0, at)] || review.items[review.items.length - 1];
  renderList();
  loadFacets().catch(() => {});
  if (next) {
    review.item = next;
    renderList();
    openDetail(next);
  } else {
    showNothing();
    if (review.cursor) await loadReviews();
  }
}

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function onKey(event) {
  if (state.tab !== "review" || event.altKey || event.metaKey) return;
  if (event.key === "Escape" && typing(event.target)) {
    event.target.blur();
    $("review-detail").focus();
    return;
  }
  if (event.ctrlKey && event.key === "Enter" && event.target.classList.contains("segment-text")) {
    event.preventDefault();
    approveCurrent(true);
    return;
  }
  if (event.ctrlKey || typing(event.target) || document.querySelector(".dialog:not([hidden])")) return;
  const actions = {
    j: () => move(1),
    k: () => move(-1),
    n: () => focusNextFlagged(),
    a: () => approveCurrent(isReviewDirty()),
    s: () => move(1),
  };
  if (actions[event.key]) {
    event.preventDefault();
    actions[event.key]();
  }
}

export function wireReview() {
  for (const id of ["r-lang", "r-reason", "r-category"]) {
    $(id).addEventListener("change", () => {
      if (confirmLeave()) loadReviews();
    });
  }
  $("review-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    loadReviews();
  });
  $("reviews-more").addEventListener("click", () => loadReviews(true));
  document.addEventListener("keydown", onKey);
  window.addEventListener("beforeunload", (event) => {
    if (isReviewDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
