"""The editor page in Debian's real Chromium, driven by Playwright (no browser download), against
a real server: uvicorn on a free port in a thread over the test runtime (real Redis, real
database, the real tiny CTranslate2 model for en).

Set KAKEHASHI_SCREENSHOT_DIR (e.g. to bench/screens) to save the main views as PNGs.
"""

# The browser fixtures come from tests/service/browser.py (imported by name, so pytest finds
# them); tests naming them as parameters redefine the imported names, as pytest intends.
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

# Playwright drives Debian's chromium below; its own browser builds are never downloaded.
from playwright.sync_api import (
    BrowserContext,
    FilePayload,
    Page,
    Route,
    expect,
)

from service.runtime import Runtime
from tests.service.browser import (  # noqa: F401  (fixtures used by name)
    CHROMIUM,
    Problems,
    Server,
    api,
    chromium,
    context,
    page,
    playwright,
    problems,
    server,
    sign_in,
    signed_in,
)
from tests.service.conftest import article, auth

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not at /usr/bin/chromium (apt-get install -y chromium, "
        "as .ci/run does): the browser tests of the editor page are skipped",
    ),
]


def screenshot(page: Page, name: str, top: str | None = None) -> None:
    """The viewport as a PNG, with the element `top` scrolled to the top of it."""
    folder = os.environ.get("KAKEHASHI_SCREENSHOT_DIR")
    if folder:
        if top:
            page.locator(top).evaluate("e => e.scrollIntoView({block: 'start'})")
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def open_entry(page: Page, query: str, source: str) -> None:
    page.fill("#search-q", query)
    page.click("#search-form button[type=submit]")
    page.locator("#entries-body button.link", has_text=source).first.click()
    expect(page.locator("#f-source")).to_have_value(source)


def version(api: httpx.Client) -> int:
    listed = api.get("/v1/glossaries").json()
    found: int = next(g for g in listed if g["name"] == "security")["version"]
    return found


# --- 1. sign-in checks the role ------------------------------------------------------------


def test_sign_in_refuses_partner_and_publisher_keys_and_admits_editors(
    server: Server, page: Page, tokens: dict[str, str]
) -> None:
    for role in ("partner", "publisher"):
        sign_in(page, server, tokens[role])
        message = page.locator("#login-msg")
        expect(message).to_contain_text(f"is a {role} key")
        expect(message).to_contain_text("needs an editor key")
        expect(page.locator("#live-alert")).to_contain_text(f"is a {role} key")
        expect(page.locator("#app")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('kakehashi.editor.token')") is None
        if role == "partner":
            screenshot(page, "1-sign-in-refused")

    sign_in(page, server, "not-a-token")
    expect(page.locator("#login-msg")).to_contain_text("unknown or revoked token")
    expect(page.locator("#app")).to_be_hidden()

    signed_in(page, server, tokens["editor"])
    expect(page.locator("#who")).to_have_text("test editor (editor)")
    expect(page.locator("#login-msg")).to_be_empty()
    assert page.evaluate("sessionStorage.getItem('kakehashi.editor.token')") == tokens["editor"]
    assert tokens["editor"] not in page.url
    # An admin key may edit too.
    page.click("#sign-out")
    signed_in(page, server, tokens["admin"])
    expect(page.locator("#who")).to_have_text("test admin (admin)")
    # The favicon is there (no 404 in the browser's console).
    assert page.request.get(f"{server.url}/favicon.ico").status == 200
    # A revoked token kept in the tab: the page says so and shows the sign-in form again.
    page.evaluate("sessionStorage.setItem('kakehashi.editor.token', 'wrong')")
    page.reload()
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#login-msg")).to_contain_text("unknown or revoked")
    assert page.evaluate("sessionStorage.getItem('kakehashi.editor.token')") is None


# --- 2. messages where the eye is ----------------------------------------------------------


def in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return (
        box is not None
        and box["height"] > 0
        and box["y"] >= 0
        and box["y"] + box["height"] <= height
    )


def test_messages_show_beside_the_action_and_in_the_viewport_and_clear_between_views(
    server: Server, page: Page, tokens: dict[str, str], api: httpx.Client, installed_en: None
) -> None:
    page.set_viewport_size({"width": 1280, "height": 560})
    signed_in(page, server, tokens["editor"])
    open_entry(page, "maskirovka", "マスカロフカ")
    before = version(api)
    expect(page.locator("#glossary-info")).to_contain_text(f"v{before}")

    # Ctrl+S from the note field, scrolled to the bottom of the form: the message is next to
    # the form's buttons and the live copy is in the viewport whatever the scroll.
    page.fill("#f-note", "a note saved with Ctrl+S")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.focus("#f-note")
    page.keyboard.press("Control+s")
    expect(page.locator("#entry-msg")).to_contain_text("Saved “マスカロフカ” (revision 2)")
    expect(page.locator("#live-status")).to_contain_text("Saved “マスカロフカ”")
    assert page.evaluate("getComputedStyle(document.getElementById('live')).position") == "fixed"
    assert in_viewport(page, "#entry-msg") or in_viewport(page, "#live")
    # The header's version follows the glossary.
    assert version(api) == before + 1
    expect(page.locator("#glossary-info")).to_contain_text(f"v{before + 1}")

    # Scrolled away from the message, the live copy floats in the viewport instead.
    page.fill("#f-note", "saved again, from the top of the page")
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.getElementById('entry-form').requestSubmit()")
    expect(page.locator("#live-status")).to_contain_text("revision 3")
    page.evaluate("window.scrollTo(0, 0)")
    if not in_viewport(page, "#entry-msg"):
        expect(page.locator("#live")).to_have_class("live shown ok")
        assert in_viewport(page, "#live")
    expect(page.locator("#glossary-info")).to_contain_text(f"v{before + 2}")

    # A preview error (no model for fr) stays with the preview ...
    page.click('.tab[data-tab="preview"]')
    page.select_option("#p-target", "fr")
    page.fill("#p-text", "マスカロフカは古くからの戦術である。")
    page.click("#p-submit")
    expect(page.locator("#preview-msg")).to_contain_text("no model installed for ja:fr")
    expect(page.locator("#live-alert")).to_contain_text("no model installed for ja:fr")
    screenshot(page, "6-preview-error")
    # ... and is gone from the next view: the New-entry form starts clean.
    page.click('.tab[data-tab="entries"]')
    page.click("#new-entry")
    expect(page.locator("#preview-msg")).to_be_empty()
    expect(page.locator("#live-alert")).to_be_empty()
    assert page.locator(".msg.error").count() == 0


# --- 3. errors that name an entry link to it -----------------------------------------------


def test_a_duplicate_term_error_links_to_the_entry_that_has_it(
    server: Server, page: Page, tokens: dict[str, str]
) -> None:
    signed_in(page, server, tokens["editor"])
    page.click("#new-entry")
    page.fill("#f-source", "マスキロフカ")  # an alias of マスカロフカ
    page.fill("#f-t-en", "maskirovka")
    page.click("#save")
    message = page.locator("#entry-msg")
    expect(message).to_contain_text("duplicate_term")
    link = message.locator("button.entry-link")
    expect(link).to_have_text("Open the entry “マスカロフカ”")
    page.once("dialog", lambda dialog: dialog.accept())  # discard the unsaved new entry
    link.click()
    expect(page.locator("#f-source")).to_have_value("マスカロフカ")
    expect(page.locator("#entry-title")).to_have_text("マスカロフカ")
    expect(page.locator("#entry-msg")).to_be_empty()


def test_glossary_text_with_markup_stays_text_everywhere_it_shows(
    server: Server, page: Page, tokens: dict[str, str], api: httpx.Client
) -> None:
    hostile = '<img src=x onerror="window.__pwned=1">'
    created = api.post(
        "/v1/glossaries/security/entries",
        json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship", "fr": hostile}},
    )
    assert created.status_code == 201, created.text
    signed_in(page, server, tokens["editor"])
    open_entry(page, "瀬戸際外交", "瀬戸際外交")
    expect(page.locator("#f-t-fr")).to_have_value(hostile)
    expect(page.locator("#entries-body")).to_contain_text(hostile)
    expect(page.locator("#history")).to_contain_text(hostile)
    # In an error message too: a duplicate of an entry whose source carries markup.
    page.click("#new-entry")
    page.fill("#f-source", "瀬戸際外交")
    page.fill("#f-t-en", hostile)
    page.click("#save")
    expect(page.locator("#entry-msg")).to_contain_text("duplicate_term")
    assert page.locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None


# --- 4. impact before saving ---------------------------------------------------------------


def test_the_impact_of_a_change_shows_before_saving(
    server: Server, page: Page, tokens: dict[str, str], api: httpx.Client
) -> None:
    publisher = auth(tokens["publisher"])
    for n in range(3):
        body = article(f"a-{n}", title=f"記事{n}: マスカロフカの時代")
        assert api.post("/v1/articles", json=body, headers=publisher).status_code == 202
    other = article("b-1", title="偽装の歴史", body="偽装工作は古い。", summary=None)
    assert api.post("/v1/articles", json=other, headers=publisher).status_code == 202
    signed_in(page, server, tokens["editor"])
    open_entry(page, "maskirovka", "マスカロフカ")
    expect(page.locator("#impact")).to_be_hidden()
    revision = page.locator("#entry-meta").inner_text()

    page.fill("#f-t-en", "maskirovka (strategic deception)")
    impact = page.locator("#impact")
    expect(impact).to_contain_text(
        "Saving re-translates 3 articles into en, fr (6 translation jobs)"
    )
    expect(impact.locator("li")).to_have_count(3)
    expect(impact).to_contain_text("記事2: マスカロフカの時代")
    # Nothing was saved by asking.
    assert page.locator("#entry-meta").inner_text() == revision
    entry = api.get("/v1/glossaries/security/entries", params={"q": "maskirovka"}).json()
    assert entry["items"][0]["targets"]["en"] == "maskirovka"

    # A new alias that other articles use widens the impact; reverting hides it.
    page.fill("#f-aliases", "マスキロフカ\n偽装工作")
    expect(impact).to_contain_text(
        "Saving re-translates 4 articles into en, fr (8 translation jobs)"
    )
    expect(impact).to_contain_text("3 use the term now; 4 would match it after the change")
    expect(impact.locator("li")).to_have_count(4)
    expect(impact).to_contain_text("偽装の歴史")
    page.once("dialog", lambda dialog: dialog.accept())  # discard the edit
    page.click("#revert")
    expect(impact).to_be_hidden()


# --- 5. the preview's verdict is the service's ---------------------------------------------

CLEAN = {"paragraph": 0, "flags": [], "terms": []}


def _answer(needs_review: bool, reasons: list[str] | None) -> dict[str, object]:
    segments = [
        {**CLEAN, "source": "最初の文。", "translation": "The first sentence."},
        {
            **CLEAN,
            "source": "二番目の文。",
            "translation": "二番目 二番目 二番目",
            "flags": ["untranslated", "repetition"],
        },
    ]
    answer: dict[str, object] = {
        "segments": segments,
        "route": ["ja", "en"],
        "needs_review": needs_review,
        "without_glossary": {"segments": segments, "route": ["ja", "en"], "needs_review": False},
    }
    if reasons is not None:
        answer["review_reasons"] = reasons
    return answer


def _fulfil(answer: dict[str, object]) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer))

    return handle


def test_the_preview_badge_is_the_services_verdict_with_flagged_sentences_first(
    server: Server, page: Page, tokens: dict[str, str], api: httpx.Client, installed_en: None
) -> None:
    signed_in(page, server, tokens["editor"])
    page.click('.tab[data-tab="preview"]')
    text = "瀬戸際外交が続いた。\n\nマスカロフカは古くからの戦術である。"

    # With the real engine (the tiny random model): the badge says what the service says.
    page.select_option("#p-target", "en")
    page.fill("#p-text", text)
    page.click("#p-submit")
    rows = page.locator("table.preview tbody tr")
    expect(rows).to_have_count(2, timeout=60_000)
    real = api.post(
        "/v1/translate", json={"text": text, "to": "en", "glossary": True, "compare": True}
    ).json()
    badge = page.locator(".summary .review")
    flags = {f for s in real["segments"] for f in s["flags"]}
    if real["needs_review"]:
        expect(badge).to_have_text("needs review")
    elif flags:
        expect(badge).to_have_text("no review required")
    else:
        expect(badge).to_have_text("no review needed")
    flagged = page.locator("table.preview tbody tr.flagged")
    expected = sum(
        1 for s in real["segments"] if s["flags"] or any(not t["present"] for t in s["terms"])
    )
    expect(flagged).to_have_count(expected)
    screenshot(page, "5-preview")

    # The three shapes of an answer, shown as the service means them. The answers are fixed
    # here (a random model cannot be steered into each case); the rendering is the page's own.
    cases = [
        (_answer(False, None), "no review required", "advisory flags: untranslated, repetition"),
        (
            _answer(True, ["2 of 2 segments repetition"]),
            "needs review",
            "2 of 2 segments repetition",
        ),
        (_answer(True, None), "needs review", "1 flagged sentence, listed first"),
    ]
    for answer, verdict, detail in cases:
        page.route("**/v1/translate", _fulfil(answer))
        page.click("#p-submit")
        expect(page.locator(".summary .review")).to_have_text(verdict)
        expect(page.locator(".summary")).to_contain_text(detail)
        expect(page.locator(".summary .badge.ok")).to_have_count(0)  # never green beside flags
        first = page.locator("table.preview tbody tr").first
        expect(first).to_have_class("flagged")  # the second sentence, flagged, comes first
        expect(first.locator("td.number")).to_have_text("2")
        page.unroute("**/v1/translate")
    clean = {**_answer(False, []), "segments": [{**CLEAN, "source": "文。", "translation": "A."}]}
    page.route("**/v1/translate", _fulfil(clean))
    page.click("#p-submit")
    expect(page.locator(".summary .review")).to_have_text("no review needed")
    expect(page.locator(".summary .review")).to_have_class("badge ok review")


# --- 3b. import with a dry run, then apply; export in every format -------------------------

GOOD_DEEPL = "マスカロフカ\tmaskirovka (deception)\n架け橋外交\tbridge diplomacy\n"
BAD_DEEPL = "マスカロフカ\tmaskirovka (deception)\n架け橋外交\t\n"


def choose_file(page: Page, name: str, text: str) -> None:
    page.set_input_files(
        "#i-file",
        files=[FilePayload(name=name, mimeType="text/tab-separated-values", buffer=text.encode())],
    )


def test_import_checks_the_file_first_and_applies_only_a_clean_one(
    server: Server, page: Page, tokens: dict[str, str], api: httpx.Client
) -> None:
    signed_in(page, server, tokens["editor"])
    page.click('.tab[data-tab="transfer"]')
    message = page.locator("#import-msg")

    # A DeepL file without its language: the message names the parameter to add.
    choose_file(page, "deepl.tsv", GOOD_DEEPL)
    page.click("#i-check")
    expect(message).to_contain_text("target_lang")
    expect(page.locator("#i-apply")).to_be_disabled()

    # One bad line: the line is shown, nothing can be applied, nothing changed.
    before = version(api)
    page.fill("#i-lang", "en")
    choose_file(page, "deepl.tsv", BAD_DEEPL)
    page.click("#i-check")
    expect(message).to_contain_text("1 invalid line(s); nothing was imported")
    expect(page.locator("table.line-errors tbody tr")).to_have_count(1)
    expect(page.locator("table.line-errors tbody td").first).to_have_text("2")
    expect(page.locator("#i-apply")).to_be_disabled()
    assert version(api) == before

    # The fixed file: the dry-run diff, then apply.
    choose_file(page, "deepl.tsv", GOOD_DEEPL)
    page.click("#i-check")
    out = page.locator("#import-out")
    expect(out).to_contain_text("1 added, 1 changed, 0 removed, 0 unchanged")
    # Each entry is its term and, since the service answers them, its fields before → after.
    expect(out.locator(".import-group.added li > span")).to_have_text(["架け橋外交"])
    expect(out.locator(".import-group.changed li > span")).to_have_text(["マスカロフカ"])
    expect(out.locator(".import-group.changed table.diff th[scope=row]")).to_have_text(
        ["targets.en"]
    )
    expect(page.locator("#i-apply")).to_be_enabled()
    assert version(api) == before  # a dry run changes nothing
    # Changing an option after the check asks for a new check.
    page.check("#i-replace")
    expect(page.locator("#i-apply")).to_be_disabled()
    page.uncheck("#i-replace")
    page.click("#i-check")
    expect(page.locator("#i-apply")).to_be_enabled()
    page.click("#i-apply")
    expect(message).to_contain_text("Imported deepl.tsv into security: 1 added, 1 changed")
    expect(out).to_contain_text("Imported: 1 added, 1 changed")
    assert version(api) == before + 1
    expect(page.locator("#glossary-info")).to_contain_text(f"v{before + 1}")
    found = api.get("/v1/glossaries/security/entries", params={"q": "架け橋外交"}).json()
    assert found["items"][0]["targets"] == {"en": "bridge diplomacy"}


@pytest.mark.parametrize(
    ("fmt", "lang", "header"),
    [
        ("kakehashi-tsv", "", "source\t"),
        ("kakehashi-csv", "", "source,"),
        ("deepl-tsv", "en", "マスカロフカ\tmaskirovka"),
        ("deepl-csv", "en", "マスカロフカ,maskirovka"),
        ("aws-tsv", "", "ja\t"),
        ("aws-csv", "", "ja,"),
    ],
)
def test_export_downloads_each_format(
    server: Server,
    page: Page,
    tokens: dict[str, str],
    api: httpx.Client,
    fmt: str,
    lang: str,
    header: str,
) -> None:
    signed_in(page, server, tokens["editor"])
    page.click('.tab[data-tab="transfer"]')
    page.select_option("#e-format", fmt)
    page.fill("#e-lang", lang)
    with page.expect_download() as download:
        page.click("#e-submit")
    saved = download.value
    extension = fmt.rsplit("-", 1)[1]
    assert saved.suggested_filename == f"security.{fmt}.{extension}"
    text = Path(saved.path()).read_text(encoding="utf-8")
    params = {"format": fmt, **({"target_lang": lang} if lang else {})}
    assert text == api.get("/v1/glossaries/security/export", params=params).text
    assert header in text and "マスカロフカ" in text
    expect(page.locator("#export-msg")).to_contain_text(f"Downloaded security.{fmt}.{extension}")


# --- the whole day, in one session ---------------------------------------------------------


def test_a_full_editor_session(
    server: Server,
    context: BrowserContext,
    problems: Problems,
    tokens: dict[str, str],
    api: httpx.Client,
    installed_en: None,
) -> None:
    publisher = auth(tokens["publisher"])
    for n in range(2):
        body = article(f"s-{n}", title=f"時間稼ぎの分析 {n}")
        assert api.post("/v1/articles", json=body, headers=publisher).status_code == 202
    page = problems.watch(context.new_page())

    # A partner key is refused at the door; the editor's key opens the page.
    sign_in(page, server, tokens["partner"])
    expect(page.locator("#login-msg")).to_contain_text("is a partner key")
    expect(page.locator("#app")).to_be_hidden()
    signed_in(page, server, tokens["editor"])
    screenshot(page, "0-signed-in")

    # Search マスカロフカ and open it.
    open_entry(page, "マスカロフカ", "マスカロフカ")
    expect(page.locator("#history")).to_contain_text("kakehashi (shipped)")
    expect(page.locator("#usage")).to_contain_text("時間稼ぎの分析")
    screenshot(page, "2-entry")

    # Edit the English rendering: the impact shows before saving, then save.
    page.fill("#f-t-en", "maskirovka (deception)")
    expect(page.locator("#impact")).to_contain_text(
        "Saving re-translates 2 articles into en, fr (4 translation jobs)"
    )
    screenshot(page, "3-impact", top="#f-aliases")
    page.click("#save")
    expect(page.locator("#entry-msg")).to_contain_text(
        "2 articles affected, 4 translation jobs queued"
    )
    expect(page.locator("#impact")).to_be_hidden()

    # A second tab changes the note meanwhile.
    other = problems.watch(context.new_page())
    signed_in(other, server, tokens["editor"])
    open_entry(other, "マスカロフカ", "マスカロフカ")
    other.fill("#f-note", "Russian military deception doctrine")
    other.click("#save")
    expect(other.locator("#entry-msg")).to_contain_text("Saved “マスカロフカ”")

    # This tab's next save meets the conflict, re-applies its edit and saves.
    page.bring_to_front()
    page.fill("#f-t-en", "maskirovka")
    page.click("#save")
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else changed this entry")
    expect(conflict).to_contain_text("Russian military deception doctrine")
    screenshot(page, "4-conflict", top="#entry-form")
    conflict.locator("button", has_text="Re-apply my edit").click()
    expect(page.locator("#f-note")).to_have_value("Russian military deception doctrine")
    expect(page.locator("#f-t-en")).to_have_value("maskirovka")
    page.click("#save")
    expect(page.locator("#entry-msg")).to_contain_text("(revision 4)")
    entry = api.get("/v1/glossaries/security/entries", params={"q": "マスカロフカ"}).json()
    assert entry["items"][0]["note"] == "Russian military deception doctrine"
    assert entry["items"][0]["targets"]["en"] == "maskirovka"

    # Import a DeepL file with one bad line: the error shows and nothing is applied.
    before = version(api)
    page.click('.tab[data-tab="transfer"]')
    page.fill("#i-lang", "en")
    choose_file(page, "desk-terms.tsv", BAD_DEEPL)
    page.click("#i-check")
    expect(page.locator("#import-msg")).to_contain_text("nothing was imported")
    expect(page.locator("table.line-errors")).to_contain_text("架け橋外交")
    expect(page.locator("#i-apply")).to_be_disabled()
    screenshot(page, "7-import-error")
    assert version(api) == before
    # Fixed: the dry run shows the diff, then it is applied.
    choose_file(page, "desk-terms.tsv", GOOD_DEEPL)
    page.click("#i-check")
    expect(page.locator("#import-out")).to_contain_text("1 added, 1 changed")
    screenshot(page, "8-import-diff")
    page.click("#i-apply")
    expect(page.locator("#import-msg")).to_contain_text("Imported desk-terms.tsv")
    expect(page.locator("#glossary-info")).to_contain_text(f"v{before + 1}")

    # Export, with the imported rendering in it.
    page.select_option("#e-format", "kakehashi-tsv")
    with page.expect_download() as download:
        page.click("#e-submit")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "maskirovka (deception)" in exported and "bridge diplomacy" in exported

    # The history tells the day: shipped, two saves, the other tab's note, the import.
    page.click('.tab[data-tab="entries"]')
    open_entry(page, "マスカロフカ", "マスカロフカ")
    history = page.locator("#history ol.history > li")
    expect(history).to_have_count(5)
    expect(page.locator("#history")).to_contain_text("import-update")
    expect(page.locator("#history")).to_contain_text("test editor")
    screenshot(page, "9-history", top="#entry-extra")

    # The page fits a 390 px phone without sideways scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("window.scrollTo(0, 0)")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 391)"
        ".map(e => `${e.tagName}#${e.id}.${e.className}`).slice(0, 12)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"too wide: {wide}"
    screenshot(page, "10-phone")

    # The suggestions view loads (its own module) and starts without the last view's messages.
    page.click('.tab[data-tab="suggestions"]')
    expect(page.locator("#suggestions")).to_contain_text(
        re.compile("No suggestions for this glossary|Variant of")
    )
    assert page.locator(".msg.error").count() == 0


# --- the Review view ------------------------------------------------------------------------


def test_the_review_view_corrects_a_sentence_and_approves(
    page: Page,
    server: Server,
    api: httpx.Client,
    tokens: dict[str, str],
    runtime: Runtime,
    installed_en: None,
) -> None:
    from sqlalchemy import select

    from service.jobs.translate_job import run_job
    from service.store.tables import Job

    publisher = auth(tokens["publisher"])
    api.post("/v1/glossaries", json={"name": "desk"})
    api.post(
        "/v1/glossaries/desk/entries",
        json={"source": "瀬戸際外交", "targets": {"en": "brinkmanship"}},
    )
    body = "瀬戸際外交が続いている。\n\n会談は<b>予定通り</b>行われた。"
    posted = api.post(
        "/v1/articles", headers=publisher, json=article("rv-1", body=body, summary=None)
    )
    assert posted.status_code == 202
    with runtime.sessions() as session:
        ids = list(
            session.scalars(select(Job.id).where(Job.state == "queued", Job.target_lang == "en"))
        )
    for job_id in ids:
        run_job(runtime.jobs, job_id)

    signed_in(page, server, tokens["editor"])
    page.click('.tab[data-tab="review"]')
    expect(page.locator("#review-count")).to_contain_text("1 translation awaiting review")
    page.locator("#reviews-list button.queue-item").first.click()
    rows = page.locator("#review-detail li.sentence")
    expect(rows.first).to_be_visible()
    target = rows.filter(has_text="瀬戸際外交が続いている。")
    # The glossary term is marked in the Japanese, with its rendering as a hint.
    mark = target.locator("mark")
    expect(mark).to_have_text("瀬戸際外交")
    expect(mark).to_have_attribute("title", "→ brinkmanship")
    # Markup in the source stays text.
    expect(page.locator("#review-detail li.sentence b")).to_have_count(0)
    # Nothing changed: "with corrections" refuses and sends nothing.
    page.click("#approve-corrected")
    expect(page.locator("#review-msg")).to_contain_text("no sentence was changed")
    target.locator("textarea").fill("The brinkmanship goes on.")
    screenshot(page, "11-review", "#tab-review")
    page.click("#approve-corrected")
    expect(page.locator("#review-msg")).to_contain_text("1 corrected sentence")
    expect(page.locator("#review-count")).to_have_text("Nothing awaits review.")

    history = api.get("/v1/reviews/rv-1/en/history").json()
    assert [(h["action"], h["actor"]) for h in history] == [("correct", "test editor")]
    assert history[0]["details"]["corrections"][0]["after"] == "The brinkmanship goes on."
    memory = api.get("/v1/memory").json()
    assert [(m["source"], m["translation"]) for m in memory] == [
        ("瀬戸際外交が続いている。", "The brinkmanship goes on.")
    ]
    seen = httpx.get(
        f"{server.url}/v1/articles/rv-1/translations/en", headers=auth(tokens["partner"])
    )
    assert seen.status_code == 200 and "The brinkmanship goes on." in seen.json()["body"]
