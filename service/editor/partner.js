// The View-as-partner view (admin): a partner key's feed, first page, as the partner gets it.

import { $, api, clear, el } from "./api.js";
import { fmtDate, t } from "./i18n.js";
import { showError } from "./messages.js";

const MSG = "partner-msg";

export async function loadPartners() {
  try {
    const keys = await api("GET", "v1/partner-view");
    const select = clear($("pv-key"));
    for (const key of keys) {
      const scope = [key.languages ? key.languages.join(", ") : t("partner.allLangs"), key.sections ? key.sections.join(", ") : t("partner.allSections")];
      select.append(el("option", { value: String(key.id) }, `${key.name} (#${key.id}) · ${scope.join(" · ")}`));
    }
    if (!keys.length) select.append(el("option", { value: "" }, t("partner.noKeys")));
  } catch (err) {
    showError(err, t("partner.loadFailed"), MSG);
  }
}

async function show() {
  const key = $("pv-key").value;
  const lang = $("pv-lang").value.trim() || "en";
  if (!key) return;
  try {
    const feed = await api("GET", `v1/partner-view/${encodeURIComponent(key)}/${encodeURIComponent(lang)}`);
    const out = clear($("partner-out"));
    out.append(
      el("p", { class: "muted", text: t(feed.more ? "partner.countMore" : "partner.count", { n: feed.items.length, name: feed.key.name, lang }) }),
      el(
        "ol",
        { class: "partner-items" },
        feed.items.map((item) =>
          el(
            "li",
            {},
            el("a", { href: item.url, target: "_blank", rel: "noopener noreferrer", lang, text: item.title }),
            " ",
            item.needs_review ? el("span", { class: "chip flag", text: t("partner.needsReview") }) : null,
            el("div", { class: "muted small", text: `${item.id} · ${fmtDate(item.updated)} · ${item.categories.join(", ")}` }),
          ),
        ),
      ),
    );
  } catch (err) {
    clear($("partner-out"));
    showError(err, t("partner.feedFailed"), MSG);
  }
}

export function wirePartner() {
  $("partner-form").addEventListener("submit", (event) => {
    event.preventDefault();
    show();
  });
}
