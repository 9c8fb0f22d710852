"""A whole article in one engine pass: title, summary and a text or HTML body."""

from __future__ import annotations

import lxml.html

from glossaries import Entry, Matcher
from tests.fakes import FakeEngine
from tests.translators.samples import HTML
from translators import translate_article
from translators.ctranslate import CTranslate2Engine
from translators.markup import translate_html
from translators.pipeline import translate_texts

TITLE = "モスクワの声明"
SUMMARY = "クレムリンは最後通告を拒否した。"
MATCHER = Matcher([Entry("クレムリン", {"en": "Kremlin"}), Entry("最後通告", {"en": "ultimatum"})])


def test_html_article_goes_to_the_engine_in_one_batch() -> None:
    engine = FakeEngine(lambda s: f"T[{s}]")
    done = translate_article(TITLE, SUMMARY, HTML, "html", engine=engine, matcher=MATCHER)
    assert len(engine.calls) == 1  # title, summary and every block together
    sent = engine.calls[0]
    assert any("声明" in s for s in sent)  # the title
    assert any("項目一" in s for s in sent) and any("拒否" in s for s in sent)
    alone = translate_html(HTML, engine=FakeEngine(lambda s: f"T[{s}]"), matcher=MATCHER)
    assert done.body == alone.html  # the same rebuilt fragment as translating the body alone
    assert done.body_result.segments == alone.result.segments
    assert done.body_format == "html"
    assert [a.get("href") for a in lxml.html.fragment_fromstring(done.body, "div").iter("a")] == [
        "https://example.jp/a?x=1&y=2"
    ]
    assert done.title.startswith("T[") and done.summary and "Kremlin" in done.summary


def test_text_article_report_has_the_stored_shape() -> None:
    engine = FakeEngine(lambda s: f"T[{s}]")
    body = "一段落目の文。\n\n二段落目の文。"
    done = translate_article(TITLE, None, body, "text", engine=engine, matcher=MATCHER)
    assert len(engine.calls) == 1
    title, summary, text = translate_texts(
        [TITLE, "", body], engine=FakeEngine(lambda s: f"T[{s}]"), matcher=MATCHER
    )
    assert done.summary is None
    assert done.body == "\n\n".join(text.paragraphs())
    report = done.report()
    reasons = sorted({r for part in (title, summary, text) for r in part.review_reasons})
    assert report == {
        "version": 2,
        "review_reasons": reasons,
        "title": title.to_dict(),
        "summary": summary.to_dict(),
        "body": text.to_dict(),
        "cache": {"hits": 0, "misses": done.cache_misses},
    }
    assert done.needs_review == (title.needs_review or text.needs_review)
    assert done.route == ("ja", "en")


def test_real_tiny_engine_translates_a_whole_html_article(tiny_engine: CTranslate2Engine) -> None:
    done = translate_article(TITLE, SUMMARY, HTML, "html", engine=tiny_engine, matcher=MATCHER)
    assert done.title and done.body.count("<li>") == 3
    assert "https://example.jp/a?x=1&amp;y=2" in done.body
    assert set(done.report()) == {"version", "review_reasons", "title", "summary", "body", "cache"}
    for segment in done.summary_result.segments:
        for term in segment.terms:  # a term is in the translation or its sentence is flagged
            assert term.present or "term-missing" in segment.flags
