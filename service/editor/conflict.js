// The three-column conflict screen of a 412: when the editor opened the entry, now, and the
// editor's edit, with "re-apply my edit" to the current version.

import { $, ApiFailure, actions, api, clear, el, glossaryPath, when } from "./api.js";
import { clearMessages, say, showError } from "./messages.js";
import { changedRows, loadExtras, valueCell } from "./history.js";
import { SCALARS, clearImpact, closeEntry, showEntryForm, valuesOf } from "./entry.js";
import { t } from "./i18n.js";

const MSG = "entry-msg";

// An editor's edit as a set of changes, so that it can be re-applied on a newer version.
function changeSet(base, values) {
  const set = { fields: {}, targets: {}, added: [], removed: [] };
  for (const key of SCALARS) if (values[key] !== base[key]) set.fields[key] = values[key];
  for (const lang of new Set([...Object.keys(base.targets), ...Object.keys(values.targets)])) {
    if ((base.targets[lang] || "") !== (values.targets[lang] || "")) set.targets[lang] = values.targets[lang] || null;
  }
  set.added = values.aliases.filter((a) => !base.aliases.includes(a));
  set.removed = base.aliases.filter((a) => !values.aliases.includes(a));
  return set;
}

function applyChangeSet(base, set) {
  const out = { ...base, ...set.fields, targets: { ...base.targets }, aliases: base.aliases.filter((a) => !set.removed.includes(a)) };
  for (const [lang, text] of Object.entries(set.targets)) {
    if (text === null) delete out.targets[lang];
    else out.targets[lang] = text;
  }
  for (const alias of set.added) if (!out.aliases.includes(alias)) out.aliases.push(alias);
  return out;
}

// `original`: the version the editor started from; `mine`: the editor's values (null: a delete).
export async function conflict(original, mine) {
  let current;
  try {
    current = await api("GET", glossaryPath("entries", original.id));
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) {
      closeEntry();
      showError(new Error(t("conflict.deleted")), t("conflict.notSaved"), "list-msg");
      await actions.changed();
    } else {
      showError(err, t("conflict.readFailed"), MSG);
    }
    return;
  }
  clearMessages();
  clearImpact();
  const set = mine ? changeSet(valuesOf(original), mine) : null;
  const box = clear($("conflict"));
  box.setAttribute("role", "alert");
  box.append(
    el("h3", { text: t("conflict.title") }),
    el("p", {
      text:
        t("conflict.text", { now: current.revision, opened: original.revision, when: when(current.updated_at) }) +
        " " +
        t(mine ? "conflict.notSavedValues" : "conflict.notDeletedValues"),
    }),
  );
  const headers = [t("history.field"), t("conflict.opened"), t("conflict.now")];
  const versions = [valuesOf(original), valuesOf(current)];
  if (mine) {
    headers.push(t("conflict.yours"));
    versions.push(mine);
  }
  const rows = changedRows(...versions);
  box.append(
    el(
      "table",
      { class: "diff" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
      el(
        "tbody",
        {},
        rows.length
          ? rows.map(([label, opened, now, yours]) =>
              el(
                "tr",
                {},
                el("th", { scope: "row", text: label }),
                valueCell(opened),
                valueCell(now),
                mine ? (yours === opened ? el("td", { class: "muted", text: t("conflict.unchanged") }) : valueCell(yours)) : null,
              ),
            )
          : el("tr", {}, el("td", { colspan: headers.length, class: "muted", text: t("conflict.noDiff") })),
      ),
    ),
  );
  const actionsRow = el("div", { class: "actions" });
  const reopen = (values, message, focus) => {
    showEntryForm(current, values);
    say(message, MSG);
    $(focus).focus();
    loadExtras(current);
  };
  if (mine) {
    actionsRow.append(
      el("button", {
        type: "button",
        text: t("conflict.reapply"),
        onclick: () =>
          reopen(applyChangeSet(valuesOf(current), set), t("conflict.reapplied", { n: current.revision }), "save"),
      }),
      el("button", {
        type: "button",
        class: "secondary",
        text: t("conflict.discard"),
        onclick: () => reopen(undefined, t("conflict.discarded", { n: current.revision }), "entry-title"),
      }),
    );
  } else {
    actionsRow.append(
      el("button", {
        type: "button",
        text: t("conflict.show"),
        onclick: () => reopen(undefined, t("conflict.shown", { n: current.revision }), "entry-title"),
      }),
    );
  }
  box.append(actionsRow);
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
  box.querySelector("button").focus();
  await actions.changed(); // the glossary's version moved on
}
