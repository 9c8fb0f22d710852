// kakehashi glossary editor: vanilla ES modules, no dependencies. This module wires the views
// together; each view lives in its own module (sign-in, list, entry, history, suggestions,
// import/export, preview) over api.js and messages.js.

import { $, TOKEN_KEY, actions, state } from "./api.js";
import { clearMessages, dismissLive, say, showError } from "./messages.js";
import { refreshGlossaries, selectGlossary, showLogin, signIn, signOut } from "./signin.js";
import { loadEntries, page, search } from "./list.js";
import { addLanguage, confirmDiscard, deleteEntry, isDirty, newEntry, openEntry, revert, saveEntry, scheduleImpact, showImpact } from "./entry.js";
import { loadSuggestions } from "./suggestions.js";
import { applyImport, checkImport, exportGlossary, importOptionsChanged, resetTransfer } from "./transfer.js";
import { preview } from "./preview.js";
import { loadReviews, wireReview } from "./review.js";
import { confirmLeave } from "./review_detail.js";
import { loadMemory, wireMemory } from "./memory.js";
import { loadDeliveries, wireDeliveries } from "./deliveries.js";
import { loadPartners, wirePartner } from "./partner.js";
import { preferredLocale, setLocale, t } from "./i18n.js";

function switchTab(name) {
  if (state.tab === "review" && name !== "review" && !confirmLeave()) return;
  if (state.tab !== name) clearMessages(); // each view starts without the last one's messages
  state.tab = name;
  for (const tab of document.querySelectorAll(".tab")) {
    const on = tab.dataset.tab === name;
    if (on) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
    $(`tab-${tab.dataset.tab}`).hidden = !on;
  }
  if (name === "suggestions") loadSuggestions();
  if (name === "transfer") resetTransfer();
  if (name === "review") loadReviews();
  if (name === "memory") loadMemory();
  if (name === "deliveries") loadDeliveries();
  if (name === "partner") loadPartners();
}

// After every change to the glossary: the header's count and version, and the list.
async function changed() {
  try {
    await refreshGlossaries();
    await loadEntries();
  } catch (err) {
    showError(err, t("main.refreshFailed"), "list-msg");
  }
}

Object.assign(actions, { openEntry, signOut, changed, switchTab });

function guard(fn, context, area) {
  return async (event) => {
    try {
      await fn(event);
    } catch (err) {
      showError(err, t(context), area);
    }
  };
}

function wire() {
  wireReview();
  wireMemory();
  wireDeliveries();
  wirePartner();
  $("locale-select").addEventListener("change", async (event) => {
    await setLocale(event.target.value, true);
    if (state.me) switchTab(state.tab);
  });
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token-input").value.trim();
    if (!token) return;
    if (await signIn(token)) {
      $("token-input").value = "";
      say(t("main.signedIn", { name: state.me.name, role: t(`role.${state.me.role}`) }), "list-msg");
      $("glossary-select").focus();
    }
  });
  $("sign-out").addEventListener("click", () => {
    if (confirmDiscard()) signOut(true);
  });
  $("live-close").addEventListener("click", dismissLive);
  $("glossary-select").addEventListener(
    "change",
    guard(async (event) => {
      if (!confirmDiscard()) {
        event.target.value = state.glossary;
        return;
      }
      clearMessages();
      await selectGlossary(event.target.value);
    }, "main.openGlossaryFailed", "list-msg"),
  );
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => switchTab(tab.dataset.tab));
  }
  $("search-form").addEventListener(
    "submit",
    guard(async (event) => {
      event.preventDefault();
      clearMessages();
      await search();
    }, "main.searchFailed", "list-msg"),
  );
  $("prev-page").addEventListener("click", guard(() => page(-1), "main.pageFailed", "list-msg"));
  $("next-page").addEventListener("click", guard(() => page(1), "main.pageFailed", "list-msg"));
  $("new-entry").addEventListener("click", newEntry);
  $("entry-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveEntry();
  });
  $("entry-form").addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      saveEntry();
    }
  });
  $("entry-form").addEventListener("input", scheduleImpact);
  $("entry-form").addEventListener("change", scheduleImpact);
  $("impact-check").addEventListener("click", showImpact);
  $("revert").addEventListener("click", revert);
  $("delete").addEventListener("click", deleteEntry);
  $("add-lang").addEventListener("click", addLanguage);
  $("f-new-lang").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addLanguage();
    }
  });
  $("refresh-suggestions").addEventListener("click", loadSuggestions);
  $("import-form").addEventListener("submit", (event) => {
    event.preventDefault();
    checkImport();
  });
  $("import-form").addEventListener("change", importOptionsChanged);
  $("import-form").addEventListener("input", importOptionsChanged);
  $("i-apply").addEventListener("click", applyImport);
  $("export-form").addEventListener("submit", (event) => {
    event.preventDefault();
    exportGlossary();
  });
  $("preview-form").addEventListener("submit", (event) => {
    event.preventDefault();
    preview();
  });
  window.addEventListener("beforeunload", (event) => {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

async function start() {
  try {
    await setLocale(preferredLocale());
  } catch (err) {
    showError(err, "The page's messages could not be loaded", "login-msg");
  }
  $("locale-select").value = document.documentElement.lang;
  wire();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    showLogin(false);
    if (!(await signIn(token))) signOut(false);
  } else {
    showLogin(true);
  }
}

start();
