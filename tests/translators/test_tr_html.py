from __future__ import annotations

import lxml.html
import pytest

from glossaries import Entry, Matcher
from tests.fakes import FakeEngine
from tests.translators.samples import HTML
from translators import protect
from translators.ctranslate import CTranslate2Engine
from translators.engine import EngineBase
from translators.markup import HtmlTranslation, translate_html
from translators.review import ReviewPolicy

TERMS = {
    "モスクワ": "Moscow",
    "クレムリン": "Kremlin",
    "最後通告": "ultimatum",
    "マスカロフカ": "maskirovka",
}


def _matcher() -> Matcher:
    return Matcher([Entry(s, {"en": t}) for s, t in TERMS.items()])


def _tags(html: str) -> list[str]:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [e.tag for e in root.iter() if isinstance(e.tag, str)]


def _links(html: str) -> list[str]:
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [str(a.get("href")) for a in root.iter("a")]


EXPECTED_TAGS = [
    "div", "h2", "p", "a", "strong", "em", "ul", "li", "li", "ul", "li",
    "blockquote", "p", "figure", "img", "figcaption", "p", "br",
]  # fmt: skip


def _assert_terms(result: HtmlTranslation) -> None:
    for segment in result.result.segments:
        for term in segment.terms:
            present = term.target.casefold() in segment.translation.casefold()
            assert term.present == present
            assert present or "term-missing" in segment.flags


def test_structure_links_and_emphasis_kept_one_batch() -> None:
    engine = FakeEngine(lambda s: f"T[{s}]")
    # The fake keeps the Japanese, which the default policy holds for review (checked below);
    # a policy without the share rule shows that nothing else (terms, truncation) is wrong.
    lenient = ReviewPolicy(max_flagged_share=1.0)
    assert translate_html(HTML, engine=engine, matcher=_matcher()).result.review_reasons == (
        "too-many-flags:untranslated",
    )
    engine.calls.clear()
    out = translate_html(HTML, engine=engine, matcher=_matcher(), policy=lenient)
    assert len(engine.calls) == 1
    sent = "\n".join(engine.calls[0])
    assert "秘密" not in sent and "color" not in sent and "<" not in sent and "href" not in sent
    assert _tags(out.html) == EXPECTED_TAGS
    assert _links(out.html) == ["https://example.jp/a?x=1&y=2"]
    root = lxml.html.fragment_fromstring(out.html, create_parent="div")
    assert root.find(".//a").text_content() == "T[公式サイト]"
    assert root.find(".//strong").text_content() == "T[ultimatum]"
    assert root.find(".//em").text_content() == "T[maskirovka]"
    assert root.find(".//img").get("src") == "x.jpg"  # attributes untouched...
    assert root.find(".//img").get("alt") == "T[写真]"  # ...but the alt text, translated
    assert "secret" not in out.html and "comment" not in out.html
    p = root.findall("p")[0]
    assert p.text_content().startswith("T[KremlinはT[公式サイト]でT[ultimatum]を拒否した。]")
    assert out.blocks == 8
    # The image's alt text (outside any block) is a paragraph of its own, after the blocks.
    assert [s.paragraph for s in out.result.segments] == [0, 1, 1, 2, 3, 4, 5, 6, 7, 7, 8]
    first = out.result.segments[1]
    assert first.source == "クレムリンは公式サイトで最後通告を拒否した。"
    assert {t.target for t in first.terms} == {"Kremlin", "ultimatum"}
    _assert_terms(out)
    assert not out.needs_review
    assert out.route == ("ja", "en")
    assert out.to_dict()["html"] == out.html


def test_lost_placeholder_keeps_link_and_translation() -> None:
    engine = FakeEngine(
        lambda s: protect._TOKEN.sub("", s).replace("ZX1", "").replace("ZX2", "") + "!"
    )
    out = translate_html(HTML, engine=engine, matcher=_matcher())
    assert _links(out.html) == ["https://example.jp/a?x=1&y=2"]
    root = lxml.html.fragment_fromstring(out.html, create_parent="div")
    p = root.findall("p")[0]
    # ZX3 (em) survived in place; the lost a and strong are appended in their order
    assert [c.tag for c in p] == ["em", "a", "strong"]
    assert p[0].tail is not None and p[0].tail.startswith("を続ける")
    assert p.text is not None and p.text.startswith("Kremlinは")
    assert root.find(".//a").text == "公式サイト!"
    assert "公式サイト!" in out.result.segments[2].translation
    _assert_terms(out)


def test_missing_term_inside_a_link_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protect, "join_pieces", lambda translated, terms, target: "nothing")
    engine = FakeEngine(lambda s: "x")
    html = "<p>声明は<a href='/k'>クレムリン</a>から。</p>"
    out = translate_html(html, engine=engine, matcher=_matcher())
    assert out.needs_review
    [segment] = out.result.segments
    assert "term-missing" in segment.flags
    assert [t.present for t in segment.terms] == [False]
    assert _links(out.html) == ["/k"]


def test_plain_fragment_and_empty() -> None:
    engine = FakeEngine(str.upper)
    out = translate_html("just text <b>bold</b> end", engine=engine)
    assert out.html == "JUST TEXT <b>BOLD</b> END"
    assert translate_html("  ", engine=engine).html == ""
    only_link = translate_html("<p><a href='/x'>リンク</a></p>", engine=engine)
    assert only_link.html == '<p><a href="/x">リンク</a></p>'
    assert len(only_link.result.segments) == 1
    assert engine.calls[-1] == ["リンク"]  # the token alone is never sent


def test_real_tiny_engine_keeps_structure(tiny_engine: CTranslate2Engine) -> None:
    calls: list[list[str]] = []

    class Spy(EngineBase):
        source, target, package, version = "ja", "en", tiny_engine.package, tiny_engine.version

        def translate_batch(self, sentences: list[str]) -> list[str]:
            calls.append(list(sentences))
            return tiny_engine.translate_batch(sentences)

    out = translate_html(HTML, engine=Spy(), matcher=_matcher())
    assert all("秘密" not in s and "<" not in s for call in calls for s in call)
    assert len(calls) <= 3
    assert _tags(out.html) == EXPECTED_TAGS
    assert _links(out.html) == ["https://example.jp/a?x=1&y=2"]
    _assert_terms(out)
    terms = [t for s in out.result.segments for t in s.terms]
    assert {t.target for t in terms} == set(TERMS.values())
    assert all(t.present for t in terms)


def test_image_alt_text_is_translated_with_its_paragraph_and_terms() -> None:
    engine = FakeEngine(lambda s: f"T[{s}]")
    html = "<p>クレムリンの写真。<img src='https://img.example.jp/k.jpg' alt='モスクワの夜'></p>"
    out = translate_html(html, engine=engine, matcher=_matcher())
    assert len(engine.calls) == 1  # the alt text rides in the paragraphs' batch
    root = lxml.html.fragment_fromstring(out.html, create_parent="div")
    image = root.find(".//img")
    assert image.get("src") == "https://img.example.jp/k.jpg"
    assert image.get("alt") == "T[Moscowの夜]"
    assert {s.paragraph for s in out.result.segments} == {0}
    assert out.result.segments[-1].source == "モスクワの夜"
    assert {t.target for s in out.result.segments for t in s.terms} == {"Kremlin", "Moscow"}
    _assert_terms(out)


def test_image_alt_text_through_the_real_engine(tiny_engine: CTranslate2Engine) -> None:
    html = "<p>本文。<img src='https://img.example.jp/k.jpg' alt='写真の説明'></p>"
    out = translate_html(html, engine=tiny_engine)
    image = lxml.html.fragment_fromstring(out.html, create_parent="div").find(".//img")
    assert image.get("src") == "https://img.example.jp/k.jpg"
    assert image.get("alt") != "写真の説明"
    assert out.result.segments[-1].source == "写真の説明"
