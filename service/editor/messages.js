// Messages: each one is shown next to the action that caused it (an element with class "msg"
// in that view) and in the live region that stays in the viewport (#live, fixed), which is the
// one screen readers announce. Changing view clears them all.

import { $, ApiFailure, actions, clear, el } from "./api.js";
import { t } from "./i18n.js";

let fadeTimer = 0;

function inline(area) {
  const box = area ? $(area) : null;
  return box && box.classList.contains("msg") ? box : null;
}

function detailLine(detail) {
  if (detail === null || typeof detail !== "object") return String(detail);
  if (detail.msg !== undefined) {
    const loc = Array.isArray(detail.loc) ? detail.loc.filter((p) => p !== "body").join(".") : "";
    return loc ? `${loc}: ${detail.msg}` : String(detail.msg);
  }
  if (detail.line !== undefined && detail.message !== undefined) {
    return t("messages.line", { line: detail.line, message: detail.message }) + (detail.text !== undefined ? ` — ${detail.text}` : "");
  }
  return JSON.stringify(detail);
}

// The parts of an error: its message, its code, its details, and a link to the entry it names.
function errorParts(error, context) {
  const parts = [];
  const message = error instanceof ApiFailure ? error.message : String(error && error.message ? error.message : error);
  parts.push(el("strong", { text: context ? `${context}: ` : t("messages.error") }), el("span", { text: message }));
  if (error instanceof ApiFailure && error.status) {
    parts.push(el("span", { class: "muted", text: ` (${error.status} ${error.code})` }));
  }
  const details = error instanceof ApiFailure ? error.details : null;
  if (details && typeof details === "object" && !Array.isArray(details) && details.entry_id) {
    const label = details.entry_source ? t("messages.openEntry", { source: details.entry_source }) : t("messages.openEntryId", { id: details.entry_id });
    parts.push(
      " ",
      el("button", {
        type: "button",
        class: "link entry-link",
        "data-entry": details.entry_id,
        text: label,
        onclick: () => actions.openEntry(details.entry_id),
      }),
    );
  } else if (Array.isArray(details) && details.length) {
    parts.push(el("ul", {}, details.slice(0, 20).map((d) => el("li", { text: detailLine(d) }))));
    if (details.length > 20) parts.push(el("p", { class: "small", text: t("common.andMore", { n: details.length - 20 }) }));
  } else if (details && typeof details === "object") {
    parts.push(el("ul", {}, el("li", { text: JSON.stringify(details) })));
  }
  return parts;
}

// #live holds two regions that are always rendered (a region shown only once filled is not
// reliably announced): #live-status (polite) for good news, #live-alert (role=alert) for errors.
function inView(box) {
  if (!box) return false;
  const rect = box.getBoundingClientRect();
  return rect.height > 0 && rect.top >= 0 && rect.bottom <= window.innerHeight;
}

// When the copy next to the action is in view, the live copy is only announced (not drawn
// twice); otherwise it floats in the corner of the viewport.
function toLive(kind, parts, sticky, box) {
  const live = $("live");
  const target = $(kind === "error" ? "live-alert" : "live-status");
  clear($("live-status"));
  clear($("live-alert"));
  window.clearTimeout(fadeTimer);
  live.classList.remove("shown", "ok", "error", "quiet");
  // Filled after a beat so that a repeated message is announced again.
  window.setTimeout(() => {
    target.append(...parts);
    live.classList.add("shown", kind);
    live.classList.toggle("quiet", inView(box));
  }, 30);
  if (!sticky) fadeTimer = window.setTimeout(dismissLive, 12000);
}

// Good news from an action in `area` (the id of that view's message box).
export function say(message, area) {
  const box = inline(area);
  if (box) {
    clear(box).className = "msg ok";
    box.append(el("span", { text: message }));
  }
  toLive("ok", [el("span", { text: message })], false, box);
}

export function showError(error, context, area) {
  const box = inline(area);
  if (box) {
    clear(box).className = "msg error";
    box.append(...errorParts(error, context));
  }
  // The live copy stays until dismissed or until the view changes.
  toLive("error", errorParts(error, context), true, box);
  if (error instanceof ApiFailure && error.status === 401) actions.signOut(false);
}

export function clearMessages() {
  window.clearTimeout(fadeTimer);
  for (const box of document.querySelectorAll(".msg")) {
    clear(box).className = "msg";
  }
  dismissLive();
}

export function dismissLive() {
  window.clearTimeout(fadeTimer);
  $("live").classList.remove("shown", "ok", "error", "quiet");
  clear($("live-status"));
  clear($("live-alert"));
}
