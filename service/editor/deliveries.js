// The Notices view: the deliveries of notices to the review desk's and the CMS's URLs (admin),
// with their state; a failed one can be sent again where the service offers it.

import { $, ApiFailure, api, clear, el } from "./api.js";
import { fmtDate, t } from "./i18n.js";
import { say, showError } from "./messages.js";

const MSG = "deliveries-msg";

export async function loadDeliveries() {
  try {
    render(await api("GET", "v1/deliveries", { query: { state: $("d-state").value, limit: 100 } }));
  } catch (err) {
    clear($("deliveries-list"));
    showError(err, t("deliveries.loadFailed"), MSG);
  }
}

function render(rows) {
  const box = clear($("deliveries-list"));
  if (!rows.length) {
    box.append(el("p", { class: "muted", text: t("deliveries.none") }));
    return;
  }
  const head = ["deliveries.event", "deliveries.article", "deliveries.target", "deliveries.state", "deliveries.attempts", "deliveries.last", "deliveries.when", "deliveries.action"];
  box.append(
    el(
      "div",
      { class: "scroll" },
      el(
        "table",
        { class: "entries deliveries" },
        el("caption", { class: "sr-only", text: t("deliveries.title") }),
        el("thead", {}, el("tr", {}, head.map((key) => el("th", { scope: "col", text: t(key) })))),
        el(
          "tbody",
          {},
          rows.map((row) =>
            el(
              "tr",
              {},
              el("td", { text: row.event }),
              el("td", { text: `${row.article_id} (${row.lang})` }),
              el("td", { text: row.target }),
              el("td", {}, el("span", { class: `badge ${row.state === "delivered" ? "ok" : row.state === "pending" ? "" : "bad"}`, text: t(`deliveries.${row.state}`) })),
              el("td", { text: String(row.attempts) }),
              el("td", { class: "small", text: row.last_error || (row.last_status ? String(row.last_status) : "—") }),
              el("td", { class: "small", text: fmtDate(row.delivered_at || row.next_attempt_at || row.created_at) }),
              el("td", {}, row.state === "delivered" ? null : el("button", { type: "button", class: "secondary small", text: t("deliveries.resend"), onclick: () => resend(row) })),
            ),
          ),
        ),
      ),
    ),
  );
}

async function resend(row) {
  try {
    await api("POST", `v1/deliveries/${row.id}/resend`);
    say(t("deliveries.resent", { id: row.id }), MSG);
    await loadDeliveries();
  } catch (err) {
    if (err instanceof ApiFailure && [404, 405].includes(err.status)) showError(new Error(t("deliveries.noResend")), t("deliveries.resendFailed"), MSG);
    else showError(err, t("deliveries.resendFailed"), MSG);
  }
}

export function wireDeliveries() {
  $("deliveries-refresh").addEventListener("click", loadDeliveries);
  $("d-state").addEventListener("change", loadDeliveries);
}
