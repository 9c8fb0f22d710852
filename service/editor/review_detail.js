// The Review view, the detail side: one translation sentence by sentence (the Japanese with its
// glossary terms marked, the pivot step for a translation made through English, a full-width
// text box that grows), its reasons in words, and the decisions: approve (as is, or with the
// corrections typed), reject, re-translate, skip.
// No typed correction is ever lost: every keystroke is kept as a draft in localStorage (it
// survives a reload), "Approve as is" with corrections typed asks first, leaving a translation
// with corrections asks, and a decision carries the item's ETag (If-Match) so that a second
// editor, or a re-translation, since the page was read is a conflict shown here, not an overwrite.

import { $, ApiFailure, api, clear, el, langName } from "./api.js";
import { fmtDate, t } from "./i18n.js";
import { say, showError } from "./messages.js";
import { flagLabel, reasonExplanation, reasonLabel } from "./reasons.js";
import { decided, move, review } from "./review.js";

const MSG = "review-msg";
const DRAFT = "kakehashi.review.draft:";
// An element of the detail pane, which this module builds (not one of index.html's).
const part = (id) => document.getElementById("review-detail").querySelector(`#${id}`);
const draftKey = (item) => `${DRAFT}${item.article_id}:${item.lang}`;
const itemPath = (item, ...rest) =>
  ["v1/reviews", encodeURIComponent(item.article_id), encodeURIComponent(item.lang), ...rest].join("/");

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
    parts.push(el("mark", { class: term.present ? "term-ok" : "term-missing", title: `→ ${term.target}` }, source.slice(a, b)));
    cursor = b;
  }
  if (cursor < source.length) parts.push(source.slice(cursor));
  return parts;
}

function termList(terms) {
  if (!terms.length) return null;
  return el(
    "ul",
    { class: "terms" },
    terms.map((term) =>
      el(
        "li",
        { class: term.present ? "term present" : "term missing" },
        el("span", { class: "badge " + (term.present ? "ok" : "bad"), text: t(term.present ? "review.termPresent" : "review.termMissing") }),
        " ",
        el("span", { lang: "ja", text: term.source }),
        " → ",
        el("span", { text: term.target }),
      ),
    ),
  );
}

function grow(area) {
  area.style.height = "auto";
  area.style.height = `${area.scrollHeight + 2}px`;
}

function areas() {
  return [...$("review-detail").querySelectorAll("textarea.segment-text")];
}

export function corrections() {
  return areas()
    .filter((a) => a.value.trim() !== a.dataset.original.trim())
    .map((a) => ({ index: Number(a.dataset.index), translation: a.value.trim() }));
}

export function isReviewDirty() {
  return Boolean(review.item) && !$("review-detail").hidden && corrections().length > 0;
}

// Leaving a translation with corrections typed: they stay as a draft, but the editor is asked.
export function confirmLeave() {
  return !isReviewDirty() || window.confirm(t("review.leave"));
}

function saveDraft() {
  const item = review.item;
  if (!item) return;
  const texts = Object.fromEntries(corrections().map((c) => [c.index, c.translation]));
  if (Object.keys(texts).length) localStorage.setItem(draftKey(item), JSON.stringify({ etag: item.etag, texts }));
  else localStorage.removeItem(draftKey(item));
}

function readDraft(item) {
  try {
    const draft = JSON.parse(localStorage.getItem(draftKey(item)) || "null");
    return draft && typeof draft.texts === "object" ? draft : null;
  } catch (_) {
    return null;
  }
}

function dropDraft(item) {
  localStorage.removeItem(draftKey(item));
}

function sentence(item, segment) {
  const id = `seg-${segment.index}`;
  return el(
    "li",
    { class: "sentence" + (segment.flags.length ? " flagged" : ""), "data-index": segment.index },
    el("div", { class: "sentence-head muted small" }, `${segment.index + 1} · ${t(`part.${segment.part}`)}`),
    el("p", { class: "source", lang: "ja" }, highlighted(segment.source, segment.terms)),
    segment.pivot
      ? el("p", { class: "pivot", lang: item.route[1] }, el("span", { class: "muted small", text: t("review.pivotStep", { lang: langName(item.route[1]) || item.route[1] }) + " " }), segment.pivot)
      : null,
    el("label", { class: "sr-only", for: id, text: t("review.sentenceLabel", { n: segment.index + 1 }) }),
    el("textarea", { id, class: "segment-text", rows: 1, lang: item.lang, "data-index": segment.index, "data-original": segment.translation }),
    segment.flags.length ? el("div", { class: "flags" }, segment.flags.map((f) => el("span", { class: "chip flag", text: flagLabel(f) }))) : null,
    termList(segment.terms),
  );
}

function header(item) {
  const parts = [
    el("h3", { tabindex: "-1", class: "review-heading", lang: "ja" }, item.source_title),
    el(
      "p",
      { class: "muted small review-meta" },
      `${item.article_id} · ${t("review.revision", { n: item.revision })} · ${t("review.translatedAt", { when: fmtDate(item.updated_at) })} · `,
      item.url ? el("a", { href: item.url, target: "_blank", rel: "noopener noreferrer", text: t("review.openArticle") }) : null,
    ),
  ];
  if (item.route.length > 2) {
    parts.push(el("p", { class: "route" }, t("review.route", { route: item.route.join(" → "), via: langName(item.route[1]) || item.route[1] })));
  }
  parts.push(
    el(
      "ul",
      { class: "reasons" },
      item.reasons.map((code) => el("li", {}, el("strong", { text: reasonLabel(code) }), " ", el("span", { class: "muted", text: reasonExplanation(code) }))),
    ),
  );
  if (item.format === "html") parts.push(el("p", { class: "muted small", text: t("review.htmlNote") }));
  return parts;
}

function actionsRow() {
  return el(
    "div",
    { class: "actions review-actions" },
    el("button", { type: "button", id: "approve-corrected", onclick: () => approve(true), text: t("review.approveCorrected") }),
    el("button", { type: "button", id: "approve-as-is", class: "secondary", onclick: () => approve(false), text: t("review.approveAsIs") }),
    el("button", { type: "button", id: "review-skip", class: "secondary", onclick: () => move(1), text: t("review.skip") }),
    el("button", { type: "button", id: "review-retranslate", class: "secondary", onclick: retranslate, text: t("review.retranslate") }),
    el("span", { class: "spacer" }),
    el("button", { type: "button", id: "review-reject", class: "danger", onclick: reject, text: t("review.reject") }),
  );
}

export function showNothing() {
  review.item = null;
  clear($("review-detail")).hidden = true;
  $("review-empty").hidden = false;
}

// `keep`: texts by sentence index to put in the boxes (a draft, or corrections kept over a
// conflict); otherwise the draft saved for this translation, if any.
export function openDetail(item, keep) {
  review.item = item;
  const box = clear($("review-detail"));
  box.setAttribute("tabindex", "-1");
  $("review-empty").hidden = true;
  box.hidden = false;
  box.append(
    ...header(item),
    el("div", { id: "review-conflict", class: "conflict", hidden: true }),
    el("div", { id: "review-draft", class: "draft-note", hidden: true }),
    el("ol", { class: "sentences" }, item.segments.map((s) => sentence(item, s))),
    actionsRow(),
    dialog(),
  );
  const draft = keep ? { texts: keep } : readDraft(item);
  for (const area of areas()) {
    area.value = area.dataset.original; // values as properties, never as markup
    const kept = draft && draft.texts[area.dataset.index];
    if (typeof kept === "string") area.value = kept;
    area.addEventListener("input", () => {
      grow(area);
      saveDraft();
    });
  }
  requestAnimationFrame(() => areas().forEach(grow));
  if (draft && !keep && corrections().length) showDraftNote(item, draft.etag !== item.etag);
  if (keep) saveDraft();
  box.querySelector("h3.review-heading").focus();
}

function showDraftNote(item, older) {
  const note = part("review-draft");
  note.hidden = false;
  note.append(
    el("p", { text: t(older ? "review.draftOlder" : "review.draftRestored", { n: corrections().length }) }),
    el("button", {
      type: "button",
      class: "secondary small",
      text: t("review.draftDiscard"),
      onclick: () => {
        dropDraft(item);
        openDetail(item, {});
        dropDraft(item);
      },
    }),
  );
}

export function focusNextFlagged() {
  const flagged = [...$("review-detail").querySelectorAll("li.sentence.flagged textarea")];
  if (!flagged.length) return;
  const at = flagged.indexOf(document.activeElement);
  flagged[(at + 1) % flagged.length].focus();
}

export function approveCurrent(withCorrections) {
  if (review.item) approve(withCorrections);
}

// "Approve as is" with corrections typed: the editor chooses; nothing is discarded silently.
function dialog() {
  return el(
    "div",
    { id: "review-dialog", class: "dialog", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "review-dialog-title", "aria-describedby": "review-dialog-text", hidden: true },
    el("h4", { id: "review-dialog-title", text: t("review.askTitle") }),
    el("p", { id: "review-dialog-text" }),
    el(
      "div",
      { class: "actions" },
      el("button", { type: "button", id: "dialog-save", text: t("review.askSave"), onclick: () => closeDialog() || approve(true) }),
      el("button", { type: "button", id: "dialog-discard", class: "danger", text: t("review.askDiscard"), onclick: () => closeDialog() || approve(false, true) }),
      el("button", { type: "button", id: "dialog-cancel", class: "secondary", text: t("review.askCancel"), onclick: () => closeDialog(true) }),
    ),
  );
}

function openDialog(count) {
  const box = part("review-dialog");
  part("review-dialog-text").textContent = t("review.askText", { n: count });
  box.hidden = false;
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeDialog(true);
  });
  part("dialog-save").focus();
}

function closeDialog(refocus) {
  part("review-dialog").hidden = true;
  if (refocus) part("approve-as-is").focus();
  return false;
}

async function approve(withCorrections, discard = false) {
  const item = review.item;
  if (!item) return;
  const typed = corrections();
  if (!withCorrections && typed.length && !discard) return openDialog(typed.length);
  if (withCorrections && !typed.length) {
    showError(new Error(t("review.nothingChanged")), t("review.nothingToCorrect"), MSG);
    return;
  }
  const segments = withCorrections ? typed : [];
  try {
    const done = await api("POST", itemPath(item, "approve"), { body: { segments }, etag: item.etag });
    dropDraft(item);
    say(done.corrected ? t("review.approvedCorrected", { id: item.article_id, lang: item.lang, n: done.corrected }) : t("review.approvedAsIs", { id: item.article_id, lang: item.lang }), MSG);
    await decided(item);
  } catch (err) {
    await failed(err, item, typed, t("review.approveFailed"));
  }
}

async function reject() {
  const item = review.item;
  if (!item || !window.confirm(t("review.rejectAsk"))) return;
  try {
    await api("POST", itemPath(item, "reject"), { body: { note: "" }, etag: item.etag });
    dropDraft(item);
    say(t("review.rejected", { id: item.article_id, lang: item.lang }), MSG);
    await decided(item);
  } catch (err) {
    await failed(err, item, corrections(), t("review.rejectFailed"));
  }
}

async function retranslate() {
  const item = review.item;
  if (!item) return;
  try {
    const done = await api("POST", itemPath(item, "retranslate"));
    say(t("review.retranslated", { id: item.article_id, lang: item.lang, job: done.jobs.join(", ") }), MSG);
  } catch (err) {
    await failed(err, item, corrections(), t("review.retranslateFailed"));
  }
}

// 412: someone else decided or it was translated again since it was read; 409: it no longer
// awaits review. Either way the editor sees why, and typed corrections are kept.
async function failed(err, item, typed, context) {
  if (!(err instanceof ApiFailure) || ![409, 412].includes(err.status)) {
    showError(err, context, MSG);
    return;
  }
  if (err.status === 409) {
    showError(new Error(t("review.goneText")), t("review.gone"), MSG);
    await decided(item);
    return;
  }
  let current;
  try {
    current = await api("GET", itemPath(item));
  } catch (again) {
    showError(again, t("review.conflictReadFailed"), MSG);
    return;
  }
  const box = part("review-conflict");
  clear(box).hidden = false;
  box.setAttribute("role", "alert");
  const keep = Object.fromEntries(typed.map((c) => [c.index, c.translation]));
  box.append(
    el("h4", { text: t("review.conflictTitle") }),
    el("p", { text: t("review.conflictText", { when: fmtDate(current.updated_at), n: typed.length }) }),
    el("button", {
      type: "button",
      id: "conflict-reload",
      text: t("review.conflictReload"),
      onclick: () => {
        const at = review.items.findIndex((i) => i.article_id === item.article_id && i.lang === item.lang);
        if (at >= 0) review.items[at] = current;
        openDetail(current, keep);
        say(t("review.conflictLoaded", { n: typed.length }), MSG);
      },
    }),
  );
  box.querySelector("button").focus();
}
