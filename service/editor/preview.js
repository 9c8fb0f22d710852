// Preview a translation with the glossary, beside the same text without it.
// The badge is the service's own verdict (`needs_review`, with `review_reasons` when the answer
// carries them): the page never applies a rule of its own. Flagged sentences come first.

import { $, DEFAULT_LANGS, api, apiUrl, clear, el, langName, plural, state } from "./api.js";
import { showError } from "./messages.js";
import { t } from "./i18n.js";

const MSG = "preview-msg";

export async function loadTargets() {
  const select = $("p-target");
  let routes = null;
  try {
    const response = await fetch(apiUrl("readyz"), { credentials: "omit", cache: "no-store" });
    const data = await response.json();
    routes = data && data.models && data.models.routes ? data.models.routes : null;
  } catch (_) {
    routes = null;
  }
  clear(select);
  const langs = routes ? Object.keys(routes) : DEFAULT_LANGS;
  for (const lang of langs) {
    const name = langName(lang);
    const missing = routes && !routes[lang];
    const label = `${lang}${name ? " — " + name : ""}${missing ? " " + t("preview.noModel") : ""}`;
    select.append(el("option", { value: lang, text: label }));
  }
}

function termItem(term) {
  return el(
    "li",
    { class: term.present ? "term present" : "term missing" },
    el("span", { class: "badge " + (term.present ? "ok" : "bad"), text: t(term.present ? "review.termPresent" : "review.termMissing") }),
    " ",
    el("span", { lang: "ja", text: term.source }),
    " → ",
    el("span", { text: term.target }),
    term.strategy ? el("span", { class: "muted small", text: ` (${term.strategy})` }) : null,
  );
}

function reasonText(reason) {
  if (reason === null || typeof reason !== "object") return String(reason);
  return String(reason.message || reason.reason || reason.code || JSON.stringify(reason));
}

function flagged(segment) {
  return segment.flags.length > 0 || segment.terms.some((t) => !t.present);
}

// The verdict line: the service's needs_review, its reasons, and the advisory flags it saw.
function verdict(result) {
  const reasons = Array.isArray(result.review_reasons) ? result.review_reasons.map(reasonText) : null;
  const flags = new Set(result.segments.flatMap((s) => s.flags));
  const count = result.segments.filter(flagged).length;
  if (result.needs_review) {
    return [
      el("span", { class: "badge bad review", text: t("preview.needsReview") }),
      reasons && reasons.length ? el("span", { class: "reasons", text: reasons.join("; ") }) : null,
      count ? el("span", { class: "muted small", text: t("preview.flaggedFirst", { n: count }) }) : null,
    ];
  }
  if (flags.size) {
    // The service does not hold this text back, but it saw something: never a green badge here.
    return [
      el("span", { class: "badge warn review", text: t("preview.noReviewRequired") }),
      el("span", { class: "muted small", text: t("preview.advisory", { flags: [...flags].join(", "), n: count }) }),
    ];
  }
  return [el("span", { class: "badge ok review", text: t("preview.noReviewNeeded") })];
}

function renderPreview(result, target) {
  const box = clear($("preview-out"));
  const route = (result.route || []).join(" → ");
  const missing = result.segments.reduce((n, s) => n + s.terms.filter((t) => !t.present).length, 0);
  box.append(
    el(
      "p",
      { class: "summary" },
      t("preview.summary", { n: result.segments.length, route: route || target }),
      verdict(result),
      missing ? el("span", { class: "badge bad", text: t("preview.termsMissing", { n: missing }) }) : null,
    ),
  );
  const plain = result.without_glossary ? result.without_glossary.segments : [];
  const order = result.segments.map((segment, i) => i);
  order.sort((a, b) => Number(flagged(result.segments[b])) - Number(flagged(result.segments[a])) || a - b);
  const rows = order.map((i, position) => {
    const segment = result.segments[i];
    const other = plain[i];
    const previous = position > 0 ? result.segments[order[position - 1]] : null;
    const boundary = previous && (flagged(previous) !== flagged(segment) || previous.paragraph !== segment.paragraph);
    return el(
      "tr",
      { class: [flagged(segment) ? "flagged" : "", boundary ? "new-paragraph" : ""].join(" ").trim() },
      el("td", { class: "number", text: String(i + 1) }),
      el("td", { class: "source", lang: "ja", text: segment.source }),
      el(
        "td",
        { lang: target },
        el("div", { text: segment.translation }),
        segment.flags.length ? el("div", {}, segment.flags.map((f) => el("span", { class: "badge flag", text: f }))) : null,
        segment.terms.length ? el("ul", { class: "terms", lang: "en" }, segment.terms.map(termItem)) : null,
      ),
      el("td", { lang: target, class: "plain", text: other ? other.translation : "" }),
    );
  });
  box.append(
    el(
      "table",
      { class: "preview" },
      el("caption", { class: "sr-only", text: t("preview.caption") }),
      el("thead", {}, el("tr", {}, ["#", t("preview.japanese"), t("preview.with"), t("preview.without")].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows),
    ),
  );
}

export async function preview() {
  const text = $("p-text").value;
  const target = $("p-target").value;
  if (!text.trim()) {
    $("p-text").focus();
    return;
  }
  const body = { text, from: "ja", to: target, glossary: true, compare: true };
  if ($("p-only").checked && state.glossary) body.glossaries = [state.glossary];
  const button = $("p-submit");
  button.disabled = true;
  const box = clear($("preview-out"));
  box.append(el("p", { class: "muted", text: t("preview.translating") }));
  try {
    const result = await api("POST", "v1/translate", { body });
    clear($(MSG)).className = "msg";
    renderPreview(result, target);
  } catch (err) {
    clear(box);
    showError(err, t("preview.failed"), MSG);
  } finally {
    button.disabled = false;
  }
}
