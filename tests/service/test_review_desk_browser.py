"""The review desk and the other views in Debian's real Chromium (Playwright, no browser download),
against a real server over the test runtime (real Redis, real database, the tiny real
CTranslate2 model): no typed correction is lost, a queue of 20 is cleared with the keyboard
alone, the page is fully Japanese for a Japanese browser, axe-core finds no serious or critical
violation in any view, and every view is photographed at 1280 and 390 px (with
KAKEHASHI_SCREENSHOT_DIR set, e.g. to bench/screens).
"""

# The browser fixtures come from tests/service/browser.py (imported by name, so pytest finds them);
# tests naming them as parameters redefine the imported names, as pytest intends.
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.store.tables import Job, Translation
from tests.service.browser import (  # noqa: F401  (fixtures used by name)
    CHROMIUM,
    CHROMIUM_ARGS,
    Problems,
    Server,
    api,
    chromium,
    context,
    page,
    playwright,
    problems,
    server,
    signed_in,
)
from tests.service.conftest import article, auth

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not at /usr/bin/chromium (apt-get install -y chromium): "
        "the browser tests of the review desk are skipped",
    ),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, BrowserContext, Page, expect

EDITOR_DIR = Path(__file__).resolve().parents[2] / "service" / "web" / "editor"


def publish(api: httpx.Client, tokens: dict[str, str], runtime: Runtime, ids: list[str]) -> None:
    """Articles sent by the publisher and translated by the tiny engine (all need review)."""
    publisher = auth(tokens["publisher"])
    for article_id in ids:
        sent = api.post(
            "/v1/articles",
            headers=publisher,
            json=article(article_id, body=f"{article_id}の記事。会談は予定通り行われた。"),
        )
        assert sent.status_code == 202, sent.text
        with runtime.sessions() as session:
            queued = list(
                session.scalars(
                    select(Job.id).where(Job.state == "queued", Job.target_lang == "en")
                )
            )
        for job_id in queued:
            run_job(runtime.jobs, job_id)


def open_review(page: Page) -> None:
    page.click('.tab[data-tab="review"]')
    expect(page.locator("#reviews-list button.queue-item").first).to_be_visible()


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("KAKEHASHI_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


# --- 1. no lost work ---------------------------------------------------------------------------


def test_approve_as_is_with_a_typed_correction_asks_and_the_correction_reaches_partners(
    page: Page,
    server: Server,
    api: httpx.Client,
    tokens: dict[str, str],
    runtime: Runtime,
    installed_en: None,
) -> None:
    publish(api, tokens, runtime, ["nl-1", "nl-2"])
    signed_in(page, server, tokens["editor"])
    open_review(page)
    page.locator("#reviews-list button.queue-item").first.click()
    box = page.locator("#review-detail textarea.segment-text").last
    box.fill("The talks took place as planned.")
    page.click("#approve-as-is")
    dialog = page.locator("#review-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("You corrected 1 sentence")
    screenshot(page, "review-ask-1280")
    page.click("#dialog-save")
    expect(page.locator("#review-msg")).to_contain_text("1 corrected sentence")
    seen = httpx.get(
        f"{server.url}/v1/articles/nl-1/translations/en", headers=auth(tokens["partner"])
    )
    assert seen.status_code == 200 and "The talks took place as planned." in seen.json()["body"]

    # The next one opened by itself. A correction typed there survives a reload (a draft).
    expect(page.locator("#review-detail h3")).to_contain_text("モスクワ")
    page.locator("#review-detail textarea.segment-text").last.fill("A draft I must not lose.")
    asked: list[str] = []

    def answer(d: Any) -> None:
        # Leaving the page: leave (the draft is kept); leaving the view: stay.
        if d.type == "beforeunload":
            d.accept()
        else:
            asked.append(d.message)
            d.dismiss()

    page.on("dialog", answer)
    page.reload()
    expect(page.locator("#app")).to_be_visible()
    open_review(page)
    page.locator("#reviews-list button.queue-item").first.click()
    expect(page.locator("#review-detail textarea.segment-text").last).to_have_value(
        "A draft I must not lose."
    )
    expect(page.locator("#review-draft")).to_contain_text("restored")
    # Leaving the dirty view asks: refused, the editor stays with the text.
    page.click('.tab[data-tab="entries"]')
    assert asked and "draft" in asked[0]
    expect(page.locator("#tab-review")).to_be_visible()
    # "Approve as is" with the draft, then "discard": the machine text is approved, as asked.
    page.click("#approve-as-is")
    page.click("#dialog-discard")
    expect(page.locator("#review-msg")).to_contain_text("as is")
    history = api.get("/v1/reviews/nl-2/en/history").json()
    assert [(h["action"], h["details"]["corrections"]) for h in history] == [("approve", [])]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('review.draft'))") == []


def test_a_second_reviewer_gets_a_conflict_and_keeps_the_corrections(
    page: Page,
    server: Server,
    api: httpx.Client,
    tokens: dict[str, str],
    runtime: Runtime,
    installed_en: None,
) -> None:
    publish(api, tokens, runtime, ["cf-1"])
    signed_in(page, server, tokens["editor"])
    open_review(page)
    page.locator("#reviews-list button.queue-item").first.click()
    page.locator("#review-detail textarea.segment-text").last.fill("My careful correction.")
    # Meanwhile the translation changes under the editor (as a re-translation would).
    with runtime.sessions() as session:
        row = session.scalars(select(Translation).where(Translation.article_id == "cf-1")).one()
        row.report = {**row.report, "touched": True}
        session.commit()
    page.click("#approve-corrected")
    conflict = page.locator("#review-conflict")
    expect(conflict).to_contain_text("Someone else changed this translation")
    page.click("#conflict-reload")
    expect(page.locator("#review-detail textarea.segment-text").last).to_have_value(
        "My careful correction."
    )
    page.click("#approve-corrected")
    expect(page.locator("#review-msg")).to_contain_text("1 corrected sentence")


# --- 2. throughput: 20 with the keyboard alone --------------------------------------------------


def test_an_editor_clears_twenty_flagged_translations_with_the_keyboard_alone(
    page: Page,
    server: Server,
    api: httpx.Client,
    tokens: dict[str, str],
    runtime: Runtime,
    installed_en: None,
) -> None:
    publish(api, tokens, runtime, [f"kb-{n:02d}" for n in range(20)])
    signed_in(page, server, tokens["editor"])
    open_review(page)
    expect(page.locator("#review-count")).to_have_text("20 translations awaiting review")
    page.keyboard.press("j")
    expect(page.locator("#review-detail h3")).to_be_visible()
    page.keyboard.press("n")  # the next flagged sentence takes the focus
    assert page.evaluate("document.activeElement.classList.contains('segment-text')")
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    page.keyboard.press("j")
    for left in range(19, -1, -1):
        page.keyboard.press("a")
        expected = f"{left} translation" if left else "Nothing awaits review."
        expect(page.locator("#review-count")).to_contain_text(expected)
    assert api.get("/v1/reviews").json()["items"] == []
    assert api.get("/v1/reviews/facets").json()["total"] == 0


# --- 3. Japanese ------------------------------------------------------------------------------


ENGLISH = re.compile(
    r"\b(Approve|Reject|Review|Search|Entries|Language|Sign in|Translations awaiting|"
    r"Keyboard shortcuts|Skip|Glossary)\b"
)


def test_the_page_is_in_japanese_for_a_japanese_browser_with_a_switch_in_the_header(
    chromium: Browser,
    server: Server,
    api: httpx.Client,
    tokens: dict[str, str],
    runtime: Runtime,
    installed_en: None,
    problems: Problems,
) -> None:
    publish(api, tokens, runtime, ["ja-1"])
    made = chromium.new_context(
        viewport={"width": 1280, "height": 860},
        locale="ja-JP",
        extra_http_headers={"Accept-Language": "ja"},
    )
    page = problems.watch(made.new_page())
    try:
        page.goto(f"{server.url}/editor/")
        expect(page.locator("#login-title")).to_have_text("サインイン")
        assert page.evaluate("document.documentElement.lang") == "ja"
        signed_in(page, server, tokens["admin"])
        for tab in ("entries", "review", "memory", "deliveries", "partner"):
            page.click(f'.tab[data-tab="{tab}"]')
            if tab == "review":
                page.locator("#reviews-list button.queue-item").first.click()
                expect(page.locator("#review-detail")).to_contain_text("リビジョン")
            text = page.locator(f"#tab-{tab}").inner_text() + page.locator("header").inner_text()
            found = ENGLISH.findall(text)
            assert not found, (tab, found)
        # Dates in Japanese (Intl, ja): 2026/12/03 …, not 12/3/2026, … AM.
        page.click('.tab[data-tab="review"]')
        page.locator("#reviews-list button.queue-item").first.click()
        meta = page.locator("#review-detail .review-meta").inner_text()
        assert re.search(r"\d{4}/\d{1,2}/\d{1,2}", meta), meta
        assert "AM" not in meta and "PM" not in meta
        screenshot(page, "desk-review-ja-1280")
        page.set_viewport_size({"width": 390, "height": 900})
        screenshot(page, "desk-review-ja-390")
        page.set_viewport_size({"width": 1280, "height": 860})
        # The switch in the header: English at once, and remembered.
        page.select_option("#locale-select", "en")
        expect(page.locator("#review-title")).to_have_text("Translations awaiting review")
        page.reload()
        expect(page.locator('.tab[data-tab="review"]')).to_have_text("Review")
    finally:
        made.close()


def test_both_catalogues_have_every_key_the_page_uses() -> None:
    catalogues = {
        name: json.loads((EDITOR_DIR / f"messages-{name}.json").read_text(encoding="utf-8"))
        for name in ("en", "ja")
    }
    assert set(catalogues["en"]) == set(catalogues["ja"]), set(catalogues["en"]) ^ set(
        catalogues["ja"]
    )
    used: set[str] = set()
    for path in EDITOR_DIR.glob("*.js"):
        used |= set(re.findall(r'\bt\("([\w.-]+)"', path.read_text(encoding="utf-8")))
    html = (EDITOR_DIR / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([\w.-]+)"', html))
    for name, catalogue in catalogues.items():
        missing = sorted(used - set(catalogue))
        assert not missing, f"messages-{name}.json lacks {missing}"
        for key, value in catalogue.items():
            assert value and (isinstance(value, str) or "other" in value), (name, key)


# --- 4 and 5. every view: axe-core, and screenshots at 1280 and 390 px --------------------------


VIEWS = (
    "entries",
    "suggestions",
    "transfer",
    "preview",
    "review",
    "memory",
    "deliveries",
    "partner",
)


def _axe(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    found: list[dict[str, Any]] = Axe().run(page).response["violations"]
    return [v for v in found if v.get("impact") in ("serious", "critical")]


@pytest.fixture
def desk(
    server: Server,
    api: httpx.Client,
    tokens: dict[str, str],
    runtime: Runtime,
    installed_en: None,
) -> Iterator[None]:
    publish(api, tokens, runtime, ["ax-1", "ax-2"])
    yield


@pytest.mark.parametrize("width", [1280, 390])
def test_every_view_passes_axe_and_is_photographed(
    chromium: Browser,
    server: Server,
    tokens: dict[str, str],
    desk: None,
    width: int,
    problems: Problems,
) -> None:
    made: BrowserContext = chromium.new_context(viewport={"width": width, "height": 900})
    page = problems.watch(made.new_page())
    serious: dict[str, list[str]] = {}
    try:
        page.goto(f"{server.url}/editor/")
        serious["login"] = [v["id"] for v in _axe(page)]
        screenshot(page, f"desk-login-{width}")
        signed_in(page, server, tokens["admin"])
        for view in VIEWS:
            page.click(f'.tab[data-tab="{view}"]')
            if view == "review":
                page.locator("#reviews-list button.queue-item").first.click()
                expect(page.locator("#review-detail h3")).to_be_visible()
            if view == "partner":
                # The partner that reads drafts too: the tiny model's output all awaits review.
                key = page.locator("#pv-key option", has_text="reviewing").get_attribute("value")
                page.select_option("#pv-key", key)
                page.click("#partner-form button[type=submit]")
                expect(page.locator("#partner-out li").first).to_be_visible()
            page.wait_for_timeout(150)
            serious[view] = [f"{v['id']}: {v.get('help')}" for v in _axe(page)]
            width_now = page.evaluate("document.documentElement.scrollWidth")
            assert width_now <= width, (view, width_now)
            screenshot(page, f"desk-{view}-{width}")
    finally:
        made.close()
    assert {view: found for view, found in serious.items() if found} == {}
