from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from glossaries import Entry, Matcher
from tests.fakes import DictCache, FakeEngine
from translators import protect
from translators.ctranslate import CTranslate2Engine
from translators.engine import Engine
from translators.markup import translate_html
from translators.package import InstalledPackage, install, plan_route
from translators.pipeline import translate_texts
from translators.route import Route
from translators.toymodel import build_package

TEXT = "クレムリンは最後通告を拒否した。\n\nロシアの遅延戦術はマスカロフカだ。日本は3.5%成長した。"
ENTRIES = [
    Entry("クレムリン", {"en": "Kremlin", "fr": "Kremlin"}),
    Entry("最後通告", {"en": "ultimatum", "fr": "ultimatum-fr"}),
    Entry("マスカロフカ", {"fr": "maskirovka-fr"}),  # no English rendering
    Entry("ロシア", {"en": "Russia"}),  # nothing for French: not enforced
]


def fake(source: str, target: str, fn: Callable[[str], str]) -> FakeEngine:
    """One step of a pivot route, its package named after its pair."""
    return FakeEngine(fn, target, source=source, package=f"{source}{target}")


def _check_terms(segments: tuple[object, ...]) -> None:
    for segment in segments:
        for term in segment.terms:  # type: ignore[attr-defined]
            present = term.target.casefold() in segment.translation.casefold()  # type: ignore[attr-defined]
            assert term.present == present
            assert present or "term-missing" in segment.flags  # type: ignore[attr-defined]


def test_pivot_enforces_the_glossary_at_both_steps() -> None:
    ja_en = fake("ja", "en", lambda s: f"EN({s})")
    en_fr = fake("en", "fr", lambda s: f"FR({s})")
    [result] = translate_texts([TEXT], engine=Route([ja_en, en_fr]), matcher=Matcher(ENTRIES))
    assert result.route == ("ja", "en", "fr")
    assert len(ja_en.calls) == 1 and len(en_fr.calls) == 1
    # step 1 sees the English renderings (or the French one when there is no English)
    assert ja_en.calls[0][0] == "Kremlinはultimatumを拒否した。"
    assert "maskirovka-fr" in ja_en.calls[0][1]
    # step 2 sees the English sentence with the French renderings put in
    assert en_fr.calls[0][0] == "EN(Kremlinはultimatum-frを拒否した。)"
    assert len(result.segments) == 3
    assert [s.paragraph for s in result.segments] == [0, 1, 1]
    assert result.segments[0].source == "クレムリンは最後通告を拒否した。"
    targets = {t.target: t.present for s in result.segments for t in s.terms}
    assert targets == {"Kremlin": True, "ultimatum-fr": True, "maskirovka-fr": True}
    assert "Russia" not in targets
    _check_terms(result.segments)
    # Every term is present; only the Japanese the fakes leave in holds the result back.
    assert result.review_reasons == ("too-many-flags:untranslated",)
    assert result.to_dict()["route"] == ["ja", "en", "fr"]


def test_term_lost_in_step_one_is_flagged_after_step_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(protect, "join_pieces", lambda translated, terms, target: "lost")
    ja_en = fake("ja", "en", lambda s: "lost")
    en_fr = fake("en", "fr", lambda s: f"FR({s})")
    [result] = translate_texts([TEXT], engine=Route([ja_en, en_fr]), matcher=Matcher(ENTRIES))
    assert result.needs_review
    first = result.segments[0]
    assert "term-missing" in first.flags
    assert {t.target for t in first.terms} == {"Kremlin", "ultimatum-fr"}
    assert not any(t.present for t in first.terms)
    _check_terms(result.segments)


def test_route_must_chain() -> None:
    with pytest.raises(ValueError, match="route breaks"):
        Route([fake("ja", "en", str), fake("de", "fr", str)])
    with pytest.raises(ValueError):
        Route([])


def test_pivot_cache_hits_both_steps() -> None:
    cache = DictCache()
    route = Route([fake("ja", "en", lambda s: f"E{s}"), fake("en", "fr", lambda s: f"F{s}")])
    first = translate_texts([TEXT], engine=route, matcher=Matcher(ENTRIES), cache=cache)[0]
    assert first.cache_misses == 3
    again = translate_texts([TEXT], engine=route, matcher=Matcher(ENTRIES), cache=cache)[0]
    assert (again.cache_hits, again.cache_misses) == (3, 0)
    assert [s.translation for s in again.segments] == [s.translation for s in first.segments]


@pytest.fixture(scope="module")
def pivot_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archives = tmp_path_factory.mktemp("pivot-archives")
    models = tmp_path_factory.mktemp("pivot-models")
    install(build_package(archives, source="ja", target="en"), models)
    install(build_package(archives, source="en", target="fr", seed=1), models)
    return models


def test_plan_route(pivot_models: Path, tmp_path: Path) -> None:
    direct = plan_route(pivot_models, "ja", "en")
    assert direct is not None and [p.pair for p in direct] == ["ja:en"]
    pivot = plan_route(pivot_models, "ja", "fr")
    assert pivot is not None and [p.pair for p in pivot] == ["ja:en", "en:fr"]
    assert plan_route(pivot_models, "ja", "de") is None
    assert plan_route(pivot_models, "en", "ja") is None
    assert plan_route(tmp_path / "none", "ja", "fr") is None


def test_pivot_on_two_real_tiny_models(pivot_models: Path) -> None:
    packages: list[InstalledPackage] | None = plan_route(pivot_models, "ja", "fr")
    assert packages is not None
    route = Route([CTranslate2Engine(p) for p in packages])
    matcher = Matcher(ENTRIES)
    [result] = translate_texts([TEXT], engine=route, matcher=matcher)
    assert result.route == ("ja", "en", "fr")
    assert len(result.segments) == 3
    _check_terms(result.segments)
    terms = {t.target for s in result.segments for t in s.terms}
    assert terms == {"Kremlin", "ultimatum-fr", "maskirovka-fr"}
    html = translate_html(
        "<p><a href='/k'>クレムリン</a>は<em>最後通告</em>を拒否した。</p>",
        engine=route,
        matcher=matcher,
    )
    assert html.route == ("ja", "en", "fr")
    assert 'href="/k"' in html.html and "<em>" in html.html
    _check_terms(html.result.segments)


def test_a_route_is_an_engine() -> None:
    ja_en = fake("ja", "en", lambda s: f"E{s}")
    en_fr = fake("en", "fr", lambda s: f"F{s}")
    route = Route([ja_en, en_fr])
    engine: Engine = route
    assert engine.steps == (ja_en, en_fr) and engine.languages == ("ja", "en", "fr")
    assert (engine.source, engine.target) == ("ja", "fr")
    assert engine.package == "jaen+enfr" and engine.version == "1+1"
    assert engine.translate_batch(["犬", "猫"]) == ["FE犬", "FE猫"]
    assert not engine.capabilities.term_hints and not engine.capabilities.reports_truncation
    assert Route([route]).steps == (ja_en, en_fr)  # a route of a route is flattened
    engine.close()  # borrows its steps: nothing of theirs to close
