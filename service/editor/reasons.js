// Review reasons and sentence flags in words: a short label and a one-line explanation from the
// message catalogue, instead of the service's codes (`too-many-flags:number-mismatch`).

import { has, t } from "./i18n.js";

const SHARE = "too-many-flags:";

export function flagLabel(flag) {
  return has(`flag.${flag}`) ? t(`flag.${flag}`) : flag;
}

export function reasonLabel(code) {
  if (code.startsWith(SHARE)) return t("reason.share", { flag: flagLabel(code.slice(SHARE.length)) });
  return has(`reason.${code}`) ? t(`reason.${code}`) : flagLabel(code);
}

export function reasonExplanation(code) {
  if (code.startsWith(SHARE)) return t("reason.shareHelp", { flag: flagLabel(code.slice(SHARE.length)) });
  return has(`reasonHelp.${code}`) ? t(`reasonHelp.${code}`) : "";
}
